// AgentStore.shut, a stop's last step before the data directory's lock is let go (docs/DAEMON.md, the stop):
// nothing of this process uses the cache's files once it has resolved. The background check's worker and a
// part writer whose job still runs are ended, and an image write is given up at the grace time and has
// ended; a check still owed is owed again at the next open.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentStore, SNAPSHOT_PART_BYTES, type SnapshotInfo } from '../../src/store/agent-store.js';
import { imageFolder } from '../../src/store/image-files.js';
import { allocateShared } from '../../src/wire/large-buffer.js';

/** The files under `dir` this process holds open (Linux: /proc/self/fd). */
function openFiles(dir: string): string[] {
  const open: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target.startsWith(dir + path.sep)) open.push(target);
  }
  return open.sort();
}

/** Bytes of `size` in shared memory (where the part writer reads a snapshot), differing from part to part. */
function sharedBytes(size: number, seed: number): Uint8Array {
  const bytes = allocateShared(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed + (i >>> 13)) & 0xff;
  return bytes;
}

/**
 * Another process holding the cache's write lock (BEGIN IMMEDIATE), as a slow disk would keep a writer
 * waiting; `release` ends that process, which lets the lock go.
 */
async function holdWriteLock(file: string): Promise<{ release(): Promise<void> }> {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const script = `
    const Database = require(process.argv[2]);
    const db = new Database(process.argv[1]);
    db.prepare('BEGIN IMMEDIATE').run();
    process.stdout.write('held\\n');
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));
  `;
  const child = spawn(process.execPath, ['-e', script, file, sqlite], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) =>
      line === 'held' ? resolve() : reject(new Error(line)),
    );
    void exited.then(() => reject(new Error('the lock holder exited')));
  });
  return {
    release: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

describe('AgentStore.shut', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-shut-'));
    file = path.join(dir, 'agent.db');
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A cache holding snapshot 1 of `size` bytes, closed as by a crash (no clean mark): its full check is owed. */
  function crashedCache(size: number): AgentStore {
    const first = AgentStore.open(file);
    first.applySnapshot(1, Buffer.alloc(size, 7), 1);
    first.close();
    fs.rmSync(`${file}.clean`);
    const store = AgentStore.open(file, { deferCheck: true });
    expect(store.checkOwed).toBe(true);
    return store;
  }

  it('ends a background check not yet begun: nothing of it is left once it resolves, and the check stays owed', async () => {
    const store = crashedCache(SNAPSHOT_PART_BYTES * 2 + 10);
    let checked = false;
    const check = store.backgroundCheck({ version: 1 }).then((outcome) => {
      checked = true;
      return outcome;
    });
    expect(await store.shut(10_000)).toBe(true);
    // One turn of the event loop for the check's result to be delivered: it has ended.
    await new Promise((resolve) => setImmediate(resolve));
    expect(checked).toBe(true);
    expect(openFiles(dir)).toEqual([]);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    expect((await check).failed).toBe('the check was ended before it began');
    // Owed again at the next open, and not started on a store being shut.
    const reopened = AgentStore.open(file, { deferCheck: true });
    expect(reopened.checkOwed).toBe(true);
    expect(await reopened.shut(10_000)).toBe(true);
    expect((await reopened.backgroundCheck({ version: 1 })).failed).toBe('the cache is being closed');
  });

  it('ends a background check whose worker runs: it has exited once shut resolves', async () => {
    // A cache of 32 MiB: its check reads every page and hashes the snapshot.
    const store = crashedCache(32 * 1024 * 1024);
    let checked = false;
    let stopped!: (shut: Promise<boolean>) => void;
    const shutting = new Promise<boolean>((resolve) => {
      stopped = resolve;
    });
    // The stop comes once the worker's thread runs.
    const check = store
      .backgroundCheck({ version: 1 }, () => stopped(store.shut(10_000)))
      .then((outcome) => {
        checked = true;
        return outcome;
      });
    expect(await shutting).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(checked).toBe(true);
    expect(openFiles(dir)).toEqual([]);
    // Ended before it got through, or done: the next open owes the check unless it passed.
    const outcome = await check;
    const passed = outcome.checked && outcome.failed === null && outcome.problems.length === 0;
    const reopened = AgentStore.open(file, { deferCheck: true });
    expect(reopened.checkOwed).toBe(!passed);
    reopened.close();
  });

  it('ends a part writer whose job is still running: its transaction never commits, and its worker has exited', async () => {
    const size = 2 * SNAPSHOT_PART_BYTES + 500;
    const store = AgentStore.open(file);
    store.applySnapshot(1, sharedBytes(size, 1), 10);
    // Another process holds the write lock, so the worker's job waits in its transaction (a slow disk).
    const blocker = await holdWriteLock(file);
    const late = store.prepareSnapshotParts(sharedBytes(size, 2), 1);
    if (late === null) throw new Error('no part writer');
    store.beginSnapshotParts(late, 2);
    await expect.poll(() => late.taken, { timeout: 10_000 }).toBe(true);
    // Its apply failed (or gave up waiting for it) and gave the job up; the job may still commit.
    store.discardSnapshotParts(late, 2);
    expect(late.writing).toBe(true);
    const shutting = store.shut(10_000);
    // The worker may go on with its job from now on: the stop ends it first.
    const released = blocker.release();
    expect(await shutting).toBe(true);
    expect(openFiles(dir)).toEqual([]);
    await released;
    const db = new Database(file, { readonly: true });
    try {
      const parts = db.prepare('SELECT count(*) AS n FROM snapshot_parts WHERE version = 2').get() as { n: number };
      expect(parts.n).toBe(0);
    } finally {
      db.close();
    }
    const reopened = AgentStore.open(file);
    try {
      expect(reopened.activeSnapshotRecord()?.version).toBe(1);
      expect(Buffer.from(reopened.activeSnapshot()?.bytes ?? []).equals(sharedBytes(size, 1))).toBe(true);
    } finally {
      reopened.close();
    }
  });

  it('gives an image write up at the grace time and resolves once it has ended: no file of it is left', async () => {
    const store = AgentStore.open(file);
    const snapshot = Buffer.from('snapshot one');
    const sha256 = createHash('sha256').update(snapshot).digest();
    const info: SnapshotInfo = { sha256, keyId: 'k', issuedAtMs: 1, settingsVersion: 0, viewHash: null };
    store.applySnapshot(1, snapshot, 1, {}, info);
    // An image of many 4 MiB slices: half of it written when the stop comes, with a grace time of 1 ms.
    const image = Buffer.alloc(48 * 1024 * 1024, 0x5a);
    let stopped!: (shut: Promise<boolean>) => void;
    const shutting = new Promise<boolean>((resolve) => {
      stopped = resolve;
    });
    const told: string[] = [];
    store.writeImageLater(sha256, [image], (problem) => told.push(problem), {
      duringImageWrite: () => stopped(store.shut(1)),
    });
    expect(await shutting).toBe(true);
    expect(fs.readdirSync(imageFolder(file))).toEqual([]);
    expect(openFiles(dir)).toEqual([]);
    expect(told).toEqual([]);
  });

  it('with nothing running, closes the cache cleanly at once', async () => {
    const store = AgentStore.open(file);
    store.applySnapshot(1, Buffer.from('one'), 1);
    expect(await store.shut(10_000)).toBe(true);
    expect(openFiles(dir)).toEqual([]);
    expect(fs.existsSync(`${file}.clean`)).toBe(true);
    const reopened = AgentStore.open(file, { deferCheck: true });
    expect(reopened.checkOwed).toBe(false);
    reopened.close();
  });
});
