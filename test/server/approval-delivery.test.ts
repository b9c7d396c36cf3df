// The server end of approval delivery: a real SyncHub and ServerState (SQLite
// in a temp folder) behind a real HTTP server on port 0, and raw WebSocket
// agents. Every delivery is answered with a receipt; each id is recorded once,
// also across a restart of the server.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { World } from '../../src/engine/model.js';
import { ServerState } from '../../src/server/state.js';
import { AGENT_PATH, SYNC_HUB_DEFAULTS, SyncHub } from '../../src/server/sync-hub.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import {
  decodeServerMessage,
  encodeAgentMessage,
  type ApprovalSubmission,
  type ServerMessage,
} from '../../src/wire/sync-messages.js';

const WORLD: World = {
  organizations: [{ id: 'shop', name: 'Shop', structure: 'flat', modules: ['cyberHeroApprovals'] }],
  groups: [{ id: 'tills', org: 'shop', name: 'Tills', os: 'linux', agentVersion: '10.6.2' }],
  computers: [
    { id: 'till-1', group: 'tills' },
    { id: 'till-2', group: 'tills' },
  ],
  applications: [],
  policies: [],
  agentSettings: [],
  approvalPolicies: [
    {
      id: 'ch-games',
      org: 'shop',
      order: 1,
      active: true,
      action: 'reject',
      category: 'Games',
      appliesTo: { organization: 'shop' },
      countries: { mode: 'deny', list: [] },
    },
  ],
  approvalSettings: [{ org: 'shop', escalation: { emails: ['it@shop.example'] } }],
};

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

async function startServer(): Promise<void> {
  state = await ServerState.open({ dataDir: dir, clock: () => 5_000 });
  if (state.world().organizations.length === 0) await state.importWorld(WORLD);
  for (const id of ['till-1', 'till-2']) if (!tokens.has(id)) tokens.set(id, (await state.enroll(id)).token);
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
  });
  http = createServer();
  hub.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(http.address() as { port: number }).port}${AGENT_PATH}`;
}

async function stopServer(): Promise<void> {
  await hub.close();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await state.close();
}

/** A raw agent: says hello, then sends what the test asks and collects every server message. */
async function connect(computerId: string): Promise<{
  send: (s: ApprovalSubmission) => void;
  next: (kind: ServerMessage['kind']) => Promise<ServerMessage>;
  close: () => void;
}> {
  const ws = new WebSocket(url);
  const inbox: ServerMessage[] = [];
  const waiters: { kind: string; resolve: (m: ServerMessage) => void }[] = [];
  ws.on('message', (data) => {
    const message = decodeServerMessage(rawDataBytes(data));
    const waiter = waiters.find((w) => w.kind === message.kind);
    if (waiter !== undefined) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    } else {
      inbox.push(message);
    }
  });
  await new Promise((resolve) => ws.once('open', resolve));
  const next = (kind: ServerMessage['kind']): Promise<ServerMessage> => {
    const i = inbox.findIndex((m) => m.kind === kind);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]!);
    return new Promise((resolve) => waiters.push({ kind, resolve }));
  };
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
  await next('snapshot');
  return {
    send: (submission) => ws.send(encodeAgentMessage({ kind: 'approval', submission })),
    next,
    close: () => ws.close(),
  };
}

/** Checks a receipt that refuses `requestId` with `code`, its message containing `text`. */
function expectRefused(message: ServerMessage, requestId: string, code: string, text: string): void {
  expect(message.kind === 'receipt' && message.requestId).toBe(requestId);
  const refused = message.kind === 'receipt' ? message.refused : undefined;
  expect(refused?.code).toBe(code);
  expect(refused?.message).toContain(text);
}

function submission(requestId: string): ApprovalSubmission {
  return {
    requestId,
    submittedAtMs: 1_000,
    file: { path: '/opt/game/game' },
    user: 'alice',
    reason: 'lunch break',
    query: { category: 'Games' },
    suggestion: {
      suggestion: 'reject',
      policy: 'ch-games',
      reason: 'by the agent',
      permitTarget: 'computer',
      instructions: '',
      escalationEmails: [],
      warnings: [],
    },
  };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-delivery-'));
  logs = [];
  tokens.clear();
  await startServer();
});

afterEach(async () => {
  await stopServer();
  rmSync(dir, { recursive: true, force: true });
});

describe('approval requests delivered to the server', () => {
  it('answers every delivery with a receipt and records each id once', async () => {
    const agent = await connect('till-1');
    agent.send(submission('req-1'));
    expect(await agent.next('receipt')).toEqual({ kind: 'receipt', requestId: 'req-1' });
    agent.send(submission('req-1'));
    expect(await agent.next('receipt')).toEqual({ kind: 'receipt', requestId: 'req-1' });
    agent.close();

    const requests = await state.approvalRequests();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      id: 'req-1',
      computer: 'till-1',
      group: 'tills',
      org: 'shop',
      receivedAtMs: 5_000,
      status: 'pending',
      suggestion: { suggestion: 'reject', policy: 'ch-games', escalationEmails: ['it@shop.example'] },
      agentSuggestion: { reason: 'by the agent' },
    });
    expect(logs.filter((l) => l.obj['requestId'] === 'req-1').map((l) => l.msg)).toEqual([
      'approval request received',
      'approval request received again: already recorded',
    ]);
  });

  it('still knows the id after a restart of the server', async () => {
    const before = await connect('till-1');
    before.send(submission('req-2'));
    await before.next('receipt');
    before.close();
    await stopServer();
    await startServer();
    const after = await connect('till-1');
    after.send(submission('req-2'));
    expect(await after.next('receipt')).toEqual({ kind: 'receipt', requestId: 'req-2' });
    after.close();
    expect((await state.approvalRequests()).map((r) => r.id)).toEqual(['req-2']);
  });

  it("never records another computer's id for this one, and still answers so that it stops sending", async () => {
    const first = await connect('till-1');
    first.send(submission('req-3'));
    await first.next('receipt');
    first.close();
    const other = await connect('till-2');
    other.send(submission('req-3'));
    expectRefused(await other.next('receipt'), 'req-3', 'conflict', 'is already used by another computer');
    other.close();
    expect((await state.approvalRequests()).map((r) => [r.id, r.computer])).toEqual([['req-3', 'till-1']]);
    expect(logs.some((l) => l.level === 'warn' && l.msg === 'approval request refused')).toBe(true);
  });

  it('answers a request it cannot read, but whose id it can, with a refusing receipt and keeps the connection', async () => {
    const agent = await connect('till-1');
    agent.send({ ...submission('no-user'), user: '' });
    expectRefused(await agent.next('receipt'), 'no-user', 'invalid-field', 'approval.user');
    // Blank (an older agent took a path of spaces): refused with a receipt, so the agent drops it.
    const blank = submission('blank-path');
    agent.send({ ...blank, file: { ...blank.file, path: '   ' } });
    expectRefused(await agent.next('receipt'), 'blank-path', 'invalid-field', 'approval.file.path is blank');
    // Nothing to evaluate it by: neither a category nor an application.
    agent.send({ ...submission('no-query'), query: { category: ' ' } });
    expectRefused(await agent.next('receipt'), 'no-query', 'invalid-field', 'approval.category is blank');
    agent.send(submission('after-it'));
    expect(await agent.next('receipt')).toEqual({ kind: 'receipt', requestId: 'after-it' });
    expect((await state.approvalRequests()).map((r) => r.id)).toEqual(['after-it']);
  });

  it('refuses a suggestion holding more text than a snapshot could give the agent, and pages the queue by size', async () => {
    const agent = await connect('till-1');
    const long = {
      ...submission('long'),
      suggestion: { ...submission('long').suggestion, instructions: 'i'.repeat(32_769) },
    };
    agent.send(long);
    expectRefused(
      await agent.next('receipt'),
      'long',
      'invalid-field',
      'approval.suggestion.instructions is longer than 32768',
    );
    for (const id of ['s-1', 's-2', 's-3']) {
      agent.send({ ...submission(id), suggestion: { ...submission(id).suggestion, instructions: 'i'.repeat(30_000) } });
      await agent.next('receipt');
    }
    // A page of at most 70,000 characters of stored JSON holds two of them, and names the next.
    const first = await state.approvalRequestPage(undefined, undefined, 1_000, 70_000);
    expect(first?.requests.map((r) => r.id)).toEqual(['s-1', 's-2']);
    expect(first?.next).toBe('s-2');
    const rest = await state.approvalRequestPage(undefined, 's-2', 1_000, 70_000);
    expect(rest).toMatchObject({ next: null });
    expect(rest?.requests.map((r) => r.id)).toEqual(['s-3']);
    // One request larger than the bound still makes a page of one.
    expect((await state.approvalRequestPage(undefined, undefined, 1_000, 10))?.requests).toHaveLength(1);
  });

  it("refuses a computer's requests past its pending bound with a refusing receipt, recording none of them", async () => {
    const agent = await connect('till-1');
    const max = SYNC_HUB_DEFAULTS.maxPendingApprovalsPerComputer;
    for (let i = 0; i < max; i++) agent.send(submission(`req-${i}`));
    for (let i = 0; i < max; i++) await agent.next('receipt');
    agent.send(submission('one-too-many'));
    expectRefused(await agent.next('receipt'), 'one-too-many', 'too-many-pending', `already has ${max} pending`);
    // An id already recorded is still answered as recorded.
    agent.send(submission('req-0'));
    expect(await agent.next('receipt')).toEqual({ kind: 'receipt', requestId: 'req-0' });
    // Another computer is not affected.
    const other = await connect('till-2');
    other.send(submission('till-2-req'));
    expect(await other.next('receipt')).toEqual({ kind: 'receipt', requestId: 'till-2-req' });
    expect(await state.approvalRequests()).toHaveLength(max + 1);
    expect(await state.approvalRequest('one-too-many')).toBeUndefined();

    // Once an admin decides one, there is room again.
    const decided = (await state.approvalRequest('req-0'))!;
    await state.updateApprovalRequest({ ...decided, status: 'rejected' }, decided);
    agent.send(submission('now-there-is-room'));
    expect(await agent.next('receipt')).toEqual({ kind: 'receipt', requestId: 'now-there-is-room' });
    expect((await state.approvalRequest('now-there-is-room'))?.status).toBe('pending');
    agent.close();
    other.close();
  });

  it.each([
    ['a path over its limit', { file: { path: 'p'.repeat(32_768) } }, 'approval.file.path'],
    ['a reason over its limit', { reason: 'r'.repeat(4001) }, 'approval.reason'],
    ['a category over its limit', { query: { category: 'c'.repeat(257) } }, 'approval.category'],
  ])('refuses a request with %s for good, naming the field, recording nothing', async (_name, change, field) => {
    const agent = await connect('till-1');
    agent.send({ ...submission('too-big'), ...change });
    expectRefused(await agent.next('receipt'), 'too-big', 'invalid-field', `${field} is longer than`);
    agent.close();
    expect(await state.approvalRequests()).toEqual([]);
  });

  it('refuses a request whose encoding is over the byte bound, recording nothing', async () => {
    const agent = await connect('till-1');
    const long = '\u20ac'.repeat(32_767);
    agent.send({ ...submission('too-many-bytes'), file: { path: long, processPath: long, createdBy: long } });
    expect(await agent.next('receipt')).toMatchObject({
      requestId: 'too-many-bytes',
      refused: { code: 'request-too-large' },
    });
    agent.close();
    expect(await state.approvalRequests()).toEqual([]);
  });
});
