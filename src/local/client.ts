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

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new TollgateError('connection-closed', 'the daemon closed the connection')));
  }

  static connect(socketPath: string): Promise<LocalClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(socketPath);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new LocalClient(socket));
      });
      socket.once('error', (error) =>
        reject(
          new TollgateError('connect-failed', `cannot connect to ${socketPath}: ${error.message}`, { cause: error }),
        ),
      );
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
    for (const frame of frames) this.answer(frame);
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

  /** Sends one request and resolves with its response (which may be an error response). */
  request(body: RequestBody): Promise<LocalResponse> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
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
