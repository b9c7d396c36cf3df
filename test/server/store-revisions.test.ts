// Revisions of the server store, with two states over one SQLite database
// (as two server processes over one store): a commit prepared on an old
// revision is refused, caught up and prepared again on the newer world;
// catchUp applies what the other committed and names the computers whose
// versions changed; changesSince returns rows written and deleted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { World } from '../../src/engine/model.js';
import { ServerState } from '../../src/server/state.js';
import { StaleWorldError } from '../../src/server/store/server-store.js';
import { SqliteStore } from '../../src/server/store/sqlite-store.js';

const WORLD: World = {
  organizations: [{ id: 'shop', name: 'Shop', structure: 'flat', modules: [] }],
  groups: [
    { id: 'tills', org: 'shop', name: 'Tills', os: 'linux', agentVersion: '10.6.2' },
    { id: 'office', org: 'shop', name: 'Office', os: 'linux', agentVersion: '10.6.2' },
  ],
  computers: [
    { id: 'till-1', group: 'tills' },
    { id: 'office-1', group: 'office' },
  ],
  applications: [{ id: 'editor', name: 'Editor', builtIn: false, rules: [{ path: '/opt/editor/**' }] }],
  policies: [],
  agentSettings: [],
  approvalPolicies: [],
  approvalSettings: [],
};

let dir: string;
const opened: ServerState[] = [];

async function open(): Promise<ServerState> {
  const state = await ServerState.open({ dataDir: dir, clock: () => 1_000 });
  opened.push(state);
  return state;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-revisions-'));
});

afterEach(async () => {
  for (const state of opened.splice(0)) await state.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('store revisions', () => {
  it('refuses a commit on an old revision, and reports what was committed since', async () => {
    const store = SqliteStore.open(dir);
    try {
      const loaded = await store.load();
      expect(loaded.revision).toBe(0);
      const row = { kind: 'organizations' as const, id: 'shop', seq: 0, body: JSON.stringify(WORLD.organizations[0]) };
      expect(await store.commitWorld({ baseRevision: 0, writes: [row], deletes: [], issued: [] })).toEqual({
        revision: 1,
      });
      await expect(store.commitWorld({ baseRevision: 0, writes: [row], deletes: [], issued: [] })).rejects.toThrow(
        StaleWorldError,
      );
      await store.commitWorld({
        baseRevision: 1,
        writes: [],
        deletes: [{ kind: 'organizations', id: 'shop' }],
        issued: [],
      });
      expect(await store.changesSince(0)).toEqual({
        revision: 2,
        entities: [],
        deletes: [{ kind: 'organizations', id: 'shop' }],
        computers: [],
      });
      expect((await store.changesSince(2)).deletes).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('prepares a change again on the newer world when another writer committed first', async () => {
    const first = await open();
    await first.importWorld(WORLD);
    const second = await open();
    // The first adds a policy; the second, still at the old revision, adds another.
    await first.addPolicy({
      id: 'block-editor',
      app: 'editor',
      appliesTo: { group: 'tills' },
      action: 'deny',
      order: 1,
    });
    const { changes } = await second.addPolicy({
      id: 'allow-editor',
      app: 'editor',
      appliesTo: { group: 'office' },
      action: 'permit',
      order: 2,
    });
    expect(changes).toEqual({ snapshots: ['office-1'], settings: [] });
    // Both policies are kept: the second change was made on the world with the first.
    expect(second.world().policies.map((p) => p.id)).toEqual(['block-editor', 'allow-editor']);
    expect(second.computerState('till-1').snapshotVersion).toBe(2);
    expect(second.computerState('office-1').snapshotVersion).toBe(2);
    const reopened = await open();
    expect(reopened.world().policies.map((p) => p.id)).toEqual(['block-editor', 'allow-editor']);
  });

  it('catches up with another writer, naming the computers whose versions changed', async () => {
    const first = await open();
    await first.importWorld(WORLD);
    const second = await open();
    const announced: string[][] = [];
    second.watch({ onViewChanges: (c) => announced.push(c.snapshots), onAcks: () => undefined });
    await first.setSetting({ kind: 'group', id: 'tills' }, 'prioritizeBuiltInApplications', false);
    await first.deletePolicy('nope').catch(() => undefined);
    await first.addPolicy({
      id: 'block-editor',
      app: 'editor',
      appliesTo: { group: 'office' },
      action: 'deny',
      order: 1,
    });
    expect(await second.catchUp()).toEqual({ snapshots: ['office-1'], settings: ['till-1'] });
    expect(announced).toEqual([['office-1']]);
    expect(second.world()).toEqual(first.world());
    expect(second.computerState('till-1').settingsVersion).toBe(2);
    expect(await second.catchUp()).toEqual({ snapshots: [], settings: [] });
  });
});
