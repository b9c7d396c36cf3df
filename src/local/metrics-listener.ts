/**
 * The daemon's loopback HTTP listener for Prometheus (docs/DAEMON.md,
 * "Metrics"): `GET /metrics`, `/healthz` and `/readyz`, nothing else. It is
 * bounded like the local sockets: few connections, short timeouts, no
 * request body read.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

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
}

/** A small node:http server; `close()` is idempotent. */
export class MetricsListener {
  private readonly options: MetricsListenerOptions;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | null = null;

  constructor(options: MetricsListenerOptions) {
    this.options = options;
    this.server = createServer(
      {
        maxHeaderSize: METRICS_LISTENER_LIMITS.maxHeaderBytes,
        headersTimeout: METRICS_LISTENER_LIMITS.headersTimeoutMs,
        requestTimeout: METRICS_LISTENER_LIMITS.headersTimeoutMs * 2,
        keepAliveTimeout: METRICS_LISTENER_LIMITS.keepAliveTimeoutMs,
      },
      (request, response) => this.answer(request, response),
    );
    this.server.maxConnections = METRICS_LISTENER_LIMITS.maxConnections;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
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
    this.options
      .metrics()
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
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string | object): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body) + '\n';
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
