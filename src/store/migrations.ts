import type Database from 'better-sqlite3';
import { TollgateError } from '../engine/errors.js';

/**
 * The agent store's schema as numbered steps: step N (1-based) brings a
 * database from `PRAGMA user_version` N-1 to N. Append new steps; never edit
 * a released one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  -- Signed snapshots exactly as received. Exactly one row is active (the
  -- newest); the others are kept previous snapshots.
  CREATE TABLE snapshots (
    version       INTEGER PRIMARY KEY,
    bytes         BLOB    NOT NULL,
    applied_at_ms INTEGER NOT NULL,
    active        INTEGER NOT NULL CHECK (active IN (0, 1))
  ) STRICT;
  CREATE UNIQUE INDEX snapshots_one_active ON snapshots (active) WHERE active = 1;

  -- Settings pushed by admins: only the current one is kept.
  CREATE TABLE settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    version       INTEGER NOT NULL,
    bytes         BLOB    NOT NULL,
    applied_at_ms INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  -- Append-only decision log; seq is the insertion order.
  CREATE TABLE decisions (
    seq         INTEGER PRIMARY KEY,
    at_ms       INTEGER NOT NULL,
    computer_id TEXT    NOT NULL,
    request     TEXT    NOT NULL,
    decision    TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    policy      TEXT
  ) STRICT;

  -- Approval requests waiting to be sent.
  CREATE TABLE outbox (
    id            TEXT    PRIMARY KEY,
    payload       BLOB    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE INDEX outbox_by_age ON outbox (created_at_ms);

  -- Ids already delivered, so that a re-enqueue of the same id is ignored.
  CREATE TABLE outbox_delivered (
    seq INTEGER PRIMARY KEY,
    id  TEXT    NOT NULL UNIQUE
  ) STRICT;
  `,
  `
  -- A snapshot's bytes in parts (snapshots.parts of them, seq 0, 1, ...):
  -- SQLite copies a value whole when it writes or reads it, so a large
  -- snapshot stored as one value costs that much memory two or three times
  -- over. Rows written before this step keep their bytes in snapshots.bytes
  -- (parts = 0); later rows leave it empty.
  ALTER TABLE snapshots ADD COLUMN parts INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE snapshot_parts (
    version INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    bytes   BLOB    NOT NULL,
    PRIMARY KEY (version, seq)
  ) STRICT;
  `,
  `
  -- A snapshot version reached by a signed delta: its parts hold the
  -- resulting view's encoding (a ComputerView, not a SignedSnapshot) and
  -- delta the SignedDelta whose signed view hash covers it. NULL for a
  -- signed snapshot stored as received.
  ALTER TABLE snapshots ADD COLUMN delta BLOB;
  `,
  `
  -- What a warm start needs of a snapshot version without reading its
  -- bytes: the SHA-256 of the stored bytes (its compiled view image, a file
  -- <db>.images/<sha256>.img, is bound to it), the id of the key that
  -- verified it, its header fields and its view hash (wire/delta.ts). NULL
  -- in rows written before this step: such a row is read, verified and
  -- compiled once, and then filled in.
  ALTER TABLE snapshots ADD COLUMN sha256 BLOB;
  ALTER TABLE snapshots ADD COLUMN key_id TEXT;
  ALTER TABLE snapshots ADD COLUMN issued_at_ms INTEGER;
  ALTER TABLE snapshots ADD COLUMN settings_version INTEGER;
  ALTER TABLE snapshots ADD COLUMN view_hash BLOB;
  `,
];

/**
 * Applies the steps of `migrations` the database has not seen yet, each in its
 * own transaction together with the `user_version` bump. Throws
 * TollgateError 'store-too-new' for a database written by a newer schema.
 */
export function migrate(db: Database.Database, migrations: readonly string[] = MIGRATIONS): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new TollgateError(
      'store-too-new',
      `database schema version ${current} is newer than this agent's (${migrations.length})`,
    );
  }
  migrations.slice(current).forEach((step, index) => {
    const version = current + index + 1;
    db.transaction(() => {
      db.exec(step);
      db.pragma(`user_version = ${version}`);
    })();
  });
}
