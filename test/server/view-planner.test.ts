// The view planner: views from shared bodies equal the engine's buildView,
// and a plan of only the computers a change can affect issues exactly the
// versions a plan of every computer would (same computers, same hashes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AppliesTo, Application, Policy, World } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { WorldIndex } from '../../src/engine/world.js';
import type { ComputerRow, IssuedVersions } from '../../src/server/server-db.js';
import { ViewPlanner, affectedComputers } from '../../src/server/view-planner.js';
import { diffWorldRows, worldFromRows } from '../../src/server/world-rows.js';

const ORGS = ['root', 'a', 'b', 'a1'] as const;
const PARENT: Record<string, string | undefined> = { root: undefined, a: 'root', b: 'root', a1: 'a' };
// Names and keywords whose case folds beyond ASCII: a final capital sigma, a dotted capital I.
const GROUP_NAMES = ['Tills', 'Office', 'Lab', 'Tills East', 'ΟΔΟΣΑ', 'İzmir'];
const KEYWORDS = ['tills', 'ΟΔΟΣ', 'οδοσ', 'i', 'İ'];
const CATEGORIES = [undefined, 'browsers', 'tools'];

interface Shape {
  groups: { org: number; name: number; os: number }[];
  computers: { group: number; named: boolean; agent: boolean }[];
  apps: { builtIn: boolean; org: number; category: number }[];
  policies: { app: number; scope: number; target: number; enabled: boolean; order: number; action: number }[];
  settings: { scope: number; target: number; value: boolean; order: number }[];
  approvals: { org: number; scope: number; target: number; active: boolean }[];
  structures: boolean[];
}

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  groups: fc.array(fc.record({ org: fc.nat(3), name: fc.nat(5), os: fc.nat(2) }), { minLength: 1, maxLength: 6 }),
  computers: fc.array(fc.record({ group: fc.nat(20), named: fc.boolean(), agent: fc.boolean() }), {
    minLength: 1,
    maxLength: 14,
  }),
  apps: fc.array(fc.record({ builtIn: fc.boolean(), org: fc.nat(4), category: fc.nat(2) }), {
    minLength: 1,
    maxLength: 5,
  }),
  policies: fc.array(
    fc.record({
      app: fc.nat(20),
      scope: fc.nat(4),
      target: fc.nat(30),
      enabled: fc.boolean(),
      order: fc.integer({ min: 1, max: 50 }),
      action: fc.nat(2),
    }),
    { maxLength: 10 },
  ),
  settings: fc.array(
    fc.record({ scope: fc.nat(4), target: fc.nat(30), value: fc.boolean(), order: fc.integer({ min: 1, max: 9 }) }),
    { maxLength: 4 },
  ),
  approvals: fc.array(fc.record({ org: fc.nat(3), scope: fc.nat(2), target: fc.nat(30), active: fc.boolean() }), {
    maxLength: 3,
  }),
  structures: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
});

function pick<T>(list: readonly T[], i: number): T {
  return list[i % list.length] as T;
}

/** A scope of each kind over the world's organizations, groups and computers. */
function scopeOf(world: World, kind: number, target: number): AppliesTo {
  switch (kind % 5) {
    case 0:
      return { global: pick(ORGS, target) };
    case 1:
      return { globalGroup: { org: pick(ORGS, target), keyword: pick(KEYWORDS, target) } };
    case 2:
      return { organization: pick(ORGS, target) };
    case 3:
      return { group: pick(world.groups, target).id };
    default:
      return { computer: pick(world.computers, target).id };
  }
}

function worldOf(shape: Shape): World {
  const world: World = {
    organizations: ORGS.map((id, i) => ({
      id,
      name: id,
      ...(PARENT[id] === undefined ? {} : { parent: PARENT[id] }),
      structure: shape.structures[i] === true ? 'flat' : 'hierarchical',
      modules: [],
    })),
    groups: shape.groups.map((g, i) => ({
      id: `g${i}`,
      org: pick(ORGS, g.org),
      name: pick(GROUP_NAMES, g.name),
      os: pick(['windows', 'macos', 'linux'] as const, g.os),
      agentVersion: '4.1.0',
    })),
    computers: [],
    applications: shape.apps.map((a, i): Application => ({
      id: `app${i}`,
      name: `App ${i}`,
      builtIn: a.builtIn,
      ...(a.org === 4 ? {} : { org: pick(ORGS, a.org) }),
      ...(pick(CATEGORIES, a.category) === undefined ? {} : { category: pick(CATEGORIES, a.category) }),
      rules: [{ path: `/opt/app${i}` }],
    })),
    policies: [],
    agentSettings: [],
    approvalPolicies: [],
    approvalSettings: [],
  };
  world.computers = shape.computers.map((c, i) => ({
    id: `pc${i}`,
    group: pick(world.groups, c.group).id,
    ...(c.named ? { name: `PC ${i}` } : {}),
    ...(c.agent ? { agentVersion: '4.2.0' } : {}),
  }));
  world.policies = shape.policies.map((p, i): Policy => ({
    id: `pol${i}`,
    app: pick(world.applications, p.app).id,
    appliesTo: scopeOf(world, p.scope, p.target),
    action: pick(['permit', 'deny', 'denyWithRequest'] as const, p.action),
    order: p.order,
    enabled: p.enabled,
  }));
  world.agentSettings = shape.settings.map((s, i) => ({
    id: `set${i}`,
    type: 'prioritizeBuiltInApplications',
    value: s.value,
    appliesTo: scopeOf(world, s.scope, s.target),
    order: s.order,
  }));
  world.approvalPolicies = shape.approvals.map((a, i) => {
    const org = pick(ORGS, a.org);
    const groups = world.groups.filter((g) => g.org === org).map((g) => g.id);
    const computers = world.computers.filter((c) => groups.includes(c.group)).map((c) => c.id);
    const appliesTo =
      a.scope === 0 || groups.length === 0
        ? { organization: org }
        : a.scope === 1 || computers.length === 0
          ? { groups: [pick(groups, a.target)] }
          : { computers: [pick(computers, a.target)] };
    return {
      id: `ap${i}`,
      org,
      order: i + 1,
      active: a.active,
      action: 'approve' as const,
      category: 'browsers',
      appliesTo,
      countries: { mode: 'deny' as const, list: [] },
    };
  });
  return world;
}

/** One change of the world, as an admin or an import would make it. */
const mutationArb = fc.record({ kind: fc.nat(13), a: fc.nat(40), b: fc.nat(40), flag: fc.boolean() });

function mutate(world: World, m: { kind: number; a: number; b: number; flag: boolean }): World {
  const w: World = { ...world };
  switch (m.kind) {
    case 0:
      if (w.policies.length === 0) return w;
      w.policies = w.policies.map((p, i) =>
        i === m.a % w.policies.length ? { ...p, appliesTo: scopeOf(w, m.b, m.a), enabled: m.flag } : p,
      );
      return w;
    case 1:
      w.policies = [
        ...w.policies,
        {
          id: `new${m.a}`,
          app: pick(w.applications, m.b).id,
          appliesTo: scopeOf(w, m.a, m.b),
          action: 'deny',
          order: 7,
          enabled: true,
        },
      ];
      return w;
    case 2:
      w.policies = w.policies.filter((_, i) => i !== m.a % Math.max(1, w.policies.length));
      return w;
    case 3:
      w.groups = w.groups.map((g, i) =>
        i === m.a % w.groups.length ? { ...g, name: pick(GROUP_NAMES, m.b), org: pick(ORGS, m.b) } : g,
      );
      return w;
    case 4:
      w.computers = w.computers.map((c, i) =>
        i === m.a % w.computers.length ? { ...c, group: pick(w.groups, m.b).id } : c,
      );
      return w;
    case 5:
      w.organizations = w.organizations.map((o, i) =>
        i === m.a % w.organizations.length
          ? { ...o, structure: m.flag ? 'flat' : 'hierarchical', modules: m.flag ? ['x'] : [] }
          : o,
      );
      return w;
    case 6:
      w.applications = w.applications.map((a, i) =>
        i === m.a % w.applications.length
          ? { ...a, builtIn: m.flag, category: m.flag ? 'tools' : 'browsers', name: `renamed ${m.b}` }
          : a,
      );
      return w;
    case 7:
      w.agentSettings = [
        ...w.agentSettings.filter((s) => s.id !== 'admin'),
        {
          id: 'admin',
          type: 'prioritizeBuiltInApplications',
          value: m.flag,
          appliesTo: scopeOf(w, m.a, m.b),
          order: 1,
        },
      ];
      return w;
    case 8:
      w.computers = w.computers.map((c, i) => (i === m.a % w.computers.length ? { ...c, name: `renamed ${m.b}` } : c));
      return w;
    case 9:
      w.computers = [...w.computers, { id: `added${m.a}`, group: pick(w.groups, m.b).id }];
      return w;
    case 10:
      if (w.computers.length <= 1) return w;
      w.computers = w.computers.filter((_, i) => i !== m.a % w.computers.length);
      w.policies = w.policies.map((p) =>
        'computer' in p.appliesTo &&
        !w.computers.some((c) => 'computer' in p.appliesTo && c.id === p.appliesTo.computer)
          ? { ...p, appliesTo: { organization: 'root' } }
          : p,
      );
      w.agentSettings = w.agentSettings.map((s) =>
        'computer' in s.appliesTo &&
        !w.computers.some((c) => 'computer' in s.appliesTo && c.id === s.appliesTo.computer)
          ? { ...s, appliesTo: { organization: 'root' } }
          : s,
      );
      w.approvalPolicies = w.approvalPolicies.map((p) =>
        'computers' in p.appliesTo ? { ...p, appliesTo: { organization: p.org } } : p,
      );
      return w;
    case 11:
      w.gates = [{ feature: 'flatPolicyStructure', os: 'windows', minVersion: m.flag ? '5.0.0' : '1.0.0' }];
      return w;
    case 12:
      w.approvalSettings = [
        {
          org: pick(ORGS, m.a),
          guidelines: { instructions: `ask ${m.b}`, permitTarget: m.flag ? 'group' : 'computer' },
        },
      ];
      return w;
    default:
      w.approvalPolicies = w.approvalPolicies.map((p) => ({ ...p, active: !p.active }));
      return w;
  }
}

/** Rows holding what a full plan of `index` issued. */
function rowsAfter(issued: readonly IssuedVersions[]): Map<string, ComputerRow> {
  return new Map(
    issued.map((v) => [
      v.computerId,
      {
        ...v,
        tokenHash: null,
        ackedSnapshotVersion: 0,
        ackedSettingsVersion: 0,
        reportedAgentVersion: null,
        reportedTollgateVersion: null,
        reportedOs: null,
        lastSeenMs: null,
        lastError: null,
      },
    ]),
  );
}

/** Frozen through, as the server holds its worlds (derivation takes over only frozen lists). */
function freeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) freeze(member);
    Object.freeze(value);
  }
  return value;
}

/** Three groups under one organization with a policy each, and a global policy they all see. */
const THREE_GROUPS: Shape = {
  groups: [0, 1, 2].map(() => ({ org: 0, name: 1, os: 0 })),
  computers: [0, 1, 2].map((group) => ({ group, named: false, agent: false })),
  apps: [{ builtIn: false, org: 4, category: 0 }],
  policies: [
    { app: 0, scope: 0, target: 0, enabled: true, order: 1, action: 0 },
    ...[0, 1, 2].map((g) => ({ app: 0, scope: 3, target: g, enabled: true, order: 2, action: 0 })),
  ],
  settings: [],
  approvals: [],
  structures: [false, false, false, false],
};

const byComputer = (a: IssuedVersions, b: IssuedVersions): number => a.computerId.localeCompare(b.computerId);

describe('the view planner', () => {
  it('builds every view from shared bodies equal to the engine view', () => {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        const world = worldOf(shape);
        const index = new WorldIndex(world);
        const planner = new ViewPlanner();
        for (const c of world.computers) expect(planner.viewOf(index, c.id)).toEqual(buildView(index, c.id));
      }),
      { numRuns: 150 },
    );
  });

  it('plans for the computers a change can affect exactly what a plan of every computer issues', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), async (shape, mutations) => {
        // The world as the server holds it: read back from its rows, frozen objects shared.
        const start = worldFromRows(diffWorldRows(new Map(), worldOf(shape)).writes);
        let stored = start.stored;
        let index = new WorldIndex(start.world);
        const planner = new ViewPlanner();
        let rows = rowsAfter((await planner.plan(index, new Map(), 'all')).issued);
        for (const m of mutations) {
          const candidate = mutate(index.world, m);
          const rowChanges = diffWorldRows(stored, candidate);
          const next = new WorldIndex(candidate);
          const affected = affectedComputers(index, next, [...rowChanges.writes, ...rowChanges.deletes]);
          const incremental = await planner.plan(next, rows, affected);
          const full = await new ViewPlanner().plan(next, rows, 'all');
          expect([...incremental.issued].sort(byComputer)).toEqual([...full.issued].sort(byComputer));
          expect(incremental.changes.snapshots.sort()).toEqual(full.changes.snapshots.sort());
          expect(incremental.changes.settings.sort()).toEqual(full.changes.settings.sort());
          rows = new Map([...rows, ...rowsAfter(full.issued)]);
          stored = rowChanges.stored;
          index = next;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('derives bodies from those of the worlds before: the same bodies as built anew', () => {
    // Policies patched in place (the list keeps its length), and every other change of mutate.
    const policyChangeArb = fc.record({ kind: fc.nat(16), a: fc.nat(40), b: fc.nat(40), flag: fc.boolean() });
    const change = (world: World, m: { kind: number; a: number; b: number; flag: boolean }): World => {
      if (m.kind >= 3 || world.policies.length === 0) return mutate(world, { ...m, kind: m.kind - 3 });
      const at = m.a % world.policies.length;
      const patch = (p: Policy): Policy =>
        m.kind === 0
          ? { ...p, action: pick(['permit', 'deny', 'denyWithRequest'] as const, m.b), order: m.b + 1 }
          : m.kind === 1
            ? { ...p, app: pick(world.applications, m.b).id }
            : { ...p, enabled: m.flag, name: `renamed ${m.b}` };
      return { ...world, policies: world.policies.map((p, i) => (i === at ? patch(p) : p)) };
    };
    fc.assert(
      // More changes than the worlds the planner keeps bodies of (four): bodies move to newer worlds.
      fc.property(shapeArb, fc.array(policyChangeArb, { minLength: 1, maxLength: 12 }), (shape, changes) => {
        let index = new WorldIndex(freeze(worldOf(shape)));
        const planner = new ViewPlanner();
        // Bodies asked of one world and the next, as a server that pushes each change does.
        for (const c of index.world.computers) planner.bodyOf(index, c);
        for (const m of changes) {
          const previous = index;
          index = new WorldIndex(freeze(change(index.world, m)));
          // Some worlds are not asked for bodies (the next derives from older ones), some only for one group's.
          if (m.b % 4 === 0) continue;
          const group = pick(index.world.groups, m.a).id;
          const asked = index.world.computers.filter((c) => m.b % 4 !== 1 || c.group === group);
          // Built from a world of its own (a world with the same lists would share the lookups of index).
          const fresh = new ViewPlanner();
          const own = new WorldIndex(freeze(structuredClone(index.world)));
          for (const [n, c] of asked.entries()) {
            const derived = planner.bodyOf(index, c);
            // The world before asked while this one is planned (an agent's hello), now and then.
            if (n === 0 && m.a % 5 === 0) planner.bodyOf(previous, pick(previous.world.computers, m.b));
            // The same computer of the copy (by its place: a world may list an id twice).
            const built = fresh.bodyOf(own, own.world.computers[index.world.computers.indexOf(c)]!);
            expect(derived.bodyHash).toBe(built.bodyHash);
            expect(derived.settingsHash).toBe(built.settingsHash);
            expect(derived.view).toEqual(built.view);
            expect(planner.viewOf(index, c.id)).toEqual(buildView(index, c.id));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('derives every body for a global change after more small changes than the worlds it keeps', async () => {
    // Eight groups under one customer, a global policy they all see, and one policy per group.
    const shape: Shape = {
      groups: Array.from({ length: 8 }, () => ({ org: 1, name: 1, os: 0 })),
      computers: Array.from({ length: 16 }, (_, i) => ({ group: i % 8, named: false, agent: false })),
      apps: [{ builtIn: false, org: 4, category: 0 }],
      policies: [
        { app: 0, scope: 0, target: 0, enabled: true, order: 1, action: 0 },
        ...Array.from({ length: 8 }, (_, g) => ({ app: 0, scope: 3, target: g, enabled: true, order: 2, action: 0 })),
      ],
      settings: [],
      approvals: [],
      structures: [false, false, false, false],
    };
    // The world as the server holds it: read back from its rows, frozen objects shared.
    const start = worldFromRows(diffWorldRows(new Map(), worldOf(shape)).writes);
    let stored = start.stored;
    let world = freeze(start.world);
    let index = new WorldIndex(world);
    const planner = new ViewPlanner();
    let rows = rowsAfter((await planner.plan(index, new Map(), 'all')).issued);
    const change = async (candidate: World): Promise<void> => {
      freeze(candidate);
      const rowChanges = diffWorldRows(stored, candidate);
      const next = new WorldIndex(candidate);
      const affected = affectedComputers(index, next, [...rowChanges.writes, ...rowChanges.deletes]);
      rows = new Map([...rows, ...rowsAfter((await planner.plan(next, rows, affected)).issued)]);
      stored = rowChanges.stored;
      world = candidate;
      index = next;
    };
    // One group's policy after another: each change a world whose only new body is that group's.
    for (let g = 0; g < 8; g++) {
      await change({
        ...world,
        policies: world.policies.map((p) => (p.id === `pol${g + 1}` ? { ...p, action: 'deny' } : p)),
      });
    }
    await change({
      ...world,
      policies: world.policies.map((p) => (p.id === 'pol0' ? { ...p, action: 'deny' } : p)),
    });
    const fresh = new ViewPlanner();
    const seen = new Set<object>();
    for (const c of world.computers) {
      const body = planner.bodyOf(index, c);
      // Derived from the body before (built whole, it would have no source; a body's source is taken once).
      if (!seen.has(body)) expect(planner.takeSource(body.view)).toBeDefined();
      seen.add(body);
      expect(body.view).toEqual(fresh.bodyOf(index, c).view);
      expect(body.bodyHash).toBe(fresh.bodyOf(index, c).bodyHash);
      expect(body.view.policies.find((p) => p.id === 'pol0')?.action).toBe('deny');
    }
  });

  it('keeps the body hashes of a new world right when an earlier world is asked for a body while it is planned', () => {
    // Changes to gB's policy, then gA's, then the global one.
    const denied = (world: World, id: string): World =>
      freeze({ ...world, policies: world.policies.map((p) => (p.id === id ? { ...p, action: 'deny' as const } : p)) });
    const w0 = freeze(worldOf(THREE_GROUPS));
    const planner = new ViewPlanner();
    const i0 = new WorldIndex(w0);
    for (const c of w0.computers) planner.bodyOf(i0, c);
    const w1 = denied(w0, 'pol2');
    planner.bodyOf(new WorldIndex(w1), w1.computers[1]!);
    const w2 = denied(w1, 'pol1');
    const i2 = new WorldIndex(w2);
    planner.bodyOf(i2, w2.computers[0]!);
    const w3 = denied(w2, 'pol0');
    const i3 = new WorldIndex(w3);
    // The global change's plan begins; an agent's hello meanwhile asks the world before for gB's body.
    planner.bodyOf(i3, w3.computers[0]!);
    planner.bodyOf(i2, w2.computers[1]!);
    for (const c of w3.computers) {
      const got = planner.bodyOf(i3, c);
      // Built from a world of its own (a world with the same lists would share the lookups of i3).
      const fresh = new ViewPlanner().bodyOf(new WorldIndex(freeze(structuredClone(w3))), c);
      expect(got.view).toEqual(fresh.view);
      expect(got.bodyHash, c.id).toBe(fresh.bodyHash);
    }
  });

  it('derives a body right from a world that learnt more after the two worlds were compared', () => {
    const w0 = freeze(worldOf(THREE_GROUPS));
    const global = w0.policies.find((p) => 'global' in p.appliesTo)!.id;
    const w1 = freeze({
      ...w0,
      policies: w0.policies.map((p) => (p.id === global ? { ...p, action: 'deny' as const } : p)),
    });
    const i0 = new WorldIndex(w0);
    const i1 = new WorldIndex(w1);
    const planner = new ViewPlanner();
    planner.prepareLookups(i0);
    planner.prepareLookups(i1);
    // The newest world's first body, then the world before asked for the same computer's (an agent's hello
    // while the change is pushed): derived from the newest one, the two worlds compared then.
    planner.bodyOf(i1, w1.computers[0]!);
    planner.bodyOf(i0, w0.computers[0]!);
    // The newest world learns the other groups' policies after that comparison ...
    planner.bodyOf(i1, w1.computers[2]!);
    planner.bodyOf(i1, w1.computers[1]!);
    // ... and the world before derives those groups' bodies from its bodies: what it lacks is looked up.
    for (const c of w0.computers) {
      const got = planner.bodyOf(i0, c);
      const fresh = new ViewPlanner().bodyOf(new WorldIndex(freeze(structuredClone(w0))), c);
      expect(got.view).toEqual(fresh.view);
      expect(got.bodyHash, c.id).toBe(fresh.bodyHash);
    }
  });

  it('shares one body among the computers of a group that no computer-scoped entry names', () => {
    const world = worldOf({
      groups: [{ org: 1, name: 0, os: 0 }],
      computers: [0, 1, 2].map(() => ({ group: 0, named: false, agent: false })),
      apps: [{ builtIn: false, org: 4, category: 0 }],
      policies: [
        { app: 0, scope: 2, target: 1, enabled: true, order: 1, action: 1 },
        { app: 0, scope: 4, target: 2, enabled: true, order: 2, action: 0 },
      ],
      settings: [],
      approvals: [],
      structures: [false, false, false, false],
    });
    const index = new WorldIndex(world);
    const planner = new ViewPlanner();
    const [pc0, pc1, pc2] = world.computers as [
      (typeof world.computers)[0],
      (typeof world.computers)[0],
      (typeof world.computers)[0],
    ];
    expect(planner.bodyOf(index, pc0)).toBe(planner.bodyOf(index, pc1));
    // pc2 is named by a computer-scoped policy: its own body.
    expect(planner.bodyOf(index, pc2)).not.toBe(planner.bodyOf(index, pc0));
    expect(planner.viewOf(index, 'pc2').policies.map((p) => p.id)).toEqual(['pol0', 'pol1']);
  });
});
