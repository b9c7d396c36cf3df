// The listener's bounds against raw TCP peers, on a real admin API and sync
// hub listening on port 0: connections that send nothing, or refused
// WebSocket upgrades, are closed by the server; past `maxConnections` a
// connection is closed at once; the server keeps answering throughout.
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HTTP_TIMEOUTS } from '../../src/server/admin-api.js';
import { DEFAULT_MAX_CONNECTIONS } from '../../src/server/config.js';
import { openTempState, startAdminServer, type TempState } from './admin-harness.js';

let temp: TempState;
let server: Awaited<ReturnType<typeof startAdminServer>>;
const sockets: Socket[] = [];

beforeEach(async () => {
  temp = await openTempState();
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server.close();
  await temp.close();
});

function port(): number {
  return Number(new URL(server.url).port);
}

/** A raw connection; resolves `closed` with what it read once the server closes it. */
function raw(): { socket: Socket; closed: Promise<string> } {
  // Half-open allowed: when the server ends its side, this peer keeps its own open, as a hostile one would.
  const socket = connect({ port: port(), host: '127.0.0.1', allowHalfOpen: true });
  sockets.push(socket);
  let read = '';
  socket.on('data', (chunk: Buffer) => (read += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  // The peer keeps its side open once the server ends its own, and goes on writing: only a server that let the
  // socket go (its writes then answered with a reset) closes it.
  socket.on('end', () => {
    const poke = setInterval(() => {
      if (socket.destroyed) clearInterval(poke);
      else socket.write('x');
    }, 20);
    socket.once('close', () => clearInterval(poke));
  });
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(read)));
  return { socket, closed };
}

async function healthy(): Promise<number> {
  return (await fetch(`${server.url}/healthz`)).status;
}

describe('the listener', () => {
  it('listens with the documented timeouts and connection bound by default', async () => {
    server = await startAdminServer(temp.state, 'token');
    const listener = server.app.server;
    expect({
      headers: listener.headersTimeout,
      request: listener.requestTimeout,
      keepAlive: listener.keepAliveTimeout,
      maxConnections: listener.maxConnections,
    }).toEqual({ headers: 10_000, request: 120_000, keepAlive: 10_000, maxConnections: DEFAULT_MAX_CONNECTIONS });
    expect(HTTP_TIMEOUTS.headersMs).toBe(listener.headersTimeout);
  });

  it('closes a connection that sends nothing, or half a request, once its headers are late', async () => {
    server = await startAdminServer(temp.state, 'token', false, {
      httpTimeouts: { headersMs: 300, requestMs: 600, checkIntervalMs: 50 },
    });
    const silent = raw();
    const partial = raw();
    partial.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    await Promise.all([silent.closed, partial.closed]);
    expect(await healthy()).toBe(200);
  });

  it('closes a refused WebSocket upgrade after its answer, though the peer keeps its side open', async () => {
    server = await startAdminServer(temp.state, 'token');
    const upgrade = raw();
    upgrade.socket.write(
      'GET /not-agent HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(await upgrade.closed).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    const malformed = raw();
    malformed.socket.write(
      'GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await malformed.closed;
    expect(await healthy()).toBe(200);
  });

  it('answers a request its parser refuses in the API error shape, then closes it', async () => {
    server = await startAdminServer(temp.state, 'token');
    for (const head of [
      'PUT /api/world HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}',
      'PUT /api/world HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    ]) {
      const bad = raw();
      bad.socket.write(head);
      const answer = await bad.closed;
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
        error: { code: string; message: string };
      };
      expect(body.error.code).toBe('bad-request');
      expect(body.error.message).toMatch(/^the request/);
    }
    expect(await healthy()).toBe(200);
  });

  it('closes connections past maxConnections at once, and takes new ones when others leave', async () => {
    server = await startAdminServer(temp.state, 'token', false, { maxConnections: 2 });
    const held = [raw(), raw()];
    await Promise.all(held.map(({ socket }) => new Promise((resolve) => socket.once('connect', resolve))));
    // Wait until the server has accepted both, then a third is closed unanswered.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const third = raw();
    expect(await third.closed).toBe('');
    for (const { socket } of held) socket.destroy();
    await Promise.all(held.map(({ closed }) => closed));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await healthy()).toBe(200);
  });
});
