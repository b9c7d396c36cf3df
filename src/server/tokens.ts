/**
 * Enrollment tokens: random secrets handed to an agent once; the server keeps
 * only their sha256 and compares hashes in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Random bytes in a new enrollment token (encoded as base64url). */
export const TOKEN_BYTES = 32;

/** A new enrollment token: TOKEN_BYTES random bytes, base64url. */
export function newEnrollmentToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** The sha256 of a token's UTF-8 text: what the server stores. */
export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Whether `token` hashes to `stored` (timing-safe); false when nothing is stored. */
export function tokenMatches(stored: Uint8Array | null, token: string): boolean {
  if (stored === null || typeof token !== 'string') return false;
  const hash = tokenHash(token);
  return stored.length === hash.length && timingSafeEqual(stored, hash);
}
