// The sync client's timing against a real WebSocket server on port 0, with
// the client's timers faked (vitest) so that time is driven exactly: a
// missed pong drops the connection and reconnects; the reconnect delay grows
// exponentially with full jitter within its bounds and starts over after a
// good session; a refusal of the agent's credentials waits the longest delay.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { Agent } from '../../src/agent/agent.js';
import { buildView } from '../../src/engine/view.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { SyncClient, UNAUTHORIZED_CLOSE_CODE, backoffDelayMs, type SyncAgentPort } from '../../src/sync/client.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';
import { decodeAgentMessage, encodeServerMessage, type AgentMessage } from '../../src/wire/sync-messages.js';
import { contractWorld } from '../support/contract-world.js';
import { type LogLine, TestLogger } from '../support/test-logger.js';

const PING_INTERVAL_MS = 1_000;
const PONG_TIMEOUT_MS = 500;
const BACKOFF_INITIAL_MS = 100;
const BACKOFF_MAX_MS = 1_000;

type Behaviour = (socket: WebSocket, message: AgentMessage) => void;

let dir: string;
let store: AgentStore;
let agent: Agent;
let logger: TestLogger;
let wss: WebSocketServer;
let url: string;
let client: SyncClient | null;
let behaviour: Behaviour;
let connections: WebSocket[];
let connectionWaiters: (() => void)[];

/** Resolves once the server has accepted `count` connections in all. */
function connection(count: number): Promise<WebSocket> {
  return new Promise((resolve) => {
    const check = (): void => {
      const socket = connections[count - 1];
      if (socket !== undefined) resolve(socket);
      else connectionWaiters.push(check);
    };
    check();
  });
}

async function listen(options: { autoPong: boolean }): Promise<void> {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: options.autoPong });
  await new Promise((resolve) => wss.once('listening', resolve));
  url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/agent`;
  wss.on('connection', (socket) => {
    connections.push(socket);
    socket.on('message', (data) => behaviour(socket, decodeAgentMessage(rawDataBytes(data))));
    for (const waiter of connectionWaiters.splice(0)) waiter();
  });
}

/** The client's clock: a connection of use counts as a good session once it held for a hello's wait. */
let now = 0;
/** How long a connection of use must hold to start the backoff afresh (the client's hello wait). */
const STABLE_MS = PING_INTERVAL_MS + PONG_TIMEOUT_MS;

function startClient(random: () => number): SyncClient {
  client = new SyncClient({
    clock: () => now,
    url,
    token: 'token',
    computerId: 'till-1',
    agent,
    fallbackAgentVersion: '10.6.2',
    fallbackOs: 'linux',
    pingIntervalMs: PING_INTERVAL_MS,
    pongTimeoutMs: PONG_TIMEOUT_MS,
    backoffInitialMs: BACKOFF_INITIAL_MS,
    backoffMaxMs: BACKOFF_MAX_MS,
    maxMessageBytes: 1 << 20,
    logger,
    random,
  });
  client.start();
  return client;
}

/** A random source that returns `values` in turn. */
function script(values: number[]): () => number {
  let i = 0;
  return () => {
    const value = values[i++];
    if (value === undefined) throw new Error('the test ran out of random values');
    return value;
  };
}

/** Closes each connection with 4401 as soon as it says hello, sending no refusal first. */
const closeUnauthorized: Behaviour = (socket, message) => {
  if (message.kind === 'hello') socket.close(UNAUTHORIZED_CLOSE_CODE, 'unauthorized');
};

/** Closes each connection as soon as it says hello. */
const hangUp: Behaviour = (socket) => socket.close(1000, 'go away');

/** Answers hello with up-to-date. */
const answerUpToDate: Behaviour = (socket, message) => {
  if (message.kind !== 'hello') return;
  socket.send(encodeServerMessage({ kind: 'upToDate', snapshotVersion: 0, settingsVersion: 0 }));
};

/**
 * A good session after the disconnect `line`: the `count`-th connection is
 * answered, holds for STABLE_MS, and is closed by the server. Resolves with
 * the disconnect line that follows.
 */
async function goodSessionAfter(line: LogLine, count: number): Promise<LogLine> {
  behaviour = answerUpToDate;
  const answered = logger.next('up to date');
  const socket = await reconnectAfter(line, count);
  await answered;
  now += STABLE_MS;
  const next = logger.next('disconnected from the server');
  socket.close(1000, 'bye');
  return next;
}

beforeEach(() => {
  now = 0;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-client-timing-'));
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
  behaviour = () => undefined;
  connections = [];
  connectionWaiters = [];
});

afterEach(async () => {
  client?.close();
  vi.useRealTimers();
  for (const socket of wss.clients) socket.terminate();
  await new Promise((resolve) => wss.close(resolve));
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Lets the client's reconnect timer run out, after the disconnect line that named its delay. */
async function reconnectAfter(line: LogLine, count: number): Promise<WebSocket> {
  vi.advanceTimersByTime(Number(line.obj['retryInMs']));
  return connection(count);
}

describe('the sync client heartbeat', () => {
  it('gives up a connection whose hello is never answered, though it answers pings, and connects again', async () => {
    await listen({ autoPong: true });
    let heard: () => void = () => {};
    const hello = new Promise<void>((resolve) => (heard = resolve));
    behaviour = (_socket, message) => message.kind === 'hello' && heard();
    startClient(() => 0);
    await hello;
    const gaveUp = logger.next('the server did not answer the hello: trying again');
    const disconnected = logger.next('disconnected from the server');
    vi.advanceTimersByTime(PING_INTERVAL_MS + PONG_TIMEOUT_MS);
    expect((await gaveUp).obj['waitedMs']).toBe(PING_INTERVAL_MS + PONG_TIMEOUT_MS);
    await reconnectAfter(await disconnected, 2);
  });

  it('takes a snapshot signed by a key it does not pin for no answer: the hello wait runs on and gives the server up', async () => {
    await listen({ autoPong: true });
    const stranger = parsePrivateKey(generateSigningKeys().privateKeyPem);
    const forged = sealSnapshot(
      {
        computerId: 'till-1',
        version: 1,
        issuedAtMs: 0,
        settingsVersion: 0,
        view: buildView(contractWorld(), 'till-1'),
      },
      stranger,
    );
    const refused = logger.next('snapshot from the server refused');
    behaviour = (socket, message) => {
      if (message.kind === 'hello') socket.send(encodeServerMessage({ kind: 'snapshot', signed: forged }));
    };
    startClient(() => 0);
    expect((await refused).obj).toMatchObject({ code: 'unknown-key' });
    const gaveUp = logger.next('the server did not answer the hello: trying again');
    const disconnected = logger.next('disconnected from the server');
    vi.advanceTimersByTime(PING_INTERVAL_MS + PONG_TIMEOUT_MS);
    await gaveUp;
    await disconnected;
  });

  it('drops a connection whose pong does not come in time and connects again', async () => {
    await listen({ autoPong: false });
    const random = script([0.5]);
    const hello = new Promise<void>((resolve) => (behaviour = (_socket, m) => m.kind === 'hello' && resolve()));
    startClient(random);
    const first = await connection(1);
    await hello;
    const pinged = new Promise<void>((resolve) => first.once('ping', () => resolve()));
    vi.advanceTimersByTime(PING_INTERVAL_MS);
    await pinged;
    expect(logger.lines.map((l) => l.msg)).not.toContain('the server missed its pong: reconnecting');

    const closedByClient = new Promise<void>((resolve) => first.once('close', () => resolve()));
    const disconnected = logger.next('disconnected from the server');
    vi.advanceTimersByTime(PONG_TIMEOUT_MS);
    expect(logger.lines.map((l) => l.msg)).toContain('the server missed its pong: reconnecting');
    await closedByClient;
    const line = await disconnected;
    // Terminated, not closed with a close frame: 1006.
    expect(line.obj['code']).toBe(1006);
    expect(line.obj['retryInMs']).toBe(Math.floor(0.5 * BACKOFF_INITIAL_MS));
    await reconnectAfter(line, 2);
    expect(connections).toHaveLength(2);
  });
});

describe('the sync client reconnect backoff', () => {
  it('is full jitter: an integer uniform below min(max, initial * 2^attempt)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initialMs, maxMs, r) => {
          const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
          const delay = backoffDelayMs(attempt, initialMs, maxMs, () => r);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(Math.max(ceiling, 1));
          expect(delay).toBe(Math.floor(r * ceiling));
        },
      ),
    );
  });

  it('grows exponentially with jitter up to its maximum, and starts over after a good session', async () => {
    await listen({ autoPong: true });
    const jitter = [0.99, 0.5, 0.99, 0.25, 0.99, 0.75, 0.99];
    startClient(script(jitter));
    const delays: number[] = [];
    behaviour = hangUp;
    let line = await logger.next('disconnected from the server');
    for (let attempt = 0; attempt < 6; attempt++) {
      delays.push(Number(line.obj['retryInMs']));
      if (attempt === 5) break;
      const disconnected = logger.next('disconnected from the server');
      await reconnectAfter(line, attempt + 2);
      line = await disconnected;
    }
    // Ceilings 100, 200, 400, 800, then the maximum 1000; each delay a jittered share of its ceiling.
    expect(delays).toEqual([99, 100, 396, 200, 990, 750]);

    // The seventh connection was a good session: the next delay is drawn below the initial ceiling again.
    line = await goodSessionAfter(line, 7);
    expect(line.obj['retryInMs']).toBe(Math.floor(0.99 * BACKOFF_INITIAL_MS));
  });
});

describe('the sync client after a refusal of its credentials', () => {
  /** Answers a hello with a refusal of `code`, then closes with `closeCode`. */
  const refuseWith =
    (code: 'unauthorized' | 'busy', text: string, closeCode: number): Behaviour =>
    (socket, message) => {
      if (message.kind !== 'hello') return;
      socket.send(encodeServerMessage({ kind: 'refusal', code, message: text }));
      socket.close(closeCode, code);
    };
  const refuse = refuseWith('unauthorized', 'bad token', UNAUTHORIZED_CLOSE_CODE);

  it('waits the longest delay after a refusal and close 4401, then the short one again after a good session', async () => {
    await listen({ autoPong: true });
    behaviour = refuse;
    startClient(() => 0);
    let line = await logger.next('disconnected from the server');
    expect(line.obj['code']).toBe(UNAUTHORIZED_CLOSE_CODE);
    expect(line.obj['retryInMs']).toBe(BACKOFF_MAX_MS);
    line = await goodSessionAfter(line, 2);
    expect(line.obj['code']).toBe(1000);
    expect(line.obj['retryInMs']).toBe(0);
  });

  it("takes a busy server's refusal (1013) for the server's state: the backoff, not the longest delay", async () => {
    await listen({ autoPong: true });
    behaviour = refuseWith('busy', 'the server is making 257 other changes', 1013);
    startClient(() => 0);
    const said = await logger.next('the server cannot answer now: trying again later');
    expect(said.obj).toMatchObject({ code: 'busy' });
    const line = await logger.next('disconnected from the server');
    expect(line.obj['code']).toBe(1013);
    expect(line.obj['retryInMs']).toBeLessThan(BACKOFF_MAX_MS);
    expect(logger.lines.some((l) => l.msg === 'the server refused this agent')).toBe(false);
  });

  it('waits the longest delay only after the refused connection: a later failure of another kind has the backoff', async () => {
    await listen({ autoPong: true });
    behaviour = closeUnauthorized;
    startClient(() => 0);
    const refused = await logger.next('disconnected from the server');
    expect(refused.obj['retryInMs']).toBe(BACKOFF_MAX_MS);
    behaviour = hangUp;
    const next = logger.next('disconnected from the server');
    await reconnectAfter(refused, 2);
    const line = await next;
    expect(line.obj['code']).toBe(1000);
    expect(line.obj['retryInMs']).toBeLessThan(BACKOFF_MAX_MS);
  });

  it('waits the longest delay after close 4401 even when no refusal message came first', async () => {
    await listen({ autoPong: true });
    behaviour = closeUnauthorized;
    startClient(() => 0);
    const line = await logger.next('disconnected from the server');
    expect(line.obj['code']).toBe(UNAUTHORIZED_CLOSE_CODE);
    expect(line.obj['retryInMs']).toBe(BACKOFF_MAX_MS);
  });
});

describe('the sync client port', () => {
  it('says hello with what the port holds, and reports its state: connecting, connected, disconnected, disabled', async () => {
    await listen({ autoPong: true });
    const port: SyncAgentPort = {
      held: () => ({ snapshotVersion: 7, settingsVersion: 3, agentVersion: '11.0.1', os: 'macos', viewHash: null }),
      applySnapshot: () => {
        throw new Error('not sent in this test');
      },
      applyDelta: () => {
        throw new Error('not sent in this test');
      },
      applySettings: () => {
        throw new Error('not sent in this test');
      },
    };
    const hello = new Promise<AgentMessage>((resolve) => (behaviour = (_socket, m) => resolve(m)));
    const sync = new SyncClient({
      url,
      token: 'token',
      computerId: 'till-1',
      agent: port,
      fallbackAgentVersion: '10.6.2',
      fallbackOs: 'linux',
      pingIntervalMs: PING_INTERVAL_MS,
      pongTimeoutMs: PONG_TIMEOUT_MS,
      backoffInitialMs: BACKOFF_INITIAL_MS,
      backoffMaxMs: BACKOFF_MAX_MS,
      maxMessageBytes: 1 << 20,
      logger,
      random: () => 0.5,
      tollgateVersion: '0.9.1',
    });
    client = sync;
    sync.start();
    expect(sync.state).toBe('connecting');
    const socket = await connection(1);
    expect(await hello).toEqual({
      kind: 'hello',
      computerId: 'till-1',
      token: 'token',
      agentVersion: '11.0.1',
      tollgateVersion: '0.9.1',
      os: 'macos',
      snapshotVersion: 7,
      settingsVersion: 3,
    });
    expect(sync.state).toBe('connected');
    const disconnected = logger.next('disconnected from the server');
    socket.close(1000, 'bye');
    await disconnected;
    expect(sync.state).toBe('disconnected');
    sync.close();
    expect(sync.state).toBe('disabled');
  });
});
