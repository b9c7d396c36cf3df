/**
 * Released schema migrations are never edited: a database written by an
 * earlier release holds the schema its steps wrote, and the open-time check
 * (schemaDamage in src/store/open-database.ts) compares it with what the
 * steps of this release would write. An edited step would make every cache
 * and server database in the field look damaged. New steps are appended;
 * append their fingerprint here when one is released.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SERVER_MIGRATIONS } from '../../src/server/server-db.js';
import { PG_MIGRATIONS } from '../../src/server/store/pg-migrations.js';
import { MIGRATIONS } from '../../src/store/migrations.js';

function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

const RELEASED = {
  agent: ['9298321b8b508ecd', '1687b369639d4962', '60ca89cae719ee2b', '5d19c38e79402ef8'],
  server: ['1ced427b889e9669', '0d3993335077b090', '6d9fb9a2700689a2', '4652119b23753f20'],
  postgres: ['8785855e82f45ec3', '8c8d717120b8c4b4'],
} as const;

describe('released migrations', () => {
  const cases: [string, readonly string[], readonly string[]][] = [
    ['agent cache (SQLite)', MIGRATIONS, RELEASED.agent],
    ['policy server (SQLite)', SERVER_MIGRATIONS, RELEASED.server],
    ['policy server (PostgreSQL)', PG_MIGRATIONS.map((step) => step.sql), RELEASED.postgres],
  ];
  it.each(cases)('%s: every released step is unchanged and none was removed', (_name, steps, released) => {
    expect(steps.length).toBeGreaterThanOrEqual(released.length);
    expect(steps.slice(0, released.length).map(fingerprint)).toEqual([...released]);
  });
});
