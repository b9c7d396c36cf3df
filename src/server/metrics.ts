/**
 * The policy server's Prometheus metrics (docs/SERVER.md, "Metrics"): one
 * registry per server instance, never prom-client's global one, so that
 * several servers in one process keep their own figures. Events (pushes,
 * acknowledgements, admin requests) are counted as they happen; states
 * (connected agents, agents behind, world revision, store errors) are read
 * when a scrape asks.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PushKind, SyncHubMetrics } from './sync-hub.js';
import type { ServerStateApi } from './types.js';
import { ReusedRender } from '../wire/reused-render.js';

/** The prefix of every server metric. */
export const SERVER_METRIC_PREFIX = 'tollgate_server_';

/** Buckets of the acknowledgement latency, in seconds: a LAN agent acknowledges in milliseconds, a slow one in seconds. */
export const ACK_LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]);

/** The label of admin requests that matched no route: the raw URL is never a label (it is unbounded). */
export const UNMATCHED_ROUTE = 'unmatched';

/** What the metrics read from the hub at scrape time. */
export interface HubFigures {
  readonly connectedCount: number;
  isConnected(computerId: string): boolean;
}

export interface ServerMetricsOptions {
  state: Pick<ServerStateApi, 'computers' | 'storeErrorCount' | 'storeRevision'>;
  /** The hub, once made (the hub is made with these metrics: it is given afterwards). */
  hub?: () => HubFigures | undefined;
  /** Adds prom-client's process figures (CPU, memory, event-loop lag, GC), prefixed; default false. */
  processMetrics?: boolean;
  /** The clock of the render reuse (default performance.now). */
  nowMs?: () => number;
}

/**
 * A rendered exposition is served again, not rendered again, for this
 * long: a render walks every computer (`agents_behind`), and `/metrics`
 * needs no token by default, so requests pipelined by the thousand must not
 * each cost one.
 */
export const METRICS_RENDER_REUSE_MS = 1_000;

/** The server's registry and the counters the hub and the admin API report to. */
export class ServerMetrics implements SyncHubMetrics {
  readonly registry = new Registry();
  private readonly pushes: Counter<'kind'>;
  private readonly ackLatency: Histogram<'kind'>;
  private readonly adminRequests: Counter<'method' | 'route' | 'status'>;
  /** The exposition, rendered again once METRICS_RENDER_REUSE_MS passed since the last. */
  private readonly exposition: ReusedRender<string>;

  constructor(options: ServerMetricsOptions) {
    this.exposition = new ReusedRender(METRICS_RENDER_REUSE_MS, () => this.registry.metrics(), options.nowMs);
    const p = SERVER_METRIC_PREFIX;
    const registers = [this.registry];
    const hub = (): HubFigures | undefined => options.hub?.();
    new Gauge({
      name: `${p}connected_agents`,
      help: 'Agents connected to this server process (said hello and authenticated).',
      registers,
      collect() {
        this.set(hub()?.connectedCount ?? 0);
      },
    });
    new Gauge({
      name: `${p}agents_behind`,
      help: 'Agents connected to this process that have not acknowledged the newest snapshot or settings issued for them.',
      registers,
      collect() {
        const figures = hub();
        let behind = 0;
        if (figures !== undefined) {
          for (const c of options.state.computers()) {
            if (!figures.isConnected(c.id)) continue;
            if (c.ackedSnapshotVersion < c.snapshotVersion || c.ackedSettingsVersion < c.settingsVersion) behind++;
          }
        }
        this.set(behind);
      },
    });
    new Gauge({
      name: `${p}world_revision`,
      help: 'Revision of the world this process holds (one more per committed change of the world).',
      registers,
      collect() {
        this.set(options.state.storeRevision);
      },
    });
    new Counter({
      name: `${p}store_errors_total`,
      help: 'Store calls that failed for storage reasons (disk full, read-only, database unreachable).',
      registers,
      collect() {
        this.reset();
        this.inc(options.state.storeErrorCount);
      },
    });
    this.pushes = new Counter({
      name: `${p}pushes_total`,
      help: 'Snapshots, deltas and settings messages sent to agents (at hello or pushed after a change), by kind.',
      labelNames: ['kind'],
      registers,
    });
    for (const kind of ['snapshot', 'delta', 'settings'] as const) this.pushes.inc({ kind }, 0);
    this.ackLatency = new Histogram({
      name: `${p}ack_latency_seconds`,
      help: 'Time from sending a snapshot (or delta) or settings to an agent to its acknowledgement of applying it.',
      labelNames: ['kind'],
      buckets: [...ACK_LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.adminRequests = new Counter({
      name: `${p}admin_requests_total`,
      help: 'Requests to the admin API by method, route pattern (unmatched for no route) and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: p });
  }

  pushed(kind: PushKind): void {
    this.pushes.inc({ kind });
  }

  acknowledged(kind: 'snapshot' | 'settings', seconds: number): void {
    this.ackLatency.observe({ kind }, seconds);
  }

  /** Counts an admin request; `route` is the matched route's pattern (never the raw URL) or undefined. */
  adminRequest(method: string, route: string | undefined, status: number): void {
    this.adminRequests.inc({
      method: KNOWN_METHODS.has(method) ? method : 'other',
      route: route ?? UNMATCHED_ROUTE,
      status,
    });
  }

  /** The Prometheus text exposition, rendered again only once METRICS_RENDER_REUSE_MS passed since the last. */
  text(): Promise<string> {
    return this.exposition.get();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Methods kept as labels; any other is counted as `other`, so a client cannot grow the label set. */
const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
