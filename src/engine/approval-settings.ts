import { TollgateError } from './errors.js';
import { APPROVALS_MODULE, type ApprovalSettings, type PermitTarget } from './model.js';
import type { WorldIndex } from './world.js';

/** What is handed on in place of a removed link. */
export const LINK_PLACEHOLDER = '[link removed]';

/** A URL's scheme (at most 32 characters) and `://`, or `www.`: what starts a link that is no bare name. */
const SCHEME_OR_WWW = String.raw`[a-z][a-z0-9+.-]{0,31}:\/\/|www\.`;
/** A scheme-relative URL (`//host.example/x`): `//` before a host name, not inside a path or after a scheme. */
const SCHEME_RELATIVE = String.raw`(?<![\w:/\\.])\/\/(?=[a-z0-9-]+\.[a-z0-9-])`;
/** A bracketed host right after the start (`http://[::1]:80/x`): its `]` does not end the link. */
const BRACKETED_HOST = String.raw`(?:\[[^\s\]]{0,64}\])?`;
/**
 * Link candidates: URLs with a scheme or scheme-relative, bare www. hosts,
 * and bare host names (`docs.example.com/sheet`, `docs.example.com`) not
 * part of an email address or of a longer name; isBareLink decides which
 * bare names are hosts.
 */
const LINK_PATTERN = new RegExp(
  String.raw`(?:\b(?:${SCHEME_OR_WWW})|${SCHEME_RELATIVE})${BRACKETED_HOST}[^\s<>"')\]]*|(?<![\w@.\-/\\])(?:[a-z0-9-]+\.)+[a-z0-9-]+(?:\/[^\s<>"')\]]*)?`,
  'gi',
);
// Linear on any text: a scheme is at most 32 characters (a longer run of scheme characters is no scheme, and each
// start scans at most that far), a bracketed host at most 64, and a bare name starts only where no name character
// precedes it.
/** Scheme characters of a URL: a link candidate with one is no bare name. */
const SCHEME_START = new RegExp(String.raw`^(?:${SCHEME_OR_WWW}|\/\/)`, 'i');
/**
 * Links of schemes without `//`, in a link's shape and as links are written
 * (lower case; a script's scheme in any case, right before a character of
 * the link), so that `Data:Category`, `SMS:on`, `JavaScript: yes` and
 * `MS-DOS:prompt` stay words: read after the other links are removed, so
 * one inside (`Data:https://...`) is gone already, and ending at a `[` (the
 * placeholder of one). Each prefix is bounded: linear on any text.
 */
const OPAQUE_PATTERN = new RegExp(
  String.raw`(?<![\w.+-])(?:(?:(?:[jJ][aA][vV][aA]|[vV][bB])[sS][cC][rR][iI][pP][tT]|callto):(?=[^\s<>"')\[\]])|mailto:[^\s@<>"')\[\]]{1,256}@|data:[a-z]{1,32}\/[a-z0-9.+-]{1,64}[;,]|(?:tel|sms):(?=\+?[0-9(])|ms-[a-z0-9-]{1,32}:(?=[a-z]))[^\s<>"')\[\]]*`,
  'g',
);
/**
 * Links to a host given by an address rather than a name, read after the
 * others: an IPv4 address with a port or a path (`10.0.0.5:8080`,
 * `192.168.1.9/admin`; one alone may be a version, `10.5.3.1`),
 * `localhost` with a port or a path, and a host after a user (and a
 * password) followed by a path (`user:pass@host/x`, `user@host/x`; an
 * email address has no path). Every part is bounded: linear on any text.
 */
const ADDRESS_PATTERN = new RegExp(
  String.raw`(?<![\w.:/\@-])(?:(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5}(?:\/[^\s<>"')\[\]]*)?|\/[^\s<>"')\[\]]*)|localhost(?::\d{1,5}(?:\/[^\s<>"')\[\]]*)?|\/[^\s<>"')\[\]]*)|[^\s@/:<>"')\[\]]{1,64}(?::[^\s@/<>"')\[\]]{0,64})?@(?:[a-z0-9-]{1,63}\.){0,8}[a-z0-9-]{1,63}(?::\d{1,5})?\/[^\s<>"')\[\]]*)`,
  'gi',
);
/** Punctuation that ends the sentence around a link rather than the link. */
const SENTENCE_PUNCTUATION = new Set(['.', ',', ';', ':', '!', '?']);
/** The last part of a host name: letters (a top-level domain). */
const TOP_LEVEL = /^[a-z]{2,63}$/i;
/**
 * File name extensions that are also top-level domains or look like them:
 * `setup.v2.exe` and `backup.tar.gz` are files, not hosts, unless a path
 * follows (`bit.ly/x` is a link whatever its last part).
 */
const FILE_EXTENSIONS = new Set(
  'exe msi msix dll sys zip gz tgz bz2 xz 7z rar tar txt log pdf doc docx xls xlsx ppt pptx csv json yaml yml xml ini cfg conf bat cmd ps1 psm1 sh py js ts jar app dmg pkg deb rpm iso img bin md'.split(
    ' ',
  ),
);

/** Top-level domains common enough that a name of two parts ending in one is taken for a host (`example.com`). */
const COMMON_TOP_LEVELS = new Set(
  'com net org edu gov mil int info biz io co ai dev me us uk de fr nl be es it ch at se no dk fi pl cz ru cn jp kr in au nz ca br mx eu'.split(
    ' ',
  ),
);

/**
 * Whether a bare name (no scheme, no www.) is a link: a host name, its last
 * part letters (a top-level domain), followed by a path (`bit.ly/x`); or of
 * three parts or more whose last is no file name extension
 * (`docs.google.com`); or of two whose last is a common top-level domain
 * (`example.com`, not `Node.js` or `setup.exe`).
 */
function isBareLink(candidate: string): boolean {
  const slash = candidate.indexOf('/');
  const labels = (slash < 0 ? candidate : candidate.slice(0, slash)).split('.');
  const top = labels[labels.length - 1] as string;
  if (!TOP_LEVEL.test(top) || labels.some((label) => label === '')) return false;
  if (slash >= 0) return true;
  const lower = top.toLowerCase();
  return labels.length >= 3 ? !FILE_EXTENSIONS.has(lower) : COMMON_TOP_LEVELS.has(lower);
}

/**
 * Removes every link from guideline instructions; returns the text and how
 * many were removed. Punctuation right after a link (`see https://x.example/a,
 * then`) stays: it belongs to the sentence.
 */
export function removeLinks(instructions: string): { text: string; removed: number } {
  let removed = 0;
  const text = instructions.replace(LINK_PATTERN, (match: string, offset: number) => {
    let end = match.length;
    while (end > 0 && SENTENCE_PUNCTUATION.has(match.charAt(end - 1))) end--;
    const trailing = match.slice(end);
    const link = match.slice(0, end);
    const bare = !SCHEME_START.test(link);
    // A bare name right before `@` is the local part of an email address.
    const inAddress = instructions.charAt(offset + match.length) === '@';
    if (link === '' || (bare && (inAddress || !isBareLink(link)))) return match;
    removed++;
    return LINK_PLACEHOLDER + trailing;
  });
  const placeholder = (match: string): string => {
    let end = match.length;
    while (end > 0 && SENTENCE_PUNCTUATION.has(match.charAt(end - 1))) end--;
    removed++;
    return LINK_PLACEHOLDER + match.slice(end);
  };
  const opaque = text.replace(OPAQUE_PATTERN, placeholder);
  return { text: opaque.replace(ADDRESS_PATTERN, placeholder), removed };
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
