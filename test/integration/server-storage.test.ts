// The policy server as a real process when its database fails under it: it
// keeps running and answering, and SIGTERM still stops it cleanly with exit
// code 0. A damaged server.db stops it at start, naming the file.
import { spawnSync } from 'node:child_process';
import { chownSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CLOSE_CODES } from '../../src/server/sync-hub.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { decodeServerMessage, encodeAgentMessage, type ServerMessage } from '../../src/wire/sync-messages.js';
import { CLI, startTollgate, workspace, type Workspace } from '../support/daemon-process.js';

const WORLD = `
organizations: [{id: shop, name: Shop}]
groups: [{id: tills, org: shop, name: Tills, os: linux, agentVersion: "10.6.2"}]
computers: [{id: till-1, group: tills}]
applications: []
policies: []
`;

describe('the policy server process when its database fails', () => {
  let ws: Workspace;
  let config: string;
  let dataDir: string;

  beforeAll(async () => {
    ws = await workspace();
    dataDir = join(ws.dir, 'server-data');
    writeFileSync(join(ws.dir, 'world.yaml'), WORLD);
    config = join(ws.dir, 'server.json');
    writeFileSync(
      config,
      JSON.stringify({ dataDir, listen: { port: 0 }, seedScenario: join(ws.dir, 'world.yaml'), logLevel: 'debug' }),
    );
  });

  afterAll(() => ws.cleanup());

  async function call(base: string, method: string, path: string): Promise<{ status: number; body: unknown }> {
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const response = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  }

  it('survives an agent connecting and disconnecting, answers 503, and exits 0 on SIGTERM', async () => {
    // Enrolled while the database works.
    const first = await startTollgate(['server', '--config', config], 'listening');
    const base = String(first.ready['url']);
    const enrolled = await call(base, 'POST', '/api/computers/till-1/enroll');
    expect(enrolled.status).toBe(200);
    const token = (enrolled.body as { token: string }).token;
    expect(await first.stop()).toEqual({ code: 0, signal: null });

    const server = await startTollgate(['server', '--config', config], 'listening', {
      TOLLGATE_FAULT: 'server-read-only',
    });
    try {
      const url = String(server.ready['url']);
      const agent = new WebSocket(url.replace(/^http/, 'ws') + '/agent');
      const messages: ServerMessage[] = [];
      agent.on('message', (data) => messages.push(decodeServerMessage(rawDataBytes(data))));
      const closed = new Promise<number>((resolve) => agent.once('close', (code) => resolve(code)));
      await new Promise((resolve) => agent.once('open', resolve));
      agent.send(
        encodeAgentMessage({
          kind: 'hello',
          computerId: 'till-1',
          token,
          agentVersion: '10.6.2',
          os: 'linux',
          snapshotVersion: 0,
          settingsVersion: 0,
        }),
      );
      expect(await closed).toBe(CLOSE_CODES.storageUnavailable);
      expect(messages).toEqual([expect.objectContaining({ kind: 'refusal', code: 'storage-unavailable' })]);
      await server.waitForLog((l) => l['msg'] === 'cannot record that an agent disconnected');

      // Still running: reads answer, writes are refused as the server's failure.
      expect((await call(url, 'GET', '/api/computers/till-1')).status).toBe(200);
      const refused = await call(url, 'POST', '/api/computers/till-1/enroll');
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: { code: 'storage-unavailable' } });
    } finally {
      const exit = await server.stop();
      expect(exit).toEqual({ code: 0, signal: null });
    }
    expect(server.logs.some((l) => l['msg'] === 'stopped')).toBe(true);
  });

  it("as root, refuses another user's data directory, start and migrate alike, and makes nothing there", async () => {
    const own = join(ws.dir, 'owned-data');
    mkdirSync(own);
    const root = statSync(own).uid === 0;
    // Started by root (with sudo) in the service user's directory (nobody's, here).
    if (root) chownSync(own, 65534, 65534);
    const ownConfig = join(ws.dir, 'owned.json');
    writeFileSync(
      ownConfig,
      JSON.stringify({ dataDir: own, listen: { port: 0 }, seedScenario: join(ws.dir, 'world.yaml') }),
    );
    if (root) {
      for (const args of [
        ['server', '--config', ownConfig],
        ['server', 'migrate', '--config', ownConfig],
        ['server', 'migrate', '--config', ownConfig, '--dry-run'],
        ['server', 'rotate-key', '--config', ownConfig, '--now'],
        ['server', '--check-config', ownConfig],
      ]) {
        const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
        expect(result.status, args.join(' ')).toBe(2);
        expect(result.stderr).toContain(`${own} belongs to user 65534 and this process runs as root`);
      }
      expect(readdirSync(own)).toEqual([]);
    } else {
      // Its owner starts it there, and everything it made is that user's.
      const server = await startTollgate(['server', '--config', ownConfig], 'listening');
      expect(await server.stop()).toEqual({ code: 0, signal: null });
      for (const file of readdirSync(own)) expect(statSync(join(own, file)).uid).toBe(statSync(own).uid);
    }
  });

  it('refuses to start on an empty server.db, naming it, with a non-zero exit code', () => {
    const emptyDir = join(ws.dir, 'empty-data');
    mkdirSync(emptyDir);
    writeFileSync(join(emptyDir, 'server.db'), '');
    const emptyConfig = join(ws.dir, 'empty.json');
    writeFileSync(emptyConfig, JSON.stringify({ dataDir: emptyDir, listen: { port: 0 } }));
    const result = spawnSync(process.execPath, [CLI, 'server', '--config', emptyConfig], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(join(emptyDir, 'server.db'));
    expect(result.stderr).toMatch(/empty \(0 bytes\)/);
    expect(readFileSync(join(emptyDir, 'server.db')).length).toBe(0);
  });

  it('reads the admin token file only as a regular file: a device is named, exit 2', () => {
    const file = join(ws.dir, 'zero-token.json');
    writeFileSync(
      file,
      JSON.stringify({ dataDir: join(ws.dir, 'zero-data'), listen: { port: 0 }, adminTokenFile: '/dev/zero' }),
    );
    const result = spawnSync(process.execPath, [CLI, 'server', '--config', file], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('error: /dev/zero: cannot be read: it is a character device, not a regular file');
  });

  it('names listen.host and listen.port, exit 2 and no stack trace, when it cannot listen', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const cases: [Record<string, unknown>, RegExp][] = [
        [
          { port, host: '127.0.0.1' },
          new RegExp(`^error: listen.host 127.0.0.1, listen.port ${port}: the port is in use \\(EADDRINUSE\\)$`, 'm'),
        ],
        [
          { port: 0, host: 'no-such-host.invalid' },
          /^error: listen.host no-such-host.invalid, listen.port 0: the host does not resolve/m,
        ],
      ];
      for (const [i, [listen, message]] of cases.entries()) {
        const file = join(ws.dir, `listen-${i}.json`);
        writeFileSync(file, JSON.stringify({ dataDir: join(ws.dir, `listen-data-${i}`), listen }));
        const result = spawnSync(process.execPath, [CLI, 'server', '--config', file], { encoding: 'utf8' });
        expect(result.status).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(result.stderr).not.toContain('    at ');
      }
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
