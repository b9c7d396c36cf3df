import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { TollgateError } from '../engine/errors.js';
import { closeDatabase, openCheckedDatabase, quickCheck, recoverDatabase, type RecoveryInfo } from './open-database.js';
import { runBackgroundCheck, type BackgroundCheckOutcome } from './background-check.js';
import { DEFAULT_MAX_IMAGE_BYTES, ImageFiles, imageFolder, type ImageWriteHooks } from './image-files.js';
import { DEFAULT_OUTBOX_LIMITS } from './outbox-limits.js';
import { salvageOutbox } from './outbox-salvage.js';
import { SnapshotPartWriter } from './part-writer.js';
import { STORAGE_UNAVAILABLE, type StorageFault, guardStorage, simulateStorageFault } from './storage-error.js';

/** Options of `AgentStore.open`. */
export interface AgentStoreOptions {
  /** Previous snapshots kept besides the active one (default 3). */
  maxPreviousSnapshots?: number;
  /** Decisions kept by `pruneDecisionLog` (default 10000). */
  maxDecisionLog?: number;
  /** Bytes of decision log rows kept by `pruneDecisionLog` (default 64 MiB; see DECISION_ROW_OVERHEAD_BYTES). */
  maxDecisionLogBytes?: number;
  /** Delivered outbox ids remembered to ignore re-enqueues (default 10000). */
  maxDeliveredOutboxIds?: number;
  /** Approval requests the outbox holds at most (default DEFAULT_OUTBOX_LIMITS.maxItems). */
  maxOutboxItems?: number;
  /** Payload bytes the outbox holds at most, all items together (default DEFAULT_OUTBOX_LIMITS.maxBytes). */
  maxOutboxBytes?: number;
  /** Called when an unreadable database file was moved aside and replaced (after its outbox was salvaged). */
  onRecovered?: (info: RecoveryInfo) => void;
  /** The largest compiled view image file kept (default DEFAULT_MAX_IMAGE_BYTES); a larger one is not stored. */
  maxImageBytes?: number;
  /**
   * After an unclean stop, leave the full quick_check to `backgroundCheck`
   * instead of running it at open (default false: it runs at open).
   */
  deferCheck?: boolean;
}

/**
 * What a warm start needs of a stored snapshot version without reading its
 * bytes, recorded when it was verified (null in rows stored before).
 */
export interface SnapshotInfo {
  /** SHA-256 of the stored bytes: names and binds the version's image file. */
  sha256: Buffer;
  /** The id of the pinned key that verified it (of the delta, for a version reached by one). */
  keyId: string;
  issuedAtMs: number;
  settingsVersion: number;
  /** Its view hash (wire/delta.ts); null when it could not be worked out. */
  viewHash: Buffer | null;
}

/** The active snapshot's row without its bytes. */
export interface SnapshotRecord {
  version: number;
  appliedAtMs: number;
  /** Whether the version was reached by a delta (its bytes are a view's encoding). */
  byDelta: boolean;
  /** Null for a row stored before these were recorded. */
  info: SnapshotInfo | null;
}

/** A versioned blob kept exactly as received (a signed snapshot or settings). */
export interface StoredBlob {
  version: number;
  bytes: Buffer;
  appliedAtMs: number;
  /**
   * Set for a snapshot version reached by a delta: the SignedDelta, whose
   * signed view hash covers `bytes`, which then hold the view's encoding.
   */
  delta?: Buffer;
}

/** A kept, no longer active snapshot. */
export interface PreviousSnapshot {
  version: number;
  appliedAtMs: number;
}

/** One decision-log row; `request` and `decision` are JSON text. */
export interface DecisionLogEntry {
  atMs: number;
  computerId: string;
  request: string;
  decision: string;
  action: string;
  policy: string | null;
}

/** An approval request to send to the server, deduplicated by `id`. */
export interface OutboxItem {
  id: string;
  payload: Uint8Array;
  createdAtMs: number;
}

/** An outbox item not yet delivered, with the number of send attempts so far. */
export interface PendingOutboxItem {
  id: string;
  payload: Buffer;
  createdAtMs: number;
  attempts: number;
}

/** Test-only fault points of `applySnapshot` (and of writing the image after it: writeImageLater). */
export interface ApplyHooks extends ImageWriteHooks {
  /** Runs inside the transaction just before commit; a throw rolls it back. */
  beforeCommit?: () => void;
  /** Runs once the transaction is committed, before image files of other versions are deleted. */
  afterCommit?: () => void;
}

export { DEFAULT_OUTBOX_LIMITS } from './outbox-limits.js';

interface Bounds {
  maxPreviousSnapshots: number;
  maxDecisionLog: number;
  maxDecisionLogBytes: number;
  maxDeliveredOutboxIds: number;
  maxOutboxItems: number;
  maxOutboxBytes: number;
  maxImageBytes: number;
}

interface BlobRow {
  version: number;
  bytes: Buffer;
  applied_at_ms: number;
}

interface SnapshotRow extends BlobRow {
  parts: number;
  size: number;
  delta: Buffer | null;
}

interface RecordRow {
  version: number;
  applied_at_ms: number;
  by_delta: number;
  sha256: Buffer | null;
  key_id: string | null;
  issued_at_ms: number | null;
  settings_version: number | null;
  view_hash: Buffer | null;
}

/** What a decision log row counts besides the UTF-8 bytes of its request and decision text. */
export const DECISION_ROW_OVERHEAD_BYTES = 64;
/** The decision log's default byte bound. */
export const DEFAULT_MAX_DECISION_LOG_BYTES = 64 * 1024 * 1024;

/**
 * The largest part a snapshot is stored in (see the migrations). Below the
 * 1 MiB mmap threshold the daemon gives glibc's malloc (docs/DAEMON.md,
 * Memory): SQLite's copies of a part then come from its heap, not from a
 * fresh mapping each (measured: an apply's transaction at 100,000 policies
 * took about 4 times the CPU with parts of 1 MiB and 64 KiB pages).
 * Parts of rows stored before may be larger; they are read as they are.
 */
export const SNAPSHOT_PART_BYTES = 512 * 1024;

/** WAL pages past which a commit checkpoints (SQLite's default, set again after a snapshot's commit). */
const WAL_AUTOCHECKPOINT_PAGES = 1000;

interface DecisionRow {
  at_ms: number;
  computer_id: string;
  request: string;
  decision: string;
  action: string;
  policy: string | null;
}

interface OutboxInsert {
  id: string;
  payload: Buffer;
  createdAtMs: number;
}

interface OutboxRow {
  id: string;
  payload: Buffer;
  created_at_ms: number;
  attempts: number;
}

/**
 * The daemon's SQLite cache: the active snapshot and settings, meta values,
 * the bounded decision log and the approval outbox. Synchronous; every
 * write is one durable (synchronous = FULL) transaction.
 */
export class AgentStore {
  private db: Database.Database;
  private readonly file: string;
  /** What recovery from a damaged file needs (the salvage and who to tell). */
  private readonly onRecovered: ((info: RecoveryInfo) => void) | undefined;
  /**
   * Whether the full quick_check is still owed (an unclean stop, opened with
   * deferCheck): `backgroundCheck` runs it.
   */
  checkOwed: boolean;
  private readonly bounds: Bounds;
  private readonly maxDecisionLog: number;
  private readonly maxDecisionLogBytes: number;
  /** Rows and bytes of the decision log, counted once and then kept up to date; null until needed. */
  private logTotals: { rows: number; bytes: number } | null = null;
  private stmt!: Statements;
  /** The last snapshot part writer handed out (prepareSnapshotParts), kept to know whether its job has ended. */
  private partWriter: SnapshotPartWriter | null = null;
  /** The compiled view images beside the database. */
  readonly images: ImageFiles;
  /** The checkpoint a snapshot's commit left for later (checkpointSoon), until it runs. */
  private checkpoint: NodeJS.Immediate | null = null;
  /** The image file being written after its snapshot's apply returned (writeImageLater), until it ends. */
  private imageWrite: { sha256: Buffer; wanted: boolean; parts: readonly Uint8Array[] | null } | null = null;
  /** Settles once every image write begun so far has ended. */
  private imageWrites: Promise<void> = Promise.resolve();
  private applySnapshotTx!: Database.Transaction<
    (
      version: number,
      bytes: Buffer,
      appliedAtMs: number,
      hooks: ApplyHooks,
      delta: Buffer | null,
      info: SnapshotInfo | null,
      unserved: boolean,
      written?: boolean,
    ) => void
  >;
  private applySettingsTx!: Database.Transaction<
    (version: number, bytes: Buffer, appliedAtMs: number, unheld: boolean) => void
  >;
  private dropActiveSnapshotTx!: Database.Transaction<(version: number) => number | null>;
  private appendDecisionsTx!: (entries: Iterable<DecisionLogEntry>) => { rows: number; bytes: number };
  private markOutboxDeliveredTx!: (id: string) => void;
  private enqueueOutboxTx!: Database.Transaction<(row: OutboxInsert) => boolean>;

  private constructor(
    db: Database.Database,
    file: string,
    bounds: Bounds,
    checkOwed: boolean,
    onRecovered: ((info: RecoveryInfo) => void) | undefined,
  ) {
    this.images = new ImageFiles(imageFolder(file), bounds.maxImageBytes);
    this.maxDecisionLog = bounds.maxDecisionLog;
    this.maxDecisionLogBytes = bounds.maxDecisionLogBytes;
    this.db = db;
    this.file = file;
    this.bounds = bounds;
    this.checkOwed = checkOwed;
    this.onRecovered = onRecovered;
    this.attach(db);
  }

  /** Prepares the statements and transactions of `db`, the connection in use from now. */
  private attach(db: Database.Database): void {
    const { maxPreviousSnapshots, maxDeliveredOutboxIds } = this.bounds;
    this.db = db;
    this.logTotals = null;
    const stmt = prepareStatements(db);
    this.stmt = stmt;
    this.applySnapshotTx = db.transaction(
      (
        version: number,
        bytes: Buffer,
        appliedAtMs: number,
        hooks: ApplyHooks,
        delta: Buffer | null,
        info: SnapshotInfo | null,
        unserved: boolean,
        written = false,
      ) => {
        const parts = Math.ceil(bytes.length / SNAPSHOT_PART_BYTES);
        // Parts a worker committed (SnapshotPartWriter) are taken when they are the whole snapshot.
        let take = written;
        if (unserved) {
          stmt.deleteSnapshotsFrom.run(version);
          stmt.deleteSnapshotPartsFrom.run(version);
          take = false;
        } else refuseStale('snapshot', version, stmt.activeSnapshot.get()?.version);
        if (take) {
          const found = stmt.countSnapshotParts.get(version);
          take = found !== undefined && found.parts === parts && found.size === bytes.length;
        }
        // Parts no snapshot names (an apply that did not finish) would collide with this one's.
        if (!take) stmt.deleteOrphanParts.run(version);
        stmt.deactivateSnapshots.run();
        stmt.insertSnapshot.run(version, appliedAtMs, parts, delta);
        if (info !== null) stmt.setSnapshotInfo.run(infoRow(version, info));
        for (let seq = 0; seq < parts && !take; seq++) {
          const from = seq * SNAPSHOT_PART_BYTES;
          stmt.insertSnapshotPart.run(version, seq, bytes.subarray(from, from + SNAPSHOT_PART_BYTES));
        }
        stmt.trimSnapshots.run(maxPreviousSnapshots);
        stmt.trimSnapshotParts.run();
        hooks.beforeCommit?.();
      },
    );
    this.dropActiveSnapshotTx = db.transaction((version: number) => {
      const active = stmt.activeRecord.get();
      if (active === undefined || active.version !== version) return active?.version ?? null;
      stmt.deleteSnapshot.run(version);
      stmt.trimSnapshotParts.run();
      stmt.activateNewest.run();
      return stmt.activeRecord.get()?.version ?? null;
    });
    this.applySettingsTx = db.transaction((version: number, bytes: Buffer, appliedAtMs: number, unheld: boolean) => {
      if (!unheld) refuseStale('settings', version, stmt.activeSettings.get()?.version);
      stmt.putSettings.run(version, bytes, appliedAtMs);
    });
    this.appendDecisionsTx = db.transaction((entries: Iterable<DecisionLogEntry>) => {
      const added = { rows: 0, bytes: 0 };
      for (const e of entries) {
        stmt.insertDecision.run(e.atMs, e.computerId, e.request, e.decision, e.action, e.policy);
        added.rows++;
        added.bytes += Buffer.byteLength(e.request) + Buffer.byteLength(e.decision) + DECISION_ROW_OVERHEAD_BYTES;
      }
      return added;
    });
    this.markOutboxDeliveredTx = db.transaction((id: string) => {
      // Only ids this outbox held are remembered: a receipt for another id changes nothing.
      if (stmt.deleteOutbox.run(id).changes === 0) return;
      stmt.rememberDelivered.run(id);
      stmt.forgetDelivered.run(maxDeliveredOutboxIds);
    });
    const { maxOutboxItems, maxOutboxBytes } = this.bounds;
    this.enqueueOutboxTx = db.transaction((row: OutboxInsert) => {
      if (stmt.outboxHas.get(row.id) !== undefined || stmt.deliveredHas.get(row.id) !== undefined) return false;
      const held = stmt.outboxSize.get() ?? { n: 0, bytes: 0 };
      if (held.n + 1 > maxOutboxItems || held.bytes + row.payload.length > maxOutboxBytes) {
        throw new TollgateError(
          'outbox-full',
          `the approval outbox is full (${held.n} requests, ${held.bytes} bytes; at most ${maxOutboxItems} requests and ${maxOutboxBytes} bytes): ` +
            'the request was not stored; try again once the waiting requests are delivered',
        );
      }
      return stmt.enqueueOutbox.run(row).changes === 1;
    });
  }

  /**
   * Opens (creating and migrating if needed) the store at `file`. An empty,
   * corrupt or non-database file is moved aside and replaced, its legible
   * outbox rows queued again in the new one; see `openCheckedDatabase`.
   */
  static open(file: string, options: AgentStoreOptions = {}): AgentStore {
    const bounds: Bounds = {
      maxPreviousSnapshots: count(options.maxPreviousSnapshots, 3, 'maxPreviousSnapshots'),
      maxDecisionLog: count(options.maxDecisionLog, 10_000, 'maxDecisionLog'),
      maxDecisionLogBytes: count(options.maxDecisionLogBytes, DEFAULT_MAX_DECISION_LOG_BYTES, 'maxDecisionLogBytes'),
      maxDeliveredOutboxIds: count(options.maxDeliveredOutboxIds, 10_000, 'maxDeliveredOutboxIds'),
      maxOutboxItems: count(options.maxOutboxItems, DEFAULT_OUTBOX_LIMITS.maxItems, 'maxOutboxItems'),
      maxOutboxBytes: count(options.maxOutboxBytes, DEFAULT_OUTBOX_LIMITS.maxBytes, 'maxOutboxBytes'),
      maxImageBytes: count(options.maxImageBytes, DEFAULT_MAX_IMAGE_BYTES, 'maxImageBytes'),
    };
    const { db, checkOwed } = openCheckedDatabase(file, {
      onRecovered: options.onRecovered,
      salvage: salvageOutbox,
      deferCheck: options.deferCheck ?? false,
    });
    try {
      return new AgentStore(db, file, bounds, checkOwed, options.onRecovered);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * The snapshot in force, or null before the first one. Throws
   * TollgateError 'store-damaged' when its stored parts do not add up.
   */
  activeSnapshot(): StoredBlob | null {
    return this.guard(() => this.readActiveSnapshot());
  }

  private readActiveSnapshot(): StoredBlob | null {
    const row = this.stmt.activeSnapshot.get();
    if (row === undefined || row.parts === 0) return toBlob(row);
    const delta = row.delta === null ? {} : { delta: row.delta };
    // Parts are copied one by one into a buffer of the whole size.
    const bytes = Buffer.allocUnsafe(row.size);
    this.eachPart(row, (part, at) => part.copy(bytes, at));
    return { version: row.version, bytes, appliedAtMs: row.applied_at_ms, ...delta };
  }

  /** The active snapshot's row without reading its bytes, or null before the first one. */
  activeSnapshotRecord(): SnapshotRecord | null {
    const row = this.guard(() => this.stmt.activeRecord.get());
    if (row === undefined) return null;
    const { sha256, key_id: keyId, issued_at_ms: issuedAtMs, settings_version: settingsVersion } = row;
    const info =
      sha256 === null || keyId === null || issuedAtMs === null || settingsVersion === null
        ? null
        : { sha256, keyId, issuedAtMs, settingsVersion, viewHash: row.view_hash };
    return { version: row.version, appliedAtMs: row.applied_at_ms, byDelta: row.by_delta === 1, info };
  }

  /**
   * The SHA-256 of the active snapshot's stored bytes, hashed part by part
   * (the whole is never held); null before the first snapshot. Throws
   * TollgateError 'store-damaged' when its stored parts do not add up.
   */
  hashActiveSnapshot(): Buffer | null {
    return this.guard(() => {
      const row = this.stmt.activeSnapshot.get();
      if (row === undefined) return null;
      const hash = createHash('sha256');
      if (row.parts === 0) return hash.update(row.bytes).digest();
      this.eachPart(row, (part) => hash.update(part));
      return hash.digest();
    });
  }

  /**
   * Hands the stored parts of a snapshot row to `take` in order, each with
   * where it starts; throws TollgateError 'store-damaged' when they do not
   * add up to the row's part count and size.
   */
  private eachPart(
    row: { version: number; parts: number; size: number },
    take: (part: Buffer, at: number) => void,
  ): void {
    let filled = 0;
    let parts = 0;
    for (const part of this.stmt.snapshotParts.iterate(row.version)) {
      if (part.seq !== parts || filled + part.bytes.length > row.size) break;
      take(part.bytes, filled);
      filled += part.bytes.length;
      parts++;
    }
    if (parts !== row.parts || filled !== row.size) {
      throw new TollgateError(
        'store-damaged',
        `snapshot ${row.version} is stored in ${row.parts} parts of ${row.size} bytes; found ${parts} parts of ${filled}`,
      );
    }
  }

  /** Records what a warm start needs of a stored snapshot version (for a row stored without it). */
  setSnapshotInfo(version: number, info: SnapshotInfo): void {
    this.guard(() => this.stmt.setSnapshotInfo.run(infoRow(version, info)));
  }

  /**
   * Stores `bytes` as the new active snapshot in one transaction, keeping
   * `maxPreviousSnapshots` previous ones, with `info` when given. Throws
   * TollgateError 'stale-version' unless `version` is newer than the
   * active one; `unserved` (the agent serves no snapshot: the one stored is
   * another computer's) removes every stored version from `version` up
   * instead, so that any version replaces them. Once committed, the image files of every other version are
   * deleted after it returns (pruneImagesLater; a failure there is left to
   * the next prune).
   */
  applySnapshot(
    version: number,
    bytes: Uint8Array,
    appliedAtMs: number,
    hooks: ApplyHooks = {},
    info: SnapshotInfo | null = null,
    unserved = false,
    parts: SnapshotPartWriter | null = null,
  ): void {
    checkVersion(version);
    // The worker's transaction ends before this one begins (one writer at a time).
    const written = this.guard(() => parts?.wait() === 'written');
    // Read-check-write: take the write lock up front (BEGIN IMMEDIATE).
    this.guard(() =>
      this.withoutCheckpoint(() =>
        this.applySnapshotTx.immediate(version, toBuffer(bytes), appliedAtMs, hooks, null, info, unserved, written),
      ),
    );
    parts?.close();
    this.afterCommit(hooks);
  }

  /**
   * A worker to write `bytes`, a snapshot of at least `minBytes` in shared
   * memory, into this cache while the caller compiles it (the local socket's
   * large frames; docs/DAEMON.md, "Writing a large snapshot on a second
   * core"); null when it does not apply (the caller's applySnapshot writes
   * them). Started now; given its job by beginSnapshotParts once the bytes
   * are verified, and handed to applySnapshot, or to discardSnapshotParts
   * when the apply fails.
   */
  prepareSnapshotParts(bytes: Uint8Array, minBytes: number): SnapshotPartWriter | null {
    if (bytes.byteLength < minBytes || !this.db.open || this.db.memory) return null;
    // The job of an earlier apply that gave up waiting for it may still commit its parts. Until it has ended,
    // applies write their own parts in their own transaction: a second worker would delete that job's parts
    // or have its own deleted by it (each removes the parts no snapshot names before it writes), and the
    // apply could then take that job's parts, another snapshot's bytes of the same version and size, for its
    // own (their count and size are checked, not their content).
    if (this.partWriter?.writing === true) return null;
    this.partWriter = SnapshotPartWriter.prepare(bytes);
    return this.partWriter;
  }

  /** Gives a worker from prepareSnapshotParts its job: the bytes as the parts of `version`. */
  beginSnapshotParts(parts: SnapshotPartWriter, version: number): void {
    checkVersion(version);
    parts.begin(this.file, version, SNAPSHOT_PART_BYTES);
  }

  /**
   * Gives up the parts of an apply that failed: what the worker committed,
   * which no snapshot names, is deleted once it has ended (or by the next
   * apply, should this process end first).
   */
  discardSnapshotParts(parts: SnapshotPartWriter, version: number): void {
    parts.discard(() => {
      if (!this.db.open) return;
      try {
        this.db.transaction(() => this.stmt.deleteOrphanParts.run(version)).immediate();
      } catch {
        // Left to the next apply (its transaction deletes parts no snapshot names).
      }
    });
  }

  private afterCommit(hooks: ApplyHooks): void {
    hooks.afterCommit?.();
    this.pruneImagesLater();
    this.checkpointSoon();
  }

  /**
   * Deletes every image file but the active snapshot's (and temporary
   * files) after the apply has returned, on libuv's thread pool: unlinking
   * the previous image (tens of MB of page cache to free) is kernel work the
   * apply need not wait for. It runs in turn with the image writes
   * (writeImageLater), so it never sees a temporary file of a write in
   * progress, and asks which snapshot is active when it runs. Killed before
   * it runs, the next start prunes; an image of another snapshot is never
   * served (it is bound to that snapshot's SHA-256).
   */
  private pruneImagesLater(): void {
    // Closed meanwhile: nothing is deleted (the next start prunes).
    const activeSha256 = (): Buffer[] | null => {
      if (!this.db.open) return null;
      const active = this.activeSnapshotRecord()?.info?.sha256;
      return active === undefined ? [] : [active];
    };
    this.imageWrites = this.imageWrites.then(() => this.images.pruneLater(activeSha256)).catch(() => undefined);
  }

  /**
   * Runs a snapshot's transaction without SQLite's automatic checkpoint at
   * its commit: the commit is durable once its WAL frames are written and
   * fsynced (synchronous = FULL), and copying the snapshot's pages from the
   * WAL into the database file (a second write of its bytes and an fsync)
   * is left to checkpointSoon, after the apply has returned.
   */
  private withoutCheckpoint<T>(call: () => T): T {
    this.db.pragma('wal_autocheckpoint = 0');
    try {
      return call();
    } finally {
      this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    }
  }

  /**
   * Checkpoints the WAL once the current work is done (setImmediate; one at
   * a time). Should it not run (the process ends first) or fail, the WAL
   * keeps the commits and the next commit past WAL_AUTOCHECKPOINT_PAGES
   * checkpoints it, as SQLite does by itself: the WAL stays bounded.
   */
  private checkpointSoon(): void {
    if (this.checkpoint !== null) return;
    this.checkpoint = setImmediate(() => {
      this.checkpoint = null;
      if (!this.db.open) return;
      try {
        this.db.pragma('wal_checkpoint(PASSIVE)');
      } catch {
        // Left to the next commit's automatic checkpoint.
      }
    });
    this.checkpoint.unref();
  }

  /**
   * Writes the image file of the active snapshot, whose stored bytes hash
   * to `sha256` (just committed), after the apply has returned, a slice at
   * a time on libuv's thread pool (ImageFiles.writeLater): one write at a time, the newest
   * wins. It is given up (its files deleted) when another image write is
   * asked for, when dropImageWrite is called (the next snapshot is being
   * compiled), or once `sha256` is no longer the active snapshot's: an image
   * is never left for a snapshot that is not active. A write given up after
   * its last byte, whose snapshot is active again (the next one failed),
   * keeps its file. `told` gets a problem
   * (too large, a file system error) as text. Killed before it completes,
   * the process leaves no image of the active snapshot: the next start
   * compiles it again from the verified stored snapshot.
   */
  writeImageLater(
    sha256: Buffer,
    parts: readonly Uint8Array[],
    told: (problem: string) => void,
    hooks: ImageWriteHooks = {},
  ): void {
    this.dropImageWrite();
    const job = { sha256, wanted: true, parts: parts as readonly Uint8Array[] | null };
    this.imageWrite = job;
    const wanted = (): boolean => job.wanted && this.isActiveSnapshot(sha256);
    // What went wrong, as text, or null; told after, so that nothing `told` does can stop later writes.
    const write = async (): Promise<string | null> => {
      try {
        if (!wanted()) return null;
        // A whole image of the active snapshot is kept, even if its write was given up meanwhile (the
        // snapshot after it failed to compile, and this one is active again).
        const outcome = await this.images.writeLater(sha256, job, wanted, hooks, () => this.isActiveSnapshot(sha256));
        return outcome === 'too-large'
          ? `it is larger than the cache keeps (${this.images.maxBytes} bytes): it is compiled again at every start`
          : null;
      } catch (error) {
        return wanted() ? (error as Error).message : null;
      } finally {
        job.parts = null;
        if (this.imageWrite === job) this.imageWrite = null;
      }
    };
    this.imageWrites = this.imageWrites
      .then(write)
      .then((problem) => {
        if (problem !== null) told(problem);
      })
      .catch(() => undefined);
  }

  /**
   * Gives up the image write in progress (writeImageLater), if any: its
   * files are deleted, and it no longer holds the image.
   */
  dropImageWrite(): void {
    if (this.imageWrite === null) return;
    this.imageWrite.wanted = false;
    this.imageWrite.parts = null;
    this.imageWrite = null;
  }

  /** Settles (never rejects) once no image write (writeImageLater) is left, those begun meanwhile included. */
  async imagesWritten(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.imageWrites;
      await tail;
    } while (tail !== this.imageWrites);
  }

  /** Whether the active snapshot's stored bytes hash to `sha256` (false when closed or unreadable). */
  private isActiveSnapshot(sha256: Buffer): boolean {
    if (!this.db.open) return false;
    try {
      return this.activeSnapshotRecord()?.info?.sha256.equals(sha256) ?? false;
    } catch {
      return false;
    }
  }

  /**
   * Deletes every image file but the active snapshot's (and temporary
   * files); returns the problem as text instead of throwing.
   */
  pruneImages(): string | null {
    const active = this.activeSnapshotRecord()?.info?.sha256;
    return this.pruneImagesQuietly(active === undefined ? [] : [active]);
  }

  private pruneImagesQuietly(keep: Buffer[]): string | null {
    try {
      this.images.prune(keep);
      return null;
    } catch (error) {
      return `view image files cannot be pruned: ${(error as Error).message}`;
    }
  }

  /**
   * Stores the view a delta produced as the new active snapshot version, as
   * applySnapshot does (one transaction, previous ones kept): its encoding
   * `viewBytes` in parts, with the SignedDelta whose signed hash covers it.
   */
  applyDeltaView(
    version: number,
    signedDelta: Uint8Array,
    viewBytes: Uint8Array,
    appliedAtMs: number,
    hooks: ApplyHooks = {},
    info: SnapshotInfo | null = null,
  ): void {
    checkVersion(version);
    this.guard(() =>
      this.withoutCheckpoint(() =>
        this.applySnapshotTx.immediate(
          version,
          toBuffer(viewBytes),
          appliedAtMs,
          hooks,
          toBuffer(signedDelta),
          info,
          false,
        ),
      ),
    );
    this.afterCommit(hooks);
  }

  /**
   * Removes the active snapshot, whose stored bytes cannot be used (damaged,
   * or refused by this build), and makes the newest kept previous snapshot
   * the active one, in one transaction; returns the version now active, or
   * null when no previous snapshot was kept. Nothing happens when `version`
   * is no longer the active one. The removed version can then be stored
   * again when the server sends it.
   */
  dropActiveSnapshot(version: number): number | null {
    return this.guard(() => this.dropActiveSnapshotTx.immediate(version));
  }

  /** The kept previous snapshots, newest first. */
  previousSnapshots(): PreviousSnapshot[] {
    return this.guard(() => this.stmt.previousSnapshots.all()).map((row) => ({
      version: row.version,
      appliedAtMs: row.applied_at_ms,
    }));
  }

  /** The settings in force, or null before the first push. */
  activeSettings(): StoredBlob | null {
    return toBlob(this.guard(() => this.stmt.activeSettings.get()));
  }

  /**
   * Replaces the settings; throws TollgateError 'stale-version' unless
   * `version` is newer than the stored ones, or `unheld` (the agent holds
   * none: those stored are another computer's).
   */
  applySettings(version: number, bytes: Uint8Array, appliedAtMs: number, unheld = false): void {
    checkVersion(version);
    this.guard(() => this.applySettingsTx.immediate(version, toBuffer(bytes), appliedAtMs, unheld));
  }

  /** A meta value, or undefined when unset. */
  getMeta(key: string): string | undefined {
    return this.guard(() => this.stmt.getMeta.get(key))?.value;
  }

  /** Sets (or replaces) a meta value. */
  setMeta(key: string, value: string): void {
    this.guard(() => this.stmt.setMeta.run(key, value));
  }

  /** Appends a batch of decisions in one transaction (call `pruneDecisionLog` to bound the log). */
  appendDecisions(entries: Iterable<DecisionLogEntry>): void {
    const added = this.guard(() => this.appendDecisionsTx(entries));
    if (this.logTotals !== null) {
      this.logTotals.rows += added.rows;
      this.logTotals.bytes += added.bytes;
    }
  }

  /**
   * Deletes the oldest decisions beyond `maxDecisionLog` rows or
   * `maxDecisionLogBytes` bytes (reading only the rows it deletes); returns
   * how many were deleted.
   */
  pruneDecisionLog(): number {
    return this.guard(() => {
      const totals = (this.logTotals ??= this.stmt.decisionTotals.get() ?? { rows: 0, bytes: 0 });
      const dropRows = totals.rows - this.maxDecisionLog;
      const dropBytes = totals.bytes - this.maxDecisionLogBytes;
      if (dropRows <= 0 && dropBytes <= 0) return 0;
      let last = -1;
      let rows = 0;
      let bytes = 0;
      for (const row of this.stmt.oldestDecisions.iterate()) {
        if (rows >= dropRows && bytes >= dropBytes) break;
        last = row.seq;
        rows++;
        bytes += row.bytes;
      }
      const deleted = this.stmt.deleteDecisionsThrough.run(last).changes;
      totals.rows -= rows;
      totals.bytes -= bytes;
      return deleted;
    });
  }

  /** The bytes the decision log holds, as `maxDecisionLogBytes` counts them. */
  decisionLogBytes(): number {
    return this.guard(() => this.stmt.decisionTotals.get())?.bytes ?? 0;
  }

  /** The newest `limit` decisions in the order they were appended (newest last). */
  exportDecisions(limit: number): DecisionLogEntry[] {
    return this.guard(() => this.stmt.newestDecisions.all(limit)).map((row) => ({
      atMs: row.at_ms,
      computerId: row.computer_id,
      request: row.request,
      decision: row.decision,
      action: row.action,
      policy: row.policy,
    }));
  }

  /** How many decisions the log holds. */
  decisionCount(): number {
    return this.guard(() => this.stmt.decisionCount.get())?.n ?? 0;
  }

  /**
   * Durably queues an approval request. Returns false (and changes nothing)
   * when the id is already queued or was delivered recently. Throws
   * TollgateError 'outbox-full' (and stores nothing) when the request would
   * take the outbox over `maxOutboxItems` requests or `maxOutboxBytes`
   * payload bytes.
   */
  enqueueOutbox(item: OutboxItem): boolean {
    const row = { id: item.id, payload: toBuffer(item.payload), createdAtMs: item.createdAtMs };
    return this.guard(() => this.enqueueOutboxTx.immediate(row));
  }

  /** Up to `limit` undelivered items, oldest first. */
  pendingOutbox(limit: number): PendingOutboxItem[] {
    return this.guard(() => this.stmt.pendingOutbox.all(limit)).map((row) => ({
      id: row.id,
      payload: row.payload,
      createdAtMs: row.created_at_ms,
      attempts: row.attempts,
    }));
  }

  /** Counts one send attempt of a queued item (no-op for an unknown id). */
  markOutboxAttempt(id: string): void {
    this.guard(() => this.stmt.markOutboxAttempt.run(id));
  }

  /**
   * Removes a delivered item and remembers its id (the newest
   * `maxDeliveredOutboxIds` ids are kept) so a re-enqueue is ignored.
   */
  markOutboxDelivered(id: string): void {
    this.guard(() => this.markOutboxDeliveredTx(id));
  }

  /** How many items wait to be delivered. */
  outboxDepth(): number {
    return this.guard(() => this.stmt.outboxDepth.get())?.n ?? 0;
  }

  /** The payload bytes of the items waiting to be delivered, all together. */
  outboxBytes(): number {
    return this.guard(() => this.stmt.outboxSize.get())?.bytes ?? 0;
  }

  /** `PRAGMA quick_check` problems; [] when the database is fine. */
  integrityCheck(): string[] {
    const problems = this.guard(() => quickCheck(this.db));
    // The same check a crash left owed (backgroundCheck): passed, it is owed no longer.
    if (problems.length === 0) this.checkOwed = false;
    return problems;
  }

  /**
   * Runs, on a worker thread with its own read-only connection (the event
   * loop keeps answering), what a warm start left for later: the full
   * quick_check when `checkOwed`, and the SHA-256 of the stored bytes of
   * snapshot `hash.version`. Never rejects: failures are in the result.
   * `onWorkerOnline` is called once the worker's thread runs (see
   * runBackgroundCheck).
   */
  backgroundCheck(hash: { version: number } | null, onWorkerOnline?: () => void): Promise<BackgroundCheckOutcome> {
    return runBackgroundCheck(
      this.file,
      { quickCheck: this.checkOwed, hashVersion: hash?.version ?? null },
      onWorkerOnline,
    ).then((result) => {
      if (result.checked && result.failed === null && result.problems.length === 0) this.checkOwed = false;
      return result;
    });
  }

  /**
   * Replaces a database found damaged while open (by backgroundCheck): the
   * connection is closed, the file moved aside, a new one created with the
   * legible outbox rows salvaged into it, as openCheckedDatabase does at open;
   * onRecovered is told. Everything else the file held (snapshots, settings,
   * the decision log) is gone.
   */
  recoverFromDamage(reason: string): void {
    this.dropImageWrite();
    if (this.db.open) this.db.close();
    const db = recoverDatabase(this.file, reason, { onRecovered: this.onRecovered, salvage: salvageOutbox });
    this.attach(db);
    this.checkOwed = false;
  }

  /** Closes the database; later calls do nothing. */
  close(): void {
    if (this.checkpoint !== null) clearImmediate(this.checkpoint);
    this.checkpoint = null;
    // The full check owed after an unclean stop (checkOwed) and not run yet stays owed: not closed cleanly.
    closeDatabase(this.db, this.file, !this.checkOwed);
  }

  /** Test-only: makes later writes fail as on a full disk or a read-only file system (see simulateStorageFault). */
  simulateStorageFault(fault: StorageFault): void {
    simulateStorageFault(this.db, fault);
  }

  /** Runs a database call; a storage failure, or the store closed, is TollgateError 'storage-unavailable'. */
  private guard<T>(call: () => T): T {
    if (!this.db.open) throw new TollgateError(STORAGE_UNAVAILABLE, 'the agent cache is closed');
    return guardStorage(this.file, call);
  }
}

function count(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TollgateError('invalid-argument', `${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new TollgateError('invalid-argument', `version must be a positive integer, got ${version}`);
  }
}

function refuseStale(what: string, version: number, active: number | undefined): void {
  if (active !== undefined && version <= active) {
    throw new TollgateError('stale-version', `${what} version ${version} is not newer than the active ${active}`);
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toBlob(row: BlobRow | undefined): StoredBlob | null {
  return row === undefined ? null : { version: row.version, bytes: row.bytes, appliedAtMs: row.applied_at_ms };
}

function infoRow(version: number, info: SnapshotInfo) {
  return {
    version,
    sha256: info.sha256,
    keyId: info.keyId,
    issuedAtMs: info.issuedAtMs,
    settingsVersion: info.settingsVersion,
    viewHash: info.viewHash,
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(db: Database.Database) {
  return {
    activeSnapshot: db.prepare<[], SnapshotRow>(
      `SELECT version, bytes, applied_at_ms, parts, delta,
         (SELECT coalesce(sum(length(p.bytes)), 0) FROM snapshot_parts p WHERE p.version = s.version) AS size
       FROM snapshots s WHERE active = 1`,
    ),
    activeRecord: db.prepare<[], RecordRow>(
      `SELECT version, applied_at_ms, delta IS NOT NULL AS by_delta, sha256, key_id, issued_at_ms,
         settings_version, view_hash
       FROM snapshots WHERE active = 1`,
    ),
    setSnapshotInfo: db.prepare<[ReturnType<typeof infoRow>]>(
      `UPDATE snapshots SET sha256 = @sha256, key_id = @keyId, issued_at_ms = @issuedAtMs,
         settings_version = @settingsVersion, view_hash = @viewHash
       WHERE version = @version`,
    ),
    snapshotParts: db.prepare<[number], { seq: number; bytes: Buffer }>(
      'SELECT seq, bytes FROM snapshot_parts WHERE version = ? ORDER BY seq',
    ),
    previousSnapshots: db.prepare<[], Omit<BlobRow, 'bytes'>>(
      'SELECT version, applied_at_ms FROM snapshots WHERE active = 0 ORDER BY version DESC',
    ),
    deactivateSnapshots: db.prepare<[]>('UPDATE snapshots SET active = 0 WHERE active = 1'),
    deleteSnapshot: db.prepare<[number]>('DELETE FROM snapshots WHERE version = ?'),
    deleteSnapshotsFrom: db.prepare<[number]>('DELETE FROM snapshots WHERE version >= ?'),
    deleteSnapshotPartsFrom: db.prepare<[number]>('DELETE FROM snapshot_parts WHERE version >= ?'),
    deleteOrphanParts: db.prepare<[number]>(
      'DELETE FROM snapshot_parts WHERE version = ? AND version NOT IN (SELECT version FROM snapshots)',
    ),
    countSnapshotParts: db.prepare<[number], { parts: number; size: number | null }>(
      'SELECT count(*) AS parts, sum(length(bytes)) AS size FROM snapshot_parts WHERE version = ?',
    ),
    activateNewest: db.prepare<[]>(
      'UPDATE snapshots SET active = 1 WHERE version = (SELECT max(version) FROM snapshots) AND active = 0',
    ),
    insertSnapshot: db.prepare<[number, number, number, Buffer | null]>(
      "INSERT INTO snapshots (version, bytes, applied_at_ms, active, parts, delta) VALUES (?, X'', ?, 1, ?, ?)",
    ),
    insertSnapshotPart: db.prepare<[number, number, Buffer]>(
      'INSERT INTO snapshot_parts (version, seq, bytes) VALUES (?, ?, ?)',
    ),
    trimSnapshots: db.prepare<[number]>(
      `DELETE FROM snapshots WHERE active = 0 AND version NOT IN
         (SELECT version FROM snapshots WHERE active = 0 ORDER BY version DESC LIMIT ?)`,
    ),
    trimSnapshotParts: db.prepare<[]>(
      'DELETE FROM snapshot_parts WHERE version NOT IN (SELECT version FROM snapshots)',
    ),
    activeSettings: db.prepare<[], BlobRow>('SELECT version, bytes, applied_at_ms FROM settings WHERE id = 1'),
    putSettings: db.prepare<[number, Buffer, number]>(
      `INSERT INTO settings (id, version, bytes, applied_at_ms) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET
         version = excluded.version, bytes = excluded.bytes, applied_at_ms = excluded.applied_at_ms`,
    ),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    insertDecision: db.prepare<[number, string, string, string, string, string | null]>(
      `INSERT INTO decisions (at_ms, computer_id, request, decision, action, policy)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    decisionTotals: db.prepare<[], { rows: number; bytes: number }>(
      `SELECT count(*) AS rows,
         coalesce(sum(length(CAST(request AS BLOB)) + length(CAST(decision AS BLOB)) + ${DECISION_ROW_OVERHEAD_BYTES}), 0) AS bytes
       FROM decisions`,
    ),
    oldestDecisions: db.prepare<[], { seq: number; bytes: number }>(
      `SELECT seq, length(CAST(request AS BLOB)) + length(CAST(decision AS BLOB)) + ${DECISION_ROW_OVERHEAD_BYTES} AS bytes
       FROM decisions ORDER BY seq`,
    ),
    deleteDecisionsThrough: db.prepare<[number]>('DELETE FROM decisions WHERE seq <= ?'),
    newestDecisions: db.prepare<[number], DecisionRow>(
      `SELECT at_ms, computer_id, request, decision, action, policy
       FROM (SELECT * FROM decisions ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
    ),
    decisionCount: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM decisions'),
    outboxHas: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM outbox WHERE id = ?'),
    deliveredHas: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM outbox_delivered WHERE id = ?'),
    outboxSize: db.prepare<[], { n: number; bytes: number }>(
      'SELECT count(*) AS n, coalesce(sum(length(payload)), 0) AS bytes FROM outbox',
    ),
    enqueueOutbox: db.prepare<[OutboxInsert]>(
      `INSERT INTO outbox (id, payload, created_at_ms)
       SELECT @id, @payload, @createdAtMs WHERE NOT EXISTS (SELECT 1 FROM outbox_delivered WHERE id = @id)
       ON CONFLICT (id) DO NOTHING`,
    ),
    pendingOutbox: db.prepare<[number], OutboxRow>(
      'SELECT id, payload, created_at_ms, attempts FROM outbox ORDER BY created_at_ms, rowid LIMIT ?',
    ),
    markOutboxAttempt: db.prepare<[string]>('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?'),
    deleteOutbox: db.prepare<[string]>('DELETE FROM outbox WHERE id = ?'),
    rememberDelivered: db.prepare<[string]>('INSERT INTO outbox_delivered (id) VALUES (?) ON CONFLICT (id) DO NOTHING'),
    forgetDelivered: db.prepare<[number]>(
      `DELETE FROM outbox_delivered WHERE seq <=
         (SELECT seq FROM outbox_delivered ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
    ),
    outboxDepth: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox'),
  };
}
