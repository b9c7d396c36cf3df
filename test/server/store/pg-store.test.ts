// The PostgreSQL store against the real local PostgreSQL (TOLLGATE_TEST_PG_URL),
// one schema per test: two stores on one schema commit concurrently without
// issuing a version twice or backwards, the loser of a race is refused with
// StaleWorldError and succeeds once caught up, commits and acknowledgements
// reach the other store's listener, migrations run once under concurrent
// openers, and an unreachable database is 'storage-unavailable'. A clean
// stop deletes the instance's row at once, however busy its pool is; a beat
// whose statement has no answer fails after one beat interval.
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TollgateError } from '../../../src/engine/errors.js';
import type { IssuedVersions } from '../../../src/server/server-db.js';
import { PG_MIGRATIONS } from '../../../src/server/store/pg-migrations.js';
import {
  MAX_NOTIFY_PAYLOAD_BYTES,
  MAX_ROWS_PER_STATEMENT,
  PgStore,
  ackPayloads,
  slices,
} from '../../../src/server/store/pg-store.js';
import { StaleWorldError, type StoreListener } from '../../../src/server/store/server-store.js';
import type { EntityRow } from '../../../src/server/world-rows.js';
import { type TestSchema, createTestSchema, freshSchemaName, pgQuery } from '../../support/postgres.js';

let schema: TestSchema;
const stores: PgStore[] = [];

beforeEach(async () => {
  schema = await createTestSchema();
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  await schema.drop();
});

async function open(options: Partial<Parameters<typeof PgStore.open>[0]> = {}): Promise<PgStore> {
  const store = await PgStore.open({ url: schema.url, schema: schema.schema, poolSize: 4, ...options });
  stores.push(store);
  return store;
}

function policy(id: string, body: object = {}): EntityRow {
  return { kind: 'policies', id, seq: 0, body: JSON.stringify({ id, ...body }) };
}

function issued(computerId: string, version: number): IssuedVersions {
  return {
    computerId,
    snapshotVersion: version,
    settingsVersion: version,
    viewHash: `view-${version}`,
    settingsHash: `settings-${version}`,
  };
}

/** A listener that records what it is told and lets a test wait for it. */
class Recorder implements StoreListener {
  readonly commits: number[] = [];
  readonly acks: string[] = [];
  private waiters: (() => void)[] = [];
  onCommit(revision: number): void {
    this.commits.push(revision);
    this.wake();
  }
  onAcks(ids: readonly string[]): void {
    this.acks.push(...ids);
    this.wake();
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

/**
 * One writer's loop: reads the stored revision and version, commits the next
 * version, and on StaleWorldError catches up and prepares again.
 */
async function issueLoop(store: PgStore, times: number): Promise<{ versions: number[]; stale: number }> {
  const versions: number[] = [];
  let stale = 0;
  let { revision } = await store.changesSince(0);
  while (versions.length < times) {
    const [row] = await store.computerRows(['c1']);
    const next = (row?.snapshotVersion ?? 0) + 1;
    try {
      ({ revision } = await store.commitWorld({
        baseRevision: revision,
        writes: [policy(`p-${next}`)],
        deletes: [],
        issued: [issued('c1', next)],
      }));
      versions.push(next);
    } catch (error) {
      if (!(error instanceof StaleWorldError)) throw error;
      stale++;
      ({ revision } = await store.changesSince(revision));
    }
  }
  return { versions, stale };
}

describe('PgStore', () => {
  it('stores the world and issued versions in one commit and reads them back after a reopen', async () => {
    const store = await open();
    const empty = await store.load();
    expect(empty).toEqual({ revision: 0, entities: [], computers: [] });
    const result = await store.commitWorld({
      baseRevision: 0,
      writes: [policy('a'), { kind: 'computers', id: 'c1', seq: 0, body: '{"id":"c1"}' }],
      deletes: [],
      issued: [issued('c1', 3)],
    });
    expect(result.revision).toBe(1);
    await store.setTokenHash('c1', Buffer.from('hash'));
    await store.recordHello('c1', { agentVersion: '2.0.0', tollgateVersion: '0.1.0', os: 'linux', nowMs: 1_000 });
    await store.recordAck('c1', { snapshotVersion: 3, settingsVersion: 3, error: null, nowMs: 2_000 });
    await store.close();

    const again = await open();
    const loaded = await again.load();
    expect(loaded.revision).toBe(2);
    expect(loaded.entities.map((row) => row.id).sort()).toEqual(['a', 'c1']);
    expect(loaded.computers).toEqual([
      {
        computerId: 'c1',
        tokenHash: Buffer.from('hash'),
        snapshotVersion: 3,
        settingsVersion: 3,
        viewHash: 'view-3',
        settingsHash: 'settings-3',
        ackedSnapshotVersion: 3,
        ackedSettingsVersion: 3,
        reportedAgentVersion: '2.0.0',
        reportedTollgateVersion: '0.1.0',
        reportedOs: 'linux',
        lastSeenMs: 2_000,
        lastError: null,
      },
    ]);
  });

  it('changesSince lists rows written, deleted and issued after a revision, and a re-added row only as written', async () => {
    const store = await open();
    let { revision } = await store.commitWorld({
      baseRevision: 0,
      writes: [policy('a'), policy('b'), policy('c')],
      deletes: [],
      issued: [issued('c1', 1)],
    });
    const base = revision;
    ({ revision } = await store.commitWorld({
      baseRevision: revision,
      writes: [policy('a', { changed: true })],
      deletes: [
        { kind: 'policies', id: 'b' },
        { kind: 'policies', id: 'c' },
      ],
      issued: [issued('c2', 1)],
    }));
    ({ revision } = await store.commitWorld({
      baseRevision: revision,
      writes: [policy('c')],
      deletes: [],
      issued: [],
    }));
    const changes = await store.changesSince(base);
    expect(changes.revision).toBe(revision);
    expect(changes.entities.map((row) => row.id).sort()).toEqual(['a', 'c']);
    expect(changes.deletes).toEqual([{ kind: 'policies', id: 'b' }]);
    expect(changes.computers.map((row) => row.computerId)).toEqual(['c2']);
    expect(await store.changesSince(revision)).toEqual({ revision, entities: [], deletes: [], computers: [] });
  });

  it('prunes the deletions log up to what every running instance has read, and no further', async () => {
    const writer = await open();
    const reader = await open();
    const deletionRows = async (): Promise<number> =>
      Number(
        ((await pgQuery(`SELECT count(*) AS n FROM "${schema.schema}".entity_deletions`)).rows[0] as { n: string }).n,
      );
    await reader.load();
    await writer.load();
    let { revision } = await writer.commitWorld({
      baseRevision: 0,
      writes: [policy('a'), policy('b'), policy('c')],
      deletes: [],
      issued: [],
    });
    for (const id of ['a', 'b']) {
      ({ revision } = await writer.commitWorld({
        baseRevision: revision,
        writes: [],
        deletes: [{ kind: 'policies', id }],
        issued: [],
      }));
    }
    await writer.beat();
    await reader.beat();
    // The reader has read revision 0 only: it still needs both deletions.
    expect(await writer.pruneDeletions()).toBe(0);
    expect(await deletionRows()).toBe(2);
    expect((await reader.changesSince(0)).deletes.map((k) => k.id).sort()).toEqual(['a', 'b']);
    // The reader's beat records what it has read, and any beat prunes.
    await reader.beat();
    expect(await deletionRows()).toBe(0);
    expect(await writer.pruneDeletions()).toBe(0);
    // Caught up, nobody needs anything: the next deletion is kept until both have read it.
    ({ revision } = await writer.commitWorld({
      baseRevision: revision,
      writes: [],
      deletes: [{ kind: 'policies', id: 'c' }],
      issued: [],
    }));
    await writer.beat();
    expect(await deletionRows()).toBe(1);
    expect((await reader.changesSince(revision - 1)).deletes).toEqual([{ kind: 'policies', id: 'c' }]);
    await reader.beat();
    await writer.beat();
    expect(await deletionRows()).toBe(0);
  });

  it('an instance that stopped beating and comes back below the pruned deletions still catches up right', async () => {
    const writer = await open();
    const away = await open();
    await writer.load();
    const base = (
      await writer.commitWorld({
        baseRevision: 0,
        writes: [policy('a'), policy('b'), policy('c')],
        deletes: [],
        issued: [],
      })
    ).revision;
    const held = await away.load();
    expect(held.entities.map((row) => row.id).sort()).toEqual(['a', 'b', 'c']);
    let revision = base;
    ({ revision } = await writer.commitWorld({
      baseRevision: revision,
      writes: [policy('d')],
      deletes: [
        { kind: 'policies', id: 'a' },
        { kind: 'policies', id: 'b' },
      ],
      issued: [],
    }));
    ({ revision } = await writer.commitWorld({
      baseRevision: revision,
      writes: [policy('b', { back: true })],
      deletes: [],
      issued: [],
    }));
    // The other instance's last beat is long past: it no longer holds the log back.
    await pgQuery(
      `UPDATE "${schema.schema}".instances SET heartbeat_at = now() - interval '1 hour' WHERE seen_revision < $1`,
      [revision],
    );
    await writer.beat();
    expect(await writer.pruneDeletions()).toBe(0);
    const pruned = await pgQuery(`SELECT deletions_pruned_through AS p FROM "${schema.schema}".world_revision`);
    expect(Number((pruned.rows[0] as { p: string }).p)).toBeGreaterThan(base);

    const dropped = await away.changesSince(base);
    expect(dropped.deletes).toEqual([{ kind: 'policies', id: 'a' }]);
    // Not adopted (a catch-up that failed): read again, the same deletion, from the keys still held.
    const changes = await away.changesSince(base);
    expect(changes.revision).toBe(revision);
    expect(changes.entities.map((row) => row.id).sort()).toEqual(['b', 'd']);
    expect(changes.deletes).toEqual([{ kind: 'policies', id: 'a' }]);
    away.adopt(changes);
    // From then on it reads the log as usual.
    ({ revision } = await writer.commitWorld({
      baseRevision: revision,
      writes: [],
      deletes: [{ kind: 'policies', id: 'c' }],
      issued: [],
    }));
    expect((await away.changesSince(changes.revision)).deletes).toEqual([{ kind: 'policies', id: 'c' }]);
  });

  it('refuses a commit on a stale revision and stores nothing of it', async () => {
    const store = await open();
    await store.commitWorld({ baseRevision: 0, writes: [policy('a')], deletes: [], issued: [] });
    const stale = store.commitWorld({ baseRevision: 0, writes: [policy('b')], deletes: [], issued: [issued('c1', 1)] });
    await expect(stale).rejects.toBeInstanceOf(StaleWorldError);
    await expect(stale).rejects.toMatchObject({ code: 'conflict', storedRevision: 1 });
    const loaded = await store.load();
    expect(loaded.entities.map((row) => row.id)).toEqual(['a']);
    expect(loaded.computers).toEqual([]);
  });

  it('refuses to issue a version lower than the stored one', async () => {
    const store = await open();
    await store.commitWorld({ baseRevision: 0, writes: [], deletes: [], issued: [issued('c1', 5)] });
    await expect(
      store.commitWorld({ baseRevision: 1, writes: [policy('x')], deletes: [], issued: [issued('c1', 4)] }),
    ).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/never go down/) as unknown });
    const loaded = await store.load();
    expect(loaded.revision).toBe(1);
    expect(loaded.entities).toEqual([]);
    expect(loaded.computers[0]?.snapshotVersion).toBe(5);
  });

  it('writes a commit larger than one statement takes in several, all or nothing', async () => {
    const store = await open();
    const count = MAX_ROWS_PER_STATEMENT * 2 + 500;
    const ids = Array.from({ length: count }, (_, i) => `c${String(i).padStart(5, '0')}`);
    const writes = ids.map((id, seq) => ({ ...policy(`p-${id}`), seq }));
    await store.commitWorld({ baseRevision: 0, writes, deletes: [], issued: ids.map((id) => issued(id, 2)) });
    let loaded = await store.load();
    expect(loaded.entities).toHaveLength(count);
    expect(loaded.computers.map((c) => c.snapshotVersion)).toEqual(ids.map(() => 2));

    // A version lower than the stored one in the last statement: the statements before it are undone too.
    const lower = ids.map((id, i) => issued(id, i === count - 1 ? 1 : 3));
    await expect(
      store.commitWorld({
        baseRevision: 1,
        writes: [policy('late')],
        deletes: writes.slice(0, MAX_ROWS_PER_STATEMENT + 1),
        issued: lower,
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    loaded = await store.load();
    expect(loaded.revision).toBe(1);
    expect(loaded.entities).toHaveLength(count);
    expect(new Set(loaded.computers.map((c) => c.snapshotVersion))).toEqual(new Set([2]));

    await store.commitWorld({
      baseRevision: 1,
      writes: [],
      deletes: writes.slice(0, MAX_ROWS_PER_STATEMENT + 1),
      issued: ids.map((id) => issued(id, 3)),
    });
    loaded = await store.load();
    expect(loaded.entities).toHaveLength(count - MAX_ROWS_PER_STATEMENT - 1);
    expect(new Set(loaded.computers.map((c) => c.snapshotVersion))).toEqual(new Set([3]));
    expect((await store.changesSince(1)).deletes).toHaveLength(MAX_ROWS_PER_STATEMENT + 1);
  });

  it('slices a list for statements', () => {
    expect(slices([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(slices([], 2)).toEqual([]);
  });

  it('two stores committing concurrently never issue a version twice or backwards; losers catch up and succeed', async () => {
    const one = await open();
    const two = await open();
    const [a, b] = await Promise.all([issueLoop(one, 15), issueLoop(two, 15)]);
    const all = [...a.versions, ...b.versions].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const versions of [a.versions, b.versions]) {
      expect(versions).toEqual([...versions].sort((x, y) => x - y));
    }
    const loaded = await one.load();
    expect(loaded.revision).toBe(30);
    expect(loaded.computers[0]?.snapshotVersion).toBe(30);
    expect(loaded.entities).toHaveLength(30);
  });

  it('the loser of a race gets StaleWorldError, and its retry after changesSince is stored', async () => {
    const one = await open();
    const two = await open();
    const base = (await one.load()).revision;
    await one.commitWorld({ baseRevision: base, writes: [policy('first')], deletes: [], issued: [issued('c1', 1)] });
    const lost = await two
      .commitWorld({ baseRevision: base, writes: [policy('second')], deletes: [], issued: [issued('c1', 1)] })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(lost).toBeInstanceOf(StaleWorldError);
    const caughtUp = await two.changesSince(base);
    expect(caughtUp.entities.map((row) => row.id)).toEqual(['first']);
    expect(caughtUp.computers[0]?.snapshotVersion).toBe(1);
    const retried = await two.commitWorld({
      baseRevision: caughtUp.revision,
      writes: [policy('second')],
      deletes: [],
      issued: [issued('c1', 2)],
    });
    expect(retried.revision).toBe(2);
  });

  it("announces a commit and a token change to the other store's listener, not to its own", async () => {
    const one = await open();
    const two = await open();
    const heardByTwo = new Recorder();
    const heardByOne = new Recorder();
    two.subscribe(heardByTwo);
    one.subscribe(heardByOne);
    await one.commitWorld({ baseRevision: 0, writes: [policy('a')], deletes: [], issued: [issued('c1', 1)] });
    await heardByTwo.until(() => heardByTwo.commits.includes(1));
    await one.setTokenHash('c1', Buffer.from('t'));
    await heardByTwo.until(() => heardByTwo.commits.includes(2));
    // A commit by two reaches one: by then one would have heard its own commits, had they been announced to it.
    await two.commitWorld({ baseRevision: 2, writes: [], deletes: [], issued: [] });
    await heardByOne.until(() => heardByOne.commits.length > 0);
    expect(heardByOne.commits).toEqual([3]);
    expect(heardByTwo.commits).toEqual([1, 2]);
  });

  it("announces recorded acknowledgements in batches to the other store's listener", async () => {
    const one = await open();
    const two = await open();
    const heard = new Recorder();
    two.subscribe(heard);
    const ids = Array.from({ length: 40 }, (_, i) => `computer-${i}`);
    await one.commitWorld({ baseRevision: 0, writes: [], deletes: [], issued: ids.map((id) => issued(id, 1)) });
    await Promise.all(
      ids.map((id) => one.recordAck(id, { snapshotVersion: 1, settingsVersion: 1, error: null, nowMs: 5 })),
    );
    await heard.until(() => ids.every((id) => heard.acks.includes(id)));
    const rows = await two.computerRows(['computer-7']);
    expect(rows[0]?.ackedSnapshotVersion).toBe(1);
  });

  it('writes acknowledgements that arrive together in batches, the newest of a computer winning', async () => {
    const store = await open({ maxAckBatch: 7 });
    const ids = Array.from({ length: 30 }, (_, i) => `computer-${i}`);
    await store.commitWorld({ baseRevision: 0, writes: [], deletes: [], issued: ids.map((id) => issued(id, 3)) });
    await Promise.all([
      ...ids.map((id, i) =>
        store.recordAck(id, {
          snapshotVersion: 1 + (i % 3),
          settingsVersion: 1,
          error: i === 4 ? 'bad' : null,
          nowMs: i,
        }),
      ),
      store.recordAck('computer-9', { snapshotVersion: 3, settingsVersion: 2, error: null, nowMs: 99 }),
    ]);
    const rows = new Map((await store.computerRows(ids)).map((r) => [r.computerId, r]));
    for (const [i, id] of ids.entries()) {
      const row = rows.get(id)!;
      if (id === 'computer-9') {
        expect(row).toMatchObject({ ackedSnapshotVersion: 3, ackedSettingsVersion: 2, lastSeenMs: 99 });
        continue;
      }
      expect(row, id).toMatchObject({
        ackedSnapshotVersion: 1 + (i % 3),
        ackedSettingsVersion: 1,
        lastError: i === 4 ? 'bad' : null,
        lastSeenMs: i,
      });
    }

    // A batch that cannot be written fails every acknowledgement in it.
    store.simulateStorageFault('read-only');
    const failed = await Promise.allSettled(
      ids
        .slice(0, 3)
        .map((id) => store.recordAck(id, { snapshotVersion: 3, settingsVersion: 3, error: null, nowMs: 7 })),
    );
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    store.simulateStorageFault('none');
    expect((await store.computerRows(['computer-0']))[0]?.ackedSnapshotVersion).toBe(1);
  });

  it('gathers acknowledgements that arrive one after another into one statement, without BEGIN and COMMIT', async () => {
    const store = await open({ ackBatchDelayMs: 400 });
    const ids = ['computer-a', 'computer-b', 'computer-c'];
    await store.commitWorld({ baseRevision: 0, writes: [], deletes: [], issued: ids.map((id) => issued(id, 2)) });
    const sent: string[] = [];
    const original = pg.Client.prototype.query;
    const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      if (text !== undefined) sent.push(text);
      return Reflect.apply(original, this, args) as never;
    });
    try {
      const acks: Promise<void>[] = [];
      for (const [i, id] of ids.entries()) {
        acks.push(store.recordAck(id, { snapshotVersion: 2, settingsVersion: 2, error: null, nowMs: 10 + i }));
        // Each in a later turn of the event loop: without the gathering delay, each would be a statement of its own.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await Promise.all(acks);
    } finally {
      spy.mockRestore();
    }
    const writes = sent.filter((text) => text.includes('SET acked_snapshot_version'));
    expect(writes).toHaveLength(1);
    expect(sent.filter((text) => /^\s*(BEGIN|COMMIT)/.test(text))).toEqual([]);
    const rows = new Map((await store.computerRows(ids)).map((r) => [r.computerId, r]));
    for (const [i, id] of ids.entries()) {
      expect(rows.get(id), id).toMatchObject({ ackedSnapshotVersion: 2, ackedSettingsVersion: 2, lastSeenMs: 10 + i });
    }
  });

  it('splits acknowledgement payloads under the NOTIFY limit', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => `a-rather-long-computer-identifier-${i}`);
    const payloads = ackPayloads('instance', ids);
    expect(payloads.length).toBeGreaterThan(1);
    const back: string[] = [];
    for (const payload of payloads) {
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_NOTIFY_PAYLOAD_BYTES);
      back.push(...(JSON.parse(payload) as { a: string[] }).a);
    }
    expect(back).toEqual(ids);
  });

  it('after its LISTEN connection is lost, reconnects and announces the stored revision as a catch-up', async () => {
    const one = await open();
    const events: string[] = [];
    const two = await open({ log: ({ event }) => events.push(event) });
    const heard = new Recorder();
    two.subscribe(heard);
    // Committed while two's LISTEN connection is down: the announcement is lost to it.
    two.dropListenConnection();
    await one.commitWorld({ baseRevision: 0, writes: [policy('a')], deletes: [], issued: [] });
    await heard.until(() => heard.commits.includes(1));
    expect(events).toEqual(['listen-lost', 'listen-restored']);
    expect(heard.commits).toEqual([1]);
    // And it listens again: later commits are announced as before.
    await one.commitWorld({ baseRevision: 1, writes: [policy('b')], deletes: [], issued: [] });
    await heard.until(() => heard.commits.includes(2));
  });

  it('knows which agents are connected to another running instance', async () => {
    const one = await open();
    const two = await open();
    await one.commitWorld({
      baseRevision: 0,
      writes: [],
      deletes: [],
      issued: [issued('c1', 1), issued('c2', 1), issued('c3', 1)],
    });
    await one.markConnected('c1', true);
    await one.markConnected('c2', true);
    await two.markConnected('c3', true);
    expect([...(await two.connectedElsewhere(['c1', 'c2', 'c3']))].sort()).toEqual(['c1', 'c2']);
    expect([...(await one.connectedElsewhere(['c1', 'c2', 'c3']))]).toEqual(['c3']);

    // c2 moved to two: one's later disconnect of it does not take it from two.
    await two.markConnected('c2', true);
    await one.markConnected('c2', false);
    expect([...(await one.connectedElsewhere(['c2']))]).toEqual(['c2']);
    await one.markConnected('c1', false);
    expect([...(await two.connectedElsewhere(['c1']))]).toEqual([]);

    // An instance that stopped beating (killed) no longer counts.
    await one.markConnected('c1', true);
    await pgQuery(
      `UPDATE "${schema.schema}".instances SET heartbeat_at = now() - interval '1 minute' WHERE instance_id = $1`,
      [one.instanceId],
    );
    expect([...(await two.connectedElsewhere(['c1']))]).toEqual([]);
    // Nor one that stopped.
    await two.close();
    expect([...(await one.connectedElsewhere(['c3']))]).toEqual([]);
  });

  it('approval requests: inserted once by id, counted, updated, listed in arrival order', async () => {
    const one = await open();
    const two = await open();
    const row = (id: string, status = 'pending') => ({
      id,
      computerId: 'c1',
      receivedAtMs: 1,
      status,
      body: JSON.stringify({ id, status }),
    });
    expect(await one.insertRequest(row('r1'))).toBe(true);
    expect(await two.insertRequest(row('r1'))).toBe(false);
    expect(await two.insertRequest(row('r2'))).toBe(true);
    expect(await one.pendingRequestCount('c1')).toBe(2);
    expect(await one.updateRequest('r1', 'approved', '{"id":"r1","status":"approved"}', row('r1').body)).toBe(true);
    // Only from the body it was read as: another action changed it meanwhile.
    expect(await two.updateRequest('r1', 'rejected', '{"id":"r1","status":"rejected"}', row('r1').body)).toBe(false);
    expect(await one.updateRequest('nope', 'approved', '{}', '{}')).toBe(false);
    expect(await two.requestBodies()).toEqual(['{"id":"r1","status":"approved"}', row('r2').body]);
    expect(await two.requestBodies('pending')).toEqual([row('r2').body]);
    expect(await two.requestBody('r1')).toBe('{"id":"r1","status":"approved"}');
    expect(await two.requestBody('nope')).toBeUndefined();
    expect(await two.pendingRequestCount('c1')).toBe(1);
  });

  it('a commit changes a request in the same transaction', async () => {
    const store = await open();
    await store.insertRequest({ id: 'r1', computerId: 'c1', receivedAtMs: 1, status: 'pending', body: '{}' });
    await store.commitWorld({
      baseRevision: 0,
      writes: [policy('approved-app')],
      deletes: [],
      issued: [],
      request: { id: 'r1', status: 'approved', body: '{"status":"approved"}', previousBody: '{}' },
    });
    expect(await store.requestBodies('approved')).toEqual(['{"status":"approved"}']);
    // A commit made from a body no longer stored changes nothing, the world included.
    await expect(
      store.commitWorld({
        baseRevision: 1,
        writes: [policy('rejected-app')],
        deletes: [],
        issued: [],
        request: { id: 'r1', status: 'rejected', body: '{"status":"rejected"}', previousBody: '{}' },
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.requestBodies('approved')).toEqual(['{"status":"approved"}']);
    expect((await store.load()).entities.map((r) => r.id)).not.toContain('rejected-app');
  });

  it('a simulated storage fault makes writes fail with storage-unavailable, and lifting it restores them', async () => {
    const store = await open();
    store.simulateStorageFault('read-only');
    await expect(
      store.commitWorld({ baseRevision: 0, writes: [policy('a')], deletes: [], issued: [] }),
    ).rejects.toMatchObject({
      code: 'storage-unavailable',
      message: expect.stringMatching(/127\.0\.0\.1|localhost/) as unknown,
    });
    expect((await store.load()).revision).toBe(0);
    store.simulateStorageFault('none');
    expect(
      (await store.commitWorld({ baseRevision: 0, writes: [policy('a')], deletes: [], issued: [] })).revision,
    ).toBe(1);
  });

  it('discards a connection the database ends while it is taken, and carries on', async () => {
    const store = await open();
    const taken = store as unknown as { withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> };
    await taken.withClient(async (client) => {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await pgQuery('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      // Taken and idle (between two statements of a transaction, say) when its connection ends: the end comes as
      // an 'error' event of the connection, which must not be the process's.
      await vi.waitFor(async () => {
        const left = await pgQuery('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [rows[0]!.pid]);
        expect(left.rowCount).toBe(0);
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    expect(await store.revision()).toBe(0);
  });

  it('waits for a lock at most lockTimeoutMs, then answers storage-unavailable', async () => {
    const store = await open({ lockTimeoutMs: 200 });
    const holder = new pg.Client({ connectionString: schema.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE "${schema.schema}".world_revision IN ACCESS EXCLUSIVE MODE`);
      await expect(store.revision()).rejects.toMatchObject({
        code: 'storage-unavailable',
        message: expect.stringContaining('(55P03)') as unknown,
      });
      await holder.query('ROLLBACK');
      expect(await store.revision()).toBe(0);
    } finally {
      await holder.end();
    }
  });

  it('a closed store answers storage-unavailable', async () => {
    const store = await open();
    await store.close();
    await expect(store.load()).rejects.toMatchObject({ code: 'storage-unavailable' });
  });
});

describe('PostgreSQL migrations', () => {
  it('two stores opening a new schema at once migrate it once', async () => {
    await schema.drop();
    const [a, b] = await Promise.all([open(), open()]);
    const recorded = await pgQuery(`SELECT version FROM "${schema.schema}".tollgate_migrations ORDER BY version`);
    expect(recorded.rows.map((row: { version: number }) => row.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
    expect((await a.load()).revision).toBe(0);
    expect((await b.load()).revision).toBe(0);
  });

  it('are idempotent: a second run applies nothing and keeps the data', async () => {
    const store = await open();
    await store.commitWorld({ baseRevision: 0, writes: [policy('kept')], deletes: [], issued: [] });
    const again = await PgStore.migrate({ url: schema.url, schema: schema.schema }, false);
    expect(again).toEqual({ from: PG_MIGRATIONS.length, to: PG_MIGRATIONS.length, steps: [] });
    expect((await store.load()).entities.map((row) => row.id)).toEqual(['kept']);
  });

  it('a dry run lists the pending steps and changes nothing', async () => {
    const name = freshSchemaName();
    try {
      const dry = await PgStore.migrate({ url: schema.url, schema: name }, true);
      expect(dry.from).toBe(0);
      expect(dry.steps.map((step) => step.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
      const exists = await pgQuery('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name]);
      expect(exists.rowCount).toBe(0);
      const done = await PgStore.migrate({ url: schema.url, schema: name }, false);
      expect(done.to).toBe(PG_MIGRATIONS.length);
      expect((await PgStore.migrate({ url: schema.url, schema: name }, true)).steps).toEqual([]);
    } finally {
      await pgQuery(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    }
  });

  it('refuses a schema written by a newer release', async () => {
    await open();
    await pgQuery(`INSERT INTO "${schema.schema}".tollgate_migrations (version, description) VALUES (999, 'future')`);
    await expect(open()).rejects.toMatchObject({
      code: 'store-too-new',
      message: expect.stringMatching(/999/) as unknown,
    });
  });

  it('refuses a schema name that is not a plain identifier, naming the field', async () => {
    await expect(PgStore.open({ url: schema.url, schema: 'Bad"Name' })).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringMatching(/store\.schema/) as unknown,
    });
  });
});

describe('an unreachable PostgreSQL', () => {
  it('is storage-unavailable naming the host and port', async () => {
    const error = await PgStore.open({
      url: 'postgres://postgres@127.0.0.1:1/test',
      schema: 'tollgate',
      connectTimeoutMs: 2_000,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TollgateError);
    expect(error).toMatchObject({
      code: 'storage-unavailable',
      message: expect.stringMatching(/127\.0\.0\.1:1\b/) as unknown,
    });
  });

  it('never puts the password in the message', async () => {
    const error = (await PgStore.open({
      url: 'postgres://postgres:sekret@127.0.0.1:1/test',
      connectTimeoutMs: 2_000,
    }).catch((e: unknown) => e)) as Error;
    expect(error.message).not.toMatch(/sekret/);
  });
});

describe('a connection gone silent', () => {
  /**
   * A TCP proxy to PostgreSQL that can stop passing bytes without closing anything, as a network that cuts a
   * connection off without a reset does; the connections cut are closed when it passes bytes again.
   */
  async function silencingProxy(): Promise<{
    url: string;
    silence: () => void;
    restore: () => void;
    close: () => void;
  }> {
    const target = new URL(schema.url);
    let silent = false;
    const cut = new Set<Socket>();
    const open = new Set<Socket>();
    const server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        open.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => open.delete(socket));
      }
      const pass = (from: Socket, to: Socket): void => {
        from.on('data', (data: Buffer) => {
          if (silent) cut.add(from).add(to);
          else if (!cut.has(from)) to.write(data);
        });
        from.on('close', () => to.destroy());
      };
      pass(client, upstream);
      pass(upstream, client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = new URL(schema.url);
    url.hostname = '127.0.0.1';
    url.port = String((server.address() as AddressInfo).port);
    return {
      url: url.toString(),
      silence: () => void (silent = true),
      restore: () => {
        silent = false;
        for (const socket of cut) socket.destroy();
        cut.clear();
      },
      close: () => {
        for (const socket of open) socket.destroy();
        server.close();
      },
    };
  }

  it('fails a beat that has no answer within the interval, and beats again once the database answers', async () => {
    const proxy = await silencingProxy();
    try {
      const events: { event: string; reason?: string }[] = [];
      const store = await open({ url: proxy.url, heartbeatIntervalMs: 300, log: (e) => events.push(e) });
      const lastBeat = async (): Promise<number> => {
        const { rows } = await pgQuery(`SELECT heartbeat_at FROM ${schema.schema}.instances WHERE instance_id = $1`, [
          store.instanceId,
        ]);
        return (rows[0] as { heartbeat_at: Date }).heartbeat_at.getTime();
      };
      proxy.silence();
      // Without a bound the first beat on the silent connection never ends, and no beat follows it.
      await vi.waitFor(
        () =>
          expect(events.some((e) => e.event === 'heartbeat-failed' && /Query read timeout/.test(e.reason ?? ''))).toBe(
            true,
          ),
        { timeout: 10_000, interval: 50 },
      );
      const silentSince = await lastBeat();
      proxy.restore();
      await vi.waitFor(async () => expect(await lastBeat()).toBeGreaterThan(silentSince), {
        timeout: 10_000,
        interval: 100,
      });
    } finally {
      proxy.close();
    }
  });
});

describe('a beat with no answer in time', () => {
  const intervalMs = 60_000;

  /** Whether a statement of `store` waits for a lock another transaction holds. */
  async function waitsForLock(store: PgStore): Promise<boolean> {
    const waiting = await pgQuery(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
      [`tollgate ${store.instanceId}`],
    );
    return (waiting.rows[0] as { n: number }).n > 0;
  }

  /**
   * Holds `rows` (a locking SELECT) in a transaction of the test's own, begins a beat, and once a statement of
   * it waits for them, runs the clock of the statements' timeouts (the test's) one beat interval: what the beat
   * came to by then.
   */
  async function beatAgainst(store: PgStore, rows: string): Promise<unknown> {
    const holder = new pg.Client({ connectionString: schema.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(rows);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        let outcome: unknown = 'pending';
        void store.beat().then(
          () => (outcome = 'beat'),
          (error: unknown) => (outcome = error),
        );
        while (!(await waitsForLock(store))) await new Promise((resolve) => setImmediate(resolve));
        await vi.advanceTimersByTimeAsync(intervalMs);
        for (let i = 0; i < 20 && outcome === 'pending'; i++) await new Promise((resolve) => setImmediate(resolve));
        return outcome;
      } finally {
        vi.useRealTimers();
      }
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  }

  it('fails after one interval: no ROLLBACK is queued behind the statement, to wait another', async () => {
    const store = await open({ heartbeatIntervalMs: intervalMs, lockTimeoutMs: 120_000 });
    const outcome = await beatAgainst(
      store,
      `SELECT 1 FROM "${schema.schema}".instances WHERE instance_id = '${store.instanceId}' FOR UPDATE`,
    );
    expect(outcome).toMatchObject({
      code: 'storage-unavailable',
      message: expect.stringMatching(/Query read timeout/) as unknown,
    });
  });

  it("fails after one interval when its pruning of the deletions log has no answer, as the beat's own statements", async () => {
    const store = await open({ heartbeatIntervalMs: intervalMs, lockTimeoutMs: 120_000 });
    await store.load();
    const { revision } = await store.commitWorld({
      baseRevision: 0,
      writes: [policy('a')],
      deletes: [],
      issued: [],
    });
    await store.commitWorld({
      baseRevision: revision,
      writes: [],
      deletes: [{ kind: 'policies', id: 'a' }],
      issued: [],
    });
    const outcome = await beatAgainst(store, `SELECT 1 FROM "${schema.schema}".entity_deletions FOR UPDATE`);
    expect(outcome).toMatchObject({
      code: 'storage-unavailable',
      message: expect.stringMatching(/Query read timeout/) as unknown,
    });
  });
});

describe('a clean stop', () => {
  it('deletes its instance row at once, though its pool is taken by its agents disconnecting', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `c${i}`);
    const stopping = await open({ poolSize: 2, lockTimeoutMs: 60_000 });
    const other = await open();
    await stopping.commitWorld({ baseRevision: 0, writes: [], deletes: [], issued: ids.map((id) => issued(id, 1)) });
    for (const id of ids) await stopping.markConnected(id, true);
    expect([...(await other.connectedElsewhere(ids))].sort()).toEqual([...ids].sort());
    const rows = async (): Promise<number> =>
      (await pgQuery(`SELECT 1 FROM "${schema.schema}".instances WHERE instance_id = $1`, [stopping.instanceId]))
        .rowCount ?? 0;
    const holder = new pg.Client({ connectionString: schema.url });
    await holder.connect();
    try {
      // The agents' rows are held by another transaction: the first disconnections take both pooled connections
      // and wait, the others wait for a connection, as those of thousands of agents do while a server stops.
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM "${schema.schema}".computer_state FOR UPDATE`);
      for (const id of ids) void stopping.markConnected(id, false).catch(() => undefined);
      await vi.waitFor(
        async () => {
          const waiting = await pgQuery(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
            [`tollgate ${stopping.instanceId}`],
          );
          expect((waiting.rows[0] as { n: number }).n).toBe(2);
        },
        { timeout: 10_000, interval: 50 },
      );
      const stopped = stopping.close();
      // Gone while those writes still wait: the other instance counts none of its agents as connected.
      await vi.waitFor(async () => expect(await rows()).toBe(0), { timeout: 5_000, interval: 50 });
      expect([...(await other.connectedElsewhere(ids))]).toEqual([]);
      await holder.query('COMMIT');
      await stopped;
      expect(await rows()).toBe(0);
      expect([...(await other.connectedElsewhere(ids))]).toEqual([]);
    } finally {
      await holder.end();
    }
  });
});
