// The local socket client against a real Unix socket whose far end is a
// hand-made server: what it does with the frames it is sent.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LocalClient } from '../../src/local/client.js';
import { FRAME_HEADER_BYTES, FrameDecoder, encodeFrame } from '../../src/wire/framing.js';
import { decodeRequest, encodeResponse } from '../../src/wire/local-api.js';

let dir: string;
let server: Server;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-client-'));
});

afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

it('settles the requests answered before a response header past its limit, then fails the others with it', async () => {
  const path = join(dir, 'far.sock');
  // Answers the first request it reads, then sends a header announcing 4 GiB - 1, in one write; stays open.
  server = createServer((socket) => {
    const decoder = new FrameDecoder(1 << 20);
    socket.on('data', (chunk: Buffer) => {
      const frames = decoder.push(chunk);
      if (frames.length < 2) return;
      const first = decodeRequest(frames[0]!);
      const huge = Buffer.alloc(FRAME_HEADER_BYTES, 0xff);
      socket.write(
        Buffer.concat([
          encodeFrame(encodeResponse({ id: first.id, kind: 'error', code: 'internal', message: 'x' })),
          huge,
        ]),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const client = await LocalClient.connect(path);
  const answered = client.request({ kind: 'status' });
  const refused = client.request({ kind: 'status' });
  await expect(answered).resolves.toMatchObject({ kind: 'error', code: 'internal' });
  await expect(refused).rejects.toMatchObject({ code: 'frame-too-large' });
  client.close();
});

it('fails every request and closes when something on the socket answers with what no daemon says', async () => {
  const path = join(dir, 'garbage.sock');
  // A well-framed answer that is no Response.
  server = createServer((socket) =>
    socket.on('data', () => socket.write(encodeFrame(Buffer.from([0xff, 0xff, 0xff])))),
  );
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const client = await LocalClient.connect(path);
  const results = await Promise.allSettled([client.request({ kind: 'status' }), client.request({ kind: 'status' })]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/response/);
  client.close();
});

it('gives up a request the far end never answers after its timeout, naming the wait', async () => {
  const path = join(dir, 'silent.sock');
  // Reads and never answers.
  server = createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const client = await LocalClient.connect(path, { timeoutMs: 100 });
  await expect(client.request({ kind: 'status' })).rejects.toMatchObject({
    code: 'no-answer',
    message: 'the daemon did not answer within 100 ms',
  });
  client.close();
});
