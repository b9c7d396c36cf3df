import { chmod, chown, lstat, unlink } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { TollgateError } from '../engine/errors.js';
import type { Decision, FileRequest } from '../engine/model.js';
import type { ViewImage } from '../engine/view-image.js';
import {
  EvaluateRequestReader,
  bodyFrameBound,
  decisionFrameBound,
  imageDecisionFrameBound,
  keptDecisionBody,
  writeBodyFrame,
  writeDecisionFrame,
  writeImageDecisionFrame,
} from '../wire/evaluate-codec.js';
import { FRAME_HEADER_BYTES, FrameDecoder, encodeFrame } from '../wire/framing.js';
import {
  decodeRequest,
  encodeResponse,
  isAdminRequest,
  tryReadRequestId,
  type LocalRequest,
  type LocalResponse,
} from '../wire/local-api.js';
import { LOCAL_CONNECTION_ERRORS, LOCAL_REQUEST_ERRORS } from '../wire/protocol-codes.js';

/** Answers one request; a thrown error becomes an error response for that request. */
export type RequestHandler = (request: LocalRequest) => LocalResponse | Promise<LocalResponse>;

/**
 * Decides on a file for an evaluate request without what-if settings (at
 * `atMs` when the request gives one). Such requests are read and answered
 * by the socket layer itself (wire/evaluate-codec.ts), without a
 * LocalRequest or LocalResponse in between; a thrown error becomes an error
 * response for that request, as with the RequestHandler. `missedKeyHash`:
 * the CachedEvaluateHandler was just asked for this file and found no
 * cached decision; the file's key hashes to it.
 */
export type EvaluateHandler = (file: FileRequest, atMs: number | undefined, missedKeyHash?: number) => Decision;

/**
 * A cached decision as the socket layer answers it: the decision, and a
 * slot the socket layer fills with its encoded message
 * (evaluate-codec.ts keptDecisionBody) at the first answer that has one,
 * so that later answers of the same entry copy it without looking it up.
 */
export interface CachedAnswer {
  readonly decision: Decision;
  body: Uint8Array | undefined;
}

/**
 * Decides on the file of an evaluate request without what-ifs from its key
 * (wire/file-key.ts: key[start, end), hashing to `hash`; most often the
 * frame's own bytes), read from the frame without decoding the file, when
 * the decision is cached; undefined otherwise (the EvaluateHandler then
 * decides on the file). A thrown error becomes an error response, as with
 * the EvaluateHandler. The key's bytes are valid during the call only.
 */
export type CachedEvaluateHandler = (key: Buffer, start: number, end: number, hash: number) => CachedAnswer | undefined;

export interface LocalServerOptions {
  socketPath: string;
  /** File mode of the socket, which it is created with (SPEC.md section 9: 0660 by default, 0600 for the admin socket). */
  mode: number;
  /** The group (gid) the socket is given with chown; the daemon's own group when absent. */
  gid?: number | undefined;
  /** Whether this is the admin socket, which also serves the admin requests (local-api.ts ADMIN_REQUEST_KINDS). */
  admin?: boolean | undefined;
  maxFrameBytes: number;
  maxConnections: number;
  /** A connection with nothing received, in flight or unsent for this long is closed. */
  idleTimeoutMs?: number | undefined;
  /** A frame must be received whole within this long of its first byte. */
  frameTimeoutMs?: number | undefined;
  /** A new connection must send its first whole frame within this long. */
  firstFrameTimeoutMs?: number | undefined;
  /** Past this many bytes of answers not yet taken by the client, the connection is not read from. */
  maxUnsentBytes?: number | undefined;
  /** With this many answers of an asynchronous handler not yet settled, the connection is not read from. */
  maxInFlight?: number | undefined;
  /** The clock of the timeouts (milliseconds). */
  now?: (() => number) | undefined;
  /** Reports what a client did wrong; the server carries on. */
  onClientError?: (info: { code: string; message: string }) => void;
  /** Answers evaluate requests on the fast path; without it they go to the RequestHandler like any other. */
  evaluate?: EvaluateHandler;
  /** Answers evaluate requests without what-ifs whose decision is cached, before `evaluate` is asked. */
  evaluateCached?: CachedEvaluateHandler;
  /** The view image whose decision numbers `evaluateMissed` gives; null when there is none (`evaluate` answers then). */
  decisionImage?: () => ViewImage | null;
  /**
   * Answers, instead of `evaluate`, a request `evaluateCached` just did not
   * find (the file's key hashes to `keyHash`) while decisionImage() is not
   * null: the decision's number in that image (ViewImage.decide), which the
   * socket layer writes from the image's bytes. A thrown error becomes an
   * error response, as with the EvaluateHandler. The file's key
   * (wire/file-key.ts fileKey) is key[keyStart, keyEnd), valid during the
   * call only.
   */
  evaluateMissed?: (file: FileRequest, keyHash: number, key: Buffer, keyStart: number, keyEnd: number) => number;
}

export const DEFAULT_SOCKET_MODE = 0o660;
export const DEFAULT_ADMIN_SOCKET_MODE = 0o600;
export const DEFAULT_MAX_CONNECTIONS = 256;
export const DEFAULT_ADMIN_MAX_CONNECTIONS = 16;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_FRAME_TIMEOUT_MS = 10_000;
export const DEFAULT_FIRST_FRAME_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_UNSENT_BYTES = 1024 * 1024;
/** Answers not yet settled on one connection, at most, before it is not read from (LocalServerOptions.maxInFlight). */
export const DEFAULT_MAX_IN_FLIGHT = 64;
/** How often the deadlines are checked, at most (and at least a quarter of the shortest deadline). */
const MAX_SWEEP_INTERVAL_MS = 1_000;
const NO_BYTES = Buffer.alloc(0);
/**
 * The size of a connection's output block: answers are written into it as
 * they are made, and the answers of one chunk read are handed to the socket
 * together (in slices of OUTPUT_SLICE_BYTES), as views of it. Later answers go after them in the same
 * block (bytes handed to the socket are never written over); a new block
 * is taken when one is full. A batch larger than a block (up to
 * maxUnsentBytes and one answer) goes into a block of its size, let go once
 * written.
 */
export const OUTPUT_BLOCK_BYTES = 64 * 1024;
/** A block with less room than this left after a batch is let go rather than kept for the next one. */
const MIN_BLOCK_ROOM_BYTES = 1024;
/**
 * What an answer waiting behind an unsettled one costs besides its bytes,
 * counted against maxUnsentBytes with them: the promise and closure that
 * hold it and its buffer's object (about 310 bytes measured on Node.js 20
 * for a 19-byte answer), so that many small answers cannot hold many
 * times the bound.
 */
const QUEUED_ANSWER_OVERHEAD_BYTES = 320;
/**
 * The answers of one chunk are handed to the socket in slices of about
 * this many bytes (a slice ends after the answer that reaches it), not all
 * at its end: a client that pipelines many requests gets its first answers
 * while the daemon works through the rest, and its reading and the
 * daemon's deciding overlap. One write per slice (some 80 answers).
 */
export const OUTPUT_SLICE_BYTES = 16 * 1024;
/**
 * The local sockets answer requests for at most about this long per turn of
 * the event loop, every connection of every socket together: past it, the
 * rest of what a connection sent waits (read, not yet answered) until the
 * event loop has come round, taken a new connection if one waits, and
 * served the sync client, the timers and the connections before it. Node.js
 * takes at most one new connection per turn (libuv accepts one connection
 * per poll), so the length of a turn is how long each newcomer waits behind
 * those before it.
 */
export const REQUEST_TURN_MS = 10;
/** Evaluates are cheap: the turn's clock is read after every this many of them (a power of 2), not after each. */
const EVALUATES_PER_CLOCK_READ = 16;
/**
 * A turn whose end was not seen for this long (its setImmediate held back:
 * faked timers) is over, and its end is asked for again.
 */
const STALE_TURN_MS = 1000;

/**
 * The clock of the event loop's current turn, shared by every connection:
 * started by the first work of a turn (begin), and started again once the
 * event loop has come round (setImmediate). The connections whose turn
 * ended in the poll phase are answered in the check phase that follows,
 * after that restart: a pass of the event loop answers for at most about
 * twice REQUEST_TURN_MS, plus the request under way when the clock ran out.
 */
class TurnClock {
  private startedMs = -1;
  private readonly next = (): void => {
    this.startedMs = -1;
  };

  /** Starts the turn's clock, unless it runs already. */
  begin(): void {
    if (this.startedMs >= 0) return;
    this.startedMs = performance.now();
    setImmediate(this.next);
  }

  /** Whether this turn has had its REQUEST_TURN_MS. */
  spent(): boolean {
    if (this.startedMs < 0) {
      this.begin();
      return false;
    }
    const ran = performance.now() - this.startedMs;
    // Its end not seen (a setImmediate lost to faked timers): over, and asked for again.
    if (ran >= STALE_TURN_MS) setImmediate(this.next);
    return ran >= REQUEST_TURN_MS;
  }
}

const TURN = new TurnClock();
/** The first buffer of a connection's held frames (HeldFrames); it doubles as they need. */
const HELD_FIRST_BYTES = 4096;

/**
 * Frames received while a connection's answers wait to be taken (or its
 * turn is over), kept until it reads on: copied one after the other, each
 * with its length header, into one buffer (at most the rest of one read),
 * not held as an object each.
 */
class HeldFrames {
  bytes: Buffer = Buffer.allocUnsafe(HELD_FIRST_BYTES);
  /** The bytes used: whole frames, header and payload. */
  size = 0;

  /** Keeps a copy of the frame buffer[start, end). */
  add(buffer: Buffer, start: number, end: number): void {
    const at = this.room(FRAME_HEADER_BYTES + end - start);
    this.bytes.writeUInt32BE(end - start, at);
    buffer.copy(this.bytes, at + FRAME_HEADER_BYTES, start, end);
  }

  /** Keeps a copy of whole frames, headers included, buffer[start, end). */
  addFramed(buffer: Buffer, start: number, end: number): void {
    const at = this.room(end - start);
    buffer.copy(this.bytes, at, start, end);
  }

  /** Makes room for `n` more bytes; returns where they go. */
  private room(n: number): number {
    const at = this.size;
    if (at + n > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, at + n));
      this.bytes.copy(grown, 0, 0, at);
      this.bytes = grown;
    }
    this.size = at + n;
    return at;
  }
}

/** What the server knows of one connection, for its deadlines and for choosing one to evict. */
interface Connection {
  readonly socket: Socket;
  readonly openedAtMs: number;
  /**
   * When bytes last came in, an answer settled, or the client last took some of its answers (the sweep,
   * queuedAnswerBytes).
   */
  lastActiveMs: number;
  /** The answers' bytes the kernel had not taken at the last sweep (queuedAnswerBytes); -1 before the first. */
  queuedAtSweep: number;
  /** When the frame received in part started arriving; null when no frame is partly received. */
  partialSinceMs: number | null;
  /** Whole frames received. */
  frames: number;
  /** Answers not yet settled (asynchronous handlers). */
  inFlight: number;
  /** Not read from until its answers drain. */
  paused: boolean;
  /** When the server started closing it (after an error response); null while open. */
  closingSinceMs: number | null;
}

/**
 * The bytes of answers written to `socket` that the kernel has not taken
 * yet: libuv's write queue (which shrinks as a slow client reads, a piece
 * at a time) plus what the stream holds back meanwhile. Node.js merges the
 * writes it holds back into one, and neither `writableLength` nor a write's
 * callback moves until all of it is written, so only libuv's count shows a
 * client reading slowly through a large backlog. `writeQueueSize` is the
 * handle's (not documented; Node.js's own net module read it); without it
 * (another runtime) only `writableLength` is counted, and a slow reader's
 * progress shows when a whole write completes.
 */
function queuedAnswerBytes(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { writeQueueSize?: unknown } | null })._handle;
  const queue = handle?.writeQueueSize;
  return socket.writableLength + (typeof queue === 'number' ? queue : 0);
}

/** Whether something answers on a Unix socket path. */
function isLive(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * The daemon's local API: length-prefixed protobuf frames on a Unix socket,
 * answered in order per connection (clients may pipeline). Bad input gets an
 * error response and the connection is closed; the server itself carries on.
 * Connections are bounded in number, time and unsent answers (docs/DAEMON.md,
 * "Local sockets"): a full server evicts its longest-idle connection rather
 * than refuse a newcomer, and a client that does not read its answers is not
 * read from until it does.
 */
export class LocalServer {
  private readonly options: LocalServerOptions;
  private readonly handler: RequestHandler;
  private server: Server | null = null;
  private readonly connections = new Map<Socket, Connection>();
  private sweeper: NodeJS.Timeout | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly now: () => number;
  private readonly idleTimeoutMs: number;
  private readonly frameTimeoutMs: number;
  private readonly firstFrameTimeoutMs: number;
  private readonly maxUnsentBytes: number;
  private readonly maxInFlight: number;

  constructor(handler: RequestHandler, options: LocalServerOptions) {
    this.handler = handler;
    this.options = options;
    this.now = options.now ?? Date.now;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.frameTimeoutMs = options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS;
    this.firstFrameTimeoutMs = options.firstFrameTimeoutMs ?? DEFAULT_FIRST_FRAME_TIMEOUT_MS;
    this.maxUnsentBytes = options.maxUnsentBytes ?? DEFAULT_MAX_UNSENT_BYTES;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
  }

  /**
   * Listens, after removing a stale socket file of a dead daemon; never
   * takes a live daemon's socket. The socket file is created with its final
   * mode (the process umask is set around the bind and restored), without
   * group access until its group is set, so no one else can connect while
   * it starts.
   */
  async listen(): Promise<void> {
    const path = this.options.socketPath;
    const existing = await lstat(path).catch(() => null);
    if (existing !== null) {
      if (!existing.isSocket()) {
        throw new TollgateError('socket-path-taken', `${path} exists and is not a socket: refusing to replace it`);
      }
      if (await isLive(path)) {
        throw new TollgateError('socket-in-use', `another daemon is answering on ${path}`);
      }
      await unlink(path);
    }
    const { mode, gid } = this.options;
    // Half-open: a client may send its requests and end its side; its answers still follow (serve, 'end').
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      const failed = (error: NodeJS.ErrnoException): void => {
        const cause = error.code === 'EACCES' ? ' (no such folder, or not allowed to create a file in it)' : '';
        reject(
          new TollgateError('socket-unavailable', `cannot listen on ${path}: ${error.code ?? error.message}${cause}`, {
            cause: error,
          }),
        );
      };
      server.once('error', failed);
      // The bind happens inside listen(), synchronously: the umask is this process's only meanwhile.
      const created = gid === undefined ? mode : mode & ~0o070;
      const previous = process.umask(0o777 & ~created);
      try {
        server.listen(path, () => {
          server.off('error', failed);
          resolve();
        });
      } finally {
        process.umask(previous);
      }
    });
    this.server = server;
    try {
      if (gid !== undefined) await chown(path, -1, gid);
      await chmod(path, mode);
    } catch (error) {
      await this.close();
      throw new TollgateError(
        'socket-permissions',
        `cannot set the owner or mode of ${path}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const shortest = Math.min(this.idleTimeoutMs, this.frameTimeoutMs, this.firstFrameTimeoutMs);
    this.sweeper = setInterval(() => this.sweep(), Math.max(1, Math.min(MAX_SWEEP_INTERVAL_MS, shortest / 4)));
    this.sweeper.unref();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Closes the connections past their deadlines (docs/DAEMON.md, "Local sockets"). */
  private sweep(): void {
    const now = this.now();
    for (const conn of this.connections.values()) {
      if (conn.closingSinceMs !== null) {
        // An error response the client does not take is not waited for long.
        if (now - conn.closingSinceMs >= this.frameTimeoutMs) conn.socket.destroy();
      } else if (conn.frames === 0 && now - conn.openedAtMs >= this.firstFrameTimeoutMs) {
        this.drop(
          conn,
          LOCAL_CONNECTION_ERRORS.firstFrameTimeout,
          `no whole request within ${this.firstFrameTimeoutMs} ms of connecting`,
        );
      } else if (!conn.paused && conn.partialSinceMs !== null && now - conn.partialSinceMs >= this.frameTimeoutMs) {
        this.drop(
          conn,
          LOCAL_CONNECTION_ERRORS.frameTimeout,
          `a request frame was not received whole within ${this.frameTimeoutMs} ms`,
        );
      } else {
        // A client that takes its answers, however slowly, is not idle: one that has stopped taking them is.
        const queued = queuedAnswerBytes(conn.socket);
        if (queued > 0 && conn.queuedAtSweep >= 0 && queued < conn.queuedAtSweep) conn.lastActiveMs = now;
        conn.queuedAtSweep = queued;
        if (conn.inFlight === 0 && now - conn.lastActiveMs >= this.idleTimeoutMs) {
          this.drop(conn, LOCAL_CONNECTION_ERRORS.idleTimeout, `idle for ${this.idleTimeoutMs} ms`);
        }
      }
    }
  }

  /** Sends a last error response (when the socket takes it at once) and closes the connection. */
  private drop(conn: Connection, code: string, message: string): void {
    const socket = conn.socket;
    if (!this.connections.delete(socket)) return;
    this.options.onClientError?.({ code, message });
    // A short frame on an idle Unix socket is handed to the kernel at once; the destroy does not lose it.
    if (socket.writable && socket.writableLength === 0) {
      socket.write(encodeFrame(encodeResponse({ id: 0, kind: 'error', code, message })));
    }
    socket.destroy();
  }

  /** The connection to close for a newcomer: the longest silent one with nothing partly received, in flight or unsent. */
  private evictable(): Connection | null {
    let best: Connection | null = null;
    for (const conn of this.connections.values()) {
      // Busy: a frame half received, answers unsettled or unsent, or requests held for their turn.
      if (conn.partialSinceMs !== null || conn.inFlight > 0 || conn.socket.writableLength > 0 || conn.paused) continue;
      if (conn.closingSinceMs !== null) return conn;
      if (
        best === null ||
        (conn.frames === 0 && best.frames > 0) ||
        ((conn.frames === 0) === (best.frames === 0) && conn.lastActiveMs < best.lastActiveMs)
      ) {
        best = conn;
      }
    }
    return best;
  }

  private accept(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    if (this.closed) {
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.options.maxConnections) {
      const victim = this.evictable();
      if (victim === null) {
        const message = `at most ${this.options.maxConnections} connections, all busy`;
        const code = LOCAL_CONNECTION_ERRORS.tooManyConnections;
        this.options.onClientError?.({ code, message });
        socket.write(encodeFrame(encodeResponse({ id: 0, kind: 'error', code, message })));
        socket.destroy();
        return;
      }
      this.drop(victim, LOCAL_CONNECTION_ERRORS.connectionEvicted, 'closed to make room for a new connection');
    }
    const now = this.now();
    const conn: Connection = {
      socket,
      openedAtMs: now,
      lastActiveMs: now,
      queuedAtSweep: -1,
      partialSinceMs: null,
      frames: 0,
      inFlight: 0,
      paused: false,
      closingSinceMs: null,
    };
    this.connections.set(socket, conn);
    socket.on('close', () => this.connections.delete(socket));
    this.serve(conn);
  }

  private serve(conn: Connection): void {
    const socket = conn.socket;
    const decoder = new FrameDecoder(this.options.maxFrameBytes);
    const evaluate = this.options.evaluate;
    const evaluateCached = this.options.evaluateCached;
    const decisionImage = this.options.decisionImage;
    const evaluateMissed = this.options.evaluateMissed;
    const reader = evaluate === undefined ? null : new EvaluateRequestReader();
    const admin = this.options.admin === true;
    const maxUnsentBytes = this.maxUnsentBytes;
    const maxInFlight = this.maxInFlight;
    // Responses leave in request order. Synchronous answers are written at
    // once into the output block, and those of one chunk handed to the socket
    // together; after an asynchronous one, later answers wait in `tail` behind it.
    let tail: Promise<void> | null = null;
    // Answers waiting in `tail` (asynchronous ones and those queued behind them), and the bytes of the
    // queued synchronous ones: counted against maxUnsentBytes like unsent bytes. `tail` is null again
    // once the last of them is handed to the socket.
    let queued = 0;
    let queuedBytes = 0;
    let failed = false;
    // Frames received while the client's answers wait to be taken: at most the rest of one chunk,
    // since the socket is paused as soon as they start to be kept.
    let held: HeldFrames | null = null;
    // A stream error found while frames before it were held: told once they are answered.
    let failLater: { code: string; message: string } | null = null;
    // Whether a turn this connection gave up is waiting for the event loop to come back to it.
    let turnWaiting = false;
    // The output block (OUTPUT_BLOCK_BYTES): this batch is out[batchStart, batchEnd); the bytes before it
    // were handed to the socket, those after it are free.
    let out: Buffer = NO_BYTES;
    let batchStart = 0;
    let batchEnd = 0;
    let batchBytes = 0;
    let framesThisChunk = 0;
    /** The block with room for `bound` more bytes at batchEnd: a new one (this batch moved into it) when full. */
    const room = (bound: number): Buffer => {
      if (out.length - batchEnd >= bound) return out;
      const size =
        batchBytes === 0 ? Math.max(OUTPUT_BLOCK_BYTES, bound) : Math.max(OUTPUT_BLOCK_BYTES, 2 * (batchBytes + bound));
      const next = Buffer.allocUnsafe(size);
      if (batchBytes > 0) out.copy(next, 0, batchStart, batchEnd);
      out = next;
      batchStart = 0;
      batchEnd = batchBytes;
      return next;
    };
    /** Notes an answer written into the block up to `end`. */
    const wrote = (end: number): void => {
      batchEnd = end;
      batchBytes = end - batchStart;
    };

    const flush = (): void => {
      if (batchBytes === 0) return;
      const data = out.subarray(batchStart, batchEnd);
      batchStart = batchEnd;
      batchBytes = 0;
      if (out.length > OUTPUT_BLOCK_BYTES || out.length - batchEnd < MIN_BLOCK_ROOM_BYTES) {
        // Full, or a large batch's own: the socket holds it until written, the connection does not.
        out = NO_BYTES;
        batchStart = 0;
        batchEnd = 0;
      }
      if (socket.writable) socket.write(data);
    };
    /** Whether reading waits: answers not taken, or queued behind an unsettled one, or too many unsettled. */
    const over = (): boolean =>
      (socket.writableNeedDrain && socket.writableLength + queuedBytes > maxUnsentBytes) ||
      queuedBytes > maxUnsentBytes ||
      conn.inFlight >= maxInFlight;
    /**
     * Stops reading when the client has not taken enough of its answers ('drain' reads on), when
     * answers queued behind an unsettled one pass maxUnsentBytes, or when `maxInFlight` answers are
     * not settled yet (their settling reads on).
     */
    const throttle = (): void => {
      if (held !== null) return;
      if (batchBytes >= OUTPUT_SLICE_BYTES) flush();
      if (socket.writableLength + batchBytes + queuedBytes <= maxUnsentBytes && conn.inFlight < maxInFlight) {
        return;
      }
      flush();
      if (over()) {
        held = new HeldFrames();
        conn.paused = true;
        socket.pause();
      }
    };
    /**
     * Ends the connection's turn once the event loop's turn has had its REQUEST_TURN_MS: the frames after
     * this request are held, and answered once the event loop has gone round (or at 'drain', if it waits for that).
     */
    const yieldTurn = (): void => {
      if (held !== null || !TURN.spent()) return;
      flush();
      held = new HeldFrames();
      conn.paused = true;
      socket.pause();
      if (turnWaiting) return;
      turnWaiting = true;
      setImmediate(() => {
        turnWaiting = false;
        if (held !== null && !failed && !socket.destroyed && !over()) release();
      });
    };
    /** After an answer of the queue went out: reads on when nothing holds it back any more. */
    const dequeued = (): void => {
      if (socket.destroyed) return;
      if (held !== null && !failed && !over()) release();
      else throttle();
      endIfAnswered();
    };
    // The client ended its side of the connection: ours is ended once every answer is handed to the socket.
    let ended = false;
    const endIfAnswered = (): void => {
      if (!ended || failed || tail !== null || held !== null || !socket.writable) return;
      flush();
      socket.end();
    };
    const write = (frame: Buffer): void => {
      if (tail === null) {
        const block = room(frame.length);
        block.set(frame, batchEnd);
        wrote(batchEnd + frame.length);
      } else {
        // Counted with what holding it costs besides its bytes (a promise, a closure, a buffer's object).
        const cost = frame.length + QUEUED_ANSWER_OVERHEAD_BYTES;
        queued++;
        queuedBytes += cost;
        tail = tail.then(() => {
          queued--;
          queuedBytes -= cost;
          if (socket.writable) socket.write(frame);
          if (queued === 0) tail = null;
          dequeued();
        });
      }
    };
    const emit = (response: LocalResponse): void => write(encodeFrame(encodeResponse(response)));
    /** Queues a decision's answer (`bound`: decisionFrameBound). */
    const queueDecision = (decision: Decision, id: number, bound: number, again = false): void => {
      if (tail === null) {
        wrote(writeDecisionFrame(room(bound), batchEnd, id, decision, again));
      } else {
        const whole = Buffer.allocUnsafe(bound);
        write(whole.subarray(0, writeDecisionFrame(whole, 0, id, decision, again)));
      }
    };
    /** Decides on the file of an evaluate request read by `reader`, and queues the answer. */
    const decide = (
      decideOn: EvaluateHandler,
      file: FileRequest,
      id: number,
      atMs: number | undefined,
      missedKeyHash: number | undefined,
    ): void => {
      let decision: Decision;
      let bound: number;
      try {
        decision = missedKeyHash === undefined ? decideOn(file, atMs) : decideOn(file, atMs, missedKeyHash);
        bound = decisionFrameBound(decision);
      } catch (error) {
        emit({ id, kind: 'error', ...errorFields(error) });
        return;
      }
      queueDecision(decision, id, bound);
    };
    /** Decides on the file of a request the cache missed by number in `image`, and queues the answer. */
    const decideNumbered = (
      decideOn: NonNullable<LocalServerOptions['evaluateMissed']>,
      image: ViewImage,
      file: FileRequest,
      id: number,
      keyHash: number,
      key: Buffer,
      keyStart: number,
      keyEnd: number,
    ): void => {
      let n: number;
      let bound: number;
      try {
        n = decideOn(file, keyHash, key, keyStart, keyEnd);
        bound = imageDecisionFrameBound(image, n);
      } catch (error) {
        emit({ id, kind: 'error', ...errorFields(error) });
        return;
      }
      if (tail === null) {
        wrote(writeImageDecisionFrame(room(bound), batchEnd, id, image, n));
      } else {
        const whole = Buffer.allocUnsafe(bound);
        write(whole.subarray(0, writeImageDecisionFrame(whole, 0, id, image, n)));
      }
    };
    const fail = (id: number, code: string, message: string): void => {
      failed = true;
      held = null;
      conn.closingSinceMs = this.now();
      this.options.onClientError?.({ code, message });
      const last = encodeFrame(encodeResponse({ id, kind: 'error', code, message }));
      if (tail === null) {
        flush();
        socket.end(last);
      } else {
        void tail.then(() => socket.end(last));
      }
    };
    /** Answers a frame that could not be read: false when the connection is closed for it. */
    const refuse = (error: unknown, frame: Buffer): boolean => {
      const e = error as Partial<TollgateError>;
      const id = tryReadRequestId(frame);
      if (e.code === LOCAL_REQUEST_ERRORS.fieldTooLong) {
        // A whole, well-formed frame: refused on its own, the connection carries on.
        this.options.onClientError?.({ code: e.code, message: e.message ?? '' });
        emit({ id, kind: 'error', code: e.code, message: e.message ?? '' });
        return true;
      }
      fail(id, e.code ?? LOCAL_REQUEST_ERRORS.badRequest, e.message ?? String(error));
      return false;
    };

    const onFrame = (buffer: Buffer, start: number, end: number): boolean => {
      // Every so many frames (most of them evaluates, too quick to time one by one): the turn may be over.
      if (held === null && (framesThisChunk & (EVALUATES_PER_CLOCK_READ - 1)) === EVALUATES_PER_CLOCK_READ - 1) {
        yieldTurn();
      }
      if (held !== null) {
        held.add(buffer, start, end);
        return true;
      }
      conn.frames++;
      framesThisChunk++;
      if (evaluate !== undefined && reader !== null && reader.scan(buffer, start, end)) {
        let missedKeyHash: number | undefined;
        if (evaluateCached !== undefined && reader.atMs === undefined) {
          let cached: CachedAnswer | undefined;
          let body: Uint8Array | undefined;
          let bound = 0;
          try {
            cached = evaluateCached(reader.keySource(buffer), reader.keyStart, reader.keyEnd, reader.keyHash);
            if (cached !== undefined) {
              // Most cached decisions' messages are kept encoded: copied into the batch as they are.
              body = cached.body;
              if (body === undefined) {
                body = keptDecisionBody(cached.decision);
                cached.body = body;
              }
              bound = body === undefined ? decisionFrameBound(cached.decision) : bodyFrameBound(body);
            }
          } catch (error) {
            emit({ id: reader.id, kind: 'error', ...errorFields(error) });
            throttle();
            return true;
          }
          if (body !== undefined && tail === null) {
            wrote(writeBodyFrame(room(bound), batchEnd, reader.id, body));
            throttle();
            return true;
          }
          if (cached !== undefined) {
            queueDecision(cached.decision, reader.id, bound, true);
            throttle();
            return true;
          }
          missedKeyHash = reader.keyHash;
        }
        let file: FileRequest | undefined;
        try {
          file = reader.file(buffer);
        } catch (error) {
          if (!refuse(error, buffer.subarray(start, end))) return false;
          throttle();
          return true;
        }
        if (file !== undefined) {
          const image =
            missedKeyHash === undefined || evaluateMissed === undefined ? null : (decisionImage?.() ?? null);
          if (image !== null && evaluateMissed !== undefined && missedKeyHash !== undefined) {
            // The file's key as the reader noted it: the frame's bytes, or the reader's own buffer.
            const key = reader.keySource(buffer);
            decideNumbered(evaluateMissed, image, file, reader.id, missedKeyHash, key, reader.keyStart, reader.keyEnd);
          } else {
            decide(evaluate, file, reader.id, reader.atMs, missedKeyHash);
          }
          throttle();
          return true;
        }
      }
      const frame = start === 0 && end === buffer.length ? buffer : buffer.subarray(start, end);
      let request: LocalRequest;
      try {
        request = decodeRequest(frame);
      } catch (error) {
        if (!refuse(error, frame)) return false;
        throttle();
        return true;
      }
      if (!admin && isAdminRequest(request)) {
        emit({
          id: request.id,
          kind: 'error',
          code: LOCAL_REQUEST_ERRORS.adminSocketRequired,
          message: `${request.kind} is served on the admin socket only`,
        });
      } else {
        this.respond(
          conn,
          request,
          flush,
          emit,
          (settled) => {
            queued++;
            tail = settled;
            void settled.then(() => {
              queued--;
              if (queued === 0) tail = null;
              dequeued();
            });
          },
          tail,
        );
      }
      yieldTurn();
      throttle();
      return true;
    };

    /** Frames kept while paused, answered once the client has taken its answers. */
    const release = (): void => {
      const queue = held;
      held = null;
      conn.paused = false;
      // Answering what was held is activity: a connection answered in turns is not idle between them.
      conn.lastActiveMs = this.now();
      TURN.begin();
      // A release answers at least its first frame before the turn's clock is read.
      framesThisChunk = 0;
      if (queue !== null) {
        const bytes = queue.bytes;
        for (let at = 0; at < queue.size;) {
          const start = at + FRAME_HEADER_BYTES;
          const end = start + bytes.readUInt32BE(at);
          at = end;
          if (!onFrame(bytes, start, end)) return;
          if (held !== null) {
            // Paused again: the rest waits for the next drain.
            (held as HeldFrames).addFramed(bytes, at, queue.size);
            flush();
            return;
          }
        }
      }
      reader?.releaseKey();
      flush();
      if (failLater !== null) {
        fail(0, failLater.code, failLater.message);
        return;
      }
      socket.resume();
      endIfAnswered();
    };

    socket.on('end', () => {
      ended = true;
      endIfAnswered();
    });
    socket.on('drain', () => {
      conn.lastActiveMs = this.now();
      if (held !== null && !failed) release();
    });
    socket.on('data', (chunk: Buffer) => {
      if (failed || failLater !== null) return;
      TURN.begin();
      const now = this.now();
      conn.lastActiveMs = now;
      framesThisChunk = 0;
      try {
        decoder.pushEach(chunk, onFrame);
      } catch (error) {
        const e = error as Partial<TollgateError>;
        const code = e.code ?? LOCAL_CONNECTION_ERRORS.badFrame;
        const message = e.message ?? String(error);
        // The requests before the bad frame that wait for the client to read are answered first.
        if (held !== null && held.size > 0) failLater = { code, message };
        else fail(0, code, message);
        return;
      }
      if (failed) return;
      // The chunk's requests are answered: a key buffer a large one grew is not kept while the connection idles.
      reader?.releaseKey();
      flush();
      if (!decoder.pending) conn.partialSinceMs = null;
      else if (conn.partialSinceMs === null || framesThisChunk > 0) conn.partialSinceMs = now;
    });
  }

  /** Answers a decoded request: at once when the handler is synchronous, else after the answers before it. */
  private respond(
    conn: Connection,
    request: LocalRequest,
    flush: () => void,
    emit: (response: LocalResponse) => void,
    setTail: (settled: Promise<void>) => void,
    tail: Promise<void> | null,
  ): void {
    const answer = this.answer(request);
    if (!(answer instanceof Promise)) {
      emit(answer);
      return;
    }
    flush();
    conn.inFlight++;
    const socket = conn.socket;
    const previous: Promise<void> = tail ?? Promise.resolve();
    const settled = answer.then(async (response) => {
      await previous;
      conn.inFlight--;
      // An answer that took long to work out is activity: the idle deadline runs from it.
      conn.lastActiveMs = this.now();
      let frame: Buffer;
      try {
        frame = encodeFrame(encodeResponse(response));
      } catch (error) {
        // An answer that cannot be encoded is answered as a failure: the answers behind it still follow.
        const message = `the answer could not be encoded: ${error instanceof Error ? error.message : String(error)}`;
        frame = encodeFrame(
          encodeResponse({ id: request.id, kind: 'error', code: LOCAL_REQUEST_ERRORS.internal, message }),
        );
      }
      if (socket.writable) socket.write(frame);
    });
    setTail(settled);
  }

  private answer(request: LocalRequest): LocalResponse | Promise<LocalResponse> {
    const asError = (error: unknown): LocalResponse => {
      return { id: request.id, kind: 'error', ...errorFields(error) };
    };
    try {
      const result = this.handler(request);
      return result instanceof Promise ? result.catch(asError) : result;
    } catch (error) {
      return asError(error);
    }
  }

  /**
   * Stops accepting and removes the socket file. Each connection is ended
   * after the answers already sent to it; those still open after `graceMs`
   * (0: at once) are destroyed. Every call waits for the one close.
   */
  close(graceMs = 0): Promise<void> {
    this.closing ??= this.closeNow(graceMs);
    return this.closing;
  }

  private async closeNow(graceMs: number): Promise<void> {
    this.closed = true;
    if (this.sweeper !== null) clearInterval(this.sweeper);
    const server = this.server;
    const stopped = server === null ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
    if (graceMs > 0 && this.connections.size > 0) {
      for (const socket of this.connections.keys()) socket.end();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([stopped, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    for (const socket of this.connections.keys()) socket.destroy();
    this.connections.clear();
    await stopped;
  }
}

/**
 * The code and message a failed request is answered with: a TollgateError's
 * own, else 'internal' (an error's own `code`, such as SQLite's or the file
 * system's, is not one of the protocol's).
 */
function errorFields(error: unknown): { code: string; message: string } {
  if (error instanceof TollgateError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: LOCAL_REQUEST_ERRORS.internal, message: message === '' ? 'unexpected failure' : message };
}
