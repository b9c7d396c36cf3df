/**
 * The policy server's store: the one interface behind which its database
 * sits. Two implementations: SQLite (one server process, the embedded
 * default) and PostgreSQL (several server processes sharing one database).
 *
 * The world and the versions issued to computers change only through
 * `commitWorld`, which is refused with StaleWorldError when another writer
 * committed since the revision the caller read: the caller catches up
 * (`changesSince`) and prepares its change again. That check and the writes
 * happen in one database transaction, so a version is never issued twice
 * and never goes down, whichever process issues it.
 */
import { TollgateError } from '../../engine/errors.js';
import type { StorageFault } from '../../store/storage-error.js';
import type { ComputerRow, HelloReport, IssuedVersions, RequestRow } from '../server-db.js';
import type { EntityKind, EntityRow } from '../world-rows.js';

/** The key of a deleted entity row. */
export interface EntityKey {
  kind: EntityKind;
  id: string;
}

/** Everything stored, as of one revision. */
export interface StoreContents {
  revision: number;
  entities: EntityRow[];
  computers: ComputerRow[];
}

/** What other writers committed after a revision, up to `revision`. */
export interface StoreChanges {
  revision: number;
  /** Entity rows written (added or changed) after the base revision. */
  entities: EntityRow[];
  /** Entity rows deleted after the base revision. */
  deletes: EntityKey[];
  /** Computer rows whose issued versions or token changed after the base revision. */
  computers: ComputerRow[];
}

/** One change of the world and of the versions it issues, stored in one transaction. */
export interface WorldCommit {
  /** The revision the caller's world was read at. */
  baseRevision: number;
  writes: readonly EntityRow[];
  deletes: readonly EntityKey[];
  issued: readonly IssuedVersions[];
  /**
   * An approval request whose status and body change in the same
   * transaction, from `previousBody` (the body its change was made from):
   * when the stored body is another, or the request is gone, the commit
   * throws TollgateError 'conflict' or 'not-found' and stores nothing.
   */
  request?: { id: string; status: string; body: string; previousBody: string };
}

/** The statuses of a request that is settled: nobody acts on it any more, so it may age out. */
export const DECIDED_REQUEST_STATUSES = Object.freeze(['approved', 'rejected'] as const);

/** Thrown by commitWorld when another writer committed after `baseRevision`; nothing was stored. */
export class StaleWorldError extends TollgateError {
  readonly storedRevision: number;

  constructor(baseRevision: number, storedRevision: number) {
    super(
      'conflict',
      `the world changed while this change was prepared (read at revision ${baseRevision}, now ${storedRevision})`,
    );
    this.storedRevision = storedRevision;
  }
}

/** The server's store. Every method fails with TollgateError 'storage-unavailable' when the database cannot be used. */
export interface ServerStore {
  readonly kind: 'sqlite' | 'postgres';

  /** Everything stored, read in one transaction. */
  load(): Promise<StoreContents>;
  /**
   * What was committed after `revision` (entity rows and computer rows), read in one transaction. What the
   * store takes the caller to hold does not change until the caller adopts them (`adopt`): a catch-up that is
   * read and then dropped (it failed, or was read again) leaves the next one computed from what the caller
   * still holds.
   */
  changesSince(revision: number): Promise<StoreChanges>;
  /**
   * Tells the store that the caller now holds the world of `changes` (from changesSince): the entity keys it
   * checks a later catch-up against, when the deletions log no longer reaches back that far, are updated.
   */
  adopt(changes: StoreChanges): void;
  /** Stores one change and returns the new revision; StaleWorldError when the base is not the stored revision. */
  commitWorld(commit: WorldCommit): Promise<{ revision: number }>;

  /** Replaces a computer's enrollment token hash (a new revision: other processes see it in changesSince). */
  setTokenHash(computerId: string, hash: Buffer): Promise<{ revision: number }>;
  /** Records what an agent said in its hello. */
  recordHello(computerId: string, hello: HelloReport): Promise<void>;
  /** Records an agent's acknowledgement. */
  recordAck(
    computerId: string,
    ack: { snapshotVersion: number; settingsVersion: number; error: string | null; nowMs: number },
  ): Promise<void>;
  /** Records when a computer was last heard from. */
  setLastSeen(computerId: string, nowMs: number): Promise<void>;
  /** The stored rows of these computers (every computer when omitted), read now: acks recorded by any process. */
  computerRows(ids?: readonly string[]): Promise<ComputerRow[]>;

  /** Inserts an approval request unless its id is stored already; returns whether it was inserted. */
  insertRequest(row: RequestRow): Promise<boolean>;
  /**
   * Replaces a stored request's status and body, if its body is still
   * `previousBody` (the one the change was made from); returns whether it did.
   */
  updateRequest(id: string, status: string, body: string, previousBody: string): Promise<boolean>;
  /** How many of a computer's requests are pending. */
  pendingRequestCount(computerId: string): Promise<number>;
  /** The JSON body of one request, or undefined. */
  requestBody(id: string): Promise<string | undefined>;
  /** The JSON bodies of the stored requests in arrival order, optionally only those with a status. */
  requestBodies(status?: string): Promise<string[]>;
  /**
   * At most `limit` of requestBodies(status), those that arrived after
   * request `after` (from the first when undefined); null when `after` is
   * not stored.
   */
  requestBodyPage(status: string | undefined, after: string | undefined, limit: number): Promise<string[] | null>;
  /**
   * Deletes the requests decided (DECIDED_REQUEST_STATUSES) before
   * `decidedBeforeMs`, the time of a request's last event (its decision),
   * or of its arrival when it has none; returns how many. Pending and
   * escalated requests are never deleted.
   */
  pruneDecidedRequests(decidedBeforeMs: number): Promise<number>;

  /**
   * Calls `listener` with the new revision whenever another process commits
   * (PostgreSQL LISTEN/NOTIFY; never for SQLite, which has one writer), and
   * with the ids of computers whose acknowledgement another process
   * recorded. Returns the function that stops the calls.
   */
  subscribe(listener: StoreListener): () => void;

  /**
   * A readiness probe: one round trip to the database (`SELECT 1`) that
   * settles within `timeoutMs`; rejects with 'storage-unavailable' saying
   * why otherwise.
   */
  ping(timeoutMs: number): Promise<void>;

  /** Closes the store; later calls fail with 'storage-unavailable'. */
  close(): Promise<void>;
  /** Test-only: makes later writes fail as on a full disk or a read-only file system. */
  simulateStorageFault(fault: StorageFault): void;
}

/** What a store announces from other processes. */
export interface StoreListener {
  /** Another process committed up to `revision`. */
  onCommit(revision: number): void;
  /** Another process recorded acknowledgements of these computers. */
  onAcks(computerIds: readonly string[]): void;
}

/**
 * The error of a request update refused because the request changed since
 * it was read (another action came first: 'conflict') or is gone ('not-found').
 */
export function requestUpdateRefused(id: string, exists: boolean): TollgateError {
  return exists
    ? new TollgateError(
        'conflict',
        `approval request ${id} was changed by another action meanwhile: nothing was done; look at it again`,
      )
    : new TollgateError('not-found', `approval request ${id} not found`);
}
