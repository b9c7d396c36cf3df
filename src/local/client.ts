import { createConnection, type Socket } from 'node:net';
import { TollgateError } from '../engine/errors.js';
import { FrameDecoder, encodeFrame } from '../wire/framing.js';
import {
  applySnapshotFrameParts,
  decodeResponse,
  encodeRequest,
  type LocalRequest,
  type LocalResponse,
} from '../wire/local-api.js';

/** A request without its id: the client numbers requests itself. */
export type RequestBody = LocalRequest extends infer R ? (R extends LocalRequest ? Omit<R, 'id'> : never) : never;

/** Largest response a client accepts (a decision log export can be large). */
export const CLIENT_MAX_FRAME_BYTES = 256 * 1024 * 1024;

/** A client of the daemon's local socket; requests may be pipelined. */
export class LocalClient {
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder(CLIENT_MAX_FRAME_BYTES);
  private readonly waiting = new Map<number, { resolve: (r: LocalResponse) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | null = null;

  /** How long a request waits for its answer before it and every other one fail ('no-answer'); none when undefined. */
  private readonly timeoutMs: number | undefined;

  private constructor(socket: Socket, timeoutMs: number | undefined) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new TollgateError('connection-closed', 'the daemon closed the connection')));
  }

  /**
   * Connects to a daemon's socket. With `timeoutMs`, connecting and each
   * request's answer are waited for that long at most: then the connection
   * is closed and they fail with 'no-answer' (a daemon stopped, or something
   * else listening that never answers).
   */
  static connect(socketPath: string, options: { timeoutMs?: number } = {}): Promise<LocalClient> {
    const { timeoutMs } = options;
    return new Promise((resolve, reject) => {
      const socket = createConnection(socketPath);
      const timer =
        timeoutMs === undefined
          ? null
          : setTimeout(() => {
              socket.destroy();
              reject(new TollgateError('no-answer', `${socketPath}: no connection within ${timeoutMs} ms`));
            }, timeoutMs);
      socket.once('connect', () => {
        if (timer !== null) clearTimeout(timer);
        socket.off('error', reject);
        resolve(new LocalClient(socket, timeoutMs));
      });
      socket.once('error', (error) => {
        if (timer !== null) clearTimeout(timer);
        reject(
          new TollgateError('connect-failed', `cannot connect to ${socketPath}: ${error.message}`, { cause: error }),
        );
      });
    });
  }

  private receive(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.failAll(error as Error);
      this.socket.destroy();
      return;
    }
    try {
      for (const frame of frames) this.answer(frame);
    } catch (error) {
      // Not an answer a daemon gives: whatever listens there, nothing it says is taken.
      this.failAll(error as Error);
      this.socket.destroy();
      return;
    }
    // A header past the limit after these frames: they are answered, then every other request fails.
    const failed = this.decoder.failed;
    if (failed !== null) {
      this.failAll(failed);
      this.socket.destroy();
    }
  }

  /** Settles the request a response answers. */
  private answer(frame: Buffer): void {
    const response = decodeResponse(frame);
    const waiter = this.waiting.get(response.id);
    if (waiter !== undefined) {
      this.waiting.delete(response.id);
      waiter.resolve(response);
    } else if (response.kind === 'error') {
      // An error about the connection itself (id 0): every request fails with it.
      this.failAll(new TollgateError(response.code, response.message));
    }
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  /** Whether the connection has failed or closed: every request from now on fails. */
  get failed(): boolean {
    return this.failure !== null;
  }

  /** Sends one request and resolves with its response (which may be an error response). */
  request(body: RequestBody): Promise<LocalResponse> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.armTimeout(id);
      if (body.kind === 'applySnapshot') {
        // A snapshot of hundreds of MB is written as it is, behind its few bytes of header, not copied into a frame.
        const [head, snapshot] = applySnapshotFrameParts(id, body.snapshot);
        this.socket.cork();
        this.socket.write(head);
        this.socket.write(snapshot);
        this.socket.uncork();
        return;
      }
      this.socket.write(encodeFrame(encodeRequest({ ...body, id })));
    });
  }

  /** Fails every request and closes the connection when request `id` is not answered within timeoutMs. */
  private armTimeout(id: number): void {
    const timeoutMs = this.timeoutMs;
    if (timeoutMs === undefined) return;
    const timer = setTimeout(() => {
      if (!this.waiting.has(id)) return;
      this.failAll(new TollgateError('no-answer', `the daemon did not answer within ${timeoutMs} ms`));
      this.socket.destroy();
    }, timeoutMs);
    timer.unref();
    const waiter = this.waiting.get(id);
    if (waiter === undefined) return;
    this.waiting.set(id, {
      resolve: (r) => {
        clearTimeout(timer);
        waiter.resolve(r);
      },
      reject: (e) => {
        clearTimeout(timer);
        waiter.reject(e);
      },
    });
  }

  /** Like request, but an error response rejects. */
  async call(body: RequestBody): Promise<LocalResponse> {
    const response = await this.request(body);
    if (response.kind === 'error') throw new TollgateError(response.code, response.message);
    return response;
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}
