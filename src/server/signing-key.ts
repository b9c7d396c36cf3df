/**
 * The server's Ed25519 signing key, kept as two PEM files in the data
 * directory: created on first start, reused afterwards. A next key may wait
 * beside it (`signing-next.key`, `.pub` and the time it takes over, `.at`)
 * until the server switches to it: see switchToNextSigningKey and
 * docs/SERVER.md, "Rotating the signing key".
 */
import fs from 'node:fs';
import path from 'node:path';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { TollgateError } from '../engine/errors.js';
import { generateSigningKeys, keyId, parsePrivateKey, parsePublicKey } from '../wire/signing.js';
import { makeDirs } from '../scenario/make-dirs.js';

/** The private key file in the data directory (mode 0600). */
export const SIGNING_KEY_FILE = 'signing.key';
/** The public key file in the data directory: what agents pin. */
export const SIGNING_PUBLIC_KEY_FILE = 'signing.pub';

/** The next key's private key file, waiting for its time (mode 0600). */
export const NEXT_SIGNING_KEY_FILE = 'signing-next.key';
/** The next key's public key file: what agents add to their pinned keys before the switch. */
export const NEXT_SIGNING_PUBLIC_KEY_FILE = 'signing-next.pub';
/** When the next key takes over: an RFC 3339 time. */
export const NEXT_SIGNING_AT_FILE = 'signing-next.at';
/** The public key the last switch retired (its private key is gone): what agents unpin once they moved on. */
export const RETIRED_SIGNING_PUBLIC_KEY_FILE = 'signing-retired.pub';

/** The private key's file mode: readable by the server's user only. */
export const SIGNING_KEY_MODE = 0o600;
const PUBLIC_KEY_MODE = 0o644;

/** The loaded key pair. */
export interface ServerSigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  /** The id signed messages name it by (see keyId). */
  keyId: string;
}

/** The next key pair and when the server switches to it (ms since the epoch). */
export interface NextSigningKey extends ServerSigningKey {
  atMs: number;
}

/** The most a key or time file of the data directory holds (a PEM key is a few hundred bytes). */
const KEY_FILE_MAX_BYTES = 64 * 1024;

/** The key pair of a private key's PEM text; TollgateError 'bad-key' naming `file` when it is not one. */
function keyPairOf(privatePem: string, file: string): ServerSigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = parsePrivateKey(privatePem);
  } catch (error) {
    throw new TollgateError('bad-key', `${file}: ${(error as Error).message}`, { cause: error });
  }
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem, keyId: keyId(privateKey) };
}

function samePublicKey(pem: string, other: string): boolean {
  return parsePublicKey(pem).export({ type: 'spki', format: 'pem' }).toString() === other;
}

function removeIfPresent(file: string): void {
  fs.rmSync(file, { force: true });
}

/**
 * Writes a file whole or not at all: a temporary file, fsync'd, renamed over
 * the target. The temporary file is made new ('wx': never through a link
 * or a file someone put in its place).
 */
function writeFileDurably(file: string, text: string, mode: number): void {
  const temporary = `${file}.tmp-${process.pid}`;
  removeIfPresent(temporary);
  const fd = fs.openSync(temporary, 'wx', mode);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
}

/**
 * The text of a key or time file, undefined when there is none. Only a
 * regular file of at most KEY_FILE_MAX_BYTES is read: it is opened without
 * waiting (a FIFO put in its place would otherwise hold the server's event
 * loop until something writes to it) and checked before a byte is read.
 * TollgateError 'unreadable' naming the file otherwise.
 */
function readText(file: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TollgateError('unreadable', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new TollgateError('unreadable', `cannot read ${file}: it is not a regular file`);
    if (stat.size > KEY_FILE_MAX_BYTES) {
      throw new TollgateError(
        'unreadable',
        `cannot read ${file}: it holds ${stat.size} bytes, more than a key file may (${KEY_FILE_MAX_BYTES})`,
      );
    }
    const bytes = Buffer.alloc(stat.size);
    let read = 0;
    while (read < bytes.length) {
      const n = fs.readSync(fd, bytes, read, bytes.length - read, null);
      if (n === 0) break;
      read += n;
    }
    return bytes.subarray(0, read).toString('utf8');
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    throw new TollgateError('unreadable', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  } finally {
    fs.closeSync(fd);
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
  const pair = keyPairOf(privatePem, keyFile);
  const storedPublic = readText(publicFile);
  const retired = readText(path.join(dataDir, RETIRED_SIGNING_PUBLIC_KEY_FILE));
  if (storedPublic === undefined) {
    writeFileDurably(publicFile, pair.publicKeyPem, PUBLIC_KEY_MODE);
  } else if (!samePublicKey(storedPublic, pair.publicKeyPem)) {
    // A switch stopped between its steps leaves the retired public key here: finish it.
    if (
      retired === undefined ||
      !samePublicKey(retired, parsePublicKey(storedPublic).export({ type: 'spki', format: 'pem' }).toString())
    ) {
      throw new TollgateError('bad-key', `${publicFile} is not the public key of ${keyFile}`);
    }
    writeFileDurably(publicFile, pair.publicKeyPem, PUBLIC_KEY_MODE);
  }
  // What a switch leaves behind once the next key has become the current one.
  if (readText(path.join(dataDir, NEXT_SIGNING_KEY_FILE)) === undefined) {
    removeIfPresent(path.join(dataDir, NEXT_SIGNING_PUBLIC_KEY_FILE));
    removeIfPresent(path.join(dataDir, NEXT_SIGNING_AT_FILE));
  }
  return pair;
}

/**
 * The next key waiting in `dataDir`, or undefined. TollgateError 'bad-key'
 * for an unreadable key or a missing or unreadable time.
 */
export function readNextSigningKey(dataDir: string): NextSigningKey | undefined {
  const keyFile = path.join(dataDir, NEXT_SIGNING_KEY_FILE);
  const privatePem = readText(keyFile);
  if (privatePem === undefined) return undefined;
  const atFile = path.join(dataDir, NEXT_SIGNING_AT_FILE);
  const atText = readText(atFile)?.trim();
  const atMs = atText === undefined ? Number.NaN : Date.parse(atText);
  if (Number.isNaN(atMs)) {
    throw new TollgateError(
      'bad-key',
      `${atFile} must hold the RFC 3339 time the next key takes over (${keyFile} waits)`,
    );
  }
  return { ...keyPairOf(privatePem, keyFile), atMs };
}

/**
 * Makes the next key of `dataDir` take over at `atMs`: creates it when none
 * waits (the one waiting is kept, with its new time), and returns it.
 */
export function prepareNextSigningKey(dataDir: string, atMs: number): NextSigningKey & { created: boolean } {
  makeDirs(dataDir, 0o700);
  loadOrCreateSigningKey(dataDir);
  const keyFile = path.join(dataDir, NEXT_SIGNING_KEY_FILE);
  // A waiting key is read (and must be one) before anything is written: a damaged one changes nothing.
  const waiting = readText(keyFile);
  const privatePem = waiting ?? generateSigningKeys().privateKeyPem;
  const pair = keyPairOf(privatePem, keyFile);
  // The private key file is what a running server looks for: it is written last, after its time and public key.
  writeFileDurably(path.join(dataDir, NEXT_SIGNING_AT_FILE), new Date(atMs).toISOString() + '\n', PUBLIC_KEY_MODE);
  writeFileDurably(path.join(dataDir, NEXT_SIGNING_PUBLIC_KEY_FILE), pair.publicKeyPem, PUBLIC_KEY_MODE);
  if (waiting === undefined) writeFileDurably(keyFile, privatePem, SIGNING_KEY_MODE);
  return { ...pair, atMs, created: waiting === undefined };
}

/** Whether a next key waits in `dataDir` (its private key file is there). */
export function nextSigningKeyWaits(dataDir: string): boolean {
  return fs.existsSync(path.join(dataDir, NEXT_SIGNING_KEY_FILE));
}

/**
 * Makes the next key the current one: the current public key is kept as
 * `signing-retired.pub`, the next private key is renamed over
 * `signing.key` (the switch itself, atomic; the old private key is gone),
 * then `signing.pub` is rewritten and the next key's other files removed.
 * A crash between the steps is finished by loadOrCreateSigningKey.
 */
export function switchToNextSigningKey(dataDir: string, current: ServerSigningKey): ServerSigningKey {
  const nextFile = path.join(dataDir, NEXT_SIGNING_KEY_FILE);
  const next = readText(nextFile);
  if (next === undefined) throw new TollgateError('not-found', `no next signing key waits in ${dataDir}`);
  writeFileDurably(path.join(dataDir, RETIRED_SIGNING_PUBLIC_KEY_FILE), current.publicKeyPem, PUBLIC_KEY_MODE);
  fs.renameSync(nextFile, path.join(dataDir, SIGNING_KEY_FILE));
  return loadOrCreateSigningKey(dataDir);
}
