// A policy server on PostgreSQL is ready only while its database answers:
// the server reaches PostgreSQL through a TCP proxy in this test, which the
// test shuts (every connection cut, the port refusing) and opens again.
import { writeFileSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTollgate, workspace, type ProcessHandle, type Workspace } from '../support/daemon-process.js';
import { createTestSchema, TEST_PG_URL, type TestSchema } from '../support/postgres.js';

const START_TIMEOUT_MS = 60_000;

/** A TCP proxy to PostgreSQL that can be shut and opened again on the same port. */
class PgProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.port }, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops accepting and cuts every connection: to the server, the database is gone. */
  async shut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('/readyz of a server on PostgreSQL', () => {
  let ws: Workspace;
  let schema: TestSchema;
  let proxy: PgProxy;
  let server: ProcessHandle & { ready: Record<string, unknown> };
  let url: string;

  beforeAll(async () => {
    ws = await workspace();
    schema = await createTestSchema();
    const target = new URL(TEST_PG_URL);
    proxy = new PgProxy(target.hostname, Number(target.port === '' ? 5432 : target.port));
    await proxy.open();
    const proxied = new URL(TEST_PG_URL);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const config = join(ws.dir, 'server.json');
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: join(ws.dir, 'server-data'),
        listen: { port: 0 },
        store: {
          kind: 'postgres',
          url: proxied.toString(),
          schema: schema.schema,
          poolSize: 2,
          connectTimeoutMs: 2000,
        },
        readyTimeoutMs: 2000,
        metrics: { processMetrics: false },
      }),
    );
    server = await startTollgate(['server', '--config', config], 'listening');
    url = String(server.ready['url']);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
    await proxy?.shut();
    await schema?.drop();
    ws?.cleanup();
  }, START_TIMEOUT_MS);

  it('is ready while PostgreSQL answers, 503 naming the store while it is gone, ready again when it is back', async () => {
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: [
        { name: 'store', ok: true, detail: 'postgres answered' },
        { name: 'signingKey', ok: true },
      ],
    });

    await proxy.shut();
    const gone = await fetch(`${url}/readyz`);
    expect(gone.status).toBe(503);
    const body = (await gone.json()) as { status: string; failed: string[]; checks: { detail: string }[] };
    expect(body.status).toBe('not-ready');
    expect(body.failed).toEqual(['store']);
    expect(body.checks[0]?.detail).toMatch(/cannot be used|did not answer/);
    // Up, not ready: the process is fine, its database is not.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('tollgate_server_connected_agents 0');

    await proxy.open();
    const back = await fetch(`${url}/readyz`);
    expect(back.status).toBe(200);
  });
});
