// `tollgate server migrate`: the configured store's schema brought up to date
// once and reported, --dry-run listing what is pending and changing nothing,
// for SQLite (the data directory's server.db) and the real PostgreSQL. A
// store a server start refuses is refused by both alike, with the same
// message, and left as it was; so is a PostgreSQL role that lacks a privilege
// the run needs (a real role of the test's own), by one line naming the
// database, the schema and the privilege.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SERVER_MIGRATIONS } from '../../src/server/server-db.js';
import { PG_MIGRATIONS, namesCreated } from '../../src/server/store/pg-migrations.js';
import { CLI, cli } from '../support/daemon-process.js';
import { describePgUrl } from '../../src/server/store/pg-store.js';
import { createTestRole, freshSchemaName, pgQuery, TEST_PG_URL, type TestRole } from '../support/postgres.js';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-migrate-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function config(store?: object): string {
  const file = path.join(dir, 'server.json');
  fs.writeFileSync(
    file,
    JSON.stringify({ dataDir: path.join(dir, 'data'), ...(store === undefined ? {} : { store }) }),
  );
  return file;
}

/** Runs `tollgate ARGS` as a process of its own. */
function tollgate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

/** A server database of the first `version` steps, in WAL mode as a server leaves it, closed. */
function databaseAt(file: string, version: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  for (const [i, step] of SERVER_MIGRATIONS.slice(0, version).entries()) {
    db.exec(step);
    db.pragma(`user_version = ${i + 1}`);
  }
  db.close();
}

/** The files of the data directory that belong to server.db (its WAL and shared memory file included). */
function databaseFiles(): string[] {
  return fs
    .readdirSync(path.join(dir, 'data'))
    .filter((name) => name.startsWith('server.db'))
    .sort();
}

describe('tollgate server migrate (SQLite)', () => {
  it('lists the steps of a new database on a dry run without creating it, then creates and migrates it once', async () => {
    const file = config();
    const db = path.join(dir, 'data', 'server.db');
    const dry = await cli(['server', 'migrate', '--config', file, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`schema version 0, ${SERVER_MIGRATIONS.length} step(s) pending`);
    expect(fs.existsSync(db)).toBe(false);

    const done = await cli(['server', 'migrate', '--config', file]);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`schema version 0 -> ${SERVER_MIGRATIONS.length}, applied:`);
    expect(done.stdout).toContain('  1  The world');
    const opened = new Database(db, { readonly: true });
    expect(opened.pragma('user_version', { simple: true })).toBe(SERVER_MIGRATIONS.length);
    opened.close();

    const again = await cli(['server', 'migrate', '--config', file]);
    expect(again.stdout).toContain(`schema version ${SERVER_MIGRATIONS.length} is up to date`);
  });

  it('refuses a database written by a newer release and leaves it as it is, as a server start does', async () => {
    const file = config();
    await cli(['server', 'migrate', '--config', file]);
    const db = path.join(dir, 'data', 'server.db');
    const raw = new Database(db);
    raw.pragma('user_version = 99');
    raw.close();
    const before = fs.readFileSync(db);
    const expected = `error: ${db} has schema version 99, newer than this server's (${SERVER_MIGRATIONS.length})\n`;
    for (const args of [['migrate'], ['migrate', '--dry-run'], ['public-key']]) {
      const result = await cli(['server', ...args, '--config', file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(expected);
    }
    expect(fs.readFileSync(db).equals(before)).toBe(true);
  });

  it('a dry run on a database behind lists its pending steps and changes no byte of it', async () => {
    const file = config();
    const db = path.join(dir, 'data', 'server.db');
    databaseAt(db, 1);
    const before = fs.readFileSync(db);
    const dry = await cli(['server', 'migrate', '--config', file, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`schema version 1, ${SERVER_MIGRATIONS.length - 1} step(s) pending:`);
    expect(fs.readFileSync(db).equals(before)).toBe(true);
    expect(databaseFiles()).toEqual(['server.db']);
  });

  /** A whole server database at the current schema version, with a row in it; its bytes. */
  function goodDatabase(): Buffer {
    const scratch = path.join(dir, 'scratch.db');
    databaseAt(scratch, SERVER_MIGRATIONS.length);
    const db = new Database(scratch);
    db.prepare("INSERT INTO entities (kind, id, seq, body) VALUES ('policy', 'p', 0, ?)").run('x'.repeat(20_000));
    db.close();
    const bytes = fs.readFileSync(scratch);
    fs.rmSync(scratch);
    return bytes;
  }

  const damaged: [string, (db: string) => void, RegExp][] = [
    ['a text file', (db) => fs.writeFileSync(db, 'this is not a database\n'.repeat(10)), /is damaged/],
    ['the first 100 bytes of a database', (db) => fs.writeFileSync(db, goodDatabase().subarray(0, 100)), /is damaged/],
    [
      'the first 8192 bytes of a database',
      (db) => fs.writeFileSync(db, goodDatabase().subarray(0, 8192)),
      /is damaged/,
    ],
    [
      'a database whose pages after the first fail quick_check',
      (db) => {
        const bytes = goodDatabase();
        bytes.fill(0x5a, 4096);
        fs.writeFileSync(db, bytes);
      },
      /is damaged \(quick_check failed/,
    ],
    ['an empty (0-byte) file', (db) => fs.writeFileSync(db, ''), /is damaged \(the file is empty \(0 bytes\)\)/],
    ['a directory', (db) => fs.mkdirSync(db), /cannot open .*server\.db: it is a directory/],
  ];

  it.each(damaged)(
    'refuses %s as a server start does, naming the file, exit 2, dry or not, and leaves it as it was',
    async (_name, make, why) => {
      const file = config();
      const db = path.join(dir, 'data', 'server.db');
      fs.mkdirSync(path.dirname(db), { recursive: true });
      make(db);
      const before = fs.statSync(db).isFile() ? fs.readFileSync(db) : null;
      // What a server start says of it (public-key opens the server's state as a start does).
      const start = await tollgate(['server', 'public-key', '--config', file]);
      expect(start.code).toBe(2);
      expect(start.stderr).toMatch(why);
      for (const dry of [[], ['--dry-run']]) {
        const result = await tollgate(['server', 'migrate', '--config', file, ...dry]);
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toBe(start.stderr);
        expect(result.stderr).toContain(db);
        expect(result.stderr).not.toContain('    at ');
      }
      if (before !== null) expect(fs.readFileSync(db).equals(before)).toBe(true);
      expect(databaseFiles()).toEqual(['server.db']);
    },
  );

  it('a dry run refuses a missing server.db whose WAL is left, as the run does', async () => {
    const file = config();
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'server.db-wal'), 'left over');
    for (const dry of [['--dry-run'], []]) {
      const result = await cli(['server', 'migrate', '--config', file, ...dry]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/server\.db-wal is there/);
    }
    expect(databaseFiles()).toEqual(['server.db-wal']);
  });

  it('migrations run at once apply each step once, none sees damage, and each reports only what it applied', async () => {
    // A run reading the version apart from the schema would find damage that is not there (the schema read
    // after another run's step), and one deciding its steps before it holds the write lock would fail on a
    // table another run made, or report steps another run applied: some round of these would show it.
    const rounds = 5;
    const runs = 6;
    const file = config();
    const db = path.join(dir, 'data', 'server.db');
    const latest = SERVER_MIGRATIONS.length;
    for (let round = 0; round < rounds; round++) {
      fs.rmSync(path.join(dir, 'data'), { recursive: true, force: true });
      databaseAt(db, 1);
      const results = await Promise.all(
        Array.from({ length: runs }, () => tollgate(['server', 'migrate', '--config', file])),
      );
      for (const result of results) {
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
      }
      const firstLines = results.map((result) => result.stdout.split('\n')[0]);
      expect(firstLines.filter((line) => line === `${db}: schema version 1 -> ${latest}, applied:`)).toHaveLength(1);
      expect(firstLines.filter((line) => line === `${db}: schema version ${latest} is up to date`)).toHaveLength(
        runs - 1,
      );
    }
    const after = await cli(['server', 'migrate', '--config', file, '--dry-run']);
    expect(after.stdout).toBe(`${db}: schema version ${latest} is up to date\n`);
  }, 240_000);

  it('migrations run at once where there is no database make one, once', async () => {
    // A new database is put in place only where no file is, never over one another run made (and may be using).
    const file = config();
    const db = path.join(dir, 'data', 'server.db');
    const latest = SERVER_MIGRATIONS.length;
    for (let round = 0; round < 3; round++) {
      fs.rmSync(path.join(dir, 'data'), { recursive: true, force: true });
      const results = await Promise.all(
        Array.from({ length: 6 }, () => tollgate(['server', 'migrate', '--config', file])),
      );
      for (const result of results) expect(result.code).toBe(0);
      const firstLines = results.map((result) => result.stdout.split('\n')[0]);
      expect(firstLines.filter((line) => line === `${db}: schema version 0 -> ${latest}, applied:`)).toHaveLength(1);
      expect(databaseFiles()).toEqual(['server.db']);
    }
  }, 240_000);

  it('needs --config', async () => {
    const result = await cli(['server', 'migrate']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('server migrate needs --config');
  });
});

describe('tollgate server migrate (PostgreSQL)', () => {
  let schema: string;

  beforeEach(() => {
    schema = freshSchemaName();
  });

  afterEach(async () => {
    await pgQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  it('dry run lists the pending steps, the run applies them once, a second run has nothing to do', async () => {
    const file = config({ kind: 'postgres', url: TEST_PG_URL, schema });
    const dry = await cli(['server', 'migrate', '--config', file, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`schema ${schema}: schema version 0, ${PG_MIGRATIONS.length} step(s) pending`);
    expect((await pgQuery('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount).toBe(0);

    const done = await cli(['server', 'migrate', '--config', file]);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`schema version 0 -> ${PG_MIGRATIONS.length}, applied:`);
    const recorded = await pgQuery(`SELECT version FROM "${schema}".tollgate_migrations`);
    expect(recorded.rowCount).toBe(PG_MIGRATIONS.length);

    const again = await cli(['server', 'migrate', '--config', file]);
    expect(again.stdout).toContain('is up to date');
  });

  it('refuses a schema holding a table of the name tollgate would create, before changing anything, dry or not', async () => {
    await pgQuery(`CREATE SCHEMA "${schema}"`);
    await pgQuery(`CREATE TABLE "${schema}".entities (x INTEGER)`);
    const file = config({ kind: 'postgres', url: TEST_PG_URL, schema });
    const expected = new RegExp(`^error: PostgreSQL schema "${schema}" holds table entities, not made by tollgate`);
    for (const args of [['migrate', '--dry-run'], ['migrate'], ['public-key']]) {
      const result = await cli(['server', ...args, '--config', file]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(expected);
    }
    const left = await pgQuery(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
      [schema],
    );
    expect(left.rows.map((row: { relname: string }) => row.relname)).toEqual(['entities']);
  });

  it('what the steps create is known by name', () => {
    expect(namesCreated(PG_MIGRATIONS[0]?.sql ?? '').sort()).toEqual(
      [
        'approval_requests',
        'approval_requests_by_computer',
        'approval_requests_by_status',
        'computer_state',
        'computer_state_by_revision',
        'entities',
        'entities_by_revision',
        'entity_deletions',
        'entity_deletions_by_revision',
        'instances',
        'world_revision',
      ].sort(),
    );
    expect(PG_MIGRATIONS.slice(1).flatMap((step) => namesCreated(step.sql))).toEqual([]);
  });

  it('an unreachable database is reported naming its host and port', async () => {
    const file = config({
      kind: 'postgres',
      url: 'postgres://postgres@127.0.0.1:1/test',
      schema,
      connectTimeoutMs: 2000,
    });
    const result = await cli(['server', 'migrate', '--config', file]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/PostgreSQL at 127\.0\.0\.1:1\/test cannot be used/);
  });
});

describe('tollgate server migrate (PostgreSQL, a role without privileges)', () => {
  let role: TestRole;
  const schemas: string[] = [];
  const where = describePgUrl(TEST_PG_URL);
  const database = new URL(TEST_PG_URL).pathname.slice(1);

  beforeEach(async () => {
    role = await createTestRole();
  });

  afterEach(async () => {
    for (const schema of schemas.splice(0)) await pgQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await role.drop();
  });

  function newSchema(): string {
    const schema = freshSchemaName();
    schemas.push(schema);
    return schema;
  }

  /** The relations in `schema`, by name. */
  async function relations(schema: string): Promise<string[]> {
    const found = await pgQuery(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
      [schema],
    );
    return found.rows.map((row: { relname: string }) => row.relname).sort();
  }

  /** Runs a migration, a dry run and a server's opening of the store: each refused with `expected`, exit 2. */
  async function expectRefused(file: string, expected: string): Promise<void> {
    for (const args of [['migrate', '--dry-run'], ['migrate'], ['public-key']]) {
      const result = await cli(['server', ...args, '--config', file]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`error: ${expected}\n`);
    }
  }

  it('a role that may not create the schema, see into it or create tables in it is refused before anything changes', async () => {
    const missing = newSchema();
    const file = config({ kind: 'postgres', url: role.url, schema: missing });
    await expectRefused(
      file,
      `${where}: schema "${missing}" does not exist and the role of store.url may not create it (it lacks the ` +
        `CREATE privilege on database "${database}"): create the schema for that role (CREATE SCHEMA ${missing} ` +
        `AUTHORIZATION role), or grant it CREATE on the database; nothing was changed`,
    );
    expect((await pgQuery('SELECT 1 FROM pg_namespace WHERE nspname = $1', [missing])).rowCount).toBe(0);
    // A server start, as a process: the one line, no stack trace, exit 2.
    const started = await tollgate(['server', '--config', file]);
    expect(started.code).toBe(2);
    expect(started.stderr).toBe(
      `error: ${where}: schema "${missing}" does not exist and the role of store.url may not create it (it lacks ` +
        `the CREATE privilege on database "${database}"): create the schema for that role (CREATE SCHEMA ` +
        `${missing} AUTHORIZATION role), or grant it CREATE on the database; nothing was changed\n`,
    );

    const shared = newSchema();
    await pgQuery(`CREATE SCHEMA "${shared}"`);
    await pgQuery(`GRANT USAGE ON SCHEMA "${shared}" TO "${role.name}"`);
    const sharedFile = config({ kind: 'postgres', url: role.url, schema: shared });
    await expectRefused(
      sharedFile,
      `${where}, schema "${shared}": the role of store.url lacks the CREATE privilege on the schema, needed to ` +
        `apply ${PG_MIGRATIONS.length} pending schema step(s): grant it CREATE on the schema, or run tollgate ` +
        `server migrate as the schema's owner; nothing was changed`,
    );
    expect(await relations(shared)).toEqual([]);

    await pgQuery(`REVOKE USAGE ON SCHEMA "${shared}" FROM "${role.name}"`);
    await expectRefused(
      sharedFile,
      `${where}, schema "${shared}": the role of store.url lacks the USAGE privilege on the schema: make that ` +
        `role the schema's owner, or grant it USAGE (and CREATE, for schema steps) on it; nothing was changed`,
    );
    expect(await relations(shared)).toEqual([]);
  });

  it('a role given its schema migrates it, and one given the use of a migrated schema serves from it', async () => {
    // A schema made for the role: it has no CREATE on the database, and needs none.
    const own = newSchema();
    await pgQuery(`CREATE SCHEMA "${own}" AUTHORIZATION "${role.name}"`);
    const ownFile = config({ kind: 'postgres', url: role.url, schema: own });
    const done = await cli(['server', 'migrate', '--config', ownFile]);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`schema version 0 -> ${PG_MIGRATIONS.length}, applied:`);

    // A schema migrated by its owner, of which the role may only use the tables: no CREATE needed with nothing pending.
    const shared = newSchema();
    const ownerFile = path.join(dir, 'owner.json');
    fs.writeFileSync(
      ownerFile,
      JSON.stringify({
        dataDir: path.join(dir, 'data'),
        store: { kind: 'postgres', url: TEST_PG_URL, schema: shared },
      }),
    );
    expect((await cli(['server', 'migrate', '--config', ownerFile])).code).toBe(0);
    await pgQuery(`GRANT USAGE ON SCHEMA "${shared}" TO "${role.name}"`);
    await pgQuery(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${shared}" TO "${role.name}"`);
    const sharedFile = config({ kind: 'postgres', url: role.url, schema: shared });
    const again = await cli(['server', 'migrate', '--config', sharedFile]);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain(`schema version ${PG_MIGRATIONS.length} is up to date`);
    const opened = await cli(['server', 'public-key', '--config', sharedFile]);
    expect(opened.stderr).toBe('');
    expect(opened.code).toBe(0);

    // Without the right to write its tables, the server's start is refused naming the table and what is needed.
    await pgQuery(`REVOKE INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${shared}" FROM "${role.name}"`);
    const refused = await cli(['server', 'public-key', '--config', sharedFile]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `error: ${where}, schema "${shared}": permission denied for table instances (42501): the role of ` +
        `store.url needs USAGE on the schema and SELECT, INSERT, UPDATE and DELETE on its tables (to migrate it, ` +
        `also CREATE on the schema and ownership of its tables)\n`,
    );
  });
});
