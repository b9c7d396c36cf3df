/**
 * The server store over SQLite (`DATA_DIR/server.db`): one server process
 * writes it, so `subscribe` never calls its listener. The calls are
 * synchronous underneath (better-sqlite3) and answered as settled promises.
 */
import path from 'node:path';
import type { OsName } from '../../engine/model.js';
import type { StorageFault } from '../../store/storage-error.js';
import { type ComputerRow, type RequestRow, ServerDb, StaleRevision } from '../server-db.js';
import {
  type ServerStore,
  type StoreChanges,
  type StoreContents,
  type StoreListener,
  type WorldCommit,
  StaleWorldError,
} from './server-store.js';

/** The database file in the data directory. */
export const SERVER_DB_FILE = 'server.db';

/** Runs a synchronous call as a promise: a throw is a rejection. */
function settle<T>(call: () => T): Promise<T> {
  return new Promise((resolve) => resolve(call()));
}

export class SqliteStore implements ServerStore {
  readonly kind = 'sqlite' as const;
  private readonly db: ServerDb;

  private constructor(db: ServerDb) {
    this.db = db;
  }

  /**
   * Opens (creating and migrating if needed) `server.db` in `dataDir`. A
   * damaged or emptied file is refused with TollgateError 'store-corrupt'
   * naming it, never replaced.
   */
  static open(dataDir: string): SqliteStore {
    return new SqliteStore(ServerDb.open(path.join(dataDir, SERVER_DB_FILE)));
  }

  load(): Promise<StoreContents> {
    return settle(() => this.db.load());
  }

  changesSince(revision: number): Promise<StoreChanges> {
    return settle(() => this.db.changesSince(revision));
  }

  commitWorld(commit: WorldCommit): Promise<{ revision: number }> {
    return settle(() => {
      try {
        return { revision: this.db.commitWorld(commit) };
      } catch (error) {
        if (error instanceof StaleRevision) throw new StaleWorldError(commit.baseRevision, error.storedRevision);
        throw error;
      }
    });
  }

  setTokenHash(computerId: string, hash: Buffer): Promise<{ revision: number }> {
    return settle(() => ({ revision: this.db.setTokenHash(computerId, hash) }));
  }

  recordHello(computerId: string, agentVersion: string, os: OsName, nowMs: number): Promise<void> {
    return settle(() => this.db.recordHello(computerId, agentVersion, os, nowMs));
  }

  recordAck(
    computerId: string,
    ack: { snapshotVersion: number; settingsVersion: number; error: string | null; nowMs: number },
  ): Promise<void> {
    return settle(() => this.db.recordAck(computerId, ack));
  }

  setLastSeen(computerId: string, nowMs: number): Promise<void> {
    return settle(() => this.db.setLastSeen(computerId, nowMs));
  }

  computerRows(ids?: readonly string[]): Promise<ComputerRow[]> {
    return settle(() => this.db.computerRows(ids));
  }

  insertRequest(row: RequestRow): Promise<boolean> {
    return settle(() => this.db.insertRequest(row));
  }

  updateRequest(id: string, status: string, body: string): Promise<boolean> {
    return settle(() => this.db.updateRequest(id, status, body));
  }

  pendingRequestCount(computerId: string): Promise<number> {
    return settle(() => this.db.pendingRequestCount(computerId));
  }

  requestBody(id: string): Promise<string | undefined> {
    return settle(() => this.db.requestBody(id));
  }

  requestBodies(status?: string): Promise<string[]> {
    return settle(() => this.db.requestBodies(status));
  }

  /** One writer: no other process ever commits, so the listener is never called. */
  subscribe(_listener: StoreListener): () => void {
    return () => undefined;
  }

  /** SQLite answers in-process: the call is synchronous, so no timeout applies. */
  ping(_timeoutMs: number): Promise<void> {
    return settle(() => this.db.ping());
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }

  simulateStorageFault(fault: StorageFault): void {
    this.db.simulateStorageFault(fault);
  }
}
