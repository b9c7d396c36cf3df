// Signed deltas between real processes: a policy server seeded with a
// 100,000-policy view and a daemon synced to it. A one-policy change reaches
// the daemon as a small delta and changes its decisions; a daemon whose base
// the server no longer has (server restarted), or whose stored base is
// damaged, gets the full snapshot instead and converges.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileRequest } from '../../src/engine/model.js';
import { serializeScenario } from '../../src/scenario/load.js';
import { LocalClient } from '../../src/local/client.js';
import type { Decision } from '../../src/engine/model.js';
import { TARGET_COMPUTER, syntheticWorld } from '../../scripts/lib/synthetic-world.js';
import {
  startDaemon,
  startTollgate,
  workspace,
  type DaemonHandle,
  type ProcessHandle,
  type Workspace,
} from '../support/daemon-process.js';

const POLICIES = 100_000;
const LONG = 240_000;

type Log = Record<string, unknown>;

async function decide(socket: string, file: FileRequest): Promise<Decision> {
  const client = await LocalClient.connect(socket);
  try {
    const response = await client.call({ kind: 'evaluateFile', file });
    if (response.kind !== 'decision') throw new Error(`unexpected ${response.kind}`);
    return response.decision;
  } finally {
    client.close();
  }
}

describe('deltas between a real server and daemon', () => {
  let ws: Workspace;
  let serverConfig: string;
  let server: ProcessHandle & { ready: Record<string, unknown> };
  let daemon: DaemonHandle | null = null;
  let adminUrl: string;
  let adminToken: string;
  let token: string;
  let publicKeyFile: string;
  let requests: FileRequest[];

  async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(adminUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  async function startServer(): Promise<void> {
    server = await startTollgate(['server', '--config', serverConfig], 'listening');
    const port = Number(new URL(String(server.ready['url'])).port);
    const config = JSON.parse(readFileSync(serverConfig, 'utf8')) as { listen: { port: number } };
    config.listen.port = port;
    writeFileSync(serverConfig, JSON.stringify(config));
    adminUrl = String(server.ready['url']);
    adminToken = readFileSync(join(ws.dir, 'server-data', 'admin-token'), 'utf8').trim();
  }

  async function startAgent(): Promise<DaemonHandle> {
    const file = join(ws.dir, 'agent.json');
    writeFileSync(
      file,
      JSON.stringify({
        dataDir: join(ws.dir, 'agent-data'),
        computerId: TARGET_COMPUTER,
        serverPublicKey: publicKeyFile,
        socket: { path: join(ws.dir, 'agent.sock') },
        logLevel: 'debug',
        server: { url: `${adminUrl.replace(/^http/, 'ws')}/agent`, token, backoffInitialMs: 50, backoffMaxMs: 400 },
      }),
    );
    daemon = await startDaemon(file, join(ws.dir, 'agent.sock'));
    return daemon;
  }

  /** The first log line after `from` lines that satisfies `predicate`. */
  function after(handle: ProcessHandle, from: number, predicate: (l: Log) => boolean): Promise<Log> {
    return handle.waitForLog((l) => handle.logs.indexOf(l) >= from && predicate(l));
  }

  /** A file the daemon decides with a permitting, non-default policy, and that policy. */
  async function permittedFile(
    socket: string,
    skip: ReadonlySet<string>,
  ): Promise<{ file: FileRequest; policy: string }> {
    for (const file of requests) {
      const decision = await decide(socket, file);
      if (decision.action === 'permit' && decision.policy !== null && !skip.has(decision.policy)) {
        return { file, policy: decision.policy };
      }
    }
    throw new Error('no permitted file among the requests');
  }

  beforeAll(async () => {
    ws = await workspace();
    const synthetic = syntheticWorld({ policies: POLICIES, seed: 7, requests: 400 });
    requests = synthetic.requests;
    const scenario = join(ws.dir, 'large.json');
    writeFileSync(scenario, serializeScenario(synthetic.world, 'json'));
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
    await startServer();
    token = String((await admin('POST', `/api/computers/${TARGET_COMPUTER}/enroll`))['token']);
    publicKeyFile = join(ws.dir, 'server.pub');
    writeFileSync(publicKeyFile, String((await admin('GET', '/api/public-key'))['publicKey']));
  }, LONG);

  afterAll(async () => {
    await daemon?.stop();
    await server?.stop();
    ws?.cleanup();
  });

  it(
    'a one-policy change reaches the daemon as a delta far smaller than the snapshot, and its decisions change',
    async () => {
      const agent = await startAgent();
      await agent.waitForLog((l) => l['msg'] === 'snapshot applied');
      const sent = await server.waitForLog((l) => l['msg'] === 'snapshot sent');
      const snapshotBytes = sent['bytes'] as number;
      expect(snapshotBytes).toBeGreaterThan(10_000_000);

      const { file, policy } = await permittedFile(agent.socket, new Set());
      const fromServer = server.logs.length;
      const fromAgent = agent.logs.length;
      await admin('PATCH', `/api/policies/${policy}`, { action: 'deny' });

      const delta = await after(server, fromServer, (l) => l['msg'] === 'delta sent');
      expect(delta).toMatchObject({ computerId: TARGET_COMPUTER, snapshotBytes });
      expect(delta['bytes'] as number).toBeLessThan(snapshotBytes / 1000);
      const applied = await after(agent, fromAgent, (l) => l['msg'] === 'snapshot applied');
      expect(applied['via']).toBe('delta');
      expect(applied['bytes']).toBe(delta['bytes']);
      expect(applied['snapshotVersion']).toBe(delta['snapshotVersion']);
      expect(agent.logs.slice(fromAgent).some((l) => l['via'] === 'snapshot')).toBe(false);
      await after(server, fromServer, (l) => l['msg'] === 'agent acknowledged');
      expect(await decide(agent.socket, file)).toMatchObject({
        action: 'deny',
        policy,
        snapshotVersion: delta['snapshotVersion'],
      });
    },
    LONG,
  );

  it(
    'after a server restart the base is unknown: the daemon that missed versions gets the full snapshot and converges',
    async () => {
      const { file, policy } = await permittedFile(daemon!.socket, new Set());
      await daemon!.stop();
      daemon = null;
      await server.stop();
      await startServer();
      await admin('PATCH', `/api/policies/${policy}`, { action: 'deny' });
      await admin('PATCH', `/api/policies/${policy}`, { name: 'changed twice while the daemon was away' });
      const fromServer = server.logs.length;
      const agent = await startAgent();
      const sent = await after(server, fromServer, (l) => l['msg'] === 'snapshot sent');
      expect(sent['reason']).toBe('base-unknown');
      await agent.waitForLog((l) => l['msg'] === 'snapshot applied');
      expect(await decide(agent.socket, file)).toMatchObject({
        action: 'deny',
        policy,
        snapshotVersion: sent['snapshotVersion'],
      });
    },
    LONG,
  );

  it(
    'a daemon whose stored base is damaged refuses the delta, asks for the snapshot, gets it and converges',
    async () => {
      const agent = daemon!;
      const { file, policy } = await permittedFile(agent.socket, new Set());
      // Damage the stored view behind the daemon's back (the active version's first part).
      const db = new Database(join(ws.dir, 'agent-data', 'agent.db'));
      db.prepare(
        'UPDATE snapshot_parts SET bytes = zeroblob(length(bytes)) WHERE seq = 1 AND version = (SELECT version FROM snapshots WHERE active = 1)',
      ).run();
      db.close();
      const fromServer = server.logs.length;
      const fromAgent = agent.logs.length;
      await admin('PATCH', `/api/policies/${policy}`, { action: 'deny' });

      await after(server, fromServer, (l) => l['msg'] === 'delta sent');
      const refused = await after(agent, fromAgent, (l) => l['msg'] === 'delta from the server refused');
      expect(refused['code']).toBe('delta-base-damaged');
      const asked = await after(
        server,
        fromServer,
        (l) => l['msg'] === 'agent could not apply a delta: sending the full snapshot',
      );
      expect(asked['code']).toBe('delta-base-damaged');
      const sent = await after(server, fromServer, (l) => l['msg'] === 'snapshot sent');
      expect(sent['reason']).toBe('requested');
      await after(agent, fromAgent, (l) => l['msg'] === 'snapshot applied' && l['via'] === 'snapshot');
      expect(await decide(agent.socket, file)).toMatchObject({
        action: 'deny',
        policy,
        snapshotVersion: sent['snapshotVersion'],
      });

      // And the next change is a delta again, from the snapshot just applied.
      const next = await permittedFile(agent.socket, new Set([policy]));
      const fromServer2 = server.logs.length;
      await admin('PATCH', `/api/policies/${next.policy}`, { action: 'deny' });
      await after(server, fromServer2, (l) => l['msg'] === 'delta sent');
      await after(agent, fromAgent, (l) => l['msg'] === 'snapshot applied' && l['via'] === 'delta');
      await after(server, fromServer2, (l) => l['msg'] === 'agent acknowledged');
      expect(await decide(agent.socket, next.file)).toMatchObject({ action: 'deny', policy: next.policy });
    },
    LONG,
  );
});
