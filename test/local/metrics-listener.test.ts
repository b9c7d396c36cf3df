// The daemon's metrics listener on a real loopback port, and the agent's
// metrics read from plain counters at scrape time.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentMetricsCounts } from '../../src/agent/agent.js';
import { DECISION_LATENCY_BUCKETS_US, LatencyHistogram } from '../../src/agent/latency.js';
import { AgentMetrics, type SyncFigures } from '../../src/agent/metrics.js';
import { METRICS_LISTENER_LIMITS, MetricsListener } from '../../src/local/metrics-listener.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

function countsWith(overrides: Partial<AgentMetricsCounts> = {}): AgentMetricsCounts {
  return {
    decisions: { permit: 0, deny: 0, denyWithRequest: 0, ringfence: 0 },
    latency: new LatencyHistogram().counts(),
    cacheHits: 0,
    cacheMisses: 0,
    snapshotVersion: null,
    snapshotIssuedAtMs: null,
    snapshotAppliedAtMs: null,
    settingsVersion: 0,
    outboxDepth: 0,
    ...overrides,
  };
}

/** The value of one sample line (`name{labels} value`), or undefined when the line is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('LatencyHistogram', () => {
  it('counts each sample into the first bucket whose bound it does not pass', () => {
    const histogram = new LatencyHistogram([10, 100]);
    for (const us of [1, 10, 10.5, 100, 101, 5000]) histogram.add(us);
    expect(histogram.counts()).toEqual({ boundsUs: [10, 100], buckets: [2, 2, 2], sumUs: 5222.5, count: 6 });
  });
});

describe('AgentMetrics', () => {
  it('exposes the counters read at scrape time, with cumulative latency buckets in seconds', async () => {
    const latency = new LatencyHistogram();
    for (const us of [1, 3, 3, 40, 2_000_000]) latency.add(us);
    let counts = countsWith({
      decisions: { permit: 5, deny: 2, denyWithRequest: 1, ringfence: 0 },
      latency: latency.counts(),
      cacheHits: 6,
      cacheMisses: 2,
      snapshotVersion: 4,
      snapshotIssuedAtMs: NOW - 90_000,
      snapshotAppliedAtMs: NOW - 60_000,
      settingsVersion: 3,
      outboxDepth: 2,
    });
    let reads = 0;
    const sync: SyncFigures = { state: 'connected', lastSyncAtMs: NOW - 5_000 };
    const metrics = new AgentMetrics({
      counts: () => {
        reads++;
        return counts;
      },
      sync: () => sync,
      clock: () => NOW,
    });
    const text = await metrics.text();
    expect(reads).toBe(1);
    expect(sample(text, 'tollgate_agent_decisions_total{action="permit"}')).toBe(5);
    expect(sample(text, 'tollgate_agent_decisions_total{action="denyWithRequest"}')).toBe(1);
    expect(sample(text, 'tollgate_agent_decision_cache_hits_total')).toBe(6);
    expect(sample(text, 'tollgate_agent_decision_cache_misses_total')).toBe(2);
    expect(sample(text, 'tollgate_agent_decision_latency_seconds_bucket{le="0.000002"}')).toBe(1);
    expect(sample(text, 'tollgate_agent_decision_latency_seconds_bucket{le="0.000005"}')).toBe(3);
    expect(sample(text, 'tollgate_agent_decision_latency_seconds_bucket{le="0.00005"}')).toBe(4);
    expect(sample(text, 'tollgate_agent_decision_latency_seconds_bucket{le="0.1"}')).toBe(4);
    expect(sample(text, 'tollgate_agent_decision_latency_seconds_bucket{le="+Inf"}')).toBe(5);
    expect(sample(text, 'tollgate_agent_decision_latency_seconds_count')).toBe(5);
    expect(sample(text, 'tollgate_agent_decision_latency_seconds_sum')).toBeCloseTo(2.000047, 9);
    expect(text).toContain('# TYPE tollgate_agent_decision_latency_seconds histogram');
    expect(text.match(/tollgate_agent_decision_latency_seconds_bucket/g)).toHaveLength(
      DECISION_LATENCY_BUCKETS_US.length + 1,
    );
    expect(sample(text, 'tollgate_agent_snapshot_version')).toBe(4);
    expect(sample(text, 'tollgate_agent_snapshot_age_seconds')).toBe(90);
    expect(sample(text, 'tollgate_agent_settings_version')).toBe(3);
    expect(sample(text, 'tollgate_agent_outbox_depth')).toBe(2);
    expect(sample(text, 'tollgate_agent_sync_state{state="connected"}')).toBe(1);
    expect(sample(text, 'tollgate_agent_sync_state{state="disconnected"}')).toBe(0);
    expect(sample(text, 'tollgate_agent_last_sync_timestamp_seconds')).toBe((NOW - 5_000) / 1000);
    expect(text).toContain('# HELP tollgate_agent_outbox_depth ');

    // The next scrape reads the counters again.
    counts = countsWith({ decisions: { permit: 9, deny: 2, denyWithRequest: 1, ringfence: 0 } });
    sync.state = 'connecting';
    const next = await metrics.text();
    expect(reads).toBe(2);
    expect(sample(next, 'tollgate_agent_decisions_total{action="permit"}')).toBe(9);
    expect(sample(next, 'tollgate_agent_sync_state{state="connecting"}')).toBe(1);
    expect(sample(next, 'tollgate_agent_sync_state{state="connected"}')).toBe(0);
  });

  it('leaves out the snapshot figures before the first snapshot, and says disabled without a server', async () => {
    const text = await new AgentMetrics({ counts: () => countsWith(), clock: () => NOW }).text();
    expect(sample(text, 'tollgate_agent_snapshot_version')).toBeUndefined();
    expect(sample(text, 'tollgate_agent_snapshot_age_seconds')).toBeUndefined();
    expect(sample(text, 'tollgate_agent_last_sync_timestamp_seconds')).toBeUndefined();
    expect(sample(text, 'tollgate_agent_sync_state{state="disabled"}')).toBe(1);
    expect(text).toContain('# TYPE tollgate_agent_snapshot_version gauge');
  });

  it('keeps each daemon its own registry', async () => {
    const a = new AgentMetrics({ counts: () => countsWith({ outboxDepth: 1 }), clock: () => NOW });
    const b = new AgentMetrics({ counts: () => countsWith({ outboxDepth: 2 }), clock: () => NOW });
    expect(sample(await a.text(), 'tollgate_agent_outbox_depth')).toBe(1);
    expect(sample(await b.text(), 'tollgate_agent_outbox_depth')).toBe(2);
  });
});

describe('MetricsListener', () => {
  let listener: MetricsListener | null = null;
  afterEach(async () => {
    await listener?.close();
    listener = null;
  });

  async function start(notReady: () => string | null = () => null): Promise<string> {
    listener = new MetricsListener({
      host: '127.0.0.1',
      port: 0,
      metrics: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4', text: 'tollgate_agent_up 1\n' }),
      notReady,
    });
    return `http://${await listener.listen()}`;
  }

  it('serves /metrics, /healthz and /readyz, and binds the port it was given (0: a free one)', async () => {
    let reason: string | null = 'no policy snapshot';
    const base = await start(() => reason);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(listener?.address).toBe(base.slice('http://'.length));
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(await metrics.text()).toBe('tollgate_agent_up 1\n');
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not-ready', reason: 'no policy snapshot' });
    reason = null;
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    const base = await start();
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics/x`)).status).toBe(404);
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x'.repeat(100_000) });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 500 when the metrics cannot be read, and keeps serving', async () => {
    const errors: string[] = [];
    listener = new MetricsListener({
      host: '127.0.0.1',
      port: 0,
      metrics: () => Promise.reject(new Error('cache closed')),
      notReady: () => null,
      onError: (error) => errors.push(error.message),
    });
    const base = `http://${await listener.listen()}`;
    expect((await fetch(`${base}/metrics`)).status).toBe(500);
    expect(errors).toEqual(['cache closed']);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  /** A raw connection to the listener, and everything it receives until it is closed. */
  function raw(address: string): Promise<{ socket: Socket; received: Promise<string> }> {
    const [host, port] = [
      address.slice(0, address.lastIndexOf(':')),
      Number(address.slice(address.lastIndexOf(':') + 1)),
    ];
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        const received = new Promise<string>((done) => socket.on('close', () => done(text)));
        resolve({ socket, received });
      });
      socket.on('error', () => undefined);
      socket.once('error', reject);
    });
  }

  it('answers one request a connection: a client that pipelines more is closed at once, having cost one rendering', async () => {
    let renders = 0;
    let finish = (): void => undefined;
    listener = new MetricsListener({
      host: '127.0.0.1',
      port: 0,
      metrics: () => {
        renders++;
        // The rendering ends only once the test lets it: the connection must close without waiting for it.
        return new Promise((resolve) => {
          finish = () => resolve({ contentType: 'text/plain', text: 'tollgate_agent_up 1\n' });
        });
      },
      notReady: () => null,
    });
    const address = await listener.listen();
    const { socket, received } = await raw(address);
    const request = 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n';
    socket.write(request);
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write(request.repeat(1_000));
    expect(await received).toBe('');
    expect(renders).toBe(1);
    finish();
    // The listener serves the next connection as before, with Connection: close.
    const next = await fetch(`http://${address}/healthz`);
    expect(next.status).toBe(200);
    expect(next.headers.get('connection')).toBe('close');
  });

  it('renders the exposition at most once a second, whoever asks', async () => {
    let now = 0;
    let renders = 0;
    listener = new MetricsListener({
      host: '127.0.0.1',
      port: 0,
      metrics: () => Promise.resolve({ contentType: 'text/plain', text: `render ${++renders}\n` }),
      notReady: () => null,
      nowMs: () => now,
    });
    const base = `http://${await listener.listen()}`;
    const texts = await Promise.all(Array.from({ length: 8 }, async () => (await fetch(`${base}/metrics`)).text()));
    expect(new Set(texts)).toEqual(new Set(['render 1\n']));
    now += METRICS_LISTENER_LIMITS.renderReuseMs - 1;
    expect(await (await fetch(`${base}/metrics`)).text()).toBe('render 1\n');
    now += 1;
    expect(await (await fetch(`${base}/metrics`)).text()).toBe('render 2\n');
    expect(renders).toBe(2);
  });

  it('gives the connection open longest without a request to a newcomer once every slot is taken', async () => {
    const base = await start();
    const address = base.slice('http://'.length);
    const silent = [];
    for (let i = 0; i < METRICS_LISTENER_LIMITS.maxConnections; i++) silent.push(await raw(address));
    // Two more silent newcomers, then a scrape: each takes the slot of the oldest silent connection.
    silent.push(await raw(address), await raw(address));
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const closed = await Promise.all(
      silent.map((s) =>
        Promise.race([s.received.then(() => true), new Promise((r) => setTimeout(() => r(false), 200))]),
      ),
    );
    expect(closed.slice(0, 3)).toEqual([true, true, true]);
    expect(closed.slice(3).every((c) => c === false)).toBe(true);
    for (const s of silent) s.socket.destroy();
  });

  it('closes a connection that sends no request within the header time limit, not Node.js default 30 s later', async () => {
    const base = await start();
    const { received } = await raw(base.slice('http://'.length));
    const started = Date.now();
    await received;
    // Headers are due within 5 s and checked every second: well before Node.js's own 30 s check.
    expect(Date.now() - started).toBeLessThan(METRICS_LISTENER_LIMITS.headersTimeoutMs + 10_000);
  }, 20_000);

  it('refuses to start on a port in use, and closes twice safely', async () => {
    const base = await start();
    const port = Number(new URL(base).port);
    const second = new MetricsListener({
      host: '127.0.0.1',
      port,
      metrics: () => Promise.resolve({ contentType: 'text/plain', text: '' }),
      notReady: () => null,
    });
    await expect(second.listen()).rejects.toThrow(/EADDRINUSE/);
    await second.close();
    await listener?.close();
    await listener?.close();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
