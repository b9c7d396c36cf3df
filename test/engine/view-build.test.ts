/**
 * buildView's policies and applications against a reference written
 * straight from WorldIndex's definitions (covers, appliesToOrg, depth and
 * the applications by id): on random worlds for every computer, for worlds
 * given as a WorldIndex and as a plain world, and for a world that repeats
 * an application id.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEVEL_RANK, type Application, type World } from '../../src/engine/model.js';
import { parseTimeMs } from '../../src/engine/validate.js';
import { type ViewPolicy, buildView } from '../../src/engine/view.js';
import { WorldIndex, appliesToLevel } from '../../src/engine/world.js';
import { makeWorld, worldArb } from '../support/arbitraries.js';

/** The view's policies and applications as WorldIndex defines them, one look-up at a time. */
function reference(world: World, computerId: string): { policies: ViewPolicy[]; applications: Application[] } {
  const index = new WorldIndex(world);
  const org = index.org(index.computerOrg(computerId));
  const policies: ViewPolicy[] = [];
  const appIds = new Set<string>();
  for (const p of world.policies) {
    if (!p.enabled || !index.covers(p.appliesTo, computerId)) continue;
    const app = p.app === undefined ? undefined : index.apps.get(p.app);
    if (app !== undefined) appIds.add(app.id);
    const vp: ViewPolicy = {
      id: p.id,
      name: p.name ?? null,
      app: p.default === true ? null : (p.app ?? null),
      builtIn: p.default !== true && app?.builtIn === true,
      action: p.action,
      order: p.order,
      levelRank: LEVEL_RANK[appliesToLevel(p.appliesTo)],
      orgDepth: index.depth(index.appliesToOrg(p.appliesTo)),
      org: index.appliesToOrg(p.appliesTo),
      expiresAtMs: p.expiresAt === undefined ? null : parseTimeMs(p.expiresAt),
      isDefault: p.default === true,
    };
    if (p.ringfence !== undefined) vp.ringfence = p.ringfence;
    policies.push(vp);
  }
  const ancestry = index.ancestry(org.id);
  for (const app of world.applications) {
    if (appIds.has(app.id)) continue;
    if (app.builtIn || app.org === undefined || ancestry.includes(app.org)) appIds.add(app.id);
  }
  return { policies, applications: world.applications.filter((a) => appIds.has(a.id)) };
}

describe('buildView', () => {
  it('on random worlds: every computer sees the policies and applications the reference gives', () => {
    fc.assert(
      fc.property(worldArb(), (g) => {
        const index = new WorldIndex(g.world);
        for (const computer of g.world.computers) {
          const want = reference(g.world, computer.id);
          for (const view of [buildView(index, computer.id), buildView(g.world, computer.id)]) {
            expect(view.policies).toEqual(want.policies);
            expect(view.applications).toEqual(want.applications);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('keeps every entry of a repeated application id together, as a look-up by id does', () => {
    const app = (id: string, name: string, extra: Partial<Application> = {}): Application => ({
      id,
      name,
      builtIn: false,
      rules: [{ path: `C:\\${name}.exe` }],
      ...extra,
    });
    const world = makeWorld({
      organizations: [{ id: 'cust', name: 'Customer', structure: 'flat', modules: [] }],
      groups: [{ id: 'g', org: 'cust', name: 'Tills', os: 'windows', agentVersion: '10.6.0' }],
      computers: [{ id: 'pc', group: 'g' }],
      applications: [
        app('twice', 'First'),
        app('other', 'Other', { category: 'Tools', org: 'elsewhere' }),
        app('twice', 'Second', { builtIn: true }),
        app('seen', 'Seen', { category: 'Tools' }),
        app('seen', 'Seen again'),
      ],
      policies: [
        { id: 'p', app: 'twice', appliesTo: { organization: 'cust' }, action: 'permit', order: 1, enabled: true },
      ],
    });
    const view = buildView(world, 'pc');
    const want = reference(world, 'pc');
    expect(view.applications.map((a) => a.name)).toEqual(['First', 'Second', 'Seen', 'Seen again']);
    expect(view.applications).toEqual(want.applications);
    expect(view.policies).toEqual(want.policies);
    // The policy's application is the last entry of its id.
    expect(view.policies[0]?.builtIn).toBe(true);
  });
});
