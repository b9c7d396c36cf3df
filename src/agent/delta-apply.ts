/**
 * The agent's side of signed deltas (docs/DAEMON.md, "Deltas"): the view
 * hash of what it holds, a delta applied to the stored base's encoding with
 * the produced view's hash checked, and a stored delta-reached version
 * opened again at start.
 */
import { TollgateError } from '../engine/errors.js';
import type { StoredBlob } from '../store/agent-store.js';
import {
  applyDeltaToParts,
  hashHex,
  partsBytes,
  partsHash,
  sameHash,
  signedSnapshotViewBytes,
  viewHashOf,
  viewParts,
  type DeltaContent,
} from '../wire/delta.js';
import type { SnapshotContent } from '../wire/signed.js';
import { decodeViewBytes } from '../wire/view-decoder.js';

/** The encoding of the view a stored snapshot version holds: a snapshot's view field, or a delta's resulting view. */
export function storedViewBytes(stored: StoredBlob): Uint8Array {
  return stored.delta === undefined ? signedSnapshotViewBytes(stored.bytes) : stored.bytes;
}

/** The view hash of a signed snapshot the agent verified; null when it cannot be worked out (then no delta applies). */
export function snapshotViewHash(signedSnapshot: Uint8Array): Buffer | null {
  try {
    return viewHashOf(signedSnapshotViewBytes(signedSnapshot));
  } catch {
    return null;
  }
}

/**
 * Applies a verified delta to the encoding of the stored view `stored`, which
 * must hash to `heldHash` (else 'delta-base-damaged'); returns the produced
 * encoding and its hash, which must be the delta's signed view hash (else
 * 'delta-hash-mismatch').
 */
export function applyDeltaToStored(
  readStored: () => StoredBlob | null,
  heldHash: Uint8Array,
  delta: DeltaContent,
): { viewBytes: Buffer; viewHash: Buffer } {
  let base;
  try {
    const stored = readStored();
    if (stored === null) throw new Error('no snapshot is stored');
    base = viewParts(storedViewBytes(stored), 'stored view');
  } catch (error) {
    if (error instanceof TollgateError && error.code === 'storage-unavailable') throw error;
    throw new TollgateError('delta-base-damaged', `the stored view cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const baseHash = partsHash(base);
  if (!sameHash(baseHash, heldHash)) {
    throw new TollgateError(
      'delta-base-damaged',
      `the stored view hashes to ${hashHex(baseHash)}, not to the ${hashHex(heldHash)} it had when applied`,
    );
  }
  let produced;
  try {
    produced = applyDeltaToParts(base, delta);
  } catch (error) {
    if (error instanceof TollgateError && error.code === 'delta-inapplicable') throw error;
    throw new TollgateError('delta-inapplicable', `the delta cannot be applied: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const viewHash = partsHash(produced);
  if (!sameHash(viewHash, delta.viewHash)) {
    throw new TollgateError(
      'delta-hash-mismatch',
      `the delta produces a view hashing to ${hashHex(viewHash)}, but it is signed for ${hashHex(delta.viewHash)}`,
    );
  }
  return { viewBytes: partsBytes(produced), viewHash };
}

/**
 * A stored delta-reached snapshot version as content, from its view's
 * encoding and the delta (opened by the caller, with the pinned keys), whose
 * signed view hash must cover the encoding ('store-damaged' otherwise).
 */
export function storedDeltaContent(viewBytes: Uint8Array, delta: DeltaContent): SnapshotContent & { viewHash: Buffer } {
  const viewHash = viewHashOf(viewBytes);
  if (!sameHash(viewHash, delta.viewHash)) {
    throw new TollgateError(
      'store-damaged',
      `the stored view hashes to ${hashHex(viewHash)}, not to the ${hashHex(delta.viewHash)} its delta signs`,
    );
  }
  const view = decodeViewBytes(viewBytes, 'stored view');
  if (view.computer.id !== delta.computerId) {
    throw new TollgateError('store-damaged', `the stored view is of ${view.computer.id}, not ${delta.computerId}`);
  }
  return {
    computerId: delta.computerId,
    version: delta.version,
    issuedAtMs: delta.issuedAtMs,
    settingsVersion: delta.settingsVersion,
    view,
    viewHash,
  };
}
