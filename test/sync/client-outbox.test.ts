// The sync client's delivery of the approval outbox against a fake server (a
// real WebSocket server on port 0) that fails the test on any unexpected
// message: nothing before the hello is answered, every pending request after
// it, each removed on its receipt, and sent again on a new connection until
// a receipt comes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { Agent } from '../../src/agent/agent.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { SyncClient } from '../../src/sync/client.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { generateSigningKeys, parsePublicKey } from '../../src/wire/signing.js';
import {
  decodeAgentMessage,
  encodeAgentMessage,
  encodeServerMessage,
  type AgentMessage,
} from '../../src/wire/sync-messages.js';

interface LogLine {
  msg: string;
  obj: Record<string, unknown>;
}

class TestLogger {
  readonly lines: LogLine[] = [];
  private readonly waiters: { predicate: (l: LogLine) => boolean; resolve: () => void }[] = [];
  info = (obj: object, msg: string): void => this.add(obj, msg);
  warn = (obj: object, msg: string): void => this.add(obj, msg);
  debug = (obj: object, msg: string): void => this.add(obj, msg);

  private add(obj: object, msg: string): void {
    const line = { msg, obj: obj as Record<string, unknown> };
    this.lines.push(line);
    for (const w of [...this.waiters]) {
      if (w.predicate(line)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  waitFor(predicate: (l: LogLine) => boolean): Promise<void> {
    if (this.lines.some(predicate)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  delivered(id: string): Promise<void> {
    return this.waitFor((l) => l.msg === 'approval request delivered' && l.obj['requestId'] === id);
  }
}

type Behaviour = (socket: WebSocket, message: AgentMessage, connection: number) => void;

let dir: string;
let store: AgentStore;
let agent: Agent;
let logger: TestLogger;
let wss: WebSocketServer;
let url: string;
let client: SyncClient | null;
/** Every message the fake server received, with the connection it came on (1-based). */
let received: { connection: number; message: AgentMessage }[];
let behaviour: Behaviour;

function approvalPayload(id: string): Uint8Array {
  return encodeAgentMessage({
    kind: 'approval',
    submission: {
      requestId: id,
      submittedAtMs: 1,
      file: { path: `/opt/${id}` },
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

function enqueue(...ids: string[]): void {
  for (const id of ids) store.enqueueOutbox({ id, payload: approvalPayload(id), createdAtMs: Date.now() });
}

function approvals(): string[] {
  return received.flatMap((r) => (r.message.kind === 'approval' ? [r.message.submission.requestId] : []));
}

/** Answers hello with up-to-date and every approval with its receipt. */
const cooperative: Behaviour = (socket, message) => {
  if (message.kind === 'hello')
    socket.send(encodeServerMessage({ kind: 'upToDate', snapshotVersion: 0, settingsVersion: 0 }));
  else if (message.kind === 'approval')
    socket.send(encodeServerMessage({ kind: 'receipt', requestId: message.submission.requestId }));
  else throw new Error(`unexpected ${message.kind}`);
};

function startClient(): SyncClient {
  client = new SyncClient({
    url,
    token: 'token',
    computerId: 'till-1',
    agent,
    fallbackAgentVersion: '10.6.2',
    fallbackOs: 'linux',
    pingIntervalMs: 60_000,
    pongTimeoutMs: 60_000,
    backoffInitialMs: 1,
    backoffMaxMs: 5,
    maxMessageBytes: 1 << 20,
    logger,
    random: () => 0,
    outbox: store,
    maxInFlight: 2,
  });
  client.start();
  return client;
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-outbox-'));
  store = AgentStore.open(path.join(dir, 'agent.db'));
  agent = new Agent({
    store,
    publicKey: parsePublicKey(generateSigningKeys().publicKeyPem),
    computerId: 'till-1',
    noSnapshotAction: 'deny',
    clock: Date.now,
  });
  logger = new TestLogger();
  received = [];
  behaviour = cooperative;
  client = null;
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/agent`;
  let connections = 0;
  wss.on('connection', (socket) => {
    const connection = ++connections;
    socket.on('message', (data) => {
      const message = decodeAgentMessage(rawDataBytes(data));
      received.push({ connection, message });
      behaviour(socket, message, connection);
    });
  });
});

afterEach(async () => {
  client?.close();
  for (const socket of wss.clients) socket.terminate();
  await new Promise((resolve) => wss.close(resolve));
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('delivering the approval outbox', () => {
  it('sends nothing before the hello is answered, then every pending request; each leaves the outbox on its receipt', async () => {
    enqueue('a', 'b', 'c');
    startClient();
    await logger.delivered('c');
    // In the client's own order of events: the first request left after the answer to its hello.
    const answered = logger.lines.findIndex((l) => l.msg === 'up to date');
    const firstSent = logger.lines.findIndex((l) => l.msg === 'approval request sent');
    expect(answered).toBeGreaterThanOrEqual(0);
    expect(firstSent).toBeGreaterThan(answered);
    expect(received.map((r) => r.message.kind)).toEqual(['hello', 'approval', 'approval', 'approval']);
    expect(approvals()).toEqual(['a', 'b', 'c']);
    expect(store.outboxDepth()).toBe(0);
  });

  it('ignores a receipt for a request not sent on this connection: it stays in the outbox until sent and receipted', async () => {
    enqueue('a', 'b');
    // Before answering the hello (nothing is sent yet), the server receipts both, and one it never heard of.
    behaviour = (socket, message, connection) => {
      if (message.kind === 'hello') {
        for (const requestId of ['a', 'b', 'ghost']) socket.send(encodeServerMessage({ kind: 'receipt', requestId }));
      }
      cooperative(socket, message, connection);
    };
    startClient();
    await logger.delivered('b');
    expect(approvals()).toEqual(['a', 'b']);
    expect(logger.lines.filter((l) => l.msg === 'approval request delivered')).toHaveLength(2);
    expect(store.outboxDepth()).toBe(0);
  });

  it('sends a request queued while connected at once', async () => {
    startClient();
    await logger.waitFor((l) => l.msg === 'up to date');
    enqueue('late');
    client!.flushOutbox();
    await logger.delivered('late');
    expect(approvals()).toEqual(['late']);
    expect(store.outboxDepth()).toBe(0);
  });

  it('sends a request again on the next connection when its receipt never came', async () => {
    enqueue('lost-receipt');
    behaviour = (socket, message, connection) => {
      if (message.kind === 'approval' && connection === 1) socket.terminate();
      else cooperative(socket, message, connection);
    };
    startClient();
    await logger.delivered('lost-receipt');
    expect(received.filter((r) => r.message.kind === 'approval').map((r) => r.connection)).toEqual([1, 2]);
    expect(store.outboxDepth()).toBe(0);
  });

  it('sends a request again on the same connection when its receipt could not be recorded', async () => {
    enqueue('unmarked');
    let receipts = 0;
    behaviour = (socket, message, connection) => {
      // The first receipt comes while the cache cannot be written.
      if (message.kind === 'approval' && ++receipts === 1) store.simulateStorageFault('read-only');
      cooperative(socket, message, connection);
    };
    startClient();
    await logger.waitFor((l) => l.msg === 'cannot mark an approval request delivered');
    expect(store.outboxDepth()).toBe(1);
    store.simulateStorageFault('none');
    // What a check-in, or the cache recreated after damage, does: the request goes again, on the same connection.
    client!.flushOutbox();
    await logger.delivered('unmarked');
    expect(received.filter((r) => r.message.kind === 'approval').map((r) => r.connection)).toEqual([1, 1]);
    expect(store.outboxDepth()).toBe(0);
  });

  it('keeps at most maxInFlight requests awaiting their receipts', async () => {
    enqueue('r1', 'r2', 'r3', 'r4', 'r5');
    const held: string[] = [];
    behaviour = (socket, message, connection) => {
      if (message.kind !== 'approval') return cooperative(socket, message, connection);
      held.push(message.submission.requestId);
      // Receipts are held back until two wait (the last one lets all go): only a receipt makes room.
      const release = message.submission.requestId === 'r5' ? held.length : held.length >= 2 ? 1 : 0;
      for (const id of held.splice(0, release)) socket.send(encodeServerMessage({ kind: 'receipt', requestId: id }));
    };
    startClient();
    await logger.delivered('r5');
    await logger.delivered('r4');
    // In the client's own order of events: never more than two sent and not yet receipted.
    let inFlight = 0;
    let most = 0;
    for (const line of logger.lines) {
      if (line.msg === 'approval request sent') inFlight++;
      if (line.msg === 'approval request delivered') inFlight--;
      most = Math.max(most, inFlight);
    }
    expect(most).toBe(2);
    expect(approvals()).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(store.outboxDepth()).toBe(0);
  });

  it('removes a request the server refuses for good from the outbox, logging why, and goes on with the next', async () => {
    enqueue('refused', 'next');
    behaviour = (socket, message, connection) => {
      if (message.kind === 'approval' && message.submission.requestId === 'refused') {
        const refused = {
          code: 'too-many-pending',
          message: 'computer till-1 already has 100 pending approval requests',
        };
        socket.send(encodeServerMessage({ kind: 'receipt', requestId: 'refused', refused }));
      } else cooperative(socket, message, connection);
    };
    startClient();
    await logger.delivered('next');
    await logger.waitFor((l) => l.msg.startsWith('approval request refused by the server'));
    const line = logger.lines.find((l) => l.msg.startsWith('approval request refused by the server'));
    expect(line?.obj).toMatchObject({ requestId: 'refused', code: 'too-many-pending' });
    expect(logger.lines.some((l) => l.msg === 'approval request delivered' && l.obj['requestId'] === 'refused')).toBe(
      false,
    );
    expect(store.outboxDepth()).toBe(0);
    // Its id is remembered like a delivered one: it cannot be queued again.
    expect(store.enqueueOutbox({ id: 'refused', payload: approvalPayload('refused'), createdAtMs: 1 })).toBe(false);
  });

  it('removes, without sending it, a request over the byte bound that an older agent stored, and goes on', async () => {
    const huge = encodeAgentMessage({
      kind: 'approval',
      submission: {
        ...(decodeAgentMessage(approvalPayload('huge')) as Extract<AgentMessage, { kind: 'approval' }>).submission,
        reason: 'r'.repeat(300_000),
      },
    });
    store.enqueueOutbox({ id: 'huge', payload: huge, createdAtMs: 1 });
    enqueue('next');
    startClient();
    await logger.delivered('next');
    expect(approvals()).toEqual(['next']);
    const removed = logger.lines.find(
      (l) => l.msg === 'approval request too large to deliver: removed from the outbox',
    );
    expect(removed?.obj).toMatchObject({ requestId: 'huge', bytes: huge.length });
    expect(store.outboxDepth()).toBe(0);
  });

  it('sends nothing to a server that refuses the agent', async () => {
    enqueue('kept');
    const closed = new Promise<void>((resolve) => {
      behaviour = (socket, message) => {
        expect(message.kind).toBe('hello');
        socket.send(encodeServerMessage({ kind: 'refusal', code: 'unauthorized', message: 'bad token' }));
        socket.close(4401, 'unauthorized');
        socket.once('close', () => resolve());
      };
    });
    startClient();
    await closed;
    client!.close();
    expect(approvals()).toEqual([]);
    expect(store.pendingOutbox(10).map((p) => p.id)).toEqual(['kept']);
  });
});
