/**
 * `tollgate server migrate`: brings the configured store's schema up to date
 * (or, dry, lists the steps pending) and says what it did, for SQLite (the
 * data directory's server.db, by `user_version`) and PostgreSQL (the
 * `tollgate_migrations` table of the configured schema).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { TollgateError } from '../../engine/errors.js';
import type { ServerConfig } from '../config.js';
import { SERVER_MIGRATIONS, ServerDb } from '../server-db.js';
import { SERVER_DB_FILE } from '../state.js';
import type { MigrationReport, MigrationStep } from './pg-migrations.js';
import { PgStore, describePgUrl } from './pg-store.js';
import { makeDirs } from '../../scenario/make-dirs.js';

/** The first comment line of an SQLite step, as its description. */
function sqliteDescription(step: string): string {
  const comment = step
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.startsWith('--'));
  return comment === undefined ? 'schema step' : comment.replace(/^--\s*/, '');
}

function sqliteSteps(from: number): MigrationStep[] {
  return SERVER_MIGRATIONS.slice(from).map((step, i) => ({
    version: from + i + 1,
    description: sqliteDescription(step),
  }));
}

/** The schema version of an existing SQLite server database, read without changing it. */
function sqliteVersion(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

function migrateSqlite(file: string, dryRun: boolean): MigrationReport {
  const from = fs.existsSync(file) ? sqliteVersion(file) : 0;
  if (from > SERVER_MIGRATIONS.length) {
    throw new TollgateError(
      'store-too-new',
      `${file} has schema version ${from}, newer than this server's (${SERVER_MIGRATIONS.length})`,
    );
  }
  if (dryRun) return { from, to: from, steps: sqliteSteps(from) };
  makeDirs(path.dirname(file), 0o750);
  // Opening is what migrates (and creates a new file whole): the same path as a server start.
  ServerDb.open(file).close();
  return { from, to: SERVER_MIGRATIONS.length, steps: sqliteSteps(from) };
}

/** Migrates (or, dry, inspects) the configured store; returns the report's lines. */
export async function migrateConfiguredStore(config: ServerConfig, dryRun: boolean): Promise<string[]> {
  const store = config.store;
  let where: string;
  let report: MigrationReport;
  if (store.kind === 'postgres') {
    where = `${describePgUrl(store.url)}, schema ${store.schema}`;
    report = await PgStore.migrate(
      { url: store.url, schema: store.schema, poolSize: 1, connectTimeoutMs: store.connectTimeoutMs },
      dryRun,
    );
  } else {
    where = path.join(config.dataDir, SERVER_DB_FILE);
    report = migrateSqlite(where, dryRun);
  }
  const lines: string[] = [];
  if (report.steps.length === 0) {
    lines.push(`${where}: schema version ${report.from} is up to date`);
    return lines;
  }
  lines.push(
    dryRun
      ? `${where}: schema version ${report.from}, ${report.steps.length} step(s) pending:`
      : `${where}: schema version ${report.from} -> ${report.to}, applied:`,
  );
  for (const step of report.steps) lines.push(`  ${step.version}  ${step.description}`);
  return lines;
}
