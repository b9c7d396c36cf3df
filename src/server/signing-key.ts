/**
 * The server's Ed25519 signing key, kept as two PEM files in the data
 * directory: created on first start, reused afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { TollgateError } from '../engine/errors.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../wire/signing.js';

/** The private key file in the data directory (mode 0600). */
export const SIGNING_KEY_FILE = 'signing.key';
/** The public key file in the data directory: what agents pin. */
export const SIGNING_PUBLIC_KEY_FILE = 'signing.pub';

/** The private key's file mode: readable by the server's user only. */
export const SIGNING_KEY_MODE = 0o600;
const PUBLIC_KEY_MODE = 0o644;

/** The loaded key pair. */
export interface ServerSigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
}

/** Writes a file whole or not at all: a temporary file, fsync'd, renamed over the target. */
function writeFileDurably(file: string, text: string, mode: number): void {
  const temporary = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(temporary, 'w', mode);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TollgateError('unreadable', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Loads the key pair of `dataDir`, creating it when there is no private key.
 * A missing public key file is rewritten from the private key; one that does
 * not match it is refused (TollgateError 'bad-key'), since agents pin it.
 */
export function loadOrCreateSigningKey(dataDir: string): ServerSigningKey {
  const keyFile = path.join(dataDir, SIGNING_KEY_FILE);
  const publicFile = path.join(dataDir, SIGNING_PUBLIC_KEY_FILE);
  let privatePem = readText(keyFile);
  if (privatePem === undefined) {
    privatePem = generateSigningKeys().privateKeyPem;
    writeFileDurably(keyFile, privatePem, SIGNING_KEY_MODE);
  }
  const privateKey = parsePrivateKey(privatePem);
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const storedPublic = readText(publicFile);
  if (storedPublic === undefined) {
    writeFileDurably(publicFile, publicKeyPem, PUBLIC_KEY_MODE);
  } else if (parsePublicKey(storedPublic).export({ type: 'spki', format: 'pem' }).toString() !== publicKeyPem) {
    throw new TollgateError('bad-key', `${publicFile} is not the public key of ${keyFile}`);
  }
  return { privateKey, publicKeyPem };
}
