import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TollgateError } from '../engine/errors.js';

/** The file whose lock a daemon holds for its data directory's whole life. */
export const DATA_DIR_LOCK_FILE = 'daemon.lock';

/**
 * One daemon's hold on its data directory: an exclusive SQLite lock (a
 * POSIX advisory lock taken by SQLite, on `DATA_DIR/daemon.lock`) held
 * from start to stop. A second daemon on the same directory would open the
 * same cache, move a database it judges damaged aside under the first one,
 * remove its clean-stop marker and prune its image files; it is refused
 * before it touches any of them. The operating system lets the lock go
 * when the process ends, however it ends (a SIGKILL, a crash), so no stale
 * lock is left to clear by hand; the file itself stays, empty.
 */
export class DataDirLock {
  private db: Database.Database | null;

  private constructor(
    db: Database.Database,
    readonly path: string,
  ) {
    this.db = db;
  }

  /**
   * Takes the lock of `dataDir` (which exists), or throws `data-dir-in-use`
   * when another process holds it, `store-unavailable` when the lock file
   * cannot be opened or locked for another reason.
   */
  static take(dataDir: string): DataDirLock {
    const path = join(dataDir, DATA_DIR_LOCK_FILE);
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: 0 });
    } catch (error) {
      throw new TollgateError('store-unavailable', `cannot open ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      // Rollback journal, and the lock kept once taken: no -wal or -shm beside it, and no write ever made (SQLite
      // opens an empty `daemon.lock-journal` while it holds the lock; it stays after a crash, harmlessly).
      db.pragma('journal_mode = DELETE');
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      db.close();
      const code = (error as { code?: unknown }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        throw new TollgateError(
          'data-dir-in-use',
          `another tollgate daemon is using ${dataDir} (it holds ${path}); stop it, or give this one another dataDir`,
        );
      }
      throw new TollgateError('store-unavailable', `cannot lock ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return new DataDirLock(db, path);
  }

  /** Whether this lock is still held (not yet released). */
  get held(): boolean {
    return this.db !== null;
  }

  /** Lets the lock go (the daemon's last step of a stop). Idempotent. */
  release(): void {
    const db = this.db;
    if (db === null) return;
    this.db = null;
    try {
      db.exec('ROLLBACK');
    } finally {
      db.close();
    }
  }
}
