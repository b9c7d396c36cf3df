// The sync client's send buffer: a server that stops reading is dropped and
// connected to again, instead of the agent buffering every message for it;
// the approval outbox loses nothing on the way. A real WebSocket server on
// port 0 whose first connection stops reading after the hello.
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { Agent } from '../../src/agent/agent.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { SyncClient } from '../../src/sync/client.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { generateSigningKeys, parsePublicKey } from '../../src/wire/signing.js';
import { decodeAgentMessage, encodeAgentMessage, encodeServerMessage } from '../../src/wire/sync-messages.js';

interface LogLine {
  msg: string;
  obj: Record<string, unknown>;
}

let dir: string;
let store: AgentStore;
let http: Server;
let wss: WebSocketServer;
let url: string;
let client: SyncClient | null = null;
let lines: LogLine[];
const waiters: { predicate: (l: LogLine) => boolean; resolve: () => void }[] = [];

function log(obj: object, msg: string): void {
  const line = { msg, obj: obj as Record<string, unknown> };
  lines.push(line);
  for (const w of [...waiters]) {
    if (w.predicate(line)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  }
}

function waitFor(predicate: (l: LogLine) => boolean): Promise<void> {
  if (lines.some(predicate)) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ predicate, resolve }));
}

/** An approval request of about 100 KB. */
function bigPayload(id: string): Uint8Array {
  return encodeAgentMessage({
    kind: 'approval',
    submission: {
      requestId: id,
      submittedAtMs: 1,
      file: { path: `/opt/${'p'.repeat(100_000)}` },
      user: 'alice',
      reason: 'work',
      query: { category: 'Games' },
      suggestion: {
        suggestion: 'escalate',
        policy: null,
        reason: 'no matching approval policy',
        permitTarget: 'computer',
        instructions: '',
        escalationEmails: [],
        warnings: [],
      },
    },
  });
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-send-buffer-'));
  store = AgentStore.open(path.join(dir, 'agent.db'), { maxOutboxBytes: 16 * 1024 * 1024 });
  lines = [];
  // Over a Unix socket: its kernel buffers are small and fixed, so a few requests fill them.
  http = createServer();
  wss = new WebSocketServer({ server: http, maxPayload: 1 << 20 });
  const socketPath = path.join(dir, 'server.sock');
  await new Promise<void>((resolve) => http.listen(socketPath, resolve));
  url = `ws+unix://${socketPath}:/agent`;
});

afterEach(async () => {
  client?.close();
  for (const socket of wss.clients) socket.terminate();
  await new Promise((resolve) => wss.close(resolve));
  await new Promise((resolve) => http.close(resolve));
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts the client with room for every request in flight, so that only the send buffer holds delivery back. */
function startClient(maxBufferedBytes: number, maxInFlight: number): SyncClient {
  client = new SyncClient({
    url,
    token: 'token',
    computerId: 'till-1',
    agent: new Agent({
      store,
      publicKey: parsePublicKey(generateSigningKeys().publicKeyPem),
      computerId: 'till-1',
      noSnapshotAction: 'deny',
      clock: Date.now,
    }),
    fallbackAgentVersion: '10.6.2',
    fallbackOs: 'linux',
    pingIntervalMs: 60_000,
    pongTimeoutMs: 60_000,
    backoffInitialMs: 1,
    backoffMaxMs: 5,
    maxMessageBytes: 1 << 20,
    logger: { info: log, warn: log, debug: log },
    random: () => 0,
    outbox: store,
    maxInFlight,
    maxBufferedBytes,
  });
  client.start();
  return client;
}

/**
 * A server that answers hellos and receipts every request; the first
 * connection stops reading once it has answered its hello, until `resume`.
 */
function serve(onPaused?: (socket: WebSocket) => void): { receivedOn: number[]; resume: () => void } {
  const receivedOn: number[] = [];
  let paused: { resume: () => void } | null = null;
  let connections = 0;
  wss.on('connection', (socket, request) => {
    const connection = ++connections;
    socket.on('message', (data) => {
      const message = decodeAgentMessage(rawDataBytes(data));
      if (message.kind === 'hello') {
        socket.send(encodeServerMessage({ kind: 'upToDate', snapshotVersion: 0, settingsVersion: 0 }));
        if (connection === 1) {
          request.socket.pause();
          paused = request.socket;
          onPaused?.(socket);
        }
      } else if (message.kind === 'approval') {
        receivedOn.push(connection);
        socket.send(encodeServerMessage({ kind: 'receipt', requestId: message.submission.requestId }));
      }
    });
  });
  return { receivedOn, resume: () => paused?.resume() };
}

const sent = (): number => lines.filter((l) => l.msg === 'approval request sent').length;

/** Lets the socket work through what it can (a few turns of the event loop); the assertions do not depend on how far. */
const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('the sync client send buffer', () => {
  const count = 40; // about 4 MB of requests: far past the socket's buffers
  const maxInFlight = 40;

  beforeEach(() => {
    for (let i = 0; i < count; i++) {
      store.enqueueOutbox({ id: `r${i}`, payload: bigPayload(`r${i}`), createdAtMs: i });
    }
  });

  it('pauses outbox delivery while the server does not read, and delivers everything once it does', async () => {
    const server = serve();
    startClient(512 * 1024, maxInFlight);
    await waitFor((l) => l.msg === 'up to date');
    await turns(20);
    // Held back by the send buffer, not by the in-flight limit.
    expect(sent()).toBeGreaterThan(0);
    expect(sent()).toBeLessThan(maxInFlight);
    server.resume();
    await waitFor((l) => l.msg === 'approval request delivered' && l.obj['requestId'] === `r${count - 1}`);
    expect(server.receivedOn).toEqual(Array.from({ length: count }, () => 1));
    expect(lines.some((l) => l.msg.startsWith('the server does not read'))).toBe(false);
    expect(store.outboxDepth()).toBe(0);
  });

  it('drops a server that does not read once another message would go over the bound, and delivers everything on the next connection', async () => {
    // The server keeps sending (settings the agent refuses, acknowledging each with the reason) and reads nothing.
    const server = serve((socket) => {
      for (let i = 0; i < 40_000; i++)
        socket.send(encodeServerMessage({ kind: 'settings', signed: new Uint8Array(1) }));
    });
    const maxBufferedBytes = 512 * 1024;
    startClient(maxBufferedBytes, maxInFlight);
    await waitFor((l) => l.msg.startsWith('the server does not read'));
    const dropped = lines.filter((l) => l.msg === 'the server does not read what it is sent: reconnecting');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]?.obj['bufferedBytes'] as number).toBeLessThanOrEqual(maxBufferedBytes);
    await waitFor((l) => l.msg === 'approval request delivered' && l.obj['requestId'] === `r${count - 1}`);
    expect(server.receivedOn.filter((c) => c === 2)).toHaveLength(count);
    expect(store.outboxDepth()).toBe(0);
  });
});
