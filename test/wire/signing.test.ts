import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import {
  generateSigningKeys,
  keyFingerprint,
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

  it('fingerprints the raw public key: 16 hex characters of its sha256', () => {
    const fingerprint = keyFingerprint(publicKey);
    expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    expect(fingerprint).toBe(createHash('sha256').update(raw).digest('hex').slice(0, 16));
    expect(keyFingerprint(parsePublicKey(generateSigningKeys().publicKeyPem))).not.toBe(fingerprint);
  });
});
