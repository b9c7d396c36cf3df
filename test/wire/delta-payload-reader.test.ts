import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import {
  applyDeltaToParts,
  decodeDeltaPayload,
  encodeDeltaPayload,
  partsBytes,
  signedSnapshotViewBytes,
  viewHashOf,
  viewParts,
  type DeltaContent,
} from '../../src/wire/delta.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { hex, key, len, varint, outcome, type Outcome } from '../support/wire-bytes.js';

// decodeDeltaPayload against the generated decoder: what one reads, the other reads, and what one refuses the
// other refuses (then the payload is undecodable), but for the checks PROTOCOL.md lists for a delta.

const pb = tollgate.v1;

/** A DeltaPayload's head: computer `a`, base view hash 32 x 01, view hash 32 x 02, kind delta. */
const PREFIX = `0a0161 1a20${'01'.repeat(32)} 3a20${'02'.repeat(32)} 4003`;

const hexOf = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('hex');

/** A decoded message as plain data (its own fields; bytes as hex), to compare two. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes ${hexOf(value)}`;
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** What decodeDeltaPayload gave, with its entries and `replaced` decoded to compare them with the generated objects. */
function handView(d: DeltaContent): unknown {
  return {
    computerId: d.computerId,
    baseVersion: d.baseVersion,
    baseViewHash: hexOf(d.baseViewHash),
    version: d.version,
    settingsVersion: d.settingsVersion,
    issuedAtMs: d.issuedAtMs,
    viewHash: hexOf(d.viewHash),
    policies: d.policies.map((p) => ({ position: p.position, entry: plain(pb.Policy.decode(p.message)) })),
    removedPolicies: d.removedPolicies,
    applications: d.applications.map((a) => ({
      position: a.position,
      entry: plain(pb.Application.decode(a.message)),
    })),
    removedApplications: d.removedApplications,
    replacedFields: d.replacedFields,
    replaced: plain(pb.ComputerView.decode(d.replaced)),
  };
}

const REPLACEABLE = new Set([1, 2, 3, 6, 7, 8, 9, 10, 11, 12]);

/**
 * The reference: the generated decoder, then the checks of PROTOCOL.md ("The signed delta": kind, computer,
 * issue time, hashes of 32 bytes, replaced fields 1-3 and 6-12 at most once each, one position per entry).
 */
function generatedOutcome(payload: Uint8Array): Outcome | 'undecodable' {
  let m: tollgate.v1.DeltaPayload;
  try {
    m = pb.DeltaPayload.decode(payload);
  } catch {
    return 'undecodable';
  }
  const bad = (message: string): Outcome => ({ error: `bad-message ${message}` });
  const kind: number = m.kind ?? 0;
  if (kind !== 3) return bad(`delta.kind: is ${kind}, not a delta (3)`);
  if ((m.computerId ?? '') === '') return bad('delta.computerId: is missing');
  const issuedAtMs = m.issuedAtMs ?? 0;
  if (!Number.isFinite(issuedAtMs)) return bad(`delta.issuedAtMs: is ${issuedAtMs}, not a time`);
  if (!Number.isSafeInteger(issuedAtMs)) {
    return bad(`delta.issuedAtMs: is ${issuedAtMs}, not a whole number of ms (a safe integer)`);
  }
  for (const [name, hash] of [
    ['baseViewHash', m.baseViewHash],
    ['viewHash', m.viewHash],
  ] as const) {
    const bytes = hash?.length ?? 0;
    if (bytes !== 32) return bad(`delta.${name}: is ${bytes} bytes, not a SHA-256 (32)`);
  }
  const policies = m.policies ?? [];
  const policyPositions = m.policyPositions ?? [];
  const applications = m.applications ?? [];
  const applicationPositions = m.applicationPositions ?? [];
  const seen = new Set<number>();
  for (const f of m.replacedFields ?? []) {
    if (!REPLACEABLE.has(f)) return bad(`delta.replacedFields: field ${f} cannot be replaced whole`);
    if (seen.has(f)) return bad(`delta.replacedFields: lists field ${f} twice`);
    seen.add(f);
  }
  if (policyPositions.length !== policies.length) {
    return bad(`delta.policyPositions: has ${policyPositions.length} positions for ${policies.length} entries`);
  }
  if (applicationPositions.length !== applications.length) {
    return bad(
      `delta.applicationPositions: has ${applicationPositions.length} positions for ${applications.length} entries`,
    );
  }
  return {
    ok: {
      computerId: m.computerId,
      baseVersion: m.baseVersion ?? 0,
      baseViewHash: hexOf(m.baseViewHash),
      version: m.version ?? 0,
      settingsVersion: m.settingsVersion ?? 0,
      issuedAtMs,
      viewHash: hexOf(m.viewHash),
      policies: policies.map((p, i) => ({ position: policyPositions[i], entry: plain(p) })),
      removedPolicies: m.removedPolicies ?? [],
      applications: applications.map((a, i) => ({ position: applicationPositions[i], entry: plain(a) })),
      removedApplications: m.removedApplications ?? [],
      replacedFields: m.replacedFields ?? [],
      replaced: plain(m.replaced ?? pb.ComputerView.create()),
    },
  };
}

/** Asserts that decodeDeltaPayload reads `payload` as the generated decoder does; returns what both read. */
function agree(payload: Uint8Array): Outcome | 'undecodable' {
  const expected = generatedOutcome(payload);
  const actual = outcome(() => handView(decodeDeltaPayload(payload)));
  if (expected === 'undecodable') {
    expect(actual).toMatchObject({
      error: expect.stringMatching(/^bad-message delta: undecodable payload: /) as unknown,
    });
  } else {
    expect(actual).toEqual(expected);
  }
  return expected;
}

const withTail = (tail: string): Buffer => hex(`${PREFIX} ${tail}`);

describe('decodeDeltaPayload reads a payload as the generated decoder does', () => {
  it('skips a packed list sent with a fixed-width wire type, as an unknown field', () => {
    // replaced_fields (15) as a fixed32 and as a fixed64: no fields replaced.
    for (const tail of ['7d060a0b0c', '79060a0b0c0d0e0f10']) {
      expect(agree(withTail(tail))).toMatchObject({ ok: { replacedFields: [] } });
    }
  });

  it('keeps the low 32 bits of a uint32 sent as a wider varint', () => {
    // A policy put at position 2^32 + 1: position 1, as protobuf casts it.
    expect(agree(withTail('4a0412020a00 508180808010'))).toMatchObject({ ok: { policies: [{ position: 1 }] } });
    // version (4) as 2^32: 0.
    expect(agree(withTail('208080808010'))).toMatchObject({ ok: { version: 0 } });
  });

  it('merges `replaced` given twice, as protobuf merges a message field', () => {
    const read = agree(withTail('7802780382010210018201031a016d'));
    expect(read).toMatchObject({ ok: { replacedFields: [2, 3], replaced: { orgStructure: 1, modules: ['m'] } } });
    const delta = decodeDeltaPayload(withTail('7802780382010210018201031a016d'));
    expect(hexOf(delta.replaced)).toBe('10011a016d');
  });

  it('refuses text that is not UTF-8, in the computer id and in a removed id', () => {
    expect(agree(hex(PREFIX.replace('0a0161', '0a01ff')))).toBe('undecodable');
    expect(agree(withTail('5a01ff'))).toBe('undecodable');
    expect(agree(withTail('7202c328'))).toBe('undecodable');
  });

  it('refuses a field key longer than 5 bytes', () => {
    expect(agree(withTail('c0808080800003'))).toBe('undecodable');
  });

  it('skips a group and a scalar of another wire type as unknown fields', () => {
    expect(agree(withTail('8b0108018c01'))).toMatchObject({ ok: { computerId: 'a' } });
    expect(agree(withTail('220101'))).toMatchObject({ ok: { version: 0 } });
    // Groups nested in groups, and inside a policy put.
    expect(agree(withTail('8b01 0b 08 01 0c 8c01'))).toMatchObject({ ok: { computerId: 'a' } });
    expect(agree(withTail('4a09 0a0170 9b0108019c01 5000'))).toMatchObject({
      ok: { policies: [{ position: 0, entry: { id: 'p' } }] },
    });
  });

  it('refuses a group that ends with another field, or does not end, and an end of group never started', () => {
    expect(agree(withTail('8b0108018c02'))).toBe('undecodable');
    expect(agree(withTail('8b010801'))).toBe('undecodable');
    expect(agree(withTail('8c01'))).toBe('undecodable');
    expect(agree(withTail('0f00'))).toBe('undecodable');
  });

  it('refuses an entry or a `replaced` that does not decode', () => {
    // A policy whose id is not UTF-8; a view whose modules run past its end.
    expect(agree(withTail('4a030a01ff 5000'))).toBe('undecodable');
    expect(agree(withTail('7803 8201031a056d'))).toBe('undecodable');
  });
});

// ------------------------------------------------------------ random payloads

const text = fc.string({ maxLength: 6, unit: 'grapheme' });
const uint32 = fc.nat({ max: 0xffff_ffff });

const policy = fc
  .record({ id: text, name: fc.option(text, { nil: undefined }), order: fc.integer(), levelRank: uint32 })
  .map((p) => pb.Policy.encode(p).finish());
const application = fc
  .record({ id: text, name: text, builtIn: fc.boolean(), rules: fc.array(fc.record({ path: text }), { maxLength: 2 }) })
  .map((a) => pb.Application.encode(a).finish());
const view = fc
  .record({
    orgStructure: fc.integer({ min: 0, max: 3 }),
    modules: fc.array(text, { maxLength: 2 }),
    instructions: text,
    computer: fc.option(fc.record({ id: text, group: text }), { nil: undefined }),
  })
  .map((v) => pb.ComputerView.encode(v).finish());

const validDelta: fc.Arbitrary<DeltaContent> = fc.record({
  computerId: fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 9, arbitrary: text }),
  baseVersion: uint32,
  baseViewHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  version: uint32,
  settingsVersion: uint32,
  issuedAtMs: fc.oneof({ weight: 9, arbitrary: fc.nat() }, { weight: 1, arbitrary: fc.constant(0.5) }),
  viewHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  policies: fc.array(fc.record({ position: uint32, message: policy }), { maxLength: 3 }),
  removedPolicies: fc.array(text, { maxLength: 2 }),
  applications: fc.array(fc.record({ position: uint32, message: application }), { maxLength: 3 }),
  removedApplications: fc.array(text, { maxLength: 2 }),
  replacedFields: fc.oneof(
    { weight: 9, arbitrary: fc.uniqueArray(fc.constantFrom(...REPLACEABLE), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 1, max: 13 }), { maxLength: 3 }) },
  ),
  replaced: view,
});

/** A record of an unknown field (from `fields`): any wire type, a group holding such records too. */
function unknownRecord(fields: fc.Arbitrary<number>): fc.Arbitrary<number[]> {
  const { record } = fc.letrec<{ record: number[] }>((tie) => ({
    record: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.tuple(fields, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([f, v]) => [...key(f, 0), ...varint(v)]),
      fc.tuple(fields, fc.uint8Array({ minLength: 8, maxLength: 8 })).map(([f, b]) => [...key(f, 1), ...b]),
      fc.tuple(fields, fc.uint8Array({ maxLength: 6 })).map(([f, b]) => len(f, b)),
      fc.tuple(fields, fc.uint8Array({ minLength: 4, maxLength: 4 })).map(([f, b]) => [...key(f, 5), ...b]),
      fc
        .tuple(fields, fc.array(tie('record'), { maxLength: 3 }))
        .map(([f, inner]) => [...key(f, 3), ...inner.flat(), ...key(f, 4)]),
    ),
  }));
  return record;
}

/** DeltaPayload fields by number, and the wire type each is read with (packed lists: LEN, or one varint). */
const DELTA_WIRE = [0, 2, 0, 2, 0, 0, 1, 2, 0, 2, 2, 2, 2, 2, 2, 2, 2];

/** A record of a known DeltaPayload field, or of one of its numbers with another wire type; a header repeated. */
const knownRecord: fc.Arbitrary<number[]> = fc.oneof(
  // A field of another wire type than its own.
  fc
    .tuple(fc.integer({ min: 1, max: 16 }), fc.constantFrom(0, 1, 2, 5), fc.uint8Array({ minLength: 8, maxLength: 8 }))
    .filter(([f, w]) => w !== DELTA_WIRE[f] && !(w === 0 && [10, 13, 15].includes(f)))
    .map(([f, w, b]) => {
      if (w === 0) return [...key(f, 0), ...varint(b[0]!)];
      if (w === 2) return len(f, b.subarray(0, b[0]! % 9));
      return [...key(f, w), ...b.subarray(0, w === 1 ? 8 : 4)];
    }),
  // A uint32 header field again, up to 2^36: the low 32 bits are kept.
  fc
    .tuple(fc.constantFrom(2, 4, 5), fc.bigInt({ min: 0n, max: 2n ** 36n }))
    .map(([f, v]) => [...key(f, 0), ...varint(v)]),
  // The computer id again; a removed id; a position or replaced field unpacked; another `replaced`.
  text.map((t) => len(1, Buffer.from(t))),
  fc.tuple(fc.constantFrom(11, 14), text).map(([f, t]) => len(f, Buffer.from(t))),
  fc.tuple(fc.constantFrom(10, 13, 15), uint32).map(([f, v]) => [...key(f, 0), ...varint(v)]),
  view.map((v) => len(16, v)),
  // A view hash again, of any length (the last one is the one checked).
  fc.uint8Array({ maxLength: 33 }).map((b) => len(7, b)),
);

/** A record the generated decoder refuses. */
const malformedRecord: fc.Arbitrary<number[]> = fc.constantFrom(
  [0xc0, 0x80, 0x80, 0x80, 0x80, 0x00, 0x03], // a 6-byte key
  [0x8c, 0x01], // the end of a group never started
  [0x8b, 0x01, 0x8c, 0x02], // a group ended by another field
  [0x8e, 0x01], // wire type 6
  [0x00, 0x00], // field 0
  [0x0a, 0x01, 0xff], // a computer id that is not UTF-8
  [0x5a, 0x02, 0xc3, 0x28], // a removed id that is not UTF-8
  [0x4a, 0x03, 0x0a, 0x01, 0xff], // a policy whose id is not UTF-8
  [0x82, 0x01, 0x02, 0x1a, 0x05], // a `replaced` whose modules run past its end
  [0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], // an 11-byte base_version
);

/** The top-level records of a DeltaPayload tollgate wrote. */
function topRecords(payload: Uint8Array): Uint8Array[] {
  const reader = protobuf.Reader.create(payload);
  const out: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.tag();
    reader.skipType(tag & 7, 0, tag >>> 3);
    out.push(payload.subarray(start, reader.pos));
  }
  return out;
}

/** An entry (a policy or application message) with unknown fields after its own. */
const entryNoise = fc.array(unknownRecord(fc.integer({ min: 20, max: 40 })), { maxLength: 2 });

const noisyPayload = fc
  .tuple(
    validDelta,
    fc.array(entryNoise, { minLength: 6, maxLength: 6 }),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.oneof(
          { weight: 4, arbitrary: unknownRecord(fc.integer({ min: 17, max: 300 })) },
          { weight: 4, arbitrary: knownRecord },
          { weight: 1, arbitrary: malformedRecord },
        ),
      ),
      { maxLength: 4 },
    ),
  )
  .map(([delta, noise, inserts]) => {
    const withNoise = <T extends { message: Uint8Array }>(entries: T[]): T[] =>
      entries.map((e, i) => ({ ...e, message: Buffer.concat([e.message, Buffer.from((noise[i] ?? []).flat())]) }));
    const records = topRecords(
      encodeDeltaPayload({
        ...delta,
        policies: withNoise(delta.policies),
        applications: withNoise(delta.applications),
      }),
    ).map((r) => Array.from(r));
    for (const [at, record] of inserts) records.splice(at % (records.length + 1), 0, record);
    return Buffer.from(records.flat());
  });

describe('decodeDeltaPayload on random payloads', () => {
  it('agrees with the generated decoder with unknown fields, fields of other wire types and repeated fields', () => {
    let read = 0;
    let refused = 0;
    fc.assert(
      fc.property(noisyPayload, (payload) => {
        const result = agree(payload);
        if (result !== 'undecodable' && 'ok' in result) read++;
        else refused++;
      }),
      { seed: 20_261_207, numRuns: 1_500 },
    );
    // Both kinds of outcome were compared, not only refusals.
    expect(read).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});

// --------------------------------------------------------------- view records

describe('the records of a view are split as protobuf reads them', () => {
  const viewBytes = Buffer.from(
    pb.ComputerView.encode({ orgStructure: 1, modules: ['m'], policies: [{ id: 'p1' }, { id: 'p2' }] }).finish(),
  );

  it('takes a group of an unknown field as one record, and refuses a key longer than 5 bytes', () => {
    const grouped = Buffer.concat([viewBytes, hex('eb07 0801 0b0c ec07')]);
    expect(() => pb.ComputerView.decode(grouped)).not.toThrow();
    const parts = viewParts(grouped);
    expect(parts.policies.map((p) => p.id)).toEqual(['p1', 'p2']);
    expect(parts.fields.get(125)?.map((r) => hexOf(r.buf.subarray(r.start, r.end)))).toEqual(['eb0708010b0cec07']);
    expect(partsBytes(parts).equals(grouped)).toBe(true);
    expect(() => viewHashOf(grouped)).not.toThrow();
    // A policy holding a group still has its id.
    const policyWithGroup = Buffer.concat([viewBytes, hex('220a 0a0270330b08010c1a00')]);
    expect(pb.ComputerView.decode(policyWithGroup).policies.map((p) => p.id)).toEqual(['p1', 'p2', 'p3']);
    expect(viewParts(policyWithGroup).policies.map((p) => p.id)).toEqual(['p1', 'p2', 'p3']);

    const longKey = Buffer.concat([viewBytes, hex('c0808080800003')]);
    expect(() => pb.ComputerView.decode(longKey)).toThrow();
    expect(() => viewParts(longKey)).toThrow(TollgateError);
  });

  it('applies a delta whose `replaced` came twice as the generated decoder merges it', () => {
    const parts = viewParts(viewBytes);
    const delta = decodeDeltaPayload(withTail('7802780382010210028201031a016e'));
    const produced = partsBytes(applyDeltaToParts(parts, delta));
    expect(plain(pb.ComputerView.decode(produced))).toMatchObject({
      orgStructure: 2,
      modules: ['n'],
      policies: [{ id: 'p1' }, { id: 'p2' }],
    });
  });

  it('takes a snapshot whose view came twice as the one view protobuf merges', () => {
    const first = pb.ComputerView.encode({ modules: ['a'] }).finish();
    const second = pb.ComputerView.encode({ instructions: 'x' }).finish();
    const payload = Buffer.from([...len(5, first), ...len(5, second)]);
    const signed = pb.SignedSnapshot.encode({ payload, signature: new Uint8Array(64) }).finish();
    const bytes = signedSnapshotViewBytes(signed);
    expect(plain(pb.ComputerView.decode(bytes))).toEqual(plain(pb.SnapshotPayload.decode(payload).view));
  });
});
