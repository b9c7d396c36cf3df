/**
 * Ed25519 signatures over snapshot and settings payloads (SPEC.md section 9):
 * the server signs with its private key, the daemon pins its public key.
 */
import { Buffer } from 'node:buffer';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { TollgateError } from '../engine/errors.js';

/** The one key type tollgate signs with. */
export const SIGNING_KEY_TYPE = 'ed25519';

/**
 * Length of a key id: the first 16 lowercase hex digits of the SHA-256 of
 * the raw 32-byte Ed25519 public key (see keyId). Every signed message names
 * its key by this id; agents pin a set of keys and pick one by it.
 */
export const KEY_ID_HEX_CHARS = 16;

/** The form of a key id on the wire. */
export const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;

/** The most keys an agent pins at once (the current key, the next one, and some room). */
export const MAX_PINNED_KEYS = 16;

/** A new Ed25519 key pair as PEM text (SPKI public key, PKCS#8 private key). */
export function generateSigningKeys(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync(SIGNING_KEY_TYPE, {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

function requireEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== SIGNING_KEY_TYPE) {
    throw new TollgateError(
      'bad-key',
      `the ${what} is a ${key.asymmetricKeyType ?? 'symmetric'} key; tollgate needs an Ed25519 key`,
    );
  }
  return key;
}

/** Parses a PEM private key; TollgateError 'bad-key' when it is unreadable or not Ed25519. */
export function parsePrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new TollgateError(
      'bad-key',
      `the private key is not a readable PEM private key: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return requireEd25519(key, 'private key');
}

/**
 * Parses a PEM public key; TollgateError 'bad-key' when it is unreadable, not
 * Ed25519, or a private key (which must not be handed to agents).
 */
export function parsePublicKey(pem: string): KeyObject {
  if (pem.includes('PRIVATE KEY')) {
    throw new TollgateError('bad-key', 'expected a public key but got a private key: give agents the public key only');
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new TollgateError('bad-key', `the public key is not a readable PEM public key: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return requireEd25519(key, 'public key');
}

/** The Ed25519 signature of `bytes`. */
export function signBytes(bytes: Uint8Array, privateKey: KeyObject): Uint8Array {
  return sign(null, bytes, requireEd25519(privateKey, 'signing key'));
}

/** Whether `signature` is a valid Ed25519 signature of `bytes` by `publicKey`'s owner. */
export function verifyBytes(bytes: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  return verify(null, bytes, requireEd25519(publicKey, 'verification key'), signature);
}

const keyIds = new WeakMap<KeyObject, string>();

/**
 * A key's id: the first KEY_ID_HEX_CHARS hex digits of sha256 of the raw
 * 32-byte Ed25519 public key. Given a private key, the id of its public key.
 */
export function keyId(key: KeyObject): string {
  const known = keyIds.get(key);
  if (known !== undefined) return known;
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = requireEd25519(publicKey, 'public key').export({ format: 'jwk' });
  if (jwk.x === undefined) throw new TollgateError('bad-key', 'the public key has no raw key material');
  const raw = Buffer.from(jwk.x, 'base64url');
  const id = createHash('sha256').update(raw).digest('hex').slice(0, KEY_ID_HEX_CHARS);
  keyIds.set(key, id);
  return id;
}

/**
 * The set of server public keys an agent pins, by key id. A message is
 * verified with the pinned key its key id names; an id not pinned is
 * refused (TollgateError 'unknown-key').
 */
export class PinnedKeys {
  private readonly byId = new Map<string, KeyObject>();

  /** Pins `keys` (duplicates count once); TollgateError 'bad-key' for none, more than MAX_PINNED_KEYS, or a non-Ed25519 key. */
  constructor(keys: readonly KeyObject[]) {
    for (const key of keys) this.byId.set(keyId(requireEd25519(key, 'pinned key')), key);
    if (this.byId.size === 0) throw new TollgateError('bad-key', 'no server public key is pinned');
    if (this.byId.size > MAX_PINNED_KEYS) {
      throw new TollgateError('bad-key', `${this.byId.size} server public keys are pinned; at most ${MAX_PINNED_KEYS}`);
    }
  }

  /** A set of one key, or the set itself. */
  static of(keys: PinnedKeys | KeyObject): PinnedKeys {
    return keys instanceof PinnedKeys ? keys : new PinnedKeys([keys]);
  }

  /** The pinned key ids, in the order given. */
  get ids(): string[] {
    return [...this.byId.keys()];
  }

  /** The pinned keys, in the order given. */
  get keys(): KeyObject[] {
    return [...this.byId.values()];
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The pinned key with this id; TollgateError 'unknown-key' naming the id (and what is pinned) otherwise. */
  get(id: string, what = 'message'): KeyObject {
    const key = this.byId.get(id);
    if (key === undefined) {
      throw new TollgateError(
        'unknown-key',
        `the ${what} is signed by key ${id}, which is not pinned (pinned: ${this.ids.join(', ')})`,
      );
    }
    return key;
  }
}
