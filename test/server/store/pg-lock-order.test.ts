// Writes of several computers' rows at once, against the real local
// PostgreSQL (TOLLGATE_TEST_PG_URL), one schema per test. Two stores on one
// schema: one store's batches of acknowledgements (computers in one order)
// while the other's commits issue versions for the same computers (in the
// reverse order). Every write locks the computer rows in one order, so that
// neither waits for the other in a cycle: no commit and no batch fails,
// nothing is retried, and the rows hold what was written last. A commit or a
// batch that PostgreSQL does roll back as a deadlock's victim (here against
// a transaction of the test's own) is run again, logged, and stored. The
// deletions of several instances' and requests' rows skip the rows another
// transaction holds rather than wait for them; a beat's pruning of the
// deletions log does not wait for a commit that holds the revision row.
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IssuedVersions } from '../../../src/server/server-db.js';
import { PgStore, compareCodePoints } from '../../../src/server/store/pg-store.js';
import { type TestSchema, createTestSchema, pgQuery } from '../../support/postgres.js';

let schema: TestSchema;
const stores: PgStore[] = [];

beforeEach(async () => {
  schema = await createTestSchema();
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  await schema.drop();
});

type LogEvent = { event: string; reason?: string };

async function open(events: LogEvent[]): Promise<PgStore> {
  const store = await PgStore.open({
    url: schema.url,
    schema: schema.schema,
    poolSize: 4,
    log: (event) => events.push(event),
  });
  stores.push(store);
  return store;
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

/**
 * Computer ids whose order differs between byte order and a language's
 * collation (case, punctuation), in no particular order.
 */
function computerIds(count: number): string[] {
  const shapes = [
    (i: number) => `host-${i}`,
    (i: number) => `Host.${i}`,
    (i: number) => `HOST_${i}`,
    (i: number) => `h:${i}@x`,
  ];
  return Array.from({ length: count }, (_, i) => shapes[i % shapes.length]!(Math.imul(i, 2_654_435_761) >>> 0));
}

describe('PgStore lock order', () => {
  it('compareCodePoints orders ids as PostgreSQL\'s "C" collation does', async () => {
    const words = ['b', 'a', 'B', 'a-b', 'a_b', 'a.b', 'a:b', 'a@b', 'ab', 'a', '', 'A1', 'a10', 'a9', 'é', 'z'];
    // Beyond ASCII (ids are ASCII): a character above U+FFFF sorts after U+E000 to U+FFFF.
    words.push('\u{1F600}', '\uE000', '\uFFFD', 'a\u{10000}', 'a\uFFFF');
    const stored = await pgQuery(`SELECT w FROM unnest($1::text[]) AS w ORDER BY w COLLATE "C"`, [words]);
    expect([...words].sort(compareCodePoints)).toEqual(stored.rows.map((row: { w: string }) => row.w));
  });

  it('acknowledgement batches and commits over the same computers in opposite orders never deadlock', async () => {
    const events: LogEvent[] = [];
    const acking = await open(events);
    const committing = await open(events);
    const ids = computerIds(2_000);
    const reversed = [...ids].reverse();
    let { revision } = await committing.commitWorld({
      baseRevision: 0,
      writes: [],
      deletes: [],
      issued: reversed.map((id) => issued(id, 1)),
    });

    const failures: unknown[] = [];
    const commits = 4;
    let committed = false;
    const commitLoop = (async () => {
      try {
        for (let version = 2; version <= commits + 1; version++) {
          try {
            ({ revision } = await committing.commitWorld({
              baseRevision: revision,
              writes: [],
              deletes: [],
              issued: reversed.map((id) => issued(id, version)),
            }));
          } catch (error) {
            failures.push(error);
          }
        }
      } finally {
        committed = true;
      }
    })();
    let round = 0;
    const ackLoop = (async () => {
      // Acknowledgements keep coming while the commits run (and at least twice).
      while (!committed || round < 2) {
        round++;
        const value = round;
        const results = await Promise.allSettled(
          ids.map((id) =>
            acking.recordAck(id, { snapshotVersion: value, settingsVersion: value, error: null, nowMs: value }),
          ),
        );
        for (const result of results) if (result.status === 'rejected') failures.push(result.reason);
      }
    })();
    await Promise.all([commitLoop, ackLoop]);

    expect(failures.map((error) => (error as Error).message)).toEqual([]);
    expect(events.filter((e) => e.event === 'storage-retry')).toEqual([]);
    const rows = await committing.computerRows(ids);
    expect(rows).toHaveLength(ids.length);
    for (const row of rows) {
      expect(row, row.computerId).toMatchObject({
        snapshotVersion: commits + 1,
        settingsVersion: commits + 1,
        viewHash: `view-${commits + 1}`,
        ackedSnapshotVersion: round,
        ackedSettingsVersion: round,
        lastSeenMs: round,
      });
    }
  });

  /**
   * A transaction of the test's own that holds `first`'s row, waits until
   * `store` waits for that row (holding `second`'s), then writes `second`'s:
   * a deadlock, whose victim is the store's side (it has waited longest, so
   * its check runs first; the test's side also waits 10 s before checking
   * where the database lets it set that). Returns once the test's side has
   * its rows, with a function that commits it.
   */
  async function deadlockWith(
    store: PgStore,
    first: string,
    second: string,
    write: () => Promise<unknown>,
  ): Promise<{ written: Promise<unknown>; commit: () => Promise<void> }> {
    const holder = new pg.Client({ connectionString: schema.url });
    await holder.connect();
    await holder.query(`SET search_path TO "${schema.schema}"`);
    await holder.query(`SET deadlock_timeout = '10s'`).catch(() => undefined);
    await holder.query('BEGIN');
    await holder.query(`UPDATE computer_state SET reported_os = 'linux' WHERE computer_id = $1`, [first]);
    const written = write();
    written.catch(() => undefined);
    await vi.waitFor(
      async () => {
        const waiting = await pgQuery(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [`tollgate ${store.instanceId}`],
        );
        expect(waiting.rowCount).toBe(1);
      },
      { timeout: 10_000, interval: 20 },
    );
    // Waits for the store's side until PostgreSQL rolls it back.
    await holder.query(`UPDATE computer_state SET reported_os = 'linux' WHERE computer_id = $1`, [second]);
    return {
      written,
      commit: async () => {
        await holder.query('COMMIT');
        await holder.end();
      },
    };
  }

  it('a commit rolled back as the victim of a deadlock is run again whole, logged, and stored', async () => {
    const events: LogEvent[] = [];
    const store = await open(events);
    const { revision } = await store.commitWorld({
      baseRevision: 0,
      writes: [],
      deletes: [],
      issued: [issued('a', 1), issued('b', 1)],
    });
    const { written, commit } = await deadlockWith(store, 'b', 'a', () =>
      store.commitWorld({ baseRevision: revision, writes: [], deletes: [], issued: [issued('b', 2), issued('a', 2)] }),
    );
    await commit();
    expect(await written).toEqual({ revision: revision + 1 });
    expect(events).toEqual([
      { event: 'storage-retry', reason: expect.stringMatching(/deadlock detected \(40P01\): retry 1 of 3/) as unknown },
    ]);
    const rows = await store.computerRows(['a', 'b']);
    expect(rows.map((r) => [r.computerId, r.snapshotVersion, r.reportedOs])).toEqual(
      expect.arrayContaining([
        ['a', 2, 'linux'],
        ['b', 2, 'linux'],
      ]),
    );
    expect(await store.revision()).toBe(revision + 1);
  });

  it('a batch of acknowledgements rolled back as the victim of a deadlock is written again, logged', async () => {
    const events: LogEvent[] = [];
    const store = await open(events);
    await store.commitWorld({ baseRevision: 0, writes: [], deletes: [], issued: [issued('a', 1), issued('b', 1)] });
    const { written, commit } = await deadlockWith(store, 'b', 'a', () =>
      Promise.all(
        ['b', 'a'].map((id) => store.recordAck(id, { snapshotVersion: 1, settingsVersion: 1, error: null, nowMs: 42 })),
      ),
    );
    await commit();
    await written;
    expect(events).toEqual([
      { event: 'storage-retry', reason: expect.stringMatching(/deadlock detected \(40P01\): retry 1 of 3/) as unknown },
    ]);
    for (const row of await store.computerRows(['a', 'b'])) {
      expect(row, row.computerId).toMatchObject({ ackedSnapshotVersion: 1, lastSeenMs: 42, reportedOs: 'linux' });
    }
  });

  it('deleting instances gone an hour and old decided requests skips rows another transaction holds', async () => {
    const store = await open([]);
    const decided = (id: string): string =>
      JSON.stringify({ id, status: 'approved', history: [{ atMs: 5, action: 'approved' }] });
    for (const id of ['r1', 'r2', 'r3']) {
      await store.insertRequest({ id, computerId: 'c', receivedAtMs: 1, status: 'approved', body: decided(id) });
    }
    await pgQuery(
      `INSERT INTO "${schema.schema}".instances (instance_id, heartbeat_at)
       VALUES ('gone-1', now() - interval '2 hours'), ('gone-2', now() - interval '2 hours')`,
    );
    const holder = new pg.Client({ connectionString: schema.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM "${schema.schema}".instances WHERE instance_id = 'gone-2' FOR UPDATE`);
      await holder.query(`SELECT 1 FROM "${schema.schema}".approval_requests WHERE id = 'r2' FOR UPDATE`);
      // Neither waits for the rows held: both end while the other transaction still holds them.
      await store.beat();
      expect(await store.pruneDecidedRequests(1_000)).toBe(2);
      const instances = await pgQuery(`SELECT instance_id FROM "${schema.schema}".instances`);
      expect(instances.rows.map((row: { instance_id: string }) => row.instance_id).sort()).toEqual(
        ['gone-2', store.instanceId].sort(),
      );
      expect((await store.requestBodies()).map((body) => (JSON.parse(body) as { id: string }).id)).toEqual(['r2']);
      await holder.query('COMMIT');
      await store.beat();
      expect(await store.pruneDecidedRequests(1_000)).toBe(1);
      const left = await pgQuery(`SELECT instance_id FROM "${schema.schema}".instances`);
      expect(left.rows).toEqual([{ instance_id: store.instanceId }]);
      expect(await store.requestBodies()).toEqual([]);
    } finally {
      await holder.end();
    }
  });

  it('a beat does not wait for a commit holding the revision row: a later beat prunes the deletions log', async () => {
    const store = await open([]);
    await store.load();
    const policy = (id: string) => ({ kind: 'policies' as const, id, seq: 0, body: JSON.stringify({ id }) });
    let { revision } = await store.commitWorld({ baseRevision: 0, writes: [policy('a')], deletes: [], issued: [] });
    ({ revision } = await store.commitWorld({
      baseRevision: revision,
      writes: [],
      deletes: [{ kind: 'policies', id: 'a' }],
      issued: [],
    }));
    const deletionRows = async (): Promise<number> =>
      (await pgQuery(`SELECT 1 FROM "${schema.schema}".entity_deletions`)).rowCount ?? 0;
    expect(await deletionRows()).toBe(1);
    const holder = new pg.Client({ connectionString: schema.url });
    await holder.connect();
    try {
      // As a commit under way (a large import) holds it.
      await holder.query('BEGIN');
      await holder.query(`SELECT revision FROM "${schema.schema}".world_revision WHERE id = 1 FOR UPDATE`);
      await store.beat();
      expect(await deletionRows()).toBe(1);
      const beat = await pgQuery(`SELECT seen_revision FROM "${schema.schema}".instances WHERE instance_id = $1`, [
        store.instanceId,
      ]);
      expect(Number((beat.rows[0] as { seen_revision: string }).seen_revision)).toBe(revision);
      await holder.query('COMMIT');
      await store.beat();
      expect(await deletionRows()).toBe(0);
    } finally {
      await holder.end();
    }
  });
});
