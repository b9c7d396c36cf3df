/**
 * Signed snapshots and signed settings (SPEC.md section 9): a payload message
 * encoded once, an Ed25519 signature over those exact bytes, and both wrapped
 * in a Signed* message with the id of the key that signed (see keyId).
 * Opening picks the pinned key by that id and verifies the signature before
 * it looks inside the payload, so nothing unsigned is ever parsed past the
 * envelope.
 */
import type { KeyObject } from 'node:crypto';
import { TollgateError } from '../engine/errors.js';
import type { SettingValue } from '../engine/model.js';
import type { ComputerView } from '../engine/view.js';
import {
  badMessage,
  checkIssuedAt,
  checkViewSettings,
  checkUint32,
  requireText,
  settingsFromWire,
  settingsToWire,
  viewToWire,
} from './codec.js';
import type { tollgate } from './generated/tollgate.js';
import { WIRE, pb } from './proto.js';
import { KEY_ID_PATTERN, PinnedKeys, keyId, signBytes, verifyBytes } from './signing.js';
import { checkPayloadKind, decodeSnapshotHeader, decodeSnapshotPayload } from './view-decoder.js';

/** The largest snapshot or settings version the wire carries (uint32). */
export const MAX_VERSION = 0xffff_ffff;

/** What a snapshot carries: one computer's view, versioned. */
export interface SnapshotContent {
  computerId: string;
  /** Increases with every snapshot the server issues for the computer. */
  version: number;
  issuedAtMs: number;
  /** The settings version the view's settings carry. */
  settingsVersion: number;
  view: ComputerView;
}

/** A snapshot's header fields, without the view. */
export type SnapshotHeader = Omit<SnapshotContent, 'view'>;

/** What a settings push carries: a computer's effective setting values, versioned. */
export interface SettingsContent {
  computerId: string;
  settingsVersion: number;
  issuedAtMs: number;
  settings: Record<string, SettingValue>;
  /** The setting entry each value came from, null for a default; the same names as `settings`. */
  sources?: Record<string, string | null>;
}

export interface Envelope {
  payload: Uint8Array;
  signature: Uint8Array;
  keyId: string;
}

/** The keys a message may be verified with: a pinned set, or a single key. */
export type VerificationKeys = PinnedKeys | KeyObject;

export function seal(payload: Uint8Array, privateKey: KeyObject): Envelope {
  return { payload, signature: signBytes(payload, privateKey), keyId: keyId(privateKey) };
}

/** What a signed envelope holds, as error messages name it. */
export type SignedWhat = 'snapshot' | 'settings' | 'delta';

/** Decodes a Signed* envelope (without checking its signature); 'bad-message' naming `what` when it is not one. */
export function decodeEnvelope(what: SignedWhat, decode: (bytes: Uint8Array) => Envelope, bytes: Uint8Array): Envelope {
  let envelope: Envelope;
  try {
    envelope = decode(bytes);
  } catch (error) {
    throw badMessage(what, `undecodable signed ${what}: ${(error as Error).message}`, error);
  }
  if (envelope.keyId !== '' && !KEY_ID_PATTERN.test(envelope.keyId)) {
    throw badMessage(`${what}.keyId`, 'is not a key id (16 lowercase hex digits)');
  }
  return envelope;
}

/**
 * Decodes an envelope and checks its signature with the pinned key its key
 * id names (each pinned key in turn for an envelope without a key id);
 * returns the verified payload bytes and the id of the key that verified it.
 */
export function openEnvelope(
  what: SignedWhat,
  decode: (bytes: Uint8Array) => Envelope,
  bytes: Uint8Array,
  keys: VerificationKeys,
): { payload: Uint8Array; keyId: string } {
  const envelope = decodeEnvelope(what, decode, bytes);
  if (envelope.signature.length === 0) throw new TollgateError('bad-signature', `the ${what} is not signed`);
  const pinned = PinnedKeys.of(keys);
  if (envelope.keyId === '') {
    const match = pinned.ids.find((id) => verifyBytes(envelope.payload, envelope.signature, pinned.get(id)));
    if (match === undefined) {
      throw new TollgateError('bad-signature', `the ${what} signature does not match any pinned server key`);
    }
    return { payload: envelope.payload, keyId: match };
  }
  if (!verifyBytes(envelope.payload, envelope.signature, pinned.get(envelope.keyId, what))) {
    throw new TollgateError('bad-signature', `the ${what} signature does not match pinned key ${envelope.keyId}`);
  }
  return { payload: envelope.payload, keyId: envelope.keyId };
}

function decodePayload<T>(what: string, decode: (bytes: Uint8Array) => T, bytes: Uint8Array): T {
  try {
    return decode(bytes);
  } catch (error) {
    throw badMessage(what, `undecodable payload: ${(error as Error).message}`, error);
  }
}

function snapshotHeaderFromWire(p: tollgate.v1.SnapshotPayload): SnapshotHeader {
  const computerId = requireText(p.computerId, 'snapshot.computerId');
  checkIssuedAt(p.issuedAtMs, 'snapshot');
  return {
    computerId,
    version: p.version,
    issuedAtMs: p.issuedAtMs,
    settingsVersion: p.settingsVersion,
  };
}

/** Encodes and signs a snapshot; returns the SignedSnapshot bytes. */
export function sealSnapshot(content: SnapshotContent, privateKey: KeyObject): Uint8Array {
  const payload = pb()
    .SnapshotPayload.encode({
      computerId: content.computerId,
      version: checkUint32(content.version, 'snapshot.version'),
      issuedAtMs: content.issuedAtMs,
      settingsVersion: checkUint32(content.settingsVersion, 'snapshot.settingsVersion'),
      view: viewToWire(content.view, 'snapshot.view'),
      kind: WIRE.PayloadKind.PAYLOAD_KIND_SNAPSHOT,
    })
    .finish();
  return pb().SignedSnapshot.encode(seal(payload, privateKey)).finish();
}

/**
 * Verifies and decodes a SignedSnapshot. Throws TollgateError 'bad-message'
 * for undecodable bytes or content (naming the field), 'unknown-key' for a
 * key id that is not pinned, 'bad-signature' for a missing signature or one
 * not made by the named pinned key's owner.
 */
export function openSnapshot(bytes: Uint8Array, keys: VerificationKeys): SnapshotContent {
  const { payload } = openEnvelope('snapshot', (b) => pb().SignedSnapshot.decode(b), bytes, keys);
  // Straight from the payload bytes to the view: no protobuf message objects for 100,000 policies.
  const content = decodeSnapshotPayload(payload);
  checkSnapshotVersion(content.version);
  return content;
}

/**
 * A snapshot's version is at least 1: 0 is the field left out (proto3) and
 * what a hello reports when no snapshot is held, so a snapshot of version 0
 * is refused as missing its version (not as older than the one held).
 */
function checkSnapshotVersion(version: number): void {
  if (version === 0) throw badMessage('snapshot.version', 'is missing (versions start at 1)');
}

/** A SignedSnapshot whose signature is verified and whose header is read; `open` decodes its view. */
export interface VerifiedSnapshot {
  header: SnapshotHeader;
  /** The id of the pinned key that verified it. */
  keyId: string;
  /** The verified payload (proto SnapshotPayload bytes), e.g. to compile its view image from. */
  payload: Uint8Array;
  /** Decodes the whole snapshot; errors as for openSnapshot. */
  open(): SnapshotContent;
}

/**
 * Verifies a SignedSnapshot and reads its header only, so that a snapshot
 * for another computer or of an old version is refused before its view is
 * decoded. Errors as for openSnapshot.
 */
export function verifySnapshot(bytes: Uint8Array, keys: VerificationKeys): VerifiedSnapshot {
  const opened = openEnvelope('snapshot', (b) => pb().SignedSnapshot.decode(b), bytes, keys);
  const { payload } = opened;
  const header = decodeSnapshotHeader(payload);
  checkSnapshotVersion(header.version);
  return {
    header,
    keyId: opened.keyId,
    payload,
    open: () => decodeSnapshotPayload(payload),
  };
}

/**
 * Decodes a SignedSnapshot WITHOUT checking its signature: only for a
 * snapshot this agent verified when it stored it and whose key has been
 * unpinned since (see Agent.loadFromStore), never for bytes from outside.
 */
export function openStoredSnapshotUnverified(bytes: Uint8Array): SnapshotContent & { keyId: string } {
  const envelope = decodeEnvelope('snapshot', (b) => pb().SignedSnapshot.decode(b), bytes);
  return { ...decodeSnapshotPayload(envelope.payload), keyId: envelope.keyId };
}

/** The key id a signed message names ('' when it names none), without checking anything else. */
export function signedKeyId(what: SignedWhat, bytes: Uint8Array): string {
  const decode =
    what === 'snapshot'
      ? (b: Uint8Array) => pb().SignedSnapshot.decode(b)
      : what === 'delta'
        ? (b: Uint8Array) => pb().SignedDelta.decode(b)
        : (b: Uint8Array) => pb().SignedSettings.decode(b);
  return decodeEnvelope(what, decode, bytes).keyId;
}

/**
 * A snapshot's header fields WITHOUT checking the signature: for showing a
 * file to a person who has no key at hand, never for deciding anything.
 */
export function peekSnapshot(bytes: Uint8Array): SnapshotHeader & { keyId: string } {
  const envelope = decodeEnvelope('snapshot', (b) => pb().SignedSnapshot.decode(b), bytes);
  const p = decodePayload('snapshot', (b) => pb().SnapshotPayload.decode(b), envelope.payload);
  checkPayloadKind('snapshot', p.kind);
  return { ...snapshotHeaderFromWire(p), keyId: envelope.keyId };
}

/** Encodes and signs a settings push; returns the SignedSettings bytes. */
export function sealSettings(content: SettingsContent, privateKey: KeyObject): Uint8Array {
  const payload = pb()
    .SettingsPayload.encode({
      computerId: content.computerId,
      settingsVersion: checkUint32(content.settingsVersion, 'settings.settingsVersion'),
      issuedAtMs: content.issuedAtMs,
      settings: settingsToWire(content.settings, content.sources, 'settings.settings'),
      hasSources: content.sources !== undefined,
      kind: WIRE.PayloadKind.PAYLOAD_KIND_SETTINGS,
    })
    .finish();
  return pb().SignedSettings.encode(seal(payload, privateKey)).finish();
}

/** Verifies and decodes a SignedSettings; errors as for openSnapshot. */
export function openSettings(bytes: Uint8Array, keys: VerificationKeys): SettingsContent {
  return settingsFromPayload(openEnvelope('settings', (b) => pb().SignedSettings.decode(b), bytes, keys).payload);
}

/** Decodes a SignedSettings WITHOUT checking its signature: as openStoredSnapshotUnverified, for settings. */
export function openStoredSettingsUnverified(bytes: Uint8Array): SettingsContent {
  return settingsFromPayload(decodeEnvelope('settings', (b) => pb().SignedSettings.decode(b), bytes).payload);
}

function settingsFromPayload(payload: Uint8Array): SettingsContent {
  const p = decodePayload('settings', (b) => pb().SettingsPayload.decode(b), payload);
  checkPayloadKind('settings', p.kind);
  const settings = settingsFromWire(p.settings, 'settings.settings');
  checkViewSettings(settings.values, 'settings.settings', settings.sources);
  const computerId = requireText(p.computerId, 'settings.computerId');
  // Versions start at 1: 0 is the field left out (proto3), and what a hello reports when nothing is held.
  if (p.settingsVersion === 0) throw badMessage('settings.settingsVersion', 'is missing (versions start at 1)');
  checkIssuedAt(p.issuedAtMs, 'settings');
  const content: SettingsContent = {
    computerId,
    settingsVersion: p.settingsVersion,
    issuedAtMs: p.issuedAtMs,
    settings: settings.values,
  };
  if (p.hasSources) {
    content.sources = settings.sources;
  } else if (Object.values(settings.sources).some((source) => source !== null)) {
    throw badMessage('settings.hasSources', 'is false, but some settings carry a source');
  }
  return content;
}
