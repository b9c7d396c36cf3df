/**
 * The spawn-to-answer baseline of the daemon section: a bare `node` process
 * (`node dist/scripts/bench/bare-node.js JSON`) that listens on a Unix
 * socket and answers each length-prefixed frame (4-byte big-endian length,
 * SPEC.md section 9) with one fixed response frame. It loads nothing but
 * `node:net` and `node:fs`: the time from its spawn to its first answer is
 * what starting Node itself and listening on a socket cost, the floor a
 * daemon's warm start is compared with.
 *
 * The response (a recorded decision frame, length prefix included, base64)
 * comes in the job, so the client decodes a real decision from it. SIGTERM
 * stops it.
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';

export interface BareNodeJob {
  socket: string;
  /** The response frame, length prefix included, base64. */
  responseBase64: string;
}

/** The length prefix of a frame (SPEC.md section 9). */
export const BARE_FRAME_HEADER_BYTES = 4;

/** A job from its command-line argument; a clear error names the field at fault. */
export function parseBareNodeJob(text: string | undefined): BareNodeJob {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '');
  } catch {
    throw new Error('bare-node: the argument must be a JSON job {"socket": PATH, "responseBase64": FRAME}');
  }
  const job = raw as Partial<BareNodeJob> | null;
  if (job === null || typeof job !== 'object') throw new Error('bare-node: the job must be a JSON object');
  if (typeof job.socket !== 'string' || job.socket === '') throw new Error('bare-node: socket must be a path');
  if (typeof job.responseBase64 !== 'string') throw new Error('bare-node: responseBase64 must be a string');
  const frame = Buffer.from(job.responseBase64, 'base64');
  if (frame.length < BARE_FRAME_HEADER_BYTES || frame.readUInt32BE(0) !== frame.length - BARE_FRAME_HEADER_BYTES) {
    throw new Error('bare-node: responseBase64 must be one whole frame (its length prefix included)');
  }
  return { socket: job.socket, responseBase64: job.responseBase64 };
}

/** Counts the whole frames in `pending` from `offset`; returns how many and where the next one starts. */
export function completeFrames(pending: Buffer, offset: number): { frames: number; next: number } {
  let frames = 0;
  let at = offset;
  while (pending.length - at >= BARE_FRAME_HEADER_BYTES) {
    const end = at + BARE_FRAME_HEADER_BYTES + pending.readUInt32BE(at);
    if (end > pending.length) break;
    frames++;
    at = end;
  }
  return { frames, next: at };
}

function serve(job: BareNodeJob): void {
  const response = Buffer.from(job.responseBase64, 'base64');
  rmSync(job.socket, { force: true });
  const server = createServer((socket) => {
    let pending: Buffer = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const { frames, next } = completeFrames(pending, 0);
      pending = pending.subarray(next);
      for (let i = 0; i < frames; i++) socket.write(response);
    });
  });
  server.listen(job.socket);
  process.once('SIGTERM', () => {
    server.close();
    process.exit(0);
  });
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  serve(parseBareNodeJob(process.argv[2]));
}
