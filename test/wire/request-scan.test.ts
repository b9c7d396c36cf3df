import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { hex, key, len, varint, outcome, type Outcome } from '../support/wire-bytes.js';
import { decodeRequest, REQUEST_FIELD_LIMITS, tryReadRequestId } from '../../src/wire/local-api.js';

// The count of a request's lists from its bytes, and the id read from a request that is refused, against the
// generated decoder: unknown fields (groups too), fields of another wire type and repeated fields change
// nothing the decoder would not change.

const pb = tollgate.v1;
const L = REQUEST_FIELD_LIMITS;

const utf8 = (text: string): number[] => Array.from(Buffer.from(text, 'utf8'));

/**
 * Asserts that decodeRequest answers `bytes` as it answers the request the generated decoder reads from them
 * (encoded again, without what it skipped), and that the id of a refused request is the one it reads.
 */
function agree(bytes: Uint8Array): Outcome | 'undecodable' {
  let read: tollgate.v1.Request;
  try {
    read = pb.Request.decode(bytes);
  } catch {
    // A list past its limit is refused from the bytes before they are decoded (the connection carries on).
    expect(outcome(() => decodeRequest(bytes))).toMatchObject({
      error: expect.stringMatching(/^(bad-request|field-too-long) /) as unknown,
    });
    return 'undecodable';
  }
  const expected = outcome(() => decodeRequest(pb.Request.encode(read).finish()));
  expect(outcome(() => decodeRequest(bytes))).toEqual(expected);
  expect(tryReadRequestId(bytes)).toBe(read.id ?? 0);
  return expected;
}

describe('a request read from its bytes as the generated decoder reads it', () => {
  it('does not count what-if settings sent as varints, which the decoder skips', () => {
    const frame = hex(`0805 128801 0a040a022f61 ${'1800'.repeat(L.settings + 1)}`);
    expect(agree(frame)).toEqual({ ok: { id: 5, kind: 'evaluateFile', file: { path: '/a' } } });
    // As many sent as messages are too many.
    expect(agree(hex(`0805 128801 0a040a022f61 ${'1a00'.repeat(L.settings + 1)}`))).toEqual({
      error: `field-too-long request.evaluateFile.settings has ${L.settings + 1} items; the limit is ${L.settings}`,
    });
  });

  it('does not count influence items sent as varints, which the decoder skips', () => {
    const items = '0800'.repeat(L.influenceItems + 1);
    const list = `32 ${Buffer.from(varint(items.length / 2)).toString('hex')} ${items}`;
    const query = `120163 ${list}`;
    const approval = `0a ${Buffer.from(varint(query.replace(/\s/g, '').length / 2)).toString('hex')} ${query}`;
    const body = hex(approval);
    const frame = Buffer.from([0x08, 0x07, ...len(3, body)]);
    expect(agree(frame)).toMatchObject({
      ok: { id: 7, kind: 'evaluateApproval', query: { category: 'c', primaryCompanyInfluence: [] } },
    });
  });

  it('skips a group in an export or a setting, and before the id', () => {
    expect(agree(hex('08022a040b080c0c'))).toEqual({ ok: { id: 2, kind: 'exportDecisions', limit: 0 } });
    expect(agree(hex('0b0c 0801 2200'))).toEqual({ ok: { id: 1, kind: 'status' } });
    const setting = [...len(1, utf8('prioritizeBuiltInApplications')), ...len(2, [0x08, 0x01]), 0x4b, 0x08, 0x01, 0x4c];
    const evaluate = [...len(1, len(1, utf8('/a'))), ...len(3, setting)];
    expect(agree(Uint8Array.from([0x08, 0x04, ...len(2, evaluate)]))).toMatchObject({
      ok: { id: 4, kind: 'evaluateFile', settings: { prioritizeBuiltInApplications: true } },
    });
  });

  it('reads the id after a group of a request that is refused', () => {
    expect(agree(hex('0b0c08818001'))).toEqual({
      error: 'bad-request request 16385 has no body (none of its fields is one, with the wire type of one)',
    });
    expect(tryReadRequestId(hex('0b0c08818001'))).toBe(16385);
    // A group holding groups, an id wider than 32 bits (its low 32 bits, as the decoder reads it).
    expect(tryReadRequestId(hex('0b 1b 08ff01 1c 0c 088180808010'))).toBe(1);
    // Bytes the decoder refuses (a group ended by another field's key): the id read before them.
    expect(tryReadRequestId(hex('0809 0b 14 0805'))).toBe(9);
  });

  it('refuses a group in a status request, which the decoder of a message without fields cannot skip', () => {
    const refused = {
      error: 'bad-request request.status: holds a group (field 1), which a message without fields cannot skip',
    };
    // A well-formed group, which the generated decoder refuses too (it takes the end key for another field's).
    expect(() => pb.Request.decode(hex('0803 2204 0b080c0c'))).toThrow(/invalid end group tag/);
    expect(outcome(() => decodeRequest(hex('0803 2204 0b080c0c')))).toEqual(refused);
    // A group of field 1 closed by the end key of field 11, which that decoder takes: refused all the same.
    expect(pb.Request.decode(hex('0803 2202 0b5c')).status).toBeDefined();
    expect(outcome(() => decodeRequest(hex('0803 2202 0b5c')))).toEqual(refused);
    expect(outcome(() => decodeRequest(hex('0803 2201 0c')))).toEqual(refused);
  });

  it('refuses a group the decoder refuses: ended by another field, never ended, or an end never started', () => {
    for (const bytes of ['0801 0b14 2200', '0801 2200 0b0801', '0801 0c 2200'])
      expect(agree(hex(bytes))).toBe('undecodable');
  });
});

// ----------------------------------------------------------- random requests

/** Field numbers of a message and the wire type each is read with. */
type Known = Record<number, number>;

const text = fc.string({ maxLength: 6, unit: 'grapheme' });

/** A record of an unknown field (20 to 40): any wire type, a group holding such records too. */
const { unknown } = fc.letrec<{ unknown: number[] }>((tie) => ({
  unknown: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .tuple(fc.integer({ min: 20, max: 40 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }))
      .map(([f, v]) => [...key(f, 0), ...varint(v)]),
    fc
      .tuple(fc.integer({ min: 20, max: 40 }), fc.uint8Array({ minLength: 8, maxLength: 8 }))
      .map(([f, b]) => [...key(f, 1), ...b]),
    fc.tuple(fc.integer({ min: 20, max: 40 }), fc.uint8Array({ maxLength: 6 })).map(([f, b]) => len(f, b)),
    fc
      .tuple(fc.integer({ min: 20, max: 40 }), fc.uint8Array({ minLength: 4, maxLength: 4 }))
      .map(([f, b]) => [...key(f, 5), ...b]),
    fc
      .tuple(fc.integer({ min: 1, max: 40 }), fc.array(tie('unknown'), { maxLength: 3 }))
      .map(([f, inner]) => [...key(f, 3), ...inner.flat(), ...key(f, 4)]),
  ),
}));

/** A record of one of a message's known numbers with another wire type than its own (groups included). */
function otherWireType(known: Known): fc.Arbitrary<number[]> {
  const numbers = Object.keys(known).map(Number);
  if (numbers.length === 0) return unknown;
  return fc
    .tuple(
      fc.constantFrom(...numbers),
      fc.constantFrom<0 | 1 | 2 | 3 | 5>(0, 1, 2, 3, 5),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
    )
    .filter(([f, w]) => w !== known[f])
    .map(([f, w, b]) => {
      switch (w) {
        case 0:
          return [...key(f, 0), ...varint(b[0]!)];
        case 1:
          return [...key(f, 1), ...b];
        case 2:
          return len(f, b.subarray(0, b[0]! % 9));
        case 3:
          return [...key(f, 3), ...key(1, 0), b[0]! & 0x7f, ...key(f, 4)];
        case 5:
          return [...key(f, 5), ...b.subarray(0, 4)];
      }
    });
}

/** Records the decoder refuses. */
const malformed: fc.Arbitrary<number[]> = fc.constantFrom(
  [0xc0, 0x80, 0x80, 0x80, 0x80, 0x00, 0x03], // a 6-byte key
  [0xa4, 0x01], // the end of a group never started
  [0xa3, 0x01, 0xa4, 0x02], // a group ended by another field
  [0xa6, 0x01], // wire type 6
  [0x00, 0x00], // field 0
  [0x0a, 0x01, 0xff], // a string (or message) field holding 0xff
);

/** A message: its own records, in order, with noise records put among them (rarely malformed ones). */
function message(records: fc.Arbitrary<number[][]>, known: Known): fc.Arbitrary<number[]> {
  const noise = fc.oneof(
    { weight: 6, arbitrary: unknown },
    { weight: 6, arbitrary: otherWireType(known) },
    { weight: 1, arbitrary: malformed },
  );
  return fc.tuple(records, fc.array(fc.tuple(fc.nat(), noise), { maxLength: 2 })).map(([own, inserts]) => {
    const all = [...own];
    for (const [at, record] of inserts) all.splice(at % (all.length + 1), 0, record);
    return all.flat();
  });
}

const optionalText = (field: number): fc.Arbitrary<number[][]> =>
  fc.option(
    text.map((t) => [len(field, utf8(t))]),
    { nil: [] },
  );

const fileInfo = message(
  fc
    .tuple(
      fc.oneof(fc.constant(''), fc.constantFrom('/a', 'C:\\x.exe', '/ü/b')).map((p) => [len(1, utf8(p))]),
      optionalText(2),
      optionalText(5),
    )
    .map((parts) => parts.flat()),
  { 1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2 },
);

const settingValue = message(
  fc.oneof(
    fc.boolean().map((b) => [[...key(1, 0), b ? 1 : 0]]),
    fc.constant<number[][]>([[...key(3, 2), 1, 0x78]]),
  ),
  { 1: 0, 2: 1, 3: 2 },
);

const setting = message(
  fc
    .tuple(fc.constantFrom('prioritizeBuiltInApplications', 'nope', ''), settingValue)
    .map(([name, value]) => [len(1, utf8(name)), len(2, value)]),
  { 1: 2, 2: 2, 3: 2 },
);

const evaluateFile = message(
  fc
    .tuple(
      fileInfo,
      fc.oneof(
        { weight: 2, arbitrary: fc.array(setting, { maxLength: 2 }) },
        // Near the limit: the same setting many times (refused either way, counted first).
        {
          weight: 1,
          arbitrary: fc
            .integer({ min: L.settings - 1, max: L.settings + 1 })
            .map((n) => Array.from({ length: n }, () => [])),
        },
      ),
    )
    .map(([file, settings]) => [len(1, file), ...settings.map((s) => len(3, s))]),
  { 1: 2, 2: 1, 3: 2 },
);

const stringList = (items: fc.Arbitrary<number>): fc.Arbitrary<number[]> =>
  message(
    items.map((n) => Array.from({ length: n }, () => len(1, utf8('US')))),
    { 1: 2 },
  );

const query = message(
  fc
    .tuple(
      optionalText(1),
      fc.constantFrom('cat', '').map((c) => [len(2, utf8(c))]),
      fc.option(
        fc.array(stringList(fc.oneof(fc.nat({ max: 3 }), fc.integer({ min: 126, max: 130 }))), {
          minLength: 1,
          maxLength: 2,
        }),
        { nil: [] },
      ),
    )
    .map(([app, category, lists]) => [...app, ...category, ...lists.map((l) => len(6, l))]),
  { 1: 2, 2: 2, 3: 2, 6: 2, 7: 2 },
);

const evaluateApproval = message(
  fc.tuple(query, fc.boolean()).map(([q, submit]) => [len(1, q), ...(submit ? [[...key(2, 0), 1]] : [])]),
  { 1: 2, 2: 0, 3: 2, 4: 2, 5: 2 },
);

const status = message(fc.constant([]), {});
const exportDecisions = message(
  fc.option(
    fc.nat({ max: 5000 }).map((n) => [[...key(1, 0), ...varint(n)]]),
    { nil: [] },
  ),
  { 1: 0 },
);

const requestBytes = message(
  fc
    .tuple(
      fc.oneof(fc.nat({ max: 0xffff_ffff }), fc.bigInt({ min: 0n, max: 2n ** 40n })),
      fc.oneof(
        evaluateFile.map((b) => len(2, b)),
        evaluateApproval.map((b) => len(3, b)),
        status.map((b) => len(4, b)),
        exportDecisions.map((b) => len(5, b)),
      ),
    )
    .map(([id, body]) => [[...key(1, 0), ...varint(id)], body]),
  { 1: 0, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2 },
).map((bytes) => Uint8Array.from(bytes));

describe('requests read from random bytes', () => {
  it('are answered as the generated decoder reads them, with unknown fields, other wire types and groups', () => {
    const seen = { ok: 0, refused: 0, undecodable: 0, tooLong: 0 };
    fc.assert(
      fc.property(requestBytes, (bytes) => {
        const result = agree(bytes);
        if (result === 'undecodable') seen.undecodable++;
        else if ('ok' in result) seen.ok++;
        else if (result.error.startsWith('field-too-long')) seen.tooLong++;
        else seen.refused++;
      }),
      { seed: 20_261_208, numRuns: 1_000 },
    );
    // Each kind of outcome was compared.
    expect(Math.min(seen.ok, seen.refused, seen.undecodable, seen.tooLong)).toBeGreaterThan(20);
  });
});
