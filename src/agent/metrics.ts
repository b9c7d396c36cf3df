/**
 * The daemon's Prometheus metrics (docs/DAEMON.md, "Metrics"). Nothing here
 * runs on the decision path: the agent keeps plain counters, and every
 * figure is read from them when a scrape asks, through metrics that only
 * hold a read callback.
 */
import { type Metric, type MetricValue, Registry, collectDefaultMetrics } from 'prom-client';
import { POLICY_ACTIONS } from '../engine/model.js';
import { SYNC_STATES, type SyncState } from '../wire/local-api.js';
import type { AgentMetricsCounts } from './agent.js';

/** The prefix of every daemon metric. */
export const AGENT_METRIC_PREFIX = 'tollgate_agent_';

/** What the daemon knows of its connection to the server, read at scrape time. */
export interface SyncFigures {
  state: SyncState;
  /** When the server last confirmed the agent holds the newest versions; null before that. */
  lastSyncAtMs: number | null;
}

export interface AgentMetricsOptions {
  /** The agent's counters (Agent.metrics). */
  counts: () => AgentMetricsCounts;
  /** The sync client's state; absent: no server configured ('disabled'). */
  sync?: () => SyncFigures;
  clock: () => number;
  /** Adds prom-client's process and Node.js figures (CPU, memory, event-loop lag), prefixed; default false. */
  processMetrics?: boolean;
}

type MetricType = 'counter' | 'gauge' | 'histogram';
type Value = MetricValue<string> & { metricName?: string };

/**
 * A metric whose values are all read when it is scraped: prom-client's own
 * classes keep state that would have to be copied over first, and cannot
 * take a histogram already counted into buckets.
 */
class ReadMetric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: string[] = [];
  readonly aggregator = 'sum' as const;
  private readonly read: () => Value[];

  constructor(name: string, help: string, type: MetricType, read: () => Value[]) {
    this.name = name;
    this.help = help;
    this.type = type;
    this.read = read;
  }

  /** What prom-client's registry formats: the same shape its own metrics give. */
  get(): Promise<{ name: string; help: string; type: MetricType; values: Value[]; aggregator: 'sum' }> {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      values: this.read(),
      aggregator: this.aggregator,
    });
  }

  reset(): void {}
}

/** The daemon's registry: one per daemon, never prom-client's global one. */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly options: AgentMetricsOptions;
  /** The counters of the scrape in progress: read once, shared by every metric of it. */
  private current: AgentMetricsCounts | null = null;

  constructor(options: AgentMetricsOptions) {
    this.options = options;
    const p = AGENT_METRIC_PREFIX;
    const counts = (): AgentMetricsCounts => (this.current ??= options.counts());
    const one = (value: number | null): Value[] => (value === null ? [] : [{ value, labels: {} }]);
    const add = (name: string, help: string, type: MetricType, read: () => Value[]): void =>
      this.registry.registerMetric(new ReadMetric(p + name, help, type, read) as unknown as Metric);

    add('decisions_total', 'Decisions answered since the daemon started, by action.', 'counter', () =>
      POLICY_ACTIONS.map((action) => ({ labels: { action }, value: counts().decisions[action] })),
    );
    add(
      'decision_latency_seconds',
      'Time to answer a decision inside the daemon (from request decoded to decision made).',
      'histogram',
      () => histogramValues(p + 'decision_latency_seconds', counts().latency),
    );
    add('decision_cache_hits_total', 'Decisions answered from the decision cache.', 'counter', () =>
      one(counts().cacheHits),
    );
    add(
      'decision_cache_misses_total',
      'Decisions the cache did not hold, evaluated afresh (what-if requests bypass the cache and count in neither).',
      'counter',
      () => one(counts().cacheMisses),
    );
    add('snapshot_version', 'Version of the policy snapshot in force; absent before the first snapshot.', 'gauge', () =>
      one(counts().snapshotVersion),
    );
    add(
      'snapshot_age_seconds',
      'Seconds since the server issued (signed) the snapshot in force; absent before the first snapshot.',
      'gauge',
      () => {
        const issued = counts().snapshotIssuedAtMs;
        return one(issued === null ? null : Math.max(0, (options.clock() - issued) / 1000));
      },
    );
    add(
      'snapshot_applied_timestamp_seconds',
      'Unix time the snapshot in force was applied; absent before the first snapshot.',
      'gauge',
      () => {
        const applied = counts().snapshotAppliedAtMs;
        return one(applied === null ? null : applied / 1000);
      },
    );
    add('settings_version', 'Version of the pushed agent settings in force (0: none pushed).', 'gauge', () =>
      one(counts().settingsVersion),
    );
    add('sync_state', 'Connection to the policy server: 1 for the current state, 0 for the others.', 'gauge', () => {
      const state = this.sync().state;
      return SYNC_STATES.map((s) => ({ labels: { state: s }, value: s === state ? 1 : 0 }));
    });
    add(
      'last_sync_timestamp_seconds',
      'Unix time the server last confirmed the agent holds the newest versions (applied, or up to date); absent before.',
      'gauge',
      () => {
        const last = this.sync().lastSyncAtMs;
        return one(last === null ? null : last / 1000);
      },
    );
    add('outbox_depth', 'Approval requests stored and waiting to be delivered to the server.', 'gauge', () =>
      one(counts().outboxDepth),
    );
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: p });
  }

  private sync(): SyncFigures {
    return this.options.sync?.() ?? { state: 'disabled', lastSyncAtMs: null };
  }

  /** The Prometheus text exposition of every metric, the agent's counters read once. */
  async text(): Promise<string> {
    this.current = null;
    try {
      return await this.registry.metrics();
    } finally {
      this.current = null;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** A histogram's exposition values: cumulative buckets in seconds, then the sum and the count. */
function histogramValues(name: string, latency: AgentMetricsCounts['latency']): Value[] {
  const values: Value[] = [];
  let cumulative = 0;
  latency.boundsUs.forEach((boundUs, i) => {
    cumulative += latency.buckets[i] ?? 0;
    values.push({ metricName: `${name}_bucket`, labels: { le: boundUs / 1e6 }, value: cumulative });
  });
  cumulative += latency.buckets[latency.boundsUs.length] ?? 0;
  values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: cumulative });
  values.push({ metricName: `${name}_sum`, labels: {}, value: latency.sumUs / 1e6 });
  values.push({ metricName: `${name}_count`, labels: {}, value: latency.count });
  return values;
}
