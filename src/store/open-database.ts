import fs from 'node:fs';
import Database from 'better-sqlite3';
import { TollgateError } from '../engine/errors.js';
import { MIGRATIONS, migrate } from './migrations.js';

/** How long a statement waits for another connection's lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;

/** What `openCheckedDatabase` and `recoverDatabase` report when they had to replace an unreadable file. */
export interface RecoveryInfo {
  /** Where the unreadable file was moved (its -wal/-shm get the same name plus suffix). */
  movedTo: string;
  /** Why the file was judged unreadable. */
  error: string;
  /** How many queued approval requests were read from it into the new database. */
  salvagedOutbox: number;
}

/** Copies what can still be read of a damaged database (at `damaged`) into the new one; never throws. */
export type Salvage = (damaged: string, into: Database.Database) => number;

/** The tables of the agent's schema, by the schema version that added them. */
const AGENT_TABLES: readonly SchemaTable[] = [
  ['snapshots', 1],
  ['settings', 1],
  ['meta', 1],
  ['decisions', 1],
  ['outbox', 1],
  ['outbox_delivered', 1],
  ['snapshot_parts', 2],
];

/** Options of `openCheckedDatabase`. */
export interface OpenOptions {
  onRecovered?: ((info: RecoveryInfo) => void) | undefined;
  salvage?: Salvage | undefined;
  /**
   * Leave the full quick_check owed after an unclean stop to the caller
   * (`checkOwed`), who runs it later (the agent daemon: in the background,
   * once its socket serves). The cheap checks (empty file, header, schema)
   * still run at open.
   */
  deferCheck: boolean;
}

/**
 * Opens (creating if needed) and migrates the database at `file`. A file
 * that is empty (0 bytes), is not a database, is corrupt or lacks tables of
 * the schema version it claims is moved aside to `<file>.corrupt-<ms>`,
 * `salvage` copies what it can of it into a new database, and the new one is
 * used; anything else (including a healthy SQLite file of another
 * application) is left alone. Tells whether the full quick_check is still
 * owed: true only with `deferCheck` after an unclean stop.
 */
export function openCheckedDatabase(file: string, options: OpenOptions): { db: Database.Database; checkOwed: boolean } {
  // After a clean close, with the file untouched since, the full quick_check
  // is skipped (it reads every page: seconds of start-up on a large cache);
  // the periodic integrity check still runs. After a crash it always runs.
  // A new database (no file, no WAL) holds nothing to check: it owes no check either.
  const check = (fs.existsSync(file) || fs.existsSync(`${file}-wal`)) && !closedCleanly(file);
  fs.rmSync(cleanMarker(file), { force: true });
  try {
    return { db: openAndMigrate(file, check && !options.deferCheck), checkOwed: check && options.deferCheck };
  } catch (error) {
    if (!isCorruption(error)) throw asTollgateError(file, error);
    return { db: recoverDatabase(file, (error as Error).message, options), checkOwed: false };
  }
}

/**
 * Moves the damaged database at `file` aside (`<file>.corrupt-<ms>`, with
 * its -wal and -shm), creates a new one, salvages what it can of the old
 * one into it and tells onRecovered. The caller has closed its connection.
 */
export function recoverDatabase(
  file: string,
  reason: string,
  options: Pick<OpenOptions, 'onRecovered' | 'salvage'>,
): Database.Database {
  const movedTo = moveAside(file);
  let db: Database.Database;
  try {
    db = openAndMigrate(file, true);
  } catch (again) {
    throw asTollgateError(file, again);
  }
  const salvagedOutbox = options.salvage?.(movedTo, db) ?? 0;
  options.onRecovered?.({ movedTo, error: reason, salvagedOutbox });
  return db;
}

function asTollgateError(file: string, error: unknown): TollgateError {
  if (error instanceof TollgateError) return error;
  return new TollgateError('store-unavailable', `cannot open ${file}: ${(error as Error).message}`, { cause: error });
}

/** The page cache of the agent's database, KiB. */
export const PAGE_CACHE_KIB = 2048;

/**
 * The page size of a new agent database: a snapshot of tens of MB is written
 * as 4 times fewer pages (WAL frames, overflow pages, pages freed when an old
 * snapshot is trimmed) than with SQLite's default 4 KiB. SQLite's largest,
 * 64 KiB, saves a little more on a snapshot but makes every small commit
 * (a decision log flush, an outbox row) write 64 KiB per page it changes
 * (docs/DAEMON.md, Stored view images). A database created with another page
 * size keeps it (changing it needs a VACUUM of the whole file).
 */
export const NEW_DATABASE_PAGE_BYTES = 16384;

function openAndMigrate(file: string, check: boolean): Database.Database {
  // An empty file is what is left of a lost database (SQLite would take it for a new one).
  if (fs.existsSync(file) && fs.statSync(file).size === 0) {
    throw new TollgateError('store-corrupt', 'the file is empty (0 bytes)');
  }
  const db = new Database(file);
  try {
    // Takes effect only on a new, empty file (before its first write); an existing one keeps its page size.
    db.pragma(`page_size = ${NEW_DATABASE_PAGE_BYTES}`);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const problems = check ? quickCheck(db) : [];
    if (problems.length > 0) {
      throw new TollgateError('store-corrupt', `quick_check failed: ${problems.join('; ')}`);
    }
    const missing = missingTables(db, AGENT_TABLES, MIGRATIONS.length) ?? schemaDamage(db, MIGRATIONS);
    if (missing !== null) throw new TollgateError('store-corrupt', missing);
    // FULL on every commit: in WAL mode NORMAL may lose the last commits on
    // power loss, and snapshots, settings and the outbox must survive that.
    // Decision-log appends are batched by the daemon, so the fsync is cheap.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // A small page cache (SQLite's usual 2 MiB, where better-sqlite3 sets 16 MiB): the agent reads
    // its snapshot once at start and writes small batches after that, and every MiB of cache is a
    // MiB of the daemon's memory once a large snapshot has been written through it.
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    // Migrate before switching to WAL so that a database from a newer schema
    // is refused without a single byte of it changed.
    migrate(db);
    db.pragma('journal_mode = WAL');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A table of a schema and the schema version that added it. */
export type SchemaTable = readonly [table: string, sinceVersion: number];

/**
 * What is missing when a database claims a schema version whose tables it
 * lacks; null when nothing is. Version 0 (a new file, or another
 * application's) and versions newer than `knownVersions` (refused by
 * migrate) are not judged here.
 */
export function missingTables(
  db: Database.Database,
  schema: readonly SchemaTable[],
  knownVersions: number,
): string | null {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === 0 || version > knownVersions) return null;
  const tables = new Set(
    db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table'")
      .all()
      .map((row) => row.name),
  );
  const missing = schema.filter(([table, since]) => version >= since && !tables.has(table)).map(([t]) => t);
  return missing.length === 0 ? null : `schema version ${version} but table ${missing.join(', ')} missing`;
}

/**
 * What differs between the schema a database holds and the one `migrations`
 * write at the version it claims; null when nothing does. The schema is text
 * in the file's first page that quick_check does not judge: a changed byte
 * there can rename a column and leave every page sound. Objects the steps
 * did not create (SQLite's own, or an index an operator added) are ignored.
 */
export function schemaDamage(db: Database.Database, migrations: readonly string[]): string | null {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === 0 || version > migrations.length) return null;
  const reference = new Database(':memory:');
  let expected: SchemaObject[];
  try {
    migrate(reference, migrations.slice(0, version));
    expected = schemaObjects(reference);
  } finally {
    reference.close();
  }
  const held = new Map(schemaObjects(db).map((o) => [`${o.type} ${o.name}`, o]));
  const differing = expected
    .filter((o) => {
      const found = held.get(`${o.type} ${o.name}`);
      return found === undefined || found.tableName !== o.tableName || found.sql !== o.sql;
    })
    .map((o) => `${o.type} ${o.name}`);
  return differing.length === 0
    ? null
    : `schema version ${version} but the definition of ${differing.join(', ')} is not the one it wrote`;
}

interface SchemaObject {
  type: string;
  name: string;
  tableName: string;
  /** The statement with its runs of white space as one space (null for SQLite's automatic indexes). */
  sql: string | null;
}

function schemaObjects(db: Database.Database): SchemaObject[] {
  return db
    .prepare<[], { type: string; name: string; tbl_name: string; sql: string | null }>(
      "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .all()
    .map((row) => ({
      type: row.type,
      name: row.name,
      tableName: row.tbl_name,
      sql: row.sql === null ? null : row.sql.replace(/\s+/g, ' ').trim(),
    }));
}

/** `PRAGMA quick_check` as a list of problems; [] when the database is fine. */
export function quickCheck(db: Database.Database): string[] {
  let rows: { quick_check: string }[];
  try {
    rows = db.pragma('quick_check') as { quick_check: string }[];
  } catch (error) {
    // Damage bad enough that the check itself cannot run is its own answer; a damaged header
    // can also read as a plain error ("unsupported file format").
    if (isCorruption(error) || (error instanceof Database.SqliteError && error.code === 'SQLITE_ERROR')) {
      return [(error as Error).message];
    }
    throw error;
  }
  return rows
    .flatMap((row) => row.quick_check.split('\n'))
    .filter((line) => line !== 'ok' && !line.startsWith('*** in database'));
}

/** Whether `error` says the database file is damaged (not a database, corrupt, or refused by the schema checks). */
export function isCorruption(error: unknown): boolean {
  if (error instanceof TollgateError) return error.code === 'store-corrupt';
  if (!(error instanceof Database.SqliteError)) return false;
  return error.code === 'SQLITE_NOTADB' || error.code.startsWith('SQLITE_CORRUPT');
}

function moveAside(file: string): string {
  let movedTo = `${file}.corrupt-${Date.now()}`;
  for (let n = 1; fs.existsSync(movedTo); n++) movedTo = `${file}.corrupt-${Date.now()}-${n}`;
  fs.renameSync(file, movedTo);
  for (const suffix of ['-wal', '-shm']) {
    if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, movedTo + suffix);
  }
  return movedTo;
}

/** The file that records a clean close: the database's size and modification time then. */
function cleanMarker(file: string): string {
  return `${file}.clean`;
}

function fileStamp(file: string): string | null {
  try {
    const stat = fs.statSync(file);
    return JSON.stringify({ size: stat.size, mtimeMs: Math.floor(stat.mtimeMs) });
  } catch {
    return null;
  }
}

function closedCleanly(file: string): boolean {
  const stamp = fileStamp(file);
  if (stamp === null || fs.existsSync(`${file}-wal`)) return false;
  try {
    return fs.readFileSync(cleanMarker(file), 'utf8') === stamp;
  } catch {
    return false;
  }
}

/**
 * Closes a database and, unless `clean` is false (a check it owes has not
 * run), records that it was closed cleanly (see openCheckedDatabase).
 */
export function closeDatabase(db: Database.Database, file: string, clean = true): void {
  if (!db.open) return;
  db.close();
  if (!clean) return;
  const stamp = fileStamp(file);
  if (stamp === null || fs.existsSync(`${file}-wal`)) return;
  try {
    fs.writeFileSync(cleanMarker(file), stamp);
  } catch {
    // A full disk: without the mark the next start runs the full check, which is only slower.
    fs.rmSync(cleanMarker(file), { force: true });
  }
}
