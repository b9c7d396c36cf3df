/**
 * Which message brings an agent to its computer's current snapshot version:
 * a signed delta from the view it holds, or the full signed snapshot
 * (docs/SERVER.md, "Deltas"). The views the server recently sent are kept,
 * by view hash, in a cache bounded by bytes (least recently used go first);
 * computers that share a view share its entry.
 */
import { TollgateError } from '../engine/errors.js';
import {
  diffViews,
  hashHex,
  partsHash,
  sameHash,
  signedSnapshotViewBytes,
  viewParts,
  type DeltaContent,
  type ViewParts,
} from '../wire/delta.js';
import { decodeEnvelope, type SnapshotHeader } from '../wire/signed.js';
import { tollgate } from '../wire/generated/tollgate.js';
import { decodeSnapshotHeader } from '../wire/view-decoder.js';
import { SealedCache } from './sealed-cache.js';
import type { SignedMessage } from './types.js';

const pb = tollgate.v1;

/** The bytes of views kept for deltas by default (docs/SERVER.md, "Bounds": sync.deltaViewCacheBytes). */
export const DEFAULT_DELTA_VIEW_CACHE_BYTES = 256 * 1024 * 1024;

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
  | { kind: 'delta'; signed: Uint8Array; baseVersion: number; snapshotBytes: number; produces: HeldView }
  | { kind: 'snapshot'; signed: Uint8Array; reason: SnapshotReason; produces: HeldView };

interface IssuedView {
  header: SnapshotHeader;
  hash: Buffer;
  parts: ViewParts;
  /** The view's encoding (within the signed snapshot). */
  bytes: Uint8Array;
}

export interface DeltaIssuerOptions {
  /** Bytes of views kept at most (their encodings); 0 turns deltas off. */
  maxViewBytes?: number;
  /** Signs a delta with the key that signs now. */
  seal: (delta: DeltaContent) => Uint8Array;
  clock: () => number;
}

/** Chooses between a delta and a snapshot, and remembers the views it sends. */
export class DeltaIssuer {
  private readonly views: SealedCache<{ bytes: Uint8Array; parts: ViewParts }>;
  private readonly enabled: boolean;
  /** The view of each signed snapshot already looked at, while its bytes live. */
  private readonly known = new WeakMap<Uint8Array, IssuedView>();

  constructor(private readonly options: DeltaIssuerOptions) {
    const maxBytes = options.maxViewBytes ?? DEFAULT_DELTA_VIEW_CACHE_BYTES;
    this.enabled = maxBytes > 0;
    this.views = new SealedCache(maxBytes);
  }

  /** The bytes of the views kept, all together (at most the bound). */
  get cachedBytes(): number {
    return this.views.bytes;
  }

  /** How many distinct views are kept. */
  get cachedViews(): number {
    return this.views.size;
  }

  /** Reads (once per signed snapshot) the header and view of a snapshot this server signed, and keeps the view. */
  private issued(signed: Uint8Array): IssuedView {
    let view = this.known.get(signed);
    if (view === undefined) {
      const { payload } = decodeEnvelope('snapshot', (b) => pb.SignedSnapshot.decode(b), signed);
      const viewBytes = signedSnapshotViewBytes(signed);
      const parts = viewParts(viewBytes);
      view = { header: decodeSnapshotHeader(payload), hash: partsHash(parts), parts, bytes: viewBytes };
      this.known.set(signed, view);
    }
    return view;
  }

  /** Keeps a view sent, as the most recently used. */
  private keep(view: IssuedView): void {
    if (this.enabled) this.views.set(view.hash.toString('hex'), { bytes: view.bytes, parts: view.parts });
  }

  /**
   * What brings an agent holding `held` to `current` (the computer's newest
   * signed snapshot): a delta when the server still holds the agent's view
   * and the delta is smaller than the snapshot, else the snapshot. With
   * `full`, the snapshot.
   */
  messageFor(computerId: string, held: HeldView, current: SignedMessage, full = false): ViewMessage {
    const view = this.issued(current.bytes);
    const produces: HeldView = { version: view.header.version, hash: view.hash };
    const snapshot = (reason: SnapshotReason): ViewMessage => {
      this.keep(view);
      return { kind: 'snapshot', signed: current.bytes, reason, produces };
    };
    if (!this.enabled) return snapshot('disabled');
    if (full) return snapshot('requested');
    if (held.hash === undefined || held.version === 0) return snapshot('no-base');
    if (held.version >= view.header.version) return snapshot('base-not-older');
    // A new version of the same view (a key rotation, a version issued above one installed offline): the
    // snapshot, so that what the agent stores is a snapshot signed by the key that signs now.
    if (sameHash(held.hash, view.hash)) return snapshot('same-view');
    // The base is looked up before the new view is kept, which could push it out.
    const base = this.views.get(hashHex(held.hash));
    if (base === undefined) return snapshot('base-unknown');
    const delta = diffViews(base.parts, view.parts, {
      computerId,
      baseVersion: held.version,
      baseViewHash: held.hash,
      version: view.header.version,
      settingsVersion: view.header.settingsVersion,
      issuedAtMs: this.options.clock(),
      viewHash: view.hash,
    });
    this.keep(view);
    if (delta === null) return snapshot('not-expressible');
    if (delta.computerId !== view.header.computerId) {
      throw new TollgateError('internal', `the snapshot of ${computerId} is for ${view.header.computerId}`);
    }
    const signed = this.options.seal(delta);
    if (signed.length >= current.bytes.length) return snapshot('not-smaller');
    return { kind: 'delta', signed, baseVersion: held.version, snapshotBytes: current.bytes.length, produces };
  }
}
