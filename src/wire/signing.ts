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

/** Length of a key fingerprint: the first 16 hex characters of sha256(raw public key). */
export const FINGERPRINT_HEX_CHARS = 16;

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

/** A short, stable name for a key: the first 16 hex characters of sha256 of the raw 32-byte public key. */
export function keyFingerprint(publicKey: KeyObject): string {
  const jwk = requireEd25519(publicKey, 'public key').export({ format: 'jwk' });
  if (jwk.x === undefined) throw new TollgateError('bad-key', 'the public key has no raw key material');
  const raw = Buffer.from(jwk.x, 'base64url');
  return createHash('sha256').update(raw).digest('hex').slice(0, FINGERPRINT_HEX_CHARS);
}
