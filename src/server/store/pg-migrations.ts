/**
 * The PostgreSQL schema of the policy server as numbered, forward-only steps,
 * recorded in `tollgate_migrations` of the configured schema. Migrating takes
 * a session advisory lock, so that instances starting at once apply each step
 * once; a step and its record commit in one transaction. What the role may
 * do is read first: a role that may not create the schema, or the tables in
 * it, is refused before anything is changed.
 */
import type pg from 'pg';
import { TollgateError } from '../../engine/errors.js';

/** One step of the schema: step N brings the schema from version N-1 to N. Append new steps; never edit one released. */
export interface PgMigration {
  description: string;
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    description: 'world revision, entities, deletions log, computer state, instances, approval requests',
    sql: `
    -- The revision of the world: bumped by every commit of the world or of the
    -- versions it issues (one row; commits lock it FOR UPDATE).
    CREATE TABLE world_revision (
      id       INTEGER PRIMARY KEY CHECK (id = 1),
      revision BIGINT  NOT NULL
    );
    INSERT INTO world_revision (id, revision) VALUES (1, 0);

    -- The world: one row per entity (as the SQLite entities table), with the
    -- revision that last wrote it.
    CREATE TABLE entities (
      kind     TEXT    NOT NULL,
      id       TEXT    NOT NULL,
      seq      INTEGER NOT NULL,
      body     TEXT    NOT NULL,
      revision BIGINT  NOT NULL,
      PRIMARY KEY (kind, id)
    );
    CREATE INDEX entities_by_revision ON entities (revision);

    -- Entity rows deleted, with the revision that deleted them: what other
    -- instances catch up on. A key is here or in entities, never both.
    CREATE TABLE entity_deletions (
      kind     TEXT   NOT NULL,
      id       TEXT   NOT NULL,
      revision BIGINT NOT NULL,
      PRIMARY KEY (kind, id)
    );
    CREATE INDEX entity_deletions_by_revision ON entity_deletions (revision);

    -- One row per computer that has ever been in the world; revision is the
    -- one that last issued its versions or set its token.
    CREATE TABLE computer_state (
      computer_id            TEXT   PRIMARY KEY,
      token_hash             BYTEA,
      snapshot_version       BIGINT NOT NULL,
      settings_version       BIGINT NOT NULL,
      view_hash              TEXT   NOT NULL,
      settings_hash          TEXT   NOT NULL,
      acked_snapshot_version BIGINT NOT NULL DEFAULT 0,
      acked_settings_version BIGINT NOT NULL DEFAULT 0,
      reported_agent_version TEXT,
      reported_os            TEXT,
      last_seen_ms           BIGINT,
      last_error             TEXT,
      revision               BIGINT NOT NULL,
      connected_instance     TEXT
    );
    CREATE INDEX computer_state_by_revision ON computer_state (revision);

    -- The server instances running on this schema: each beats here while it
    -- runs; an agent counts as connected to another instance only while that
    -- instance's beat is recent (computer_state.connected_instance).
    CREATE TABLE instances (
      instance_id  TEXT        PRIMARY KEY,
      started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
      heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );

    -- Approval requests in arrival order (seq), whichever instance received them.
    CREATE TABLE approval_requests (
      seq            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id             TEXT    NOT NULL UNIQUE,
      computer_id    TEXT    NOT NULL,
      received_at_ms BIGINT  NOT NULL,
      status         TEXT    NOT NULL,
      body           TEXT    NOT NULL
    );
    CREATE INDEX approval_requests_by_status ON approval_requests (status, seq);
    CREATE INDEX approval_requests_by_computer ON approval_requests (computer_id, status);
    `,
  },
  {
    description: 'deletions log pruned up to what every running instance has read',
    sql: `
    -- The revision of the world each instance has read up to (recorded with
    -- its beat): deletions at or below the lowest among running instances
    -- are needed by none of them and are deleted.
    ALTER TABLE instances ADD COLUMN seen_revision BIGINT NOT NULL DEFAULT 0;
    -- The highest revision whose deletions may have been deleted: a catch-up
    -- from below it cannot read them and works out what was deleted from
    -- the keys that remain instead.
    ALTER TABLE world_revision ADD COLUMN deletions_pruned_through BIGINT NOT NULL DEFAULT 0;
    `,
  },
  {
    description: 'the tollgate version each agent reported',
    sql: `
    -- The tollgate version each agent reported in its last hello (Hello.tollgate_version); null when it sent none.
    ALTER TABLE computer_state ADD COLUMN reported_tollgate_version TEXT;
    `,
  },
];

/** The first key of the two-key advisory lock migrations take (the second is the schema's hash). */
const MIGRATION_LOCK_CLASS = 0x746f6c6c; // 'toll'

/** A schema name tollgate accepts: an unquoted lower-case PostgreSQL identifier. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** One step as the migrate command reports it. */
export interface MigrationStep {
  version: number;
  description: string;
}

/** What migrating did (or, dry, would do). */
export interface MigrationReport {
  /** The schema version before. */
  from: number;
  /** The schema version after (dry: still `from`). */
  to: number;
  /** The steps applied (dry: the steps pending). */
  steps: MigrationStep[];
}

function quoted(schema: string): string {
  return `"${schema}"`;
}

/** SQLSTATE 42501 (insufficient_privilege): the role tollgate connects as may not do what a statement asks. */
export const INSUFFICIENT_PRIVILEGE = '42501';

/** Whether `error` is PostgreSQL's refusal of a statement for a privilege the role lacks. */
export function isInsufficientPrivilege(error: unknown): error is Error & { code: string } {
  return error instanceof Error && (error as { code?: unknown }).code === INSUFFICIENT_PRIVILEGE;
}

/** How messages name the role tollgate connects as (never by its name: messages never name the user). */
export const THE_ROLE = 'the role of store.url';

/** What the role needs, as messages say it. */
export const PRIVILEGES_NEEDED =
  'USAGE on the schema and SELECT, INSERT, UPDATE and DELETE on its tables (to migrate it, also CREATE on the ' +
  'schema and ownership of its tables)';

/** A store the role cannot open or migrate for lack of a privilege (exit 2, as a damaged or unreadable store). */
function privilegeMissing(message: string, cause?: unknown): TollgateError {
  return new TollgateError('store-unavailable', message, cause === undefined ? undefined : { cause });
}

/** What the role may do where the schema is (read before anything is changed). */
interface SchemaAccess {
  database: string;
  /** Whether the schema exists. */
  present: boolean;
  /** CREATE on the database: the right to create the schema. */
  createInDatabase: boolean;
  /** USAGE on the schema: the right to see what is in it. */
  usage: boolean;
  /** CREATE on the schema: the right to create tables and indexes in it. */
  createInSchema: boolean;
}

async function schemaAccess(client: pg.ClientBase, schema: string): Promise<SchemaAccess> {
  const result = await client.query<{
    database: string;
    present: boolean;
    create_in_database: boolean;
    usage: boolean;
    create_in_schema: boolean;
  }>(
    `SELECT current_database() AS database,
            n.oid IS NOT NULL AS present,
            has_database_privilege(current_database(), 'CREATE') AS create_in_database,
            coalesce(has_schema_privilege(n.oid, 'USAGE'), false) AS usage,
            coalesce(has_schema_privilege(n.oid, 'CREATE'), false) AS create_in_schema
       FROM (SELECT 1) AS one LEFT JOIN pg_namespace n ON n.nspname = $1`,
    [schema],
  );
  const row = result.rows[0] as (typeof result.rows)[number];
  return {
    database: row.database,
    present: row.present,
    createInDatabase: row.create_in_database,
    usage: row.usage,
    createInSchema: row.create_in_schema,
  };
}

/**
 * Refuses, naming the database, the schema and the privilege, a role that
 * may not create the missing schema (CREATE on the database) or see into
 * the one there (USAGE on it). Nothing is changed.
 */
function refuseNoAccess(where: string, schema: string, access: SchemaAccess): void {
  if (!access.present && !access.createInDatabase) {
    throw privilegeMissing(
      `${where}: schema "${schema}" does not exist and ${THE_ROLE} may not create it (it lacks the CREATE ` +
        `privilege on database "${access.database}"): create the schema for that role ` +
        `(CREATE SCHEMA ${schema} AUTHORIZATION role), or grant it CREATE on the database; nothing was changed`,
    );
  }
  if (access.present && !access.usage) {
    throw privilegeMissing(
      `${where}, schema "${schema}": ${THE_ROLE} lacks the USAGE privilege on the schema: make that role the ` +
        `schema's owner, or grant it USAGE (and CREATE, for schema steps) on it; nothing was changed`,
    );
  }
}

/** Refuses a role that may not create tables in the schema while steps are pending (CREATE on it). Nothing is changed. */
function refuseNoCreate(where: string, schema: string, access: SchemaAccess, pending: number): void {
  if (!access.present || access.createInSchema || pending === 0) return;
  throw privilegeMissing(
    `${where}, schema "${schema}": ${THE_ROLE} lacks the CREATE privilege on the schema, needed to apply ` +
      `${pending} pending schema step(s): grant it CREATE on the schema, or run tollgate server migrate as the ` +
      `schema's owner; nothing was changed`,
  );
}

/** The schema version recorded in `schema`, 0 when it has no migrations table (or does not exist). */
async function currentVersion(client: pg.ClientBase, schema: string): Promise<number> {
  const table = await client.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [
    `${quoted(schema)}.tollgate_migrations`,
  ]);
  if (table.rows[0]?.present !== true) return 0;
  const result = await client.query<{ version: number | null }>(
    `SELECT max(version) AS version FROM ${quoted(schema)}.tollgate_migrations`,
  );
  return result.rows[0]?.version ?? 0;
}

function tooNew(schema: string, version: number, known: number): TollgateError {
  return new TollgateError(
    'store-too-new',
    `PostgreSQL schema "${schema}" is at version ${version}, newer than this server's (${known})`,
  );
}

/** What a relation kind of pg_class is called in a message. */
const RELATION_KINDS: Readonly<Record<string, string>> = {
  r: 'table',
  p: 'table',
  i: 'index',
  I: 'index',
  S: 'sequence',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
  c: 'type',
};

/** The tables, indexes and other relations a step creates by name (what would collide with one already there). */
export function namesCreated(sql: string): string[] {
  const statements = sql.replace(/--[^\n]*/g, '');
  const names = [
    ...statements.matchAll(
      /\bCREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|SEQUENCE|VIEW|MATERIALIZED\s+VIEW|TYPE)\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/gi,
    ),
  ].map((match) => (match[1] as string).toLowerCase());
  return [...new Set(names)];
}

/**
 * Refuses `schema` when it already holds a relation or type of a name that a
 * step after version `from` creates and none up to it did: another
 * application's, on which the step would fail halfway. Nothing is changed.
 */
async function refuseNamesInTheWay(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly PgMigration[],
  from: number,
): Promise<void> {
  const made = new Set(migrations.slice(0, from).flatMap((migration) => namesCreated(migration.sql)));
  const names = migrations
    .slice(from)
    .flatMap((migration) => namesCreated(migration.sql))
    .filter((name) => !made.has(name));
  if (names.length === 0) return;
  const found = await client.query<{ name: string; kind: string }>(
    `SELECT c.relname AS name, c.relkind::text AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2::text[])
     UNION ALL
     SELECT t.typname AS name, 'c' AS kind
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 AND t.typname = ANY($2::text[]) AND t.typrelid = 0
     ORDER BY name`,
    [schema, names],
  );
  if (found.rows.length === 0) return;
  const inTheWay = [...new Set(found.rows.map((row) => `${RELATION_KINDS[row.kind] ?? 'relation'} ${row.name}`))];
  throw new TollgateError(
    'store-corrupt',
    `PostgreSQL schema "${schema}" holds ${inTheWay.join(', ')}, not made by tollgate, where tollgate's ` +
      `schema puts its own: use a schema of tollgate's own (store.schema), or move ` +
      `${inTheWay.length === 1 ? 'it' : 'them'} out of this one; nothing was changed`,
  );
}

/**
 * Brings `schema` up to the newest step on `client` (created when missing),
 * under an advisory lock held for the whole run: a second instance waits, then
 * finds nothing left to do. `dryRun` only lists the pending steps. A role
 * that lacks a privilege the run needs is refused, dry or not, with
 * TollgateError 'store-unavailable' naming `where` (the database), the
 * schema and the privilege.
 */
export async function migratePg(
  client: pg.ClientBase,
  schema: string,
  options: { dryRun?: boolean; migrations?: readonly PgMigration[]; where?: string } = {},
): Promise<MigrationReport> {
  const migrations = options.migrations ?? PG_MIGRATIONS;
  const where = options.where ?? 'PostgreSQL';
  if (!SCHEMA_NAME.test(schema)) throw new TollgateError('invalid-input', `schema "${schema}" is not a valid name`);
  const stepsFrom = (from: number): MigrationStep[] =>
    migrations.slice(from).map((m, i) => ({ version: from + i + 1, description: m.description }));
  /** What is being done, for a refusal PostgreSQL gives that the checks did not foresee (a table of another owner). */
  let doing = 'reading the schema';
  /**
   * The schema's version, refused when newer than this release's, when what its steps create is in the way,
   * or when the role may not do what the steps pending need.
   */
  const checked = async (): Promise<{ from: number; access: SchemaAccess }> => {
    const access = await schemaAccess(client, schema);
    refuseNoAccess(where, schema, access);
    const from = access.present ? await currentVersion(client, schema) : 0;
    if (from > migrations.length) throw tooNew(schema, from, migrations.length);
    if (access.present) await refuseNamesInTheWay(client, schema, migrations, from);
    refuseNoCreate(where, schema, access, migrations.length - from);
    return { from, access };
  };
  const run = async (): Promise<MigrationReport> => {
    if (options.dryRun === true) {
      const { from } = await checked();
      return { from, to: from, steps: stepsFrom(from) };
    }
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
    try {
      // Checked before the schema or the migrations table is created: a schema refused is left as it was.
      const { access } = await checked();
      // Created only when missing: even with IF NOT EXISTS, PostgreSQL asks for the privilege to create what is
      // there already, which a role that was given its schema (or, with no step pending, only the use of its
      // tables) does not have.
      if (!access.present) {
        doing = 'creating the schema';
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted(schema)}`);
      }
      const table = await client.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [
        `${quoted(schema)}.tollgate_migrations`,
      ]);
      if (table.rows[0]?.present !== true) {
        doing = 'creating tollgate_migrations';
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${quoted(schema)}.tollgate_migrations (
             version     INTEGER     PRIMARY KEY,
             description TEXT        NOT NULL,
             applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
           )`,
        );
      }
      doing = 'reading the schema';
      const from = await currentVersion(client, schema);
      if (from > migrations.length) throw tooNew(schema, from, migrations.length);
      const steps = stepsFrom(from);
      for (const step of steps) {
        const migration = migrations[step.version - 1] as PgMigration;
        doing = `applying schema step ${step.version} (${step.description})`;
        await client.query('BEGIN');
        try {
          await client.query(`SET LOCAL search_path TO ${quoted(schema)}`);
          await client.query(migration.sql);
          await client.query(`INSERT INTO tollgate_migrations (version, description) VALUES ($1, $2)`, [
            step.version,
            step.description,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
      return { from, to: from + steps.length, steps };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]).catch(() => {
        // A broken connection released the lock with the session.
      });
    }
  };
  try {
    return await run();
  } catch (error) {
    if (!isInsufficientPrivilege(error)) throw error;
    throw privilegeMissing(
      `${where}, schema "${schema}": ${doing} was refused: ${error.message} (${INSUFFICIENT_PRIVILEGE}): ` +
        `${THE_ROLE} needs ${PRIVILEGES_NEEDED}`,
      error,
    );
  }
}
