import { createHash, randomUUID } from 'node:crypto';
import { isArrayBuffer } from 'node:util/types';
import { evaluateApproval, resolveApprovalQuery, type ApprovalQuery } from '../engine/approvals.js';
import { TollgateError } from '../engine/errors.js';
import { makeDecision, type EffectiveMode } from '../engine/evaluate.js';
import { DEFAULT_GATES, failedGates } from '../engine/gates.js';
import type { ApprovalSuggestion, Decision, FileRequest, OsName, PolicyAction, SettingValue } from '../engine/model.js';
import { POLICY_ACTIONS } from '../engine/model.js';
import type { ComputerView } from '../engine/view.js';
import type { ViewImage } from '../engine/view-image.js';
import type { AgentStore, SnapshotInfo, SnapshotRecord } from '../store/agent-store.js';
import type { SnapshotPartWriter } from '../store/part-writer.js';
import { PinnedKeys } from '../wire/signing.js';
import { ParallelSha256, SHARED_FRAME_FROM_BYTES, type PendingSha256 } from '../wire/parallel-sha256.js';
import { APPROVAL_REQUEST_LIMITS, checkApprovalRequestFields, checkSubmissionBytes } from '../wire/approval-limits.js';
import {
  openSettings,
  openStoredSettingsUnverified,
  openStoredSnapshotUnverified,
  signedKeyId,
  verifySnapshot,
  type SnapshotContent,
  type VerificationKeys,
} from '../wire/signed.js';
import { encodeAgentMessage } from '../wire/sync-messages.js';
import {
  DEFAULT_MAX_DELTA_BYTES,
  hashHex,
  openDelta,
  openStoredDeltaUnverified,
  orderedViewHash,
  orderedViewParts,
  sameHash,
  type DeltaContent,
} from '../wire/delta.js';
import { decodeViewBytes } from '../wire/view-decoder.js';
import type { PayloadView } from '../wire/view-image-payload.js';
import {
  type ActiveBinding,
  type PendingBinding,
  compileActiveImage,
  compileActiveImageFromPayload,
  imageFileParts,
  openActiveImage,
} from './active-image.js';
import type {
  AgentCore,
  ApplyHooks,
  ApprovalSubmissionInput,
  CoreStatus,
  DecideOptions,
  HeldVersions,
} from './core.js';
import { applyDeltaToStored, snapshotViewHash, storedDeltaContent } from './delta-apply.js';
import { type CachedAnswer, DecisionCache, type Decide, type DecisionCacheBounds } from './decision-cache.js';
import { type LatencyCounts, LatencyHistogram, LatencyWindow } from './latency.js';

/** What the agent answers before it holds any snapshot (SPEC.md section 9). */
export const NO_SNAPSHOT_REASON = 'no policy snapshot';

export interface AgentOptions {
  store: AgentStore;
  /**
   * The pinned server keys (or the one pinned key): only snapshots and
   * settings signed by a pinned key, named by its key id, are accepted.
   */
  publicKey: VerificationKeys;
  computerId: string;
  /** The agent's own version and os; when absent, the snapshot's view of the computer is used. */
  agentVersion?: string;
  os?: OsName;
  /** The tollgate release running (bound into each stored view image: another release compiles its own). */
  release?: string;
  noSnapshotAction: 'deny' | 'permit';
  clock: () => number;
  /**
   * Called for every decision that the decision log should keep. `cached`:
   * the file is the decision cache's own object, which the cache holds
   * anyway (the request's copy is garbage at once); otherwise it is the
   * object the request was decoded into. `fileBytes`: the file's size as
   * the decision cache counted it (decision-cache.ts fileBytes), given for
   * a file the cache holds.
   */
  onDecision?: (atMs: number, file: FileRequest, decision: Decision, cached: boolean, fileBytes?: number) => void;
  /**
   * Called instead of onDecision for a decision made by number
   * (decideMissedNumber): decision `n` of `image` (ViewImage.decisionAt),
   * the file being the request's own. Without it, onDecision is called
   * with the decision made.
   */
  onDecisionNumber?: (
    atMs: number,
    file: FileRequest,
    image: ViewImage,
    n: number,
    key?: Buffer,
    keyStart?: number,
    keyEnd?: number,
  ) => void;
  /**
   * Told when a view image stops being the active one (what still holds its
   * decision numbers makes their decisions): once this returns the image is
   * retired (ViewImage.retire) and its buffer may be written over by the
   * next compile, so nothing may read the image later.
   */
  onImageRetired?: (image: ViewImage) => void;
  /** Makes the id of a submitted approval request (default: a random UUID). */
  newRequestId?: () => string;
  /**
   * Told when the stored view image could not be used or kept (damaged,
   * mismatched, missing, not writable): the view is then compiled again
   * from the verified snapshot, so decisions are unchanged; a warning.
   */
  onImageProblem?: (problem: string) => void;
  /**
   * Told when a snapshot failed after the active one was let go and the
   * active one could not be loaded again from the store either: the agent
   * is then without a snapshot (and answers as before the first one).
   */
  onSnapshotLost?: (problem: string) => void;
  /**
   * Told when an apply reloaded the active snapshot and found its stored
   * bytes unusable: it was removed from the store and the newest usable kept
   * one serves (or none: onSnapshotLost is told then too). At start, such
   * removals are in loadFromStore's problems.
   */
  onStoredSnapshotRemoved?: (problem: string) => void;
  /** Byte bounds of the decision cache (decision-cache.ts defaults). */
  decisionCache?: DecisionCacheBounds;
  /** Told after an approval request was stored in the outbox (the sync client delivers it). */
  onQueued?: () => void;
  /** The largest signed delta opened (default DEFAULT_MAX_DELTA_BYTES); a larger one is refused. */
  maxDeltaBytes?: number;
  /**
   * Serve the stored image at a warm start without first re-hashing the
   * stored snapshot's bytes (the image is bound to the SHA-256 recorded when
   * they were verified): the caller hashes them later (AgentStore
   * backgroundCheck, `uncheckedSnapshot`) and tells `storedSnapshotHashed`.
   * Default false: they are hashed before the image is used.
   */
  deferSnapshotHash?: boolean;
  /**
   * A snapshot in shared memory of at least this many bytes is hashed on a
   * worker thread while it is verified and compiled, and its parts written
   * into the cache on another while it is compiled (default
   * SHARED_FRAME_FROM_BYTES, the size from which the local socket receives a
   * frame into shared memory).
   */
  workerHashFromBytes?: number;
  /**
   * Called on this thread once a worker thread the agent started runs, while
   * the apply that started it goes on (ParallelSha256.noticeOnline): V8 sets
   * some of its flags back for the whole process when a worker starts, and
   * the daemon sets its heap flags again here (daemon/heap.ts).
   */
  onWorkerOnline?: () => void;
}

export type { AgentCore, ApprovalSubmissionInput, CoreStatus, DecideOptions, HeldVersions } from './core.js';

const NO_OPTIONS: DecideOptions = Object.freeze({});

/** The longest user name an approval request may carry. */
export const MAX_REQUEST_USER_CHARS = APPROVAL_REQUEST_LIMITS.userChars;
/** The longest reason an approval request may carry. */
export const MAX_REQUEST_REASON_CHARS = APPROVAL_REQUEST_LIMITS.reasonChars;

function requiredText(value: string | undefined, field: string, maxChars: number): string {
  const text = value?.trim() ?? '';
  if (text === '') throw new TollgateError('missing-field', `${field} is required to submit an approval request`);
  if (text.length > maxChars) {
    throw new TollgateError('invalid-field', `${field} is longer than ${maxChars} characters`);
  }
  return text;
}

/** The agent's counters for metrics (daemon's `/metrics`, docs/DAEMON.md). */
export interface AgentMetricsCounts {
  /** Decisions answered since start, by action. */
  decisions: Record<PolicyAction, number>;
  latency: LatencyCounts;
  /** Decisions answered from the decision cache, and decisions made afresh (what-ifs are neither). */
  cacheHits: number;
  cacheMisses: number;
  snapshotVersion: number | null;
  snapshotIssuedAtMs: number | null;
  snapshotAppliedAtMs: number | null;
  settingsVersion: number;
  outboxDepth: number;
}

/** The active snapshot: its header fields and its compiled image (no decoded view is kept). */
interface Active {
  version: number;
  issuedAtMs: number;
  settingsVersion: number;
  image: ViewImage;
  /** image.nextExpiryAfter, bound once (the decision cache asks on every decision). */
  nextExpiryAfter: (nowMs: number) => number;
  /** Decides with the effective settings, for the decision cache (bound once, like nextExpiryAfter). */
  decide: Decide;
  /** `decide` giving the decision's number in the image (ViewImage.decide). */
  decideNumber: (file: FileRequest, nowMs: number) => number;
  /** image.decisionAt, bound once. */
  decisionAt: (n: number) => Decision;
  appliedAtMs: number;
}

interface PushedSettings {
  version: number;
  values: Record<string, SettingValue>;
  /** The agent setting entry each value came from (null: a default); absent from servers that send none. */
  sources: Record<string, string | null> | undefined;
}

/**
 * The agent's brain: the active snapshot compiled for decisions, the pushed
 * settings over it, and counters for status. A new snapshot is verified,
 * compiled and stored before it replaces the active one. Other layers use
 * it through AgentCore (core.ts).
 */
export class Agent implements AgentCore {
  private readonly options: AgentOptions;
  private activeState: Active | null = null;

  private get active(): Active | null {
    return this.activeState;
  }

  /** Every change of the active view passes here: what holds the decision numbers of the image it leaves is told. */
  private set active(next: Active | null) {
    const retired = this.activeState?.image;
    this.activeState = next;
    if (retired === undefined || retired === next?.image) return;
    try {
      this.options.onImageRetired?.(retired);
    } catch {
      // What is told of the retired image must not stop the change of the active view (an apply, a reload).
    }
    // Nothing reads the retired image from now on (its image file write, if any, was given up before this,
    // and what held its decision numbers was just told): an apply may compile the next image over its buffer.
    retired.retire();
  }
  /** The view hash of the active snapshot version (wire/delta.ts); null when none or unknown. */
  private activeViewHash: Buffer | null = null;
  private pushed: PushedSettings | null = null;
  /** The snapshot's settings with pushed ones over them; dropped whenever either changes. */
  private effective: Readonly<Record<string, SettingValue>> | null = null;
  private readonly cache: DecisionCache;
  private readonly latency = new LatencyWindow(4096);
  private readonly latencyBuckets = new LatencyHistogram();
  /** Decisions by action (a plain record: counted on every decision). */
  private readonly counts = Object.fromEntries(POLICY_ACTIONS.map((a) => [a, 0])) as Record<PolicyAction, number>;
  private readonly startedAtMs: number;
  /** The active version served from its image before its stored bytes were hashed again (deferSnapshotHash). */
  private unhashed: { version: number; sha256: Buffer } | null = null;
  /**
   * What the cache holds as active is another computer's (a cache copied
   * from it): the snapshot, the settings. The first of this computer's
   * replaces it whatever its version; any other failure to load keeps the
   * stored versions, and what is older than them is refused as stale.
   */
  private foreign = { snapshot: false, settings: false };

  constructor(options: AgentOptions) {
    this.options = options;
    this.cache = new DecisionCache(options.decisionCache);
    this.startedAtMs = options.clock();
  }

  /**
   * Loads the active snapshot and settings from the store; a damaged entry
   * is reported in `problems`, not fatal. An entry signed by a key that is no
   * longer pinned (the server's key was rotated and the old key unpinned
   * before this agent received anything signed by the new one) is still
   * used, with a warning: it was verified when it was stored, and the agent
   * never drops what it verified while it waits for a newer one. The cache
   * is as trusted as the configuration that pins the keys.
   */
  loadFromStore(): { snapshotVersion: number | null; problems: string[]; warnings: string[] } {
    const problems: string[] = [];
    const warnings: string[] = [];
    const problem = this.loadActiveSnapshot(warnings, problems);
    if (problem !== null) problems.push(problem);
    // No snapshot to serve (none stored, or it cannot be used): image files left by a crash or an older cache go.
    if (this.active === null) this.tellImageProblem(this.options.store.pruneImages());
    const settings = this.options.store.activeSettings();
    this.foreign.settings = false;
    if (settings !== null) {
      try {
        const content = this.openStored('settings', settings, openSettings, openStoredSettingsUnverified, warnings);
        // Settings another computer's agent stored (a cache copied from it) are not this computer's.
        this.checkComputer('settings', content.computerId);
        this.pushed = { version: content.settingsVersion, values: content.settings, sources: content.sources };
      } catch (error) {
        this.foreign.settings = isWrongComputer(error);
        problems.push(`stored settings ${settings.version} cannot be used: ${(error as Error).message}`);
      }
    }
    this.effective = null;
    this.cache.clear();
    return { snapshotVersion: this.active?.version ?? null, problems, warnings };
  }

  /** Opens a stored entry with the pinned keys, or unverified (with a warning) when its key is no longer pinned. */
  private openStored<T>(
    what: 'snapshot' | 'settings' | 'delta',
    stored: { version: number; bytes: Uint8Array },
    open: (bytes: Uint8Array, keys: VerificationKeys) => T,
    openUnverified: (bytes: Uint8Array) => T,
    warnings: string[],
  ): T {
    try {
      return open(stored.bytes, this.options.publicKey);
    } catch (error) {
      if (!(error instanceof TollgateError) || error.code !== 'unknown-key') throw error;
      const content = openUnverified(stored.bytes);
      warnings.push(
        `stored ${what} ${stored.version} is signed by key ${signedKeyId(what, stored.bytes)}, which is no longer ` +
          'pinned: it was verified when it was stored and is used until a newer one signed by a pinned key arrives',
      );
      return content;
    }
  }

  /**
   * Makes the store's active snapshot the active one; returns why none
   * serves, if one is stored and none can (null: one serves, or none is
   * stored). A stored snapshot whose bytes cannot be used (damaged: they do
   * not add up, verify or decode; or refused by this build) is removed from
   * the store, its problem added to `dropped`, and the newest kept previous
   * snapshot is loaded instead, and so on: the agent serves the newest
   * snapshot it verified that it can still use, says hello with that
   * version, and the server sends what is newer (the removed version too).
   * A failure of the storage itself removes nothing.
   */
  private loadActiveSnapshot(warnings: string[] = [], dropped: string[] = []): string | null {
    this.foreign.snapshot = false;
    for (;;) {
      const failed = this.loadStoredActive(warnings);
      if (failed === null) return null;
      if (failed.version === null || !isUnusableStored(failed.error)) {
        this.foreign.snapshot = isWrongComputer(failed.error);
        return failed.problem;
      }
      let next: number | null;
      try {
        next = this.options.store.dropActiveSnapshot(failed.version);
      } catch (error) {
        return `${failed.problem}; it cannot be removed from the cache: ${(error as Error).message}`;
      }
      dropped.push(
        `${failed.problem}: removed from the cache; ` +
          (next === null
            ? 'no earlier snapshot is kept, so none serves until the server sends one'
            : `stored snapshot ${next} serves until the server sends a newer one`),
      );
      if (next === null) return null;
    }
  }

  /**
   * Loads the store's active snapshot as loadActiveSnapshot does, once; what
   * failed, with the version when its stored bytes were reached. Its stored
   * image is opened when it is whole and bound to this snapshot and agent (no
   * decode, no re-index); otherwise the stored snapshot is verified, decoded
   * and compiled again, and its image written again after this returns
   * (onImageProblem tells why).
   */
  private loadStoredActive(warnings: string[]): { problem: string; version: number | null; error: unknown } | null {
    this.options.store.dropImageWrite();
    this.active = null;
    this.activeViewHash = null;
    this.unhashed = null;
    const where = { version: null as number | null };
    try {
      const record = this.options.store.activeSnapshotRecord();
      if (record === null) return null;
      where.version = record.version;
      const fromImage = this.openStoredImage(record, warnings);
      if (fromImage !== null) {
        // Images of versions never committed (a crash between image and commit) and temporary files go.
        this.tellImageProblem(this.options.store.pruneImages());
        this.active = fromImage;
        this.activeViewHash = record.info?.viewHash ?? null;
        return null;
      }
      const stored = this.openStoredSnapshot(where, warnings);
      if (stored === null) return null;
      const { content, sha256, keyId, viewHash } = stored;
      // The row's version is what is served and said in hellos: it must be the signed one.
      if (content.version !== record.version) {
        throw new TollgateError('store-damaged', `its bytes are the signed snapshot of version ${content.version}`);
      }
      const info: SnapshotInfo = {
        sha256,
        keyId,
        issuedAtMs: content.issuedAtMs,
        settingsVersion: content.settingsVersion,
        viewHash,
      };
      const image = this.compile(content.view, content.version, sha256);
      if (record.info === null || !record.info.sha256.equals(sha256))
        this.options.store.setSnapshotInfo(record.version, info);
      this.tellImageProblem(this.options.store.pruneImages());
      // Written after, as an apply's: a start serves without waiting for it.
      this.storeImageLater(image, content.version, sha256);
      this.active = this.activate(record.version, info, image, stored.appliedAtMs);
      this.activeViewHash = viewHash;
      return null;
    } catch (error) {
      const which = where.version === null ? 'the stored snapshot' : `stored snapshot ${where.version}`;
      return { problem: `${which} cannot be used: ${(error as Error).message}`, version: where.version, error };
    }
  }

  /** What this agent's images are bound to, for a snapshot version whose stored bytes hash to `sha256`. */
  private binding(snapshotVersion: number, sha256: Uint8Array): ActiveBinding;
  private binding(snapshotVersion: number, sha256: () => Uint8Array): PendingBinding;
  private binding(snapshotVersion: number, sha256: Uint8Array | (() => Uint8Array)): PendingBinding {
    const { computerId, agentVersion, os, release } = this.options;
    return { snapshotVersion, snapshotHash: sha256, computerId, agentVersion, os, release };
  }

  /** Compiles a verified view into the active image (the view can be let go once this returns). */
  private compile(view: ComputerView, version: number, sha256: Uint8Array): ViewImage {
    this.checkComputer('snapshot', view.computer.id);
    return compileActiveImage(view, this.binding(version, sha256));
  }

  /**
   * Leaves the image file of the active snapshot (just committed, or just
   * compiled again at a start) to be written once the current work has
   * returned, a slice at a time on libuv's thread pool
   * (AgentStore.writeImageLater: the newest wins, and no image is left for a
   * snapshot no longer active). A failure is told, not thrown: starts then
   * compile the snapshot again.
   */
  private storeImageLater(image: ViewImage, version: number, sha256: Buffer, hooks?: ApplyHooks): void {
    this.options.store.writeImageLater(
      sha256,
      imageFileParts(image, this.binding(version, sha256)),
      (problem) => this.tellImageProblem(`the view image of snapshot ${version} cannot be stored: ${problem}`),
      hooks,
    );
  }

  private tellImageProblem(problem: string | null): void {
    if (problem !== null) this.options.onImageProblem?.(problem);
  }

  /**
   * The stored image of the active snapshot record, opened and checked;
   * null (with onImageProblem told why) when there is none that can be used.
   */
  private openStoredImage(record: SnapshotRecord, warnings: string[]): Active | null {
    const info = record.info;
    if (info === null) return null;
    let image: ViewImage;
    try {
      // The snapshot it was compiled from must still be there, whole: else the stored snapshot's own checks decide.
      // Deferred, the image is served first and the bytes hashed after (storedSnapshotHashed).
      if (this.options.deferSnapshotHash !== true) {
        const stored = this.options.store.hashActiveSnapshot();
        if (stored === null || !stored.equals(info.sha256))
          throw new Error('the stored snapshot no longer hashes to it');
      }
      const file = this.options.store.images.read(info.sha256);
      if (file === null) throw new Error('its file is missing');
      // Read for this (ImageFiles.read: a buffer of its own): the next apply may write over it.
      image = openActiveImage(file, this.binding(record.version, info.sha256), true);
      if (this.options.deferSnapshotHash === true) this.unhashed = { version: record.version, sha256: info.sha256 };
    } catch (error) {
      this.tellImageProblem(
        `the stored view image of snapshot ${record.version} cannot be used (${(error as Error).message}): ` +
          'the stored snapshot is verified and compiled again',
      );
      return null;
    }
    if (!PinnedKeys.of(this.options.publicKey).has(info.keyId)) {
      warnings.push(
        `stored ${record.byDelta ? 'delta' : 'snapshot'} ${record.version} is signed by key ${info.keyId}, which is ` +
          'no longer pinned: it was verified when it was stored and is used until a newer one signed by a pinned key arrives',
      );
    }
    return this.activate(record.version, info, image, record.appliedAtMs);
  }

  /** Reads and opens the store's active snapshot; its bytes are garbage once this returns. */
  private openStoredSnapshot(
    where: { version: number | null },
    warnings: string[],
  ): {
    content: SnapshotContent;
    appliedAtMs: number;
    viewHash: Buffer | null;
    sha256: Buffer;
    keyId: string;
  } | null {
    const stored = this.options.store.activeSnapshot();
    if (stored === null) return null;
    where.version = stored.version;
    const sha256 = sha256Of(stored.bytes);
    if (stored.delta !== undefined) {
      // Reached by a delta: the delta is verified, and its signed view hash must cover the stored view.
      const delta = this.openStored<DeltaContent & { keyId: string }>(
        'delta',
        { version: stored.version, bytes: stored.delta },
        (bytes, keys) => openDelta(bytes, keys, { maxBytes: Number.MAX_SAFE_INTEGER }),
        openStoredDeltaUnverified,
        warnings,
      );
      const { viewHash, ...content } = storedDeltaContent(stored.bytes, delta);
      return { content, appliedAtMs: stored.appliedAtMs, viewHash, sha256, keyId: delta.keyId };
    }
    const keyId = { id: '' };
    const content = this.openStored<SnapshotContent>(
      'snapshot',
      stored,
      (bytes, keys) => {
        const verified = verifySnapshot(bytes, keys);
        keyId.id = verified.keyId;
        return verified.open();
      },
      (bytes) => {
        const { keyId: id, ...opened } = openStoredSnapshotUnverified(bytes);
        keyId.id = id;
        return opened;
      },
      warnings,
    );
    return {
      content,
      appliedAtMs: stored.appliedAtMs,
      viewHash: snapshotViewHash(stored.bytes),
      sha256,
      keyId: keyId.id,
    };
  }

  private checkComputer(what: 'snapshot' | 'settings' | 'delta', computerId: string): void {
    if (computerId !== this.options.computerId) {
      throw new TollgateError(
        'wrong-computer',
        `the ${what} is for computer ${computerId}, this agent is ${this.options.computerId}`,
      );
    }
  }

  private activate(
    version: number,
    header: { issuedAtMs: number; settingsVersion: number },
    image: ViewImage,
    appliedAtMs: number,
  ): Active {
    return {
      version,
      issuedAtMs: header.issuedAtMs,
      settingsVersion: header.settingsVersion,
      image,
      nextExpiryAfter: (nowMs) => image.nextExpiryAfter(nowMs),
      decide: (file, nowMs) => image.evaluate(file, { nowMs, settings: this.settingsWith() }),
      decideNumber: (file, nowMs) => image.decide(file, { nowMs, settings: this.settingsWith() }),
      decisionAt: (n) => image.decisionAt(n),
      appliedAtMs,
    };
  }

  /** The bytes the decision cache counts as held. */
  get cachedBytes(): number {
    return this.cache.heldBytes;
  }

  /** The computer this agent is. */
  get computerId(): string {
    return this.options.computerId;
  }

  /** The agent version the gates look at: configured, else the snapshot's; empty before either. */
  get agentVersion(): string {
    return this.active?.image.meta.computer.agentVersion ?? this.options.agentVersion ?? '';
  }

  /** The os the agent runs on: configured, else the snapshot's; null before either. */
  get os(): OsName | null {
    return this.active?.image.meta.computer.os ?? this.options.os ?? null;
  }

  get snapshotVersion(): number | null {
    return this.active?.version ?? null;
  }

  /** The view hash of the snapshot version held (reported in hello and acks); null when none. */
  get viewHash(): Uint8Array | null {
    return this.active === null ? null : this.activeViewHash;
  }

  get settingsVersion(): number {
    const fromSnapshot = this.active?.settingsVersion ?? 0;
    return Math.max(fromSnapshot, this.pushed?.version ?? 0);
  }

  /**
   * Verifies, compiles and stores a signed snapshot, then makes it active.
   * Refuses a bad signature, another computer's snapshot, or a version not
   * newer than the active one, from the signature and the header alone.
   *
   * Past those checks the active snapshot is let go before the new one is
   * decoded and compiled, so that two large views never fill memory
   * together (nothing is answered in between: this runs to its end). The
   * decoded view is garbage once it is compiled into its image. The
   * snapshot row commits (durably) before this returns; the image file, a
   * cache bound to the snapshot's SHA-256, is written after it returns
   * (storeImageLater; a start that finds none compiles the stored snapshot
   * again). Should decoding, compiling or storing the new one fail, the
   * active snapshot is loaded again from the store, where it still is, and
   * the error is thrown. Should that fail too (a damaged store, no memory
   * left), the agent is left without a snapshot: onSnapshotLost is told and
   * the error thrown is 'snapshot-lost', naming both failures.
   */
  applySnapshot(bytes: Uint8Array, hooks?: ApplyHooks): { version: number } {
    // A snapshot received into shared memory (a large one, over the local socket) is hashed on a worker thread
    // while it is verified and compiled here (docs/DAEMON.md, "Hashing on a second core").
    const hasher = ParallelSha256.start(bytes, this.options.workerHashFromBytes, this.options.onWorkerOnline);
    // Its parts are written into the cache on another worker while it is compiled (docs/DAEMON.md, "Writing a
    // large snapshot on a second core"): started now, given the job once the bytes are verified.
    const parts = this.options.store.prepareSnapshotParts(
      bytes,
      this.options.workerHashFromBytes ?? SHARED_FRAME_FROM_BYTES,
    );
    try {
      return this.applySnapshotHashedBy(bytes, hasher, parts, hooks);
    } finally {
      hasher?.close();
      parts?.close();
    }
  }

  private applySnapshotHashedBy(
    bytes: Uint8Array,
    hasher: ParallelSha256 | null,
    parts: SnapshotPartWriter | null,
    hooks: ApplyHooks | undefined,
  ): { version: number } {
    const now = this.options.clock();
    // Asked first: the worker hashes the bytes while they are verified. Nothing but their hash is taken from
    // them before they are.
    const storedHash = hasher?.hash([bytes]);
    const verified = verifySnapshot(bytes, this.options.publicKey);
    // The worker has started while the signature was checked (some 300 ms at 1,000,000 policies): the heap
    // flags its start set back are set again before the compile, whose young objects they bound.
    hasher?.noticeOnline(WORKER_ONLINE_WAIT_MS);
    parts?.noticeOnline(WORKER_ONLINE_WAIT_MS, this.options.onWorkerOnline);
    const { header } = verified;
    this.checkComputer('snapshot', header.computerId);
    const held = this.snapshotVersion;
    if (held !== null && header.version <= held) {
      throw new TollgateError('stale-version', `snapshot version ${header.version} is not newer than ${held}`);
    }
    // The image write of the active snapshot, if still going, is given up with it (it holds its image).
    this.options.store.dropImageWrite();
    // The new image is compiled over the active one's buffer, which nothing reads once it is retired (the
    // active setter): the old image and the new are not resident at once, as they were while the old one waited
    // for V8's next full collection. Should the compile fail, the active snapshot is read again from the store.
    const recycle = ownBuffer(this.active?.image);
    this.active = null;
    this.activeViewHash = null;
    this.effective = null;
    this.cache.clear();
    let next: Active;
    let viewHash: Buffer | null;
    // A snapshot that replaces another computer's is written by this thread (its transaction deletes theirs).
    const unserved = held === null && this.foreign.snapshot;
    const written = unserved ? null : parts;
    try {
      if (written !== null) this.options.store.beginSnapshotParts(written, header.version);
      let sha256: Buffer | null = null;
      // Asked for when the image's header is written, at the end of the compile.
      const snapshotHash = (): Buffer => (sha256 ??= storedHash?.digest() ?? sha256Of(bytes));
      const { payload } = verified;
      let found: { view: PayloadView; hash: PendingSha256 } | null = null;
      let read: PayloadView | null = null;
      const image = compileActiveImageFromPayload(payload, this.binding(header.version, snapshotHash), {
        onViewFound: (view) => {
          // A worker not yet seen running after the signature check: its start is noticed here, before the view
          // is read, if it has come by now.
          hasher?.noticeOnline(0);
          parts?.noticeOnline(0, this.options.onWorkerOnline);
          // Its view hash on the worker while the view is read here.
          if (hasher === null || !view.ordered) return;
          const viewParts = orderedViewParts(payload.subarray(view.from, view.to), view.computerEnd);
          found = { view, hash: hasher.hash(viewParts) };
        },
        onView: (view) => {
          read = view;
        },
        recycle,
      });
      // The view hash from the view the compile read (no second scan of it), else from the snapshot's bytes.
      viewHash = this.viewHashOf(bytes, payload, read, found);
      const info: SnapshotInfo = {
        sha256: snapshotHash(),
        keyId: verified.keyId,
        issuedAtMs: header.issuedAtMs,
        settingsVersion: header.settingsVersion,
        viewHash,
      };
      next = this.activate(header.version, info, image, now);
      // What the cache holds is another computer's: the verified snapshot replaces it, whatever its version.
      this.options.store.applySnapshot(header.version, bytes, now, hooks, info, unserved, written);
      this.foreign.snapshot = false;
      this.storeImageLater(image, header.version, info.sha256, hooks);
    } catch (error) {
      if (written !== null) this.options.store.discardSnapshotParts(written, header.version);
      const dropped: string[] = [];
      const problem = this.loadActiveSnapshot([], dropped);
      for (const gone of dropped) this.options.onStoredSnapshotRemoved?.(gone);
      if (this.active !== null || (problem === null && held === null)) throw error;
      const why = problem ?? dropped.at(-1) ?? 'the stored snapshot is gone';
      const lost = `snapshot ${header.version} failed (${(error as Error).message}) and ${why}`;
      this.options.onSnapshotLost?.(lost);
      throw new TollgateError('snapshot-lost', lost, { cause: error });
    }
    this.accept(next, viewHash);
    return { version: next.version };
  }

  /**
   * The view hash of a snapshot whose compile read its view (`read`, null
   * when the decoder did): from the view's bytes when they are in order,
   * hashed on the worker when `found` asked it for that same view, else
   * from the snapshot's bytes.
   */
  private viewHashOf(
    bytes: Uint8Array,
    payload: Uint8Array,
    read: PayloadView | null,
    found: { view: PayloadView; hash: PendingSha256 } | null,
  ): Buffer | null {
    if (read === null || !read.ordered) return snapshotViewHash(bytes);
    if (found !== null && samePayloadView(found.view, read)) return found.hash.digest();
    return orderedViewHash(payload.subarray(read.from, read.to), read.computerEnd);
  }

  /**
   * The active snapshot version when it is served from its stored image and
   * its stored bytes have not been hashed again since start
   * (deferSnapshotHash); null otherwise.
   */
  get uncheckedSnapshot(): { version: number } | null {
    return this.unhashed === null ? null : { version: this.unhashed.version };
  }

  /**
   * Told the SHA-256 of the stored bytes of `version` (null, with
   * `problem`, when they could not be read whole), hashed after its image
   * was served. Returns what is wrong, or null when they hash to the value
   * the image is bound to (or another snapshot is active by now).
   *
   * When they do not, the image keeps serving: it was compiled from those
   * bytes when they were verified, and it was opened only after its own
   * checks and its binding to that hash. What is lost is the stored base
   * of deltas: the view hash is dropped, so a delta is refused
   * ('delta-base-mismatch') and the server sends a full snapshot, which
   * replaces the damaged one.
   */
  storedSnapshotHashed(version: number, sha256: Buffer | null, problem: string | null = null): string | null {
    const pending = this.unhashed;
    if (pending === null || pending.version !== version || this.active?.version !== version) return null;
    this.unhashed = null;
    if (sha256 !== null && sha256.equals(pending.sha256)) return null;
    this.activeViewHash = null;
    return (
      `stored snapshot ${version} no longer hashes to the SHA-256 recorded when it was verified` +
      `${problem === null ? '' : ` (${problem})`}: its view image, bound to that hash, keeps serving; ` +
      'deltas are refused until a full snapshot replaces it'
    );
  }

  /** Makes a verified, compiled and stored view the active one. */
  private accept(next: Active, viewHash: Buffer | null): void {
    this.unhashed = null;
    this.active = next;
    this.activeViewHash = viewHash;
    this.effective = null;
    this.cache.clear();
    if (this.pushed !== null && this.pushed.version <= next.settingsVersion) this.pushed = null;
  }

  /**
   * Verifies a signed delta and applies it to the active view: refused, as
   * a snapshot is, for a bad signature or key, another computer, or a
   * version not newer than the active one; then 'delta-base-mismatch' when
   * its base version and view hash are not those held. The changes are
   * applied to the stored base's encoding, the produced view's hash must be
   * the signed one, and only then is the produced view decoded, compiled,
   * stored (one transaction; its image file after, as applySnapshot's) and
   * made active. On any failure the active view stays, and the error's code
   * ('delta-...') asks the server for the full snapshot.
   */
  applyDelta(bytes: Uint8Array, hooks?: ApplyHooks): { version: number } {
    const now = this.options.clock();
    const delta = openDelta(bytes, this.options.publicKey, {
      maxBytes: this.options.maxDeltaBytes ?? DEFAULT_MAX_DELTA_BYTES,
    });
    this.checkComputer('delta', delta.computerId);
    const held = this.snapshotVersion;
    if (held !== null && delta.version <= held) {
      throw new TollgateError('stale-version', `delta to version ${delta.version} is not newer than ${held}`);
    }
    const active = this.active;
    const heldHash = this.activeViewHash;
    if (active === null || heldHash === null || held !== delta.baseVersion || !sameHash(heldHash, delta.baseViewHash)) {
      throw new TollgateError(
        'delta-base-mismatch',
        `the delta applies to version ${delta.baseVersion} (view ${hashHex(delta.baseViewHash)}), ` +
          `this agent holds ${held === null ? 'none' : `version ${held}`}${heldHash === null ? '' : ` (view ${hashHex(heldHash)})`}`,
      );
    }
    const produced = applyDeltaToStored(() => this.options.store.activeSnapshot(), heldHash, delta);
    let view: ComputerView;
    try {
      view = decodeViewBytes(produced.viewBytes, 'the view the delta produces');
    } catch (error) {
      throw new TollgateError('delta-inapplicable', `the delta's changes cannot be used: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const { version, issuedAtMs, settingsVersion } = delta;
    const sha256 = sha256Of(produced.viewBytes);
    const image = this.compile(view, version, sha256);
    const info: SnapshotInfo = { sha256, keyId: delta.keyId, issuedAtMs, settingsVersion, viewHash: produced.viewHash };
    const next = this.activate(version, info, image, now);
    // Not committed (a throw): the held view stays active.
    this.options.store.applyDeltaView(version, bytes, produced.viewBytes, now, hooks, info);
    this.storeImageLater(image, version, sha256, hooks);
    this.accept(next, produced.viewHash);
    return { version };
  }

  /** Verifies and stores pushed settings, applied from the very next decision. */
  applySettings(bytes: Uint8Array): { settingsVersion: number } {
    const content = openSettings(bytes, this.options.publicKey);
    this.checkComputer('settings', content.computerId);
    if (content.settingsVersion <= this.settingsVersion) {
      throw new TollgateError(
        'stale-version',
        `settings version ${content.settingsVersion} is not newer than ${this.settingsVersion}`,
      );
    }
    // The settings stored are another computer's: these replace them, whatever their version.
    this.options.store.applySettings(
      content.settingsVersion,
      bytes,
      this.options.clock(),
      this.pushed === null && this.foreign.settings,
    );
    this.foreign.settings = false;
    this.pushed = { version: content.settingsVersion, values: content.settings, sources: content.sources };
    this.effective = null;
    this.cache.clear();
    return { settingsVersion: content.settingsVersion };
  }

  /** Effective setting values: the snapshot's, then pushed ones, then per-request what-ifs. */
  private settingsWith(overrides?: Readonly<Record<string, SettingValue>>): Readonly<Record<string, SettingValue>> {
    const fromSnapshot = this.active?.image.meta.settings;
    if (overrides === undefined) return (this.effective ??= { ...fromSnapshot, ...this.pushed?.values });
    return { ...fromSnapshot, ...this.pushed?.values, ...overrides };
  }

  /** The agent setting entry each effective value came from (settingsWith), null for a default or one not told. */
  private settingSources(): Record<string, string | null> {
    const fromSnapshot = this.active?.image.meta.settingSources;
    const pushed = this.pushed;
    const sources: Record<string, string | null> = {};
    for (const name of Object.keys(this.settingsWith())) {
      sources[name] =
        pushed !== null && Object.hasOwn(pushed.values, name)
          ? (pushed.sources?.[name] ?? null)
          : (fromSnapshot?.[name] ?? null);
    }
    return sources;
  }

  private mode(): EffectiveMode {
    if (this.active !== null) return this.active.image.mode(this.settingsWith());
    const { agentVersion, os } = this.options;
    const gated = agentVersion === undefined || os === undefined ? [] : failedGates(DEFAULT_GATES, os, agentVersion);
    return { structure: 'hierarchical', builtInsFirst: true, gated };
  }

  /** Decides on a file. `settings` are what-if values for this request only; such decisions are not logged. */
  decide(file: FileRequest, options: DecideOptions = NO_OPTIONS): Decision {
    if (options.atMs !== undefined && !Number.isFinite(options.atMs)) {
      // NaN would make every expiry compare false (never expired), an infinity make every policy expired.
      throw new TollgateError('invalid-field', `request.evaluateFile.atMs: ${options.atMs} is not a time`);
    }
    const started = performance.now();
    const now = this.options.clock();
    let decision: Decision;
    let logged = file;
    if (this.active === null) {
      decision = {
        ...makeDecision(undefined, this.mode(), null),
        action: this.options.noSnapshotAction,
        reason: NO_SNAPSHOT_REASON,
      };
    } else if (options.atMs === undefined && options.settings === undefined) {
      const cached = this.cache.lookup(file, now, this.active.nextExpiryAfter, this.active.decide);
      // The log keeps the file the cache keeps: the one just asked with is garbage at once.
      logged = cached.file;
      decision = cached.decision;
    } else {
      // What-ifs (another time, other settings) are answered but never cached.
      decision = this.active.image.evaluate(file, {
        nowMs: options.atMs ?? now,
        settings: this.settingsWith(options.settings),
      });
    }
    this.counted(decision, started);
    if (options.settings === undefined && options.atMs === undefined) {
      this.options.onDecision?.(now, logged, decision, logged !== file);
    }
    return decision;
  }

  /**
   * Decides on the file whose key (wire/file-key.ts fileKey) is
   * key[0, length), hashing to `hash`, when the decision cache holds it:
   * counted and logged as `decide` does for a hit, without the file being
   * read from the request. Undefined when it is not cached (nothing
   * counted: `decide` with the file answers it).
   */
  decideCached(key: Buffer, length: number, hash: number): Decision | undefined {
    return this.answerCached(key, 0, length, hash)?.decision;
  }

  /**
   * decideCached for the key key[start, end), giving the decision cache's
   * entry: the decision and the slot in which the socket layer keeps its
   * encoded answer (CachedAnswer).
   */
  answerCached(key: Buffer, start: number, end: number, hash: number): CachedAnswer | undefined {
    const active = this.active;
    if (active === null) return undefined;
    const started = performance.now();
    const now = this.options.clock();
    const cached = this.cache.lookupKey(key, start, end, hash, now, active.nextExpiryAfter);
    if (cached === null) return undefined;
    const decision = cached.decision;
    this.counted(decision, started);
    this.options.onDecision?.(now, cached.file, decision, true, cached.fileBytes);
    return cached;
  }

  /**
   * Decides on a file that decideCached just did not find (its key hashes
   * to `keyHash`), as `decide` without what-ifs does, without looking it up
   * in the decision cache again.
   */
  decideMissed(file: FileRequest, keyHash: number): Decision {
    const active = this.active;
    if (active === null) return this.decide(file);
    const started = performance.now();
    const now = this.options.clock();
    const made = this.cache.decideMissed(file, keyHash, now, active.nextExpiryAfter, active.decide);
    const decision = made.decision;
    this.counted(decision, started);
    this.options.onDecision?.(now, made.file, decision, false);
    return decision;
  }

  /**
   * The view image of the active snapshot, whose decision numbers
   * decideMissedNumber gives; null when no snapshot is active. Ask again
   * after any change of the active view: the image it replaced is retired
   * (its decide and decisionAt throw 'image-released') and its buffer may
   * hold the next image's bytes.
   */
  get activeImage(): ViewImage | null {
    return this.active?.image ?? null;
  }

  /**
   * decideMissed, giving the decision as its number in activeImage
   * (ViewImage.decide), which must not be null: counted and logged alike,
   * the Decision made only when the decision cache keeps the file or the
   * log is told by onDecision. `key`: the file's key at key[keyStart,
   * keyEnd) (wire/file-key.ts fileKey; the request's bytes), copied by the
   * decision cache when it keeps the file and handed to onDecisionNumber,
   * valid during the call only.
   */
  decideMissedNumber(file: FileRequest, keyHash: number, key?: Buffer, keyStart = 0, keyEnd = 0): number {
    const active = this.active;
    if (active === null) throw new TollgateError('no-snapshot', 'no policy snapshot: no view image decides');
    const started = performance.now();
    const now = this.options.clock();
    const n = this.cache.decideMissedNumber(
      file,
      keyHash,
      now,
      active.nextExpiryAfter,
      active.decideNumber,
      active.decisionAt,
      key,
      keyStart,
      keyEnd,
    );
    this.countedAction(active.image.actionAt(n), started);
    const { onDecisionNumber, onDecision } = this.options;
    if (onDecisionNumber !== undefined) onDecisionNumber(now, file, active.image, n, key, keyStart, keyEnd);
    else onDecision?.(now, file, active.decisionAt(n), false);
    return n;
  }

  /** Counts a decision by action and its latency since `started` (performance.now) for status. */
  private counted(decision: Decision, started: number): void {
    this.countedAction(decision.action, started);
  }

  private countedAction(action: PolicyAction, started: number): void {
    const micros = (performance.now() - started) * 1000;
    this.latency.add(micros);
    this.latencyBuckets.add(micros);
    this.counts[action]++;
  }

  /** The local suggestion for an approval request (SPEC.md section 5). */
  suggest(query: ApprovalQuery): ApprovalSuggestion {
    if (this.active === null)
      throw new TollgateError('no-snapshot', 'no policy snapshot: approval policies are unknown');
    // The approval part of the view, with the one application the query names (approvals.ts reads no more).
    const image = this.active.image;
    const app = query.app === undefined ? undefined : image.application(query.app);
    const view: ComputerView = { ...image.meta, policies: [], applications: app === undefined ? [] : [app] };
    return evaluateApproval(view, resolveApprovalQuery(view, query));
  }

  /**
   * Answers an approval request with the local suggestion and, before
   * answering, stores it durably in the outbox under a new request id for
   * delivery to the server. Nothing is stored when the request is invalid
   * (a field over APPROVAL_REQUEST_LIMITS included) or cannot be evaluated
   * (no snapshot, unknown application), nor when the outbox is full
   * (TollgateError 'outbox-full').
   */
  submit(input: ApprovalSubmissionInput): { suggestion: ApprovalSuggestion; requestId: string } {
    if (input.file === undefined || input.file.path.trim() === '') {
      throw new TollgateError('missing-field', 'approval.file.path is required to submit an approval request');
    }
    const user = requiredText(input.user, 'approval.user', MAX_REQUEST_USER_CHARS);
    const reason = requiredText(input.reason, 'approval.reason', MAX_REQUEST_REASON_CHARS);
    checkApprovalRequestFields({ file: input.file, user, reason, query: input.query });
    const suggestion = this.suggest(input.query);
    const requestId = (this.options.newRequestId ?? randomUUID)();
    const submittedAtMs = this.options.clock();
    const payload = encodeAgentMessage({
      kind: 'approval',
      submission: { requestId, submittedAtMs, file: input.file, user, reason, query: input.query, suggestion },
    });
    checkSubmissionBytes(payload.length);
    this.options.store.enqueueOutbox({ id: requestId, payload, createdAtMs: submittedAtMs });
    this.options.onQueued?.();
    return { suggestion, requestId };
  }

  /** What the agent holds, for the server (hello, acknowledgements). */
  held(): HeldVersions {
    return {
      snapshotVersion: this.snapshotVersion,
      settingsVersion: this.settingsVersion,
      agentVersion: this.agentVersion,
      os: this.os,
      viewHash: this.viewHash,
    };
  }

  /** The counters metrics read at scrape time (they are kept as plain numbers on the decision path). */
  metrics(): AgentMetricsCounts {
    const active = this.active;
    return {
      decisions: { ...this.counts },
      latency: this.latencyBuckets.counts(),
      cacheHits: this.cache.hits,
      cacheMisses: this.cache.misses,
      snapshotVersion: active?.version ?? null,
      snapshotIssuedAtMs: active?.issuedAtMs ?? null,
      snapshotAppliedAtMs: active?.appliedAtMs ?? null,
      settingsVersion: this.settingsVersion,
      outboxDepth: this.options.store.outboxDepth(),
    };
  }

  status(): CoreStatus {
    const mode = this.mode();
    const active = this.active;
    const decisions: Record<string, number> = {};
    for (const action of POLICY_ACTIONS) decisions[action] = this.counts[action];
    return {
      computerId: this.options.computerId,
      agentVersion: this.agentVersion,
      os: this.os ?? 'windows',
      snapshotVersion: active?.version ?? null,
      snapshotIssuedAtMs: active?.issuedAtMs ?? null,
      snapshotAppliedAtMs: active?.appliedAtMs ?? null,
      orgStructure: active?.image.meta.orgStructure ?? null,
      structure: mode.structure,
      builtInsFirst: mode.builtInsFirst,
      gated: mode.gated,
      settings: { ...this.settingsWith() },
      settingSources: this.settingSources(),
      settingsVersion: this.settingsVersion,
      policyCount: active?.image.policyCount ?? 0,
      decisions,
      latencyP50Us: this.latency.percentile(50),
      latencyP99Us: this.latency.percentile(99),
      outboxDepth: this.options.store.outboxDepth(),
      uptimeMs: this.options.clock() - this.startedAtMs,
    };
  }
}

/**
 * Why a stored snapshot's bytes cannot be used, for good: they do not add
 * up, verify or decode, or this build refuses what they hold.
 */
const UNUSABLE_STORED: ReadonlySet<string> = new Set([
  'store-damaged',
  'bad-message',
  'bad-signature',
  'bad-regex',
  'empty-rule',
  'bad-version',
  'delta-base-damaged',
  'delta-inapplicable',
]);

/** What the process ran out of, rather than what the bytes hold: memory, or stack. */
const OUT_OF_ROOM = /allocation failed|invalid (typed )?array length|maximum call stack|out of memory|string length/i;

/**
 * Whether a stored snapshot failed to load for good, so that the agent
 * removes it from its store (loadActiveSnapshot): one of UNUSABLE_STORED,
 * and not a failure of the process behind it (a decoder wraps any error as
 * `bad-message`: memory or stack run out is no damage). A failure of the
 * storage, or another computer's snapshot (a configuration to fix),
 * removes nothing.
 */
export function isUnusableStored(error: unknown): boolean {
  if (!(error instanceof TollgateError) || !UNUSABLE_STORED.has(error.code)) return false;
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (OUT_OF_ROOM.test(cause.message) && !(cause instanceof TollgateError)) return false;
  }
  return true;
}

/** Whether a failure is that of a snapshot or settings signed for another computer. */
function isWrongComputer(error: unknown): boolean {
  return error instanceof TollgateError && error.code === 'wrong-computer';
}

/** Whether two reports of where a payload's view lies agree. */
function samePayloadView(a: PayloadView, b: PayloadView): boolean {
  return a.from === b.from && a.to === b.to && a.ordered === b.ordered && a.computerEnd === b.computerEnd;
}

function sha256Of(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/**
 * The buffer of one of the agent's images, to compile the next image over
 * once it is retired: only a buffer the image owns (ViewImage.ownsBuffer:
 * compiled, or read from its image file for it), and large enough not to
 * be one of Node.js's shared pools of small Buffers (the builder writes over
 * nothing smaller than the 1 MiB it keeps for the sections it works out).
 */
function ownBuffer(image: ViewImage | undefined): ArrayBuffer | undefined {
  if (image === undefined || !image.ownsBuffer) return undefined;
  const buffer = image.bytes.buffer;
  return isArrayBuffer(buffer) && buffer.byteLength >= OWN_BUFFER_MIN_BYTES ? buffer : undefined;
}

/** See ownBuffer: far above the 8 KiB pools Node.js cuts Buffers of less than 4 KiB from. */
const OWN_BUFFER_MIN_BYTES = 1024 * 1024;

/** How long an apply waits, after the signature check, for its hashing worker to be seen running (noticeOnline). */
const WORKER_ONLINE_WAIT_MS = 50;
