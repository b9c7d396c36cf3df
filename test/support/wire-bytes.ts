/**
 * Protobuf bytes written by hand for the wire readers' tests: what no
 * encoder writes (fields out of order, another wire type, varints of any
 * length) as byte lists, and a reader's outcome to compare with another's.
 */

import { TollgateError } from '../../src/engine/errors.js';

/** The bytes of `text` given as hex, spaces allowed. */
export const hex = (text: string): Buffer => Buffer.from(text.replace(/\s/g, ''), 'hex');

/** A varint of `value` (any size a bigint holds), as many bytes as it takes. */
export function varint(value: bigint | number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** A field's key. */
export const key = (field: number, wireType: number): number[] => varint(field * 8 + wireType);

/** A length-delimited field holding `bytes`. */
export const len = (field: number, bytes: ArrayLike<number>): number[] => [
  ...key(field, 2),
  ...varint(bytes.length),
  ...Array.from(bytes),
];

/** What a reader gave, or the TollgateError it refused with (code and message): two readers are compared on it. */
export type Outcome = { ok: unknown } | { error: string };

/** Runs `read`: its result, or its TollgateError as `code message` (anything else is thrown on). */
export function outcome(read: () => unknown): Outcome {
  try {
    return { ok: read() };
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    return { error: `${error.code} ${error.message}` };
  }
}
