// Between real processes on loopback: rotating the server's signing key
// while agents run (pinned to both keys, or to the old one only), and an agent
// that holds a snapshot installed offline with a version above those the
// server issued.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAdminSocketPath } from '../../src/agent/config.js';
import { LocalClient } from '../../src/local/client.js';
import { AgentStore } from '../../src/store/agent-store.js';
import type { AgentStatus } from '../../src/wire/local-api.js';
import { signedKeyId } from '../../src/wire/signed.js';
import { keyId, parsePublicKey } from '../../src/wire/signing.js';
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
  - {id: shop, name: Shop, structure: flat}
groups:
  - {id: tills, org: shop, name: Tills, os: windows, agentVersion: "10.6.2"}
computers:
  - {id: till-1, group: tills}
  - {id: till-2, group: tills}
  - {id: till-3, group: tills}
applications:
  - {id: npp, name: Notepad++, builtIn: false, rules: [{path: 'C:\\Tools\\npp\\notepad++.exe'}]}
policies:
  - {id: npp-ok, app: npp, appliesTo: {organization: shop}, action: permit, order: 10}
`;

const NPP = { path: 'C:\\Tools\\npp\\notepad++.exe' };

async function call<T>(socket: string, request: Parameters<LocalClient['call']>[0], kind: string): Promise<T> {
  const client = await LocalClient.connect(socket);
  try {
    const response = await client.call(request);
    if (response.kind !== kind) throw new Error(`unexpected ${response.kind}: ${JSON.stringify(response)}`);
    return response as T;
  } finally {
    client.close();
  }
}

async function status(socket: string): Promise<AgentStatus> {
  return (await call<{ status: AgentStatus }>(socket, { kind: 'status' }, 'status')).status;
}

async function decide(socket: string): Promise<string | null> {
  const answer = await call<{ decision: { policy: string | null } }>(
    socket,
    { kind: 'evaluateFile', file: NPP },
    'decision',
  );
  return answer.decision.policy;
}

interface ComputerRow {
  id: string;
  snapshotVersion: number;
  settingsVersion: number;
  ackedSnapshotVersion: number;
  lastError: string | null;
}

/** A policy server process and the agents of its world, in one temp folder. */
class Fleet {
  ws!: Workspace;
  serverConfig!: string;
  server!: ProcessHandle & { ready: Record<string, unknown> };
  url!: string;
  adminToken!: string;
  readonly tokens = new Map<string, string>();
  readonly daemons = new Map<string, DaemonHandle>();

  async start(): Promise<void> {
    this.ws = await workspace();
    const scenario = join(this.ws.dir, 'world.yaml');
    writeFileSync(scenario, WORLD);
    this.serverConfig = join(this.ws.dir, 'server.json');
    writeFileSync(
      this.serverConfig,
      JSON.stringify({
        dataDir: join(this.ws.dir, 'server-data'),
        listen: { port: 0 },
        seedScenario: scenario,
        logLevel: 'debug',
        signing: { checkIntervalMs: 50 },
      }),
    );
    await this.startServer();
    for (const computer of ['till-1', 'till-2', 'till-3']) {
      const enrolled = await this.admin('POST', `/api/computers/${computer}/enroll`);
      this.tokens.set(computer, String(enrolled['token']));
    }
  }

  async startServer(): Promise<void> {
    this.server = await startTollgate(['server', '--config', this.serverConfig], 'listening');
    this.url = String(this.server.ready['url']);
    // A restart comes back on the same port: the agents know this URL.
    const config = JSON.parse(readFileSync(this.serverConfig, 'utf8')) as { listen: { port: number } };
    config.listen.port = Number(new URL(this.url).port);
    writeFileSync(this.serverConfig, JSON.stringify(config));
    this.adminToken = readFileSync(join(this.ws.dir, 'server-data', 'admin-token'), 'utf8').trim();
  }

  async admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(this.url + path, {
      method,
      headers: {
        authorization: `Bearer ${this.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  }

  async computer(id: string): Promise<ComputerRow> {
    const computers = (await this.admin('GET', '/api/computers'))['computers'] as ComputerRow[];
    return computers.find((c) => c.id === id)!;
  }

  socket(computer: string): string {
    return join(this.ws.dir, `${computer}.sock`);
  }

  /** The computer's admin socket (snapshot apply), by the default rule. */
  adminSocket(computer: string): string {
    return defaultAdminSocketPath(this.socket(computer));
  }

  /** (Re)starts a computer's daemon with the given pinned keys (PEM files or text). */
  async agent(computer: string, keys: Record<string, unknown>): Promise<DaemonHandle> {
    await this.daemons.get(computer)?.stop();
    const file = join(this.ws.dir, `${computer}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        dataDir: join(this.ws.dir, `${computer}-data`),
        computerId: computer,
        socket: { path: this.socket(computer) },
        logLevel: 'debug',
        server: {
          url: this.url.replace(/^http/, 'ws') + '/agent',
          token: this.tokens.get(computer),
          backoffInitialMs: 50,
          backoffMaxMs: 400,
        },
        ...keys,
      }),
    );
    const daemon = await startDaemon(file, this.socket(computer));
    this.daemons.set(computer, daemon);
    return daemon;
  }

  /** The key id of the snapshot a stopped daemon's cache holds, and its version. */
  cachedSnapshot(computer: string): { version: number; keyId: string } {
    const store = AgentStore.open(join(this.ws.dir, `${computer}-data`, 'agent.db'));
    try {
      const active = store.activeSnapshot()!;
      return { version: active.version, keyId: signedKeyId('snapshot', active.bytes) };
    } finally {
      store.close();
    }
  }

  async stop(): Promise<void> {
    for (const daemon of this.daemons.values()) await daemon.stop();
    await this.server?.stop();
    this.ws?.cleanup();
  }
}

/** Resolves with the first log line from now on that satisfies the predicate. */
function nextLog(daemon: ProcessHandle, predicate: (l: Record<string, unknown>) => boolean) {
  const from = daemon.logs.length;
  return daemon.waitForLog((l) => daemon.logs.indexOf(l) >= from && predicate(l));
}

/** Resolves once the server has recorded, from now on, the computer's acknowledgement of the snapshot version. */
function nextAck(fleet: Fleet, computerId: string, snapshotVersion: number) {
  return nextLog(
    fleet.server,
    (l) =>
      l['msg'] === 'agent acknowledged' && l['computerId'] === computerId && l['snapshotVersion'] === snapshotVersion,
  );
}

/** Resolves once the server has recorded, from now on, a refusal by the computer. */
function nextRefusal(fleet: Fleet, computerId: string) {
  return nextLog(fleet.server, (l) => l['msg'] === 'agent refused what it was sent' && l['computerId'] === computerId);
}

describe('rotating the signing key with agents running', () => {
  const fleet = new Fleet();
  let oldPem: string;
  let oldId: string;
  let nextPem: string;
  let nextId: string;
  const oldFile = () => join(fleet.ws.dir, 'old.pub');
  const nextFile = () => join(fleet.ws.dir, 'next.pub');

  beforeAll(async () => {
    await fleet.start();
    const key = await cli(['server', 'public-key', '--config', fleet.serverConfig]);
    oldPem = key.stdout;
    oldId = keyId(parsePublicKey(oldPem));
    writeFileSync(oldFile(), oldPem);
  });

  afterAll(() => fleet.stop());

  it('agents pinned to the current key sync as before', async () => {
    for (const computer of ['till-1', 'till-2']) {
      const daemon = await fleet.agent(computer, { serverPublicKey: oldFile() });
      await daemon.waitForLog((l) => l['msg'] === 'snapshot applied');
      expect(await decide(fleet.socket(computer))).toBe('npp-ok');
    }
  });

  it('rotate-key prepares the next key for a later time and prints it; the server keeps signing with the current one', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const rotate = await cli(['server', 'rotate-key', '--config', fleet.serverConfig, '--at', later]);
    expect(rotate.code).toBe(0);
    nextPem = rotate.stdout;
    nextId = keyId(parsePublicKey(nextPem));
    expect(nextId).not.toBe(oldId);
    expect(rotate.stderr).toContain(`next signing key ${nextId}`);
    expect(rotate.stderr).toContain(later);
    writeFileSync(nextFile(), nextPem);
    expect(await cli(['server', 'rotate-key', '--config', fleet.serverConfig, '--at', 'tomorrow'])).toMatchObject({
      code: 2,
    });
    const tooFine = await cli([
      'server',
      'rotate-key',
      '--config',
      fleet.serverConfig,
      '--at',
      '2026-12-01T09:00:00.0005Z',
    ]);
    expect(tooFine.code).toBe(2);
    expect(tooFine.stderr).toMatch(/--at has a fraction finer than a millisecond/);

    // till-1 pins both keys and restarts: its cached snapshot, signed by the old key, serves at once.
    const till1 = await fleet.agent('till-1', { serverPublicKeys: [oldFile(), nextPem] });
    expect(till1.logs.find((l) => l['msg'] === 'serving')).toMatchObject({
      snapshotVersion: 1,
      pinnedKeys: [oldId, nextId],
    });
    expect(await decide(fleet.socket('till-1'))).toBe('npp-ok');
    expect((await fleet.computer('till-1')).snapshotVersion).toBe(1);
  });

  it('at the switch, every agent is sent a new version signed with the new key: taken where it is pinned, refused and reported where not', async () => {
    const till1 = fleet.daemons.get('till-1')!;
    const till2 = fleet.daemons.get('till-2')!;
    const applied = nextLog(till1, (l) => l['msg'] === 'snapshot applied');
    const refused = nextLog(till2, (l) => l['msg'] === 'snapshot from the server refused');
    const acked = nextAck(fleet, 'till-1', 2);
    const refusalRecorded = nextRefusal(fleet, 'till-2');
    const rotated = nextLog(fleet.server, (l) => l['msg'] === 'signing key rotated');
    const now = await cli(['server', 'rotate-key', '--config', fleet.serverConfig]);
    expect(now.stdout).toBe(nextPem);
    expect(await rotated).toMatchObject({ keyId: nextId, retiredKeyId: oldId, computers: 3 });

    expect((await applied)['snapshotVersion']).toBe(2);
    expect(await decide(fleet.socket('till-1'))).toBe('npp-ok');
    await acked;
    expect((await fleet.computer('till-1')).ackedSnapshotVersion).toBe(2);

    expect(String((await refused)['reason'])).toBe(
      `the snapshot is signed by key ${nextId}, which is not pinned (pinned: ${oldId})`,
    );
    expect((await status(fleet.socket('till-2'))).snapshotVersion).toBe(1);
    expect(await decide(fleet.socket('till-2'))).toBe('npp-ok');
    await refusalRecorded;
    expect(await fleet.computer('till-2')).toMatchObject({
      snapshotVersion: 2,
      ackedSnapshotVersion: 1,
      lastError: `the snapshot is signed by key ${nextId}, which is not pinned (pinned: ${oldId})`,
    });
    const key = await cli(['server', 'public-key', '--config', fleet.serverConfig]);
    expect(key.stdout).toBe(nextPem);
  });

  it('an agent pinned to both keeps the new version across a restart, and after the old key is retired', async () => {
    await fleet.daemons.get('till-1')!.stop();
    expect(fleet.cachedSnapshot('till-1')).toEqual({ version: 2, keyId: nextId });
    const restarted = await fleet.agent('till-1', { serverPublicKeys: [oldFile(), nextFile()] });
    expect(restarted.logs.find((l) => l['msg'] === 'serving')).toMatchObject({ snapshotVersion: 2 });
    const retired = await fleet.agent('till-1', { serverPublicKey: nextFile() });
    expect(retired.logs.find((l) => l['msg'] === 'serving')).toMatchObject({
      snapshotVersion: 2,
      pinnedKeys: [nextId],
    });
    expect(await decide(fleet.socket('till-1'))).toBe('npp-ok');
  });

  it('an agent that missed the switch and had the old key unpinned serves its last good snapshot, with a warning, until the new one comes', async () => {
    await fleet.daemons.get('till-2')!.stop();
    expect(fleet.cachedSnapshot('till-2')).toEqual({ version: 1, keyId: oldId });
    const acked = nextAck(fleet, 'till-2', 2);
    const till2 = await fleet.agent('till-2', { serverPublicKeys: [nextFile()] });
    expect(till2.logs.find((l) => l['msg'] === 'serving')).toMatchObject({ snapshotVersion: 1 });
    expect(
      till2.logs.some((l) =>
        /^stored snapshot 1 is signed by key [0-9a-f]{16}, which is no longer pinned/.test(String(l['msg'])),
      ),
    ).toBe(true);
    await till2.waitForLog((l) => l['msg'] === 'snapshot applied' && l['snapshotVersion'] === 2);
    expect(await decide(fleet.socket('till-2'))).toBe('npp-ok');
    await acked;
    expect(await fleet.computer('till-2')).toMatchObject({ ackedSnapshotVersion: 2, lastError: null });
  });

  it('makes no new key due at once without --now; a next key that cannot be read is named and stops neither the server nor its start', async () => {
    const bare = await cli(['server', 'rotate-key', '--config', fleet.serverConfig]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/no next key waits, so this makes a new one/);
    const dataDir = join(fleet.ws.dir, 'server-data');
    const nextKey = join(dataDir, 'signing-next.key');
    writeFileSync(join(dataDir, 'signing-next.at'), '2030-01-01T00:00:00.000Z\n');
    writeFileSync(nextKey, 'damaged');
    const named = (l: Record<string, unknown>): boolean => String(l['err']).startsWith(`${nextKey}: `);
    await fleet.server.waitForLog((l) => l['msg'] === 'signing key rotation failed: tried again later' && named(l));
    await fleet.server.stop();
    await fleet.startServer();
    expect(
      fleet.server.logs.some(
        (l) =>
          l['msg'] ===
            'the next signing key cannot be used: the server signs with its current key; tried again later' && named(l),
      ),
    ).toBe(true);
    rmSync(nextKey);
    const applied = nextLog(fleet.daemons.get('till-1')!, (l) => l['msg'] === 'snapshot applied');
    await fleet.admin('PATCH', '/api/policies/npp-ok', { order: 11 });
    expect((await applied)['snapshotVersion']).toBe(3);
  });
});

describe('an agent holding a snapshot installed offline with a high version', () => {
  const fleet = new Fleet();

  beforeAll(async () => {
    await fleet.start();
  });

  afterAll(() => fleet.stop());

  const serverKey = (): Record<string, unknown> => ({
    serverPublicKey: join(fleet.ws.dir, 'server-data', 'signing.pub'),
  });

  async function offline(version: number): Promise<void> {
    const file = await fleet.ws.snapshot('till-3', version, {
      scenario: join(fleet.ws.dir, 'world.yaml'),
      key: join(fleet.ws.dir, 'server-data', 'signing.key'),
      name: `offline-${version}.bin`,
    });
    const applied = await cli(['snapshot', 'apply', file, '--socket', fleet.adminSocket('till-3')]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe(`snapshot version ${version} applied\n`);
    expect(applied.code).toBe(0);
    // Connected, the daemon may already hold the version the server issued above it.
    expect((await status(fleet.socket('till-3'))).snapshotVersion).toBeGreaterThanOrEqual(version);
  }

  it('is issued a version above it when it says hello, and converges; a restart keeps it there', async () => {
    let till3 = await fleet.agent('till-3', serverKey());
    await till3.waitForLog((l) => l['msg'] === 'snapshot applied');
    // The daemon says hello as soon as it applied the offline snapshot.
    const applied = nextLog(till3, (l) => l['msg'] === 'snapshot applied' && l['snapshotVersion'] === 51);
    const acked = nextAck(fleet, 'till-3', 51);
    await offline(50);
    await applied;
    await acked;
    expect(await fleet.computer('till-3')).toMatchObject({
      snapshotVersion: 51,
      ackedSnapshotVersion: 51,
      lastError: null,
    });
    till3 = await fleet.agent('till-3', serverKey());
    await till3.waitForLog((l) => l['msg'] === 'serving');
    expect((await status(fleet.socket('till-3'))).snapshotVersion).toBe(51);
    expect((await fleet.computer('till-3')).snapshotVersion).toBe(51);
  });

  it('is issued a version above it at once when it applies one offline while connected', async () => {
    const till3 = fleet.daemons.get('till-3')!;
    // The daemon says hello with the version it applied: the server issues the next one, with no change made.
    const applied = nextLog(till3, (l) => l['msg'] === 'snapshot applied' && l['snapshotVersion'] === 61);
    const acked = nextAck(fleet, 'till-3', 61);
    await offline(60);
    await applied;
    await acked;
    expect(await fleet.computer('till-3')).toMatchObject({ snapshotVersion: 61, ackedSnapshotVersion: 61 });
  });

  it('keeps its versions going up across a server restart', async () => {
    const till3 = fleet.daemons.get('till-3')!;
    await fleet.server.stop();
    await fleet.startServer();
    expect((await fleet.computer('till-3')).snapshotVersion).toBe(61);
    const applied = nextLog(till3, (l) => l['msg'] === 'snapshot applied');
    await fleet.admin('PATCH', '/api/policies/npp-ok', { order: 12 });
    expect((await applied)['snapshotVersion']).toBe(62);
  });

  it('is issued settings above a settings version installed offline too, and takes later settings pushes', async () => {
    const file = join(fleet.ws.dir, 'offline-70.bin');
    const built = await cli([
      'snapshot',
      'build',
      join(fleet.ws.dir, 'world.yaml'),
      '--computer',
      'till-3',
      '--key',
      join(fleet.ws.dir, 'server-data', 'signing.key'),
      '--version',
      '70',
      '--settings-version',
      '40',
      '--out',
      file,
    ]);
    expect(built.code).toBe(0);
    // Connected, the daemon says hello with 70 and 40 as soon as it applied them: the server issues above both.
    const till3 = fleet.daemons.get('till-3')!;
    const applied = nextLog(till3, (l) => l['msg'] === 'snapshot applied' && l['snapshotVersion'] === 71);
    const acked = nextAck(fleet, 'till-3', 71);
    const offlineApply = await cli(['snapshot', 'apply', file, '--socket', fleet.adminSocket('till-3')]);
    expect(offlineApply.stdout).toBe('snapshot version 70 applied\n');
    expect(offlineApply.code).toBe(0);
    await applied;
    await acked;
    expect(await status(fleet.socket('till-3'))).toMatchObject({ snapshotVersion: 71, settingsVersion: 41 });
    expect(await fleet.computer('till-3')).toMatchObject({ snapshotVersion: 71, settingsVersion: 41 });

    const pushed = nextLog(till3, (l) => l['msg'] === 'settings applied');
    await fleet.admin('PUT', '/api/settings?waitMs=5000', {
      scope: { kind: 'computer', id: 'till-3' },
      type: 'prioritizeBuiltInApplications',
      value: false,
    });
    expect((await pushed)['settingsVersion']).toBe(42);
    expect((await status(fleet.socket('till-3'))).settings).toMatchObject({ prioritizeBuiltInApplications: false });
  });
});
