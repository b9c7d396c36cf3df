/**
 * The policy server's SQLite database: the world as one row per entity and
 * one row of state per computer (enrollment, issued and acknowledged
 * versions, what the agent reported). WAL, synchronous = FULL, schema
 * migrations by `user_version`.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { TollgateError } from '../engine/errors.js';
import { OS_NAMES, type OsName } from '../engine/model.js';
import { migrate } from '../store/migrations.js';
import { BUSY_TIMEOUT_MS, type SchemaTable, missingTables, quickCheck, schemaDamage } from '../store/open-database.js';
import { STORAGE_UNAVAILABLE, type StorageFault, guardStorage, simulateStorageFault } from '../store/storage-error.js';
import { requestUpdateRefused } from './store/server-store.js';
import type { EntityKind, EntityRow } from './world-rows.js';

/**
 * The server schema as numbered steps (see `migrate`): step N brings a
 * database from `user_version` N-1 to N. Append new steps; never edit a
 * released one.
 */
export const SERVER_MIGRATIONS: readonly string[] = [
  `
  -- The world: one row per organization, group, computer, application,
  -- policy, agent setting, approval policy and approval settings (keyed by
  -- org), plus one 'gates' row when the gate table is not the default.
  -- seq keeps each list in its order.
  CREATE TABLE entities (
    kind TEXT    NOT NULL,
    id   TEXT    NOT NULL,
    seq  INTEGER NOT NULL,
    body TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
  ) STRICT;

  -- One row per computer that has ever been in the world. The hashes are of
  -- the view issued as snapshot_version (without settings) and of the
  -- settings issued as settings_version.
  CREATE TABLE computer_state (
    computer_id            TEXT    PRIMARY KEY,
    token_hash             BLOB,
    snapshot_version       INTEGER NOT NULL,
    settings_version       INTEGER NOT NULL,
    view_hash              TEXT    NOT NULL,
    settings_hash          TEXT    NOT NULL,
    acked_snapshot_version INTEGER NOT NULL DEFAULT 0,
    acked_settings_version INTEGER NOT NULL DEFAULT 0,
    reported_agent_version TEXT,
    reported_os            TEXT,
    last_seen_ms           INTEGER,
    last_error             TEXT
  ) STRICT;
  `,
  `
  -- Approval requests delivered by agents, one row per request id, in the
  -- order they arrived (seq). body is the whole record as JSON; status is
  -- kept beside it for listing by status.
  CREATE TABLE approval_requests (
    seq            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    computer_id    TEXT    NOT NULL,
    received_at_ms INTEGER NOT NULL,
    status         TEXT    NOT NULL,
    body           TEXT    NOT NULL
  ) STRICT;
  CREATE INDEX approval_requests_by_status ON approval_requests (status, seq);
  `,
  `
  -- Pending requests are counted per computer when one arrives (the intake's bound).
  CREATE INDEX approval_requests_by_computer ON approval_requests (computer_id, status);
  `,
  `
  -- The world's revision: every commit of the world or of issued versions
  -- (or of a token) is one revision; rows carry the revision that last
  -- wrote them, and deleted entities are logged with the revision that
  -- deleted them (one row per deleted key: a key written again drops its
  -- row), so that what changed after a revision can be read back.
  CREATE TABLE meta (
    key   TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
  ) STRICT;
  INSERT INTO meta (key, value) VALUES ('revision', 0);
  ALTER TABLE entities ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE computer_state ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE entity_deletions (
    kind     TEXT    NOT NULL,
    id       TEXT    NOT NULL,
    revision INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
  ) STRICT;
  CREATE INDEX entities_by_revision ON entities (revision);
  CREATE INDEX computer_state_by_revision ON computer_state (revision);
  CREATE INDEX entity_deletions_by_revision ON entity_deletions (revision);
  `,
  `
  -- The tollgate version each agent reported in its last hello (Hello.tollgate_version); null when it sent none.
  ALTER TABLE computer_state ADD COLUMN reported_tollgate_version TEXT;
  `,
];

/** The server database's default bounds (docs/SERVER.md, "Bounds"). */
export const SERVER_DB_DEFAULTS = Object.freeze({
  /** Commits whose deletions are kept in the deletions log; older ones are pruned (see changesSince). */
  keepDeletionRevisions: 1000,
});

export interface ServerDbOptions {
  /** Default SERVER_DB_DEFAULTS.keepDeletionRevisions. */
  keepDeletionRevisions?: number;
}

/** One computer's stored state. */
export interface ComputerRow {
  computerId: string;
  tokenHash: Buffer | null;
  snapshotVersion: number;
  settingsVersion: number;
  viewHash: string;
  settingsHash: string;
  ackedSnapshotVersion: number;
  ackedSettingsVersion: number;
  reportedAgentVersion: string | null;
  /** The tollgate version the agent reported in its last hello; null when it sent none. */
  reportedTollgateVersion: string | null;
  reportedOs: OsName | null;
  lastSeenMs: number | null;
  lastError: string | null;
}

/** What a hello reports, as stored for its computer (tollgateVersion null: the agent sent none). */
export interface HelloReport {
  agentVersion: string;
  tollgateVersion: string | null;
  os: OsName;
  nowMs: number;
}

/** One stored approval request: its JSON body and the columns it is found by. */
export interface RequestRow {
  id: string;
  computerId: string;
  receivedAtMs: number;
  status: string;
  body: string;
}

/** The versions and hashes a change issues for one computer. */
export type IssuedVersions = Pick<
  ComputerRow,
  'computerId' | 'snapshotVersion' | 'settingsVersion' | 'viewHash' | 'settingsHash'
>;

interface ComputerRecord {
  computer_id: string;
  token_hash: Buffer | null;
  snapshot_version: number;
  settings_version: number;
  view_hash: string;
  settings_hash: string;
  acked_snapshot_version: number;
  acked_settings_version: number;
  reported_agent_version: string | null;
  reported_tollgate_version: string | null;
  reported_os: string | null;
  last_seen_ms: number | null;
  last_error: string | null;
}

function isCorruption(error: unknown): boolean {
  if (error instanceof TollgateError) return error.code === 'store-corrupt';
  if (!(error instanceof Database.SqliteError)) return false;
  return error.code === 'SQLITE_NOTADB' || error.code.startsWith('SQLITE_CORRUPT');
}

/** The tables every migrated server database has: one missing means the file is not (or no longer) whole. */
const SERVER_TABLES: readonly SchemaTable[] = [
  ['entities', 1],
  ['computer_state', 1],
  ['approval_requests', 2],
  ['meta', 4],
  ['entity_deletions', 4],
];

function damaged(message: string): TollgateError {
  return new TollgateError('store-corrupt', message);
}

/** A database written by a newer release: refused, without a byte of it changed. */
function tooNew(file: string, version: number): TollgateError {
  return new TollgateError(
    'store-too-new',
    `${file} has schema version ${version}, newer than this server's (${SERVER_MIGRATIONS.length})`,
  );
}

/** What opening the server database found and did: its schema version before, and after (dry: the same). */
export interface ServerDbMigration {
  from: number;
  to: number;
}

/**
 * Opens an existing server database, refusing one that is not whole, and
 * migrates it to this release's schema (`dryRun`: runs the same checks and
 * writes nothing).
 */
function openExisting(file: string, dryRun: boolean): { db: Database.Database; migration: ServerDbMigration } {
  const stat = fs.statSync(file);
  if (!stat.isFile()) {
    throw new TollgateError(
      'store-unavailable',
      `cannot open ${file}: it is ${stat.isDirectory() ? 'a directory' : 'not a regular file'}`,
    );
  }
  // A brand-new server is one whose file does not exist: an empty file is what is left of a lost one.
  if (stat.size === 0) throw damaged('the file is empty (0 bytes)');
  // A dry run opens it as a start does, and only reads: a read-only connection would leave a WAL and a shared
  // memory file behind, which the last connection to close removes.
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const problems = quickCheck(db);
    if (problems.length > 0) throw damaged(`quick_check failed: ${problems.join('; ')}`);
    // The server's word is what agents pin their versions to: every commit is fsync'd.
    if (!dryRun) db.pragma('synchronous = FULL');
    // The version, the schema it is judged against and the steps applied are of one transaction, which
    // holds the write lock from its start (a dry run: one read transaction): a server or a migration
    // applying steps at the same time is either wholly before it or wholly after it.
    const check = db.transaction((): ServerDbMigration => {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version === 0) throw damaged('it holds no tollgate server schema (user_version 0)');
      if (version > SERVER_MIGRATIONS.length) throw tooNew(file, version);
      const missing = missingTables(db, SERVER_TABLES, SERVER_MIGRATIONS.length) ?? schemaDamage(db, SERVER_MIGRATIONS);
      if (missing !== null) throw damaged(missing);
      if (dryRun) return { from: version, to: version };
      migrate(db, SERVER_MIGRATIONS);
      return { from: version, to: SERVER_MIGRATIONS.length };
    });
    const migration = dryRun ? check.deferred() : check.immediate();
    // Migrated before WAL so that a newer schema is refused without a byte changed.
    if (!dryRun) db.pragma('journal_mode = WAL');
    return { db, migration };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A new database is made only where there is no file; one left without its WAL or shared memory file is refused. */
function refuseLeftovers(file: string): void {
  for (const suffix of ['-wal', '-shm']) {
    if (fs.existsSync(file + suffix)) {
      throw damaged(`the file is missing but ${path.basename(file + suffix)} is there (left from a lost database)`);
    }
  }
}

/**
 * Creates a new server database: written under a temporary name and put
 * into place once whole, so a crash during the first start leaves no
 * half-made file that a later start would have to refuse. Returns false,
 * with nothing changed, when another process put its own in place first.
 */
function createNew(file: string): boolean {
  refuseLeftovers(file);
  const temporary = `${file}.new-${process.pid}`;
  const removeTemporary = (): void => {
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(temporary + suffix, { force: true });
  };
  removeTemporary();
  let placed: boolean;
  try {
    const db = new Database(temporary);
    try {
      db.pragma('synchronous = FULL');
      migrate(db, SERVER_MIGRATIONS);
      db.pragma('journal_mode = WAL');
    } finally {
      // Closing the last connection checkpoints and removes the WAL: the file alone is the database.
      db.close();
    }
    placed = placeNew(temporary, file);
  } finally {
    removeTemporary();
  }
  if (placed) syncDirectory(path.dirname(file));
  return placed;
}

/**
 * Puts the file `temporary` at `file` unless a file is there by now (made
 * by another server or migration starting at the same time, which may be
 * using it already): a hard link, which never replaces a file. Where the
 * file system has no hard links, a rename.
 */
function placeNew(temporary: string, file: string): boolean {
  try {
    fs.linkSync(temporary, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
  }
  if (fs.existsSync(file)) return false;
  fs.renameSync(temporary, file);
  return true;
}

/** Makes a new name in `dir` durable. */
function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens the database at `file` (made new only where there is no file) and migrates it. */
function openAndMigrate(file: string): { db: Database.Database; migration: ServerDbMigration } {
  if (!fs.existsSync(file) && createNew(file)) {
    return { db: openExisting(file, false).db, migration: { from: 0, to: SERVER_MIGRATIONS.length } };
  }
  return openExisting(file, false);
}

/** What openAndMigrate would find and do, with nothing created or changed. */
function inspect(file: string): ServerDbMigration {
  if (!fs.existsSync(file)) {
    refuseLeftovers(file);
    return { from: 0, to: 0 };
  }
  const { db, migration } = openExisting(file, true);
  db.close();
  return migration;
}

/** An error of opening `file` as the server reports it: a damaged file named with what to do about it. */
function openError(file: string, error: unknown): TollgateError {
  if (!isCorruption(error)) return asTollgateError(file, error);
  return new TollgateError(
    'store-corrupt',
    `${file} is damaged (${(error as Error).message}): restore it from a backup, or move it aside to start with an empty world`,
    { cause: error },
  );
}

/**
 * `tollgate server migrate`: opens the database at `file` exactly as a
 * server start does (a new file made whole; a damaged one, or one of a newer
 * release, refused with the same errors), migrates it and closes it. `dryRun`
 * runs the same checks, and creates and writes nothing. Tells the schema
 * version before and after.
 */
export function migrateServerDb(file: string, dryRun: boolean): ServerDbMigration {
  try {
    if (dryRun) return inspect(file);
    const { db, migration } = openAndMigrate(file);
    db.close();
    return migration;
  } catch (error) {
    throw openError(file, error);
  }
}

function toRow(r: ComputerRecord): ComputerRow {
  return {
    computerId: r.computer_id,
    tokenHash: r.token_hash,
    snapshotVersion: r.snapshot_version,
    settingsVersion: r.settings_version,
    viewHash: r.view_hash,
    settingsHash: r.settings_hash,
    ackedSnapshotVersion: r.acked_snapshot_version,
    ackedSettingsVersion: r.acked_settings_version,
    reportedAgentVersion: r.reported_agent_version,
    reportedTollgateVersion: r.reported_tollgate_version,
    reportedOs: OS_NAMES.find((os) => os === r.reported_os) ?? null,
    lastSeenMs: r.last_seen_ms,
    lastError: r.last_error,
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(db: Database.Database) {
  return {
    entities: db.prepare<[], EntityRow>('SELECT kind, id, seq, body FROM entities'),
    entitiesSince: db.prepare<[number], EntityRow>('SELECT kind, id, seq, body FROM entities WHERE revision > ?'),
    deletionsSince: db.prepare<[number], { kind: EntityKind; id: string }>(
      'SELECT kind, id FROM entity_deletions WHERE revision > ?',
    ),
    putEntity: db.prepare<[EntityRow & { revision: number }]>(
      `INSERT INTO entities (kind, id, seq, body, revision) VALUES (@kind, @id, @seq, @body, @revision)
       ON CONFLICT (kind, id) DO UPDATE SET seq = excluded.seq, body = excluded.body, revision = excluded.revision`,
    ),
    deleteEntity: db.prepare<[{ kind: EntityKind; id: string }]>(
      'DELETE FROM entities WHERE kind = @kind AND id = @id',
    ),
    logDeletion: db.prepare<[{ kind: EntityKind; id: string; revision: number }]>(
      `INSERT INTO entity_deletions (kind, id, revision) VALUES (@kind, @id, @revision)
       ON CONFLICT (kind, id) DO UPDATE SET revision = excluded.revision`,
    ),
    unlogDeletion: db.prepare<[{ kind: EntityKind; id: string }]>(
      'DELETE FROM entity_deletions WHERE kind = @kind AND id = @id',
    ),
    anyDeletion: db.prepare<[], { one: number }>('SELECT 1 AS one FROM entity_deletions LIMIT 1'),
    pruneDeletions: db.prepare<[number]>('DELETE FROM entity_deletions WHERE revision <= ?'),
    prunedThrough: db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'deletions_pruned_through'"),
    setPrunedThrough: db.prepare<[number]>(
      `INSERT INTO meta (key, value) VALUES ('deletions_pruned_through', ?)
       ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)`,
    ),
    entityKeys: db.prepare<[], { kind: EntityKind; id: string }>('SELECT kind, id FROM entities'),
    revision: db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'revision'"),
    setRevision: db.prepare<[number]>("UPDATE meta SET value = ? WHERE key = 'revision'"),
    computers: db.prepare<[], ComputerRecord>('SELECT * FROM computer_state'),
    computer: db.prepare<[string], ComputerRecord>('SELECT * FROM computer_state WHERE computer_id = ?'),
    computersSince: db.prepare<[number], ComputerRecord>('SELECT * FROM computer_state WHERE revision > ?'),
    // Versions are issued for thousands of computers in one commit (a global change): the parameters are
    // bound by position (not from an object per row), and a row that exists is updated without an insert tried first.
    updateVersions: db.prepare<[number, number, string, string, number, string]>(
      `UPDATE computer_state SET snapshot_version = ?, settings_version = ?, view_hash = ?, settings_hash = ?, revision = ?
       WHERE computer_id = ?`,
    ),
    putVersions: db.prepare<[string, number, number, string, string, number]>(
      `INSERT INTO computer_state (computer_id, snapshot_version, settings_version, view_hash, settings_hash, revision)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (computer_id) DO UPDATE SET
         snapshot_version = excluded.snapshot_version, settings_version = excluded.settings_version,
         view_hash = excluded.view_hash, settings_hash = excluded.settings_hash, revision = excluded.revision`,
    ),
    setToken: db.prepare<[Buffer, number, string]>(
      'UPDATE computer_state SET token_hash = ?, revision = ? WHERE computer_id = ?',
    ),
    setHello: db.prepare<[string, string | null, string, number, string]>(
      `UPDATE computer_state SET reported_agent_version = ?, reported_tollgate_version = ?, reported_os = ?,
         last_seen_ms = ?
       WHERE computer_id = ?`,
    ),
    setAck: db.prepare<[number, number, string | null, number, string]>(
      `UPDATE computer_state
       SET acked_snapshot_version = ?, acked_settings_version = ?, last_error = ?, last_seen_ms = ?
       WHERE computer_id = ?`,
    ),
    setLastSeen: db.prepare<[number, string]>('UPDATE computer_state SET last_seen_ms = ? WHERE computer_id = ?'),
    insertRequest: db.prepare<[RequestRow]>(
      `INSERT INTO approval_requests (id, computer_id, received_at_ms, status, body)
       VALUES (@id, @computerId, @receivedAtMs, @status, @body) ON CONFLICT (id) DO NOTHING`,
    ),
    updateRequest: db.prepare<[{ id: string; status: string; body: string; previousBody: string }]>(
      'UPDATE approval_requests SET status = @status, body = @body WHERE id = @id AND body = @previousBody',
    ),
    requestExists: db.prepare<[string]>('SELECT 1 FROM approval_requests WHERE id = ?'),
    // The decision's time is the last event of the request's history (JSON written by the server).
    pruneDecided: db.prepare<[number]>(
      `DELETE FROM approval_requests
       WHERE status IN ('approved', 'rejected')
         AND coalesce(CASE WHEN json_valid(body) THEN json_extract(body, '$.history[#-1].atMs') END, received_at_ms) < ?`,
    ),
    request: db.prepare<[string], { body: string }>('SELECT body FROM approval_requests WHERE id = ?'),
    pendingCount: db.prepare<[string], { n: number }>(
      "SELECT count(*) AS n FROM approval_requests WHERE computer_id = ? AND status = 'pending'",
    ),
    requests: db.prepare<[], { body: string }>('SELECT body FROM approval_requests ORDER BY seq'),
    requestSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM approval_requests WHERE id = ?'),
    // Two statements, so that a page of one status is read through the (status, seq) index.
    requestPage: db.prepare<[number, number], { body: string }>(
      'SELECT body FROM approval_requests WHERE seq > ? ORDER BY seq LIMIT ?',
    ),
    requestPageWithStatus: db.prepare<[string, number, number], { body: string }>(
      'SELECT body FROM approval_requests WHERE status = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    requestsWithStatus: db.prepare<[string], { body: string }>(
      'SELECT body FROM approval_requests WHERE status = ? ORDER BY seq',
    ),
  };
}

/** The rows written and deleted by one commit, and the versions it issues. */
export interface DbCommit {
  baseRevision: number;
  writes: readonly EntityRow[];
  deletes: readonly { kind: EntityKind; id: string }[];
  issued: readonly IssuedVersions[];
  request?: { id: string; status: string; body: string; previousBody: string };
}

/** A commit refused because the stored revision is not its base; nothing was written. */
export class StaleRevision extends Error {
  constructor(readonly storedRevision: number) {
    super(`stored revision ${storedRevision}`);
  }
}

/** The server database behind typed statements; every write is one durable transaction. */
export class ServerDb {
  private readonly db: Database.Database;
  private readonly file: string;
  private readonly stmt: Statements;
  private readonly commitTx: Database.Transaction<(commit: DbCommit) => number>;
  /** The device and inode of the file opened: a file removed or replaced since is not this database any more. */
  private readonly identity: { dev: number; ino: number } | null;

  private constructor(db: Database.Database, file: string, keepDeletionRevisions: number) {
    this.db = db;
    this.file = file;
    this.identity = fileIdentity(file);
    const stmt = prepareStatements(db);
    this.stmt = stmt;
    this.commitTx = db.transaction((commit: DbCommit) => {
      const stored = stmt.revision.get()?.value ?? 0;
      if (stored !== commit.baseRevision) throw new StaleRevision(stored);
      const revision = stored + 1;
      // A row written again leaves the deletion log; with nothing logged (an import into a new store) there is nothing to look up.
      const logged = stmt.anyDeletion.get() !== undefined;
      for (const row of commit.writes) {
        stmt.putEntity.run({ kind: row.kind, id: row.id, seq: row.seq, body: row.body, revision });
        if (logged) stmt.unlogDeletion.run({ kind: row.kind, id: row.id });
      }
      for (const key of commit.deletes) {
        if (stmt.deleteEntity.run(key).changes > 0) stmt.logDeletion.run({ kind: key.kind, id: key.id, revision });
      }
      // The deletions log is bounded: what is older than the revisions kept goes, and the mark says so.
      const through = revision - keepDeletionRevisions;
      if (through > 0 && stmt.pruneDeletions.run(through).changes > 0) stmt.setPrunedThrough.run(through);
      for (const v of commit.issued) {
        const { computerId, snapshotVersion, settingsVersion, viewHash, settingsHash } = v;
        if (
          stmt.updateVersions.run(snapshotVersion, settingsVersion, viewHash, settingsHash, revision, computerId)
            .changes === 0
        ) {
          stmt.putVersions.run(computerId, snapshotVersion, settingsVersion, viewHash, settingsHash, revision);
        }
      }
      const request = commit.request;
      if (request !== undefined && stmt.updateRequest.run(request).changes !== 1) {
        throw requestUpdateRefused(request.id, stmt.requestExists.get(request.id) !== undefined);
      }
      stmt.setRevision.run(revision);
      return revision;
    });
  }

  /**
   * Opens (creating and migrating if needed) the database at `file`. A
   * damaged file is refused, never replaced: the server's world and the
   * versions agents hold cannot be rebuilt, so an operator restores a backup.
   */
  static open(file: string, options: ServerDbOptions = {}): ServerDb {
    let db: Database.Database;
    try {
      db = openAndMigrate(file).db;
    } catch (error) {
      throw openError(file, error);
    }
    try {
      const keep = options.keepDeletionRevisions ?? SERVER_DB_DEFAULTS.keepDeletionRevisions;
      if (!Number.isSafeInteger(keep) || keep < 1) {
        throw new TollgateError('invalid-input', `keepDeletionRevisions: ${keep} is not a positive integer`);
      }
      return new ServerDb(db, file, keep);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * A readiness probe: a round trip to SQLite (`SELECT 1`) and a check that
   * the file opened is still at its path. A removed or replaced file (or its
   * directory gone) is 'storage-unavailable': what would be written now
   * could not be found again at the next start.
   */
  ping(): void {
    this.guard(() => this.db.prepare('SELECT 1').get());
    if (this.identity === null) return;
    const now = fileIdentity(this.file);
    if (now === null) {
      throw new TollgateError(STORAGE_UNAVAILABLE, `${this.file} is gone (removed, or its directory is)`);
    }
    if (now.dev !== this.identity.dev || now.ino !== this.identity.ino) {
      throw new TollgateError(STORAGE_UNAVAILABLE, `${this.file} was replaced by another file since it was opened`);
    }
  }

  /** The path of the database file. */
  get path(): string {
    return this.file;
  }

  /** The revision of the last commit (0 before the first). */
  revision(): number {
    return this.guard(() => this.stmt.revision.get()?.value ?? 0);
  }

  /** The revision, every entity row and every computer row, read in one transaction. */
  load(): { revision: number; entities: EntityRow[]; computers: ComputerRow[] } {
    return this.guard(() =>
      this.db.transaction(() => ({
        revision: this.stmt.revision.get()?.value ?? 0,
        entities: this.stmt.entities.all(),
        computers: this.stmt.computers.all().map(toRow),
      }))(),
    );
  }

  /**
   * What was committed after `revision`, read in one transaction. The
   * deletions after it, or, when some of them may have been pruned (a
   * revision at or below the pruned-through mark), `present`: the key of
   * every stored entity instead, from which the caller works out what it
   * holds that was deleted.
   */
  changesSince(revision: number): {
    revision: number;
    entities: EntityRow[];
    deletes: { kind: EntityKind; id: string }[];
    present: { kind: EntityKind; id: string }[] | null;
    computers: ComputerRow[];
  } {
    return this.guard(() =>
      this.db.transaction(() => {
        const pruned = revision < this.deletionsPrunedThroughNow();
        return {
          revision: this.stmt.revision.get()?.value ?? 0,
          entities: this.stmt.entitiesSince.all(revision),
          deletes: pruned ? [] : this.stmt.deletionsSince.all(revision),
          present: pruned ? this.stmt.entityKeys.all() : null,
          computers: this.stmt.computersSince.all(revision).map(toRow),
        };
      })(),
    );
  }

  /** The revision through which the deletions log was pruned (0: never): deletions at or below it may be gone. */
  deletionsPrunedThrough(): number {
    return this.guard(() => this.deletionsPrunedThroughNow());
  }

  private deletionsPrunedThroughNow(): number {
    return this.stmt.prunedThrough.get()?.value ?? 0;
  }

  /** Rows in the deletions log (at most the deletions of the last keepDeletionRevisions commits). */
  deletionLogRows(): number {
    return this.guard(
      () => this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM entity_deletions').get()?.n ?? 0,
    );
  }

  /** Every stored entity row, in no particular order. */
  entityRows(): EntityRow[] {
    return this.guard(() => this.stmt.entities.all());
  }

  /** The stored computer rows of `ids` (every computer when omitted). */
  computerRows(ids?: readonly string[]): ComputerRow[] {
    return this.guard(() => {
      if (ids === undefined) return this.stmt.computers.all().map(toRow);
      const rows: ComputerRow[] = [];
      for (const id of ids) {
        const record = this.stmt.computer.get(id);
        if (record !== undefined) rows.push(toRow(record));
      }
      return rows;
    });
  }

  /**
   * Writes and deletes world rows, records issued versions and an approval
   * request's new status, in one transaction at the next revision; throws
   * StaleRevision (nothing written) when the stored revision is not the
   * commit's base.
   */
  commitWorld(commit: DbCommit): number {
    return this.guard(() => this.commitTx.immediate(commit));
  }

  /** Replaces a computer's enrollment token hash, at the next revision. */
  setTokenHash(computerId: string, hash: Buffer): number {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const revision = (this.stmt.revision.get()?.value ?? 0) + 1;
          this.stmt.setToken.run(hash, revision, computerId);
          this.stmt.setRevision.run(revision);
          return revision;
        })
        .immediate(),
    );
  }

  /**
   * Runs `writes` in one immediate transaction (all or none): what agents
   * report (hellos, acknowledgements, last seen), gathered by the store.
   * Committed without waiting for the disk (synchronous = NORMAL for this
   * commit; the next fsync'd commit or checkpoint writes it through): an
   * agent says all of it again at its next connection, so a power cut can
   * lose such reports, never a version issued. The event loop does not wait
   * for a sync to disk per batch while thousands of agents acknowledge.
   */
  inTransaction(writes: () => void): void {
    this.guard(() => {
      this.db.pragma('synchronous = NORMAL');
      try {
        this.db.transaction(writes).immediate();
      } finally {
        this.db.pragma('synchronous = FULL');
      }
    });
  }

  /** Records what an agent said in its hello. */
  recordHello(computerId: string, hello: HelloReport): void {
    const { agentVersion, tollgateVersion, os, nowMs } = hello;
    this.guard(() => this.stmt.setHello.run(agentVersion, tollgateVersion, os, nowMs, computerId));
  }

  /** Records an agent's acknowledgement. */
  recordAck(
    computerId: string,
    ack: { snapshotVersion: number; settingsVersion: number; error: string | null; nowMs: number },
  ): void {
    this.guard(() => this.stmt.setAck.run(ack.snapshotVersion, ack.settingsVersion, ack.error, ack.nowMs, computerId));
  }

  /** Records when a computer was last heard from. */
  setLastSeen(computerId: string, nowMs: number): void {
    this.guard(() => this.stmt.setLastSeen.run(nowMs, computerId));
  }

  /** Inserts an approval request unless its id is stored already; returns whether it was inserted. */
  insertRequest(row: RequestRow): boolean {
    return this.guard(() => this.stmt.insertRequest.run(row)).changes === 1;
  }

  /** Replaces a stored request's status and body if its body is still `previousBody`; returns whether it did. */
  updateRequest(id: string, status: string, body: string, previousBody: string): boolean {
    return this.guard(() => this.stmt.updateRequest.run({ id, status, body, previousBody })).changes === 1;
  }

  /** Deletes the requests decided before `decidedBeforeMs` (see ServerStore.pruneDecidedRequests); returns how many. */
  pruneDecidedRequests(decidedBeforeMs: number): number {
    return this.guard(() => this.stmt.pruneDecided.run(decidedBeforeMs)).changes;
  }

  /** How many of a computer's requests are pending. */
  pendingRequestCount(computerId: string): number {
    return this.guard(() => this.stmt.pendingCount.get(computerId)?.n ?? 0);
  }

  /** The JSON body of one request, or undefined. */
  requestBody(id: string): string | undefined {
    return this.guard(() => this.stmt.request.get(id))?.body;
  }

  /** At most `limit` of requestBodies(status) after request `after`; null when `after` is not stored. */
  requestBodyPage(status: string | undefined, after: string | undefined, limit: number): string[] | null {
    return this.guard(() => {
      let from = 0;
      if (after !== undefined) {
        const row = this.stmt.requestSeq.get(after);
        if (row === undefined) return null;
        from = row.seq;
      }
      const rows =
        status === undefined
          ? this.stmt.requestPage.all(from, limit)
          : this.stmt.requestPageWithStatus.all(status, from, limit);
      return rows.map((row) => row.body);
    });
  }

  /** The JSON bodies of the stored requests in arrival order, optionally only those with a status. */
  requestBodies(status?: string): string[] {
    const rows = this.guard(() =>
      status === undefined ? this.stmt.requests.all() : this.stmt.requestsWithStatus.all(status),
    );
    return rows.map((row) => row.body);
  }

  /** Closes the database; later calls do nothing. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Test-only: makes later writes fail as on a full disk or a read-only file system (see simulateStorageFault). */
  simulateStorageFault(fault: StorageFault): void {
    simulateStorageFault(this.db, fault);
  }

  /** Runs a statement; a storage failure, or the database closed, is TollgateError 'storage-unavailable'. */
  private guard<T>(call: () => T): T {
    if (!this.db.open) throw new TollgateError(STORAGE_UNAVAILABLE, `${path.basename(this.file)} is closed`);
    return guardStorage(this.file, call);
  }
}

function asTollgateError(file: string, error: unknown): TollgateError {
  if (error instanceof TollgateError) return error;
  return new TollgateError('store-unavailable', `cannot open ${file}: ${(error as Error).message}`, { cause: error });
}

/** A file's device and inode, or null when it cannot be read (an in-memory database; a file gone). */
function fileIdentity(file: string): { dev: number; ino: number } | null {
  try {
    const info = fs.statSync(file);
    return { dev: info.dev, ino: info.ino };
  } catch {
    return null;
  }
}
