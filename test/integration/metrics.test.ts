// Health, readiness and metrics between real processes on loopback: a policy
// server and a daemon with its metrics listener on port 0, scraped before and
// after an admin toggles a setting and the daemon answers decisions.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClient } from '../../src/local/client.js';
import { METRICS_LISTENER_LIMITS } from '../../src/local/metrics-listener.js';
import { METRICS_RENDER_REUSE_MS } from '../../src/server/metrics.js';
import type { AgentStatus } from '../../src/wire/local-api.js';
import {
  cli,
  startDaemon,
  startTollgate,
  workspace,
  writeConfig,
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
applications:
  - {id: chrome, name: Chrome, builtIn: true, rules: [{path: 'C:\\Chrome\\chrome.exe'}]}
  - {id: tools, name: Tools, builtIn: false, rules: [{path: 'C:\\Tools\\**'}]}
policies:
  - {id: chrome-ok, app: chrome, appliesTo: {organization: shop}, action: permit, order: 10}
  - {id: tools-no, app: tools, appliesTo: {organization: shop}, action: deny, order: 20}
`;

const CHROME = { path: 'C:\\Chrome\\chrome.exe' };
const TOOL = { path: 'C:\\Tools\\x.exe' };

/** The value of one sample line (`name{labels} value`); 0 when the series is absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function localCall<K extends 'decision' | 'status'>(
  socket: string,
  body: { kind: 'status' } | { kind: 'evaluateFile'; file: { path: string } },
  kind: K,
): Promise<K extends 'status' ? AgentStatus : unknown> {
  const client = await LocalClient.connect(socket);
  try {
    const response = await client.call(body);
    if (response.kind !== kind) throw new Error(`unexpected ${response.kind}`);
    return (response.kind === 'status' ? response.status : response) as K extends 'status' ? AgentStatus : unknown;
  } finally {
    client.close();
  }
}

describe('health, readiness and metrics of real processes', () => {
  let ws: Workspace;
  let server: ProcessHandle & { ready: Record<string, unknown> };
  let serverUrl: string;
  let adminToken: string;
  let daemon: DaemonHandle;
  let daemonMetrics: string;

  async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(serverUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  }

  async function scrape(base: string): Promise<string> {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  }

  beforeAll(async () => {
    ws = await workspace();
    const scenario = join(ws.dir, 'world.yaml');
    writeFileSync(scenario, WORLD);
    const serverConfig = join(ws.dir, 'server.json');
    writeFileSync(
      serverConfig,
      JSON.stringify({ dataDir: join(ws.dir, 'server-data'), listen: { port: 0 }, seedScenario: scenario }),
    );
    const key = await cli(['server', 'public-key', '--config', serverConfig]);
    expect(key.code).toBe(0);
    writeFileSync(join(ws.dir, 'server.pub'), key.stdout);
    server = await startTollgate(['server', '--config', serverConfig], 'listening');
    serverUrl = String(server.ready['url']);
    adminToken = readFileSync(join(ws.dir, 'server-data', 'admin-token'), 'utf8').trim();
    const enrolled = await admin('POST', '/api/computers/till-1/enroll');
    expect(enrolled.status).toBe(200);
    const config = writeConfig(ws, 'till-1', {
      serverPublicKey: join(ws.dir, 'server.pub'),
      server: {
        url: serverUrl.replace(/^http/, 'ws') + '/agent',
        token: (enrolled.body as { token: string }).token,
        backoffInitialMs: 50,
        backoffMaxMs: 400,
      },
      metrics: { listen: '127.0.0.1:0' },
    });
    daemon = await startDaemon(config, join(ws.dir, 'till-1.sock'));
    const listening = await daemon.waitForLog((l) => typeof l['metrics'] === 'string');
    daemonMetrics = `http://${String(listening['metrics'])}`;
    await daemon.waitForLog((l) => l['msg'] === 'snapshot applied');
  });

  afterAll(async () => {
    await daemon?.stop();
    await server?.stop();
    ws?.cleanup();
  });

  it('answers the probes without a token, and the daemon shows its listener and last sync in status', async () => {
    expect(daemonMetrics).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
    for (const base of [serverUrl, daemonMetrics]) {
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    }
    expect((await fetch(`${serverUrl}/api/world`)).status).toBe(401);
    const status = await localCall(daemon.socket, { kind: 'status' }, 'status');
    expect(status.metricsAddress).toBe(daemonMetrics.slice('http://'.length));
    expect(status.syncState).toBe('connected');
    expect(status.syncDownSinceMs).toBeNull();
    expect(status.lastSyncAtMs).toEqual(expect.any(Number));
    const text = await cli(['status', '--socket', daemon.socket]);
    expect(text.stdout).toContain(`metrics          ${daemonMetrics}/metrics`);
    expect(text.stdout).toMatch(/sync {13}connected \(ws:.*\/agent\), last sync \d+ (ms|s) ago/);
    const check = await cli(['status', '--check', '--max-age', '1h', '--socket', daemon.socket]);
    expect(check).toMatchObject({ code: 0, stdout: 'healthy: snapshot version 1, sync connected\n' });
  });

  it('moves the counters of both when an admin toggles a setting and the daemon answers decisions', async () => {
    const server1 = await scrape(serverUrl);
    const agent1 = await scrape(daemonMetrics);
    expect(sample(server1, 'tollgate_server_connected_agents')).toBe(1);
    expect(sample(server1, 'tollgate_server_pushes_total{kind="snapshot"}')).toBeGreaterThanOrEqual(1);
    expect(sample(agent1, 'tollgate_agent_snapshot_version')).toBe(1);
    expect(sample(agent1, 'tollgate_agent_sync_state{state="connected"}')).toBe(1);
    expect(sample(agent1, 'tollgate_agent_last_sync_timestamp_seconds')).toBeGreaterThan(0);

    const toggled = await admin('PUT', '/api/settings?waitMs=10000', {
      scope: { kind: 'computer', id: 'till-1' },
      type: 'prioritizeBuiltInApplications',
      value: false,
    });
    expect(toggled.status).toBe(200);
    expect(toggled.body).toMatchObject({ applied: ['till-1'], pending: [], offline: [] });

    for (const file of [CHROME, CHROME, CHROME, CHROME, TOOL]) {
      await localCall(daemon.socket, { kind: 'evaluateFile', file }, 'decision');
    }

    // Both render their exposition at most once a second (a scrape within it gets the text before).
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(METRICS_RENDER_REUSE_MS, METRICS_LISTENER_LIMITS.renderReuseMs) + 50),
    );
    const server2 = await scrape(serverUrl);
    const agent2 = await scrape(daemonMetrics);
    const moved = (before: string, after: string, series: string): number =>
      sample(after, series) - sample(before, series);
    expect(moved(server1, server2, 'tollgate_server_pushes_total{kind="settings"}')).toBe(1);
    expect(moved(server1, server2, 'tollgate_server_ack_latency_seconds_count{kind="settings"}')).toBe(1);
    expect(
      moved(server1, server2, 'tollgate_server_admin_requests_total{method="PUT",route="/api/settings",status="200"}'),
    ).toBe(1);
    expect(sample(server2, 'tollgate_server_agents_behind')).toBe(0);
    expect(moved(agent1, agent2, 'tollgate_agent_settings_version')).toBe(1);
    expect(moved(agent1, agent2, 'tollgate_agent_decisions_total{action="permit"}')).toBe(4);
    expect(moved(agent1, agent2, 'tollgate_agent_decisions_total{action="deny"}')).toBe(1);
    // The setting cleared the cache: the first two CHROMEs (the second is cached) and the TOOL were made afresh, the
    // last two CHROMEs answered from the cache.
    expect(moved(agent1, agent2, 'tollgate_agent_decision_cache_misses_total')).toBe(3);
    expect(moved(agent1, agent2, 'tollgate_agent_decision_cache_hits_total')).toBe(2);
    expect(moved(agent1, agent2, 'tollgate_agent_decision_latency_seconds_count')).toBe(5);
    expect(sample(agent2, 'tollgate_agent_outbox_depth')).toBe(0);
    expect(agent2).toContain('tollgate_agent_process_resident_memory_bytes');
  });

  it('a daemon without a snapshot is not ready, and status --check says so with exit 3', async () => {
    const config = writeConfig(ws, 'alone', { computerId: 'till-9', metrics: { listen: '127.0.0.1:0' } });
    const alone = await startDaemon(config, join(ws.dir, 'alone.sock'));
    try {
      const listening = await alone.waitForLog((l) => typeof l['metrics'] === 'string');
      const ready = await fetch(`http://${String(listening['metrics'])}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'not-ready', reason: 'no policy snapshot' });
      const check = await cli(['status', '--check', '--json', '--socket', alone.socket]);
      expect(check.code).toBe(3);
      expect(JSON.parse(check.stdout)).toMatchObject({ healthy: false, problems: [{ code: 'no-snapshot' }] });
    } finally {
      await alone.stop();
    }
  });

  it('a daemon whose metrics port is in use exits 2 naming metrics.listen, without a stack trace or sockets left', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const config = writeConfig(ws, 'busy', { computerId: 'till-8', metrics: { listen: `127.0.0.1:${port}` } });
      const result = await cli(['daemon', '--config', config]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`error: metrics.listen 127.0.0.1:${port}: the port is in use (EADDRINUSE)`);
      expect(result.stderr).not.toContain('    at ');
      expect(existsSync(join(ws.dir, 'busy.sock'))).toBe(false);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('the server is not ready while its database is gone, and ready again when it is back', async () => {
    const dataDir = join(ws.dir, 'server-data');
    renameSync(dataDir, `${dataDir}-away`);
    try {
      const gone = await fetch(`${serverUrl}/readyz`);
      expect(gone.status).toBe(503);
      expect(await gone.json()).toMatchObject({ status: 'not-ready', failed: ['store'] });
      expect((await fetch(`${serverUrl}/healthz`)).status).toBe(200);
    } finally {
      renameSync(`${dataDir}-away`, dataDir);
    }
    expect((await fetch(`${serverUrl}/readyz`)).status).toBe(200);
  });
});
