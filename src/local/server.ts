import { chmod, lstat, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { TollgateError } from '../engine/errors.js';
import { FrameDecoder, encodeFrame } from '../wire/framing.js';
import {
  decodeRequest,
  encodeResponse,
  leadingRequestId,
  requestBodyStart,
  responseFrameBytes,
  tryReadRequestId,
  writeResponseFrame,
  type LocalRequest,
  type LocalResponse,
} from '../wire/local-api.js';

/** Answers one request; a thrown error becomes an error response for that request. */
export type RequestHandler = (request: LocalRequest) => LocalResponse | Promise<LocalResponse>;

/**
 * Answers a request from its encoded bytes (buffer[start, end), valid
 * during the call only), before any decoding: returns the response without
 * its id field (local-api.ts encodeDecisionBody), or undefined to let the
 * request be decoded and given to the RequestHandler.
 */
export type EncodedHandler = (buffer: Buffer, start: number, end: number) => Uint8Array | undefined;

export interface LocalServerOptions {
  socketPath: string;
  /** File mode of the socket (SPEC.md section 9: 0660 by default). */
  mode: number;
  maxFrameBytes: number;
  maxConnections: number;
  /** Reports what a client did wrong; the server carries on. */
  onClientError?: (info: { code: string; message: string }) => void;
  /** Tried first for every request (the agent answers repeated decisions from stored bytes). */
  answerEncoded?: EncodedHandler;
}

export const DEFAULT_SOCKET_MODE = 0o660;
const EMPTY = new Uint8Array(0);
export const DEFAULT_MAX_CONNECTIONS = 256;

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
 */
export class LocalServer {
  private readonly options: LocalServerOptions;
  private readonly handler: RequestHandler;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private closed = false;

  constructor(handler: RequestHandler, options: LocalServerOptions) {
    this.handler = handler;
    this.options = options;
  }

  /** Listens, after removing a stale socket file of a dead daemon; never takes a live daemon's socket. */
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
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    await chmod(path, this.options.mode);
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  private accept(socket: Socket): void {
    if (this.closed || this.sockets.size >= this.options.maxConnections) {
      this.options.onClientError?.({ code: 'too-many-connections', message: 'connection limit reached' });
      socket.end(
        encodeFrame(
          encodeResponse({
            id: 0,
            kind: 'error',
            code: 'too-many-connections',
            message: `at most ${this.options.maxConnections} connections`,
          }),
        ),
      );
      socket.on('error', () => socket.destroy());
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const decoder = new FrameDecoder(this.options.maxFrameBytes);
    const answerEncoded = this.options.answerEncoded;
    // Responses leave in request order. Synchronous answers are written at
    // once, batched per chunk into one buffer; after an asynchronous one,
    // later answers wait in `tail` behind it.
    let tail: Promise<void> | null = null;
    let failed = false;
    // The batch: whole frames (id -1), or response bodies to write with their request's id. The
    // arrays are kept from batch to batch (their first `batched` entries are this batch).
    const parts: Uint8Array[] = [];
    const ids: number[] = [];
    let batched = 0;
    let batchBytes = 0;
    const add = (part: Uint8Array, id: number, bytes: number): void => {
      parts[batched] = part;
      ids[batched] = id;
      batched++;
      batchBytes += bytes;
    };

    const flush = (): void => {
      if (batched === 0) return;
      const data = Buffer.allocUnsafe(batchBytes);
      let offset = 0;
      for (let i = 0; i < batched; i++) {
        const part = parts[i] as Uint8Array;
        const id = ids[i] as number;
        if (id < 0) {
          data.set(part, offset);
          offset += part.length;
        } else {
          offset = writeResponseFrame(data, offset, id, part);
        }
      }
      // Nothing of this batch is kept alive by the arrays.
      parts.fill(EMPTY, 0, batched);
      batched = 0;
      batchBytes = 0;
      if (socket.writable) socket.write(data);
    };
    const write = (frame: Buffer): void => {
      if (tail === null) {
        add(frame, -1, frame.length);
      } else {
        tail = tail.then(() => void (socket.writable && socket.write(frame)));
      }
    };
    const emit = (response: LocalResponse): void => write(encodeFrame(encodeResponse(response)));
    /** Answers from the request's bytes when the EncodedHandler can; false to decode it. */
    const answeredEncoded = (buffer: Buffer, start: number, end: number): boolean => {
      if (answerEncoded === undefined) return false;
      let body: Uint8Array | undefined;
      try {
        body = answerEncoded(buffer, start, end);
      } catch {
        return false; // decoded and answered (or refused) as usual
      }
      if (body === undefined) return false;
      const id = leadingRequestId(buffer, requestBodyStart(buffer, start, end), start);
      if (tail === null) {
        add(body, id, responseFrameBytes(id, body));
      } else {
        const whole = Buffer.allocUnsafe(responseFrameBytes(id, body));
        writeResponseFrame(whole, 0, id, body);
        write(whole);
      }
      return true;
    };
    const fail = (id: number, code: string, message: string): void => {
      failed = true;
      this.options.onClientError?.({ code, message });
      const last = encodeFrame(encodeResponse({ id, kind: 'error', code, message }));
      if (tail === null) {
        flush();
        socket.end(last);
      } else {
        void tail.then(() => socket.end(last));
      }
    };

    const onFrame = (buffer: Buffer, start: number, end: number): boolean => {
      if (answeredEncoded(buffer, start, end)) return true;
      const frame = start === 0 && end === buffer.length ? buffer : buffer.subarray(start, end);
      let request: LocalRequest;
      try {
        request = decodeRequest(frame);
      } catch (error) {
        const e = error as Partial<TollgateError>;
        fail(tryReadRequestId(frame), e.code ?? 'bad-request', e.message ?? String(error));
        return false;
      }
      const answer = this.answer(request);
      if (answer instanceof Promise) {
        flush();
        const previous: Promise<void> = tail ?? Promise.resolve();
        const settled = answer.then(async (response) => {
          await previous;
          if (socket.writable) socket.write(encodeFrame(encodeResponse(response)));
        });
        tail = settled;
        void settled.then(() => {
          if (tail === settled) tail = null;
        });
      } else {
        emit(answer);
      }
      return true;
    };

    socket.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        decoder.pushEach(chunk, onFrame);
      } catch (error) {
        const e = error as Partial<TollgateError>;
        fail(0, e.code ?? 'bad-frame', e.message ?? String(error));
        return;
      }
      flush();
    });
  }

  private answer(request: LocalRequest): LocalResponse | Promise<LocalResponse> {
    const asError = (error: unknown): LocalResponse => {
      const e = error as Partial<TollgateError>;
      return { id: request.id, kind: 'error', code: e.code ?? 'internal', message: e.message ?? String(error) };
    };
    try {
      const result = this.handler(request);
      return result instanceof Promise ? result.catch(asError) : result;
    } catch (error) {
      return asError(error);
    }
  }

  /** Stops accepting, closes every connection and removes the socket file; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    if (server !== null) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
