// Opening the server's database: a file that exists must be a whole tollgate
// server database, or the server refuses to start naming it; only a missing
// file makes a new database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { SERVER_MIGRATIONS, ServerDb } from '../../src/server/server-db.js';
import { SERVER_DB_FILE, ServerState } from '../../src/server/state.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-server-db-'));
  file = path.join(dir, SERVER_DB_FILE);
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function refusal(): Promise<TollgateError> {
  try {
    await (await ServerState.open({ dataDir: dir, clock: () => 1_000 })).close();
  } catch (error) {
    return error as TollgateError;
  }
  throw new Error('the server state opened');
}

/** A SQLite file built by `build`, closed. */
function sqliteFile(build: (db: Database.Database) => void): void {
  const db = new Database(file);
  build(db);
  db.close();
}

describe('the server database at start', () => {
  const damaged: [string, () => unknown, RegExp][] = [
    ['an empty (0-byte) file', () => fs.writeFileSync(file, ''), /empty \(0 bytes\)/],
    ['a file that is not SQLite', () => fs.writeFileSync(file, 'x'.repeat(8192)), /not a database|quick_check/],
    [
      'a schema version whose tables are missing',
      () => sqliteFile((db) => db.pragma(`user_version = ${SERVER_MIGRATIONS.length}`)),
      new RegExp(
        `schema version ${SERVER_MIGRATIONS.length} but table entities, computer_state, approval_requests, meta, entity_deletions missing`,
      ),
    ],
    [
      'a schema version with one table dropped',
      () => {
        ServerDb.open(file).close();
        sqliteFile((db) => db.exec('DROP TABLE approval_requests'));
      },
      /table approval_requests missing/,
    ],
    [
      'a schema whose text was changed though every page is sound',
      () => {
        ServerDb.open(file).close();
        const bytes = fs.readFileSync(file);
        const at = bytes.subarray(0, 4096).indexOf('token_hash');
        bytes.write('X', at);
        fs.writeFileSync(file, bytes);
      },
      /definition of table computer_state is not the one it wrote/,
    ],
    [
      'a SQLite file of another application (user_version 0)',
      () => sqliteFile((db) => db.exec('CREATE TABLE notes (text TEXT)')),
      /no tollgate server schema/,
    ],
    [
      'a file whose header names a schema format SQLite does not know',
      async () => {
        await (await ServerState.open({ dataDir: dir, clock: () => 1_000 })).close();
        const bytes = fs.readFileSync(file);
        bytes.fill(5, 44, 48); // the schema format number
        fs.writeFileSync(file, bytes);
      },
      /unsupported file format/,
    ],
    [
      'a file with pages overwritten with garbage',
      async () => {
        const state = await ServerState.open({ dataDir: dir, clock: () => 1_000 });
        await state.close();
        const bytes = fs.readFileSync(file);
        bytes.fill(0x5a, 100, bytes.length);
        fs.writeFileSync(file, bytes);
      },
      /quick_check|malformed|not a database/,
    ],
  ];

  it.each(damaged)('refuses %s, naming the file, and leaves it as it was', async (_name, make, why) => {
    await make();
    const before = fs.readFileSync(file);
    const error = await refusal();
    expect(error).toBeInstanceOf(TollgateError);
    expect(error.code).toBe('store-corrupt');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(why);
    expect(error.message).toContain('restore it from a backup');
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a database of a newer release as the server, naming the file, and leaves it as it was', async () => {
    await (await ServerState.open({ dataDir: dir, clock: () => 1_000 })).close();
    sqliteFile((db) => db.pragma('user_version = 99'));
    const before = fs.readFileSync(file);
    const error = await refusal();
    expect(error.code).toBe('store-too-new');
    expect(error.message).toBe(`${file} has schema version 99, newer than this server's (${SERVER_MIGRATIONS.length})`);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a directory in the place of the file, naming it', async () => {
    fs.mkdirSync(file);
    const error = await refusal();
    expect(error.code).toBe('store-unavailable');
    expect(error.message).toBe(`cannot open ${file}: it is a directory`);
  });

  it('refuses to start anew when only the WAL of a lost database is left', async () => {
    fs.writeFileSync(`${file}-wal`, 'left over');
    const error = await refusal();
    expect(error.code).toBe('store-corrupt');
    expect(error.message).toMatch(/server\.db-wal is there/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('creates a new database only where there is no file, and leaves nothing else behind', async () => {
    const state = await ServerState.open({ dataDir: dir, clock: () => 1_000 });
    await state.close();
    expect(fs.readdirSync(dir).filter((f) => f.startsWith(SERVER_DB_FILE))).toEqual([SERVER_DB_FILE]);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SERVER_MIGRATIONS.length);
    } finally {
      db.close();
    }
    // And opens it again afterwards.
    await (await ServerState.open({ dataDir: dir, clock: () => 1_000 })).close();
  });
});
