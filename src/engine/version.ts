import { TollgateError } from './errors.js';
import { MAX_VERSION_PART_DIGITS } from './limits.js';

/** A version is 1 to 4 dot-separated non-negative integers (SPEC.md section 4), without leading zeros. */
export const VERSION_PATTERN = /^(0|[1-9]\d*)(\.(0|[1-9]\d*)){0,3}$/;

/** The number of parts a version is compared on; missing parts are 0. */
export const VERSION_PARTS = 4;

export const VERSION_RULE = '1 to 4 dot-separated non-negative integers, without leading zeros';

/** What is wrong with a version text, or null when it is a version. */
export function versionProblem(text: string): string | null {
  if (!VERSION_PATTERN.test(text)) return `is not a version (${VERSION_RULE})`;
  if (text.split('.').some((part) => part.length > MAX_VERSION_PART_DIGITS)) {
    return `has a part of more than ${MAX_VERSION_PART_DIGITS} digits`;
  }
  return null;
}

export function isValidVersion(text: string): boolean {
  return typeof text === 'string' && versionProblem(text) === null;
}

/** Parses a version into exactly four exact parts, or throws naming the text. */
export function parseVersion(text: string): bigint[] {
  const problem = versionProblem(text);
  if (problem !== null) throw new TollgateError('bad-version', `${JSON.stringify(text)} ${problem}`);
  const parts = text.split('.').map((part) => BigInt(part));
  while (parts.length < VERSION_PARTS) parts.push(0n);
  return parts;
}

/** Compares two parts given as digits without leading zeros: the longer is larger, else the text decides. */
function compareParts(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Negative, zero or positive as `a` is below, equal to or above `b`, part by part, exactly at any size. */
export function compareVersions(a: string, b: string): number {
  for (const text of [a, b]) {
    const problem = versionProblem(text);
    if (problem !== null) throw new TollgateError('bad-version', `${JSON.stringify(text)} ${problem}`);
  }
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < VERSION_PARTS; i++) {
    const d = compareParts(pa[i] ?? '0', pb[i] ?? '0');
    if (d !== 0) return d;
  }
  return 0;
}
