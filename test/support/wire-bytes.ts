/**
 * Protobuf bytes written by hand for the wire readers' tests: what no
 * encoder writes (fields out of order, another wire type, varints of any
 * length) as byte lists.
 */

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
