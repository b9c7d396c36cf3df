/**
 * A CA file: the PEM certificates a client trusts for a server's TLS
 * certificate (the daemon's `server.caFile`, the admin commands' `--ca`).
 * Read up to a bound and checked before use, so that a file of something
 * else (a key, a DER file, a path typed wrong onto another file) is named
 * where it is given, not later as a TLS failure that names no file.
 */
import { X509Certificate } from 'node:crypto';
import { TollgateError } from '../engine/errors.js';
import { readBoundedText } from './bounded-read.js';

/** The largest CA file read: far above a bundle of every public root (about 200 KB). */
export const CA_FILE_BYTES = 4 * 1024 * 1024;

/** A PEM certificate, or OpenSSL's trusted certificate (`openssl x509 -trustout`: the certificate, then its trust). */
const PEM_CERTIFICATE = /-----BEGIN (TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END \1CERTIFICATE-----/g;

/**
 * The text of CA file `file`: at most CA_FILE_BYTES, holding at least one
 * PEM certificate, each of which reads as an X.509 certificate. Throws
 * TollgateError ('file-too-large', 'unreadable' or 'invalid-input') whose
 * message is a phrase to follow the file's name.
 */
export async function readCaFile(file: string): Promise<string> {
  const text = await readBoundedText(file, CA_FILE_BYTES, `is larger than a CA file may be (${CA_FILE_BYTES} bytes)`);
  checkCaText(text);
  return text;
}

/** Throws TollgateError 'invalid-input' when `text` holds no PEM certificate or one that does not read. */
export function checkCaText(text: string): void {
  const certificates = [...text.matchAll(PEM_CERTIFICATE)];
  if (certificates.length === 0) {
    throw new TollgateError(
      'invalid-input',
      'holds no PEM certificate (a block from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----)',
    );
  }
  certificates.forEach(([pem, trusted, body], i) => {
    try {
      // A trusted certificate's DER is the certificate's (its first element) and then its trust settings.
      new X509Certificate(trusted === undefined ? pem : firstDerElement(Buffer.from(body ?? '', 'base64')));
    } catch (error) {
      throw new TollgateError(
        'invalid-input',
        `certificate ${i + 1} of ${certificates.length} does not read as an X.509 certificate: ${(error as Error).message}`,
        { cause: error },
      );
    }
  });
}

/** The first DER element (a SEQUENCE) of `der`, with its header. */
function firstDerElement(der: Buffer): Buffer {
  if (der[0] !== 0x30 || der.length < 2) throw new Error('not a DER sequence');
  const first = der[1] as number;
  if (first < 0x80) return der.subarray(0, 2 + first);
  const bytes = first & 0x7f;
  if (bytes === 0 || bytes > 4 || der.length < 2 + bytes) throw new Error('a DER length that cannot be read');
  let length = 0;
  for (let k = 0; k < bytes; k++) length = length * 256 + (der[2 + k] as number);
  return der.subarray(0, 2 + bytes + length);
}
