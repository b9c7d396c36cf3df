// The agent's cache when its file is damaged or its disk is full: a damaged
// or empty cache is moved aside after its legible approval requests are
// queued again in the new one; a write the disk cannot take is refused with
// 'storage-unavailable' and changes nothing, and works again once there is
// room. Real SQLite files in a temp folder throughout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { AgentStore } from '../../src/store/agent-store.js';
import type { RecoveryInfo } from '../../src/store/open-database.js';
import { STORAGE_UNAVAILABLE } from '../../src/store/storage-error.js';
import { decodeAgentMessage, encodeAgentMessage } from '../../src/wire/sync-messages.js';

let dir: string;
let file: string;
const opened: AgentStore[] = [];

function openStore(options: Parameters<typeof AgentStore.open>[1] = {}): AgentStore {
  const store = AgentStore.open(file, options);
  opened.push(store);
  return store;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-store-failure-'));
  file = path.join(dir, 'agent.db');
});

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** An encoded approval request as the agent queues it; `reasonChars` sets its size. */
function approval(id: string, reasonChars = 1_400): Uint8Array {
  return encodeAgentMessage({
    kind: 'approval',
    submission: {
      requestId: id,
      submittedAtMs: 1_000,
      file: { path: `/opt/${id}` },
      user: 'alice',
      reason: 'r'.repeat(reasonChars),
      query: { category: 'Games' },
      suggestion: {
        suggestion: 'escalate',
        policy: null,
        reason: 'no matching approval policy',
        permitTarget: 'computer',
        instructions: '',
        escalationEmails: [],
        warnings: [],
      },
    },
  });
}

/** The page size of a database file, from its header (bytes 16 and 17, big-endian; 1 stands for 65536). */
function pageBytes(bytes: Buffer): number {
  const n = bytes.readUInt16BE(16);
  return n === 1 ? 65536 : n;
}

/** A closed cache with `count` queued requests req-1..req-N (`reasonChars` each); returns their payloads by id. */
function cacheWithQueue(count: number, reasonChars?: number): Map<string, Buffer> {
  const store = AgentStore.open(file);
  const queued = new Map<string, Buffer>();
  for (let n = 1; n <= count; n++) {
    const id = `req-${n}`;
    const payload = Buffer.from(approval(id, reasonChars));
    store.enqueueOutbox({ id, payload, createdAtMs: 10_000 + n });
    queued.set(id, payload);
  }
  store.applySnapshot(1, Buffer.alloc(10_000, 7), 1);
  store.close();
  return queued;
}

function storageCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof TollgateError) return error.code;
    throw error;
  }
  return undefined;
}

describe('a damaged cache is moved aside after its outbox is salvaged', () => {
  it('queues again the requests still legible when later pages are garbage, each as it was', () => {
    // 150 requests of about 4 KB (reasons near their limit): the outbox spans several of the database's 16 KiB pages.
    const queued = cacheWithQueue(150, 3_900);
    const bytes = fs.readFileSync(file);
    const page = pageBytes(bytes);
    const pages = bytes.length / page;
    // Keep the first three quarters of the pages (the schema, the tables' roots, the first of the outbox's
    // leaves), wreck the rest.
    const from = Math.floor((pages * 3) / 4) * page;
    bytes.fill(0xa5, from);
    fs.writeFileSync(file, bytes);

    const seen: RecoveryInfo[] = [];
    const store = openStore({ onRecovered: (info) => seen.push(info) });
    expect(seen).toHaveLength(1);
    const info = seen[0]!;
    expect(
      fs
        .readFileSync(info.movedTo)
        .subarray(from)
        .every((b) => b === 0xa5),
    ).toBe(true);

    const pending = store.pendingOutbox(1_000);
    expect(info.salvagedOutbox).toBe(pending.length);
    // Some rows were on the wrecked pages, and every row before them was read.
    expect(pending.length).toBeGreaterThan(5);
    expect(pending.length).toBeLessThan(150);
    for (const item of pending) {
      expect(queued.get(item.id)?.equals(item.payload)).toBe(true);
      expect(item.createdAtMs).toBe(10_000 + Number(item.id.slice('req-'.length)));
    }
    expect(pending.map((p) => p.id)).toEqual(
      Array.from({ length: pending.length }, (_, i) => `req-${i + 1}`).filter((id) => pending.some((p) => p.id === id)),
    );
    // Queued once by id, as any request: the same id again is not queued twice.
    expect(store.enqueueOutbox({ id: pending[0]!.id, payload: pending[0]!.payload, createdAtMs: 1 })).toBe(false);
    expect(store.activeSnapshot()).toBeNull();
    expect(store.integrityCheck()).toEqual([]);
  });

  it('carries every request over from a cache that lacks a table of its schema', () => {
    const queued = cacheWithQueue(12);
    const db = new Database(file);
    db.exec('DROP TABLE snapshot_parts');
    db.close();

    const seen: RecoveryInfo[] = [];
    const store = openStore({ onRecovered: (info) => seen.push(info) });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.error).toMatch(/table snapshot_parts missing/);
    expect(seen[0]!.salvagedOutbox).toBe(12);
    const pending = store.pendingOutbox(100);
    expect(pending.map((p) => p.id)).toEqual([...queued.keys()]);
    for (const item of pending) expect(queued.get(item.id)?.equals(item.payload)).toBe(true);
  });

  it('moves aside a cache whose schema text was changed though every page is sound', () => {
    const queued = cacheWithQueue(5);
    const bytes = fs.readFileSync(file);
    // The schema is text in the first page: a changed byte renames the decisions table's column.
    const at = bytes.subarray(0, pageBytes(bytes)).indexOf('computer_id TEXT');
    expect(at).toBeGreaterThan(0);
    bytes.write('X', at);
    fs.writeFileSync(file, bytes);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('quick_check', { simple: true })).toBe('ok');
    check.close();

    const seen: RecoveryInfo[] = [];
    const store = openStore({ onRecovered: (info) => seen.push(info) });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.error).toMatch(/definition of table decisions is not the one it wrote/);
    expect(seen[0]!.salvagedOutbox).toBe(5);
    expect(store.pendingOutbox(100).map((p) => p.id)).toEqual([...queued.keys()]);
    store.appendDecisions([
      { atMs: 1, computerId: 'pc-1', request: '{}', decision: '{}', action: 'deny', policy: null },
    ]);
    expect(store.exportDecisions(10).map((d) => d.computerId)).toEqual(['pc-1']);
    expect(store.integrityCheck()).toEqual([]);
  });

  it('moves an empty (0-byte) cache aside instead of taking it for a new one', () => {
    fs.writeFileSync(file, '');
    const seen: RecoveryInfo[] = [];
    const store = openStore({ onRecovered: (info) => seen.push(info) });
    expect(seen).toEqual([expect.objectContaining({ error: 'the file is empty (0 bytes)', salvagedOutbox: 0 })]);
    expect(fs.statSync(seen[0]!.movedTo).size).toBe(0);
    expect(store.outboxDepth()).toBe(0);
    store.setMeta('k', 'v');
    expect(store.getMeta('k')).toBe('v');
  });

  it('leaves behind rows that are not approval requests under their own id', () => {
    cacheWithQueue(3);
    const db = new Database(file);
    db.prepare("INSERT INTO outbox (id, payload, created_at_ms) VALUES ('junk', X'00ff00', 1)").run();
    db.prepare('INSERT INTO outbox (id, payload, created_at_ms) VALUES (?, ?, 2)').run('other', approval('req-1'));
    db.exec('DROP TABLE meta');
    db.close();
    const store = openStore();
    expect(store.pendingOutbox(100).map((p) => p.id)).toEqual(['req-1', 'req-2', 'req-3']);
  });
});

describe('salvage of any damage', () => {
  it('always opens, queues only deliverable requests, and leaves a sound cache, whatever bytes are wrecked', () => {
    const queued = cacheWithQueue(20);
    const pristine = fs.readFileSync(file);
    const page = pageBytes(pristine);
    const pages = pristine.length / page;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            page: fc.integer({ min: 0, max: pages - 1 }),
            offset: fc.integer({ min: 0, max: page - 1 }),
            length: fc.integer({ min: 1, max: 4096 }),
            byte: fc.integer({ min: 0, max: 255 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (wrecks) => {
          for (const name of fs.readdirSync(dir)) fs.rmSync(path.join(dir, name), { force: true });
          const bytes = Buffer.from(pristine);
          for (const w of wrecks) {
            const from = w.page * page + w.offset;
            bytes.fill(w.byte, from, Math.min(bytes.length, from + w.length));
          }
          fs.writeFileSync(file, bytes);
          const seen: RecoveryInfo[] = [];
          const store = AgentStore.open(file, { onRecovered: (info) => seen.push(info) });
          try {
            expect(store.integrityCheck()).toEqual([]);
            if (seen.length === 0) return; // damage SQLite cannot see (a changed byte of a value)
            // SQLite keeps no checksums, so a salvaged value may carry a changed byte; but each is an
            // approval request under its own id, so the server can take it.
            const pending = store.pendingOutbox(1_000);
            expect(pending.length).toBe(seen[0]!.salvagedOutbox);
            expect(pending.length).toBeLessThanOrEqual(queued.size);
            for (const item of pending) {
              const message = decodeAgentMessage(item.payload);
              expect(message.kind === 'approval' && message.submission.requestId).toBe(item.id);
            }
          } finally {
            store.close();
          }
        },
      ),
      {
        numRuns: 50,
        // Found by seed -2137228447: five bytes of the decisions table's CREATE statement in the
        // first page, which renamed a column and left every page sound for quick_check.
        examples: [[[{ page: 0, offset: 3184, length: 5, byte: 97 }]]],
      },
    );
  });
});

describe('a full disk under the cache', () => {
  it('refuses a snapshot it cannot store and keeps the active one; stores it once there is room', () => {
    const store = openStore();
    store.applySnapshot(1, Buffer.alloc(5_000, 1), 1);
    store.simulateStorageFault('disk-full');
    expect(storageCode(() => store.applySnapshot(2, Buffer.alloc(200_000, 2), 2))).toBe(STORAGE_UNAVAILABLE);
    expect(store.activeSnapshot()).toMatchObject({ version: 1, bytes: Buffer.alloc(5_000, 1) });
    store.simulateStorageFault('none');
    store.applySnapshot(2, Buffer.alloc(200_000, 2), 2);
    expect(store.activeSnapshot()?.version).toBe(2);
  });

  it('refuses to queue an approval request it cannot store, naming the file', () => {
    const store = openStore();
    store.simulateStorageFault('disk-full');
    let error: TollgateError | undefined;
    try {
      store.enqueueOutbox({ id: 'big', payload: approval('big', 100_000), createdAtMs: 1 });
    } catch (e) {
      error = e as TollgateError;
    }
    expect(error?.code).toBe(STORAGE_UNAVAILABLE);
    expect(error?.message).toMatch(/agent\.db cannot be used: .*SQLITE_FULL/);
    expect(store.outboxDepth()).toBe(0);
  });

  it('refuses every write on a read-only file system, and closes cleanly afterwards', () => {
    const store = openStore();
    store.simulateStorageFault('read-only');
    expect(storageCode(() => store.setMeta('k', 'v'))).toBe(STORAGE_UNAVAILABLE);
    expect(storageCode(() => store.markOutboxAttempt('x'))).toBe(STORAGE_UNAVAILABLE);
    store.close();
    expect(storageCode(() => store.outboxDepth())).toBe(STORAGE_UNAVAILABLE);
  });
});
