/**
 * Which message brings an agent to its computer's current snapshot version:
 * a signed delta from the view it holds, or the full signed snapshot
 * (docs/SERVER.md, "Deltas"). The views the server recently sent are kept,
 * by view hash, in a cache bounded by bytes (least recently used go first);
 * computers that share a view share its entry.
 */
import type { KeyObject } from 'node:crypto';
import { TollgateError } from '../engine/errors.js';
import {
  NO_DELTA_HEADER,
  VIEW_FIELDS,
  diffViews,
  encodeDeltaChanges,
  encodeDeltaPayload,
  joinDeltaPayload,
  sameHash,
  deltaServerMessage,
  signedDeltaLength,
  type DeltaContent,
  type DeltaHeader,
} from '../wire/delta.js';
import { keyId, signBytes } from '../wire/signing.js';
import { type EncodedBody, splicedSignedSnapshotBytes, splicedViewHash } from '../wire/view-splice.js';
import type { CurrentView, SignedMessage } from './types.js';

/** How many keys of views let go the cache remembers, to tell a base let go by the bound from one never kept. */
const MAX_EVICTED_KEPT = 4_096;

/** The bytes of views kept for deltas by default (docs/SERVER.md, "Bounds": sync.deltaViewCacheBytes). */
export const DEFAULT_DELTA_VIEW_CACHE_BYTES = 1024 * 1024 * 1024;

/** What an agent holds, as it last said (hello, acknowledgement) or as the server last sent it. */
export interface HeldView {
  version: number;
  /** Its view hash; absent when the agent holds no snapshot or did not say. */
  hash?: Uint8Array | undefined;
}

/** Why a full snapshot is sent instead of a delta. */
export type SnapshotReason =
  | 'no-base' // the agent holds no snapshot, or did not send its view hash
  | 'base-unknown' // the server no longer (or never) had the view the agent holds
  | 'not-expressible' // the views cannot be compared entry by entry
  | 'not-smaller' // the delta would not be smaller than the snapshot
  | 'base-not-older' // the agent holds (or was just sent) this version already: sent again whole
  | 'same-view' // the new version's view is the one the agent holds (a key rotation)
  | 'requested' // the agent could not apply a delta and asked for the snapshot
  | 'disabled'; // sync.deltaViewCacheBytes is 0

/** What to send: the message's kind and signed bytes, and what the agent holds once it applied it. */
export type ViewMessage =
  | {
      kind: 'delta';
      signed: Uint8Array;
      baseVersion: number;
      snapshotBytes: number;
      produces: HeldView;
      /** The ServerMessage carrying `signed`, when it was made with it (finishDelta). */
      message?: Uint8Array;
    }
  | { kind: 'snapshot'; signed: Uint8Array; reason: SnapshotReason; produces: HeldView };

/** A delta chosen and encoded but not signed yet: `finish` makes the message from the payload's signature. */
export interface UnsignedDelta {
  kind: 'unsigned-delta';
  /** The DeltaPayload bytes to sign. */
  payload: Uint8Array;
  baseVersion: number;
  snapshotBytes: number;
  produces: HeldView;
}

/** The delta message of an unsigned delta and its Ed25519 signature by `key`. */
export function finishDelta(unsigned: UnsignedDelta, signature: Uint8Array, key: KeyObject): ViewMessage {
  const { message, signed } = deltaServerMessage(unsigned.payload, signature, keyId(key));
  return {
    kind: 'delta',
    signed,
    message,
    baseVersion: unsigned.baseVersion,
    snapshotBytes: unsigned.snapshotBytes,
    produces: unsigned.produces,
  };
}

export interface DeltaIssuerOptions {
  /** Bytes of views kept at most (their encodings, a body shared by several views counted once); 0 turns deltas off. */
  maxViewBytes?: number;
  /** The key that signs now (deltas signed here are signed with it). */
  signingKey: () => KeyObject;
  clock: () => number;
}

/** A view kept as a delta base: the computer's own record and its body's encoding (shared). */
interface KeptView {
  computer: Buffer;
  body: EncodedBody;
}

/** What a kept view costs besides its body's bytes (map entry, hash key). */
const VIEW_OVERHEAD_BYTES = 128;

/** Body diffs kept at most: a change to many computers diffs each pair of bodies once. */
const MAX_BODY_DIFFS = 4096;

/**
 * Bytes of encoded changes the kept body diffs hold at most (each diff's
 * changes are encoded once, a copy of its own): the oldest go first.
 */
const MAX_BODY_DIFF_BYTES = 64 * 1024 * 1024;

/** Computers whose newest view hash is kept at most (the hash costs a pass over the whole view). */
const MAX_KNOWN_HASHES = 1_000_000;

/** The changes between two bodies: a delta without its header and without the `computer` field. */
type BodyDiff = Omit<DeltaContent, keyof DeltaHeader> & {
  /** The changes encoded (DeltaPayload fields 9 to 16): once for every computer that gets this diff. */
  encoded: Uint8Array;
};

/**
 * Views by view hash, bounded by bytes: a body shared by several views is
 * counted once, while any of them is kept. Least recently used go first.
 */
class ViewCache {
  private readonly views = new Map<string, KeptView>();
  private readonly bodies = new Map<EncodedBody, number>();
  private held = 0;
  /** Views let go to stay within the bound (not those replaced by themselves). */
  evicted = 0;
  /** The keys of the views let go most recently to stay within the bound, at most MAX_EVICTED_KEPT. */
  readonly recentlyEvicted = new Set<string>();

  constructor(private readonly maxBytes: number) {}

  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.views.size;
  }

  get(hash: string): KeptView | undefined {
    const view = this.views.get(hash);
    if (view !== undefined) {
      this.views.delete(hash);
      this.views.set(hash, view);
    }
    return view;
  }

  set(hash: string, view: KeptView): void {
    this.delete(hash);
    this.recentlyEvicted.delete(hash);
    this.views.set(hash, view);
    const refs = this.bodies.get(view.body) ?? 0;
    this.bodies.set(view.body, refs + 1);
    this.held += view.computer.length + VIEW_OVERHEAD_BYTES + (refs === 0 ? view.body.length : 0);
    for (const oldest of this.views.keys()) {
      if (this.held <= this.maxBytes) break;
      this.delete(oldest);
      this.evicted++;
      this.recentlyEvicted.add(oldest);
      if (this.recentlyEvicted.size > MAX_EVICTED_KEPT) {
        this.recentlyEvicted.delete(this.recentlyEvicted.values().next().value!);
      }
    }
  }

  private delete(hash: string): void {
    const view = this.views.get(hash);
    if (view === undefined) return;
    this.views.delete(hash);
    this.held -= view.computer.length + VIEW_OVERHEAD_BYTES;
    const refs = this.bodies.get(view.body)! - 1;
    if (refs === 0) {
      this.bodies.delete(view.body);
      this.held -= view.body.length;
    } else this.bodies.set(view.body, refs);
  }
}

/**
 * Chooses between a delta and a snapshot, and remembers the views it sends.
 * Work per computer is small when a change reaches many: the delta between
 * two bodies is computed once for all the computers that share them, and a
 * snapshot is signed only for a computer that gets one.
 */
export class DeltaIssuer {
  private readonly views: ViewCache;
  private readonly enabled: boolean;
  private readonly maxBytes: number;
  private readonly bodyDiffs = new Map<string, BodyDiff | null>();
  /** The encoded changes' bytes in bodyDiffs (bounded by MAX_BODY_DIFF_BYTES). */
  private bodyDiffBytes = 0;
  /** The newest view hash of each computer, with what it was computed from. */
  private readonly hashes = new Map<string, { computer: Buffer; body: number; hash: Buffer }>();

  constructor(private readonly options: DeltaIssuerOptions) {
    const maxBytes = options.maxViewBytes ?? DEFAULT_DELTA_VIEW_CACHE_BYTES;
    this.maxBytes = maxBytes;
    this.enabled = maxBytes > 0;
    this.views = new ViewCache(maxBytes);
  }

  /** The bytes of the views kept, all together (at most the bound). */
  get cachedBytes(): number {
    return this.views.bytes;
  }

  /** How many distinct views are kept. */
  get cachedViews(): number {
    return this.views.size;
  }

  /** The bound of the views kept (sync.deltaViewCacheBytes). */
  get maxViewBytes(): number {
    return this.maxBytes;
  }

  /** Whether the view of this hash was let go to stay within the bound (among the last MAX_EVICTED_KEPT let go). */
  evictedView(hash: Uint8Array): boolean {
    return this.views.recentlyEvicted.has(cacheKey(hash));
  }

  /** How many views were let go to stay within the bound, since the start. */
  get evictedViews(): number {
    return this.views.evicted;
  }

  /** The view hash of a computer's newest view (computed once per view). */
  viewHash(current: CurrentView): Buffer {
    const computer = asBuffer(current.view.computer);
    const known = this.hashes.get(current.computerId);
    const body = current.view.body.serial;
    if (known !== undefined && known.body === body && known.computer.equals(computer)) return known.hash;
    const hash = splicedViewHash(current.view);
    this.hashes.delete(current.computerId);
    // The body's serial, not the body: this map must not keep bodies alive past the view cache's bound.
    this.hashes.set(current.computerId, { computer, body, hash });
    if (this.hashes.size > MAX_KNOWN_HASHES) this.hashes.delete(this.hashes.keys().next().value!);
    return hash;
  }

  /** Whether the view hash of this computer's view is known (viewHash costs no pass over the body). */
  knowsViewHash(current: CurrentView): boolean {
    const known = this.hashes.get(current.computerId);
    return (
      known !== undefined &&
      known.body === current.view.body.serial &&
      known.computer.equals(asBuffer(current.view.computer))
    );
  }

  /** Notes the view hash of a computer's view, taken elsewhere (the signing thread: DeltaSigner.hashViews). */
  noteViewHash(current: CurrentView, hash: Buffer): void {
    this.hashes.delete(current.computerId);
    this.hashes.set(current.computerId, {
      computer: asBuffer(current.view.computer),
      body: current.view.body.serial,
      hash,
    });
    if (this.hashes.size > MAX_KNOWN_HASHES) this.hashes.delete(this.hashes.keys().next().value!);
  }

  /** Keeps a view sent (or held by its agent), as the most recently used. */
  private keep(hash: Buffer, current: CurrentView): void {
    if (this.enabled)
      this.views.set(cacheKey(hash), { computer: asBuffer(current.view.computer), body: current.view.body });
  }

  /**
   * Notes that an agent holds its computer's newest view (its hello named
   * the newest version and that view's hash), so that the next change can
   * reach it as a delta. Returns whether it holds it.
   */
  holds(held: HeldView, current: CurrentView): boolean {
    if (held.hash === undefined || held.version !== current.version) return false;
    const hash = this.viewHash(current);
    if (!sameHash(held.hash, hash)) return false;
    this.keep(hash, current);
    return true;
  }

  /** The delta between two bodies (once per pair while kept); null when it cannot be expressed. */
  private bodyDiff(base: EncodedBody, next: EncodedBody): BodyDiff | null {
    const key = `${base.serial}>${next.serial}`;
    let diff = this.bodyDiffs.get(key);
    if (diff === undefined) {
      const full = diffViews(base.parts, next.parts, NO_DELTA_HEADER);
      diff =
        full === null
          ? null
          : {
              policies: full.policies,
              removedPolicies: full.removedPolicies,
              applications: full.applications,
              removedApplications: full.removedApplications,
              replacedFields: full.replacedFields,
              replaced: full.replaced,
              encoded: encodeDeltaChanges(full),
            };
      this.bodyDiffs.set(key, diff);
      this.bodyDiffBytes += diff === null ? 0 : diff.encoded.length;
      while (this.bodyDiffs.size > MAX_BODY_DIFFS || this.bodyDiffBytes > MAX_BODY_DIFF_BYTES) {
        const [oldest, dropped] = this.bodyDiffs.entries().next().value!;
        this.bodyDiffs.delete(oldest);
        this.bodyDiffBytes -= dropped === null ? 0 : dropped.encoded.length;
        // A diff alone over the budget is not kept (it is still returned, for this change).
        if (oldest === key) break;
      }
    }
    return diff;
  }

  /**
   * What brings an agent holding `held` to `current` (the computer's newest
   * view): a delta when the server still holds the agent's view and the
   * delta is smaller than the snapshot, else the snapshot (`snapshot` signs
   * it). With `full`, the snapshot.
   */
  messageFor(
    computerId: string,
    held: HeldView,
    current: CurrentView,
    snapshot: () => SignedMessage,
    full = false,
  ): ViewMessage {
    const chosen = this.prepare(computerId, held, current, snapshot, full);
    if (chosen.kind !== 'unsigned-delta') return chosen;
    const key = this.options.signingKey();
    return finishDelta(chosen, signBytes(chosen.payload, key), key);
  }

  /**
   * As messageFor, but a delta is returned encoded and unsigned, for the
   * caller to sign (in batches, off the event loop: delta-signer.ts) and
   * finish (finishDelta). A snapshot comes signed.
   */
  prepare(
    computerId: string,
    held: HeldView,
    current: CurrentView,
    snapshot: () => SignedMessage,
    full = false,
  ): ViewMessage | UnsignedDelta {
    const hash = this.viewHash(current);
    const produces: HeldView = { version: current.version, hash };
    const whole = (reason: SnapshotReason): ViewMessage => {
      this.keep(hash, current);
      const signed = snapshot();
      if (signed.version !== current.version) {
        throw new TollgateError(
          'internal',
          `the snapshot of ${computerId} is version ${signed.version}, not ${current.version}`,
        );
      }
      return { kind: 'snapshot', signed: signed.bytes, reason, produces };
    };
    if (!this.enabled) return whole('disabled');
    if (full) return whole('requested');
    if (held.hash === undefined || held.version === 0) return whole('no-base');
    if (held.version >= current.version) return whole('base-not-older');
    // A new version of the same view (a key rotation, a version issued above one installed offline): the
    // snapshot, so that what the agent stores is a snapshot signed by the key that signs now.
    if (sameHash(held.hash, hash)) return whole('same-view');
    // The base is looked up before the new view is kept, which could push it out.
    const base = this.views.get(cacheKey(held.hash));
    if (base === undefined) return whole('base-unknown');
    this.keep(hash, current);
    const body = this.bodyDiff(base.body, current.view.body);
    if (body === null) return whole('not-expressible');
    const computer = asBuffer(current.view.computer);
    const header: DeltaHeader = {
      computerId,
      baseVersion: held.version,
      baseViewHash: held.hash,
      version: current.version,
      settingsVersion: current.settingsVersion,
      issuedAtMs: this.options.clock(),
      viewHash: hash,
    };
    // The changes of a pair of bodies are encoded once for all the computers that share them; a computer whose own
    // record changed replaces it too (field 1, before every field of the body).
    const payload = base.computer.equals(computer)
      ? joinDeltaPayload(header, body.encoded)
      : encodeDeltaPayload({
          ...header,
          ...body,
          replacedFields: [VIEW_FIELDS.computer, ...body.replacedFields],
          replaced: Buffer.concat([computer, body.replaced]),
        });
    const snapshotBytes = splicedSignedSnapshotBytes(
      { computerId, version: current.version, issuedAtMs: header.issuedAtMs, settingsVersion: current.settingsVersion },
      current.view,
    );
    // The signed length is known before signing: the signature and key id have fixed lengths.
    if (signedDeltaLength(payload.length) >= snapshotBytes) return whole('not-smaller');
    return { kind: 'unsigned-delta', payload, baseVersion: held.version, snapshotBytes, produces };
  }
}

/** A view hash as a key of the view cache: its 32 bytes as a one-byte string (half the length of hex, made faster). */
function cacheKey(hash: Uint8Array): string {
  return asBuffer(hash).toString('latin1');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
