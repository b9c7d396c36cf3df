/**
 * The daemon's loopback HTTP listener for Prometheus (docs/DAEMON.md,
 * "Metrics"): `GET /metrics`, `/healthz` and `/readyz`, nothing else. It is
 * bounded like the local sockets: few connections (the longest silent one
 * gives way to a newcomer), short timeouts, no request body read, one
 * request per connection (a client that pipelines a second one is closed
 * at once), and the exposition rendered at most once a
 * second whoever asks (later scrapes within the second get the same text).
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ReusedRender } from '../wire/reused-render.js';

/** The listener's bounds. */
export const METRICS_LISTENER_LIMITS = Object.freeze({
  /** Connections at once; more are closed at accept. */
  maxConnections: 16,
  /** A request's headers must arrive within this time, and the whole request within twice it. */
  headersTimeoutMs: 5_000,
  /** An idle keep-alive connection is closed after this time. */
  keepAliveTimeoutMs: 5_000,
  /** Largest request head accepted (bytes). */
  maxHeaderBytes: 8 * 1024,
  /** How often the time limits above are checked (Node.js checks them every 30 s by default). */
  timeoutCheckMs: 1_000,
  /** A rendered exposition is served again, not rendered again, for this long. */
  renderReuseMs: 1_000,
});

export interface MetricsListenerOptions {
  /** A loopback address (the config refuses others). */
  host: string;
  /** 0: any free port. */
  port: number;
  /** The exposition text and its content type. */
  metrics: () => Promise<{ contentType: string; text: string }>;
  /** Ready when it answers null; otherwise why not. */
  notReady: () => string | null;
  /** Told when answering a scrape failed (logged by the daemon). */
  onError?: (error: Error) => void;
  /** The clock of the render reuse (default performance.now). */
  nowMs?: () => number;
}

/** A connection of the listener: when it opened, and whether a request came on it. */
interface Held {
  openedAtMs: number;
  requested: boolean;
}

/** A small node:http server; `close()` is idempotent. */
export class MetricsListener {
  private readonly options: MetricsListenerOptions;
  private readonly server: Server;
  private readonly sockets = new Map<Socket, Held>();
  private readonly nowMs: () => number;
  /** The exposition, rendered again only when the last rendering was asked for renderReuseMs ago or more. */
  private readonly exposition: ReusedRender<{ contentType: string; text: string }>;
  private closing: Promise<void> | null = null;

  constructor(options: MetricsListenerOptions) {
    this.options = options;
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.exposition = new ReusedRender(METRICS_LISTENER_LIMITS.renderReuseMs, options.metrics, this.nowMs);
    this.server = createServer(
      {
        maxHeaderSize: METRICS_LISTENER_LIMITS.maxHeaderBytes,
        headersTimeout: METRICS_LISTENER_LIMITS.headersTimeoutMs,
        requestTimeout: METRICS_LISTENER_LIMITS.headersTimeoutMs * 2,
        keepAliveTimeout: METRICS_LISTENER_LIMITS.keepAliveTimeoutMs,
        connectionsCheckingInterval: METRICS_LISTENER_LIMITS.timeoutCheckMs,
      },
      (request, response) => this.answer(request, response),
    );
    this.server.on('connection', (socket: Socket) => this.admit(socket));
  }

  /**
   * Takes a new connection within maxConnections: past it, the connection
   * open longest without a request gives way; when every one has a request
   * under way, the newcomer is closed.
   */
  private admit(socket: Socket): void {
    if (this.sockets.size >= METRICS_LISTENER_LIMITS.maxConnections) {
      let silent: Socket | null = null;
      let oldest = Number.POSITIVE_INFINITY;
      for (const [held, state] of this.sockets) {
        if (!state.requested && state.openedAtMs < oldest) {
          silent = held;
          oldest = state.openedAtMs;
        }
      }
      if (silent === null) {
        socket.destroy();
        return;
      }
      this.sockets.delete(silent);
      silent.destroy();
    }
    this.sockets.set(socket, { openedAtMs: this.nowMs(), requested: false });
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** Listens; resolves to the bound address as host:port (IPv6 in brackets). */
  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      const failed = (error: Error): void => reject(error);
      this.server.once('error', failed);
      this.server.listen({ host: this.options.host, port: this.options.port }, () => {
        this.server.off('error', failed);
        resolve(this.address as string);
      });
    });
  }

  /** The bound address (host:port), or null when not listening. */
  get address(): string | null {
    const bound: AddressInfo | string | null = this.server.address();
    if (bound === null || typeof bound === 'string') return bound;
    return bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    const held = this.sockets.get(request.socket);
    if (held === undefined) {
      request.socket.destroy();
      return;
    }
    // One request a connection: a client that pipelines another behind it is closed at once, the first
    // unanswered if its answer is not out yet (Node.js's parser would read on whatever the socket says).
    if (held.requested) {
      request.socket.destroy();
      return;
    }
    held.requested = true;
    response.shouldKeepAlive = false;
    // No route reads a body: whatever is sent is discarded, not buffered.
    request.resume();
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const known = path === '/metrics' || path === '/healthz' || path === '/readyz';
    if (!known) return send(response, 404, 'application/json', { error: { code: 'not-found', message: path } });
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send(response, 405, 'application/json', {
        error: { code: 'method-not-allowed', message: `${path} answers GET` },
      });
    }
    if (path === '/healthz') return send(response, 200, 'application/json', { status: 'ok' });
    if (path === '/readyz') {
      const reason = this.options.notReady();
      return reason === null
        ? send(response, 200, 'application/json', { status: 'ready' })
        : send(response, 503, 'application/json', { status: 'not-ready', reason });
    }
    this.exposition
      .get()
      .then(({ contentType, text }) => send(response, 200, contentType, text))
      .catch((error: unknown) => {
        this.options.onError?.(error as Error);
        send(response, 500, 'application/json', { error: { code: 'internal', message: 'metrics unavailable' } });
      });
  }

  /** Stops listening and closes every connection; safe to call twice. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      for (const socket of this.sockets.keys()) socket.destroy();
    });
    return this.closing;
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string | object): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body) + '\n';
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
