// Answers from request bytes (Agent.answerEncoded): the same response as
// decoding the request and encoding the answer, for any request and id; only
// plain evaluateFile requests; counted and logged like any decision; and
// never stale after a new snapshot, new settings or a policy expiry.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { handleLocalRequest } from '../../src/agent/local-handler.js';
import type { Decision, FileRequest, World } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { AgentStore } from '../../src/store/agent-store.js';
import {
  type LocalRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  leadingRequestId,
  requestBodyStart,
  responseFrameBytes,
  writeResponseFrame,
} from '../../src/wire/local-api.js';
import { FRAME_HEADER_BYTES } from '../../src/wire/framing.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { sealSettings, sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';
import { contractWorld } from '../support/contract-world.js';

const keys = generateSigningKeys();
const privateKey = parsePrivateKey(keys.privateKeyPem);
const EXPIRY_MS = Date.parse('2026-12-01T00:00:00Z');

function snapshotOf(world: World, computer: string, version: number): Uint8Array {
  return sealSnapshot(
    { computerId: computer, version, issuedAtMs: 0, settingsVersion: 0, view: buildView(world, computer) },
    privateKey,
  );
}

/** The response an encoded answer makes, as a client decodes it from the frame. */
function frameResponse(id: number, body: Uint8Array) {
  const frame = Buffer.alloc(responseFrameBytes(id, body));
  expect(writeResponseFrame(frame, 0, id, body)).toBe(frame.length);
  expect(frame.readUInt32BE(0)).toBe(frame.length - FRAME_HEADER_BYTES);
  return decodeResponse(frame.subarray(FRAME_HEADER_BYTES));
}

const CONTRACT_FILES: FileRequest[] = [
  { path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', certSubject: 'CN=Google LLC' },
  { path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe' },
  { path: 'C:\\Program Files\\Google\\Update\\updater.exe' },
  { path: 'D:\\tools\\notepad++.exe', sha256: 'aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233' },
  { path: 'C:\\Users\\kim\\Downloads\\fastcart.exe' },
  { path: 'C:\\stray\\unknown.exe', processPath: 'C:\\Windows\\explorer.exe' },
];

describe('Agent.answerEncoded', () => {
  let dir: string;
  let store: AgentStore;
  let now: number;
  let logged: { atMs: number; file: FileRequest; decision: Decision }[];

  function makeAgent(computerId = 'till-1'): Agent {
    return new Agent({
      store,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId,
      noSnapshotAction: 'deny',
      clock: () => now,
      onDecision: (atMs, file, decision) => logged.push({ atMs, file, decision }),
    });
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-encoded-'));
    store = AgentStore.open(path.join(dir, 'agent.db'), { maxDecisionLog: 100 });
    now = Date.parse('2026-11-01T00:00:00Z');
    logged = [];
  });

  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives, for any file and id, the response that decoding and answering gives, asked once or again', () => {
    const agent = makeAgent();
    agent.applySnapshot(snapshotOf(contractWorld(), 'till-1', 1));
    const reference = makeAgent();
    reference.loadFromStore();
    const fileArb = fc.oneof(
      fc.constantFrom(...CONTRACT_FILES),
      fc.record(
        { path: fc.string({ minLength: 1, maxLength: 40 }), sha256: fc.stringMatching(/^[0-9a-fA-F]{64}$/) },
        { requiredKeys: ['path'] },
      ),
    );
    fc.assert(
      fc.property(fileArb, fc.array(fc.nat({ max: 0xffff_ffff }), { minLength: 1, maxLength: 3 }), (file, ids) => {
        for (const id of ids) {
          const request: LocalRequest = { id, kind: 'evaluateFile', file };
          const body = agent.answerEncoded(Buffer.from(encodeRequest(request)));
          expect(body).toBeDefined();
          const expected = handleLocalRequest(reference, request, { exportDecisions: () => [] });
          expect(frameResponse(id, body as Uint8Array)).toEqual(expected);
          // Byte for byte what the usual path writes, id field included.
          const usual = Buffer.from(encodeResponse(expected));
          const fast = Buffer.alloc(responseFrameBytes(id, body as Uint8Array));
          writeResponseFrame(fast, 0, id, body as Uint8Array);
          expect(fast.subarray(FRAME_HEADER_BYTES)).toEqual(usual);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('declines every request that is not a plain evaluateFile, and anything before a snapshot', () => {
    const agent = makeAgent();
    const plain = Buffer.from(encodeRequest({ id: 1, kind: 'evaluateFile', file: CONTRACT_FILES[0] as FileRequest }));
    expect(agent.answerEncoded(plain)).toBeUndefined();
    agent.applySnapshot(snapshotOf(contractWorld(), 'till-1', 1));
    expect(agent.answerEncoded(plain)).toBeDefined();
    const declined: LocalRequest[] = [
      { id: 2, kind: 'evaluateFile', file: { path: 'C:\\a.exe' }, atMs: now },
      { id: 3, kind: 'evaluateFile', file: { path: 'C:\\a.exe' }, settings: { prioritizeBuiltInApplications: false } },
      { id: 4, kind: 'status' },
      { id: 5, kind: 'exportDecisions', limit: 3 },
      { id: 6, kind: 'evaluateApproval', query: { app: 'fastcart' }, submit: false },
    ];
    for (const request of declined) {
      expect(agent.answerEncoded(Buffer.from(encodeRequest(request))), request.kind).toBeUndefined();
      // Still declined the second time: nothing was stored for them.
      expect(agent.answerEncoded(Buffer.from(encodeRequest(request))), request.kind).toBeUndefined();
    }
    // Not a request at all, a cut-short id, an empty evaluateFile (no path).
    expect(agent.answerEncoded(Buffer.from([0x12, 0x05, 0x0a]))).toBeUndefined();
    expect(agent.answerEncoded(Buffer.from([0x08, 0x80]))).toBeUndefined();
    expect(agent.answerEncoded(Buffer.from([0x08, 0x01, 0x12, 0x00]))).toBeUndefined();
  });

  it('answers from bytes only when the id is the leading field', () => {
    const agent = makeAgent();
    agent.applySnapshot(snapshotOf(contractWorld(), 'till-1', 1));
    const file = CONTRACT_FILES[0] as FileRequest;
    const body = tollgate.v1.Request.encode({ evaluateFile: { file: { path: file.path } } }).finish();
    const trailingId = Buffer.concat([body, Buffer.from([0x08, 0x07])]);
    const twoIds = Buffer.concat([Buffer.from([0x08, 0x05]), body, Buffer.from([0x08, 0x07])]);
    // The same id twice decodes as that id, but its body holds an id field: [id 5][body] would share it.
    const sameIdTwice = Buffer.concat([Buffer.from([0x08, 0x05]), body, Buffer.from([0x08, 0x05])]);
    const trailingGarbage = Buffer.concat([Buffer.from([0x08, 0x05]), body, Buffer.from([0x1a, 0x00])]);
    for (const bytes of [trailingId, twoIds, sameIdTwice, trailingGarbage]) {
      expect(agent.answerEncoded(bytes)).toBeUndefined();
      expect(agent.answerEncoded(bytes)).toBeUndefined();
    }
    const leading = Buffer.concat([Buffer.from([0x08, 0x07]), body]);
    expect(requestBodyStart(leading)).toBe(2);
    expect(leadingRequestId(leading, 2)).toBe(7);
    expect(agent.answerEncoded(leading)).toBeDefined();
    // No id at all is id 0.
    expect(requestBodyStart(Buffer.from(body))).toBe(0);
    expect(leadingRequestId(Buffer.from(body), 0)).toBe(0);
    expect(frameResponse(0, agent.answerEncoded(Buffer.from(body)) as Uint8Array).id).toBe(0);
  });

  it('reads only its range of a larger buffer', () => {
    const agent = makeAgent();
    agent.applySnapshot(snapshotOf(contractWorld(), 'till-1', 1));
    const request = Buffer.from(
      encodeRequest({ id: 300, kind: 'evaluateFile', file: CONTRACT_FILES[0] as FileRequest }),
    );
    const around = Buffer.concat([Buffer.from([0x12, 0x08, 0x01]), request, Buffer.from([0x12, 0x00])]);
    const body = agent.answerEncoded(around, 3, 3 + request.length);
    expect(body).toEqual(agent.answerEncoded(request));
    expect(frameResponse(300, body as Uint8Array)).toMatchObject({ id: 300, kind: 'decision' });
    // A range holding only an id is no evaluateFile request, whatever follows it in the buffer.
    const idOnly = Buffer.from([0x08, 0x05, 0x12, 0x03, 0x0a, 0x01, 0x61]);
    expect(agent.answerEncoded(idOnly, 0, 2)).toBeUndefined();
  });

  it('counts and logs every answer, from stored bytes or not, like evaluateFile', () => {
    const agent = makeAgent();
    agent.applySnapshot(snapshotOf(contractWorld(), 'till-1', 1));
    const file = CONTRACT_FILES[0] as FileRequest;
    for (let id = 1; id <= 5; id++) {
      now += 1000;
      agent.answerEncoded(Buffer.from(encodeRequest({ id, kind: 'evaluateFile', file })));
    }
    expect(logged).toHaveLength(5);
    expect(logged.map((e) => e.atMs)).toEqual(
      [1, 2, 3, 4, 5].map((n) => Date.parse('2026-11-01T00:00:00Z') + n * 1000),
    );
    expect(logged.every((e) => e.file.path === file.path && e.decision.action === 'permit')).toBe(true);
    const status = agent.status();
    expect(status.decisions.permit).toBe(5);
    expect(status.latencyP99Us).not.toBeNull();
  });

  it('answers anew after new settings, a new snapshot and a policy expiry', () => {
    const world: World = {
      organizations: [{ id: 'o', name: 'O', structure: 'flat', modules: [] }],
      groups: [{ id: 'g', org: 'o', name: 'G', os: 'linux', agentVersion: '10.6.0' }],
      computers: [{ id: 'c', group: 'g' }],
      applications: [
        { id: 'tool', name: 'Tool', builtIn: false, rules: [{ path: '/opt/tool' }] },
        { id: 'shell', name: 'Shell', builtIn: true, rules: [{ path: '/opt/tool' }] },
      ],
      policies: [
        {
          id: 'trial',
          app: 'tool',
          appliesTo: { group: 'g' },
          action: 'permit',
          order: 1,
          enabled: true,
          expiresAt: '2026-12-01T00:00:00Z',
        },
        { id: 'later', app: 'tool', appliesTo: { group: 'g' }, action: 'deny', order: 2, enabled: true },
        { id: 'builtin', app: 'shell', appliesTo: { group: 'g' }, action: 'ringfence', order: 3, enabled: true },
      ],
      agentSettings: [],
      approvalPolicies: [],
      approvalSettings: [],
    };
    const agent = makeAgent('c');
    agent.applySnapshot(snapshotOf(world, 'c', 1));
    const ask = (id: number) => {
      const body = agent.answerEncoded(
        Buffer.from(encodeRequest({ id, kind: 'evaluateFile', file: { path: '/opt/tool' } })),
      );
      const response = frameResponse(id, body as Uint8Array);
      if (response.kind !== 'decision') throw new Error(`expected a decision, got ${response.kind}`);
      return response.decision;
    };
    // Built-ins first by default.
    expect(ask(1).policy).toBe('builtin');
    expect(ask(2).policy).toBe('builtin');
    agent.applySettings(
      sealSettings(
        { computerId: 'c', settingsVersion: 1, issuedAtMs: 0, settings: { prioritizeBuiltInApplications: false } },
        privateKey,
      ),
    );
    expect(ask(3).policy).toBe('trial');
    expect(ask(4).snapshotVersion).toBe(1);
    agent.applySnapshot(snapshotOf(world, 'c', 2));
    expect(ask(5).snapshotVersion).toBe(2);
    now = EXPIRY_MS - 1;
    expect(ask(6).policy).toBe('trial');
    now = EXPIRY_MS;
    expect(ask(7).policy).toBe('later');
    // The clock goes back before the expiry: the trial policy decides again.
    now = EXPIRY_MS - 1;
    expect(ask(8).policy).toBe('trial');
  });
});
