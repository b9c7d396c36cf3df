// The whole loop between real processes on loopback: a policy server, agents
// synced to it, and admins changing things while they run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { LocalClient } from '../../src/local/client.js';
import type { AgentStatus } from '../../src/wire/local-api.js';
import { decodeAgentMessage, encodeServerMessage } from '../../src/wire/sync-messages.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import {
  cli,
  startDaemon,
  startTollgate,
  workspace,
  type DaemonHandle,
  type ProcessHandle,
  type Workspace,
} from '../support/daemon-process.js';

const WORLD = `
organizations:
  - {id: msp, name: MSP, structure: flat}
  - {id: shop, name: Shop, parent: msp, structure: flat}
  - {id: school, name: School, parent: msp, structure: hierarchical}
groups:
  - {id: tills, org: shop, name: Tills, os: windows, agentVersion: "10.6.2"}
  - {id: labs, org: school, name: Labs, os: windows, agentVersion: "10.6.2"}
computers:
  - {id: till-1, group: tills}
  - {id: till-2, group: tills}
  - {id: lab-1, group: labs}
  - {id: lab-2, group: labs}
applications:
  - {id: chrome, name: Chrome, builtIn: true, rules: [{path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe'}]}
  - {id: chrome-custom, name: Chrome folder, builtIn: false, rules: [{path: 'C:\\Program Files\\Google\\**'}]}
  - {id: npp, name: Notepad++, builtIn: false, rules: [{path: 'C:\\Tools\\npp\\notepad++.exe'}]}
policies:
  - {id: chrome-ok, app: chrome, appliesTo: {global: msp}, action: permit, order: 101}
  - {id: chrome-block, app: chrome-custom, appliesTo: {organization: shop}, action: deny, order: 20}
  - {id: npp-school, app: npp, appliesTo: {organization: school}, action: deny, order: 50}
  - {id: npp-labs, app: npp, appliesTo: {group: labs}, action: permit, order: 1}
`;

const CHROME = { path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe' };
const NPP = { path: 'C:\\Tools\\npp\\notepad++.exe' };

async function query(socket: string, file: { path: string }) {
  const client = await LocalClient.connect(socket);
  try {
    const response = await client.call({ kind: 'evaluateFile', file });
    if (response.kind !== 'decision') throw new Error(`unexpected ${response.kind}`);
    return response.decision;
  } finally {
    client.close();
  }
}

async function status(socket: string): Promise<AgentStatus> {
  const client = await LocalClient.connect(socket);
  try {
    const response = await client.call({ kind: 'status' });
    if (response.kind !== 'status') throw new Error(`unexpected ${response.kind}`);
    return response.status;
  } finally {
    client.close();
  }
}

class Admin {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(this.url + path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
}

describe('policy server and agents, as real processes', () => {
  let ws: Workspace;
  let serverConfig: string;
  let server: ProcessHandle & { ready: Record<string, unknown> };
  let admin: Admin;
  let publicKey: string;
  const daemons = new Map<string, DaemonHandle>();
  const tokens = new Map<string, string>();

  async function startServerProcess(): Promise<void> {
    server = await startTollgate(['server', '--config', serverConfig], 'listening');
    // A restart must come back on the same port: the agents know this URL.
    const port = Number(new URL(String(server.ready['url'])).port);
    const config = JSON.parse(readFileSync(serverConfig, 'utf8')) as { listen: { port: number } };
    config.listen.port = port;
    writeFileSync(serverConfig, JSON.stringify(config));
    admin = new Admin(
      String(server.ready['url']),
      readFileSync(join(ws.dir, 'server-data', 'admin-token'), 'utf8').trim(),
    );
  }

  function daemonConfig(computer: string, extra: Record<string, unknown> = {}): string {
    const file = join(ws.dir, `${computer}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        dataDir: join(ws.dir, `${computer}-data`),
        computerId: computer,
        serverPublicKey: publicKey,
        socket: { path: join(ws.dir, `${computer}.sock`) },
        logLevel: 'debug',
        server: {
          url: String(server.ready['url']).replace(/^http/, 'ws') + '/agent',
          token: tokens.get(computer),
          backoffInitialMs: 50,
          backoffMaxMs: 400,
        },
        ...extra,
      }),
    );
    return file;
  }

  async function startAgent(computer: string, extra: Record<string, unknown> = {}): Promise<DaemonHandle> {
    const daemon = await startDaemon(daemonConfig(computer, extra), join(ws.dir, `${computer}.sock`));
    daemons.set(computer, daemon);
    return daemon;
  }

  beforeAll(async () => {
    ws = await workspace();
    const scenario = join(ws.dir, 'world.yaml');
    writeFileSync(scenario, WORLD);
    serverConfig = join(ws.dir, 'server.json');
    writeFileSync(
      serverConfig,
      JSON.stringify({
        dataDir: join(ws.dir, 'server-data'),
        listen: { port: 0 },
        seedScenario: scenario,
        logLevel: 'debug',
      }),
    );
    const key = await cli(['server', 'public-key', '--config', serverConfig]);
    expect(key.code).toBe(0);
    publicKey = key.stdout;
    expect(publicKey).toContain('BEGIN PUBLIC KEY');
    await startServerProcess();
    for (const computer of ['till-1', 'till-2', 'lab-1', 'lab-2']) {
      const enrolled = await admin.call('POST', `/api/computers/${computer}/enroll`);
      expect(enrolled.status).toBe(200);
      tokens.set(computer, String(enrolled.body['token']));
    }
  });

  afterAll(async () => {
    for (const daemon of daemons.values()) await daemon.stop();
    await server?.stop();
    ws?.cleanup();
  });

  it('enrolls, syncs and answers', async () => {
    const till1 = await startAgent('till-1');
    const till2 = await startAgent('till-2');
    await till1.waitForLog((l) => l['msg'] === 'snapshot applied');
    await till2.waitForLog((l) => l['msg'] === 'snapshot applied');
    const decision = await query(till1.socket, CHROME);
    expect(decision).toMatchObject({
      action: 'permit',
      policy: 'chrome-ok',
      structure: 'flat',
      builtInsFirst: true,
      snapshotVersion: 1,
    });
    expect((await status(till2.socket)).syncState).toBe('connected');
  });

  it('a settings toggle changes the next decision of every affected agent, and the admin command lists them as applied', async () => {
    const tokenFile = join(ws.dir, 'server-data', 'admin-token');
    const result = await cli([
      'admin',
      '--server',
      admin.url,
      '--token-file',
      tokenFile,
      '--json',
      'settings',
      'set',
      '--group',
      'tills',
      'prioritizeBuiltInApplications=false',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { applied: string[]; offline: string[]; pending: string[] };
    expect(report.applied.sort()).toEqual(['till-1', 'till-2']);
    expect(report.pending).toEqual([]);
    for (const computer of ['till-1', 'till-2']) {
      const decision = await query(daemons.get(computer)!.socket, CHROME);
      expect(decision).toMatchObject({ action: 'deny', policy: 'chrome-block', builtInsFirst: false });
    }
    const computers = (await admin.call('GET', '/api/computers')).body['computers'] as {
      id: string;
      connected: boolean;
      ackedSettingsVersion: number;
      settingsVersion: number;
    }[];
    const till1 = computers.find((c) => c.id === 'till-1')!;
    expect(till1.connected).toBe(true);
    expect(till1.ackedSettingsVersion).toBe(till1.settingsVersion);
  });

  it('keeps answering from the cache while the server is down, then catches up with changes', async () => {
    const till1 = daemons.get('till-1')!;
    await server.stop();
    await till1.waitForLog((l) => l['msg'] === 'disconnected from the server');
    expect(await query(till1.socket, CHROME)).toMatchObject({ action: 'deny', policy: 'chrome-block' });
    expect((await status(till1.socket)).syncState).not.toBe('connected');

    await startServerProcess();
    const before = till1.logs.length;
    const cleared = await admin.call('DELETE', '/api/settings?waitMs=5000', {
      scope: { kind: 'group', id: 'tills' },
      type: 'prioritizeBuiltInApplications',
    });
    expect(cleared.status).toBe(200);
    await till1.waitForLog((l) => till1.logs.indexOf(l) >= before && l['msg'] === 'settings applied');
    expect(await query(till1.socket, CHROME)).toMatchObject({
      action: 'permit',
      policy: 'chrome-ok',
      builtInsFirst: true,
    });
  });

  it('refuses a bad token and keeps what it had', async () => {
    const till2 = daemons.get('till-2')!;
    const version = (await status(till2.socket)).snapshotVersion;
    const before = await query(till2.socket, CHROME);
    await till2.stop();
    const bad = await startDaemon(
      daemonConfig('till-2', {
        server: {
          url: String(server.ready['url']).replace(/^http/, 'ws') + '/agent',
          token: 'not-the-token',
          backoffInitialMs: 50,
          backoffMaxMs: 400,
        },
      }),
      join(ws.dir, 'till-2.sock'),
    );
    daemons.set('till-2', bad);
    const refusal = await bad.waitForLog((l) => l['msg'] === 'the server refused this agent');
    expect(refusal['code']).toBe('unauthorized');
    expect((await status(bad.socket)).snapshotVersion).toBe(version);
    expect(await query(bad.socket, CHROME)).toEqual(before);
  });

  it('refuses a snapshot signed with another key and an old version replayed, and keeps the last good one', async () => {
    const till2 = daemons.get('till-2')!;
    await till2.stop();
    const held = (await import('../../src/store/agent-store.js')).AgentStore.open(
      join(ws.dir, 'till-2-data', 'agent.db'),
    );
    const heldVersion = held.activeSnapshot()!.version;
    held.close();

    // A fake server: answers hello with a forged snapshot, then with an old one signed by the real key.
    const forged = await ws.snapshot('till-2', heldVersion + 10, {
      scenario: join(ws.dir, 'world.yaml'),
      name: 'forged.bin',
    });
    const old = await ws.snapshot('till-2', heldVersion, {
      scenario: join(ws.dir, 'world.yaml'),
      key: join(ws.dir, 'server-data', 'signing.key'),
      name: 'old.bin',
    });
    const fake = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => fake.once('listening', resolve));
    const acks: { snapshotVersion: number; error: string }[] = [];
    const unexpected: string[] = [];
    let bothAcked: () => void = () => undefined;
    const twoAcks = new Promise<void>((resolve) => (bothAcked = resolve));
    fake.on('connection', (socket) => {
      let sent = 0;
      socket.on('message', (data) => {
        const message = decodeAgentMessage(rawDataBytes(data));
        if (message.kind === 'hello' && sent === 0) {
          sent++;
          socket.send(encodeServerMessage({ kind: 'snapshot', signed: readFileSync(forged) }));
        } else if (message.kind === 'ack') {
          acks.push(message);
          if (acks.length === 2) bothAcked();
          if (sent === 1) {
            sent++;
            socket.send(encodeServerMessage({ kind: 'snapshot', signed: readFileSync(old) }));
          }
        } else {
          unexpected.push(message.kind);
        }
      });
    });
    const port = (fake.address() as { port: number }).port;
    const rogue = await startDaemon(
      daemonConfig('till-2', { server: { url: `ws://127.0.0.1:${port}/agent`, token: tokens.get('till-2') } }),
      join(ws.dir, 'till-2.sock'),
    );
    daemons.set('till-2', rogue);
    try {
      await twoAcks;
      await rogue.waitForLog(
        (l) => l['msg'] === 'snapshot from the server refused' && /not newer/.test(String(l['reason'])),
      );
      expect(acks).toHaveLength(2);
      expect(acks[0]!.error).toMatch(/signed by key [0-9a-f]{16}, which is not pinned/);
      expect(acks[1]!.error).toMatch(/not newer/);
      expect(acks.every((a) => a.snapshotVersion === heldVersion)).toBe(true);
      expect(unexpected).toEqual([]);
      expect((await status(rogue.socket)).snapshotVersion).toBe(heldVersion);
    } finally {
      await rogue.stop();
      await new Promise((resolve) => fake.close(resolve));
    }
  });

  it('upgrading an organization to flat switches its agents live; an agent reporting 10.5.2 stays hierarchical and says so', async () => {
    const lab1 = await startAgent('lab-1');
    const lab2 = await startAgent('lab-2', { agent: { version: '10.5.2' } });
    await lab1.waitForLog((l) => l['msg'] === 'snapshot applied');
    await lab2.waitForLog((l) => l['msg'] === 'snapshot applied');
    expect(await query(lab1.socket, NPP)).toMatchObject({
      action: 'deny',
      policy: 'npp-school',
      structure: 'hierarchical',
    });

    const refused = await admin.call('POST', '/api/organizations/school/upgrade', { acknowledge: false });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(refused.body)).toMatch(/acknowledge/);

    const upgraded = await admin.call('POST', '/api/organizations/school/upgrade?waitMs=5000', { acknowledge: true });
    expect(upgraded.status).toBe(200);
    expect(upgraded.body['applied']).toEqual(expect.arrayContaining(['lab-1', 'lab-2']));
    // Renumbering keeps the processing order; the structure is now flat where the agent allows it.
    expect(await query(lab1.socket, NPP)).toMatchObject({ action: 'deny', policy: 'npp-school', structure: 'flat' });
    expect(await query(lab2.socket, NPP)).toMatchObject({
      action: 'deny',
      policy: 'npp-school',
      structure: 'hierarchical',
      gated: ['flatPolicyStructure', 'prioritizeBuiltInApplicationsSetting'],
    });

    // Flat order is live: numbering the group policy first makes it decide on lab-1 only.
    const moved = await admin.call('PATCH', '/api/policies/npp-labs', { order: 10 });
    expect(moved.status).toBe(200);
    await lab1.waitForLog((l) => l['msg'] === 'snapshot applied' && Number(l['snapshotVersion']) >= 3);
    await lab2.waitForLog((l) => l['msg'] === 'snapshot applied' && Number(l['snapshotVersion']) >= 3);
    expect(await query(lab1.socket, NPP)).toMatchObject({ action: 'permit', policy: 'npp-labs', structure: 'flat' });
    expect(await query(lab2.socket, NPP)).toMatchObject({
      action: 'deny',
      policy: 'npp-school',
      structure: 'hierarchical',
    });
    const lab2Status = await status(lab2.socket);
    expect(lab2Status).toMatchObject({ orgStructure: 'flat', structure: 'hierarchical', agentVersion: '10.5.2' });
    expect(lab2Status.gated).toContain('flatPolicyStructure');
    const computers = (await admin.call('GET', '/api/computers')).body['computers'] as {
      id: string;
      reportedAgentVersion: string;
    }[];
    expect(computers.find((c) => c.id === 'lab-2')?.reportedAgentVersion).toBe('10.5.2');
  });
});
