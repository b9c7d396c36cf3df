// Submitting an approval request on the agent: the local suggestion is the
// answer, and the request is in the SQLite outbox before the answer exists.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { handleLocalRequest } from '../../src/agent/local-handler.js';
import { TollgateError } from '../../src/engine/errors.js';
import type { World } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { APPROVAL_REQUEST_LIMITS } from '../../src/wire/approval-limits.js';
import type { LocalRequest } from '../../src/wire/local-api.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';
import { decodeAgentMessage } from '../../src/wire/sync-messages.js';

const world: World = {
  organizations: [{ id: 'shop', name: 'Shop', structure: 'flat', modules: ['cyberHeroApprovals'] }],
  groups: [{ id: 'tills', org: 'shop', name: 'Tills', os: 'linux', agentVersion: '10.6.2' }],
  computers: [{ id: 'till-1', group: 'tills' }],
  applications: [
    {
      id: 'fastcart',
      name: 'FastCart',
      builtIn: false,
      category: 'Shopping',
      primaryCompanyInfluence: ['CN'],
      rules: [{ path: '/opt/fastcart' }],
    },
  ],
  policies: [],
  agentSettings: [],
  approvalPolicies: [
    {
      id: 'ch-shopping',
      org: 'shop',
      order: 1,
      active: true,
      action: 'escalate',
      category: 'Shopping',
      appliesTo: { organization: 'shop' },
      countries: { mode: 'deny', list: ['CN'] },
    },
  ],
  approvalSettings: [{ org: 'shop', escalation: { emails: ['it@shop.example'] } }],
};

const keys = generateSigningKeys();
let dir: string;
let store: AgentStore;
let agent: Agent;
let queued: number;
let ids: string[];

function makeAgent(): Agent {
  const a = new Agent({
    store,
    publicKey: parsePublicKey(keys.publicKeyPem),
    computerId: 'till-1',
    noSnapshotAction: 'deny',
    clock: () => 1_000,
    newRequestId: () => {
      const id = `req-${ids.length + 1}`;
      ids.push(id);
      return id;
    },
    onQueued: () => void queued++,
  });
  return a;
}

function submit(overrides: Partial<Extract<LocalRequest, { kind: 'evaluateApproval' }>> = {}) {
  return handleLocalRequest(
    agent,
    {
      id: 7,
      kind: 'evaluateApproval',
      query: { app: 'fastcart' },
      submit: true,
      file: { path: '/opt/fastcart', sha256: 'ab'.repeat(32) },
      user: 'alice',
      reason: 'stock count',
      ...overrides,
    },
    { computerId: 'till-1', exportDecisions: () => [] },
  );
}

function errorCode(fn: () => unknown): { code: string; message: string } | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof TollgateError) return { code: error.code, message: error.message };
    throw error;
  }
  return undefined;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-submit-'));
  store = AgentStore.open(path.join(dir, 'agent.db'));
  queued = 0;
  ids = [];
  agent = makeAgent();
  const content = {
    computerId: 'till-1',
    version: 1,
    issuedAtMs: 1_000,
    settingsVersion: 1,
    view: buildView(world, 'till-1'),
  };
  agent.applySnapshot(sealSnapshot(content, parsePrivateKey(keys.privateKeyPem)));
});

afterEach(async () => {
  // The snapshot's image file is written after its apply returned: the folder goes once nothing writes to it.
  await store.imagesWritten();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('submitting an approval request', () => {
  it('answers with the local suggestion and a request id, the request already in the outbox', () => {
    const response = submit();
    expect(response).toMatchObject({
      id: 7,
      kind: 'suggestion',
      requestId: 'req-1',
      suggestion: { suggestion: 'reject', policy: 'ch-shopping' },
    });
    const pending = store.pendingOutbox(10);
    expect(pending.map((p) => p.id)).toEqual(['req-1']);
    const message = decodeAgentMessage(pending[0]!.payload);
    expect(message).toEqual({
      kind: 'approval',
      submission: {
        requestId: 'req-1',
        submittedAtMs: 1_000,
        file: { path: '/opt/fastcart', sha256: 'ab'.repeat(32) },
        user: 'alice',
        reason: 'stock count',
        query: { app: 'fastcart' },
        suggestion: response.kind === 'suggestion' ? response.suggestion : undefined,
      },
    });
    expect(queued).toBe(1);
    expect(agent.status().outboxDepth).toBe(1);
  });

  it('keeps the request across a restart of the store (it is committed before the answer)', () => {
    submit();
    submit({ query: { category: 'Shopping', primaryCompanyInfluence: ['GB'] } });
    store.close();
    store = AgentStore.open(path.join(dir, 'agent.db'));
    expect(store.pendingOutbox(10).map((p) => p.id)).toEqual(['req-1', 'req-2']);
  });

  it('only answers, storing nothing, when submit is not set', () => {
    const response = submit({ submit: false });
    expect(response.kind === 'suggestion' && response.requestId).toBeUndefined();
    expect(store.outboxDepth()).toBe(0);
    expect(queued).toBe(0);
  });

  it.each([
    ['no file', { file: undefined }, 'missing-field', 'approval.file.path is required'],
    ['no user', { user: undefined }, 'missing-field', 'approval.user is required'],
    ['a blank user', { user: '  ' }, 'missing-field', 'approval.user is required'],
    ['no reason', { reason: undefined }, 'missing-field', 'approval.reason is required'],
    [
      'a reason too long',
      { reason: 'x'.repeat(4001) },
      'invalid-field',
      'approval.reason is longer than 4000 characters',
    ],
    ['an unknown application', { query: { app: 'ghost' } }, 'unknown-reference', 'approval.app: application "ghost"'],
    ['no category', { query: {} }, 'missing-field', 'approval.category is required'],
  ])('refuses %s, naming the field, and stores nothing', (_name, overrides, code, message) => {
    const error = errorCode(() => submit(overrides));
    expect(error?.code).toBe(code);
    expect(error?.message).toContain(message);
    expect(store.outboxDepth()).toBe(0);
    expect(queued).toBe(0);
  });

  it.each([
    ['a path too long', { file: { path: 'p'.repeat(32_768) } }, 'approval.file.path is longer than 32767'],
    [
      'a parent process path too long',
      { file: { path: '/x', processPath: 'p'.repeat(32_768) } },
      'approval.file.processPath is longer than 32767',
    ],
    ['a hash too long', { file: { path: '/x', sha256: 'a'.repeat(129) } }, 'approval.file.sha256 is longer than 128'],
    [
      'a certificate subject too long',
      { file: { path: '/x', certSubject: 's'.repeat(1025) } },
      'approval.file.certSubject is longer than 1024',
    ],
    ['a user too long', { user: 'u'.repeat(257) }, 'approval.user is longer than 256'],
    [
      'a category too long',
      { query: { category: 'c'.repeat(257) } },
      'approval.category is longer than 256 characters',
    ],
    [
      'an influence list too long',
      { query: { category: 'Shopping', developmentInfluence: Array.from({ length: 257 }, () => 'GB') } },
      'approval.developmentInfluence has more than 256 entries',
    ],
    [
      'an influence entry too long',
      { query: { category: 'Shopping', primaryCompanyInfluence: ['GB', 'x'.repeat(17)] } },
      'approval.primaryCompanyInfluence[1] is longer than 16',
    ],
    [
      // With a space it would meet no deny list: the deny-listed CN passed as escalate.
      'an influence entry that is not a country code',
      { query: { category: 'Shopping', primaryCompanyInfluence: ['gb', ' CN'] } },
      'approval.primaryCompanyInfluence[1]: " CN" is not an ISO 3166-1 alpha-2 country code',
    ],
  ])('refuses %s with invalid-field, naming the field, and stores nothing', (_name, overrides, message) => {
    const error = errorCode(() => submit(overrides));
    expect(error?.code).toBe('invalid-field');
    expect(error?.message).toContain(message);
    expect(store.outboxDepth()).toBe(0);
    expect(queued).toBe(0);
  });

  it('refuses a request whose encoding is over the byte bound, though each field is within its own', () => {
    // Three paths at their character limit, each character three bytes in UTF-8.
    const long = '\u20ac'.repeat(APPROVAL_REQUEST_LIMITS.pathChars);
    const error = errorCode(() => submit({ file: { path: long, processPath: long, createdBy: long } }));
    expect(error?.code).toBe('request-too-large');
    expect(error?.message).toContain(`above ${APPROVAL_REQUEST_LIMITS.submissionBytes}`);
    expect(store.outboxDepth()).toBe(0);
    expect(queued).toBe(0);
  });

  it('answers outbox-full when the outbox is full, storing nothing and keeping every queued request', () => {
    store.close();
    store = AgentStore.open(path.join(dir, 'agent.db'), { maxOutboxItems: 2 });
    agent = makeAgent();
    agent.loadFromStore();
    submit();
    submit();
    const error = errorCode(() => submit());
    expect(error?.code).toBe('outbox-full');
    expect(error?.message).toContain('not stored');
    expect(store.pendingOutbox(10).map((p) => p.id)).toEqual(['req-1', 'req-2']);
    expect(queued).toBe(2);
  });

  it('refuses before the first snapshot, storing nothing', async () => {
    await store.imagesWritten();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-submit-'));
    store = AgentStore.open(path.join(dir, 'agent.db'));
    agent = makeAgent();
    expect(errorCode(() => submit())?.code).toBe('no-snapshot');
    expect(store.outboxDepth()).toBe(0);
  });
});
