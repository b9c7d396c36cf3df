// A large snapshot's parts written into the agent cache by a worker thread while the agent compiles it
// (src/store/part-writer.ts; docs/DAEMON.md, "Writing a large snapshot on a second core"): the cache then
// holds exactly the bytes it would have written itself, a job given up writes nothing, what an apply that
// failed left is removed, and parts no snapshot names never hold up a later apply of their version.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentStore, SNAPSHOT_PART_BYTES } from '../../src/store/agent-store.js';
import { allocateShared } from '../../src/wire/large-buffer.js';

/** Bytes of `size` that differ from part to part (a shifted part would not compare equal). */
function snapshotBytes(size: number, seed: number): Uint8Array {
  const bytes = allocateShared(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed + (i >>> 13)) & 0xff;
  return bytes;
}

function storedBytes(store: AgentStore): Buffer | undefined {
  const blob = store.activeSnapshot();
  return blob === null ? undefined : Buffer.from(blob.bytes);
}

describe('a snapshot written by the part writer', () => {
  let dir: string;
  let file: string;
  let store: AgentStore;
  // Three parts and a bit.
  const SIZE = 3 * SNAPSHOT_PART_BYTES + 1_000;

  /** The rows of snapshot_parts of `version`, read on a connection of the test's own. */
  function partRows(version: number): number {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM snapshot_parts WHERE version = ?').get(version) as { n: number }).n;
    } finally {
      db.close();
    }
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-part-writer-'));
    file = path.join(dir, 'agent.db');
    store = AgentStore.open(file);
  });

  afterEach(async () => {
    await store.imagesWritten();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is stored as the same bytes the store writes itself, and opens again after a restart', () => {
    const first = snapshotBytes(SIZE, 1);
    store.applySnapshot(1, first, 10);
    const second = snapshotBytes(SIZE, 2);
    const parts = store.prepareSnapshotParts(second, 1);
    expect(parts).not.toBeNull();
    if (parts === null) return;
    store.beginSnapshotParts(parts, 2);
    store.applySnapshot(2, second, 20, {}, null, false, parts);
    // The worker committed them (the store took its parts rather than writing them again).
    expect(parts.wait()).toBe('written');
    expect(store.activeSnapshotRecord()?.version).toBe(2);
    expect(storedBytes(store)?.equals(second)).toBe(true);
    expect(partRows(2)).toBe(4);
    store.close();
    store = AgentStore.open(file);
    expect(storedBytes(store)?.equals(second)).toBe(true);
    expect(store.previousSnapshots().map((p) => p.version)).toEqual([1]);
  });

  it('is not asked of bytes in ordinary memory, or below the size given', () => {
    expect(store.prepareSnapshotParts(Buffer.alloc(SIZE), 1)).toBeNull();
    expect(store.prepareSnapshotParts(snapshotBytes(1_000, 3), 4_096)).toBeNull();
  });

  it('given no job (the apply ended before the bytes verified), writes nothing; the store writes them', () => {
    const bytes = snapshotBytes(SIZE, 4);
    const parts = store.prepareSnapshotParts(bytes, 1);
    if (parts === null) throw new Error('no part writer');
    store.applySnapshot(1, bytes, 10, {}, null, false, parts);
    expect(parts.wait()).toBe('not-written');
    expect(storedBytes(store)?.equals(bytes)).toBe(true);
  });

  it('discarded after its apply failed, leaves no parts of that version once the worker has ended', async () => {
    store.applySnapshot(1, snapshotBytes(SIZE, 5), 10);
    const bytes = snapshotBytes(SIZE, 6);
    const parts = store.prepareSnapshotParts(bytes, 1);
    if (parts === null) throw new Error('no part writer');
    store.beginSnapshotParts(parts, 2);
    // The compile failed while the worker wrote: the apply gives its parts up.
    store.discardSnapshotParts(parts, 2);
    await expect.poll(() => partRows(2), { timeout: 10_000 }).toBe(0);
    expect(store.activeSnapshotRecord()?.version).toBe(1);
    expect(storedBytes(store)?.equals(snapshotBytes(SIZE, 5))).toBe(true);
  });

  it('leaves parts of a version no snapshot names (a process killed mid-apply) to be replaced by its next apply', () => {
    store.applySnapshot(1, snapshotBytes(SIZE, 7), 10);
    // What a worker committed before the process was killed, of other bytes than the apply that comes next.
    const db = new Database(file);
    const stale = Buffer.alloc(SNAPSHOT_PART_BYTES, 0xee);
    for (let seq = 0; seq < 2; seq++) {
      db.prepare('INSERT INTO snapshot_parts (version, seq, bytes) VALUES (?, ?, ?)').run(2, seq, stale);
    }
    db.close();
    // Applied by the store itself (a snapshot from the server, in ordinary memory) ...
    const fromServer = Buffer.from(snapshotBytes(SIZE, 8));
    store.applySnapshot(2, fromServer, 20);
    expect(storedBytes(store)?.equals(fromServer)).toBe(true);
    expect(partRows(2)).toBe(4);
    // ... and by a worker over parts left the same way.
    const db2 = new Database(file);
    for (let seq = 0; seq < 3; seq++) {
      db2.prepare('INSERT INTO snapshot_parts (version, seq, bytes) VALUES (?, ?, ?)').run(3, seq, stale);
    }
    db2.close();
    const shared = snapshotBytes(SIZE, 9);
    const parts = store.prepareSnapshotParts(shared, 1);
    if (parts === null) throw new Error('no part writer');
    store.beginSnapshotParts(parts, 3);
    store.applySnapshot(3, shared, 30, {}, null, false, parts);
    expect(parts.wait()).toBe('written');
    expect(storedBytes(store)?.equals(shared)).toBe(true);
    expect(partRows(3)).toBe(4);
  });

  it('whose apply gave up on it, is waited out: until its job ends, later applies of that version write their own parts and keep them', async () => {
    store.applySnapshot(1, snapshotBytes(SIZE, 20), 10);
    // Another connection holds the write lock, so the worker's job cannot end yet (a slow disk).
    const blocker = new Database(file);
    blocker.prepare('BEGIN IMMEDIATE').run();
    const late = store.prepareSnapshotParts(snapshotBytes(SIZE, 21), 1);
    if (late === null) throw new Error('no part writer');
    store.beginSnapshotParts(late, 2);
    await expect.poll(() => late.taken, { timeout: 10_000 }).toBe(true);
    // Its apply failed (as one whose wait ran past its bound does) and gave the job up.
    store.discardSnapshotParts(late, 2);
    expect(late.writing).toBe(true);
    // A snapshot of the same version and size, other bytes: no worker of its own while that job may commit.
    const retry = snapshotBytes(SIZE, 22);
    expect(store.prepareSnapshotParts(retry, 1)).toBeNull();
    blocker.prepare('COMMIT').run();
    blocker.close();
    store.applySnapshot(2, retry, 20);
    await expect.poll(() => late.writing, { timeout: 15_000 }).toBe(false);
    // Whichever committed first, the store holds the bytes it applied, and keeps them.
    expect(storedBytes(store)?.equals(retry)).toBe(true);
    store.close();
    store = AgentStore.open(file);
    expect(storedBytes(store)?.equals(retry)).toBe(true);
    // Once it has ended, a worker is used again.
    const next = store.prepareSnapshotParts(snapshotBytes(SIZE, 23), 1);
    expect(next).not.toBeNull();
    next?.close();
  });
});
