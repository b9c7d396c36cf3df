/**
 * A file's key: the bytes by which a decision cache finds a file asked
 * again, the same whether they are made from a FileRequest (fileKey) or
 * read from an evaluate request's frame without decoding its text
 * (evaluate-codec.ts EvaluateRequestReader.scan).
 */
import { Buffer } from 'node:buffer';
import type { FileRequest } from '../engine/model.js';

/**
 * A file's key: the FileInfo message of the file as the generated encoder
 * writes it (SPEC.md section 9, proto/tollgate.proto): for each field present,
 * in the order path, sha256, certSubject, certThumbprint, processPath,
 * createdBy (field numbers 1 to 6), its tag (the number, wire type 2), its
 * UTF-8 length as a varint of the fewest bytes and its UTF-8 bytes. Two
 * files have the same key exactly when every field sameFile compares is the
 * same. A request whose FileInfo is written this way (every client's
 * encoder does) carries its file's key as it is: the decision cache finds
 * the file by those bytes of the frame, neither decoded nor copied
 * (evaluate-codec.ts EvaluateRequestReader.scan). Null for a file with a
 * lone surrogate, whose UTF-8 would stand for another text. The key is a
 * buffer of its own (its `buffer` holds its bytes only).
 */
export function fileKey(file: FileRequest): Buffer | null {
  const fields = [file.path, file.sha256, file.certSubject, file.certThumbprint, file.processPath, file.createdBy];
  let bytes = 0;
  for (const text of fields) {
    if (text === undefined) continue;
    if (!(text as unknown as WellFormed).isWellFormed()) return null;
    const length = Buffer.byteLength(text, 'utf8');
    bytes += 1 + varintBytes(length) + length;
  }
  // A buffer of its own, not a view of Node's shared 8 KiB pool: a cached key lives as long as its
  // entry, and a view would keep the whole pool slab (and every other buffer cut from it) alive.
  const key = Buffer.allocUnsafeSlow(bytes);
  let at = 0;
  for (let i = 0; i < fields.length; i++) {
    const text = fields[i];
    if (text === undefined) continue;
    const length = Buffer.byteLength(text, 'utf8');
    at = putKeyFieldHead(key, at, i + 1, length);
    at += key.write(text, at, 'utf8');
  }
  return key;
}

/** The bytes of a varint of `value` (a uint32) written with the fewest bytes. */
export function varintBytes(value: number): number {
  let n = 1;
  for (let v = value >>> 7; v !== 0; v >>>= 7) n++;
  return n;
}

/** Writes `value` (a uint32) as a varint of the fewest bytes at `pos`; returns where the next byte goes. */
export function putVarint(out: Uint8Array, pos: number, value: number): number {
  let v = value >>> 0;
  while (v > 0x7f) {
    out[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[pos++] = v;
  return pos;
}

/** Writes a key field's tag (field number 1 to 6, wire type 2) and its length (a varint) at `at`; returns where its bytes go. */
export function putKeyFieldHead(key: Uint8Array, at: number, field: number, length: number): number {
  key[at] = (field << 3) | 2;
  return putVarint(key, at + 1, length);
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
export function keyHash(key: Uint8Array, start = 0, end = key.length): number {
  let h = end - start;
  let i = start;
  for (const whole = end - 3; i < whole; i += 4) {
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
  for (; i < end; i++) {
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
