import { describe, expect, it } from 'vitest';
import { DecisionCache } from '../../src/agent/decision-cache.js';
import { CompiledView } from '../../src/engine/evaluate.js';
import type { World } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';

const EXPIRY = Date.parse('2026-12-01T00:00:00Z');

const WORLD: World = {
  organizations: [{ id: 'o', name: 'O', structure: 'flat', modules: [] }],
  groups: [{ id: 'g', org: 'o', name: 'G', os: 'linux', agentVersion: '10.6.0' }],
  computers: [{ id: 'c', group: 'g' }],
  applications: [{ id: 'tool', name: 'Tool', builtIn: false, rules: [{ path: '/opt/tool' }] }],
  policies: [
    {
      id: 'trial',
      app: 'tool',
      appliesTo: { group: 'g' },
      action: 'permit',
      order: 1,
      enabled: true,
      expiresAt: '2026-12-01T00:00:00Z',
    },
    { id: 'later', app: 'tool', appliesTo: { group: 'g' }, action: 'deny', order: 2, enabled: true },
  ],
  agentSettings: [],
  approvalPolicies: [],
  approvalSettings: [],
};

describe('DecisionCache', () => {
  const compiled = new CompiledView(buildView(WORLD, 'c'), 1);
  const next = (nowMs: number): number => compiled.nextExpiryAfter(nowMs);

  it('answers from the cache until the next policy expiry, then decides again', () => {
    const cache = new DecisionCache();
    let evaluations = 0;
    const decide = (nowMs: number) => () => {
      evaluations++;
      return compiled.evaluate({ path: '/opt/tool' }, { nowMs });
    };
    const before = EXPIRY - 1000;
    expect(cache.get({ path: '/opt/tool' }, before, next, decide(before)).policy).toBe('trial');
    expect(cache.get({ path: '/opt/tool' }, EXPIRY - 1, next, decide(EXPIRY - 1)).policy).toBe('trial');
    expect(evaluations).toBe(1);
    expect(cache.get({ path: '/opt/tool' }, EXPIRY, next, decide(EXPIRY)).policy).toBe('later');
    expect(evaluations).toBe(2);
    // The clock jumps back: the trial policy is live again.
    expect(cache.get({ path: '/opt/tool' }, before, next, decide(before)).policy).toBe('trial');
    expect(evaluations).toBe(3);
  });

  it('keys on every field a rule can look at, and forgets everything when cleared', () => {
    const keyed = new DecisionCache();
    let made = 0;
    const count = () => {
      made++;
      return compiled.evaluate({ path: '/opt/tool' }, { nowMs: 0 });
    };
    const files = [
      { path: '/a' },
      { path: '/a', sha256: 'ab' },
      { path: '/a', processPath: '/b' },
      { path: '/a', createdBy: '/b' },
      { path: '/a', certSubject: 'CN=x' },
      { path: '/a', certThumbprint: 'ab' },
      { path: '/b' },
    ];
    for (const file of files) keyed.get(file, 0, next, count);
    expect(made).toBe(files.length);
    // Asked again with copies: each is found, and the file kept is the one first asked with.
    for (const file of files) expect(keyed.lookup({ ...file }, 0, next, count).file).toBe(file);
    expect(made).toBe(files.length);
    const cache = new DecisionCache();
    let evaluations = 0;
    const decide = () => {
      evaluations++;
      return compiled.evaluate({ path: '/opt/tool' }, { nowMs: 0 });
    };
    cache.get({ path: '/opt/tool' }, 0, next, decide);
    cache.clear();
    const again = cache.get({ path: '/opt/tool' }, 0, next, decide);
    expect(evaluations).toBe(2);
    expect(Object.isFrozen(again)).toBe(true);
  });

  it('knows the next expiry', () => {
    expect(compiled.nextExpiryAfter(EXPIRY - 1)).toBe(EXPIRY);
    expect(compiled.nextExpiryAfter(EXPIRY)).toBe(Infinity);
  });
});
