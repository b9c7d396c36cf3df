/**
 * What agents report (hellos, acknowledgements, last seen) is written by the
 * SQLite store in batches: one transaction for many agents, each write's
 * promise settled by its batch's commit, the newest report of a computer
 * kept, and a failed batch failing every write in it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TollgateError } from '../../../src/engine/errors.js';
import type { World } from '../../../src/engine/model.js';
import { ServerDb } from '../../../src/server/server-db.js';
import { ServerState } from '../../../src/server/state.js';
import { REPORT_BATCH_MAX, SqliteStore } from '../../../src/server/store/sqlite-store.js';

const COMPUTERS = ['till-1', 'till-2', 'till-3'];

const WORLD: World = {
  organizations: [{ id: 'shop', name: 'Shop', structure: 'flat', modules: [] }],
  groups: [{ id: 'tills', org: 'shop', name: 'Tills', os: 'linux', agentVersion: '10.6.2' }],
  computers: COMPUTERS.map((id) => ({ id, group: 'tills' })),
  applications: [{ id: 'editor', name: 'Editor', builtIn: false, rules: [{ path: '/opt/editor/**' }] }],
  policies: [],
  agentSettings: [],
  approvalPolicies: [],
  approvalSettings: [],
};

let dir: string;
let store: SqliteStore | null = null;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-reports-'));
  const state = await ServerState.open({ dataDir: dir, clock: () => 1_000 });
  await state.importWorld(WORLD);
  await state.close();
  store = SqliteStore.open(dir);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await store?.close();
  store = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

function ack(version: number, nowMs: number) {
  return { snapshotVersion: version, settingsVersion: version, error: null, nowMs };
}

describe('reports of agents in the SQLite store', () => {
  it('writes many acknowledgements in a few transactions, in order: the newest of each computer wins', async () => {
    const transactions = vi.spyOn(ServerDb.prototype, 'inTransaction');
    const count = 2 * REPORT_BATCH_MAX + 500;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      writes.push(store!.recordAck(COMPUTERS[i % COMPUTERS.length]!, ack(i + 1, 5_000 + i)));
    }
    await Promise.all(writes);
    expect(transactions).toHaveBeenCalledTimes(3);
    const rows = await store!.computerRows(COMPUTERS);
    for (const row of rows) {
      const last = Math.max(...[...Array(count).keys()].filter((i) => COMPUTERS[i % 3] === row.computerId)) + 1;
      expect(row).toMatchObject({
        ackedSnapshotVersion: last,
        ackedSettingsVersion: last,
        lastSeenMs: 5_000 + last - 1,
      });
    }
  });

  it('writes approval requests of many computers in one transaction, each told whether it was new', async () => {
    const transactions = vi.spyOn(ServerDb.prototype, 'inTransaction');
    const row = (id: string, computerId: string) => ({
      id,
      computerId,
      receivedAtMs: 1_000,
      status: 'pending',
      body: JSON.stringify({ id, computer: computerId }),
    });
    const written = await Promise.all(
      Array.from({ length: 300 }, (_, i) => store!.insertRequest(row(`req-${i}`, COMPUTERS[i % 3]!))),
    );
    expect(written.every((w) => w)).toBe(true);
    expect(transactions).toHaveBeenCalledTimes(1);
    // An id stored already is not stored again (and says so), in a batch of its own or not.
    expect(
      await Promise.all([store!.insertRequest(row('req-7', 'till-2')), store!.insertRequest(row('new', 'till-1'))]),
    ).toEqual([false, true]);
    expect(await store!.pendingRequestCount('till-1')).toBe(101);
  });

  it('settles a write only once its batch is committed', async () => {
    let settled = false;
    const write = store!.setLastSeen('till-1', 42).then(() => (settled = true));
    // Not yet written: the batch waits for others to join it.
    expect((await store!.computerRows(['till-1']))[0]!.lastSeenMs).not.toBe(42);
    expect(settled).toBe(false);
    await write;
    expect((await store!.computerRows(['till-1']))[0]!.lastSeenMs).toBe(42);
  });

  it('fails every write of a batch that cannot be committed, and writes the next batch', async () => {
    vi.spyOn(ServerDb.prototype, 'inTransaction').mockImplementationOnce(() => {
      throw new TollgateError('storage-unavailable', 'server.db: disk full');
    });
    const failed = [
      store!.recordAck('till-1', ack(7, 7_000)),
      store!.recordHello('till-2', { agentVersion: '10.6.2', tollgateVersion: null, os: 'linux', nowMs: 7_000 }),
      store!.setLastSeen('till-3', 7_000),
    ];
    for (const write of failed) await expect(write).rejects.toThrow(/disk full/);
    const rows = await store!.computerRows(COMPUTERS);
    expect(rows.map((r) => r.lastSeenMs)).not.toContain(7_000);

    await store!.recordAck('till-1', ack(8, 8_000));
    expect((await store!.computerRows(['till-1']))[0]).toMatchObject({ ackedSnapshotVersion: 8, lastSeenMs: 8_000 });
  });

  it('writes what is gathered when it closes', async () => {
    const write = store!.recordHello('till-2', {
      agentVersion: '10.6.2',
      tollgateVersion: null,
      os: 'linux',
      nowMs: 9_000,
    });
    await store!.close();
    store = null;
    await write;
    const reopened = SqliteStore.open(dir);
    try {
      expect((await reopened.computerRows(['till-2']))[0]).toMatchObject({
        reportedAgentVersion: '10.6.2',
        reportedOs: 'linux',
        lastSeenMs: 9_000,
      });
    } finally {
      await reopened.close();
    }
  });
});
