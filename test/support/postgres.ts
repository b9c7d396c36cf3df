/**
 * The PostgreSQL the tests use: TOLLGATE_TEST_PG_URL, by default the local
 * server's database `test` as user postgres (README, "Testing"). Each test
 * works in a schema of its own, created and dropped by the test, so that
 * test files run in parallel on one database.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_PG_URL = process.env['TOLLGATE_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name: `t_` and random hex (a valid tollgate schema name). */
export function freshSchemaName(): string {
  return `t_${randomBytes(8).toString('hex')}`;
}

/** Runs one statement on its own connection. */
export async function pgQuery(sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

/** A schema of the test's own: `drop()` removes it with everything in it. */
export interface TestSchema {
  url: string;
  schema: string;
  drop(): Promise<void>;
}

/** Creates an empty schema for one test. */
export async function createTestSchema(): Promise<TestSchema> {
  const schema = freshSchemaName();
  await pgQuery(`CREATE SCHEMA "${schema}"`);
  return {
    url: TEST_PG_URL,
    schema,
    drop: async () => {
      await pgQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

/** A login role of the test's own, with no privilege beyond what every role has: `drop()` removes it and its grants. */
export interface TestRole {
  name: string;
  /** TEST_PG_URL, logging in as this role. */
  url: string;
  drop(): Promise<void>;
}

/** Creates a login role (with a password, so that it logs in whatever the server's authentication). */
export async function createTestRole(): Promise<TestRole> {
  const name = `r_${randomBytes(8).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await pgQuery(`CREATE ROLE "${name}" LOGIN PASSWORD '${password}'`);
  const url = new URL(TEST_PG_URL);
  url.username = name;
  url.password = password;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      // What it owns or was granted in the test database goes with it (its schemas among them).
      await pgQuery(`DROP OWNED BY "${name}" CASCADE`);
      await pgQuery(`DROP ROLE "${name}"`);
    },
  };
}
