// `tollgate server migrate`: the configured store's schema brought up to date
// once and reported, --dry-run listing what is pending and changing nothing,
// for SQLite (the data directory's server.db) and the real PostgreSQL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SERVER_MIGRATIONS } from '../../src/server/server-db.js';
import { PG_MIGRATIONS } from '../../src/server/store/pg-migrations.js';
import { cli } from '../support/daemon-process.js';
import { freshSchemaName, pgQuery, TEST_PG_URL } from '../support/postgres.js';

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

  it('refuses a database written by a newer release and leaves it as it is', async () => {
    const file = config();
    await cli(['server', 'migrate', '--config', file]);
    const db = path.join(dir, 'data', 'server.db');
    const raw = new Database(db);
    raw.pragma('user_version = 99');
    raw.close();
    const result = await cli(['server', 'migrate', '--config', file]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/schema version 99, newer/);
  });

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
