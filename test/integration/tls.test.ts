// The server over https and wss with a certificate; an agent and the admin CLI that trust it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClient } from '../../src/local/client.js';
import {
  CONTRACT_SCENARIO,
  cli,
  startDaemon,
  startTollgate,
  workspace,
  type DaemonHandle,
  type ProcessHandle,
  type Workspace,
} from '../support/daemon-process.js';

describe('the server with TLS', () => {
  let ws: Workspace;
  let server: ProcessHandle & { ready: Record<string, unknown> };
  let daemon: DaemonHandle | undefined;
  let caFile: string;

  beforeAll(async () => {
    ws = await workspace();
    const pem = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
      notAfterDate: new Date(Date.now() + 2 * 86_400_000),
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    caFile = join(ws.dir, 'cert.pem');
    writeFileSync(caFile, pem.cert);
    writeFileSync(join(ws.dir, 'key.pem'), pem.private);
    const config = join(ws.dir, 'server.json');
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: join(ws.dir, 'server-data'),
        listen: { port: 0 },
        tls: { certFile: caFile, keyFile: join(ws.dir, 'key.pem') },
        seedScenario: CONTRACT_SCENARIO,
      }),
    );
    server = await startTollgate(['server', '--config', config], 'listening');
  });

  afterAll(async () => {
    await daemon?.stop();
    await server?.stop();
    ws?.cleanup();
  });

  it('serves the admin API over https to a client that trusts its certificate, and refuses one that does not', async () => {
    const url = String(server.ready['url']);
    expect(url).toMatch(/^https:\/\//);
    const tokenFile = join(ws.dir, 'server-data', 'admin-token');
    const trusted = await cli([
      'admin',
      '--server',
      url,
      '--token-file',
      tokenFile,
      '--ca',
      caFile,
      'enroll',
      'till-1',
    ]);
    expect(trusted.stderr).toBe('');
    expect(trusted.code).toBe(0);
    expect(trusted.stdout.trim()).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    const untrusted = await cli(['admin', '--server', url, '--token-file', tokenFile, 'computers']);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/--ca/);

    // A --ca that is not a certificate (the private key) is named before anything is sent.
    const keyFile = join(ws.dir, 'key.pem');
    const notCa = await cli(['admin', '--server', url, '--token-file', tokenFile, '--ca', keyFile, 'computers']);
    expect(notCa.code).toBe(2);
    expect(notCa.stderr).toContain(`${keyFile}: holds no PEM certificate`);
  });

  it('syncs an agent over wss with a pinned CA', async () => {
    const url = String(server.ready['url']);
    const token = (
      await cli([
        'admin',
        '--server',
        url,
        '--token-file',
        join(ws.dir, 'server-data', 'admin-token'),
        '--ca',
        caFile,
        'enroll',
        'till-1',
      ])
    ).stdout.trim();
    const config = join(ws.dir, 'till-1.json');
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: join(ws.dir, 'till-1-data'),
        computerId: 'till-1',
        serverPublicKey: readFileSync(join(ws.dir, 'server-data', 'signing.pub'), 'utf8'),
        socket: { path: join(ws.dir, 'till-1.sock') },
        server: { url: `${url.replace(/^https/, 'wss')}/agent`, token, caFile },
      }),
    );
    daemon = await startDaemon(config, join(ws.dir, 'till-1.sock'));
    await daemon.waitForLog((l) => l['msg'] === 'snapshot applied');
    const client = await LocalClient.connect(daemon.socket);
    try {
      const status = await client.call({ kind: 'status' });
      expect(status).toMatchObject({ kind: 'status', status: { syncState: 'connected', snapshotVersion: 1 } });
    } finally {
      client.close();
    }
  });
});
