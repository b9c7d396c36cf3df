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

/** FNV-1a over a key's bytes, then finishKeyHash (what EvaluateRequestReader.scan computes as it writes one). */
export function keyHash(key: Uint8Array, length = key.length): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ (key[i] as number), 0x01000193);
  return finishKeyHash(h);
}

/** The last step of a key hash: an avalanche so that a table's low bits depend on every byte. */
export function finishKeyHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
