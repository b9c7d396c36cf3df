import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_FILE_BYTES, checkCaText, readCaFile } from '../../src/scenario/ca-file.js';

describe('a CA file', () => {
  let dir: string;
  let cert: string;
  let key: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-ca-'));
    const pem = await selfsigned.generate([{ name: 'commonName', value: 'ca.example' }], { keySize: 2048 });
    cert = pem.cert;
    key = pem.private;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is read when it holds PEM certificates, with text around them', async () => {
    const file = join(dir, 'bundle.pem');
    const text = `# the example CA\n${cert}\nsome words\n${cert}`;
    writeFileSync(file, text);
    expect(await readCaFile(file)).toBe(text);
  });

  it('takes a trusted certificate as openssl x509 -trustout writes it', () => {
    // The certificate's DER, then its trust settings (here: trusted for serverAuth), as one PEM block.
    const der = Buffer.from(cert.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const trust = Buffer.from([0x30, 0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01]);
    const body = Buffer.concat([der, trust])
      .toString('base64')
      .replace(/(.{64})/g, '$1\n');
    expect(() =>
      checkCaText(`-----BEGIN TRUSTED CERTIFICATE-----\n${body}\n-----END TRUSTED CERTIFICATE-----\n`),
    ).not.toThrow();
    expect(() => checkCaText('-----BEGIN TRUSTED CERTIFICATE-----\nAAAA\n-----END TRUSTED CERTIFICATE-----\n')).toThrow(
      /^certificate 1 of 1 does not read as an X\.509 certificate/,
    );
  });

  it('is refused when it holds no certificate, naming what it lacks', () => {
    for (const text of ['', key, 'MIIB...base64 only', '-----BEGIN CERTIFICATE-----\nMIIB\n']) {
      expect(() => checkCaText(text)).toThrow(/^holds no PEM certificate/);
    }
  });

  it('is refused when one of its certificates does not read, naming which', () => {
    const broken = cert.replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA');
    expect(broken).not.toBe(cert);
    expect(() => checkCaText(`${cert}\n${broken}`)).toThrow(
      /^certificate 2 of 2 does not read as an X\.509 certificate/,
    );
  });

  it('is read up to its bound', async () => {
    const file = join(dir, 'large.pem');
    writeFileSync(file, Buffer.alloc(CA_FILE_BYTES + 1, 0x41));
    await expect(readCaFile(file)).rejects.toMatchObject({ code: 'file-too-large' });
    await expect(readCaFile(join(dir, 'nowhere.pem'))).rejects.toMatchObject({ code: 'unreadable' });
  });
});
