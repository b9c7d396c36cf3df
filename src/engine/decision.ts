import { FLAT_FEATURE, PRIORITIZE_FEATURE, failedGates } from './gates.js';
import type { Decision, PolicyAction, SettingValue, Structure } from './model.js';
import { PRIORITIZE_SETTING } from './settings.js';
import type { ComputerView } from './view.js';

/** Per-decision inputs: the evaluation time, and setting values that override the view's. */
export interface EvaluateOptions {
  nowMs: number;
  settings?: Readonly<Record<string, SettingValue>>;
}

/** The parts of a decision that depend on the agent, not on the file. */
export interface EffectiveMode {
  structure: Structure;
  builtInsFirst: boolean;
  gated: string[];
}

/** Effective structure and built-in prioritization of SPEC.md sections 2.3 and 2.4. */
export function effectiveMode(
  view: Pick<ComputerView, 'computer' | 'orgStructure' | 'gates' | 'settings'>,
  overrides?: Readonly<Record<string, SettingValue>>,
): EffectiveMode {
  const { os, agentVersion } = view.computer;
  const gated = failedGates(view.gates, os, agentVersion);
  const structure: Structure = view.orgStructure === 'flat' && !gated.includes(FLAT_FEATURE) ? 'flat' : 'hierarchical';
  const setting = overrides?.[PRIORITIZE_SETTING] ?? view.settings[PRIORITIZE_SETTING];
  const builtInsFirst = gated.includes(PRIORITIZE_FEATURE) ? true : setting !== false;
  return { structure, builtInsFirst, gated };
}

/** How a mode reads in a decision's reason. */
export function describeMode(mode: EffectiveMode): string {
  const parts = [`${mode.structure} order`, mode.builtInsFirst ? 'built-ins first' : 'built-ins not prioritized'];
  if (mode.gated.length > 0) parts.push(`agent below the gate for ${mode.gated.join(', ')}`);
  return parts.join(', ');
}

/** The reason of the implicit deny (SPEC.md section 2.2). */
export const NO_MATCH_REASON = 'no matching policy';

/** What a decision shows of the policy that made it. */
export interface DecidingPolicy {
  id: string;
  name: string | null;
  app: string | null;
  action: PolicyAction;
  order: number;
  isDefault: boolean;
  ringfence?: Record<string, unknown>;
}

/** The one-line reason of a decision made by a policy. */
export function policyReason(policy: DecidingPolicy, mode: EffectiveMode): string {
  return policyReasonIn(policy, describeMode(mode));
}

/**
 * policyReason with the mode already described (describeMode). Joined from
 * its parts rather than concatenated: V8 makes the text one flat string at
 * once, where a template would chain a dozen intermediate strings that live
 * (and are copied by every young-generation collection) as long as the
 * decision, and are flattened again when the decision is first encoded.
 */
export function policyReasonIn(
  policy: Pick<DecidingPolicy, 'id' | 'app' | 'action' | 'order' | 'isDefault'>,
  modeText: string,
): string {
  return policy.isDefault
    ? [
        policy.action,
        ' by policy ',
        policy.id,
        ' (order ',
        policy.order,
        ') for the default policy (',
        modeText,
        ')',
      ].join('')
    : [
        policy.action,
        ' by policy ',
        policy.id,
        ' (order ',
        policy.order,
        ') for application ',
        policy.app ?? '?',
        ' (',
        modeText,
        ')',
      ].join('');
}

/** Builds the decision for the policy that decided, or the implicit deny when none did. */
export function makeDecision(
  policy: DecidingPolicy | undefined,
  mode: EffectiveMode,
  snapshotVersion: number | null,
  reason?: string,
): Decision {
  if (policy === undefined) {
    return {
      action: 'deny',
      policy: null,
      policyName: null,
      order: null,
      application: null,
      structure: mode.structure,
      builtInsFirst: mode.builtInsFirst,
      gated: [...mode.gated],
      snapshotVersion,
      reason: NO_MATCH_REASON,
    };
  }
  const decision: Decision = {
    action: policy.action,
    policy: policy.id,
    policyName: policy.name,
    order: policy.order,
    application: policy.app,
    structure: mode.structure,
    builtInsFirst: mode.builtInsFirst,
    gated: [...mode.gated],
    snapshotVersion,
    reason: reason ?? policyReason(policy, mode),
  };
  if (policy.ringfence !== undefined) decision.ringfence = policy.ringfence;
  return decision;
}
