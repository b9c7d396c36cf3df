// Property: whatever bytes a local client sends (random, or valid frames
// mutated), the server in this process, with a real agent on a temp cache,
// never crashes; it answers each whole frame as decoding it says it should
// (an answer for a good request, an error response for a bad one, then the
// close), and other connections keep being served. Evaluate requests read
// on the fast path (wire/evaluate-codec.ts; a file the cache misses decided
// by number and written from the view image) get, byte for byte, what a
// server that decodes every request with the generated code answers.
import fs from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { handleLocalRequest } from '../../src/agent/local-handler.js';
import { type TollgateError } from '../../src/engine/errors.js';
import type { Decision, FileRequest } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { LocalServer } from '../../src/local/server.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { encodeFrame, FrameDecoder } from '../../src/wire/framing.js';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  isAdminRequest,
  type LocalRequest,
  type LocalResponse,
} from '../../src/wire/local-api.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';
import { contractWorld } from '../support/contract-world.js';

const MAX_FRAME_BYTES = 4096;

let dir: string;
let store: AgentStore;
let server: LocalServer;
let socketPath: string;
/** The same agent behind a server without the fast path: every request decoded by decodeRequest. */
let plain: LocalServer;
let plainPath: string;
let bystander: Socket;
let bystanderResponses: LocalResponse[];
let agent: Agent;
/** Requests the fast server answered from the decision cache by their file's bytes. */
let answeredByKey = 0;
/** Every decision the agent logged, with the file it logged. */
const logged: { file: FileRequest; decision: Decision }[] = [];

beforeAll(async () => {
  const keys = generateSigningKeys();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-fuzz-'));
  store = AgentStore.open(path.join(dir, 'agent.db'));
  agent = new Agent({
    store,
    onDecision: (_atMs, file, decision) => logged.push({ file, decision }),
    publicKey: parsePublicKey(keys.publicKeyPem),
    computerId: 'till-1',
    noSnapshotAction: 'deny',
    clock: () => Date.parse('2026-11-01T00:00:00Z'),
  });
  agent.applySnapshot(
    sealSnapshot(
      {
        computerId: 'till-1',
        version: 1,
        issuedAtMs: 0,
        settingsVersion: 0,
        view: buildView(contractWorld(), 'till-1'),
      },
      parsePrivateKey(keys.privateKeyPem),
    ),
  );
  socketPath = path.join(dir, 'agent.sock');
  const handler = (request: LocalRequest) =>
    handleLocalRequest(agent, request, { computerId: 'till-1', exportDecisions: () => [] });
  const options = { mode: 0o600, maxFrameBytes: MAX_FRAME_BYTES, maxConnections: 16 };
  server = new LocalServer(handler, {
    ...options,
    socketPath,
    evaluate: (file, atMs) => agent.decide(file, atMs === undefined ? {} : { atMs }),
    evaluateCached: (key, start, end, hash) => {
      const cached = agent.answerCached(key, start, end, hash);
      if (cached !== undefined) answeredByKey++;
      return cached;
    },
    // A file the cache missed is decided by number and its answer written from the view image's bytes.
    decisionImage: () => agent.activeImage,
    evaluateMissed: (file, keyHash) => agent.decideMissedNumber(file, keyHash),
  });
  await server.listen();
  plainPath = path.join(dir, 'plain.sock');
  plain = new LocalServer(handler, { ...options, socketPath: plainPath });
  await plain.listen();
  bystander = createConnection(socketPath);
  bystanderResponses = [];
  const decoder = new FrameDecoder(1 << 20);
  bystander.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) bystanderResponses.push(decodeResponse(frame));
  });
  await new Promise((resolve) => bystander.once('connect', resolve));
});

afterAll(async () => {
  bystander?.destroy();
  await server?.close();
  await plain?.close();
  store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Sends `bytes`, closes the sending side, and resolves with every response once the server has closed. */
function exchange(bytes: Uint8Array, at = socketPath, raw: Buffer[] = []): Promise<LocalResponse[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(at);
    const decoder = new FrameDecoder(1 << 20);
    const responses: LocalResponse[] = [];
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of decoder.push(chunk)) {
          raw.push(Buffer.from(frame));
          responses.push(decodeResponse(frame));
        }
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    // The server may close before it has read everything: a reset is an ordinary end here.
    socket.on('error', () => {});
    socket.on('close', () => resolve(responses));
    socket.once('connect', () => socket.end(bytes));
  });
}

type Expected = { id: number } | { error: true };

/** What the server should answer, frame by frame: an answer with the request's id, or an error (last when fatal). */
function expectedAnswers(bytes: Uint8Array): Expected[] {
  const expected: Expected[] = [];
  let frames: Buffer[] = [];
  const decoder = new FrameDecoder(MAX_FRAME_BYTES);
  try {
    // The frames before a header past the limit are returned, and the decoder is left failed.
    frames = decoder.push(Buffer.from(bytes));
  } catch {
    // The first header is past the limit.
  }
  const tooLarge = decoder.failed !== null;
  for (const frame of frames) {
    let request: LocalRequest;
    try {
      request = decodeRequest(frame);
    } catch (error) {
      expected.push({ error: true });
      if ((error as TollgateError).code === 'field-too-long') continue;
      return expected;
    }
    expected.push(isAdminRequest(request) ? { error: true } : { id: request.id });
  }
  if (tooLarge) expected.push({ error: true });
  return expected;
}

const fileArb = fc.record(
  {
    path: fc.string({ minLength: 1, maxLength: 60 }),
    sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
    certSubject: fc.constantFrom('CN=Google LLC', 'CN=Other'),
  },
  { requiredKeys: ['path'] },
);
const requestArb: fc.Arbitrary<LocalRequest> = fc.oneof(
  fc.record({ id: fc.nat(), kind: fc.constant('evaluateFile' as const), file: fileArb }),
  fc.record({
    id: fc.nat(),
    kind: fc.constant('evaluateFile' as const),
    file: fileArb,
    atMs: fc.integer({ min: 0, max: 2 ** 42 }),
  }),
  fc.record({ id: fc.nat(), kind: fc.constant('status' as const) }),
  fc.record({ id: fc.nat(), kind: fc.constant('exportDecisions' as const), limit: fc.nat(100) }),
  fc.record({
    id: fc.nat(),
    kind: fc.constant('evaluateApproval' as const),
    submit: fc.constant(false),
    query: fc.record({ app: fc.constantFrom('fastcart', 'chrome', 'nope') }),
  }),
);
/** Valid frames, then bytes flipped, cut or inserted. */
const mutatedArb = fc
  .tuple(
    fc.array(requestArb, { minLength: 1, maxLength: 6 }),
    fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
      ),
      { maxLength: 3 },
    ),
  )
  .map(([requests, mutations]) => {
    let bytes = Buffer.concat(requests.map((r) => encodeFrame(encodeRequest(r))));
    for (const m of mutations) {
      const at = bytes.length === 0 ? 0 : m.at % bytes.length;
      if (m.op === 'flip' && bytes.length > 0) bytes[at] = m.value;
      else if (m.op === 'cut') bytes = bytes.subarray(0, at);
      else if (m.op === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
    }
    return new Uint8Array(bytes);
  });

it('answers any bytes as decoding them says, never crashes, and keeps serving others', async () => {
  let probes = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutatedArb), async (bytes) => {
      const fast: Buffer[] = [];
      const responses = await exchange(bytes, socketPath, fast);
      const decoded: Buffer[] = [];
      const plainResponses = await exchange(bytes, plainPath, decoded);
      expect(fast).toHaveLength(decoded.length);
      // Byte for byte, but for status, whose counters the other server's answers have moved on.
      plainResponses.forEach((response, i) => {
        if (response.kind === 'status') expect(responses[i]?.kind).toBe('status');
        else expect(fast[i]).toEqual(decoded[i]);
      });
      const expected = expectedAnswers(bytes);
      expect(responses).toHaveLength(expected.length);
      responses.forEach((response, i) => {
        const want = expected[i] as Expected;
        if ('error' in want) expect(response.kind).toBe('error');
        else expect(response.id).toBe(want.id);
      });
      // The connection of another client is served all along.
      probes++;
      const answered = new Promise<void>((resolve) => {
        const check = (): void => {
          if (bystanderResponses.some((r) => r.id === probes)) resolve();
          else bystander.once('data', () => setImmediate(check));
        };
        check();
      });
      bystander.write(encodeFrame(encodeRequest({ id: probes, kind: 'status' })));
      await answered;
    }),
    { numRuns: 200 },
  );
  // Every fuzzed connection is gone; the bystander's stays.
  await vi.waitFor(() => expect(server.connectionCount).toBe(1));
});

it('answers a repeated file from the cache by its bytes as it answers it decoded: counted, logged, never a what-if', async () => {
  const files: FileRequest[] = [
    { path: 'C:\\Program Files\\Google\\Chrome\\chrome.exe', certSubject: 'CN=Google LLC' },
    { path: 'C:\\Program Files\\Google\\Chrome\\chrome.exe', certSubject: 'CN=Other' },
    { path: 'C:\\Program Files\\Google\\Chrome\\chrome.exe' },
    { path: 'C:\\Users\\ana\\é.exe', sha256: 'a'.repeat(64), createdBy: 'C:\\x.exe' },
  ];
  const requests: LocalRequest[] = [];
  let id = 1;
  for (let round = 0; round < 3; round++) {
    for (const file of files) {
      requests.push({ id: id++, kind: 'evaluateFile', file });
      // A what-if at another time: answered, never from the cache, never logged.
      requests.push({ id: id++, kind: 'evaluateFile', file, atMs: Date.parse('2030-01-01T00:00:00Z') });
    }
  }
  const bytes = Buffer.concat(requests.map((r) => encodeFrame(encodeRequest(r))));
  // Asked twice on the plain server first: every file is cached before the fast server is asked.
  await exchange(bytes, plainPath);
  const decoded: Buffer[] = [];
  await exchange(bytes, plainPath, decoded);
  const before = agent.metrics();
  logged.length = 0;
  answeredByKey = 0;
  const fast: Buffer[] = [];
  const responses = await exchange(bytes, socketPath, fast);
  expect(fast).toEqual(decoded);
  expect(responses.map((r) => r.id)).toEqual(requests.map((r) => r.id));
  const after = agent.metrics();
  // Every request without a what-if is a hit, counted by action; what-ifs count as decisions, not as hits.
  expect(after.cacheHits - before.cacheHits).toBe(files.length * 3);
  expect(after.cacheMisses).toBe(before.cacheMisses);
  expect(answeredByKey).toBe(files.length * 3);
  const counted = (m: typeof after) => Object.values(m.decisions).reduce((a, b) => a + b, 0);
  expect(counted(after) - counted(before)).toBe(requests.length);
  // Logged: the requests without what-ifs, in order, each with its file and the decision answered.
  expect(logged.map((l) => l.file)).toEqual([...files, ...files, ...files]);
  const answered = responses.filter((_, i) => (requests[i] as { atMs?: number }).atMs === undefined);
  expect(logged.map((l) => l.decision)).toEqual(answered.map((r) => (r as { decision: Decision }).decision));
});
