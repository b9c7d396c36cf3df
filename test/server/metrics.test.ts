// The server's /healthz, /readyz and /metrics over the real admin API, sync
// hub and SQLite state, with a real agent connection: pushes, acknowledgement
// latency (the hub's clock is the test's), admin requests by route pattern,
// store errors, and readiness when the database file is gone.
import { renameSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAdminApi } from '../../src/server/admin-api.js';
import { METRICS_RENDER_REUSE_MS, ServerMetrics } from '../../src/server/metrics.js';
import type { ServerState } from '../../src/server/state.js';
import { SyncHub } from '../../src/server/sync-hub.js';
import {
  QUIET_HUB_LOGGER,
  RecordingHub,
  TestAgent,
  type TempState,
  adminWorld,
  openTempState,
} from './admin-harness.js';

const TOKEN = 'admin-secret-token';

/** The value of one sample line (`name{labels} value`), or undefined when the line is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

let temp: TempState;
let state: ServerState;
let nowMs: number;
let hub: SyncHub;
let metrics: ServerMetrics;
let app: FastifyInstance;
let url: string;
const agents: TestAgent[] = [];

async function get(path: string, token: string | null = null): Promise<{ status: number; text: string }> {
  const response = await fetch(url + path, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, text: await response.text() };
}

/** The clock of the metrics' render reuse: each scrape() moves it past the reuse time, so each renders afresh. */
let renderMs = 0;

async function scrape(): Promise<string> {
  renderMs += METRICS_RENDER_REUSE_MS;
  const answer = await get('/metrics');
  expect(answer.status).toBe(200);
  return answer.text;
}

beforeEach(async () => {
  temp = await openTempState(adminWorld());
  state = temp.state;
  nowMs = 10_000;
  const made: { hub?: SyncHub } = {};
  metrics = new ServerMetrics({ state, hub: () => made.hub, nowMs: () => renderMs });
  hub = new SyncHub({
    state,
    logger: QUIET_HUB_LOGGER,
    clock: () => nowMs,
    pingIntervalMs: 60_000,
    pongTimeoutMs: 60_000,
    helloTimeoutMs: 60_000,
    maxMessageBytes: 1 << 20,
    metrics,
  });
  made.hub = hub;
  app = buildAdminApi({ state, adminToken: TOKEN, hub, logger: false, metrics });
  hub.attach(app.server);
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterEach(async () => {
  for (const agent of agents.splice(0)) agent.close();
  await hub.close();
  await app.close();
  await temp.close();
});

describe('health and readiness', () => {
  it('answers /healthz and /readyz without the admin token; other routes still need it', async () => {
    const health = await get('/healthz');
    expect(health).toEqual({ status: 200, text: JSON.stringify({ status: 'ok' }) });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toEqual({
      status: 'ready',
      failed: [],
      checks: [
        { name: 'store', ok: true, detail: 'sqlite answered' },
        { name: 'signingKey', ok: true, detail: expect.stringMatching(/^key \S+ loaded$/) as unknown },
      ],
    });
    expect((await get('/api/policies')).status).toBe(401);
    expect((await get('/healthz/../api/policies')).status).toBe(401);
  });

  it('answers 503 naming the store when the database file is gone, and 200 again once it is back', async () => {
    const moved = `${temp.dir}-moved`;
    renameSync(temp.dir, moved);
    try {
      const gone = await get('/readyz');
      expect(gone.status).toBe(503);
      const body = JSON.parse(gone.text) as { status: string; failed: string[]; checks: { detail: string }[] };
      expect(body.status).toBe('not-ready');
      expect(body.failed).toEqual(['store']);
      expect(body.checks[0]?.detail).toMatch(/server\.db is gone/);
      // The process is up all the same.
      expect((await get('/healthz')).status).toBe(200);
    } finally {
      renameSync(moved, temp.dir);
    }
    expect((await get('/readyz')).status).toBe(200);
  });

  it('answers 503 once the store is closed', async () => {
    await state.close();
    const closed = await get('/readyz');
    expect(closed.status).toBe(503);
    expect(JSON.parse(closed.text)).toMatchObject({ failed: ['store'] });
  });
});

describe('/metrics', () => {
  it('counts pushes, acknowledgement latency, connected agents and agents behind', async () => {
    const { token } = await state.enroll('pc-1');
    const before = await scrape();
    expect(before).toContain('# HELP tollgate_server_connected_agents ');
    expect(sample(before, 'tollgate_server_connected_agents')).toBe(0);
    expect(sample(before, 'tollgate_server_pushes_total{kind="snapshot"}')).toBe(0);

    const agent = await TestAgent.connect(url);
    agents.push(agent);
    agent.hello('pc-1', token);
    expect((await agent.next()).kind).toBe('snapshot');
    const issued = state.computerState('pc-1');
    const connected = await scrape();
    expect(sample(connected, 'tollgate_server_connected_agents')).toBe(1);
    expect(sample(connected, 'tollgate_server_pushes_total{kind="snapshot"}')).toBe(1);
    expect(sample(connected, 'tollgate_server_agents_behind')).toBe(1);

    nowMs += 250;
    agent.ack(issued.snapshotVersion, issued.settingsVersion);
    expect(await hub.awaitSnapshotsApplied(['pc-1'], 5_000)).toMatchObject({ applied: ['pc-1'] });
    const acked = await scrape();
    expect(sample(acked, 'tollgate_server_agents_behind')).toBe(0);
    expect(sample(acked, 'tollgate_server_ack_latency_seconds_count{kind="snapshot"}')).toBe(1);
    expect(sample(acked, 'tollgate_server_ack_latency_seconds_sum{kind="snapshot"}')).toBe(0.25);
    expect(sample(acked, 'tollgate_server_ack_latency_seconds_bucket{le="0.1",kind="snapshot"}')).toBe(0);
    expect(sample(acked, 'tollgate_server_ack_latency_seconds_bucket{le="0.25",kind="snapshot"}')).toBe(1);

    // An admin toggles a setting: the settings go out, the agent acknowledges 40 ms later.
    const revision = sample(acked, 'tollgate_server_world_revision') as number;
    expect(revision).toBe(state.storeRevision);
    const put = fetch(`${url}/api/settings?waitMs=5000`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        scope: { kind: 'computer', id: 'pc-1' },
        type: 'prioritizeBuiltInApplications',
        value: false,
      }),
    });
    expect((await agent.next()).kind).toBe('settings');
    nowMs += 40;
    const now = state.computerState('pc-1');
    agent.ack(now.snapshotVersion, now.settingsVersion);
    const response = await put;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { applied: string[] }).applied).toEqual(['pc-1']);
    const after = await scrape();
    expect(sample(after, 'tollgate_server_pushes_total{kind="settings"}')).toBe(1);
    expect(sample(after, 'tollgate_server_ack_latency_seconds_count{kind="settings"}')).toBe(1);
    expect(sample(after, 'tollgate_server_ack_latency_seconds_sum{kind="settings"}')).toBeCloseTo(0.04, 9);
    expect(sample(after, 'tollgate_server_world_revision')).toBe(revision + 1);
    expect(sample(after, 'tollgate_server_admin_requests_total{method="PUT",route="/api/settings",status="200"}')).toBe(
      1,
    );
  });

  it('labels admin requests by route pattern, never by the raw URL', async () => {
    await get('/api/computers/pc-1', TOKEN);
    await get('/api/computers/pc-2', TOKEN);
    await get('/api/computers/no-such-pc', TOKEN);
    await get('/api/computers/pc-1');
    await get('/no/such/route/abc', TOKEN);
    await get('/no/such/route/def', TOKEN);
    const text = await scrape();
    const series = (labels: string): number | undefined =>
      sample(text, `tollgate_server_admin_requests_total{${labels}}`);
    expect(series('method="GET",route="/api/computers/:id",status="200"')).toBe(2);
    expect(series('method="GET",route="/api/computers/:id",status="404"')).toBe(1);
    expect(series('method="GET",route="/api/computers/:id",status="401"')).toBe(1);
    expect(series('method="GET",route="unmatched",status="404"')).toBe(2);
    expect(text).not.toContain('no-such-pc');
    expect(text).not.toContain('/no/such');
  });

  it('renders the exposition at most once a second, however many scrapes come', async () => {
    const first = await scrape();
    await get('/api/policies', TOKEN);
    // Within the reuse time every scrape gets the same text, counters changed or not.
    const again = await Promise.all(Array.from({ length: 20 }, async () => (await get('/metrics')).text));
    expect(new Set(again)).toEqual(new Set([first]));
    expect(first).not.toContain('route="/api/policies"');
    expect(await scrape()).toContain('route="/api/policies"');
  });

  it('counts store errors', async () => {
    const before = sample(await scrape(), 'tollgate_server_store_errors_total');
    expect(before).toBe(0);
    state.simulateStorageFault('read-only');
    const refused = await fetch(`${url}/api/computers/pc-1/enroll`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(refused.status).toBe(503);
    expect(sample(await scrape(), 'tollgate_server_store_errors_total')).toBeGreaterThanOrEqual(1);
  });

  it('can require the admin token, and each server keeps its own registry', async () => {
    const other = await openTempState(adminWorld());
    const otherMetrics = new ServerMetrics({ state: other.state, processMetrics: true });
    const guarded = buildAdminApi({
      state: other.state,
      adminToken: TOKEN,
      hub: new RecordingHub(),
      logger: false,
      metrics: otherMetrics,
      metricsRequireToken: true,
    });
    try {
      expect((await guarded.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      const allowed = await guarded.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(allowed.statusCode).toBe(200);
      expect(allowed.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(allowed.body).toContain('tollgate_server_process_resident_memory_bytes');
      expect(allowed.body).toContain('tollgate_server_nodejs_eventloop_lag_seconds');
      // Probes stay open.
      expect((await guarded.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      // The first server's figures are its own.
      await get('/api/policies', TOKEN);
      expect(allowed.body).not.toContain('route="/api/policies"');
      expect(await scrape()).toContain('route="/api/policies"');
    } finally {
      await guarded.close();
      await other.close();
    }
  });

  it('has no /metrics route when the metrics are off', async () => {
    const plain = buildAdminApi({ state, adminToken: TOKEN, hub: new RecordingHub(), logger: false });
    try {
      expect((await plain.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      const withToken = await plain.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(withToken.statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
