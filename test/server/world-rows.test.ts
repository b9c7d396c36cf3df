// The row diff of a list changed in a few places (found from the entries
// the old and new lists share at their ends) writes and deletes exactly what
// a walk of the whole list does, and leaves the same stored image. Another
// writer's rows applied to a stored image give the world all the rows give,
// keeping the very lists of the kinds no row names.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Policy, World } from '../../src/engine/model.js';
import { type StoredWorld, applyRowChanges, diffWorldRows, worldFromRows } from '../../src/server/world-rows.js';

function policy(id: string, order: number): Policy {
  return { id, app: 'app', appliesTo: { organization: 'o' }, action: 'permit', order, enabled: true };
}

function worldWith(policies: Policy[]): World {
  return {
    organizations: [{ id: 'o', name: 'O', structure: 'flat', modules: [] }],
    groups: [],
    computers: [],
    applications: [{ id: 'app', name: 'App', builtIn: false, rules: [{ path: '/a' }] }],
    policies,
    agentSettings: [],
    approvalPolicies: [],
    approvalSettings: [],
  };
}

/** The same stored image with no record of the lists it was made from: the diff walks every list. */
function unrecorded(stored: StoredWorld): StoredWorld {
  return new Map([...stored].map(([kind, byId]) => [kind, new Map(byId)]));
}

function image(stored: StoredWorld): [string, number][] {
  const byId = stored.get('policies');
  return byId === undefined ? [] : [...byId].map(([id, e]): [string, number] => [id, e.seq]).sort();
}

const editArb = fc.record({ op: fc.nat(5), at: fc.nat(30), id: fc.nat(12), order: fc.nat(3) });

describe('the row diff of a few changes', () => {
  it('writes, deletes and stores what a walk of the whole list does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(12), { maxLength: 12 }),
        fc.array(fc.array(editArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
        (ids, rounds) => {
          const first = [...new Set(ids)].map((id) => policy(`p${id}`, 1));
          let { world, stored } = worldFromRows(diffWorldRows(new Map(), worldWith(first)).writes);
          for (const edits of rounds) {
            const list = [...world.policies];
            for (const e of edits) {
              const at = list.length === 0 ? 0 : e.at % (list.length + 1);
              const entry = policy(`p${e.id}`, e.order);
              if (e.op === 0) list.push(entry);
              else if (e.op === 1 && at < list.length) list[at] = { ...(list[at] as Policy), order: e.order };
              else if (e.op === 2) list.splice(at, 1);
              else if (e.op === 3) list.splice(at, 0, entry);
              else if (e.op === 4 && list.length > 1) list.reverse();
              else list[at] = entry;
            }
            const candidate = { ...world, policies: list };
            const fast = diffWorldRows(stored, candidate);
            const whole = diffWorldRows(unrecorded(stored), candidate);
            const byKey = (a: { kind: string; id: string }, b: { kind: string; id: string }): number =>
              `${a.kind}/${a.id}`.localeCompare(`${b.kind}/${b.id}`);
            expect([...fast.writes].sort(byKey)).toEqual([...whole.writes].sort(byKey));
            expect([...fast.deletes].sort(byKey)).toEqual([...whole.deletes].sort(byKey));
            expect(image(fast.stored)).toEqual(image(whole.stored));
            world = candidate;
            stored = fast.stored;
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('writes only the appended entry of a long list', () => {
    const policies = Array.from({ length: 1000 }, (_, i) => policy(`p${i}`, 1));
    const { world, stored } = worldFromRows(diffWorldRows(new Map(), worldWith(policies)).writes);
    const changes = diffWorldRows(stored, { ...world, policies: [...world.policies, policy('new', 2)] });
    expect(changes.writes.map((row) => [row.kind, row.id, row.seq])).toEqual([['policies', 'new', 1000]]);
    expect(changes.deletes).toEqual([]);
  });
});

describe('rows of another writer applied', () => {
  it('give the world the rows all together give, keeping the lists of kinds no row names', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(12), { maxLength: 12 }),
        fc.array(editArb, { minLength: 1, maxLength: 4 }),
        (ids, edits) => {
          const first = [...new Set(ids)].map((id) => policy(`p${id}`, 1));
          const { world, stored } = worldFromRows(diffWorldRows(new Map(), worldWith(first)).writes);
          const list = [...world.policies];
          for (const e of edits) {
            const at = list.length === 0 ? 0 : e.at % (list.length + 1);
            if (e.op <= 1) list.push(policy(`p${e.id}`, e.order));
            else if (e.op === 2) list.splice(at, 1);
            else if (at < list.length) list[at] = { ...(list[at] as Policy), order: e.order };
          }
          const candidate = { ...world, policies: [...new Map(list.map((p) => [p.id, p])).values()] };
          const changes = diffWorldRows(stored, candidate);
          const applied = applyRowChanges(stored, changes.writes, changes.deletes);
          const all = worldFromRows([...diffWorldRows(new Map(), candidate).writes]);
          expect(applied.world).toEqual(all.world);
          expect(image(applied.stored)).toEqual(image(changes.stored));
          // Nothing but policies was written: every other list is the very array it was.
          expect(applied.world.applications).toBe(world.applications);
          expect(applied.world.organizations).toBe(world.organizations);
          expect(applied.world.computers).toBe(world.computers);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a changed application is a new list of applications, the policies kept', () => {
    const { world, stored } = worldFromRows(diffWorldRows(new Map(), worldWith([policy('p1', 1)])).writes);
    const changes = diffWorldRows(stored, {
      ...world,
      applications: [{ id: 'app', name: 'Renamed', builtIn: false, rules: [{ path: '/a' }] }],
    });
    const applied = applyRowChanges(stored, changes.writes, changes.deletes);
    expect(applied.world.applications.map((a) => a.name)).toEqual(['Renamed']);
    expect(applied.world.policies).toBe(world.policies);
    expect(applied.world.gates).toBe(world.gates);
  });
});
