/**
 * A file's key: the bytes by which a decision cache finds a file asked
 * again, the same whether they are made from a FileRequest (fileKey) or
 * read from an evaluate request's frame without decoding its text
 * (evaluate-codec.ts EvaluateRequestReader.scan).
 */
import { Buffer } from 'node:buffer';
import type { FileRequest } from '../engine/model.js';

/** Marks a field of a file key: its number (1 path .. 6 createdBy), then its UTF-8 length (4 bytes LE), then its bytes. */
export const KEY_FIELD_HEADER_BYTES = 5;

/**
 * A file's key: for each field present, in the order path, sha256,
 * certSubject, certThumbprint, processPath, createdBy (field numbers 1 to 6),
 * the field's number, its UTF-8 length (4 bytes, little-endian) and its UTF-8
 * bytes. Two files have the same key exactly when every field sameFile
 * compares is the same, so a request's fields read as bytes from a frame
 * (evaluate-codec.ts EvaluateRequestReader.scan) find the file they
 * decode to without being decoded. Null for a file with a lone surrogate,
 * whose UTF-8 would stand for another text.
 */
export function fileKey(file: FileRequest): Buffer | null {
  const fields = [file.path, file.sha256, file.certSubject, file.certThumbprint, file.processPath, file.createdBy];
  let bytes = 0;
  for (const text of fields) {
    if (text === undefined) continue;
    if (!(text as unknown as WellFormed).isWellFormed()) return null;
    bytes += KEY_FIELD_HEADER_BYTES + Buffer.byteLength(text, 'utf8');
  }
  const key = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = 0; i < fields.length; i++) {
    const text = fields[i];
    if (text === undefined) continue;
    key[at] = i + 1;
    const written = key.write(text, at + KEY_FIELD_HEADER_BYTES, 'utf8');
    key.writeUInt32LE(written, at + 1);
    at += KEY_FIELD_HEADER_BYTES + written;
  }
  return key;
}

interface WellFormed {
  isWellFormed(): boolean;
}

/**
 * A key's hash (what EvaluateRequestReader.scan computes for the key it
 * writes): MurmurHash3's 32-bit body over the bytes taken four at a time
 * (little-endian) and one at a time for the last ones, seeded with the
 * length, then its finalizer, so that a table's low bits depend on every
 * byte. An int32, so that a Map keyed by it holds small integers. Four
 * bytes a step keep it to about a third of the time of a byte-at-a-time
 * hash; a decision cache compares the whole key on every find, so the hash
 * only spreads keys.
 */
export function keyHash(key: Uint8Array, length = key.length): number {
  let h = length;
  let i = 0;
  for (const whole = length - 3; i < whole; i += 4) {
    let k =
      (key[i] as number) |
      ((key[i + 1] as number) << 8) |
      ((key[i + 2] as number) << 16) |
      ((key[i + 3] as number) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  for (; i < length; i++) {
    let k = Math.imul(key[i] as number, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
