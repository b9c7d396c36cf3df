// The local socket server over real Unix sockets in a temp folder: connection
// slots, deadlines (with faked interval timers and clock), backpressure,
// oversized frames, field limits and the client/admin split.
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Decision } from '../../src/engine/model.js';
import {
  type CachedAnswer,
  type LocalServerOptions,
  LocalServer,
  OUTPUT_SLICE_BYTES,
  type RequestHandler,
} from '../../src/local/server.js';
import { EvaluateRequestReader, KEY_KEEP_BYTES } from '../../src/wire/evaluate-codec.js';
import { fileKey, putVarint } from '../../src/wire/file-key.js';
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder } from '../../src/wire/framing.js';
import {
  decodeResponse,
  encodeRequest,
  encodeResponse,
  REQUEST_FIELD_LIMITS,
  type LocalRequest,
  type LocalResponse,
} from '../../src/wire/local-api.js';

const STATUS = {
  computerId: 'pc-1',
  agentVersion: '1.0',
  os: 'linux',
  snapshotVersion: null,
  snapshotIssuedAtMs: null,
  snapshotAppliedAtMs: null,
  orgStructure: null,
  structure: 'flat',
  builtInsFirst: true,
  gated: [],
  settings: {},
  settingSources: {},
  settingsVersion: 0,
  policyCount: 0,
  decisions: {},
  latencyP50Us: 0,
  latencyP99Us: 0,
  outboxDepth: 0,
  uptimeMs: 0,
  syncState: 'disabled',
  serverUrl: null,
  lastSyncAtMs: null,
  syncDownSinceMs: null,
  metricsAddress: null,
} as const;

/** Answers status and evaluateFile; exportDecisions with `exportEntries` entries of long paths. */
function handlerOf(seen: LocalRequest[], exportEntries = 0): RequestHandler {
  return (request) => {
    seen.push(request);
    switch (request.kind) {
      case 'status':
        return { id: request.id, kind: 'status', status: { ...STATUS, gated: [] } };
      case 'exportDecisions':
        return {
          id: request.id,
          kind: 'decisions',
          computerId: 'pc-1',
          entries: Array.from({ length: exportEntries }, (_, i) => ({
            atMs: i,
            file: { path: `/opt/${i}/${'x'.repeat(10_000)}` },
            decision: {
              action: 'permit',
              policy: null,
              policyName: null,
              order: null,
              application: null,
              structure: 'flat',
              builtInsFirst: true,
              gated: [],
              snapshotVersion: 1,
              reason: 'r',
            },
          })),
        };
      case 'applySnapshot':
      case 'evaluateApproval':
      case 'evaluateFile':
        return { id: request.id, kind: 'error', code: 'unexpected', message: request.kind };
    }
  };
}

/** A raw client: every response frame it receives, and promises of the next one and of the close. */
interface Raw {
  socket: Socket;
  responses: LocalResponse[];
  next(): Promise<LocalResponse>;
  closed: Promise<void>;
}

function connect(path: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const decoder = new FrameDecoder(64 << 20);
    const responses: LocalResponse[] = [];
    let waiters: ((r: LocalResponse) => void)[] = [];
    let taken = 0;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) responses.push(decodeResponse(frame));
      const ready = waiters;
      waiters = [];
      for (const w of ready) {
        const r = responses[taken];
        if (r === undefined) waiters.push(w);
        else {
          taken++;
          w(r);
        }
      }
    });
    socket.on('error', () => {});
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.once('connect', () =>
      resolve({
        socket,
        responses,
        closed,
        next: () =>
          new Promise((done) => {
            const r = responses[taken];
            if (r === undefined) waiters.push(done);
            else {
              taken++;
              done(r);
            }
          }),
      }),
    );
    socket.once('error', reject);
  });
}

const frame = (request: LocalRequest): Buffer => encodeFrame(encodeRequest(request));

/** Answers every request with a status after holding the event loop 2 ms, telling `seen` of each first. */
function slowStatus(seen: (request: LocalRequest) => void = () => {}): RequestHandler {
  return (request) => {
    const until = performance.now() + 2;
    while (performance.now() < until);
    seen(request);
    return { id: request.id, kind: 'status', status: { ...STATUS, gated: [] } };
  };
}

/** A decision an evaluate handler gives, frozen as the view image's are; `reason` sets its size. */
function permitWith(reason: string): Decision {
  return Object.freeze({
    action: 'permit',
    policy: 'p-1',
    policyName: null,
    order: 1,
    application: null,
    structure: 'flat',
    builtInsFirst: true,
    gated: [],
    snapshotVersion: 1,
    reason,
  } satisfies Decision);
}

const permitDecision = permitWith('r');

/**
 * Runs `work` while counting what every socket but `client` is handed to
 * write (the server's side): `onWrite` gets each write's byte length.
 */
async function watchingServerWrites(
  client: Socket,
  onWrite: (bytes: number) => void,
  work: () => Promise<void>,
): Promise<void> {
  const write = Socket.prototype.write;
  const spy = vi.spyOn(Socket.prototype, 'write').mockImplementation(function (this: Socket, ...args) {
    if (this !== client) onWrite((args[0] as Uint8Array).length);
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
}

describe('LocalServer', () => {
  let dir: string;
  let servers: LocalServer[];
  let clients: Raw[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-local-'));
    servers = [];
    clients = [];
  });

  afterEach(async () => {
    vi.useRealTimers();
    for (const c of clients) c.socket.destroy();
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(
    options: Partial<LocalServerOptions> = {},
    handler: RequestHandler = handlerOf([]),
  ): Promise<{ server: LocalServer; path: string; errors: string[] }> {
    const path = join(dir, `s${servers.length}.sock`);
    const errors: string[] = [];
    const server = new LocalServer(handler, {
      socketPath: path,
      mode: 0o600,
      maxFrameBytes: 1024 * 1024,
      maxConnections: 8,
      onClientError: (info) => errors.push(info.code),
      ...options,
    });
    await server.listen();
    servers.push(server);
    return { server, path, errors };
  }

  async function client(path: string): Promise<Raw> {
    const c = await connect(path);
    clients.push(c);
    return c;
  }

  /** A connection that has been answered once and then sent a frame header only: busy, never evicted. */
  async function busyClient(path: string, id: number): Promise<Raw> {
    const c = await client(path);
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32BE(100);
    c.socket.write(Buffer.concat([frame({ id, kind: 'status' }), header]));
    expect(await c.next()).toMatchObject({ id, kind: 'status' });
    return c;
  }

  it('refuses to start on a path in a folder that does not exist, naming the path', async () => {
    const path = join(dir, 'no-such-folder', 'x.sock');
    const server = new LocalServer(handlerOf([]), {
      socketPath: path,
      mode: 0o600,
      maxFrameBytes: 1024,
      maxConnections: 1,
    });
    await expect(server.listen()).rejects.toMatchObject({ code: 'socket-unavailable' });
    await expect(server.listen()).rejects.toThrow(`cannot listen on ${path}: `);
  });

  it('answers a pipelined run of evaluate requests in order, whatever their sizes, across output blocks and batches', async () => {
    // Decisions of every size up to 12 KiB (so that one chunk's answers fill several 64 KiB blocks), frozen
    // as the view image's are; a file asked before is answered from a cache keyed by its key bytes.
    const decisionFor = (path: string): Decision =>
      Object.freeze({
        action: path.length % 2 === 0 ? 'permit' : 'deny',
        policy: `p-${path.length}`,
        policyName: null,
        order: path.length,
        application: null,
        structure: 'flat',
        builtInsFirst: true,
        gated: [],
        snapshotVersion: 1,
        reason: 'r'.repeat((path.length * 37) % 12_000),
      } satisfies Decision);
    const cache = new Map<string, CachedAnswer>();
    let decided = 0;
    let hits = 0;
    const { path } = await serve({
      evaluate: (file) => {
        decided++;
        const decision = decisionFor(file.path);
        cache.set((fileKey(file) as Buffer).toString('latin1'), { decision, body: undefined });
        return decision;
      },
      evaluateCached: (key, start, end) => {
        const cached = cache.get(key.toString('latin1', start, end));
        if (cached !== undefined) hits++;
        return cached;
      },
    });
    const c = await client(path);
    const paths = Array.from({ length: 600 }, (_, i) => `/opt/${'d'.repeat(i % 97)}/${i}`);
    let id = 1;
    for (let round = 0; round < 3; round++) {
      const requests: LocalRequest[] = paths.map((p, i) =>
        // A status request now and then: a whole frame among the decisions.
        i % 50 === 7 ? { id: id++, kind: 'status' } : { id: id++, kind: 'evaluateFile', file: { path: p } },
      );
      const start = c.responses.length;
      // One write: the server reads it in a few large chunks.
      c.socket.write(Buffer.concat(requests.map(frame)));
      for (const request of requests) {
        const response = await c.next();
        expect(response.id).toBe(request.id);
        if (request.kind === 'evaluateFile') {
          expect(response).toEqual({ id: request.id, kind: 'decision', decision: decisionFor(request.file.path) });
        } else {
          expect(response.kind).toBe('status');
        }
      }
      expect(c.responses.length - start).toBe(requests.length);
    }
    // Every file decided once, then answered from the cache (its kept message from its second answer on).
    const evaluated = paths.filter((_, i) => i % 50 !== 7).length;
    expect([decided, hits]).toEqual([evaluated, 2 * evaluated]);
    expect([...cache.values()].every((entry) => entry.body !== undefined)).toBe(true);
  });

  it('hands the answers of a chunk to the socket in slices as they are made, not at the chunk end', async () => {
    const decision = permitWith('r'.repeat(500));
    // What happened, in order: 'd' for a decision made, a number for bytes the server handed to its socket.
    const events: (number | 'd')[] = [];
    const { path } = await serve({
      evaluate: () => {
        events.push('d');
        return decision;
      },
    });
    const c = await client(path);
    await watchingServerWrites(
      c.socket,
      (bytes) => events.push(bytes),
      async () => {
        const requests = Array.from({ length: 400 }, (_, i) =>
          frame({ id: i + 1, kind: 'evaluateFile', file: { path: `/a/${i}` } }),
        );
        c.socket.write(Buffer.concat(requests));
        for (let i = 0; i < requests.length; i++) expect((await c.next()).id).toBe(i + 1);
      },
    );
    const writes = events.filter((e): e is number => e !== 'd');
    // About 220 KiB of answers: some 14 slices, none much past OUTPUT_SLICE_BYTES, the first after a few dozen answers.
    expect(writes.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...writes)).toBeLessThan(OUTPUT_SLICE_BYTES + 1024);
    expect(events.indexOf(writes[0] as number)).toBeLessThan(50);
    expect(writes.reduce((a, b) => a + b, 0)).toBe(
      c.responses.reduce((a, r) => a + encodeFrame(encodeResponse(r)).length, 0),
    );
  });

  it('refuses a connection past the limit when every slot is busy, and destroys it', async () => {
    const { server, path, errors } = await serve({ maxConnections: 2 });
    await busyClient(path, 1);
    await busyClient(path, 2);
    // A client that reads nothing, so it never closes its side: only the server can end the connection.
    const refused = createConnection(path);
    refused.on('error', () => {});
    await new Promise((resolve) => refused.once('connect', resolve));
    await vi.waitFor(() => expect(errors).toEqual(['too-many-connections']));
    expect(server.connectionCount).toBe(2);
    // Nothing refused is left behind to hold the close up.
    await server.close();
    const decoder = new FrameDecoder(1 << 20);
    const frames: Buffer[] = [];
    refused.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
    await new Promise((resolve) => refused.once('close', resolve));
    expect(frames.map((f) => decodeResponse(f))).toEqual([
      expect.objectContaining({ id: 0, kind: 'error', code: 'too-many-connections' }),
    ]);
  });

  it('evicts the longest silent connection, one that never sent a frame first, to admit a new one', async () => {
    const { server, path, errors } = await serve({ maxConnections: 2 });
    const answered = await client(path);
    answered.socket.write(frame({ id: 1, kind: 'status' }));
    await answered.next();
    const silent = await client(path);
    // The server has accepted the silent one once a third request on the first is answered.
    answered.socket.write(frame({ id: 2, kind: 'status' }));
    await answered.next();
    const newcomer = await client(path);
    expect(await silent.next()).toMatchObject({ kind: 'error', code: 'connection-evicted' });
    await silent.closed;
    newcomer.socket.write(frame({ id: 3, kind: 'status' }));
    expect(await newcomer.next()).toMatchObject({ id: 3, kind: 'status' });
    answered.socket.write(frame({ id: 4, kind: 'status' }));
    expect(await answered.next()).toMatchObject({ id: 4, kind: 'status' });
    expect(server.connectionCount).toBe(2);
    expect(errors).toEqual(['connection-evicted']);
  });

  describe('deadlines', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    });

    const deadlines = { idleTimeoutMs: 30_000, frameTimeoutMs: 10_000, firstFrameTimeoutMs: 5_000 };

    it('closes a connection idle for idleTimeoutMs, not before', async () => {
      const { path, errors } = await serve(deadlines);
      const c = await client(path);
      c.socket.write(frame({ id: 1, kind: 'status' }));
      await c.next();
      vi.advanceTimersByTime(29_000);
      c.socket.write(frame({ id: 2, kind: 'status' }));
      expect(await c.next()).toMatchObject({ id: 2, kind: 'status' });
      vi.advanceTimersByTime(29_000);
      expect(errors).toEqual([]);
      vi.advanceTimersByTime(2_000);
      expect(await c.next()).toMatchObject({ id: 0, kind: 'error', code: 'idle-timeout' });
      await c.closed;
    });

    it('keeps a client that takes its answers slowly, and closes one that has stopped taking them', async () => {
      const seen: LocalRequest[] = [];
      const { path, server, errors } = await serve(
        { ...deadlines, admin: true, maxUnsentBytes: 256 * 1024 },
        handlerOf(seen, 100),
      );
      const socket = createConnection(path);
      clients.push({ socket } as Raw);
      await new Promise((resolve) => socket.once('connect', resolve));
      // Answers of about 1 MiB each: far more than the client takes at a time below, so they never all drain.
      socket.write(
        Buffer.concat(Array.from({ length: 40 }, (_, i) => frame({ id: i + 1, kind: 'exportDecisions', limit: 1 }))),
      );
      const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
      while (seen.length === 0) await pause(5);
      let taken = 0;
      for (let step = 0; step < 4; step++) {
        // A few reads of the stream's buffer (at most its high-water mark each): some of the backlog moves.
        for (let i = 0; i < 4; i++) {
          taken += (socket.read() as Buffer | null)?.length ?? 0;
          await pause(5);
        }
        vi.advanceTimersByTime(20_000);
      }
      // 80 s with no request, its answers taken slowly all along: not idle.
      expect(taken).toBeGreaterThan(0);
      expect(errors).toEqual([]);
      expect(server.connectionCount).toBe(1);
      vi.advanceTimersByTime(31_000);
      expect(errors).toEqual(['idle-timeout']);
      expect(server.connectionCount).toBe(0);
    });

    it('closes a connection whose frame is not received whole within frameTimeoutMs', async () => {
      const { path, errors } = await serve(deadlines);
      const c = await client(path);
      const whole = frame({ id: 1, kind: 'status' });
      c.socket.write(Buffer.concat([whole, whole.subarray(0, 3)]));
      await c.next();
      vi.advanceTimersByTime(9_000);
      // A byte more does not move the deadline of the frame it belongs to.
      c.socket.write(whole.subarray(3, 5));
      vi.advanceTimersByTime(2_000);
      expect(await c.next()).toMatchObject({ kind: 'error', code: 'frame-timeout' });
      await c.closed;
      expect(errors).toEqual(['frame-timeout']);
    });

    it('closes a connection that sends no whole frame within firstFrameTimeoutMs', async () => {
      const { path, server } = await serve(deadlines);
      const silent = await client(path);
      const talking = await client(path);
      talking.socket.write(frame({ id: 1, kind: 'status' }));
      await talking.next();
      vi.advanceTimersByTime(6_000);
      expect(await silent.next()).toMatchObject({ kind: 'error', code: 'first-frame-timeout' });
      await silent.closed;
      expect(server.connectionCount).toBe(1);
    });
  });

  it('stops reading from a client that does not take its answers, and reads on once it does', async () => {
    const seen: LocalRequest[] = [];
    const answer = handlerOf(seen, 100);
    let started: () => void = () => {};
    const first = new Promise<void>((resolve) => (started = resolve));
    const handler: RequestHandler = (request) => {
      started();
      return answer(request);
    };
    const { path, server } = await serve({ admin: true, maxUnsentBytes: 256 * 1024 }, handler);
    const c = await client(path);
    c.socket.pause();
    const requests = Array.from({ length: 40 }, (_, i) => frame({ id: i + 1, kind: 'exportDecisions', limit: 1 }));
    c.socket.write(Buffer.concat(requests));
    await first;
    // The requests arrived in one chunk, answered in one go up to the bound. Each answer is about 1 MiB:
    // the requests after the first few wait, unread, for the client.
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(5);
    c.socket.resume();
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push((await c.next()).id);
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(seen).toHaveLength(40);
    // Disconnecting frees the connection, paused or not.
    c.socket.destroy();
    await vi.waitFor(() => expect(server.connectionCount).toBe(0));
  });

  it('answers the requests held for a slow reader before the bad frame that followed them, then closes', async () => {
    const seen: LocalRequest[] = [];
    const { path, errors } = await serve({ admin: true, maxUnsentBytes: 256 * 1024 }, handlerOf(seen, 100));
    const c = await client(path);
    c.socket.pause();
    // Twenty requests whose answers are about 1 MiB each, then a header past the frame limit, in one write:
    // the server stops reading after the first few answers, with the rest of the requests held.
    const oversized = Buffer.alloc(FRAME_HEADER_BYTES);
    oversized.writeUInt32BE(2 * 1024 * 1024);
    const requests = Array.from({ length: 20 }, (_, i) => frame({ id: i + 1, kind: 'exportDecisions', limit: 1 }));
    c.socket.write(Buffer.concat([...requests, oversized]));
    await vi.waitFor(() => expect(seen.length).toBeGreaterThan(0));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.length).toBeLessThan(20);
    c.socket.resume();
    for (let id = 1; id <= 20; id++) expect(await c.next()).toMatchObject({ id, kind: 'decisions' });
    expect(await c.next()).toMatchObject({ id: 0, kind: 'error', code: 'frame-too-large' });
    await c.closed;
    expect(seen).toHaveLength(20);
    expect(errors).toEqual(['frame-too-large']);
  });

  it('serves other connections between the turns of one whose requests take long to answer', async () => {
    const order: string[] = [];
    // Each status request takes 2 ms of the event loop; the last connection's answers are told apart by id.
    const handler = slowStatus((request) => order.push(request.id >= 1000 ? 'other' : `busy ${request.id}`));
    const { path } = await serve({}, handler);
    const busy = await client(path);
    const other = await client(path);
    // 50 requests in one write: about 100 ms of work, well over REQUEST_TURN_MS.
    busy.socket.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => frame({ id: i + 1, kind: 'status' }))));
    other.socket.write(frame({ id: 1000, kind: 'status' }));
    expect(await other.next()).toMatchObject({ id: 1000, kind: 'status' });
    for (let id = 1; id <= 50; id++) expect(await busy.next()).toMatchObject({ id, kind: 'status' });
    // The other connection was answered while the busy one still had requests waiting.
    const at = order.indexOf('other');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(50);
    expect(order.filter((o) => o !== 'other')).toEqual(Array.from({ length: 50 }, (_, i) => `busy ${i + 1}`));
  });

  it('serves other connections between the turns of one that floods evaluates, and between those of two that flood', async () => {
    const order: string[] = [];
    const { path } = await serve(
      {
        // Each evaluate takes 0.5 ms of the event loop (a first-seen file in a large view, say).
        evaluate: (file) => {
          const until = performance.now() + 0.5;
          while (performance.now() < until);
          order.push(file.path.startsWith('/other') ? 'other' : 'busy');
          return permitWith('ok');
        },
      },
      handlerOf([]),
    );
    const busy = [await client(path), await client(path)];
    const other = await client(path);
    // 400 evaluates each in one write: about 200 ms of work per connection, twenty times REQUEST_TURN_MS.
    for (const [n, c] of busy.entries()) {
      c.socket.write(
        Buffer.concat(
          Array.from({ length: 400 }, (_, i) =>
            frame({ id: i + 1, kind: 'evaluateFile', file: { path: `/busy/${n}/${i}` } }),
          ),
        ),
      );
    }
    other.socket.write(frame({ id: 1000, kind: 'evaluateFile', file: { path: '/other/1' } }));
    expect(await other.next()).toMatchObject({ id: 1000, kind: 'decision' });
    for (const c of busy) for (let id = 1; id <= 400; id++) expect((await c.next()).id).toBe(id);
    // Answered while the busy connections still had most of their requests waiting.
    const at = order.indexOf('other');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(400);
  });

  it('ends the turn of a connection after a request that took more than a second, too', async () => {
    const order: string[] = [];
    const handler: RequestHandler = (request) => {
      const until = performance.now() + (request.id >= 1000 ? 0 : 1_050);
      while (performance.now() < until);
      order.push(request.id >= 1000 ? 'other' : `busy ${request.id}`);
      return { id: request.id, kind: 'status', status: { ...STATUS, gated: [] } };
    };
    const { path } = await serve({}, handler);
    const busy = await client(path);
    const other = await client(path);
    busy.socket.write(Buffer.concat([1, 2, 3].map((id) => frame({ id, kind: 'status' }))));
    other.socket.write(frame({ id: 1000, kind: 'status' }));
    expect(await other.next()).toMatchObject({ id: 1000 });
    for (let id = 1; id <= 3; id++) expect(await busy.next()).toMatchObject({ id });
    expect(order.indexOf('other')).toBeLessThanOrEqual(2);
  });

  it('never evicts a connection whose requests wait for their turn', async () => {
    const handler = slowStatus();
    const { path } = await serve({ maxConnections: 1 }, handler);
    // The turn is given back on setImmediate: held here until the test lets it run.
    vi.useFakeTimers({ toFake: ['setImmediate'] });
    const busy = await client(path);
    busy.socket.write(Buffer.concat(Array.from({ length: 20 }, (_, i) => frame({ id: i + 1, kind: 'status' }))));
    const first = await busy.next();
    expect(first.id).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The only slot is taken by a connection with requests held: the newcomer is refused, not it evicted.
    const newcomer = await client(path);
    expect(await newcomer.next()).toMatchObject({ id: 0, kind: 'error', code: 'too-many-connections' });
    vi.runAllTimers();
    vi.useRealTimers();
    for (let id = 2; id <= 20; id++) expect(await busy.next()).toMatchObject({ id, kind: 'status' });
  });

  it('does not take a connection answered in turns, whose client reads every answer, for idle', async () => {
    const handler = slowStatus();
    // About 800 ms of answers to one write, more than twice the idle timeout.
    const { path, errors } = await serve({ idleTimeoutMs: 300 }, handler);
    const c = await client(path);
    c.socket.write(Buffer.concat(Array.from({ length: 400 }, (_, i) => frame({ id: i + 1, kind: 'status' }))));
    for (let id = 1; id <= 400; id++) expect(await c.next()).toMatchObject({ id, kind: 'status' });
    expect(errors).toEqual([]);
  });

  it('counts answers queued behind an unsettled one against maxUnsentBytes, and writes directly again once it settles', async () => {
    const decision = permitWith('r'.repeat(500));
    let decided = 0;
    let settle: () => void = () => {};
    let asked: () => void = () => {};
    const askedSlow = new Promise<void>((resolve) => (asked = resolve));
    const handler: RequestHandler = (request) => {
      // A slow asynchronous answer: settled when the test says so.
      asked();
      return new Promise<LocalResponse>((resolve) => {
        settle = () => resolve({ id: request.id, kind: 'status', status: { ...STATUS, gated: [] } });
      });
    };
    const { path } = await serve(
      {
        maxUnsentBytes: 16 * 1024,
        evaluate: () => {
          decided++;
          return decision;
        },
      },
      handler,
    );
    const c = await client(path);
    const evaluate = (id: number): Buffer => frame({ id, kind: 'evaluateFile', file: { path: `/a/${id}` } });
    const flood = Array.from({ length: 2000 }, (_, i) => evaluate(i + 2));
    c.socket.write(Buffer.concat([frame({ id: 1, kind: 'status' }), ...flood]));
    await askedSlow;
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Behind the unsettled answer, about 16 KiB of answers (some 30) are queued; the rest is not read.
    expect(decided).toBeGreaterThan(0);
    expect(decided).toBeLessThan(100);
    settle();
    for (let id = 1; id <= 2001; id++) expect((await c.next()).id).toBe(id);
    expect(decided).toBe(2000);
    // Nothing is queued any more: a chunk's answers go out in slices, not one write each.
    let writes = 0;
    await watchingServerWrites(
      c.socket,
      () => writes++,
      async () => {
        c.socket.write(Buffer.concat(Array.from({ length: 400 }, (_, i) => evaluate(3000 + i))));
        for (let i = 0; i < 400; i++) expect((await c.next()).id).toBe(3000 + i);
      },
    );
    expect(writes).toBeLessThan(40);
  });

  it('answers an asynchronous answer that cannot be encoded as a failure, and the answers behind it follow', async () => {
    const handler: RequestHandler = (request) =>
      // A response the wire cannot carry (an id past uint32).
      Promise.resolve({ id: request.id + 2 ** 40, kind: 'status', status: { ...STATUS, gated: [] } });
    const { path } = await serve({ evaluate: () => permitDecision }, handler);
    const c = await client(path);
    c.socket.write(
      Buffer.concat([
        frame({ id: 1, kind: 'status' }),
        ...Array.from({ length: 20 }, (_, i) => frame({ id: i + 2, kind: 'evaluateFile', file: { path: `/a/${i}` } })),
      ]),
    );
    const first = await c.next();
    expect(first).toMatchObject({ id: 1, kind: 'error', code: 'internal' });
    for (let id = 2; id <= 21; id++) expect(await c.next()).toMatchObject({ id, kind: 'decision' });
  });

  it('stops reading from a client with maxInFlight answers unsettled, and reads on as they settle, in order', async () => {
    const seen: number[] = [];
    const pending: (() => void)[] = [];
    let settleAtOnce = false;
    let arrived: () => void = () => {};
    const handler: RequestHandler = (request) => {
      seen.push(request.id);
      if (seen.length === 3) arrived();
      return new Promise<LocalResponse>((resolve) => {
        const settle = (): void => resolve({ id: request.id, kind: 'status', status: { ...STATUS, gated: [] } });
        if (settleAtOnce) settle();
        else pending.push(settle);
      });
    };
    const { path } = await serve({ maxInFlight: 3 }, handler);
    const c = await client(path);
    const third = new Promise<void>((resolve) => (arrived = resolve));
    c.socket.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => frame({ id: i + 1, kind: 'status' }))));
    await third;
    await new Promise((resolve) => setImmediate(resolve));
    // The other seven frames wait unread (or held) while three answers are unsettled.
    expect(seen).toEqual([1, 2, 3]);
    pending.shift()!();
    expect((await c.next()).id).toBe(1);
    await vi.waitFor(() => expect(seen).toHaveLength(4));
    expect(seen).toEqual([1, 2, 3, 4]);
    // Settling the rest lets every request in, each answered in order.
    settleAtOnce = true;
    while (pending.length > 0) pending.shift()!();
    const ids: number[] = [];
    while (ids.length < 9) ids.push((await c.next()).id);
    expect(ids).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('answers every request of a client that ended its side, asynchronous answers included, then ends its own', async () => {
    const handler: RequestHandler = (request) =>
      new Promise((resolve) =>
        setTimeout(() => resolve({ id: request.id, kind: 'status', status: { ...STATUS, gated: [] } }), 20),
      );
    const { path } = await serve({ evaluate: () => permitDecision }, handler);
    const c = await client(path);
    c.socket.end(
      Buffer.concat([
        frame({ id: 1, kind: 'evaluateFile', file: { path: '/a/1' } }),
        frame({ id: 2, kind: 'status' }),
        frame({ id: 3, kind: 'evaluateFile', file: { path: '/a/3' } }),
      ]),
    );
    await c.closed;
    expect(c.responses.map((r) => [r.id, r.kind])).toEqual([
      [1, 'decision'],
      [2, 'status'],
      [3, 'decision'],
    ]);
  });

  it('answers an oversized frame with frame-too-large and closes the connection', async () => {
    const { path, errors } = await serve({ maxFrameBytes: 1000 });
    const c = await client(path);
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32BE(1001);
    c.socket.write(header);
    expect(await c.next()).toMatchObject({ id: 0, kind: 'error', code: 'frame-too-large' });
    await c.closed;
    expect(errors).toEqual(['frame-too-large']);
  });

  it('answers the requests before an oversized frame first, also when the first of them came in an earlier read', async () => {
    const { path, errors } = await serve({ maxFrameBytes: 1000 });
    const c = await client(path);
    const first = frame({ id: 1, kind: 'status' });
    c.socket.write(first.subarray(0, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const oversized = Buffer.alloc(FRAME_HEADER_BYTES);
    oversized.writeUInt32BE(1001);
    c.socket.write(
      Buffer.concat([
        first.subarray(5),
        frame({ id: 2, kind: 'status' }),
        frame({ id: 3, kind: 'status' }),
        frame({ id: 4, kind: 'status' }),
        oversized,
      ]),
    );
    for (let id = 1; id <= 4; id++) expect(await c.next()).toMatchObject({ id, kind: 'status' });
    expect(await c.next()).toMatchObject({ id: 0, kind: 'error', code: 'frame-too-large' });
    await c.closed;
    expect(errors).toEqual(['frame-too-large']);
  });

  it('answers a field past its limit with field-too-long naming the field, and carries on', async () => {
    const { path } = await serve();
    const c = await client(path);
    const path32k = 'C:\\' + 'a'.repeat(REQUEST_FIELD_LIMITS.path);
    c.socket.write(
      Buffer.concat([
        frame({ id: 5, kind: 'evaluateFile', file: { path: path32k } }),
        frame({ id: 6, kind: 'status' }),
      ]),
    );
    const refused = await c.next();
    expect(refused).toMatchObject({ id: 5, kind: 'error', code: 'field-too-long' });
    expect(refused.kind === 'error' && refused.message).toMatch(/request\.evaluateFile\.file\.path/);
    expect(await c.next()).toMatchObject({ id: 6, kind: 'status' });
  });

  it('skips a group wherever it lies, as the generated decoder does, and reads the id after one', async () => {
    const seen: LocalRequest[] = [];
    const { path } = await serve({ admin: true }, handlerOf(seen));
    const c = await client(path);
    const raw = (hex: string): Buffer => encodeFrame(Buffer.from(hex.replace(/\s/g, ''), 'hex'));
    c.socket.write(
      Buffer.concat([
        raw('0b0c 0801 2200'), // an empty group of field 1, then id 1 and a status request
        raw('0802 2a04 0b080c0c'), // id 2, an export_decisions holding a group of field 1
        raw('0b0c 08818001'), // a group, then id 16385 and no body
      ]),
    );
    expect(await c.next()).toMatchObject({ id: 1, kind: 'status' });
    expect(await c.next()).toMatchObject({ id: 2, kind: 'decisions' });
    expect(await c.next()).toEqual({
      id: 16385,
      kind: 'error',
      code: 'bad-request',
      message: 'request 16385 has no body (none of its fields is one, with the wire type of one)',
    });
    expect(seen).toEqual([
      { id: 1, kind: 'status' },
      { id: 2, kind: 'exportDecisions', limit: 0 },
    ]);
  });

  it('keeps no key buffer a large request grew once its chunk is answered, refused or decided, and carries on', async () => {
    // The reader lays out the key of a FileInfo whose fields are out of order in a buffer of its own, as
    // large as the fields (up to a frame's payload); an open connection must not keep one that large.
    const readers: EvaluateRequestReader[] = [];
    const scan = EvaluateRequestReader.prototype.scan;
    const spy = vi.spyOn(EvaluateRequestReader.prototype, 'scan').mockImplementation(function (
      this: EvaluateRequestReader,
      buffer: Buffer,
      start: number,
      end: number,
    ) {
      if (!readers.includes(this)) readers.push(this);
      return scan.call(this, buffer, start, end);
    });
    const decision = permitWith('r');
    try {
      const { path } = await serve({ evaluate: () => decision });
      const c = await client(path);
      /** An evaluate request whose FileInfo gives sha256 before path (so its key is not its own bytes). */
      const outOfOrder = (id: number, pathText: string, processPath: string): Buffer => {
        const text = (field: number, value: string): Buffer => {
          const bytes = Buffer.from(value, 'utf8');
          const head = Buffer.alloc(6);
          head[0] = (field << 3) | 2;
          return Buffer.concat([head.subarray(0, putVarint(head, 1, bytes.length)), bytes]);
        };
        const message = (tag: number, body: Buffer): Buffer => {
          const head = Buffer.alloc(6);
          head[0] = tag;
          return Buffer.concat([head.subarray(0, putVarint(head, 1, body.length)), body]);
        };
        const fileInfo = Buffer.concat([text(2, 'ab'), text(1, pathText), text(5, processPath)]);
        return encodeFrame(Buffer.concat([Buffer.from([0x08, id]), message(0x12, message(0x0a, fileInfo))]));
      };
      const atLimit = 'a'.repeat(REQUEST_FIELD_LIMITS.path);
      // Past the path's limit: refused, the connection carries on.
      c.socket.write(outOfOrder(5, 'b'.repeat(300_000), ''));
      expect(await c.next()).toMatchObject({ id: 5, kind: 'error', code: 'field-too-long' });
      expect(readers).toHaveLength(1);
      const reader = readers[0] as EvaluateRequestReader;
      expect(reader.keyBytes.length).toBeLessThanOrEqual(KEY_KEEP_BYTES);
      // Within the limits, a key larger than what is kept: decided and answered.
      c.socket.write(outOfOrder(6, atLimit, atLimit));
      expect(await c.next()).toMatchObject({ id: 6, kind: 'decision', decision });
      expect(reader.keyBytes.length).toBeLessThanOrEqual(KEY_KEEP_BYTES);
      // A small key keeps the buffer it is laid out in.
      c.socket.write(outOfOrder(7, '/opt/tool', '/bin/sh'));
      expect(await c.next()).toMatchObject({ id: 7, kind: 'decision' });
      const small = reader.keyBytes;
      c.socket.write(Buffer.concat([outOfOrder(8, '/opt/other', '/bin/sh'), frame({ id: 9, kind: 'status' })]));
      expect(await c.next()).toMatchObject({ id: 8, kind: 'decision' });
      expect(await c.next()).toMatchObject({ id: 9, kind: 'status' });
      expect(reader.keyBytes).toBe(small);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses admin requests on the client socket and serves them on the admin socket', async () => {
    const seen: LocalRequest[] = [];
    const clientSide = await serve({}, handlerOf(seen, 1));
    const adminSide = await serve({ admin: true }, handlerOf(seen, 1));
    const c = await client(clientSide.path);
    c.socket.write(
      Buffer.concat([
        frame({ id: 1, kind: 'exportDecisions', limit: 5 }),
        frame({ id: 2, kind: 'applySnapshot', snapshot: new Uint8Array([1, 2, 3]) }),
        // One without its snapshot is not served here either, whatever it lacks.
        frame({ id: 5, kind: 'applySnapshot', snapshot: new Uint8Array(0) }),
        frame({ id: 3, kind: 'status' }),
      ]),
    );
    expect(await c.next()).toMatchObject({ id: 1, kind: 'error', code: 'admin-socket-required' });
    expect(await c.next()).toMatchObject({ id: 2, kind: 'error', code: 'admin-socket-required' });
    expect(await c.next()).toMatchObject({ id: 5, kind: 'error', code: 'admin-socket-required' });
    expect(await c.next()).toMatchObject({ id: 3, kind: 'status' });
    expect(seen.map((r) => r.kind)).toEqual(['status']);

    const a = await client(adminSide.path);
    a.socket.write(frame({ id: 4, kind: 'exportDecisions', limit: 5 }));
    expect(await a.next()).toMatchObject({ id: 4, kind: 'decisions' });
  });

  it("answers a handler failure that is not a TollgateError with 'internal', whatever code the error carries", async () => {
    const failures: unknown[] = [
      Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
      new TypeError(''),
      'a thrown string',
    ];
    const { path } = await serve({}, (request) => {
      if (request.kind !== 'status') throw new Error(`unexpected ${request.kind}`);
      throw failures[request.id - 1];
    });
    const c = await client(path);
    for (let id = 1; id <= failures.length; id++) c.socket.write(frame({ id, kind: 'status' }));
    const answers = [await c.next(), await c.next(), await c.next()];
    expect(answers).toEqual([
      { id: 1, kind: 'error', code: 'internal', message: 'database or disk is full' },
      { id: 2, kind: 'error', code: 'internal', message: 'unexpected failure' },
      { id: 3, kind: 'error', code: 'internal', message: 'a thrown string' },
    ]);
    // The connection carries on.
    c.socket.write(frame({ id: 9, kind: 'evaluateApproval', query: { category: 'Games' }, submit: false }));
    expect(await c.next()).toMatchObject({ id: 9, kind: 'error', code: 'internal' });
  });

  it('gives connections still open at close a grace period, then closes them', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { server, path } = await serve();
    const c = await client(path);
    c.socket.write(frame({ id: 1, kind: 'status' }));
    await c.next();
    c.socket.pause(); // does not see the server's end, so does not close its side
    let closed = false;
    const closing = server.close(5_000).then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    vi.advanceTimersByTime(5_000);
    await closing;
    expect(server.connectionCount).toBe(0);
  });
});
