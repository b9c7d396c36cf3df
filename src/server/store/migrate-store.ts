/**
 * `tollgate server migrate`: brings the configured store's schema up to date
 * (or, dry, lists the steps pending) and says what it did, for SQLite (the
 * data directory's server.db, by `user_version`) and PostgreSQL (the
 * `tollgate_migrations` table of the configured schema).
 */
import path from 'node:path';
import type { ServerConfig } from '../config.js';
import { refuseOthersDirectoryAsRoot } from '../../store/directory-owner.js';
import { SERVER_MIGRATIONS, migrateServerDb } from '../server-db.js';
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

/**
 * Opens `file` as a server start does (the same checks, the same refusals
 * naming the file), migrating it; dry, the same checks with nothing changed.
 * The steps reported are those this run applied (dry: would apply), read
 * under the database's write lock: a server or another migration that
 * applied them first leaves this one nothing to do.
 */
function migrateSqlite(file: string, dryRun: boolean): MigrationReport {
  // Refused as a server start refuses it, dry or not.
  refuseOthersDirectoryAsRoot(path.dirname(file));
  if (!dryRun) makeDirs(path.dirname(file), 0o750);
  const { from, to } = migrateServerDb(file, dryRun);
  return { from, to, steps: sqliteSteps(from) };
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
