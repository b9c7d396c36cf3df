/**
 * The policy server's store on PostgreSQL: several server processes share one
 * database. Commits of the world lock the one revision row, so that versions
 * are issued in one order whichever process issues them; every commit and
 * every batch of acknowledgements is announced by NOTIFY on the schema's
 * channel, which each store LISTENs to on a connection of its own.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { TollgateError } from '../../engine/errors.js';
import { OS_NAMES } from '../../engine/model.js';
import { STORAGE_UNAVAILABLE, type StorageFault } from '../../store/storage-error.js';
import type { ComputerRow, HelloReport, IssuedVersions, RequestRow } from '../server-db.js';
import type { EntityRow } from '../world-rows.js';
import {
  INSUFFICIENT_PRIVILEGE,
  type MigrationReport,
  PRIVILEGES_NEEDED,
  SCHEMA_NAME,
  THE_ROLE,
  isInsufficientPrivilege,
  migratePg,
} from './pg-migrations.js';
import {
  DECIDED_REQUEST_STATUSES,
  requestUpdateRefused,
  type EntityKey,
  type ServerStore,
  StaleWorldError,
  type StoreChanges,
  type StoreContents,
  type StoreListener,
  type WorldCommit,
} from './server-store.js';

/** Defaults of the PostgreSQL store's bounds (config keys under `store`, docs/SERVER.md). */
/** Silence on a pooled connection after which TCP keepalive probes start. */
export const PG_KEEPALIVE_DELAY_MS = 10_000;

export const PG_STORE_DEFAULTS = {
  /** Connections in the pool, at most (`store.poolSize`). */
  poolSize: 10,
  /** How long a query waits for a connection, or a connection for the server (`store.connectTimeoutMs`). */
  connectTimeoutMs: 10_000,
  /** Computer ids waiting to be announced as acknowledged, at most, before they are sent at once. */
  maxPendingAckIds: 1_000,
  /** How long an acknowledgement waits to be announced with the next ones. */
  ackNotifyDelayMs: 20,
  /** Acknowledgements written in one statement, at most (those that arrive while one is written go in the next). */
  maxAckBatch: 1_000,
  /**
   * How long the first acknowledgement of a batch waits for others before
   * the batch is written (when no write is under way; otherwise the batch
   * waits for that write): agents acknowledging one change then share a
   * few statements rather than one each.
   */
  ackBatchDelayMs: 10,
  /** How often an instance records that it runs (the `instances` table). */
  heartbeatIntervalMs: 5_000,
  /** An instance whose last beat is older than this is taken as gone: its agents are not counted as connected. */
  instanceTimeoutMs: 15_000,
  /** Rows of instances gone this long are deleted (by any instance's beat). */
  instanceForgetMs: 60 * 60 * 1000,
  /** The LISTEN connection's reconnect backoff: first and largest delay. */
  listenRetryInitialMs: 100,
  listenRetryMaxMs: 5_000,
  /** How long a statement waits for a row or table another transaction holds (PostgreSQL's lock_timeout). */
  lockTimeoutMs: 15_000,
  /** A transaction idle this long (its instance stopped answering) is ended by PostgreSQL. */
  idleInTransactionTimeoutMs: 60_000,
  /**
   * How many times a transaction (or a statement on its own) that PostgreSQL
   * rolled back as a deadlock's victim or for a serialization failure is run
   * again before the call fails with storage-unavailable.
   */
  rolledBackRetries: 3,
  /** The delay before such a retry: N times this (N the retry's number), plus up to this much again at random. */
  rolledBackRetryDelayMs: 20,
} as const;

/**
 * Rows a commit writes in one statement at most: a larger commit (10,000
 * computers' versions, an import's entities) is several statements of its
 * transaction, so that the client library's encoding of the parameters and
 * its parsing of the answers do not hold the event loop for long at once.
 */
export const MAX_ROWS_PER_STATEMENT = 1_000;

/** `list` in slices of at most `size`. */
export function slices<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** A NOTIFY payload is at most 8000 bytes; acknowledgement batches stay under this. */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7_900;

export interface PgStoreOptions {
  /** A postgres:// URL. */
  url: string;
  /** The schema the tables live in (default 'tollgate'), created by the first migration. */
  schema?: string;
  poolSize?: number;
  connectTimeoutMs?: number;
  /**
   * Called with what the LISTEN connection did (lost, reconnected), a failed
   * announcement or beat, a statement or transaction run again after
   * PostgreSQL rolled it back (`storage-retry`), and a stop that could not
   * delete the instance's row (`instance-not-removed`); default: nothing.
   */
  log?: (event: {
    event:
      | 'listen-lost'
      | 'listen-restored'
      | 'notify-failed'
      | 'heartbeat-failed'
      | 'storage-retry'
      | 'instance-not-removed';
    reason?: string;
  }) => void;
  maxPendingAckIds?: number;
  ackNotifyDelayMs?: number;
  /** Default PG_STORE_DEFAULTS.maxAckBatch. */
  maxAckBatch?: number;
  /** Default PG_STORE_DEFAULTS.ackBatchDelayMs. */
  ackBatchDelayMs?: number;
  heartbeatIntervalMs?: number;
  instanceTimeoutMs?: number;
  /** Default PG_STORE_DEFAULTS.lockTimeoutMs. */
  lockTimeoutMs?: number;
  /** Default PG_STORE_DEFAULTS.idleInTransactionTimeoutMs. */
  idleInTransactionTimeoutMs?: number;
}

export const DEFAULT_PG_SCHEMA = 'tollgate';

interface ComputerRecord {
  computer_id: string;
  token_hash: Buffer | null;
  snapshot_version: string;
  settings_version: string;
  view_hash: string;
  settings_hash: string;
  acked_snapshot_version: string;
  acked_settings_version: string;
  reported_agent_version: string | null;
  reported_tollgate_version: string | null;
  reported_os: string | null;
  last_seen_ms: string | null;
  last_error: string | null;
}

function toRow(r: ComputerRecord): ComputerRow {
  return {
    computerId: r.computer_id,
    tokenHash: r.token_hash,
    snapshotVersion: Number(r.snapshot_version),
    settingsVersion: Number(r.settings_version),
    viewHash: r.view_hash,
    settingsHash: r.settings_hash,
    ackedSnapshotVersion: Number(r.acked_snapshot_version),
    ackedSettingsVersion: Number(r.acked_settings_version),
    reportedAgentVersion: r.reported_agent_version,
    reportedTollgateVersion: r.reported_tollgate_version,
    reportedOs: OS_NAMES.find((os) => os === r.reported_os) ?? null,
    lastSeenMs: r.last_seen_ms === null ? null : Number(r.last_seen_ms),
    lastError: r.last_error,
  };
}

const COMPUTER_COLUMNS = `computer_id, token_hash, snapshot_version, settings_version, view_hash, settings_hash,
  acked_snapshot_version, acked_settings_version, reported_agent_version, reported_tollgate_version, reported_os,
  last_seen_ms, last_error`;

/** An entity key as one string (kinds never hold a NUL). */
function keyOf(key: { kind: string; id: string }): string {
  return `${key.kind}\u0000${key.id}`;
}

function keyFrom(key: string): EntityKey {
  const at = key.indexOf('\u0000');
  return { kind: key.slice(0, at) as EntityKey['kind'], id: key.slice(at + 1) };
}

/** Where a URL points, for messages: host, port and database, never the user or password. */
export function describePgUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname === '' ? 'localhost' : parsed.hostname;
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    return `PostgreSQL at ${host}:${parsed.port === '' ? '5432' : parsed.port}${database === '' ? '' : `/${database}`}`;
  } catch {
    return 'PostgreSQL';
  }
}

/**
 * SQLSTATE classes that mean the database let the server down rather than a
 * bug in a statement: connection (08), resources (53, disk full among them),
 * operator intervention (57: shutdown, cannot connect now, a statement
 * cancelled), system (58), internal (XX), a transaction rolled back by the
 * database (40: a deadlock or a serialization failure, which another attempt
 * passes; 40P01 and 40001 are first run again, see retryRolledBack), a lock
 * not had in `lock_timeout` (55P03), and a read-only transaction (25006).
 */
const STORAGE_CLASSES = ['08', '40', '53', '57', '58', 'XX'];

/** The message of pg's error for a statement with no answer within its query_timeout. */
const QUERY_TIMEOUT_MESSAGE = 'Query read timeout';

/** Network errors of the connection itself (no SQLSTATE). */
const NETWORK_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE'];

function isStorageFailure(error: unknown): boolean {
  if (error instanceof TollgateError) return error.code === STORAGE_UNAVAILABLE;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.includes(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) {
      return code === '25006' || code === '55P03' || STORAGE_CLASSES.includes(code.slice(0, 2));
    }
  }
  // pg's own: a connection that ended, or a pool that gave no connection in time.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|Query read timeout/i.test(
    error.message,
  );
}

/**
 * SQLSTATEs of a transaction PostgreSQL rolled back so that others could go
 * on: 40P01 (deadlock_detected: it was the victim of a deadlock) and 40001
 * (serialization_failure). Nothing of it was stored, and running it again
 * from the start passes once the other transaction is done.
 */
const ROLLED_BACK_CODES: readonly string[] = ['40P01', '40001'];

function rolledBack(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && ROLLED_BACK_CODES.includes(code);
}

/**
 * Compares computer ids in PostgreSQL's "C" collation order: by their UTF-8
 * bytes, which is the order of their code points (JavaScript's `<` compares
 * UTF-16 code units, which differs for characters above U+FFFF). Ids are
 * ASCII (limits.ts ID_PATTERN), where the two agree; this does not rely on it.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800 to U+DFFF, characters above U+FFFF) sort after U+E000 to U+FFFF by code point.
    const rank = (unit: number): number => (unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit);
    return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** Whether `error` is a stale revision or a storage failure already (passed through unchanged). */
function passThrough(error: unknown): boolean {
  return error instanceof TollgateError;
}

type Query = (text: string, values?: unknown[]) => Promise<pg.QueryResult>;

/**
 * migratePg with no lock_timeout: its advisory lock waits for another
 * instance's migration, however long that takes (the pool's connections
 * otherwise give up after lockTimeoutMs); the connection's own setting is
 * put back before it returns to the pool.
 */
async function migrateWaiting(
  client: pg.PoolClient,
  schema: string,
  options: Parameters<typeof migratePg>[2],
): Promise<Awaited<ReturnType<typeof migratePg>>> {
  await client.query('SET lock_timeout = 0');
  try {
    return await migratePg(client, schema, options);
  } finally {
    await client.query('RESET lock_timeout');
  }
}

/** The channel a schema's commits and acknowledgements are announced on. */
function channelOf(schema: string): string {
  return `tollgate_${schema}`;
}

/** What one NOTIFY payload says: a commit's revision, or computers whose acknowledgement was recorded. */
type Announcement = { from: string; revision: number } | { from: string; acks: string[] };

function parseAnnouncement(payload: string | undefined): Announcement | null {
  if (payload === undefined) return null;
  try {
    const value = JSON.parse(payload) as { i?: unknown; r?: unknown; a?: unknown };
    if (typeof value.i !== 'string') return null;
    if (typeof value.r === 'number' && Number.isSafeInteger(value.r)) return { from: value.i, revision: value.r };
    if (Array.isArray(value.a) && value.a.every((id) => typeof id === 'string')) {
      return { from: value.i, acks: value.a };
    }
    return null;
  } catch {
    return null;
  }
}

/**
 * The ids in payloads of at most MAX_NOTIFY_PAYLOAD_BYTES each (an id too
 * long to fit any payload is left out: computer ids are far shorter).
 */
export function ackPayloads(instance: string, ids: readonly string[]): string[] {
  const encode = (list: string[]): string => JSON.stringify({ i: instance, a: list });
  const empty = Buffer.byteLength(encode([]));
  const payloads: string[] = [];
  let batch: string[] = [];
  let bytes = empty;
  for (const id of ids) {
    const idBytes = Buffer.byteLength(JSON.stringify(id));
    if (empty + idBytes > MAX_NOTIFY_PAYLOAD_BYTES) continue;
    // Each id after the first adds a comma.
    const added = idBytes + (batch.length === 0 ? 0 : 1);
    if (bytes + added > MAX_NOTIFY_PAYLOAD_BYTES) {
      payloads.push(encode(batch));
      batch = [id];
      bytes = empty + idBytes;
    } else {
      batch.push(id);
      bytes += added;
    }
  }
  if (batch.length > 0) payloads.push(encode(batch));
  return payloads;
}

interface AckRow {
  snapshotVersion: number;
  settingsVersion: number;
  error: string | null;
  nowMs: number;
}

/** Acknowledgements written in one statement, and its outcome. */
interface AckBatch {
  rows: Map<string, AckRow>;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function newAckBatch(): AckBatch {
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Every ack of the batch awaits `done`; this keeps a failure from being reported as unhandled meanwhile.
  done.catch(() => undefined);
  return { rows: new Map(), done, resolve, reject };
}

export class PgStore implements ServerStore {
  readonly kind = 'postgres' as const;
  /** This store's id in its announcements, so that it skips its own. */
  readonly instanceId = randomUUID();
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly where: string;
  private readonly options: PgStoreOptions;
  private readonly listeners = new Set<StoreListener>();
  private closed = false;
  /** The stop under way (see close). */
  private closing: Promise<void> | null = null;
  /** Set as the stop begins: a beat that has not begun writing by then does not write (see beat). */
  private stopping = false;
  /** Whether a beat was begun: only then may this instance have a row in `instances` for the stop to delete. */
  private registered = false;
  /** The writes of the beats under way, each with whether it has begun writing (the stop waits for those). */
  private readonly beatWrites = new Map<Promise<unknown>, { writing: boolean }>();
  private fault: StorageFault = 'none';
  private listenClient: pg.Client | null = null;
  private listenTimer: NodeJS.Timeout | null = null;
  private listenAttempt = 0;
  /** Whether LISTEN has been up once: a later start of it is a reconnect, announced as a catch-up. */
  private listened = false;
  private readonly pendingAcks = new Set<string>();
  private ackTimer: NodeJS.Timeout | null = null;
  private ackFlush: Promise<void> = Promise.resolve();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  /** The highest revision the caller has read (load, changesSince, its own commits): recorded with each beat. */
  private seenRevision = 0;
  /** The entity keys the caller holds, as far as this store told it: what a catch-up below the pruned deletions is checked against. */
  private readonly knownKeys = new Set<string>();
  /** Acknowledgements waiting to be written together, and the writes under way. */
  private ackBatch: AckBatch | null = null;
  private ackWriting = false;

  private constructor(options: PgStoreOptions, schema: string) {
    this.options = options;
    this.schema = schema;
    this.where = describePgUrl(options.url);
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? PG_STORE_DEFAULTS.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? PG_STORE_DEFAULTS.connectTimeoutMs,
      options: this.sessionOptions(),
      // Which instance a connection is (pg_stat_activity).
      application_name: `tollgate ${this.instanceId}`,
      // A connection cut off without a reset (a firewall's state lost, a host gone) is found by the operating
      // system's keepalive probes, which start after 10 s of silence.
      keepAlive: true,
      keepAliveInitialDelayMillis: PG_KEEPALIVE_DELAY_MS,
    });
    // An idle connection that breaks is dropped by the pool; the next query gets a new one.
    this.pool.on('error', () => undefined);
  }

  /**
   * The settings of every connection of the store but the LISTEN one. Bounded waits: a statement waits for a
   * lock at most lock_timeout, and a transaction left open by an instance that stopped answering (paused, cut
   * off) is ended by PostgreSQL after idle_in_transaction_session_timeout, so that it does not hold every other
   * instance's commits.
   */
  private sessionOptions(): string {
    const { lockTimeoutMs, idleInTransactionTimeoutMs } = this.options;
    return (
      `-c search_path=${this.schema} -c lock_timeout=${lockTimeoutMs ?? PG_STORE_DEFAULTS.lockTimeoutMs}` +
      ` -c idle_in_transaction_session_timeout=${idleInTransactionTimeoutMs ?? PG_STORE_DEFAULTS.idleInTransactionTimeoutMs}`
    );
  }

  /** Opens the store: brings the schema up to date (see migratePg), then starts listening. */
  static async open(options: PgStoreOptions): Promise<PgStore> {
    const schema = PgStore.schemaOf(options);
    const store = new PgStore(options, schema);
    try {
      await store.withClient(async (client) => {
        await migrateWaiting(client, schema, { where: store.where });
      });
      await store.startListening();
      await store.beat();
      let beating = false;
      store.heartbeatTimer = setInterval(() => {
        // One beat at a time: beats that pile up behind a slow database would take the whole pool.
        if (beating) return;
        beating = true;
        store
          .beat()
          .catch((error: unknown) => {
            store.options.log?.({ event: 'heartbeat-failed', reason: (error as Error).message });
          })
          .finally(() => {
            beating = false;
          });
      }, options.heartbeatIntervalMs ?? PG_STORE_DEFAULTS.heartbeatIntervalMs);
      store.heartbeatTimer.unref();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Brings the configured schema up to date (or, dry, lists what is pending) without opening a store. */
  static async migrate(options: PgStoreOptions, dryRun: boolean): Promise<MigrationReport> {
    const schema = PgStore.schemaOf(options);
    const store = new PgStore(options, schema);
    try {
      return await store.withClient((client) => migrateWaiting(client, schema, { dryRun, where: store.where }));
    } finally {
      store.closed = true;
      await store.pool.end().catch(() => undefined);
    }
  }

  private static schemaOf(options: PgStoreOptions): string {
    const schema = options.schema ?? DEFAULT_PG_SCHEMA;
    if (!SCHEMA_NAME.test(schema)) {
      throw new TollgateError(
        'invalid-input',
        `store.schema "${schema}" must be a lower-case name (letters, digits, _; at most 63 characters)`,
      );
    }
    return schema;
  }

  // ---- reads ----

  async load(): Promise<StoreContents> {
    return this.readTx(async (query) => {
      const revision = await this.revisionIn(query);
      const entities = await query('SELECT kind, id, seq, body FROM entities');
      const computers = await query(`SELECT ${COMPUTER_COLUMNS} FROM computer_state`);
      return {
        revision,
        entities: entities.rows as EntityRow[],
        computers: (computers.rows as ComputerRecord[]).map(toRow),
      };
    }).then((contents) => {
      this.knownKeys.clear();
      for (const row of contents.entities) this.knownKeys.add(keyOf(row));
      this.seen(contents.revision);
      return contents;
    });
  }

  async changesSince(revision: number): Promise<StoreChanges> {
    return this.readTx(async (query) => {
      const stored = await query('SELECT revision, deletions_pruned_through FROM world_revision WHERE id = 1');
      const { revision: now, deletions_pruned_through: prunedThrough } = stored.rows[0] as {
        revision: string;
        deletions_pruned_through: string;
      };
      const entities = await query('SELECT kind, id, seq, body FROM entities WHERE revision > $1', [revision]);
      const computers = await query(`SELECT ${COMPUTER_COLUMNS} FROM computer_state WHERE revision > $1`, [revision]);
      let deletes: EntityKey[];
      if (revision >= Number(prunedThrough)) {
        deletes = (await query('SELECT kind, id FROM entity_deletions WHERE revision > $1', [revision]))
          .rows as EntityKey[];
      } else {
        // Deletions after `revision` may have been pruned: what this store's caller holds and the
        // database no longer has was deleted.
        const present = new Set(((await query('SELECT kind, id FROM entities')).rows as EntityKey[]).map(keyOf));
        deletes = [...this.knownKeys].filter((key) => !present.has(key)).map(keyFrom);
      }
      return {
        revision: Number(now),
        entities: entities.rows as EntityRow[],
        deletes,
        computers: (computers.rows as ComputerRecord[]).map(toRow),
      };
    }).then((changes) => {
      this.seen(changes.revision);
      return changes;
    });
  }

  adopt(changes: StoreChanges): void {
    for (const row of changes.entities) this.knownKeys.add(keyOf(row));
    for (const key of changes.deletes) this.knownKeys.delete(keyOf(key));
  }

  /** The stored revision, read now. */
  async revision(): Promise<number> {
    return this.run((client) => this.revisionIn((text, values) => client.query(text, values)));
  }

  async computerRows(ids?: readonly string[]): Promise<ComputerRow[]> {
    const result = await this.run((client) =>
      ids === undefined
        ? client.query<ComputerRecord>(`SELECT ${COMPUTER_COLUMNS} FROM computer_state`)
        : client.query<ComputerRecord>(`SELECT ${COMPUTER_COLUMNS} FROM computer_state WHERE computer_id = ANY($1)`, [
            [...ids],
          ]),
    );
    return result.rows.map(toRow);
  }

  async pendingRequestCount(computerId: string): Promise<number> {
    const result = await this.run((client) =>
      client.query<{ n: string }>(
        "SELECT count(*) AS n FROM approval_requests WHERE computer_id = $1 AND status = 'pending'",
        [computerId],
      ),
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  async requestBody(id: string): Promise<string | undefined> {
    const result = await this.run((client) =>
      client.query<{ body: string }>('SELECT body FROM approval_requests WHERE id = $1', [id]),
    );
    return result.rows[0]?.body;
  }

  async requestBodyPage(
    status: string | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<string[] | null> {
    return await this.run(async (client) => {
      let from = 0;
      if (after !== undefined) {
        const found = await client.query<{ seq: string }>('SELECT seq FROM approval_requests WHERE id = $1', [after]);
        const row = found.rows[0];
        if (row === undefined) return null;
        from = Number(row.seq);
      }
      const result =
        status === undefined
          ? await client.query<{ body: string }>(
              'SELECT body FROM approval_requests WHERE seq > $1 ORDER BY seq LIMIT $2',
              [from, limit],
            )
          : await client.query<{ body: string }>(
              'SELECT body FROM approval_requests WHERE status = $1 AND seq > $2 ORDER BY seq LIMIT $3',
              [status, from, limit],
            );
      return result.rows.map((row) => row.body);
    });
  }

  async requestBodies(status?: string): Promise<string[]> {
    const result = await this.run((client) =>
      status === undefined
        ? client.query<{ body: string }>('SELECT body FROM approval_requests ORDER BY seq')
        : client.query<{ body: string }>('SELECT body FROM approval_requests WHERE status = $1 ORDER BY seq', [status]),
    );
    return result.rows.map((row) => row.body);
  }

  // ---- writes ----

  async pruneDecidedRequests(decidedBeforeMs: number): Promise<number> {
    // The decision's time is the last event of the request's history (JSON written by the server). Rows another
    // transaction holds are skipped (SKIP LOCKED), not waited for: another instance deleting them too, or a change
    // of the request (the next prune sees it). So two instances pruning at once never wait for each other's rows
    // in opposite orders, which a plain DELETE could (each reads the table in its own order, e.g. PostgreSQL's
    // synchronized scans of a large table).
    const result = await this.writeTx((query) =>
      query(
        `DELETE FROM approval_requests
         WHERE seq IN (
           SELECT seq FROM approval_requests
           WHERE status = ANY($1)
             AND coalesce((body::jsonb #>> '{history,-1,atMs}')::bigint, received_at_ms) < $2
           FOR UPDATE SKIP LOCKED
         )`,
        [[...DECIDED_REQUEST_STATUSES], decidedBeforeMs],
      ),
    );
    return result.rowCount ?? 0;
  }

  async commitWorld(commit: WorldCommit): Promise<{ revision: number }> {
    return this.writeTx(async (query) => {
      const stored = await this.lockRevision(query);
      if (stored !== commit.baseRevision) throw new StaleWorldError(commit.baseRevision, stored);
      const revision = stored + 1;
      for (const writes of slices(commit.writes, MAX_ROWS_PER_STATEMENT)) {
        const kinds = writes.map((row) => row.kind);
        const ids = writes.map((row) => row.id);
        await query(
          `INSERT INTO entities (kind, id, seq, body, revision)
           SELECT kind, id, seq, body, $5 FROM unnest($1::text[], $2::text[], $3::int[], $4::text[])
             AS w (kind, id, seq, body)
           ON CONFLICT (kind, id) DO UPDATE SET seq = excluded.seq, body = excluded.body, revision = excluded.revision`,
          [kinds, ids, writes.map((row) => row.seq), writes.map((row) => row.body), revision],
        );
        await query(
          `DELETE FROM entity_deletions d USING unnest($1::text[], $2::text[]) AS w (kind, id)
           WHERE d.kind = w.kind AND d.id = w.id`,
          [kinds, ids],
        );
      }
      for (const deletes of slices(commit.deletes, MAX_ROWS_PER_STATEMENT)) {
        const kinds = deletes.map((key) => key.kind);
        const ids = deletes.map((key) => key.id);
        await query(
          `DELETE FROM entities e USING unnest($1::text[], $2::text[]) AS d (kind, id)
           WHERE e.kind = d.kind AND e.id = d.id`,
          [kinds, ids],
        );
        await query(
          `INSERT INTO entity_deletions (kind, id, revision)
           SELECT kind, id, $3 FROM unnest($1::text[], $2::text[]) AS d (kind, id)
           ON CONFLICT (kind, id) DO UPDATE SET revision = excluded.revision`,
          [kinds, ids, revision],
        );
      }
      if (commit.issued.length > 0) await this.issue(query, commit.issued, revision);
      const request = commit.request;
      if (request !== undefined) {
        const updated = await query('UPDATE approval_requests SET status = $2, body = $3 WHERE id = $1 AND body = $4', [
          request.id,
          request.status,
          request.body,
          request.previousBody,
        ]);
        if (updated.rowCount !== 1) {
          const found = await query('SELECT 1 FROM approval_requests WHERE id = $1', [request.id]);
          throw requestUpdateRefused(request.id, found.rowCount === 1);
        }
      }
      await this.bump(query, revision);
      return { revision };
    }).then((result) => {
      for (const row of commit.writes) this.knownKeys.add(keyOf(row));
      for (const key of commit.deletes) this.knownKeys.delete(keyOf(key));
      this.seen(result.revision);
      return result;
    });
  }

  /**
   * Records issued versions; a version lower than the one stored for the
   * computer is refused (the whole commit with it): versions never go down.
   *
   * The computers' rows are locked in ascending computer_id order ("C"
   * collation), the one order every write of several computer_state rows
   * takes (see writeAcks), so that this commit and a batch of
   * acknowledgements never each hold a row the other waits for (a deadlock,
   * which PostgreSQL ends by rolling one of them back). The versions are
   * sorted in that order (compareCodePoints is the "C" order) and written in
   * slices; before each slice's INSERT, `SELECT ... ORDER BY ... FOR UPDATE`
   * locks its existing rows, and PostgreSQL applies the ORDER BY before it
   * locks (its SELECT documentation, "The Locking Clause"), so the rows are
   * locked in that order across the slices; the INSERT then finds them
   * locked already. The rows it inserts are new computers', which no other
   * transaction can hold: acknowledgements do not see uncommitted rows, and
   * the other commits wait for the revision row this one holds.
   */
  private async issue(query: Query, issued: readonly IssuedVersions[], revision: number): Promise<void> {
    const ordered = [...issued].sort((a, b) => compareCodePoints(a.computerId, b.computerId));
    let written = 0;
    for (const part of slices(ordered, MAX_ROWS_PER_STATEMENT)) {
      await query(
        `SELECT computer_id FROM computer_state WHERE computer_id = ANY($1::text[])
         ORDER BY computer_id COLLATE "C" FOR UPDATE`,
        [part.map((v) => v.computerId)],
      );
      written += await this.issueSome(query, part, revision);
    }
    if (written !== new Set(issued.map((v) => v.computerId)).size) {
      throw new TollgateError(
        'conflict',
        'a version lower than the one stored was to be issued: versions never go down, nothing was stored',
      );
    }
  }

  /** One statement of `issue`: the rows it wrote. */
  private async issueSome(query: Query, issued: readonly IssuedVersions[], revision: number): Promise<number> {
    const result = await query(
      `INSERT INTO computer_state (computer_id, snapshot_version, settings_version, view_hash, settings_hash, revision)
       SELECT computer_id, snapshot_version, settings_version, view_hash, settings_hash, $6
       FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])
         AS v (computer_id, snapshot_version, settings_version, view_hash, settings_hash)
       ON CONFLICT (computer_id) DO UPDATE SET
         snapshot_version = excluded.snapshot_version, settings_version = excluded.settings_version,
         view_hash = excluded.view_hash, settings_hash = excluded.settings_hash, revision = excluded.revision
       WHERE computer_state.snapshot_version <= excluded.snapshot_version
         AND computer_state.settings_version <= excluded.settings_version`,
      [
        issued.map((v) => v.computerId),
        issued.map((v) => v.snapshotVersion),
        issued.map((v) => v.settingsVersion),
        issued.map((v) => v.viewHash),
        issued.map((v) => v.settingsHash),
        revision,
      ],
    );
    return result.rowCount ?? 0;
  }

  async setTokenHash(computerId: string, hash: Buffer): Promise<{ revision: number }> {
    return this.writeTx(async (query) => {
      const revision = (await this.lockRevision(query)) + 1;
      await query('UPDATE computer_state SET token_hash = $1, revision = $2 WHERE computer_id = $3', [
        hash,
        revision,
        computerId,
      ]);
      await this.bump(query, revision);
      return { revision };
    });
  }

  async recordHello(computerId: string, hello: HelloReport): Promise<void> {
    const { agentVersion, tollgateVersion, os, nowMs } = hello;
    await this.writeTx((query) =>
      query(
        `UPDATE computer_state SET reported_agent_version = $1, reported_tollgate_version = $2, reported_os = $3,
           last_seen_ms = $4
         WHERE computer_id = $5`,
        [agentVersion, tollgateVersion, os, nowMs, computerId],
      ),
    );
  }

  /**
   * Records an acknowledgement. Those that arrive while another batch is
   * written wait and go in the next one statement (at most maxAckBatch), so
   * that thousands of agents acknowledging a change at once cost a few round
   * trips, not one transaction each; a failure fails every ack of its batch.
   */
  async recordAck(
    computerId: string,
    ack: { snapshotVersion: number; settingsVersion: number; error: string | null; nowMs: number },
  ): Promise<void> {
    let batch = this.ackBatch;
    if (batch === null || batch.rows.size >= (this.options.maxAckBatch ?? PG_STORE_DEFAULTS.maxAckBatch)) {
      batch = newAckBatch();
      this.ackBatch = batch;
      const chosen = batch;
      // Written after the batches before it (one at a time, in order), or at once: later acks join meanwhile.
      const start = (): void => {
        if (this.ackBatch === chosen) this.ackBatch = null;
        void this.writeAcks(chosen.rows)
          .then(chosen.resolve, chosen.reject)
          .finally(() => {
            const next = this.ackWaiters.shift();
            if (next === undefined) this.ackWriting = false;
            else next();
          });
      };
      if (this.ackWriting) this.ackWaiters.push(start);
      else {
        this.ackWriting = true;
        setTimeout(start, this.options.ackBatchDelayMs ?? PG_STORE_DEFAULTS.ackBatchDelayMs);
      }
    }
    // One row per computer: the newest acknowledgement wins.
    batch.rows.delete(computerId);
    batch.rows.set(computerId, ack);
    await batch.done;
    this.announceAck(computerId);
  }

  private readonly ackWaiters: (() => void)[] = [];

  /**
   * Writes a batch of acknowledgements in one statement: one UPDATE is
   * atomic and durable on its own when it returns (autocommit), so no
   * BEGIN and COMMIT round trips around it (under a simulated storage
   * fault, a read-only transaction, which PostgreSQL refuses to write in).
   *
   * The rows are locked in ascending computer_id order ("C" collation), as a
   * commit's issued versions lock them (see issue): an UPDATE ... FROM join
   * locks its rows in whatever order the plan reads them (a hash join: the
   * table's physical order), so the statement locks them first, in the
   * `locked` CTE: `SELECT ... ORDER BY ... FOR UPDATE` sorts and then locks
   * (PostgreSQL applies the ORDER BY before the locking clause), and the
   * UPDATE joins on `locked`, so it updates only rows the CTE has already
   * locked, which it never waits for. Whatever the join's plan, the only
   * row locks the statement waits for are taken in that order.
   */
  private writeAcks(rows: ReadonlyMap<string, AckRow>): Promise<unknown> {
    const ids = [...rows.keys()];
    const acks = [...rows.values()];
    const write =
      this.fault === 'none'
        ? <T>(fn: (query: Query) => Promise<T>): Promise<T> =>
            this.run((client) => this.retryRolledBack(() => fn((text, values) => client.query(text, values))))
        : <T>(fn: (query: Query) => Promise<T>): Promise<T> => this.writeTx(fn);
    return write((query) =>
      query(
        `WITH locked AS MATERIALIZED (
           SELECT computer_id FROM computer_state WHERE computer_id = ANY($1::text[])
           ORDER BY computer_id COLLATE "C" FOR UPDATE
         )
         UPDATE computer_state c
         SET acked_snapshot_version = a.snapshot_version, acked_settings_version = a.settings_version,
             last_error = a.error, last_seen_ms = a.now_ms
         FROM locked l
         JOIN unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[])
           AS a (computer_id, snapshot_version, settings_version, error, now_ms) ON a.computer_id = l.computer_id
         WHERE c.computer_id = l.computer_id`,
        [
          ids,
          acks.map((a) => a.snapshotVersion),
          acks.map((a) => a.settingsVersion),
          acks.map((a) => a.error),
          acks.map((a) => Math.round(a.nowMs)),
        ],
      ),
    );
  }

  async setLastSeen(computerId: string, nowMs: number): Promise<void> {
    await this.writeTx((query) =>
      query('UPDATE computer_state SET last_seen_ms = $1 WHERE computer_id = $2', [nowMs, computerId]),
    );
  }

  async insertRequest(row: RequestRow): Promise<boolean> {
    const result = await this.writeTx((query) =>
      query(
        `INSERT INTO approval_requests (id, computer_id, received_at_ms, status, body)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
        [row.id, row.computerId, row.receivedAtMs, row.status, row.body],
      ),
    );
    return result.rowCount === 1;
  }

  async updateRequest(id: string, status: string, body: string, previousBody: string): Promise<boolean> {
    const result = await this.writeTx((query) =>
      query('UPDATE approval_requests SET status = $2, body = $3 WHERE id = $1 AND body = $4', [
        id,
        status,
        body,
        previousBody,
      ]),
    );
    return result.rowCount === 1;
  }

  // ---- presence: which agents are connected to which instance ----

  /**
   * Records that this instance runs and what it has read (and forgets instances gone long ago), then prunes
   * deletions: on a timer. Once the stop has begun, a beat that has not begun writing does not: it would put
   * back the row the stop deletes.
   */
  async beat(): Promise<void> {
    if (this.stopping) return;
    this.registered = true;
    const forgetSeconds = PG_STORE_DEFAULTS.instanceForgetMs / 1000;
    // A beat answered later than the next is due is worth nothing: on a connection that has gone silent (cut off
    // without a reset) it fails then, and the connection is dropped, rather than holding every later beat.
    const interval = this.options.heartbeatIntervalMs ?? PG_STORE_DEFAULTS.heartbeatIntervalMs;
    const state = { writing: false };
    const write = this.writeTx(async (query) => {
      if (this.stopping) return false;
      // From here the stop waits for this write to end before it deletes the row.
      state.writing = true;
      await query(
        `INSERT INTO instances (instance_id, seen_revision) VALUES ($1, $2)
         ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = now(), seen_revision = excluded.seen_revision`,
        [this.instanceId, this.seenRevision],
      );
      // Rows another transaction holds are skipped, not waited for (an instance beating now, or another deleting
      // them): two instances that beat at once after an hour without (a database outage) would otherwise each
      // hold its own row and wait for the other's.
      await query(
        `DELETE FROM instances WHERE instance_id IN (
           SELECT instance_id FROM instances WHERE heartbeat_at < now() - make_interval(secs => $1)
           FOR UPDATE SKIP LOCKED
         )`,
        [forgetSeconds],
      );
      return true;
    }, interval);
    this.beatWrites.set(write, state);
    let wrote: boolean;
    try {
      wrote = await write;
    } finally {
      this.beatWrites.delete(write);
    }
    if (wrote) await this.pruneDeletions(interval);
  }

  /**
   * Deletes the deletions log's rows at or below the lowest revision that
   * every running instance (its beat recent) has read: none of them needs
   * them to catch up. An instance that stopped beating for longer and comes
   * back below that revision still catches up right (see changesSince).
   * While a commit holds the revision row, nothing is pruned (a later call
   * prunes): the prune does not wait for it. With `queryTimeoutMs` (a beat's
   * prune: the beat interval), a statement with no answer in that time fails
   * as the beat's own do. Returns how many rows were deleted.
   */
  async pruneDeletions(queryTimeoutMs?: number): Promise<number> {
    const timeoutSeconds = (this.options.instanceTimeoutMs ?? PG_STORE_DEFAULTS.instanceTimeoutMs) / 1000;
    return this.writeTx(async (query) => {
      // The revision row first, as every commit takes it: the two never wait on each other's rows. A commit that
      // holds it (a large import can for longer than the beat interval) is not waited for: the beats that follow
      // this one would wait behind it, and the instance would look gone to the others.
      const locked = await query('SELECT 1 FROM world_revision WHERE id = 1 FOR UPDATE SKIP LOCKED');
      if (locked.rowCount === 0) return 0;
      const result = await query(
        `WITH pruned AS (
           DELETE FROM entity_deletions
           WHERE revision <= (SELECT min(seen_revision) FROM instances
                              WHERE heartbeat_at >= now() - make_interval(secs => $1))
           RETURNING revision
         )
         UPDATE world_revision SET deletions_pruned_through = GREATEST(deletions_pruned_through, p.top)
         FROM (SELECT max(revision) AS top, count(*) AS n FROM pruned) p
         WHERE id = 1
         RETURNING p.n`,
        [timeoutSeconds],
      );
      return Number((result.rows[0] as { n: string } | undefined)?.n ?? 0);
    }, queryTimeoutMs);
  }

  /** Notes that this store's caller has read the world up to `revision`. */
  private seen(revision: number): void {
    if (revision > this.seenRevision) this.seenRevision = revision;
  }

  /** Records that an agent is connected to this instance now, or no longer (unless it moved to another since). */
  async markConnected(computerId: string, connected: boolean): Promise<void> {
    await this.writeTx((query) =>
      connected
        ? query('UPDATE computer_state SET connected_instance = $1 WHERE computer_id = $2', [
            this.instanceId,
            computerId,
          ])
        : query(
            'UPDATE computer_state SET connected_instance = NULL WHERE computer_id = $2 AND connected_instance = $1',
            [this.instanceId, computerId],
          ),
    );
  }

  /** Which of these computers are connected to another instance that is still running (its beat recent). */
  async connectedElsewhere(ids: readonly string[]): Promise<Set<string>> {
    const timeoutSeconds = (this.options.instanceTimeoutMs ?? PG_STORE_DEFAULTS.instanceTimeoutMs) / 1000;
    const result = await this.run((client) =>
      client.query<{ computer_id: string }>(
        `SELECT c.computer_id FROM computer_state c JOIN instances i ON i.instance_id = c.connected_instance
         WHERE c.computer_id = ANY($1) AND c.connected_instance <> $2
           AND i.heartbeat_at >= now() - make_interval(secs => $3)`,
        [[...ids], this.instanceId, timeoutSeconds],
      ),
    );
    return new Set(result.rows.map((row) => row.computer_id));
  }

  // ---- announcements ----

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Queues a computer id for the next acknowledgement announcement (sent at once when the queue is full). */
  private announceAck(computerId: string): void {
    if (this.closed) return;
    this.pendingAcks.add(computerId);
    const max = this.options.maxPendingAckIds ?? PG_STORE_DEFAULTS.maxPendingAckIds;
    if (this.pendingAcks.size >= max) {
      void this.flushAcks();
      return;
    }
    this.ackTimer ??= setTimeout(
      () => void this.flushAcks(),
      this.options.ackNotifyDelayMs ?? PG_STORE_DEFAULTS.ackNotifyDelayMs,
    );
    this.ackTimer.unref();
  }

  /** Sends the queued acknowledgement ids (a failure is logged: the acks are stored, other instances read them later). */
  flushAcks(): Promise<void> {
    if (this.ackTimer !== null) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    if (this.pendingAcks.size === 0) return this.ackFlush;
    const ids = [...this.pendingAcks];
    this.pendingAcks.clear();
    const payloads = ackPayloads(this.instanceId, ids);
    this.ackFlush = this.ackFlush.then(async () => {
      try {
        await this.run(async (client) => {
          for (const payload of payloads)
            await client.query('SELECT pg_notify($1, $2)', [channelOf(this.schema), payload]);
        });
      } catch (error) {
        this.options.log?.({ event: 'notify-failed', reason: (error as Error).message });
      }
    });
    return this.ackFlush;
  }

  private async startListening(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? PG_STORE_DEFAULTS.connectTimeoutMs,
      application_name: `tollgate ${this.instanceId} listen`,
    });
    client.on('error', () => this.listenLost(client, 'the LISTEN connection failed'));
    client.on('end', () => this.listenLost(client, 'the LISTEN connection ended'));
    // Only the connection in use is heard: one given up as lost may still deliver what it had received, which
    // the catch-up at the reconnect announces in its turn.
    client.on('notification', (message) => {
      if (this.listenClient === client) this.onNotification(message);
    });
    this.listenClient = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(channelOf(this.schema))}`);
    } catch (error) {
      this.listenClient = null;
      await client.end().catch(() => undefined);
      throw this.storageError(error);
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    if (this.listened) {
      // Whatever was announced while the connection was down is caught up from the stored revision.
      let revision: number;
      try {
        revision = await this.revision();
      } catch (error) {
        this.listenLost(client, `cannot read the stored revision: ${(error as Error).message}`);
        return;
      }
      this.options.log?.({ event: 'listen-restored' });
      for (const listener of [...this.listeners]) listener.onCommit(revision);
    }
    this.listenAttempt = 0;
    this.listened = true;
  }

  private listenLost(client: pg.Client, reason: string): void {
    if (this.listenClient !== client) return;
    this.listenClient = null;
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.options.log?.({ event: 'listen-lost', reason });
    this.scheduleListen();
  }

  private scheduleListen(): void {
    if (this.closed || this.listenTimer !== null) return;
    const delay = Math.min(
      PG_STORE_DEFAULTS.listenRetryMaxMs,
      PG_STORE_DEFAULTS.listenRetryInitialMs * 2 ** Math.min(this.listenAttempt, 16),
    );
    this.listenAttempt++;
    this.listenTimer = setTimeout(() => {
      this.listenTimer = null;
      this.startListening().catch((error: unknown) => {
        this.options.log?.({ event: 'listen-lost', reason: (error as Error).message });
        this.scheduleListen();
      });
    }, delay);
    this.listenTimer.unref();
  }

  /** Test-only: drops the LISTEN connection as a network failure would. */
  dropListenConnection(): void {
    const client = this.listenClient;
    if (client !== null) this.listenLost(client, 'dropped');
  }

  private onNotification(message: pg.Notification): void {
    const announcement = parseAnnouncement(message.payload);
    if (announcement === null || announcement.from === this.instanceId) return;
    for (const listener of [...this.listeners]) {
      if ('revision' in announcement) listener.onCommit(announcement.revision);
      else listener.onAcks(announcement.acks);
    }
  }

  // ---- plumbing ----

  private async revisionIn(query: Query): Promise<number> {
    const result = await query('SELECT revision FROM world_revision WHERE id = 1');
    return Number((result.rows[0] as { revision: string }).revision);
  }

  private async lockRevision(query: Query): Promise<number> {
    const result = await query('SELECT revision FROM world_revision WHERE id = 1 FOR UPDATE');
    return Number((result.rows[0] as { revision: string }).revision);
  }

  /** Stores the new revision and announces it on commit (NOTIFY is sent when the transaction commits). */
  private async bump(query: Query, revision: number): Promise<void> {
    await query('UPDATE world_revision SET revision = $1 WHERE id = 1', [revision]);
    await query('SELECT pg_notify($1, $2)', [
      channelOf(this.schema),
      JSON.stringify({ i: this.instanceId, r: revision }),
    ]);
  }

  private readTx<T>(fn: (query: Query) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn);
  }

  private writeTx<T>(fn: (query: Query) => Promise<T>, queryTimeoutMs?: number): Promise<T> {
    // The simulated fault makes the transaction read-only: PostgreSQL itself refuses the writes.
    return this.transaction(this.fault === 'none' ? 'BEGIN' : 'BEGIN READ ONLY', fn, queryTimeoutMs);
  }

  /**
   * Runs `fn` in one transaction. With `queryTimeoutMs`, each statement (the
   * BEGIN, COMMIT and ROLLBACK too) that has no answer in that time fails
   * (pg's query_timeout), and the connection is discarded rather than
   * returned to the pool: it may be cut off without the operating system
   * knowing yet.
   */
  private transaction<T>(begin: string, fn: (query: Query) => Promise<T>, queryTimeoutMs?: number): Promise<T> {
    return this.run(async (client) => {
      let timedOut = false;
      const query: Query =
        queryTimeoutMs === undefined
          ? (text, values) => client.query(text, values)
          : async (text, values) => {
              try {
                return await client.query({ text, values, query_timeout: queryTimeoutMs } as pg.QueryConfig);
              } catch (error) {
                if (error instanceof Error && error.message === QUERY_TIMEOUT_MESSAGE) timedOut = true;
                throw error;
              }
            };
      // A transaction PostgreSQL rolled back is run again whole, from BEGIN: `fn` only reads and writes through
      // `query`, and the callers change what they hold in memory only once it has returned.
      return this.retryRolledBack(async () => {
        await query(begin);
        try {
          const result = await fn(query);
          await query('COMMIT');
          return result;
        } catch (error) {
          // After a statement that had no answer in time, a ROLLBACK would only be sent once that statement is
          // answered: it would wait another queryTimeoutMs for nothing. The connection is discarded instead
          // (see withClient), and PostgreSQL rolls the transaction back as the session ends.
          if (!timedOut) await query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    });
  }

  /**
   * Runs `attempt`, and again when PostgreSQL rolled it back as a deadlock's
   * victim or for a serialization failure (nothing of it stored), at most
   * rolledBackRetries more times after a short random delay; each retry is
   * logged (`storage-retry`). The connection stays the caller's: such an
   * error leaves it usable. The last failure is thrown as it is.
   */
  private async retryRolledBack<T>(attempt: () => Promise<T>): Promise<T> {
    for (let retry = 1; ; retry++) {
      try {
        return await attempt();
      } catch (error) {
        if (!rolledBack(error) || retry > PG_STORE_DEFAULTS.rolledBackRetries || this.closed) throw error;
        const delayMs = Math.round(PG_STORE_DEFAULTS.rolledBackRetryDelayMs * (retry + Math.random()));
        this.options.log?.({
          event: 'storage-retry',
          reason: `${error.message} (${error.code}): retry ${retry} of ${PG_STORE_DEFAULTS.rolledBackRetries} in ${delayMs} ms`,
        });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /** Runs `fn` on a pooled connection; storage failures become 'storage-unavailable' naming the database. */
  private async run<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(fn);
  }

  private async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new TollgateError(STORAGE_UNAVAILABLE, `${this.where} (schema ${this.schema}) is closed`);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.storageError(error);
    }
    let broken: Error | undefined;
    // The pool listens for a connection's errors only while it is idle: one that breaks while it is taken (the
    // server ends it between two statements of a transaction) would otherwise be an unhandled 'error' event,
    // which ends the process. It is discarded when released instead.
    const onError = (error: Error): void => {
      broken ??= error;
    };
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (error) {
      if (!passThrough(error) && isStorageFailure(error)) broken ??= error as Error;
      throw passThrough(error) ? error : this.storageError(error);
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  private storageError(error: unknown): unknown {
    if (passThrough(error)) return error;
    if (isInsufficientPrivilege(error)) {
      // Not a bug of a statement: the database refuses the role what the server needs (a grant missing or revoked).
      return new TollgateError(
        STORAGE_UNAVAILABLE,
        `${this.where}, schema "${this.schema}": ${error.message} (${INSUFFICIENT_PRIVILEGE}): ${THE_ROLE} ` +
          `needs ${PRIVILEGES_NEEDED}`,
        { cause: error },
      );
    }
    if (!isStorageFailure(error)) return error;
    const { message } = error as Error;
    const code = (error as { code?: unknown }).code;
    return new TollgateError(
      STORAGE_UNAVAILABLE,
      `${this.where} cannot be used: ${message === '' ? String(code) : message}${typeof code === 'string' ? ` (${code})` : ''}`,
      { cause: error },
    );
  }

  /**
   * `SELECT 1` on a pooled connection, bounded by `timeoutMs` overall
   * (waiting for a connection included). A connection whose query failed or
   * timed out is discarded, not returned to the pool.
   */
  async ping(timeoutMs: number): Promise<void> {
    if (this.closed) throw new TollgateError(STORAGE_UNAVAILABLE, `${this.where} (schema ${this.schema}) is closed`);
    const unavailable = (error: unknown): TollgateError => {
      const mapped = this.storageError(error);
      if (mapped instanceof TollgateError) return mapped;
      return new TollgateError(STORAGE_UNAVAILABLE, `${this.where} cannot be used: ${(error as Error).message}`, {
        cause: error,
      });
    };
    const attempt = (async (): Promise<void> => {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        throw unavailable(error);
      }
      let broken: Error | undefined;
      try {
        await client.query({ text: 'SELECT 1', query_timeout: timeoutMs } as pg.QueryConfig);
      } catch (error) {
        broken = error as Error;
        throw unavailable(error);
      } finally {
        client.release(broken);
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TollgateError(STORAGE_UNAVAILABLE, `${this.where} did not answer SELECT 1 within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      timer.unref();
    });
    // Whichever loses the race settles unobserved: its outcome is already reported by the winner.
    attempt.catch(() => undefined);
    try {
      await Promise.race([attempt, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops the store: deletes this instance's row of `instances` (its agents
   * count as connected nowhere for the other instances from then on), sends
   * the acknowledgements still queued, and closes its connections once the
   * calls under way have ended. Later calls do nothing more.
   */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    this.stopping = true;
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    // A beat writing now would put back the row deleted below once it commits: it ends first (its statements
    // have the beat interval at most). One that has not begun writing will not (see beat).
    const writing = [...this.beatWrites].filter(([, state]) => state.writing).map(([write]) => write);
    await Promise.all(writing.map((write) => write.catch(() => undefined)));
    if (this.registered) await this.removeInstance();
    await this.flushAcks();
    this.closed = true;
    if (this.ackTimer !== null) clearTimeout(this.ackTimer);
    if (this.listenTimer !== null) clearTimeout(this.listenTimer);
    this.listenTimer = null;
    const client = this.listenClient;
    this.listenClient = null;
    this.listeners.clear();
    await client?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  /**
   * Deletes this instance's row, so that the other instances take its agents
   * as connected nowhere at once. On a connection of its own, not the pool's:
   * as a server stops, the pool's connections may all be taken by the writes
   * of its agents disconnecting, thousands more waiting for them, and the
   * delete would wait behind them, then fail after connectTimeoutMs, leaving
   * the row until its beat is instanceTimeoutMs old. A failure is logged
   * (`instance-not-removed`).
   */
  private async removeInstance(): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? PG_STORE_DEFAULTS.connectTimeoutMs;
    const client = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: timeoutMs,
      // The simulated fault makes the session read-only: PostgreSQL itself refuses the delete.
      options: this.sessionOptions() + (this.fault === 'none' ? '' : ' -c default_transaction_read_only=on'),
      application_name: `tollgate ${this.instanceId} stop`,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query({
        text: 'DELETE FROM instances WHERE instance_id = $1',
        values: [this.instanceId],
        query_timeout: timeoutMs,
      } as pg.QueryConfig);
    } catch (error) {
      this.options.log?.({
        event: 'instance-not-removed',
        reason: `${this.where} (schema ${this.schema}): ${(error as Error).message}`,
      });
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  simulateStorageFault(fault: StorageFault): void {
    this.fault = fault;
  }
}
