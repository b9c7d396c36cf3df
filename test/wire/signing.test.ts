import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import {
  KEY_ID_HEX_CHARS,
  KEY_ID_PATTERN,
  MAX_PINNED_KEYS,
  PinnedKeys,
  generateSigningKeys,
  keyId,
  parsePrivateKey,
  parsePublicKey,
  signBytes,
  verifyBytes,
} from '../../src/wire/signing.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    return (error as TollgateError).code;
  }
  throw new Error('expected an error');
}

const keys = generateSigningKeys();
const privateKey = parsePrivateKey(keys.privateKeyPem);
const publicKey = parsePublicKey(keys.publicKeyPem);
const message = new TextEncoder().encode('snapshot payload bytes');

describe('Ed25519 signing', () => {
  it('generates PEM keys that parse', () => {
    expect(keys.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(keys.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(publicKey.asymmetricKeyType).toBe('ed25519');
    expect(privateKey.asymmetricKeyType).toBe('ed25519');
  });

  it('signs and verifies', () => {
    const signature = signBytes(message, privateKey);
    expect(signature).toHaveLength(64);
    expect(verifyBytes(message, signature, publicKey)).toBe(true);
  });

  it('rejects a tampered payload or signature', () => {
    const signature = signBytes(message, privateKey);
    const tampered = Uint8Array.from(message);
    tampered[0] = tampered[0]! ^ 1;
    expect(verifyBytes(tampered, signature, publicKey)).toBe(false);
    const badSignature = Uint8Array.from(signature);
    badSignature[10] = badSignature[10]! ^ 0x80;
    expect(verifyBytes(message, badSignature, publicKey)).toBe(false);
    expect(verifyBytes(message, signature.subarray(0, 63), publicKey)).toBe(false);
  });

  it('rejects a signature by another key', () => {
    const other = parsePrivateKey(generateSigningKeys().privateKeyPem);
    expect(verifyBytes(message, signBytes(message, other), publicKey)).toBe(false);
  });

  it('refuses keys that are not Ed25519, unreadable, or private where public is expected', () => {
    const rsa = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    expect(codeOf(() => parsePublicKey(rsa.publicKey))).toBe('bad-key');
    expect(codeOf(() => parsePrivateKey(rsa.privateKey))).toBe('bad-key');
    expect(() => parsePublicKey(rsa.publicKey)).toThrow(/rsa key; tollgate needs an Ed25519 key/);
    expect(codeOf(() => parsePublicKey('not a key'))).toBe('bad-key');
    expect(codeOf(() => parsePrivateKey('not a key'))).toBe('bad-key');
    expect(codeOf(() => parsePublicKey(keys.privateKeyPem))).toBe('bad-key');
  });

  it('refuses to sign or verify with a key of another type', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(codeOf(() => signBytes(message, ec.privateKey))).toBe('bad-key');
    expect(codeOf(() => verifyBytes(message, new Uint8Array(64), ec.publicKey))).toBe('bad-key');
  });

  it('names a key by 16 hex characters of the sha256 of its raw public key, the same from its private key', () => {
    const id = keyId(publicKey);
    expect(id).toMatch(KEY_ID_PATTERN);
    expect(id).toHaveLength(KEY_ID_HEX_CHARS);
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    expect(id).toBe(createHash('sha256').update(raw).digest('hex').slice(0, KEY_ID_HEX_CHARS));
    expect(keyId(parsePrivateKey(keys.privateKeyPem))).toBe(id);
    expect(keyId(parsePublicKey(generateSigningKeys().publicKeyPem))).not.toBe(id);
  });

  it('pins a set of keys by id and refuses an id it does not pin, naming it', () => {
    const other = parsePublicKey(generateSigningKeys().publicKeyPem);
    const pinned = new PinnedKeys([publicKey, other, publicKey]);
    expect(pinned.ids).toEqual([keyId(publicKey), keyId(other)]);
    expect(pinned.get(keyId(other))).toBe(other);
    const error = (() => {
      try {
        pinned.get('0123456789abcdef', 'snapshot');
      } catch (e) {
        return e as TollgateError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.code).toBe('unknown-key');
    expect(error.message).toBe(
      `the snapshot is signed by key 0123456789abcdef, which is not pinned (pinned: ${keyId(publicKey)}, ${keyId(other)})`,
    );
  });

  it('refuses an empty pinned set and more than MAX_PINNED_KEYS keys', () => {
    expect(codeOf(() => new PinnedKeys([]))).toBe('bad-key');
    const many = Array.from({ length: MAX_PINNED_KEYS + 1 }, () => parsePublicKey(generateSigningKeys().publicKeyPem));
    expect(new PinnedKeys(many.slice(0, MAX_PINNED_KEYS)).ids).toHaveLength(MAX_PINNED_KEYS);
    expect(codeOf(() => new PinnedKeys(many))).toBe('bad-key');
  });
});
