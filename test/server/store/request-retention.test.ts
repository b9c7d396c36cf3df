// Decided approval requests age out in both stores (a SQLite file in a temp
// folder, a schema of the local PostgreSQL): approved and rejected requests
// whose decision (the last event of their history) is older than the cut-off
// are deleted; pending and escalated ones never, whatever their age; a
// decided request without history ages from its arrival.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PgStore } from '../../../src/server/store/pg-store.js';
import type { ServerStore } from '../../../src/server/store/server-store.js';
import { SqliteStore } from '../../../src/server/store/sqlite-store.js';
import { type TestSchema, createTestSchema } from '../../support/postgres.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const stores: [string, () => Promise<ServerStore>][] = [
  [
    'SQLite',
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-retention-'));
      const store = SqliteStore.open(dir);
      cleanups.push(async () => {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      });
      return Promise.resolve(store);
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const schema: TestSchema = await createTestSchema();
      cleanups.push(() => schema.drop());
      const store = await PgStore.open({ url: schema.url, schema: schema.schema, poolSize: 2 });
      cleanups.push(() => store.close());
      return store;
    },
  ],
];

/** A stored request: received at `receivedAtMs`, its history's events at `eventsAtMs`, then given `status`. */
async function request(
  store: ServerStore,
  id: string,
  status: string,
  receivedAtMs: number,
  eventsAtMs: number[],
): Promise<void> {
  const body = (s: string, events: number[]): string =>
    JSON.stringify({
      id,
      computer: 'till-1',
      status: s,
      receivedAtMs,
      history: events.map((atMs) => ({ atMs, action: s === 'rejected' ? 'rejected' : 'approved' })),
    });
  await store.insertRequest({ id, computerId: 'till-1', receivedAtMs, status: 'pending', body: body('pending', []) });
  if (status !== 'pending')
    expect(await store.updateRequest(id, status, body(status, eventsAtMs), body('pending', []))).toBe(true);
}

describe.each(stores)('decided approval requests in the %s store', (_name, open) => {
  it('are deleted once decided before the cut-off; pending and escalated ones never are', async () => {
    const store = await open();
    await request(store, 'old-approved', 'approved', 1_000, [5_000]);
    await request(store, 'old-rejected', 'rejected', 1_000, [2_000, 6_000]);
    await request(store, 'decided-late', 'approved', 1_000, [2_000, 50_000]);
    await request(store, 'old-pending', 'pending', 1_000, []);
    await request(store, 'old-escalated', 'escalated', 1_000, [3_000]);
    await request(store, 'no-history', 'rejected', 4_000, []);
    await request(store, 'recent', 'approved', 20_000, [30_000]);

    expect(await store.pruneDecidedRequests(10_000)).toBe(3);
    const left = (await store.requestBodies()).map((body) => (JSON.parse(body) as { id: string }).id);
    expect(left).toEqual(['decided-late', 'old-pending', 'old-escalated', 'recent']);
    expect(await store.requestBody('old-approved')).toBeUndefined();
    // Nothing more is due until the cut-off moves; then only the decided ones go.
    expect(await store.pruneDecidedRequests(10_000)).toBe(0);
    expect(await store.pruneDecidedRequests(Number.MAX_SAFE_INTEGER)).toBe(2);
    expect((await store.requestBodies()).map((body) => (JSON.parse(body) as { id: string }).id)).toEqual([
      'old-pending',
      'old-escalated',
    ]);
    expect(await store.pendingRequestCount('till-1')).toBe(1);
  });

  it('are read a page at a time, in arrival order, by status, after a given request', async () => {
    const store = await open();
    for (let i = 0; i < 7; i++)
      await request(store, `r-${i}`, i % 3 === 0 ? 'approved' : 'pending', 1_000 + i, [9_000]);
    const ids = (bodies: string[] | null): string[] | null =>
      bodies === null ? null : bodies.map((body) => (JSON.parse(body) as { id: string }).id);
    expect(ids(await store.requestBodyPage(undefined, undefined, 3))).toEqual(['r-0', 'r-1', 'r-2']);
    expect(ids(await store.requestBodyPage(undefined, 'r-2', 3))).toEqual(['r-3', 'r-4', 'r-5']);
    expect(ids(await store.requestBodyPage(undefined, 'r-5', 3))).toEqual(['r-6']);
    expect(ids(await store.requestBodyPage('pending', undefined, 2))).toEqual(['r-1', 'r-2']);
    // After a request of another status: those with this status that came after it.
    expect(ids(await store.requestBodyPage('pending', 'r-3', 10))).toEqual(['r-4', 'r-5']);
    expect(ids(await store.requestBodyPage('approved', 'r-6', 10))).toEqual([]);
    expect(await store.requestBodyPage(undefined, 'never-stored', 10)).toBeNull();
  });
});
