// The sync hub's bounds, against a real SyncHub and ServerState (SQLite in a
// temp folder) behind a real HTTP server on port 0, and raw WebSocket agents:
// an agent that never reads cannot make the server buffer every push, and
// connections that never say hello cannot pile up.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect as netConnect, type NetConnectOpts, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { ChangeQueue } from '../../src/server/change-queue.js';
import { ServerState } from '../../src/server/state.js';
import {
  AGENT_PATH,
  CLOSE_CODES,
  CLOSE_GRACE_MS,
  SyncHub,
  type SyncHubOptions,
  WARNINGS_LOGGED_PER_SECOND,
} from '../../src/server/sync-hub.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { decodeServerMessage, encodeAgentMessage } from '../../src/wire/sync-messages.js';
import { paddedWorld } from '../support/padded-world.js';

/** A world whose one snapshot is large (about 200 KiB): a few pushes fill any buffer. */
const WORLD = paddedWorld(200, 1000);

interface Logged {
  level: string;
  msg: string;
  obj: Record<string, unknown>;
}

let dir: string;
let state: ServerState;
let hub: SyncHub;
let http: Server;
let url: string;
let logs: Logged[];
const tokens = new Map<string, string>();
const clients: WebSocket[] = [];

async function startServer(options: Partial<SyncHubOptions>, maxQueuedChanges?: number): Promise<void> {
  state = await ServerState.open({
    dataDir: dir,
    clock: () => 5_000,
    ...(maxQueuedChanges === undefined ? {} : { maxQueuedChanges }),
  });
  await state.importWorld(WORLD);
  for (const id of ['till-1', 'till-2']) tokens.set(id, (await state.enroll(id)).token);
  const log = (level: string) => (obj: object, msg: string) =>
    void logs.push({ level, msg, obj: obj as Record<string, unknown> });
  hub = new SyncHub({
    state,
    logger: { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') },
    clock: () => 5_000,
    pingIntervalMs: 60_000,
    pongTimeoutMs: 60_000,
    helloTimeoutMs: 60_000,
    maxMessageBytes: 1 << 20,
    ...options,
  });
  http = createServer();
  hub.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(http.address() as { port: number }).port}${AGENT_PATH}`;
}

function hello(ws: WebSocket, computerId: string): void {
  ws.send(
    encodeAgentMessage({
      kind: 'hello',
      computerId,
      token: tokens.get(computerId)!,
      agentVersion: '10.6.2',
      os: 'linux',
      snapshotVersion: 0,
      settingsVersion: 0,
    }),
  );
}

/** Opens a WebSocket to the hub, keeping hold of its TCP socket. */
function open(): { ws: WebSocket; socket: () => Socket } {
  let socket: Socket | null = null;
  const createConnection = ((options: NetConnectOpts) => (socket = netConnect(options))) as typeof netConnect;
  const ws = new WebSocket(url, { createConnection });
  ws.on('error', () => undefined); // a refused or terminated connection: the tests look at its events
  clients.push(ws);
  return { ws, socket: () => socket! };
}

function nextMessage(ws: WebSocket): Promise<ReturnType<typeof decodeServerMessage>> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(decodeServerMessage(rawDataBytes(data)))));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-hub-bounds-'));
  logs = [];
  tokens.clear();
});

afterEach(async () => {
  for (const ws of clients.splice(0)) ws.terminate();
  await hub.close();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await state.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the send buffer of a connection', () => {
  it('closes the connection of an agent that does not read (4429) instead of buffering every push', async () => {
    const maxBufferedBytes = 1024 * 1024;
    await startServer({ maxBufferedBytes });
    const { ws, socket } = open();
    await new Promise((resolve) => ws.once('open', resolve));
    const first = nextMessage(ws);
    hello(ws, 'till-1');
    expect((await first).kind).toBe('snapshot');
    const snapshotBytes = state.snapshotFor('till-1').bytes.length;
    expect(snapshotBytes).toBeGreaterThan(200_000);

    // The agent stops reading; the server goes on pushing, far past what any socket buffer holds.
    socket().pause();
    // Each push made after the one before was sent sends the version again (a push finds what was sent since
    // it was made and sends nothing twice).
    const pushes = 400; // about 80 MiB
    for (let i = 0; i < pushes; i++) {
      hub.push({ snapshots: ['till-1'], settings: [] });
      await hub.pushed();
    }
    const closing = logs.filter((l) => l.msg === 'agent does not read what it is sent: closing its connection');
    expect(closing).toHaveLength(1);
    expect(closing[0]?.obj).toMatchObject({ computerId: 'till-1', maxBufferedBytes });
    expect(closing[0]?.obj['bufferedBytes'] as number).toBeLessThanOrEqual(maxBufferedBytes);

    // Reading again, the agent gets what was buffered, then the close: far fewer than every push.
    let received = 0;
    ws.on('message', () => received++);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    socket().resume();
    expect(await closed).toBe(CLOSE_CODES.sendBufferFull);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(pushes / 4);
  });

  it("closes agents that do not read once every agent's buffers together are full, and counts what leaves", async () => {
    // Each connection may hold a lot; all of them together, about three snapshots.
    const maxTotalBufferedBytes = 600_000;
    await startServer({ maxBufferedBytes: 64 * 1024 * 1024, maxTotalBufferedBytes });
    const snapshotBytes = state.snapshotFor('till-1').bytes.length;
    expect(snapshotBytes).toBeGreaterThan(200_000);
    const agents = [];
    for (const id of ['till-1', 'till-2']) {
      const agent = open();
      await new Promise((resolve) => agent.ws.once('open', resolve));
      const first = nextMessage(agent.ws);
      hello(agent.ws, id);
      expect((await first).kind).toBe('snapshot');
      agent.socket().pause();
      agents.push(agent);
    }
    for (let i = 0; i < 200; i++) {
      hub.push({ snapshots: ['till-1', 'till-2'], settings: [] });
      await hub.pushed();
    }
    const closing = logs.filter((l) => l.msg.startsWith('agents do not read what they are sent'));
    expect(closing.length).toBeGreaterThan(0);
    // At most the bound, and past it one message for a connection that had read all it was sent.
    expect(hub.unsentByteCount).toBeLessThanOrEqual(maxTotalBufferedBytes + 2 * (snapshotBytes + 1024));
    // Gone, they hold nothing: what they were owed is counted out.
    for (const agent of agents) agent.ws.terminate();
    await vi.waitFor(() => expect(hub.unsentByteCount).toBe(0));
  });

  it('lets an agent that reads take every push', async () => {
    await startServer({ maxBufferedBytes: 1024 * 1024 });
    const { ws } = open();
    await new Promise((resolve) => ws.once('open', resolve));
    const first = nextMessage(ws);
    hello(ws, 'till-1');
    await first;
    for (let i = 0; i < 20; i++) {
      const pushed = nextMessage(ws);
      hub.push({ snapshots: ['till-1'], settings: [] });
      expect((await pushed).kind).toBe('snapshot');
    }
    expect(logs.some((l) => l.msg.startsWith('agent does not read'))).toBe(false);
  });
});

describe('connections waiting for their hello', () => {
  /** Opens a connection; resolves with the HTTP status of a refused upgrade, or 101 once open. */
  function attempt(): Promise<{ ws: WebSocket; status: number }> {
    const { ws } = open();
    return new Promise((resolve) => {
      ws.once('open', () => resolve({ ws, status: 101 }));
      ws.once('unexpected-response', (_request, response) => resolve({ ws, status: response.statusCode ?? 0 }));
    });
  }

  it('refuses upgrades past maxPendingHellos with 503, and takes them again once one says hello or leaves', async () => {
    await startServer({ maxPendingHellos: 2 });
    const a = await attempt();
    const b = await attempt();
    expect([a.status, b.status]).toEqual([101, 101]);
    expect(hub.pendingHelloCount).toBe(2);
    expect((await attempt()).status).toBe(503);
    expect(logs.some((l) => l.msg.startsWith('agent connection refused: too many connections waiting'))).toBe(true);

    // One says hello: it no longer waits, and there is room for another.
    const snapshot = nextMessage(a.ws);
    hello(a.ws, 'till-1');
    expect((await snapshot).kind).toBe('snapshot');
    expect(hub.pendingHelloCount).toBe(1);
    const c = await attempt();
    expect(c.status).toBe(101);
    expect((await attempt()).status).toBe(503);

    // One that leaves without a hello makes room too.
    b.ws.close();
    await vi.waitFor(() => expect(hub.pendingHelloCount).toBe(1));
    expect((await attempt()).status).toBe(101);
    expect(hub.connectedCount).toBe(1);
  });
});

describe('connections the server closes', () => {
  it('are cut when they do not answer the close handshake, so that silent ones free their hello slots', async () => {
    await startServer({ maxPendingHellos: 2, helloTimeoutMs: 200 });
    const silent = [open(), open()];
    for (const { ws } of silent) await new Promise((resolve) => ws.once('open', resolve));
    // They neither say hello nor read: the refusal and the close frame reach no one.
    for (const { socket } of silent) socket().pause();
    expect(hub.pendingHelloCount).toBe(2);
    await vi.waitFor(() => expect(hub.pendingHelloCount).toBe(0), { timeout: 200 + CLOSE_GRACE_MS + 3000 });
    const again = open();
    await new Promise((resolve) => again.ws.once('open', resolve));
    expect(hub.pendingHelloCount).toBe(1);
  });
});

describe('a connected agent whose token no longer works', () => {
  /** Resolves with the refusal and the close code a connection gets. */
  function refusal(ws: WebSocket): Promise<{ code: string; message: string; close: number }> {
    return new Promise((resolve) => {
      let refused = { code: '', message: '' };
      ws.on('message', (data) => {
        const message = decodeServerMessage(rawDataBytes(data));
        if (message.kind === 'refusal') refused = { code: message.code, message: message.message };
      });
      ws.once('close', (close) => resolve({ ...refused, close }));
    });
  }

  async function connected(computerId: string): Promise<WebSocket> {
    const { ws } = open();
    await new Promise((resolve) => ws.once('open', resolve));
    const first = nextMessage(ws);
    hello(ws, computerId);
    expect((await first).kind).toBe('snapshot');
    return ws;
  }

  it('is refused as busy (1013), not as a bad message, when its hello needs a change and none can queue', async () => {
    await startServer({}, 1);
    // A change under way and the one allowed to wait: the versions a hello reports above those issued cannot be.
    let release = (): void => undefined;
    const queue = (state as unknown as { queue: ChangeQueue }).queue;
    const running = queue.run(() => new Promise<void>((resolve) => (release = resolve)));
    const waiting = queue.run(() => Promise.resolve());
    const { ws } = open();
    await new Promise((resolve) => ws.once('open', resolve));
    const refused = refusal(ws);
    ws.send(
      encodeAgentMessage({
        kind: 'hello',
        computerId: 'till-1',
        token: tokens.get('till-1')!,
        agentVersion: '10.6.2',
        os: 'linux',
        snapshotVersion: 50,
        settingsVersion: 0,
      }),
    );
    const answer = await refused;
    expect(answer).toMatchObject({ code: 'busy', close: 1013 });
    expect(answer.message).toMatch(/^the server is making 2 other changes/);
    release();
    await Promise.all([running, waiting]);
    // Once the queue drains the same hello is served, above what the agent holds.
    const again = await connected('till-1');
    expect(again.readyState).toBe(WebSocket.OPEN);
  });

  it('logs refusals one by one up to a bound a second and counts the rest: a flood cannot fill the log', async () => {
    await startServer({});
    const attempts = WARNINGS_LOGGED_PER_SECOND + 40;
    // Every connection open first, then every hello at once: the refusals come in one burst.
    const sockets = await Promise.all(
      Array.from({ length: attempts }, async () => {
        const { ws } = open();
        await new Promise((resolve) => ws.once('open', resolve));
        return ws;
      }),
    );
    const closed: Promise<unknown>[] = [];
    for (const ws of sockets) {
      closed.push(refusal(ws));
      ws.send(
        encodeAgentMessage({
          kind: 'hello',
          computerId: 'till-1',
          token: 'wrong',
          agentVersion: '10.6.2',
          os: 'linux',
          snapshotVersion: 0,
          settingsVersion: 0,
        }),
      );
    }
    await Promise.all(closed);
    const lines = logs.filter((l) => l.msg === 'agent refused');
    expect(lines.length).toBeLessThan(attempts);
    await vi.waitFor(
      () => {
        const counted = logs
          .filter((l) => l.msg === 'agent refused (more, not logged one by one)')
          .reduce((sum, l) => sum + (l.obj['count'] as number), 0);
        expect(counted + lines.length).toBe(attempts);
      },
      { timeout: 3000 },
    );
  });

  it('logs what one agent says it refused at the same bound: a flood of failing acks cannot fill the log', async () => {
    await startServer({});
    const ws = await connected('till-1');
    const acks = WARNINGS_LOGGED_PER_SECOND + 60;
    for (let i = 0; i < acks; i++) {
      ws.send(
        encodeAgentMessage({
          kind: 'ack',
          snapshotVersion: 0,
          settingsVersion: 0,
          error: `refused ${i} ${'x'.repeat(2_000)}`,
          errorCode: 'bad-signature',
        }),
      );
    }
    await vi.waitFor(
      () => {
        const lines = logs.filter((l) => l.msg === 'agent refused what it was sent').length;
        const counted = logs
          .filter((l) => l.msg === 'agent refused what it was sent (more, not logged one by one)')
          .reduce((sum, l) => sum + (l.obj['count'] as number), 0);
        expect(lines).toBeLessThanOrEqual(2 * WARNINGS_LOGGED_PER_SECOND);
        expect(lines + counted).toBe(acks);
      },
      { timeout: 5000 },
    );
    ws.close();
  });

  it('is refused and closed once its computer is enrolled again; the other agents stay', async () => {
    await startServer({});
    const old = await connected('till-1');
    const other = await connected('till-2');
    const refused = refusal(old);
    await state.enroll('till-1');
    hub.revokeStale();
    expect(await refused).toMatchObject({ code: 'unauthorized', close: CLOSE_CODES.unauthorized });
    expect((await refused).message).toContain('computer till-1 was removed or enrolled again');
    expect(other.readyState).toBe(WebSocket.OPEN);
    expect(hub.isConnected('till-2')).toBe(true);
  });

  it('is refused and closed at the next heartbeat round when another process enrolled it (caught up here)', async () => {
    await startServer({ pingIntervalMs: 50 });
    const old = await connected('till-1');
    const refused = refusal(old);
    // What catching up with another process's enrollment does to this state: the stored hash changes.
    await state.enroll('till-1');
    expect(await refused).toMatchObject({ code: 'unauthorized', close: CLOSE_CODES.unauthorized });
  });

  it('is refused and closed when a change removes its computer', async () => {
    await startServer({});
    const old = await connected('till-2');
    const refused = refusal(old);
    const changes = await state.applyWorld((world) => ({
      ...world,
      computers: world.computers.filter((c) => c.id !== 'till-2'),
    }));
    hub.push(changes);
    expect(await refused).toMatchObject({ code: 'unauthorized', close: CLOSE_CODES.unauthorized });
  });
});

describe('the heartbeat', () => {
  async function helloed(computerId: string, options: { autoPong?: boolean } = {}): Promise<WebSocket> {
    const ws = new WebSocket(url, { autoPong: options.autoPong ?? true });
    ws.on('error', () => undefined);
    clients.push(ws);
    await new Promise((resolve) => ws.once('open', resolve));
    const first = nextMessage(ws);
    hello(ws, computerId);
    expect((await first).kind).toBe('snapshot');
    return ws;
  }

  const dropped = () => logs.filter((l) => l.msg === 'agent missed its pong: dropping it').map((l) => l.obj);

  it('keeps an agent whose pong came while the event loop was held past the deadline', async () => {
    await startServer({ pingIntervalMs: 30, pongTimeoutMs: 40 });
    const ws = await helloed('till-1');
    let pings = 0;
    // Its pong is written before this runs (ws answers first); the loop is then held past the deadline, so the
    // pong waits unread while the deadline passes.
    ws.on('ping', () => {
      pings++;
      const until = performance.now() + 150;
      while (performance.now() < until);
    });
    await vi.waitFor(() => expect(pings).toBeGreaterThanOrEqual(4), { timeout: 10_000, interval: 20 });
    expect(dropped()).toEqual([]);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(hub.isConnected('till-1')).toBe(true);
  });

  it('drops an agent that does not answer its pings', async () => {
    await startServer({ pingIntervalMs: 30, pongTimeoutMs: 40 });
    const ws = await helloed('till-2', { autoPong: false });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    expect(await closed).toBe(1006);
    expect(dropped()).toEqual([{ computerId: 'till-2' }]);
  });
});
