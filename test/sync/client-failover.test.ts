// The sync client's failover between several server URLs, against two real
// WebSocket servers on port 0 (and a port nothing listens on), with the
// client's timers faked so that the delays are read exactly: a failed connect
// or a dropped connection moves on to the next URL at once, the backoff
// applies once every URL failed in turn, and the agent's status names the URL
// it is connected to.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { Agent } from '../../src/agent/agent.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { SERVER_WARNINGS_LOGGED_PER_SECOND, SyncClient } from '../../src/sync/client.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { generateSigningKeys, parsePublicKey } from '../../src/wire/signing.js';
import { decodeAgentMessage, encodeServerMessage, type AgentMessage } from '../../src/wire/sync-messages.js';
import { type LogLine, TestLogger } from '../support/test-logger.js';

const BACKOFF_INITIAL_MS = 100;
const BACKOFF_MAX_MS = 1_000;

type Behaviour = (socket: WebSocket, message: AgentMessage) => void;

/** One fake server: a real WebSocket server on port 0 whose answers a test sets. */
class FakeServer {
  readonly connections: WebSocket[] = [];
  behaviour: Behaviour = () => undefined;
  private readonly waiters: (() => void)[] = [];

  private constructor(
    readonly wss: WebSocketServer,
    readonly url: string,
  ) {
    wss.on('connection', (socket) => {
      this.connections.push(socket);
      socket.on('message', (data) => this.behaviour(socket, decodeAgentMessage(rawDataBytes(data))));
      for (const waiter of this.waiters.splice(0)) waiter();
    });
  }

  static async start(): Promise<FakeServer> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
    return new FakeServer(wss, `ws://127.0.0.1:${(wss.address() as { port: number }).port}/agent`);
  }

  /** Resolves once this server has accepted `count` connections in all. */
  connection(count: number): Promise<WebSocket> {
    return new Promise((resolve) => {
      const check = (): void => {
        const socket = this.connections[count - 1];
        if (socket !== undefined) resolve(socket);
        else this.waiters.push(check);
      };
      check();
    });
  }

  async stop(): Promise<void> {
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise((resolve) => this.wss.close(resolve));
  }
}

/** Answers hello with up-to-date and keeps the connection. */
const upToDate: Behaviour = (socket, message) => {
  if (message.kind === 'hello') {
    socket.send(encodeServerMessage({ kind: 'upToDate', snapshotVersion: 0, settingsVersion: 0 }));
  }
};

/** Closes each connection as soon as it says hello. */
const hangUp: Behaviour = (socket) => socket.close(1000, 'go away');

/** A ws:// URL on a port nothing listens on (taken from the system, then released). */
async function deadUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `ws://127.0.0.1:${port}/agent`;
}

let dir: string;
let store: AgentStore;
let agent: Agent;
let logger: TestLogger;
let client: SyncClient | null;
const servers: FakeServer[] = [];

function startClient(urls: string[], random: () => number = () => 0.5, clock?: () => number): SyncClient {
  client = new SyncClient({
    ...(clock === undefined ? {} : { clock }),
    urls,
    token: 'token',
    computerId: 'till-1',
    agent,
    fallbackAgentVersion: '10.6.2',
    fallbackOs: 'linux',
    pingIntervalMs: 60_000,
    pongTimeoutMs: 60_000,
    backoffInitialMs: BACKOFF_INITIAL_MS,
    backoffMaxMs: BACKOFF_MAX_MS,
    maxMessageBytes: 1 << 20,
    logger,
    random,
  });
  client.start();
  return client;
}

async function server(): Promise<FakeServer> {
  const started = await FakeServer.start();
  servers.push(started);
  return started;
}

/** Lets the client's reconnect timer run out, after the disconnect line that named its delay. */
function runDelay(line: LogLine): void {
  vi.advanceTimersByTime(Number(line.obj['retryInMs']));
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-client-failover-'));
  store = AgentStore.open(path.join(dir, 'agent.db'));
  agent = new Agent({
    store,
    publicKey: parsePublicKey(generateSigningKeys().publicKeyPem),
    computerId: 'till-1',
    noSnapshotAction: 'deny',
    clock: Date.now,
  });
  logger = new TestLogger();
  client = null;
});

afterEach(async () => {
  client?.close();
  vi.useRealTimers();
  for (const s of servers.splice(0)) await s.stop();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the last sync and down-since times of the sync client', () => {
  it('stamps the last sync when the server answers, and counts down from when a working connection ends', async () => {
    let nowMs = 1_000;
    const first = await server();
    first.behaviour = upToDate;
    const answered = logger.next('up to date');
    const sync = startClient(
      [first.url],
      () => 0.5,
      () => nowMs,
    );
    expect(sync.lastSyncAtMs).toBeNull();
    expect(sync.syncDownSinceMs).toBe(1_000);
    nowMs = 2_000;
    const socket = await first.connection(1);
    await answered;
    expect(sync.lastSyncAtMs).toBe(2_000);
    expect(sync.syncDownSinceMs).toBeNull();

    // The connection drops at 5 s; the reconnect is refused at hello: still down since 5 s.
    nowMs = 5_000;
    first.behaviour = hangUp;
    const dropped = logger.next('disconnected from the server');
    socket.terminate();
    const line = await dropped;
    expect(sync.syncDownSinceMs).toBe(5_000);
    nowMs = 6_000;
    const refusedAgain = logger.next('disconnected from the server');
    runDelay(line);
    await first.connection(2);
    await refusedAgain;
    expect(sync.syncDownSinceMs).toBe(5_000);
    expect(sync.lastSyncAtMs).toBe(2_000);
    sync.close();
    expect(sync.syncDownSinceMs).toBeNull();
  });
});

describe('the sync client with several server URLs', () => {
  it('moves on to the next URL at once when a connect fails, and reports the URL it is connected to', async () => {
    const dead = await deadUrl();
    const second = await server();
    second.behaviour = upToDate;
    const disconnected = logger.next('disconnected from the server');
    startClient([dead, second.url]);
    expect(client?.currentUrl).toBe(dead);
    const line = await disconnected;
    expect(line.obj).toMatchObject({ url: dead, nextUrl: second.url, retryInMs: 0 });
    const connected = logger.next('connected to the server');
    runDelay(line);
    await second.connection(1);
    expect((await connected).obj['url']).toBe(second.url);
    expect(client?.currentUrl).toBe(second.url);
    expect(client?.state).toBe('connected');
  });

  it('moves on to the next URL at once when the connection drops', async () => {
    const first = await server();
    const second = await server();
    first.behaviour = upToDate;
    second.behaviour = upToDate;
    const upToDateLine = logger.next('up to date');
    startClient([first.url, second.url]);
    const socket = await first.connection(1);
    await upToDateLine;
    expect(client?.currentUrl).toBe(first.url);

    const disconnected = logger.next('disconnected from the server');
    socket.terminate();
    const line = await disconnected;
    expect(line.obj).toMatchObject({ url: first.url, nextUrl: second.url, retryInMs: 0 });
    const connected = logger.next('connected to the server');
    runDelay(line);
    await second.connection(1);
    await connected;
    expect(client?.currentUrl).toBe(second.url);
    expect(first.connections).toHaveLength(1);
  });

  it('backs off only once every URL failed in turn, the backoff growing per round', async () => {
    const first = await server();
    const second = await server();
    first.behaviour = hangUp;
    second.behaviour = hangUp;
    startClient([first.url, second.url], () => 0.5);
    const seen: { url: unknown; retryInMs: unknown }[] = [];
    let disconnected = logger.next('disconnected from the server');
    for (let i = 0; i < 6; i++) {
      const line = await disconnected;
      seen.push({ url: line.obj['url'], retryInMs: line.obj['retryInMs'] });
      disconnected = logger.next('disconnected from the server');
      runDelay(line);
    }
    expect(seen).toEqual([
      { url: first.url, retryInMs: 0 },
      { url: second.url, retryInMs: 0.5 * BACKOFF_INITIAL_MS },
      { url: first.url, retryInMs: 0 },
      { url: second.url, retryInMs: 0.5 * 2 * BACKOFF_INITIAL_MS },
      { url: first.url, retryInMs: 0 },
      { url: second.url, retryInMs: 0.5 * 4 * BACKOFF_INITIAL_MS },
    ]);
    expect(first.connections.length).toBeGreaterThanOrEqual(3);
    expect(second.connections.length).toBe(3);
  });

  it('starts a new round after a connection that was of use for a while', async () => {
    let now = 0;
    const first = await server();
    const second = await server();
    first.behaviour = hangUp;
    second.behaviour = hangUp;
    startClient(
      [first.url, second.url],
      () => 0.5,
      () => now,
    );
    // Two whole rounds fail: the backoff's first and second steps.
    let line = await logger.next('disconnected from the server');
    for (const step of [1, 2]) {
      const next = logger.next('disconnected from the server');
      runDelay(line);
      line = await next;
      expect(line.obj['retryInMs']).toBe(0.5 * BACKOFF_INITIAL_MS * step);
      if (step === 1) {
        const again = logger.next('disconnected from the server');
        runDelay(line);
        line = await again;
      }
    }
    // The first server now answers, and the connection holds for a hello's wait before it drops.
    first.behaviour = upToDate;
    const answered = logger.next('up to date');
    runDelay(line);
    const socket = await first.connection(3);
    await answered;
    now += 120_000;
    let next = logger.next('disconnected from the server');
    socket.close(1000, 'bye');
    line = await next;
    // The second is tried at once, and when it fails too the round's backoff starts from its first step again.
    expect(line.obj).toMatchObject({ url: first.url, nextUrl: second.url, retryInMs: 0 });
    next = logger.next('disconnected from the server');
    runDelay(line);
    line = await next;
    expect(line.obj).toMatchObject({ url: second.url, retryInMs: 0.5 * BACKOFF_INITIAL_MS });
  });

  it('keeps backing off from a server that answers the hello and drops the connection at once', async () => {
    const only = await server();
    only.behaviour = (socket, message) => {
      upToDate(socket, message);
      if (message.kind === 'hello') socket.close(1000, 'bye');
    };
    startClient(
      [only.url],
      () => 0.5,
      () => 0,
    );
    const delays: number[] = [];
    let line = await logger.next('disconnected from the server');
    for (let i = 0; i < 3; i++) {
      delays.push(Number(line.obj['retryInMs']));
      const next = logger.next('disconnected from the server');
      runDelay(line);
      line = await next;
    }
    expect(logger.lines.filter((l) => l.msg === 'up to date').length).toBeGreaterThanOrEqual(3);
    // Answered every time, yet the delay grows as after failures: 1, 2, 4 steps.
    expect(delays).toEqual([0.5 * BACKOFF_INITIAL_MS, BACKOFF_INITIAL_MS, 2 * BACKOFF_INITIAL_MS]);
  });
});

describe('what a server (or whoever stands in its place) cannot make the agent do', () => {
  it('closes a connection whose hello was refused when the server keeps it open', async () => {
    const only = await server();
    only.behaviour = (socket, message) => {
      if (message.kind === 'hello')
        socket.send(encodeServerMessage({ kind: 'refusal', code: 'unauthorized', message: 'no' }));
    };
    startClient([only.url]);
    const line = await logger.next('disconnected from the server');
    expect(line.obj['retryInMs']).toBe(BACKOFF_MAX_MS);
    expect(client?.state).toBe('disconnected');
  });

  it('takes no up-to-date naming versions newer than those held as a sync', async () => {
    const only = await server();
    only.behaviour = (socket, message) => {
      if (message.kind === 'hello') {
        socket.send(encodeServerMessage({ kind: 'upToDate', snapshotVersion: 4294967295, settingsVersion: 7 }));
      }
    };
    const ignored = logger.next('the server says this agent is up to date with versions it does not hold: ignored');
    startClient([only.url]);
    expect((await ignored).obj).toMatchObject({ snapshotVersion: 4294967295, heldSnapshotVersion: null });
    expect(client?.lastSyncAtMs).toBeNull();
    expect(client?.syncDownSinceMs).not.toBeNull();
  });

  it('logs messages it refuses one by one up to a bound a second, and counts the rest', async () => {
    const only = await server();
    const refusals = SERVER_WARNINGS_LOGGED_PER_SECOND + 30;
    let acked = 0;
    let allAcked = (): void => undefined;
    const acks = new Promise<void>((resolve) => (allAcked = resolve));
    only.behaviour = (socket, message) => {
      if (message.kind === 'ack' && ++acked === refusals) allAcked();
      if (message.kind !== 'hello') return;
      for (let i = 0; i < refusals; i++)
        socket.send(encodeServerMessage({ kind: 'snapshot', signed: new Uint8Array(0) }));
      // Another kind of warning after the flood is still logged: each message has its own bound.
      socket.send(encodeServerMessage({ kind: 'refusal', code: 'unauthorized', message: 'token revoked' }));
    };
    const refused = logger.next('the server refused this agent');
    startClient([only.url]);
    // Each is refused and acknowledged as such; the lines past the bound are counted, and the count logged later.
    await acks;
    const counted = logger.next('snapshot from the server refused (more, not logged one by one)');
    vi.advanceTimersByTime(1_000);
    const lines = logger.lines.filter((l) => l.msg === 'snapshot from the server refused').length;
    // Within one second, or across the turn of one.
    expect(lines).toBeLessThanOrEqual(2 * SERVER_WARNINGS_LOGGED_PER_SECOND);
    expect(lines + Number((await counted).obj['count'])).toBe(refusals);
    expect((await refused).obj).toMatchObject({ code: 'unauthorized', reason: 'token revoked' });
  });
});
