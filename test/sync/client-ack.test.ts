// What the sync client acknowledges when applying fails: a refusal with a
// code of its own keeps it; a failure without one (a fault of the agent, not
// of the message) is acknowledged as 'internal' with a message that says
// what failed, never an empty code. A real WebSocket server on port 0 plays
// the server and fails the test on any unexpected message.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Agent } from '../../src/agent/agent.js';
import { TollgateError } from '../../src/engine/errors.js';
import { buildView } from '../../src/engine/view.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { SyncClient, ackRefusal } from '../../src/sync/client.js';
import { ACK_ERROR_CODES } from '../../src/wire/protocol-codes.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';
import { decodeAgentMessage, encodeServerMessage, type AgentMessage } from '../../src/wire/sync-messages.js';
import { contractWorld } from '../support/contract-world.js';
import { TestLogger } from '../support/test-logger.js';

const keys = generateSigningKeys();

let dir: string;
let store: AgentStore;
let agent: Agent;
let wss: WebSocketServer;
let url: string;
let client: SyncClient | null;
let acks: Extract<AgentMessage, { kind: 'ack' }>[];
let ackWaiters: (() => void)[];
let unexpected: string[];

function snapshot(version: number): Uint8Array {
  return sealSnapshot(
    { computerId: 'till-1', version, issuedAtMs: 0, settingsVersion: 0, view: buildView(contractWorld(), 'till-1') },
    parsePrivateKey(keys.privateKeyPem),
  );
}

function nextAck(): Promise<Extract<AgentMessage, { kind: 'ack' }>> {
  const seen = acks.length;
  return new Promise((resolve) => {
    const check = (): void => {
      const ack = acks[seen];
      if (ack !== undefined) resolve(ack);
      else ackWaiters.push(check);
    };
    check();
  });
}

function startClient(applySnapshot: (bytes: Uint8Array) => { version: number }): void {
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
    maxMessageBytes: 1 << 24,
    logger: new TestLogger(),
    random: () => 0,
    applySnapshot,
  });
  client.start();
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-ack-'));
  store = AgentStore.open(path.join(dir, 'agent.db'));
  agent = new Agent({
    store,
    publicKey: parsePublicKey(keys.publicKeyPem),
    computerId: 'till-1',
    noSnapshotAction: 'deny',
    clock: Date.now,
  });
  client = null;
  acks = [];
  ackWaiters = [];
  unexpected = [];
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/agent`;
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const message = decodeAgentMessage(rawDataBytes(data));
      if (message.kind === 'hello') {
        socket.send(encodeServerMessage({ kind: 'snapshot', signed: snapshot(message.snapshotVersion + 1) }));
      } else if (message.kind === 'ack') {
        acks.push(message);
        for (const waiter of ackWaiters.splice(0)) waiter();
      } else {
        unexpected.push(message.kind);
      }
    });
  });
});

afterEach(async () => {
  client?.close();
  for (const socket of wss.clients) socket.terminate();
  await new Promise((resolve) => wss.close(resolve));
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  expect(unexpected).toEqual([]);
});

describe('acknowledging a snapshot the agent failed to apply', () => {
  it("acknowledges a failure that is not a TollgateError as 'internal', naming it, and keeps serving what it held", async () => {
    const first = nextAck();
    startClient((bytes) =>
      agent.applySnapshot(bytes, {
        beforeCommit: () => {
          throw new RangeError('write hook failed');
        },
      }),
    );
    const ack = await first;
    expect(ack.errorCode).toBe('internal');
    expect(ack.error).toMatch(/RangeError.*write hook failed/);
    expect(ack.snapshotVersion).toBe(0);
    expect(agent.held().snapshotVersion).toBeNull();
  });

  it('acknowledges an applied snapshot with an empty error and code', async () => {
    const first = nextAck();
    startClient((bytes) => agent.applySnapshot(bytes));
    const applied = await first;
    expect(applied).toMatchObject({ snapshotVersion: 1, error: '' });
    expect(applied.errorCode ?? '').toBe('');
  });
});

describe('the code and reason of an acknowledged failure', () => {
  it('keeps a code of the Ack list, and gives every other failure a defined code and a reason', () => {
    expect(ackRefusal(new TollgateError('stale-version', 'version 3 is not newer than 4'))).toEqual({
      code: 'stale-version',
      reason: 'version 3 is not newer than 4',
    });
    const cases: unknown[] = [
      new TypeError('x is undefined'),
      new Error(''),
      'a thrown string',
      undefined,
      new TollgateError('store-damaged', 'the stored view is of pc-2'),
    ];
    for (const thrown of cases) {
      const { code, reason } = ackRefusal(thrown);
      expect(code).toBe('internal');
      expect(ACK_ERROR_CODES).toContain(code);
      expect(reason).not.toBe('');
    }
    expect(ackRefusal(new TollgateError('store-damaged', 'the stored view is of pc-2')).reason).toBe(
      'unexpected failure (store-damaged): the stored view is of pc-2',
    );
  });
});
