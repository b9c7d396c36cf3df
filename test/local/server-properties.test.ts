// Property: whatever bytes a local client sends (random, or valid frames
// mutated), the server in this process, with a real agent on a temp cache,
// never crashes; it answers each whole frame as decoding it says it should
// (an answer for a good request, an error response for a bad one, then the
// close), and other connections keep being served. Evaluate requests read
// on the fast path (wire/evaluate-codec.ts) get, byte for byte, what a
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

beforeAll(async () => {
  const keys = generateSigningKeys();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-fuzz-'));
  store = AgentStore.open(path.join(dir, 'agent.db'));
  const agent = new Agent({
    store,
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
  let frames: Buffer[];
  let tooLarge = false;
  const decoder = new FrameDecoder(MAX_FRAME_BYTES);
  try {
    frames = decoder.push(Buffer.from(bytes));
  } catch {
    // The frames before the oversized header were returned by no call: split them off by hand.
    frames = [];
    tooLarge = true;
    let offset = 0;
    while (offset + 4 <= bytes.length) {
      const length = Buffer.from(bytes).readUInt32BE(offset);
      if (length > MAX_FRAME_BYTES) break;
      frames.push(Buffer.from(bytes.subarray(offset + 4, offset + 4 + length)));
      offset += 4 + length;
    }
  }
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
