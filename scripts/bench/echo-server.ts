/**
 * The ceiling for Node of the daemon section: a bare Unix-socket server
 * (`node dist/scripts/bench/echo-server.js JSON`) that reads length-prefixed
 * frames and, for the k-th frame of a connection, writes back the k-th of
 * the daemon's recorded response frames (cyclically). The client sends the
 * requests in the same cyclic order, so every request gets a response of
 * exactly the size the daemon gave it, and a valid Response to decode.
 *
 * It does what the daemon's socket server does minus the work: the same
 * FrameDecoder, the responses of one chunk written together in one write,
 * but no request decoding, no decision, no response encoding. Prints
 * {"msg":"listening"} once it accepts connections; SIGTERM stops it.
 */
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { FrameDecoder } from '../../src/wire/framing.js';
import { splitFrames } from './socket-load.js';

export interface EchoJob {
  socket: string;
  /** A file of response frames (length prefix included), as socket-load's record mode writes them. */
  responses: string;
  maxFrameBytes: number;
}

function serve(job: EchoJob): void {
  const responses = splitFrames(readFileSync(job.responses));
  const n = responses.length;
  if (n === 0) throw new Error(`${job.responses} holds no frames`);
  rmSync(job.socket, { force: true });
  const server = createServer((socket) => {
    const decoder = new FrameDecoder(job.maxFrameBytes);
    let k = 0;
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      if (frames.length === 0) return;
      if (frames.length === 1) {
        socket.write(responses[k++ % n] as Buffer);
        return;
      }
      const out: Buffer[] = new Array<Buffer>(frames.length);
      for (let i = 0; i < frames.length; i++) out[i] = responses[k++ % n] as Buffer;
      socket.write(Buffer.concat(out));
    });
  });
  server.listen(job.socket, () => process.stdout.write(`${JSON.stringify({ msg: 'listening', pid: process.pid })}\n`));
  process.once('SIGTERM', () => {
    server.close();
    process.exit(0);
  });
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  serve(JSON.parse(process.argv[2] ?? '{}') as EchoJob);
}
