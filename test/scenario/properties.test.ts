// Property tests of the world model's edges: whatever a scenario document
// holds, loading it either gives a valid world or refuses it with problems
// that name the file, the entry and the field; it never crashes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/engine/errors.js';
import { ID_PATTERN, MAX_ID_CHARS, POLICY_ORDER_MAX, POLICY_ORDER_MIN, UINT32_MAX } from '../../src/engine/limits.js';
import type { World } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { WorldIndex } from '../../src/engine/world.js';
import { parseScenario, serializeScenario } from '../../src/scenario/load.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey } from '../../src/wire/signing.js';
import { decodeSnapshotPayload } from '../../src/wire/view-decoder.js';
import { worldArb } from '../support/arbitraries.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const FILE = 'world.json';

/** The problems a scenario text is refused with; fails the test on anything but a ValidationError. */
function refusal(doc: unknown): string[] | null {
  try {
    parseScenario(JSON.stringify(doc), FILE);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).problems];
  }
}

/** A small generated world, as the plain data a scenario file holds. */
const documentArb = worldArb({ maxOrgs: 3, maxGroups: 3, maxComputers: 4, maxPolicies: 6 }).map(
  (g) => JSON.parse(serializeScenario(g.world, 'json')) as { [key: string]: Json },
);

/** Every object of a document with its path, leaving out the free-form ringfence objects. */
function objectsOf(value: Json, path: (string | number)[] = []): { path: (string | number)[]; node: object }[] {
  if (value === null || typeof value !== 'object') return [];
  if (path.at(-1) === 'ringfence') return [];
  const out: { path: (string | number)[]; node: object }[] = Array.isArray(value) ? [] : [{ path, node: value }];
  const entries: [string | number, Json][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, child] of entries) out.push(...objectsOf(child, [...path, key]));
  return out;
}

/** The name a problem gives an entry of a top-level list: `LIST[ID]` or `LIST[#INDEX]`. */
function entryName(doc: { [key: string]: Json }, list: string, index: number): string[] {
  const entry = (doc[list] as Json[])[index] as { [key: string]: Json };
  const key = list === 'approvalSettings' ? 'org' : 'id';
  return [`${list}[${entry[key] as string}]`, `${list}[#${index}]`];
}

describe('unknown keys at any level', () => {
  it('are refused with a problem naming the file, the entry and the key; never a crash', () => {
    fc.assert(
      fc.property(
        documentArb,
        fc.nat(),
        fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,11}$/),
        fc.jsonValue({ maxDepth: 1 }),
        (doc, pick, name, value) => {
          const key = `zz${name}`;
          const objects = objectsOf(doc);
          const target = objects[pick % objects.length]!;
          (target.node as Record<string, unknown>)[key] = value;
          const problems = refusal(doc);
          expect(problems).not.toBeNull();
          const naming = (problems ?? []).filter((p) => p.includes(`"${key}"`) || p.includes(`.${key}"`));
          expect(naming.length).toBeGreaterThan(0);
          const [list, index] = target.path;
          const where =
            list === undefined
              ? [`${FILE}: the file has unknown field "${key}"`]
              : entryName(doc, String(list), index as number).map((name) => `${FILE}: ${name}: `);
          expect(naming.some((p) => where.some((w) => p.startsWith(w)))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('orders beyond what the wire carries', () => {
  const outsideInt32 = fc.oneof(
    fc.integer({ min: POLICY_ORDER_MAX + 1, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: POLICY_ORDER_MIN - 1 }),
    fc.double({ min: 2 ** 31, max: 1e300, noNaN: true }),
    fc.double({ min: -1e300, max: -(2 ** 31) - 1, noNaN: true }),
    fc.double({ min: -1000, max: 1000, noNaN: true }).filter((n) => !Number.isInteger(n)),
  );
  const outsideUint32 = fc.oneof(
    fc.integer({ min: UINT32_MAX + 1, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -1 }),
    fc.double({ min: 0, max: 1000, noNaN: true }).filter((n) => !Number.isInteger(n)),
  );

  it('are refused for policies and agent settings, naming the entry and the field', () => {
    fc.assert(
      fc.property(
        worldArb({ maxOrgs: 2, maxPolicies: 4, approvals: false }),
        fc.nat(),
        outsideInt32,
        (g, pick, order) => {
          const doc = JSON.parse(serializeScenario(g.world, 'json')) as World;
          const lists = doc.agentSettings?.length ? (['policies', 'agentSettings'] as const) : (['policies'] as const);
          const list = lists[pick % lists.length]!;
          const entries = doc[list];
          if (entries.length === 0) return;
          const entry = entries[pick % entries.length]!;
          entry.order = order;
          const problems = refusal(doc) ?? [];
          expect(problems).toContain(
            `${FILE}: ${list}[${entry.id}]: order ${JSON.stringify(order)} must be an integer from -2147483648 to 2147483647`,
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('are refused for approval policies, naming the entry and the field', () => {
    fc.assert(
      fc.property(worldArb({ maxOrgs: 2, maxPolicies: 2 }), fc.nat(), outsideUint32, (g, pick, order) => {
        const doc = JSON.parse(serializeScenario(g.world, 'json')) as World;
        if (doc.approvalPolicies === undefined || doc.approvalPolicies.length === 0) return;
        const entry = doc.approvalPolicies[pick % doc.approvalPolicies.length]!;
        entry.order = order;
        expect(refusal(doc) ?? []).toContain(
          `${FILE}: approvalPolicies[${entry.id}]: order ${JSON.stringify(order)} must be an integer from 0 to 4294967295`,
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe('ids from a wide alphabet', () => {
  const signingKey = parsePrivateKey(generateSigningKeys().privateKeyPem);
  const idArb = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
    fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,20}$/),
    fc.string({ unit: fc.constantFrom('a', '-', ':', '/', ' ', '\u0000', '\uD800', 'é'), minLength: 0, maxLength: 6 }),
    fc.integer({ min: MAX_ID_CHARS - 2, max: MAX_ID_CHARS + 2 }).map((n) => 'x'.repeat(n)),
  );

  it('are valid, and then round-trip through a file and a snapshot, or refused naming the entry and the field', () => {
    fc.assert(
      fc.property(idArb, (id) => {
        const doc = {
          organizations: [{ id: 'msp', name: 'MSP' }],
          groups: [{ id: 'g', org: 'msp', name: 'G', os: 'linux', agentVersion: '10.6' }],
          computers: [{ id, group: 'g' }],
        };
        const problems = refusal(doc);
        const valid = id.length >= 1 && id.length <= MAX_ID_CHARS && ID_PATTERN.test(id);
        if (!valid) {
          expect(problems).not.toBeNull();
          expect(problems?.[0]).toMatch(new RegExp(`^${FILE}: computers\\[#0\\]: id `));
          // A snapshot carrying it is refused by the agent's decoder, naming the field (or the payload).
          const view = buildView(
            new WorldIndex(parseScenario(JSON.stringify({ ...doc, computers: [{ id: 'c', group: 'g' }] }), FILE)),
            'c',
          );
          view.computer.id = id;
          const sealed = sealSnapshot(
            { computerId: id, version: 1, issuedAtMs: 0, settingsVersion: 1, view },
            signingKey,
          );
          expect(() => decodeSnapshotPayload(tollgate.v1.SignedSnapshot.decode(sealed).payload)).toThrow(
            // A lone surrogate is no UTF-8 at all: the payload is undecodable.
            /^snapshot(\.computerId: |: undecodable payload)/,
          );
          return;
        }
        expect(problems).toBeNull();
        const world = parseScenario(JSON.stringify(doc), FILE);
        expect(parseScenario(serializeScenario(world, 'yaml'), 'again.yaml')).toEqual(world);
        // And through a sealed snapshot, decoded as the agent decodes it.
        const view = buildView(new WorldIndex(world), id);
        const sealed = sealSnapshot(
          { computerId: id, version: 1, issuedAtMs: 0, settingsVersion: 1, view },
          signingKey,
        );
        const decoded = decodeSnapshotPayload(tollgate.v1.SignedSnapshot.decode(sealed).payload);
        expect(decoded.computerId).toBe(id);
        expect(decoded.view.computer.id).toBe(id);
      }),
      { numRuns: 300 },
    );
  });
});
