/**
 * The server store over SQLite (`DATA_DIR/server.db`): one server process
 * writes it, so `subscribe` never calls its listener. The calls are
 * synchronous underneath (better-sqlite3) and answered as settled promises.
 */
import path from 'node:path';
import type { StorageFault } from '../../store/storage-error.js';
import {
  type ComputerRow,
  type HelloReport,
  type RequestRow,
  ServerDb,
  type ServerDbOptions,
  StaleRevision,
} from '../server-db.js';
import {
  type EntityKey,
  type ServerStore,
  type StoreChanges,
  type StoreContents,
  type StoreListener,
  type WorldCommit,
  StaleWorldError,
} from './server-store.js';

/** The database file in the data directory. */
export const SERVER_DB_FILE = 'server.db';

/** How long a report (hello, acknowledgement, last seen, approval request) waits for others to share its transaction. */
export const REPORT_BATCH_DELAY_MS = 10;
/** The most reports one transaction writes; a full batch is written at once. */
export const REPORT_BATCH_MAX = 1000;

/**
 * Gathers the small writes agents cause (a hello, an acknowledgement, when
 * it was last seen) and writes them in one transaction: one commit (and one
 * sync to disk) per batch instead of per agent, so that 10,000 agents
 * acknowledging a change cost milliseconds, not seconds. Each write's
 * promise settles when its batch is committed, or rejects with the batch's
 * error: nothing is reported written before it is. Writes run in the order
 * they were made, so the newest report of a computer wins. Bounded: a batch
 * holds at most REPORT_BATCH_MAX writes.
 */
class ReportBatcher {
  private writes: (() => void)[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: ServerDb,
    private readonly delayMs = REPORT_BATCH_DELAY_MS,
    private readonly max = REPORT_BATCH_MAX,
  ) {}

  add(write: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.writes.push(write);
      this.waiters.push({ resolve, reject });
      if (this.writes.length >= this.max) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
    });
  }

  /** Writes what is gathered now (also at close). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const writes = this.writes;
    const waiters = this.waiters;
    this.writes = [];
    this.waiters = [];
    if (writes.length === 0) return;
    try {
      this.db.inTransaction(() => {
        for (const write of writes) write();
      });
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
      return;
    }
    for (const waiter of waiters) waiter.resolve();
  }
}

/** An entity key as one string (kinds hold no NUL). */
function keyOf(key: EntityKey): string {
  return `${key.kind}\0${key.id}`;
}

function keyFrom(key: string): EntityKey {
  const at = key.indexOf('\0');
  return { kind: key.slice(0, at) as EntityKey['kind'], id: key.slice(at + 1) };
}

/** Runs a synchronous call as a promise: a throw is a rejection. */
function settle<T>(call: () => T): Promise<T> {
  return new Promise((resolve) => resolve(call()));
}

export class SqliteStore implements ServerStore {
  readonly kind = 'sqlite' as const;
  private readonly db: ServerDb;
  private readonly reports: ReportBatcher;
  /** The entity keys this store's caller holds (what it loaded, committed and adopted): see changesSince. */
  private readonly knownKeys = new Set<string>();

  private constructor(db: ServerDb) {
    this.db = db;
    this.reports = new ReportBatcher(db);
  }

  /**
   * Opens (creating and migrating if needed) `server.db` in `dataDir`. A
   * damaged or emptied file is refused with TollgateError 'store-corrupt'
   * naming it, never replaced.
   */
  static open(dataDir: string, options: ServerDbOptions = {}): SqliteStore {
    return new SqliteStore(ServerDb.open(path.join(dataDir, SERVER_DB_FILE), options));
  }

  load(): Promise<StoreContents> {
    return settle(() => {
      const contents = this.db.load();
      this.knownKeys.clear();
      for (const row of contents.entities) this.knownKeys.add(keyOf(row));
      return contents;
    });
  }

  /**
   * What was committed after `revision`. When the deletions after it were
   * pruned from the log (a caller that fell that far behind), what the
   * caller holds and the database no longer has was deleted.
   */
  changesSince(revision: number): Promise<StoreChanges> {
    return settle(() => {
      const { present, ...changes } = this.db.changesSince(revision);
      if (present !== null) {
        const stored = new Set(present.map(keyOf));
        changes.deletes = [...this.knownKeys].filter((key) => !stored.has(key)).map(keyFrom);
      }
      return changes;
    });
  }

  adopt(changes: StoreChanges): void {
    for (const row of changes.entities) this.knownKeys.add(keyOf(row));
    for (const key of changes.deletes) this.knownKeys.delete(keyOf(key));
  }

  /** The revision through which the deletions log was pruned (0: never). */
  deletionsPrunedThrough(): number {
    return this.db.deletionsPrunedThrough();
  }

  /** Rows in the deletions log now. */
  deletionLogRows(): number {
    return this.db.deletionLogRows();
  }

  commitWorld(commit: WorldCommit): Promise<{ revision: number }> {
    return settle(() => {
      try {
        const revision = this.db.commitWorld(commit);
        for (const row of commit.writes) this.knownKeys.add(keyOf(row));
        for (const key of commit.deletes) this.knownKeys.delete(keyOf(key));
        return { revision };
      } catch (error) {
        if (error instanceof StaleRevision) throw new StaleWorldError(commit.baseRevision, error.storedRevision);
        throw error;
      }
    });
  }

  setTokenHash(computerId: string, hash: Buffer): Promise<{ revision: number }> {
    return settle(() => ({ revision: this.db.setTokenHash(computerId, hash) }));
  }

  recordHello(computerId: string, hello: HelloReport): Promise<void> {
    return this.reports.add(() => this.db.recordHello(computerId, hello));
  }

  recordAck(
    computerId: string,
    ack: { snapshotVersion: number; settingsVersion: number; error: string | null; nowMs: number },
  ): Promise<void> {
    return this.reports.add(() => this.db.recordAck(computerId, ack));
  }

  setLastSeen(computerId: string, nowMs: number): Promise<void> {
    return this.reports.add(() => this.db.setLastSeen(computerId, nowMs));
  }

  computerRows(ids?: readonly string[]): Promise<ComputerRow[]> {
    return settle(() => this.db.computerRows(ids));
  }

  insertRequest(row: RequestRow): Promise<boolean> {
    // In the reports' transactions: a storm of approval requests from thousands of agents is written a batch
    // per commit (one flush to disk each) rather than a commit each, which held the event loop for seconds.
    // Each agent's next message waits for its receipt, so one computer has at most one request in a batch.
    let inserted = false;
    return this.reports
      .add(() => {
        inserted = this.db.insertRequest(row);
      })
      .then(() => inserted);
  }

  updateRequest(id: string, status: string, body: string, previousBody: string): Promise<boolean> {
    return settle(() => this.db.updateRequest(id, status, body, previousBody));
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

  requestBodyPage(status: string | undefined, after: string | undefined, limit: number): Promise<string[] | null> {
    return settle(() => this.db.requestBodyPage(status, after, limit));
  }

  pruneDecidedRequests(decidedBeforeMs: number): Promise<number> {
    return settle(() => this.db.pruneDecidedRequests(decidedBeforeMs));
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
    this.reports.flush();
    this.db.close();
    return Promise.resolve();
  }

  simulateStorageFault(fault: StorageFault): void {
    this.db.simulateStorageFault(fault);
  }
}
