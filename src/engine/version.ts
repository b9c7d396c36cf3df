import { TollgateError } from './errors.js';

/** A version is 1 to 4 dot-separated non-negative integers (SPEC.md section 4). */
export const VERSION_PATTERN = /^(0|[1-9]\d*)(\.(0|[1-9]\d*)){0,3}$/;

/** The number of parts a version is compared on; missing parts are 0. */
export const VERSION_PARTS = 4;

export function isValidVersion(text: string): boolean {
  return VERSION_PATTERN.test(text);
}

/** Parses a version into exactly four parts, or throws naming the text. */
export function parseVersion(text: string): number[] {
  if (!isValidVersion(text)) {
    throw new TollgateError('bad-version', `"${text}" is not a version (1 to 4 dot-separated non-negative integers)`);
  }
  const parts = text.split('.').map(Number);
  while (parts.length < VERSION_PARTS) parts.push(0);
  return parts;
}

/** Negative, zero or positive as `a` is below, equal to or above `b`, part by part. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  for (let i = 0; i < VERSION_PARTS; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
