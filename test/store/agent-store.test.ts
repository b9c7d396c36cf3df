import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentStore, SNAPSHOT_PART_BYTES, type DecisionLogEntry } from '../../src/store/agent-store.js';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { NEW_DATABASE_PAGE_BYTES } from '../../src/store/open-database.js';
import { TollgateError } from '../../src/engine/errors.js';

const root = path.resolve(import.meta.dirname, '../..');
let dir: string;
let file: string;
const open: AgentStore[] = [];

function openStore(options?: Parameters<typeof AgentStore.open>[1], at = file): AgentStore {
  const store = AgentStore.open(at, options);
  open.push(store);
  return store;
}

/** The page size of a database file, from its header (bytes 16 and 17, big-endian; 1 stands for 65536). */
function pageBytes(bytes: Buffer): number {
  const n = bytes.readUInt16BE(16);
  return n === 1 ? 65536 : n;
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof TollgateError) return error.code;
    throw error;
  }
  return undefined;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-store-'));
  file = path.join(dir, 'agent.db');
});

afterEach(() => {
  for (const store of open.splice(0)) store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('migrations', () => {
  it('creates the schema on a new file and records user_version', () => {
    openStore().close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table'").all();
    expect(tables.map((t) => t.name).sort()).toEqual(
      ['decisions', 'meta', 'outbox', 'outbox_delivered', 'settings', 'snapshot_parts', 'snapshots'].sort(),
    );
    db.close();
  });

  it('reopens an existing file without re-running steps and keeps its data', () => {
    const first = openStore();
    first.setMeta('computer', 'c-1');
    first.close();
    const second = openStore();
    expect(second.getMeta('computer')).toBe('c-1');
    expect(second.integrityCheck()).toEqual([]);
  });

  it('applies only pending steps, each atomically with its user_version', () => {
    const db = new Database(file);
    migrate(db, ['CREATE TABLE a (x INTEGER)']);
    migrate(db, ['CREATE TABLE a (x INTEGER)', 'CREATE TABLE b (x INTEGER)']);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(() => migrate(db, ['', '', 'CREATE TABLE c (x INTEGER); CREATE TABLE c (y INTEGER)'])).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'c'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses a database from a newer schema and leaves it alone', () => {
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    const before = fs.readFileSync(file);
    expect(code(() => openStore())).toBe('store-too-new');
    expect(fs.readFileSync(file)).toEqual(before);
  });
});

describe('snapshots', () => {
  it('starts empty', () => {
    const store = openStore();
    expect(store.activeSnapshot()).toBeNull();
    expect(store.previousSnapshots()).toEqual([]);
  });

  it('applies newer versions, refuses stale ones and keeps N previous', () => {
    const store = openStore({ maxPreviousSnapshots: 2 });
    for (const v of [1, 2, 3, 5]) store.applySnapshot(v, Buffer.from(`snap-${v}`), v * 1000);
    expect(store.activeSnapshot()).toEqual({ version: 5, bytes: Buffer.from('snap-5'), appliedAtMs: 5000 });
    expect(store.previousSnapshots()).toEqual([
      { version: 3, appliedAtMs: 3000 },
      { version: 2, appliedAtMs: 2000 },
    ]);
    expect(code(() => store.applySnapshot(5, Buffer.from('again'), 6000))).toBe('stale-version');
    expect(code(() => store.applySnapshot(4, Buffer.from('older'), 6000))).toBe('stale-version');
    expect(store.activeSnapshot()?.bytes).toEqual(Buffer.from('snap-5'));
  });

  it('keeps no previous snapshot when maxPreviousSnapshots is 0', () => {
    const store = openStore({ maxPreviousSnapshots: 0 });
    store.applySnapshot(1, Buffer.from('a'), 1);
    store.applySnapshot(2, Buffer.from('b'), 2);
    expect(store.previousSnapshots()).toEqual([]);
  });

  it('stores the bytes exactly, including a Uint8Array view and empty bytes', () => {
    const store = openStore();
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    store.applySnapshot(1, backing.subarray(2, 5), 10);
    expect(store.activeSnapshot()?.bytes).toEqual(Buffer.from([1, 2, 3]));
    store.applySnapshot(2, new Uint8Array(0), 20);
    expect(store.activeSnapshot()?.bytes).toEqual(Buffer.alloc(0));
  });

  it('rejects a version that is not a positive integer', () => {
    const store = openStore();
    expect(code(() => store.applySnapshot(1.5, Buffer.from('x'), 1))).toBe('invalid-argument');
    expect(code(() => store.applySnapshot(0, Buffer.from('x'), 1))).toBe('invalid-argument');
  });

  it('keeps the active snapshot across a reopen', () => {
    const first = openStore();
    first.applySnapshot(7, Buffer.from('seven'), 700);
    first.close();
    expect(openStore().activeSnapshot()).toEqual({ version: 7, bytes: Buffer.from('seven'), appliedAtMs: 700 });
  });

  it('rolls back the whole apply when beforeCommit throws', () => {
    const store = openStore({ maxPreviousSnapshots: 1 });
    store.applySnapshot(1, Buffer.from('one'), 1);
    store.applySnapshot(2, Buffer.from('two'), 2);
    expect(() =>
      store.applySnapshot(3, Buffer.from('three'), 3, {
        beforeCommit: () => {
          throw new Error('fault');
        },
      }),
    ).toThrow('fault');
    expect(store.activeSnapshot()?.version).toBe(2);
    expect(store.previousSnapshots()).toEqual([{ version: 1, appliedAtMs: 1 }]);
    store.applySnapshot(3, Buffer.from('three'), 3);
    expect(store.activeSnapshot()?.version).toBe(3);
  });
});

describe('snapshots stored in parts', () => {
  const big = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
  const partRows = (version?: number): number => {
    const db = new Database(file, { readonly: true });
    try {
      const sql = 'SELECT count(*) AS n FROM snapshot_parts' + (version === undefined ? '' : ' WHERE version = ?');
      const stmt = db.prepare<unknown[], { n: number }>(sql);
      return (version === undefined ? stmt.get() : stmt.get(version))?.n ?? -1;
    } finally {
      db.close();
    }
  };

  it('keeps a snapshot of several parts byte for byte, and drops the parts of trimmed versions', () => {
    const store = openStore({ maxPreviousSnapshots: 1 });
    const size = Math.floor(SNAPSHOT_PART_BYTES * 2.5);
    for (const v of [1, 2, 3]) store.applySnapshot(v, big(size, v), v);
    expect(store.activeSnapshot()?.bytes.equals(big(size, 3))).toBe(true);
    expect(partRows(3)).toBe(3);
    // Version 1 was trimmed with its parts; 2 is kept as the previous one.
    expect(partRows(1)).toBe(0);
    expect(partRows()).toBe(6);
    store.applySnapshot(4, big(SNAPSHOT_PART_BYTES, 4), 4);
    expect(partRows(4)).toBe(1);
    expect(store.activeSnapshot()?.bytes.equals(big(SNAPSHOT_PART_BYTES, 4))).toBe(true);
  });

  it('reads a snapshot stored whole before parts existed', () => {
    const db = new Database(file);
    migrate(db, MIGRATIONS.slice(0, 1));
    db.prepare("INSERT INTO snapshots (version, bytes, applied_at_ms, active) VALUES (9, X'0a0b0c', 90, 1)").run();
    db.close();
    const store = openStore();
    expect(store.activeSnapshot()).toEqual({ version: 9, bytes: Buffer.from([10, 11, 12]), appliedAtMs: 90 });
    store.applySnapshot(10, Buffer.from('ten'), 100);
    expect(store.activeSnapshot()).toEqual({ version: 10, bytes: Buffer.from('ten'), appliedAtMs: 100 });
  });

  it('leaves the checkpoint of the WAL pages of a snapshot until the apply has returned', async () => {
    const store = openStore();
    const bytes = big(SNAPSHOT_PART_BYTES * 8, 7);
    store.applySnapshot(1, Buffer.from('one'), 1);
    await new Promise((resolve) => setImmediate(resolve));
    const before = fs.statSync(file).size;
    store.applySnapshot(2, bytes, 2);
    // Committed (in the WAL, fsynced) but not yet copied into the database file.
    expect(fs.statSync(file).size).toBe(before);
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(bytes.length);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fs.statSync(file).size).toBeGreaterThanOrEqual(before + bytes.length);
    expect(store.activeSnapshot()?.bytes.equals(bytes)).toBe(true);
  });

  it('creates a new database with 16 KiB pages, and keeps the page size of an existing one', () => {
    openStore().close();
    const created = new Database(file, { readonly: true });
    expect(created.pragma('page_size', { simple: true })).toBe(NEW_DATABASE_PAGE_BYTES);
    created.close();
    // A cache written before: 4 KiB pages, a snapshot in parts of 1 MiB (larger than the parts written now).
    const older = path.join(dir, 'older.db');
    const db = new Database(older);
    db.pragma('page_size = 4096');
    migrate(db);
    db.pragma('journal_mode = WAL');
    const bytes = big(2 * 1024 * 1024 + 5, 3);
    db.prepare("INSERT INTO snapshots (version, bytes, applied_at_ms, active, parts) VALUES (3, X'', 30, 1, 3)").run();
    const part = db.prepare('INSERT INTO snapshot_parts (version, seq, bytes) VALUES (3, ?, ?)');
    for (let seq = 0; seq < 3; seq++) part.run(seq, bytes.subarray(seq * 1024 * 1024, (seq + 1) * 1024 * 1024));
    db.close();
    const store = openStore({}, older);
    expect(store.activeSnapshot()?.bytes.equals(bytes)).toBe(true);
    const next = big(SNAPSHOT_PART_BYTES * 3 + 1, 4);
    store.applySnapshot(4, next, 40);
    expect(store.activeSnapshot()?.bytes.equals(next)).toBe(true);
    store.close();
    const reopened = new Database(older, { readonly: true });
    expect(reopened.pragma('page_size', { simple: true })).toBe(4096);
    expect(reopened.prepare('SELECT count(*) AS n FROM snapshot_parts WHERE version = 4').get()).toEqual({ n: 4 });
    reopened.close();
  });

  it('refuses a snapshot whose parts do not add up, naming it', () => {
    const store = openStore();
    store.applySnapshot(5, big(SNAPSHOT_PART_BYTES * 2 + 10, 5), 5);
    store.close();
    const db = new Database(file);
    db.prepare('DELETE FROM snapshot_parts WHERE version = 5 AND seq = 1').run();
    db.close();
    const reopened = openStore();
    expect(code(() => reopened.activeSnapshot())).toBe('store-damaged');
    expect(() => reopened.activeSnapshot()).toThrow(/snapshot 5 is stored in 3 parts/);
  });
});

describe('a process killed inside applySnapshot', () => {
  let buildDir: string;
  let moduleUrl: string;

  // The child must run the real AgentStore, so compile src/store (and what it
  // imports) into a private directory rather than the shared dist/.
  beforeAll(() => {
    buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-store-build-'));
    const out = path.join(buildDir, 'out');
    const tsc = spawnSync(
      process.execPath,
      [
        path.join(root, 'node_modules/typescript/bin/tsc'),
        '--ignoreConfig',
        ...['--outDir', out, '--rootDir', root, '--target', 'ES2022', '--module', 'NodeNext'],
        ...['--moduleResolution', 'NodeNext', '--strict', '--skipLibCheck', '--types', 'node'],
        path.join(root, 'src/store/agent-store.ts'),
      ],
      { encoding: 'utf8' },
    );
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    // The generated protobuf code is JavaScript already: copied as the build does.
    fs.cpSync(path.join(root, 'src/wire/generated'), path.join(out, 'src/wire/generated'), { recursive: true });
    fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}');
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(buildDir, 'node_modules'), 'dir');
    moduleUrl = pathToFileURL(path.join(out, 'src/store/agent-store.js')).href;
  });

  afterAll(() => {
    fs.rmSync(buildDir, { recursive: true, force: true });
  });

  /** Stores snapshot 1, then has a process of its own apply an 8 MiB snapshot 2 and kill itself at `hook`. */
  function killedApplyingSecond(hook: 'beforeCommit' | 'afterCommit'): void {
    const store = openStore();
    store.applySnapshot(1, Buffer.from('one'), 1);
    store.close();

    const script = `
      import { AgentStore } from ${JSON.stringify(moduleUrl)};
      const store = AgentStore.open(process.argv.at(-1));
      store.applySnapshot(2, Buffer.alloc(8 << 20, 2), 2, {
        ${hook}: () => process.kill(process.pid, 'SIGKILL'),
      });
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], { encoding: 'utf8' });
    expect(child.signal, child.stderr).toBe('SIGKILL');
  }

  it('restarts with the previous snapshot active and the database intact', () => {
    killedApplyingSecond('beforeCommit');

    const reopened = openStore();
    expect(reopened.integrityCheck()).toEqual([]);
    expect(reopened.activeSnapshot()).toEqual({ version: 1, bytes: Buffer.from('one'), appliedAtMs: 1 });
    expect(reopened.previousSnapshots()).toEqual([]);
    reopened.applySnapshot(2, Buffer.from('two'), 2);
    expect(reopened.activeSnapshot()?.version).toBe(2);
  });

  it('killed once committed, before the WAL is checkpointed: restarts with the new snapshot active and whole', () => {
    killedApplyingSecond('afterCommit');

    const reopened = openStore();
    expect(reopened.integrityCheck()).toEqual([]);
    const active = reopened.activeSnapshot();
    expect(active?.version).toBe(2);
    expect(active?.bytes.equals(Buffer.alloc(8 << 20, 2))).toBe(true);
    expect(reopened.previousSnapshots()).toEqual([{ version: 1, appliedAtMs: 1 }]);
  });
});

describe('settings and meta', () => {
  it('applies newer settings only and keeps them across a reopen', () => {
    const store = openStore();
    expect(store.activeSettings()).toBeNull();
    store.applySettings(1, Buffer.from('s1'), 10);
    expect(code(() => store.applySettings(1, Buffer.from('s1b'), 11))).toBe('stale-version');
    store.applySettings(3, Buffer.from('s3'), 30);
    store.close();
    expect(openStore().activeSettings()).toEqual({ version: 3, bytes: Buffer.from('s3'), appliedAtMs: 30 });
  });

  it('gets and replaces meta values', () => {
    const store = openStore();
    expect(store.getMeta('k')).toBeUndefined();
    store.setMeta('k', 'a');
    store.setMeta('k', 'b');
    expect(store.getMeta('k')).toBe('b');
  });
});

describe('recovery from an unreadable file', () => {
  it('moves a non-database file aside and starts fresh without its stale -wal', () => {
    const garbage = Buffer.from('not a database at all. '.repeat(200));
    fs.writeFileSync(file, garbage);
    fs.writeFileSync(`${file}-wal`, 'garbage wal');
    const seen: { movedTo: string; error: string }[] = [];
    const store = openStore({ onRecovered: (info) => seen.push(info) });

    expect(seen).toHaveLength(1);
    const movedTo = seen[0]!.movedTo;
    expect(path.basename(movedTo)).toMatch(/^agent\.db\.corrupt-\d+$/);
    expect(seen[0]!.error).toMatch(/not a database/);
    expect(fs.readFileSync(movedTo)).toEqual(garbage);
    // SQLite itself may discard an invalid -wal on close; either way the new
    // database must not start from it.
    const wal = `${file}-wal`;
    expect(fs.existsSync(wal) ? fs.readFileSync(wal, 'utf8') : '').not.toBe('garbage wal');

    store.applySnapshot(1, Buffer.from('one'), 1);
    expect(store.activeSnapshot()?.version).toBe(1);
    expect(store.integrityCheck()).toEqual([]);
  });

  it('moves aside a database whose pages are damaged', () => {
    const store = openStore();
    for (let v = 1; v <= 4; v++) store.applySnapshot(v, Buffer.alloc(20_000, v), v);
    store.close();
    const bytes = fs.readFileSync(file);
    const page = pageBytes(bytes);
    bytes.fill(0xab, page, page * 4); // keep the header, wreck the b-tree pages
    fs.writeFileSync(file, bytes);
    // Written after the close, as the damage would be: a file system with coarse times could give it the close's.
    const { mtimeMs } = fs.statSync(file);
    fs.utimesSync(file, new Date(mtimeMs + 2_000), new Date(mtimeMs + 2_000));

    const seen: { movedTo: string; error: string }[] = [];
    const recovered = openStore({ onRecovered: (info) => seen.push(info) });
    expect(seen).toHaveLength(1);
    expect(fs.existsSync(seen[0]!.movedTo)).toBe(true);
    expect(recovered.activeSnapshot()).toBeNull();
    recovered.applySnapshot(1, Buffer.from('fresh'), 1);
    expect(recovered.integrityCheck()).toEqual([]);
  });

  it('skips the full check at open after a clean close of an untouched file, and runs it after a crash', () => {
    const store = openStore();
    for (let v = 1; v <= 4; v++) store.applySnapshot(v, Buffer.alloc(20_000, v), v);
    store.close();
    expect(fs.existsSync(`${file}.clean`)).toBe(true);
    // Damage that keeps the size and the modification time: only the full check finds it.
    const { mtimeMs, atimeMs } = fs.statSync(file);
    const bytes = fs.readFileSync(file);
    bytes.fill(0xab, pageBytes(bytes) * 3, pageBytes(bytes) * 4);
    fs.writeFileSync(file, bytes);
    fs.utimesSync(file, atimeMs / 1000, mtimeMs / 1000);

    const seen: { movedTo: string; error: string }[] = [];
    const reopened = openStore({ onRecovered: (info) => seen.push(info) });
    expect(seen).toEqual([]);
    expect(fs.existsSync(`${file}.clean`)).toBe(false);
    expect(reopened.integrityCheck()).not.toEqual([]);
    // As after a crash: the process ends without closing, so no clean mark is written.
    const again = openStore({ onRecovered: (info) => seen.push(info) });
    expect(seen).toHaveLength(1);
    again.close();
  });

  it('with deferCheck, leaves the full check after a crash to backgroundCheck, which finds the damage; recoverFromDamage moves the file aside', async () => {
    const store = openStore();
    for (let v = 1; v <= 4; v++) store.applySnapshot(v, Buffer.alloc(20_000, v), v);
    store.close();
    // As after a crash: no clean mark.
    fs.rmSync(`${file}.clean`);
    const bytes = fs.readFileSync(file);
    bytes.fill(0xab, pageBytes(bytes) * 3, pageBytes(bytes) * 4);
    fs.writeFileSync(file, bytes);

    const seen: { movedTo: string; error: string; salvagedOutbox: number }[] = [];
    const deferred = openStore({ deferCheck: true, onRecovered: (info) => seen.push(info) });
    expect(seen).toEqual([]);
    expect(deferred.checkOwed).toBe(true);
    const check = await deferred.backgroundCheck(null);
    expect(check.failed).toBeNull();
    expect(check.checked).toBe(true);
    expect(check.problems).not.toEqual([]);
    expect(deferred.checkOwed).toBe(true);

    deferred.recoverFromDamage(`quick_check failed: ${check.problems.join('; ')}`);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.error).toMatch(/quick_check failed/);
    expect(fs.existsSync(seen[0]!.movedTo)).toBe(true);
    expect(deferred.checkOwed).toBe(false);
    // The same store object works on the new file.
    expect(deferred.activeSnapshot()).toBeNull();
    deferred.applySnapshot(1, Buffer.from('fresh'), 1);
    expect(deferred.activeSnapshot()?.bytes.toString()).toBe('fresh');
    expect(deferred.integrityCheck()).toEqual([]);
  });

  it('with deferCheck: a new cache owes no check, and its first close is stamped clean', () => {
    expect(fs.existsSync(file)).toBe(false);
    const fresh = openStore({ deferCheck: true });
    expect(fresh.checkOwed).toBe(false);
    fresh.applySnapshot(1, Buffer.alloc(20_000, 1), 1);
    fresh.close();
    expect(fs.existsSync(`${file}.clean`)).toBe(true);
    const again = openStore({ deferCheck: true });
    expect(again.checkOwed).toBe(false);
    again.close();
  });

  it('with deferCheck: a check owed after a crash and not run before the close stays owed at the next open', async () => {
    const store = openStore();
    store.applySnapshot(1, Buffer.alloc(20_000, 1), 1);
    store.close();
    // As after a crash: no clean mark.
    fs.rmSync(`${file}.clean`);
    const stopped = openStore({ deferCheck: true });
    expect(stopped.checkOwed).toBe(true);
    // Stopped before its background check ran.
    stopped.close();
    const next = openStore({ deferCheck: true });
    expect(next.checkOwed).toBe(true);
    expect(await next.backgroundCheck(null)).toMatchObject({ problems: [], checked: true, failed: null });
    expect(next.checkOwed).toBe(false);
    next.close();
    const checked = openStore({ deferCheck: true });
    expect(checked.checkOwed).toBe(false);
    checked.close();
    // The periodic integrity check is the same check: once it passes, nothing is owed either.
    fs.rmSync(`${file}.clean`);
    const periodic = openStore({ deferCheck: true });
    expect(periodic.checkOwed).toBe(true);
    expect(periodic.integrityCheck()).toEqual([]);
    expect(periodic.checkOwed).toBe(false);
    periodic.close();
    expect(fs.existsSync(`${file}.clean`)).toBe(true);
  });

  it('with deferCheck: nothing owed after a clean close; after a crash on a sound file the background check passes and hashes the snapshot', async () => {
    const store = openStore();
    store.applySnapshot(1, Buffer.alloc(SNAPSHOT_PART_BYTES + 10, 7), 1);
    store.close();
    const clean = openStore({ deferCheck: true });
    expect(clean.checkOwed).toBe(false);
    let online = 0;
    const hashed = await clean.backgroundCheck({ version: 1 }, () => online++);
    expect(online).toBe(1);
    expect(hashed.checked).toBe(false);
    expect(hashed.hash?.sha256).toEqual(clean.hashActiveSnapshot());
    clean.close();
    fs.rmSync(`${file}.clean`);
    const crashed = openStore({ deferCheck: true });
    expect(crashed.checkOwed).toBe(true);
    const check = await crashed.backgroundCheck({ version: 1 });
    expect(check).toMatchObject({ problems: [], checked: true, failed: null });
    expect(check.hash?.sha256).toEqual(crashed.hashActiveSnapshot());
    expect(crashed.checkOwed).toBe(false);
    // A version no longer stored is named, not hashed.
    expect((await crashed.backgroundCheck({ version: 9 })).hash).toEqual({
      version: 9,
      sha256: null,
      problem: 'snapshot 9 is no longer stored',
    });
  });

  it('a background check that cannot run says so and changes nothing', async () => {
    const store = openStore();
    store.applySnapshot(1, Buffer.from('one'), 1);
    store.close();
    fs.rmSync(`${file}.clean`);
    const deferred = openStore({ deferCheck: true });
    // The file gone from under the open connection: the worker cannot open it.
    fs.renameSync(file, `${file}.elsewhere`);
    const check = await deferred.backgroundCheck({ version: 1 });
    expect(check.failed).toMatch(/unable to open|no such file|cannot open/i);
    expect(check.problems).toEqual([]);
    expect(deferred.checkOwed).toBe(true);
    fs.renameSync(`${file}.elsewhere`, file);
  });

  it('keeps a healthy SQLite file of another application and its data', () => {
    const other = new Database(file);
    other.exec("CREATE TABLE photos (name TEXT); INSERT INTO photos VALUES ('cat.jpg')");
    other.close();
    const seen: { movedTo: string; error: string }[] = [];
    const store = openStore({ onRecovered: (info) => seen.push(info) });
    expect(seen).toEqual([]);
    store.setMeta('k', 'v');
    store.close();
    const check = new Database(file, { readonly: true });
    expect(check.prepare('SELECT name FROM photos').all()).toEqual([{ name: 'cat.jpg' }]);
    check.close();
    expect(fs.readdirSync(dir).filter((name) => name.includes('corrupt'))).toEqual([]);
  });

  it('reports other open failures as store-unavailable', () => {
    expect(code(() => openStore({}, path.join(dir, 'missing-dir', 'agent.db')))).toBe('store-unavailable');
  });
});

describe('decision log', () => {
  const entry = (n: number): DecisionLogEntry => ({
    atMs: 1000 + n,
    computerId: 'c-1',
    request: JSON.stringify({ file: `f${n}.exe` }),
    decision: JSON.stringify({ action: 'deny', n }),
    action: 'deny',
    policy: n % 2 === 0 ? `p${n}` : null,
  });

  it('appends in batches, exports newest last and prunes the oldest beyond the bound', () => {
    const store = openStore({ maxDecisionLog: 3 });
    store.appendDecisions([entry(1), entry(2)]);
    store.appendDecisions([entry(3), entry(4), entry(5)]);
    expect(store.decisionCount()).toBe(5);
    expect(store.exportDecisions(2)).toEqual([entry(4), entry(5)]);

    expect(store.pruneDecisionLog()).toBe(2);
    expect(store.decisionCount()).toBe(3);
    expect(store.exportDecisions(100)).toEqual([entry(3), entry(4), entry(5)]);
    expect(store.pruneDecisionLog()).toBe(0);
  });

  it('orders by append order, not by timestamp', () => {
    const store = openStore();
    const late = { ...entry(1), atMs: 9000 };
    const early = { ...entry(2), atMs: 10 };
    store.appendDecisions([late, early]);
    expect(store.exportDecisions(10)).toEqual([late, early]);
  });

  it('appends a batch all or nothing', () => {
    const store = openStore();
    const bad = { ...entry(2), computerId: null } as unknown as DecisionLogEntry;
    expect(() => store.appendDecisions([entry(1), bad])).toThrow();
    expect(store.decisionCount()).toBe(0);
  });
});

describe('outbox', () => {
  const item = (id: string, createdAtMs: number) => ({ id, payload: Buffer.from(`req-${id}`), createdAtMs });

  it('dedupes by id and lists pending items oldest first', () => {
    const store = openStore();
    expect(store.enqueueOutbox(item('a', 200))).toBe(true);
    expect(store.enqueueOutbox(item('b', 100))).toBe(true);
    expect(store.enqueueOutbox({ ...item('a', 300), payload: Buffer.from('other') })).toBe(false);
    expect(store.outboxDepth()).toBe(2);
    store.markOutboxAttempt('a');
    store.markOutboxAttempt('a');
    expect(store.pendingOutbox(10)).toEqual([
      { id: 'b', payload: Buffer.from('req-b'), createdAtMs: 100, attempts: 0 },
      { id: 'a', payload: Buffer.from('req-a'), createdAtMs: 200, attempts: 2 },
    ]);
    expect(store.pendingOutbox(1).map((p) => p.id)).toEqual(['b']);
  });

  it('ignores a re-enqueue of a delivered id while it is remembered', () => {
    const store = openStore({ maxDeliveredOutboxIds: 1 });
    store.enqueueOutbox(item('a', 1));
    store.enqueueOutbox(item('b', 2));
    store.markOutboxDelivered('a');
    expect(store.outboxDepth()).toBe(1);
    expect(store.enqueueOutbox(item('a', 3))).toBe(false);

    store.markOutboxDelivered('b'); // pushes 'a' out of the remembered ids
    expect(store.outboxDepth()).toBe(0);
    expect(store.enqueueOutbox(item('b', 4))).toBe(false);
    expect(store.enqueueOutbox(item('a', 5))).toBe(true);
  });

  it('refuses a request past the count bound with outbox-full, storing nothing and keeping every queued one', () => {
    const store = openStore({ maxOutboxItems: 3 });
    for (const id of ['a', 'b', 'c']) expect(store.enqueueOutbox(item(id, 1))).toBe(true);
    expect(code(() => store.enqueueOutbox(item('d', 2)))).toBe('outbox-full');
    expect(() => store.enqueueOutbox(item('d', 2))).toThrow(/at most 3 requests/);
    expect(store.pendingOutbox(10).map((p) => p.id)).toEqual(['a', 'b', 'c']);
    // A queued id is still answered as already queued, not as full.
    expect(store.enqueueOutbox(item('a', 3))).toBe(false);
    store.markOutboxDelivered('a');
    expect(store.enqueueOutbox(item('d', 4))).toBe(true);
    expect(store.pendingOutbox(10).map((p) => p.id)).toEqual(['b', 'c', 'd']);
  });

  it('refuses a request past the byte bound with outbox-full', () => {
    const store = openStore({ maxOutboxBytes: 100 });
    const sized = (id: string, bytes: number) => ({ id, payload: Buffer.alloc(bytes, 1), createdAtMs: 1 });
    expect(store.enqueueOutbox(sized('a', 60))).toBe(true);
    expect(store.enqueueOutbox(sized('b', 40))).toBe(true);
    expect(store.outboxBytes()).toBe(100);
    expect(code(() => store.enqueueOutbox(sized('c', 1)))).toBe('outbox-full');
    expect(store.outboxDepth()).toBe(2);
    store.markOutboxDelivered('a');
    expect(store.enqueueOutbox(sized('c', 60))).toBe(true);
    expect(store.outboxBytes()).toBe(100);
  });

  it('is bounded by default: 1,000 requests and 4 MiB', () => {
    const store = openStore();
    for (let i = 0; i < 1000; i++) store.enqueueOutbox(item(`r${i}`, i));
    expect(code(() => store.enqueueOutbox(item('one-more', 1001)))).toBe('outbox-full');
    expect(store.outboxDepth()).toBe(1000);
    const big = openStore({}, path.join(dir, 'big.db'));
    const mib = (id: string) => ({ id, payload: Buffer.alloc(1024 * 1024), createdAtMs: 1 });
    for (const id of ['a', 'b', 'c', 'd']) big.enqueueOutbox(mib(id));
    expect(code(() => big.enqueueOutbox({ id: 'e', payload: Buffer.alloc(1), createdAtMs: 1 }))).toBe('outbox-full');
  });

  it('remembers only delivered ids it held: a receipt for another id changes nothing', () => {
    const store = openStore({ maxDeliveredOutboxIds: 1 });
    store.enqueueOutbox(item('a', 1));
    store.markOutboxDelivered('a');
    store.markOutboxDelivered('never-queued'); // would push 'a' out of the remembered ids
    expect(store.enqueueOutbox(item('a', 2))).toBe(false);
  });

  it('keeps queued requests across a reopen', () => {
    const store = openStore();
    store.enqueueOutbox(item('a', 1));
    store.close();
    expect(
      openStore()
        .pendingOutbox(10)
        .map((p) => p.id),
    ).toEqual(['a']);
  });
});

describe('lifecycle', () => {
  it('close is idempotent', () => {
    const store = openStore();
    store.close();
    expect(() => store.close()).not.toThrow();
  });

  it('rejects invalid bounds', () => {
    expect(code(() => openStore({ maxDecisionLog: -1 }))).toBe('invalid-argument');
    expect(fs.existsSync(file)).toBe(false);
  });
});
