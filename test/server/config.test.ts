// The server config's bounds: documented defaults, and refused when not a positive integer.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DECIDED_RETENTION_DAYS,
  connectionBoundProblem,
  parseServerConfig,
  softOpenFileLimit,
} from '../../src/server/config.js';
import { SYNC_HUB_DEFAULTS } from '../../src/server/sync-hub.js';

const parse = (text: string) => parseServerConfig(text, 'server.yaml', '/etc/tollgate');

describe('server config bounds', () => {
  it('has the documented defaults', () => {
    const config = parse('dataDir: data\n');
    expect(config.sync).toMatchObject({
      maxBufferedBytes: 16 * 1024 * 1024,
      maxTotalBufferedBytes: 1024 * 1024 * 1024,
      maxPendingHellos: 1000,
    });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 7443, maxConnections: 20_000 });
    expect(config.approvals).toEqual({ maxPendingPerComputer: 100, decidedRetentionDays: 365 });
    expect(DEFAULT_DECIDED_RETENTION_DAYS).toBe(365);
    expect(SYNC_HUB_DEFAULTS).toEqual({
      maxBufferedBytes: 16 * 1024 * 1024,
      maxTotalBufferedBytes: 1024 * 1024 * 1024,
      maxPendingHellos: 1000,
      maxPendingApprovalsPerComputer: 100,
      maxQueuedMessages: 64,
    });
  });

  it('takes the keys', () => {
    const config = parse(
      'dataDir: data\nsync: {maxBufferedBytes: 1024, maxPendingHellos: 5}\napprovals: {maxPendingPerComputer: 7, decidedRetentionDays: 30}\n',
    );
    expect(config.approvals.decidedRetentionDays).toBe(30);
    expect(config.sync).toMatchObject({ maxBufferedBytes: 1024, maxPendingHellos: 5, pingIntervalMs: 15_000 });
    expect(config.approvals.maxPendingPerComputer).toBe(7);
  });

  it.each([
    'sync: {maxPendingHellos: 0}',
    'sync: {maxMessageBytes: 1000}',
    'sync: {maxBufferedBytes: -1}',
    'approvals: {maxPendingPerComputer: 1.5}',
    'approvals: {decidedRetentionDays: 0}',
    'approvals: {decidedRetentionDays: 2.5}',
    'approvals: {decidedRetentionDays: 3651}',
    "approvals: {decidedRetentionDays: '30'}",
    'sync: {pingIntervalMs: 2147483648}',
    'signing: {checkIntervalMs: 100000000000}',
  ])('refuses %s, naming the key', (line) => {
    const key = line.slice(line.indexOf('{') + 1, line.indexOf(':', line.indexOf('{')));
    expect(() => parse(`dataDir: data\n${line}\n`)).toThrow(key);
  });
});

describe('server config store', () => {
  it('is SQLite by default', () => {
    expect(parse('dataDir: data\n').store).toEqual({ kind: 'sqlite' });
  });

  it('takes PostgreSQL with its documented defaults', () => {
    const config = parse(
      'dataDir: data\nstore: {kind: postgres, url: "postgres://tollgate@db.example:5432/tollgate"}\n',
    );
    expect(config.store).toEqual({
      kind: 'postgres',
      url: 'postgres://tollgate@db.example:5432/tollgate',
      schema: 'tollgate',
      poolSize: 10,
      connectTimeoutMs: 10_000,
    });
  });

  it.each([
    ['store: {kind: mysql}', 'store.kind'],
    ['store: {kind: postgres}', 'store.url'],
    ['store: {kind: postgres, url: "http://db.example/x"}', 'store.url'],
    ['store: {kind: postgres, url: "postgres://db.example/x", schema: "Bad-Name"}', 'store.schema'],
    ['store: {kind: postgres, url: "postgres://db.example/x", poolSize: 0}', 'store.poolSize'],
    ['store: {kind: sqlite, url: "postgres://db.example/x"}', 'url'],
  ])('refuses %s, naming %s', (line, key) => {
    expect(() => parse(`dataDir: data\n${line}\n`)).toThrow(key);
  });
});

describe('server config: metrics and readiness', () => {
  it('serves /metrics without the token and waits 2 s for the store by default', () => {
    const config = parse('dataDir: data\n');
    expect(config.metrics).toEqual({ enabled: true, requireToken: false, processMetrics: true });
    expect(config.readyTimeoutMs).toBe(2_000);
  });

  it('takes the keys', () => {
    const config = parse('dataDir: data\nmetrics: {requireToken: true}\nreadyTimeoutMs: 500\n');
    expect(config.metrics).toEqual({ enabled: true, requireToken: true, processMetrics: true });
    expect(config.readyTimeoutMs).toBe(500);
  });

  it.each([
    ['metrics: {enabled: "yes"}', 'metrics.enabled'],
    ['metrics: {path: /m}', 'metrics'],
    ['readyTimeoutMs: 0', 'readyTimeoutMs'],
    ['readyTimeoutMs: 60001', 'readyTimeoutMs'],
  ])('refuses %s, naming %s', (line, key) => {
    expect(() => parse(`dataDir: data\n${line}\n`)).toThrow(key);
  });
});

describe('the connection bound against the open-file limit', () => {
  const LIMITS = [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max open files            20000                65536                files     ',
    'Max locked memory         8388608              8388608              bytes     ',
  ].join('\n');

  it("reads the soft limit of Linux's /proc/self/limits", () => {
    expect(softOpenFileLimit(LIMITS)).toBe(20_000);
    expect(softOpenFileLimit(LIMITS.replace('20000   ', 'unlimited'))).toBe(Number.POSITIVE_INFINITY);
    expect(softOpenFileLimit('')).toBeNull();
  });

  it('warns of a bound that cannot hold under the limit, and not of one that can', () => {
    expect(connectionBoundProblem(20_000, 20_000)).toMatch(
      /^listen\.maxConnections 20000 is not below the process's open-file limit 20000 \(by at least 256\)/,
    );
    expect(connectionBoundProblem(20_000, 65_536)).toBeNull();
    expect(connectionBoundProblem(20_000, null)).toBeNull();
    expect(connectionBoundProblem(20_000, Number.POSITIVE_INFINITY)).toBeNull();
  });
});
