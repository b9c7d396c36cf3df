import { TollgateError } from './errors.js';
import { APPROVALS_MODULE, type ApprovalSettings, type PermitTarget } from './model.js';
import type { WorldIndex } from './world.js';

/** What is handed on in place of a removed link. */
export const LINK_PLACEHOLDER = '[link removed]';

/** URLs with a scheme, and bare www. hosts: external links are never used (SPEC.md section 5). */
const LINK_PATTERN = /\b(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s<>"')\]]+/gi;

/** Removes every link from guideline instructions; returns the text and how many were removed. */
export function removeLinks(instructions: string): { text: string; removed: number } {
  let removed = 0;
  const text = instructions.replace(LINK_PATTERN, () => {
    removed++;
    return LINK_PLACEHOLDER;
  });
  return { text, removed };
}

export interface ResolvedApprovalSettings {
  permitTarget: PermitTarget;
  instructions: string;
  escalationEmails: string[];
  warnings: string[];
}

function settingsOf(index: WorldIndex, orgId: string): ApprovalSettings | undefined {
  return index.world.approvalSettings.find((s) => s.org === orgId);
}

function resolveGuidelines(
  index: WorldIndex,
  orgId: string,
  seen: string[],
): { permitTarget: PermitTarget; instructions: string } {
  const g = settingsOf(index, orgId)?.guidelines;
  if (g?.useParent === true) {
    const parent = index.org(orgId).parent;
    if (parent === undefined) {
      throw new TollgateError(
        'no-parent',
        `approvalSettings[${orgId}]: guidelines.useParent is set, but organization ${orgId} has no parent`,
      );
    }
    if (seen.includes(parent)) throw new TollgateError('org-cycle', `organization ${orgId} is its own ancestor`);
    return resolveGuidelines(index, parent, [...seen, parent]);
  }
  return { permitTarget: g?.permitTarget ?? 'computer', instructions: g?.instructions ?? '' };
}

function resolveEscalation(index: WorldIndex, orgId: string, seen: string[]): string[] {
  const e = settingsOf(index, orgId)?.escalation;
  if (e?.useParent === true) {
    const parent = index.org(orgId).parent;
    if (parent === undefined) {
      throw new TollgateError(
        'no-parent',
        `approvalSettings[${orgId}]: escalation.useParent is set, but organization ${orgId} has no parent`,
      );
    }
    if (seen.includes(parent)) throw new TollgateError('org-cycle', `organization ${orgId} is its own ancestor`);
    return resolveEscalation(index, parent, [...seen, parent]);
  }
  return [...(e?.emails ?? [])];
}

/** An organization's guidelines and escalation, with `useParent` followed through every level. */
export function resolveApprovalSettings(index: WorldIndex, orgId: string): ResolvedApprovalSettings {
  const guidelines = resolveGuidelines(index, orgId, [orgId]);
  const escalationEmails = resolveEscalation(index, orgId, [orgId]);
  const warnings: string[] = [];
  const { text, removed } = removeLinks(guidelines.instructions);
  if (removed > 0) {
    warnings.push(
      `${removed} link${removed === 1 ? '' : 's'} removed from the instructions: external links are never used`,
    );
  }
  if (index.org(orgId).modules.includes(APPROVALS_MODULE) && escalationEmails.length === 0) {
    warnings.push(`organization ${orgId} has no escalation address: approvals are misconfigured`);
  }
  return { permitTarget: guidelines.permitTarget, instructions: text, escalationEmails, warnings };
}

/**
 * Why an organization with the approvals module cannot escalate requests
 * (no escalation address, or none resolvable through `useParent`), or null
 * when it can or does not have the module (SPEC.md section 5).
 */
export function escalationProblem(index: WorldIndex, orgId: string): string | null {
  if (!index.org(orgId).modules.includes(APPROVALS_MODULE)) return null;
  try {
    return resolveEscalation(index, orgId, [orgId]).length === 0 ? 'no escalation address' : null;
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    return `no resolvable escalation address (${error.message})`;
  }
}
