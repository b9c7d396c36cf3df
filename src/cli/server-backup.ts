/**
 * `tollgate server backup --config FILE --output FILE`: a consistent copy of
 * the server's SQLite database taken with SQLite's online backup, through a
 * connection of its own, so it works beside a running server. A server whose
 * store is PostgreSQL is backed up with pg_dump: the command prints it.
 */
import { chmodSync, closeSync, openSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { TollgateError } from '../engine/errors.js';
import { fileKind } from '../scenario/bounded-read.js';
import { SERVER_DB_FILE } from '../server/state.js';
import { DEFAULT_PG_SCHEMA } from '../server/store/pg-store.js';
import { EXIT_OK, type CliIo } from './io.js';

/** The mode of a backup file: the server's own database's (docs/SERVER.md, Restoring SQLite). */
export const BACKUP_MODE = 0o600;

/** A PostgreSQL connection URL in the server config's store section, when the server keeps its state there. */
export function postgresUrlOf(config: unknown): string | undefined {
  const store = (config as { store?: unknown }).store;
  if (store === null || typeof store !== 'object') return undefined;
  for (const key of ['url', 'connectionString', 'postgresUrl']) {
    const value = (store as Record<string, unknown>)[key];
    if (typeof value === 'string' && /^postgres(ql)?:\/\//.test(value)) return value;
  }
  return undefined;
}

/** The URL without its password, for printing. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Runs the backup; resolves to the exit code. */
export async function backupServer(
  io: CliIo,
  config: { dataDir: string } & Record<string, unknown>,
  output: string,
): Promise<number> {
  const pgUrl = postgresUrlOf(config);
  if (pgUrl !== undefined) {
    // tollgate's schema only: the database may hold others, which a restore with --clean would also replace.
    const schema = (config as { store?: { schema?: unknown } }).store?.schema;
    const named = typeof schema === 'string' ? schema : DEFAULT_PG_SCHEMA;
    io.stdout(
      `the server keeps its state in PostgreSQL (schema ${named}): back it up with\n` +
        `  pg_dump --format=custom --schema=${JSON.stringify(named)} --file=${JSON.stringify(output)} ${JSON.stringify(withoutPassword(pgUrl))}\n` +
        `(the password as in the server's store URL, or PGPASSWORD / ~/.pgpass); restore steps: docs/SERVER.md\n`,
    );
    return EXIT_OK;
  }
  const source = join(config.dataDir, SERVER_DB_FILE);
  const sourceInfo = statSync(source, { throwIfNoEntry: false });
  if (sourceInfo === undefined) {
    throw new TollgateError('invalid-input', `${source}: no server database here (dataDir: ${config.dataDir})`);
  }
  // SQLite opens it as it is: a FIFO would hold the command until something writes to it.
  if (!sourceInfo.isFile()) {
    throw new TollgateError('invalid-input', `${source}: is ${fileKind(sourceInfo)}, not a regular file`);
  }
  const target = resolve(output);
  if (target === resolve(source)) {
    throw new TollgateError('invalid-input', `--output ${output}: is the server database itself`);
  }
  // Made here, empty, only if it does not exist and readable by its owner alone (the copy holds every enrolment
  // token's hash and the world): SQLite then writes into it, and its journal takes the same mode.
  try {
    closeSync(openSync(target, 'wx', BACKUP_MODE));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new TollgateError('invalid-input', `--output ${output}: already exists (a backup never overwrites a file)`);
    }
    throw new TollgateError(
      'invalid-input',
      `--output ${output}: cannot be created (${code ?? (error as Error).message})`,
      {
        cause: error,
      },
    );
  }
  let db: Database.Database | undefined;
  try {
    // The umask may have taken bits off the mode it was made with; none are added.
    chmodSync(target, BACKUP_MODE);
    db = new Database(source, { readonly: true, fileMustExist: true });
    const progress = await db.backup(target);
    io.stdout(`${source} backed up to ${target} (${progress.totalPages} pages)\n`);
  } catch (error) {
    // Nothing is left behind: a file left would make the next try refuse it as existing.
    rmSync(target, { force: true });
    throw new TollgateError('backup-failed', `backup of ${source} to ${output} failed: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    db?.close();
  }
  return EXIT_OK;
}
