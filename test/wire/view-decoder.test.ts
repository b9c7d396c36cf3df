import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import {
  APPROVAL_ACTIONS,
  OS_NAMES,
  PERMIT_TARGETS,
  POLICY_ACTIONS,
  STRUCTURES,
  type AppRule,
  type Application,
  type Gate,
  type SettingValue,
} from '../../src/engine/model.js';
import { buildView, type ComputerView, type ViewApprovalPolicy, type ViewPolicy } from '../../src/engine/view.js';
import {
  badMessage,
  checkIssuedAt,
  requireId,
  requireMessage,
  viewFromWire,
  viewToWire,
} from '../../src/wire/codec.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { sealSnapshot, type SnapshotContent } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey } from '../../src/wire/signing.js';
import { checkPayloadKind, decodeSnapshotPayload } from '../../src/wire/view-decoder.js';
import { compileRegularPayload, compileViewImageFromPayload } from '../../src/wire/view-image-payload.js';
import { type ViewImage, compileViewImage } from '../../src/engine/view-image.js';
import { worldArb } from '../support/arbitraries.js';

const pb = tollgate.v1;

/**
 * The reference: how openSnapshot decoded a verified payload before
 * view-decoder.ts, through protobuf message objects and codec.ts.
 */
function decodeTheOldWay(bytes: Uint8Array): SnapshotContent {
  let p: tollgate.v1.SnapshotPayload;
  try {
    p = pb.SnapshotPayload.decode(bytes);
  } catch (error) {
    throw badMessage('snapshot', `undecodable payload: ${(error as Error).message}`, error);
  }
  checkPayloadKind('snapshot', p.kind);
  const header = {
    computerId: requireId(p.computerId, 'snapshot.computerId'),
    version: p.version,
    issuedAtMs: p.issuedAtMs,
    settingsVersion: p.settingsVersion,
  };
  checkIssuedAt(header.issuedAtMs, 'snapshot');
  const view = viewFromWire(requireMessage(p.view, 'snapshot.view'), 'snapshot.view');
  if (view.computer.id !== header.computerId) {
    throw badMessage(
      'snapshot.view.computer.id',
      `is ${view.computer.id}, but the snapshot is for ${header.computerId}`,
    );
  }
  return { ...header, view };
}

type Outcome = { content: SnapshotContent } | { error: string };

/** What a decoder makes of some bytes: the content, or the error as `code: message`. */
function outcome(decode: (bytes: Uint8Array) => SnapshotContent, bytes: Uint8Array): Outcome {
  try {
    return { content: decode(bytes) };
  } catch (error) {
    if (error instanceof TollgateError) return { error: `${error.code}: ${error.message}` };
    return { error: `not a TollgateError: ${String(error)}` };
  }
}

type ImageOutcome = { image: Uint8Array } | { error: string };

/** What an image compiler makes of some bytes: the image's bytes, or the error as `code: message`. */
function imageOutcome(compile: (bytes: Uint8Array) => ViewImage, bytes: Uint8Array): ImageOutcome {
  try {
    return { image: compile(bytes).bytes };
  } catch (error) {
    if (error instanceof TollgateError) return { error: `${error.code}: ${error.message}` };
    return { error: `not a TollgateError: ${String(error)}` };
  }
}

const BINDING = { snapshotVersion: 9, snapshotHash: Uint8Array.from({ length: 32 }, (_, i) => i) };

/**
 * Decodes with both and expects the very same outcome; returns it. The
 * payload's image (view-image-payload.ts) is also the same as the image of
 * the decoded view, or the same error: damaged bytes never give an image.
 */
function expectSameAsBefore(bytes: Uint8Array): Outcome {
  const now = outcome(decodeSnapshotPayload, bytes);
  expect(now).toStrictEqual(outcome(decodeTheOldWay, bytes));
  const fromPayload = imageOutcome((b) => compileViewImageFromPayload(b, BINDING), bytes);
  expect(fromPayload).toStrictEqual(
    imageOutcome((b) => compileViewImage(decodeSnapshotPayload(b).view, BINDING), bytes),
  );
  if ('error' in now) expect(fromPayload).toStrictEqual({ error: now.error });
  return now;
}

/** For a payload as the server seals it: the fast reader alone makes the image (the decoder is not asked). */
function expectReadFast(bytes: Uint8Array): void {
  const expected = imageOutcome((b) => compileViewImage(decodeSnapshotPayload(b).view, BINDING), bytes);
  const fast = compileRegularPayload(bytes, BINDING);
  if (!('image' in expected)) {
    expect(fast).toBeNull();
  } else if (fast === null) {
    // The fast reader gives up (and the decoder compiles) only for text holding U+FFFD, which it cannot tell
    // from invalid UTF-8 that the decoder would replace; anything else it must read itself.
    expect(Buffer.from(bytes).includes(Buffer.from('\uFFFD', 'utf8'))).toBe(true);
  } else {
    expect(fast.bytes).toStrictEqual(expected.image);
  }
}

function errorOf(bytes: Uint8Array): string {
  const result = expectSameAsBefore(bytes);
  if (!('error' in result)) throw new Error('expected the payload to be refused');
  return result.error;
}

// ------------------------------------------------------------------ encoding

const privateKey = parsePrivateKey(generateSigningKeys().privateKeyPem);

/** The payload bytes of a snapshot exactly as the server seals them. */
function sealedPayload(content: SnapshotContent): Uint8Array {
  return pb.SignedSnapshot.decode(sealSnapshot(content, privateKey)).payload;
}

type WirePayload = tollgate.v1.SnapshotPayload.$Properties & { view: tollgate.v1.ComputerView.$Properties };

/** The wire form of a snapshot, to be changed before encoding. */
function wirePayload(content: SnapshotContent): WirePayload {
  return {
    computerId: content.computerId,
    version: content.version,
    issuedAtMs: content.issuedAtMs,
    settingsVersion: content.settingsVersion,
    view: viewToWire(content.view, 'snapshot.view'),
    kind: pb.PayloadKind.PAYLOAD_KIND_SNAPSHOT,
  };
}

/** Encodes the wire form of `content` after `edit` changed it. */
function edited(content: SnapshotContent, edit: (p: WirePayload) => void): Uint8Array {
  const p = wirePayload(content);
  edit(p);
  return pb.SnapshotPayload.encode(p).finish();
}

/** A number for an enum field, whether the enum knows it or not. */
function wireValue(n: number): number {
  return n;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

function tag(field: number, wireType: number): number[] {
  return varint((field << 3) | wireType);
}

function bytesOf(...parts: number[][]): Uint8Array {
  return Uint8Array.from(parts.flat());
}

/** One field of every wire type under numbers no message of tollgate.proto uses (yet). */
const UNKNOWN_FIELDS: Uint8Array[] = [
  bytesOf(tag(100, 0), varint(300)),
  bytesOf(tag(101, 1), [1, 2, 3, 4, 5, 6, 7, 8]),
  bytesOf(tag(102, 2), varint(3), [0x61, 0x62, 0x63]),
  bytesOf(tag(103, 3), tag(1, 0), varint(1), tag(2, 2), varint(1), [0x78], tag(103, 4)),
  bytesOf(tag(104, 5), [1, 2, 3, 4]),
];

// ---------------------------------------------------------------- contents

const content: SnapshotContent = {
  computerId: 'till-1',
  version: 3,
  issuedAtMs: Date.UTC(2026, 10, 22, 12),
  settingsVersion: 2,
  view: {
    computer: {
      id: 'till-1',
      name: null,
      group: 'shop-pcs',
      groupName: 'Tills',
      org: 'shop',
      os: 'windows',
      agentVersion: '10.6.2',
    },
    orgStructure: 'flat',
    modules: ['cyberHeroApprovals'],
    policies: [
      {
        id: 'chrome-ok',
        name: 'Chrome everywhere',
        app: 'chrome',
        builtIn: true,
        action: 'permit',
        order: 101,
        levelRank: 0,
        orgDepth: 0,
        org: 'parent',
        expiresAtMs: null,
        isDefault: false,
      },
      {
        id: 'fence',
        name: null,
        app: 'fastcart',
        builtIn: false,
        action: 'ringfence',
        order: -20,
        levelRank: 2,
        orgDepth: 1,
        org: 'shop',
        expiresAtMs: Date.UTC(2026, 10, 22, 12),
        isDefault: false,
        ringfence: { network: false, allowPaths: ['C:\\Data\\**'] },
      },
    ],
    applications: [
      {
        id: 'chrome',
        name: 'Google Chrome',
        builtIn: true,
        rules: [{ path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', certSubject: 'CN=Google LLC' }],
      },
      {
        id: 'fastcart',
        name: 'FastCart',
        builtIn: false,
        org: 'shop',
        category: 'Shopping',
        subcategory: 'Retail',
        primaryCompanyInfluence: ['CN'],
        developmentInfluence: [],
        rules: [{ path: 'C:\\Apps\\fastcart.exe' }, { sha256: 'AA11', processPath: 'regex:.*', createdBy: '**' }],
      },
    ],
    settings: { prioritizeBuiltInApplications: false, retries: 3, mode: 'strict' },
    settingSources: { prioritizeBuiltInApplications: 's-1', retries: null, mode: 's-2' },
    gates: [{ feature: 'flatPolicyStructure', os: 'windows', minVersion: '10.5.3' }],
    approvalPolicies: [
      {
        id: 'shopping',
        order: 1,
        scopeRank: 2,
        action: 'approve',
        category: 'Shopping',
        subcategory: 'Retail',
        countries: { mode: 'deny', list: ['CN'] },
      },
    ],
    permitTarget: 'computer',
    instructions: 'Approve till software only.',
    escalationEmails: ['owner@shop.example'],
    approvalWarnings: [],
  },
};

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const id = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 });
/** An id of the world (computers, groups, organizations, applications, policies): the id rule of engine/limits.ts. */
const worldId = fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,10}$/);
const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
const int32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
const smallList = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { maxLength: 3 });

const ruleArb: fc.Arbitrary<AppRule> = fc.record(
  { path: text, processPath: text, createdBy: text, sha256: text, certSubject: text, certThumbprint: text },
  { requiredKeys: [] },
);

const applicationArb: fc.Arbitrary<Application> = fc.record(
  {
    id: worldId,
    name: text,
    builtIn: fc.boolean(),
    org: text,
    category: text,
    subcategory: text,
    primaryCompanyInfluence: smallList(text),
    developmentInfluence: smallList(text),
    rules: smallList(ruleArb),
  },
  { requiredKeys: ['id', 'name', 'builtIn', 'rules'] },
);

const policyArb: fc.Arbitrary<ViewPolicy> = fc.record(
  {
    id: worldId,
    name: fc.option(text, { nil: null }),
    app: fc.option(worldId, { nil: null }),
    builtIn: fc.boolean(),
    action: fc.constantFrom(...POLICY_ACTIONS),
    order: int32,
    levelRank: uint32,
    orgDepth: uint32,
    org: worldId,
    expiresAtMs: fc.option(fc.double({ noNaN: true }), { nil: null }),
    isDefault: fc.boolean(),
    ringfence: fc
      .dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
      .map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>),
  },
  {
    requiredKeys: [
      'id',
      'name',
      'app',
      'builtIn',
      'action',
      'order',
      'levelRank',
      'orgDepth',
      'org',
      'expiresAtMs',
      'isDefault',
    ],
  },
);

const gateArb: fc.Arbitrary<Gate> = fc.record({ feature: id, os: fc.constantFrom(...OS_NAMES), minVersion: id });

const approvalPolicyArb: fc.Arbitrary<ViewApprovalPolicy> = fc.record(
  {
    id: worldId,
    order: uint32,
    scopeRank: uint32,
    action: fc.constantFrom(...APPROVAL_ACTIONS),
    category: id,
    subcategory: text,
    countries: fc.record({ mode: fc.constantFrom('deny' as const, 'allow' as const), list: smallList(text) }),
  },
  { requiredKeys: ['id', 'order', 'scopeRank', 'action', 'category', 'countries'] },
);

const settingValueArb: fc.Arbitrary<SettingValue> = fc.oneof(fc.boolean(), fc.double(), text);

/** Any view the wire can carry, the odd corners included (NaN, -0, `__proto__`, empty optional strings). */
const viewArb: fc.Arbitrary<ComputerView> = fc
  .record({
    computer: fc.record({
      id: worldId,
      name: fc.option(text, { nil: null }),
      group: worldId,
      groupName: text,
      org: worldId,
      os: fc.constantFrom(...OS_NAMES),
      agentVersion: id,
    }),
    orgStructure: fc.constantFrom(...STRUCTURES),
    modules: smallList(text),
    policies: smallList(policyArb),
    applications: smallList(applicationArb),
    settings: fc.uniqueArray(
      // Named and set by ids, as a world's agent settings are (a view's settings are held to them).
      fc.tuple(fc.oneof(worldId, fc.constant('__proto__')), settingValueArb, fc.option(worldId, { nil: null })),
      { maxLength: 4, selector: ([name]) => name },
    ),
    gates: smallList(gateArb),
    approvalPolicies: smallList(approvalPolicyArb),
    permitTarget: fc.constantFrom(...PERMIT_TARGETS),
    instructions: text,
    escalationEmails: smallList(text),
    approvalWarnings: smallList(text),
  })
  .map(({ settings, ...view }) => ({
    ...view,
    settings: Object.fromEntries(settings.map(([name, value]) => [name, value])),
    settingSources: Object.fromEntries(settings.map(([name, , source]) => [name, source])),
  }));

const contentArb: fc.Arbitrary<SnapshotContent> = fc
  // A signing time is a whole number of ms, a safe integer (NaN, the infinities and fractions are refused: below).
  .record({
    view: viewArb,
    version: uint32,
    issuedAtMs: fc.maxSafeInteger(),
    settingsVersion: uint32,
  })
  .map(({ view, ...header }) => ({ computerId: view.computer.id, ...header, view }));

/** Some damage done to an encoded payload. */
const damageArb = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
);

type Damage = typeof damageArb extends fc.Arbitrary<infer T> ? T : never;

function damage(bytes: Uint8Array, d: Damage): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const at = copy.length === 0 ? 0 : d.at % copy.length;
  switch (d.kind) {
    case 'truncate':
      return copy.subarray(0, at);
    case 'set':
      copy[at] = d.byte;
      return copy;
    case 'insert':
      return Uint8Array.from([...copy.subarray(0, at), ...d.bytes, ...copy.subarray(at)]);
    case 'delete':
      return Uint8Array.from([...copy.subarray(0, at), ...copy.subarray(at + d.count)]);
  }
}

/** One of `options`, by an index taken modulo their number. */
function choice<T>(options: readonly T[], i: number): T {
  return options[i % options.length]!;
}

/** Applies `spoil` to the element at `i` (modulo the length) of a list, if it has any. */
function atIndex<T>(list: T[] | null | undefined, i: number, spoil: (element: T) => void): void {
  if (list !== null && list !== undefined && list.length > 0) spoil(list[i % list.length]!);
}

/**
 * Ways to spoil the content of a wire payload while keeping it well encoded:
 * each takes an index (of a list element, or of a choice) and an enum number.
 */
const SPOILERS: Record<string, (p: WirePayload, i: number, n: number) => void> = {
  kind: (p, _i, n) => (p.kind = wireValue(n)),
  computerId: (p, i) => (p.computerId = choice(['', 'someone-else'], i)),
  computer: (p) => (p.view.computer = null),
  computerText: (p, i) => {
    const c = p.view.computer;
    if (c) c[choice(['id', 'group', 'org', 'agentVersion'] as const, i)] = '';
  },
  computerOs: (p, _i, n) => {
    if (p.view.computer) p.view.computer.os = wireValue(n);
  },
  orgStructure: (p, _i, n) => (p.view.orgStructure = wireValue(n)),
  permitTarget: (p, _i, n) => (p.view.permitTarget = wireValue(n)),
  issuedAt: (p, i) =>
    (p.issuedAtMs = choice([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5, 2 ** 53], i)),
  policyExpiry: (p, i) => atIndex(p.view.policies, i, (x) => (x.expiresAtMs = Number.NaN)),
  policyAction: (p, i, n) => atIndex(p.view.policies, i, (x) => (x.action = wireValue(n))),
  policyText: (p, i) => atIndex(p.view.policies, i, (x) => (i % 2 === 0 ? (x.id = '') : (x.org = ''))),
  ringfence: (p, i) =>
    atIndex(p.view.policies, i, (x) => (x.ringfenceJson = choice(['{', '[1]', 'null', '{"a":1}'], i))),
  applicationId: (p, i) => atIndex(p.view.applications, i, (x) => (x.id = '')),
  gateOs: (p, i, n) => atIndex(p.view.gates, i, (x) => (x.os = wireValue(n))),
  gateText: (p, i) => atIndex(p.view.gates, i, (x) => (i % 2 === 0 ? (x.feature = '') : (x.minVersion = ''))),
  approvalAction: (p, i, n) => atIndex(p.view.approvalPolicies, i, (x) => (x.action = wireValue(n))),
  countriesMode: (p, i, n) => atIndex(p.view.approvalPolicies, i, (x) => (x.countriesMode = wireValue(n))),
  approvalText: (p, i) => atIndex(p.view.approvalPolicies, i, (x) => (i % 2 === 0 ? (x.id = '') : (x.category = ''))),
  settingName: (p, i) => atIndex(p.view.settings, i, (x) => (x.name = choice(['', '__proto__', 'retries'], i))),
  settingValue: (p, i) => atIndex(p.view.settings, i, (x) => (x.value = i % 2 === 0 ? null : {})),
  unknownFields: (p, i) => atIndex(p.view.policies, i, (x) => (x.$unknowns = UNKNOWN_FIELDS)),
};

const spoilArb = fc.tuple(fc.constantFrom(...Object.keys(SPOILERS)), fc.nat(), fc.integer({ min: -1, max: 5 }));

// --------------------------------------------------------------------- tests

describe('decodeSnapshotPayload gives what protobuf messages and codec.ts gave', () => {
  it('for the views of random worlds, as the server seals them', () => {
    fc.assert(
      fc.property(worldArb(), uint32, (g, version) => {
        for (const computer of g.world.computers) {
          const expected: SnapshotContent = {
            computerId: computer.id,
            version,
            issuedAtMs: 1_763_900_000_000 + version,
            settingsVersion: version % 7,
            view: buildView(g.world, computer.id),
          };
          const bytes = sealedPayload(expected);
          const result = expectSameAsBefore(bytes);
          expect(result).toEqual({ content: expected });
          expectReadFast(bytes);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('for random views with every optional field set or not', () => {
    fc.assert(
      fc.property(contentArb, (c) => {
        const bytes = sealedPayload(c);
        expect(expectSameAsBefore(bytes)).toEqual({ content: c });
        expectReadFast(bytes);
      }),
    );
  });

  it('for damaged payloads: the same content or the same error', () => {
    fc.assert(
      fc.property(contentArb, fc.array(damageArb, { minLength: 1, maxLength: 3 }), (c, damages) => {
        let bytes = sealedPayload(c);
        for (const d of damages) bytes = damage(bytes, d);
        expectSameAsBefore(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('for spoiled content: the same error, naming the same field', () => {
    fc.assert(
      fc.property(contentArb, fc.array(spoilArb, { minLength: 1, maxLength: 4 }), (c, spoils) => {
        expectSameAsBefore(edited(c, (p) => spoils.forEach(([how, i, n]) => SPOILERS[how]!(p, i, n))));
      }),
      { numRuns: 500 },
    );
  });

  it('for two payloads one after the other, which protobuf merges', () => {
    fc.assert(
      fc.property(contentArb, contentArb, (a, b) => {
        expectSameAsBefore(Uint8Array.from([...sealedPayload(a), ...sealedPayload(b)]));
      }),
    );
  });

  it('whether the bytes are a Buffer or a plain Uint8Array', () => {
    const bytes = sealedPayload(content);
    expect(decodeSnapshotPayload(Uint8Array.from(bytes))).toStrictEqual(decodeSnapshotPayload(Buffer.from(bytes)));
    expect(decodeSnapshotPayload(Uint8Array.from(bytes))).toStrictEqual(content);
  });

  it('keeps absent optional fields absent and nullable ones null', () => {
    const result = decodeSnapshotPayload(sealedPayload(content));
    expect(result).toStrictEqual(content);
    expect(result.view.policies[0]).not.toHaveProperty('ringfence');
    expect(result.view.applications[0]).not.toHaveProperty('primaryCompanyInfluence');
    expect(result.view.applications[1]?.developmentInfluence).toEqual([]);
    expect(result.view.approvalPolicies[0]?.subcategory).toBe('Retail');
    expect(result.view.computer.name).toBeNull();
  });
});

describe('unknown and unspecified enum values are refused, naming the field', () => {
  it.each<[string, (p: WirePayload) => void, string]>([
    [
      'a policy action',
      (p) => (p.view.policies![0]!.action = wireValue(99)),
      'snapshot.view.policies[0].action: unknown policy action 99',
    ],
    [
      'an unspecified policy action',
      (p) => (p.view.policies![1]!.action = wireValue(0)),
      'snapshot.view.policies[1].action: policy action is unspecified',
    ],
    ['a computer os', (p) => (p.view.computer!.os = wireValue(7)), 'snapshot.view.computer.os: unknown os 7'],
    [
      'an org structure',
      (p) => (p.view.orgStructure = wireValue(-1)),
      'snapshot.view.orgStructure: unknown structure -1',
    ],
    [
      'a permit target',
      (p) => (p.view.permitTarget = wireValue(0)),
      'snapshot.view.permitTarget: permit target is unspecified',
    ],
    ['a gate os', (p) => (p.view.gates![0]!.os = wireValue(4)), 'snapshot.view.gates[0].os: unknown os 4'],
    [
      'an approval action none, which only a suggestion may carry',
      (p) => (p.view.approvalPolicies![0]!.action = pb.ApprovalAction.APPROVAL_ACTION_NONE),
      'snapshot.view.approvalPolicies[0].action: unknown approval action 4',
    ],
    [
      'a country mode',
      (p) => (p.view.approvalPolicies![0]!.countriesMode = wireValue(3)),
      'snapshot.view.approvalPolicies[0].countriesMode: unknown country mode 3',
    ],
    ['a payload kind', (p) => (p.kind = wireValue(99)), 'snapshot.kind: unknown payload kind 99'],
    [
      'the settings kind',
      (p) => (p.kind = pb.PayloadKind.PAYLOAD_KIND_SETTINGS),
      'snapshot.kind: the payload is settings, not snapshot',
    ],
    [
      "a delta's kind",
      (p) => (p.kind = pb.PayloadKind.PAYLOAD_KIND_DELTA),
      'snapshot.kind: the payload is delta, not snapshot',
    ],
  ])('%s', (_name, edit, message) => {
    expect(errorOf(edited(content, edit))).toBe(`bad-message: ${message}`);
  });
});

const ID_RULE_TEXT = 'an id is 1 to 128 characters, each an ASCII letter, a digit or one of - _ . : @';

describe('missing and malformed fields are refused, naming the field', () => {
  it.each<[string, (p: WirePayload) => void, string]>([
    ['the computer id of the header', (p) => (p.computerId = ''), 'snapshot.computerId: is missing'],
    ['the view', (p) => delete (p as tollgate.v1.SnapshotPayload.$Properties).view, 'snapshot.view: is missing'],
    ['the computer', (p) => (p.view.computer = null), 'snapshot.view.computer: is missing'],
    ['the computer group', (p) => (p.view.computer!.group = ''), 'snapshot.view.computer.group: is missing'],
    [
      'the computer agent version',
      (p) => (p.view.computer!.agentVersion = ''),
      'snapshot.view.computer.agentVersion: is missing',
    ],
    ['a policy id', (p) => (p.view.policies![1]!.id = ''), 'snapshot.view.policies[1].id: is missing'],
    ['a policy org', (p) => (p.view.policies![0]!.org = ''), 'snapshot.view.policies[0].org: is missing'],
    ['an application id', (p) => (p.view.applications![1]!.id = ''), 'snapshot.view.applications[1].id: is missing'],
    ['a gate version', (p) => (p.view.gates![0]!.minVersion = ''), 'snapshot.view.gates[0].minVersion: is missing'],
    [
      'an approval policy category',
      (p) => (p.view.approvalPolicies![0]!.category = ''),
      'snapshot.view.approvalPolicies[0].category: is missing',
    ],
    ['a setting name', (p) => (p.view.settings![2]!.name = ''), 'snapshot.view.settings[2].name: is missing'],
    ['a setting value', (p) => (p.view.settings![1]!.value = null), 'snapshot.view.settings[1].value: is missing'],
    ['an empty setting value', (p) => (p.view.settings![0]!.value = {}), 'snapshot.view.settings[0].value: is missing'],
    [
      'a setting given twice',
      (p) => (p.view.settings![2]!.name = 'retries'),
      'snapshot.view.settings[2].name: setting retries appears twice',
    ],
    [
      'ringfence text that is not JSON',
      (p) => (p.view.policies![1]!.ringfenceJson = '{'),
      'snapshot.view.policies[1].ringfenceJson: is not valid JSON',
    ],
    [
      'ringfence JSON that is not an object',
      (p) => (p.view.policies![1]!.ringfenceJson = '[1]'),
      'snapshot.view.policies[1].ringfenceJson: is not a JSON object',
    ],
    [
      'a computer id with a slash',
      (p) => (p.computerId = p.view.computer!.id = 'till/1'),
      `snapshot.computerId: has the character "/"; ${ID_RULE_TEXT}`,
    ],
    [
      'a computer group with a space',
      (p) => (p.view.computer!.group = 'shop pcs'),
      `snapshot.view.computer.group: has the character U+0020; ${ID_RULE_TEXT}`,
    ],
    [
      'a policy id with a control character',
      (p) => (p.view.policies![1]!.id = 'p\u0001'),
      `snapshot.view.policies[1].id: has the character U+0001; ${ID_RULE_TEXT}`,
    ],
    [
      'a policy app that is too long',
      (p) => (p.view.policies![1]!.app = 'a'.repeat(129)),
      'snapshot.view.policies[1].app: is 129 characters long; an id has at most 128',
    ],
    [
      'an application id with a slash',
      (p) => (p.view.applications![1]!.id = 'a/b'),
      `snapshot.view.applications[1].id: has the character "/"; ${ID_RULE_TEXT}`,
    ],
    [
      'an approval policy id with a question mark',
      (p) => (p.view.approvalPolicies![0]!.id = 'ap?1'),
      `snapshot.view.approvalPolicies[0].id: has the character "?"; ${ID_RULE_TEXT}`,
    ],
    [
      'a view of another computer than the header names',
      (p) => (p.computerId = 'lab-7'),
      'snapshot.view.computer.id: is till-1, but the snapshot is for lab-7',
    ],
  ])('%s', (_name, edit, message) => {
    expect(errorOf(edited(content, edit))).toBe(`bad-message: ${message}`);
  });

  it('report the problem the old conversion found first, not the first in the bytes', () => {
    // Settings are checked before the computer and the policies, though the wire carries them after.
    const badSetting = (p: WirePayload) => (p.view.settings![0]!.value = {});
    expect(
      errorOf(
        edited(content, (p) => {
          badSetting(p);
          p.view.computer!.os = wireValue(99);
          p.view.policies![0]!.action = wireValue(99);
        }),
      ),
    ).toBe('bad-message: snapshot.view.settings[0].value: is missing');
    // The kind before anything in the view.
    expect(
      errorOf(
        edited(content, (p) => {
          badSetting(p);
          p.kind = pb.PayloadKind.PAYLOAD_KIND_SETTINGS;
        }),
      ),
    ).toBe('bad-message: snapshot.kind: the payload is settings, not snapshot');
    // The first bad element of a list.
    expect(
      errorOf(
        edited(content, (p) => {
          p.view.policies![0]!.org = '';
          p.view.policies![1]!.action = wireValue(99);
        }),
      ),
    ).toBe('bad-message: snapshot.view.policies[0].org: is missing');
  });

  it('report undecodable bytes before bad content', () => {
    const bytes = edited(content, (p) => (p.view.policies![0]!.action = wireValue(99)));
    expect(errorOf(bytes.subarray(0, bytes.length - 1))).toMatch(/^bad-message: snapshot: undecodable payload: /);
  });

  it('refuse every truncation of a payload as undecodable or incomplete', () => {
    const bytes = sealedPayload(content);
    for (let length = 0; length < bytes.length; length++) {
      expect(errorOf(bytes.subarray(0, length))).toMatch(/^bad-message: snapshot/);
    }
  });

  it('refuse a string that is not UTF-8', () => {
    const bytes = edited(content, (p) => (p.view.computer!.groupName = 'T\u00e9ills'));
    const at = Buffer.from(bytes).indexOf(Buffer.from('T\u00e9ills'));
    bytes[at + 2] = 0xff; // the second byte of é
    expect(errorOf(bytes)).toMatch(/^bad-message: snapshot: undecodable payload: /);
  });

  it('refuse a wire type no protobuf has', () => {
    const bytes = Uint8Array.from([...sealedPayload(content), ...tag(7, 6), 0]);
    expect(errorOf(bytes)).toMatch(/^bad-message: snapshot: undecodable payload: invalid wire type 6/);
  });
});

describe('strings that repeat over a view', () => {
  it('are read right: values that repeat, values whose hashes collide, more values than are kept', () => {
    // Pairs of the same length whose FNV-1a hashes collide, then more categories than a vocabulary keeps.
    const words = ['declinate', 'macallums', 'altarages', 'zinkes', 'costarring', 'liquid'];
    for (let i = 0; i < 300; i++) words.push(`category-${i}`);
    const applications: Application[] = [...words, ...words.slice().reverse()].map((word, i) => ({
      id: `app-${i}`,
      name: word,
      builtIn: false,
      org: word,
      category: word,
      subcategory: words[(i * 7) % words.length]!,
      primaryCompanyInfluence: [word, words[i % 6]!],
      rules: [],
    }));
    const c: SnapshotContent = { ...content, view: { ...content.view, applications } };
    expect(expectSameAsBefore(sealedPayload(c))).toStrictEqual({ content: c });
  });
});

describe('influence lists that repeat over a view', () => {
  it('are one frozen array per distinct list, read right even where a plain join would mix them up', () => {
    // ['["CN","RU"]'] is one code spelled as the JSON of the list ['CN', 'RU']: never the same list.
    const lists = [['CN'], ['CN', 'RU'], ['CN,RU'], ['RU', 'CN'], ['CN'], ['CN', 'RU'], [], ['["CN","RU"]']];
    const applications: Application[] = lists.map((list, i) => ({
      id: `app-${i}`,
      name: `App ${i}`,
      builtIn: false,
      primaryCompanyInfluence: list,
      developmentInfluence: lists[(i + 1) % lists.length]!,
      rules: [],
    }));
    const c: SnapshotContent = { ...content, view: { ...content.view, applications } };
    expect(expectSameAsBefore(sealedPayload(c))).toStrictEqual({ content: c });
    const decoded = decodeSnapshotPayload(sealedPayload(c)).view.applications;
    const primary = decoded.map((a) => a.primaryCompanyInfluence ?? []);
    expect(primary[4]).toBe(primary[0]);
    expect(primary[5]).toBe(primary[1]);
    expect(decoded[0]!.developmentInfluence).toBe(primary[1]);
    expect(primary[2]).not.toBe(primary[1]);
    expect(primary[7]).toEqual(['["CN","RU"]']);
    expect(primary[7]).not.toBe(primary[1]);
    expect(Object.isFrozen(primary[1])).toBe(true);
  });
});

describe('fields a newer tollgate.proto may add are skipped', () => {
  const withUnknowns = <T extends { $unknowns?: Uint8Array[] }>(message: T | null | undefined) => {
    if (message !== null && message !== undefined) message.$unknowns = UNKNOWN_FIELDS;
  };

  it('in every message of the payload, of every wire type', () => {
    const bytes = edited(content, (p) => {
      withUnknowns(p);
      withUnknowns(p.view);
      withUnknowns(p.view.computer);
      p.view.policies?.forEach(withUnknowns);
      p.view.applications?.forEach((a) => {
        withUnknowns(a);
        a.rules?.forEach(withUnknowns);
        withUnknowns(a.primaryCompanyInfluence);
        withUnknowns(a.developmentInfluence);
      });
      p.view.settings?.forEach((s) => {
        withUnknowns(s);
        withUnknowns(s.value);
      });
      p.view.gates?.forEach(withUnknowns);
      p.view.approvalPolicies?.forEach(withUnknowns);
    });
    expect(bytes.length).toBeGreaterThan(sealedPayload(content).length + 30 * UNKNOWN_FIELDS.length);
    expect(expectSameAsBefore(bytes)).toStrictEqual({ content });
  });

  it('and so is a known field number sent with another wire type, as protobufjs does', () => {
    const bytes = edited(content, (p) => {
      p.$unknowns = [bytesOf(tag(1, 0), varint(7))]; // computer_id as a varint
      p.view.$unknowns = [bytesOf(tag(3, 1), [0, 0, 0, 0, 0, 0, 0, 0])]; // modules as a fixed64
      p.view.policies![0]!.$unknowns = [bytesOf(tag(5, 2), varint(1), [3])]; // action as bytes
      p.view.applications![1]!.$unknowns = [bytesOf(tag(10, 5), [0, 0, 0, 0])]; // a StringList as a fixed32
    });
    expect(expectSameAsBefore(bytes)).toStrictEqual({ content });
  });
});
