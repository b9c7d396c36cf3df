// The SQLite store's deletions log is bounded (a real server.db in a temp
// folder): each commit prunes the deletions older than the revisions kept
// and marks how far it pruned; a reader behind that mark still learns every
// deletion, from the keys still stored against the keys it holds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServerDb, SERVER_DB_DEFAULTS } from '../../../src/server/server-db.js';
import { SERVER_DB_FILE, SqliteStore } from '../../../src/server/store/sqlite-store.js';

let dir: string;
const stores: SqliteStore[] = [];

function open(keepDeletionRevisions: number): SqliteStore {
  const store = SqliteStore.open(dir, { keepDeletionRevisions });
  stores.push(store);
  return store;
}

const app = (id: string) => ({
  kind: 'applications' as const,
  id,
  seq: 0,
  body: JSON.stringify({ id, name: id, builtIn: false, rules: [{ path: `/opt/${id}/**` }] }),
});

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-deletions-'));
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the SQLite deletions log', () => {
  it('keeps the deletions of the last revisions only, and marks how far it pruned', async () => {
    const writer = open(3);
    await writer.load();
    let revision = 0;
    // Each commit writes one application and deletes the one before: one deletion logged per commit.
    for (let i = 0; i < 20; i++) {
      const deletes = i === 0 ? [] : [{ kind: 'applications' as const, id: `app-${i - 1}` }];
      ({ revision } = await writer.commitWorld({
        baseRevision: revision,
        writes: [app(`app-${i}`)],
        deletes,
        issued: [],
      }));
      expect(writer.deletionLogRows()).toBeLessThanOrEqual(3);
    }
    expect(revision).toBe(20);
    expect(writer.deletionLogRows()).toBe(3);
    expect(writer.deletionsPrunedThrough()).toBe(17);
    // Within the revisions kept, the log answers as before.
    const recent = await open(3).changesSince(19);
    expect(recent.deletes).toEqual([{ kind: 'applications', id: 'app-18' }]);
    expect(recent.entities.map((e) => e.id)).toEqual(['app-19']);
  });

  it('tells a reader behind the pruned revision every deletion since what it holds', async () => {
    const writer = open(2);
    const reader = open(2);
    await writer.load();
    let { revision } = await writer.commitWorld({
      baseRevision: 0,
      writes: [app('keep'), app('gone-1'), app('gone-2'), app('gone-3')],
      deletes: [],
      issued: [],
    });
    expect((await reader.load()).entities).toHaveLength(4);
    const held = revision;
    for (const id of ['gone-1', 'gone-2', 'gone-3']) {
      ({ revision } = await writer.commitWorld({
        baseRevision: revision,
        writes: [app(`new-after-${id}`)],
        deletes: [{ kind: 'applications', id }],
        issued: [],
      }));
    }
    // gone-1's deletion (revision 2) is pruned: the log no longer covers what the reader missed.
    expect(writer.deletionsPrunedThrough()).toBeGreaterThan(held);
    const caught = await reader.changesSince(held);
    expect(caught.revision).toBe(revision);
    expect(caught.deletes.map((d) => d.id).sort()).toEqual(['gone-1', 'gone-2', 'gone-3']);
    expect(caught.entities.map((e) => e.id).sort()).toEqual([
      'new-after-gone-1',
      'new-after-gone-2',
      'new-after-gone-3',
    ]);
    // Caught up (the caller adopts what it read), it reads the log again: nothing more.
    reader.adopt(caught);
    const none = await reader.changesSince(revision);
    expect(none.deletes).toEqual([]);
    expect(none.entities).toEqual([]);
  });

  it('counts what a catch-up brings as held only once the caller adopts it', async () => {
    const writer = open(1);
    const reader = open(1);
    await writer.load();
    let { revision } = await writer.commitWorld({
      baseRevision: 0,
      writes: [app('keep'), app('gone-1'), app('gone-2')],
      deletes: [],
      issued: [],
    });
    await reader.load();
    const held = revision;
    for (const id of ['gone-1', 'gone-2']) {
      ({ revision } = await writer.commitWorld({
        baseRevision: revision,
        writes: [app(`new-after-${id}`)],
        deletes: [{ kind: 'applications', id }],
        issued: [],
      }));
    }
    expect(writer.deletionsPrunedThrough()).toBeGreaterThan(held);
    // Read, then dropped (the caller failed to apply it): read again from the same revision, the same answer.
    const first = await reader.changesSince(held);
    expect(first.deletes.map((d) => d.id).sort()).toEqual(['gone-1', 'gone-2']);
    const again = await reader.changesSince(held);
    expect(again.revision).toBe(revision);
    expect(again.deletes.map((d) => d.id).sort()).toEqual(['gone-1', 'gone-2']);
    expect(again.entities.map((e) => e.id).sort()).toEqual(['new-after-gone-1', 'new-after-gone-2']);
    // Adopted: a later catch-up below the pruned log is checked against the keys held now.
    reader.adopt(again);
    ({ revision } = await writer.commitWorld({
      baseRevision: revision,
      writes: [app('last')],
      deletes: [{ kind: 'applications', id: 'new-after-gone-1' }],
      issued: [],
    }));
    ({ revision } = await writer.commitWorld({
      baseRevision: revision,
      writes: [],
      deletes: [{ kind: 'applications', id: 'keep' }],
      issued: [],
    }));
    expect(writer.deletionsPrunedThrough()).toBeGreaterThan(again.revision);
    const later = await reader.changesSince(again.revision);
    expect(later.deletes.map((d) => d.id).sort()).toEqual(['keep', 'new-after-gone-1']);
    expect(later.entities.map((e) => e.id)).toEqual(['last']);
  });

  it('refuses a bound that is not a positive integer, naming it', () => {
    expect(SERVER_DB_DEFAULTS.keepDeletionRevisions).toBeGreaterThan(0);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => ServerDb.open(path.join(dir, SERVER_DB_FILE), { keepDeletionRevisions: bad })).toThrow(
        /^keepDeletionRevisions: .* is not a positive integer$/,
      );
    }
  });
});
