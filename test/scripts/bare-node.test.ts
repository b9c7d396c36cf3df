/**
 * The daemon section's spawn-to-answer baseline (scripts/bench/bare-node.ts):
 * the compiled program (npm test builds first) started as a real process on
 * a Unix socket in a temp folder, answering a real frame; its job checked
 * field by field. No timing assertions: the benchmark measures, tests check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { completeFrames, parseBareNodeJob } from '../../scripts/bench/bare-node.js';
import { timeFirstAnswer } from '../../scripts/bench/daemon.js';
import { ROOT, spawnNode, type ChildHandle } from '../../scripts/bench/processes.js';
import { encodeFrame } from '../../src/wire/framing.js';
import { decodeResponse, encodeRequest, encodeResponse } from '../../src/wire/local-api.js';

const PROGRAM = join(ROOT, 'dist', 'scripts', 'bench', 'bare-node.js');

/** A request frame as the daemon section sends it. */
const REQUEST = encodeFrame(encodeRequest({ id: 7, kind: 'evaluateFile', file: { path: 'C:\\Tools\\a.exe' } }));

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bare-node-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function start(job: unknown): ChildHandle {
  const child = spawnNode(PROGRAM, [JSON.stringify(job)]);
  cleanups.push(() => child.stop());
  return child;
}

describe('the bare node baseline', () => {
  it('answers a request frame on its Unix socket with the given response frame, every time', async () => {
    const dir = tempDir();
    const socket = join(dir, 'bare.sock');
    const response = encodeFrame(Buffer.from('any response bytes'));
    const child = start({ socket, responseBase64: response.toString('base64') });
    const first = await timeFirstAnswer(child, socket, REQUEST, 30_000);
    expect(first.response.equals(response)).toBe(true);
    expect(first.firstAnswerMs).toBeGreaterThanOrEqual(first.acceptMs);
    // Answered again on a new connection: it keeps serving until SIGTERM.
    const again = await timeFirstAnswer(child, socket, Buffer.concat([REQUEST, REQUEST]), 30_000);
    expect(again.response.equals(response)).toBe(true);
    const stopped = await child.stop();
    expect(stopped.code).toBe(0);
  });

  it('answers with a response a client decodes when given an encoded Response frame', async () => {
    const dir = tempDir();
    const socket = join(dir, 'bare.sock');
    const frame = encodeFrame(encodeResponse({ id: 7, kind: 'error', code: 'unavailable', message: 'no snapshot' }));
    const child = start({ socket, responseBase64: frame.toString('base64') });
    const run = await timeFirstAnswer(child, socket, REQUEST, 30_000);
    expect(decodeResponse(run.response.subarray(4))).toMatchObject({ id: 7, kind: 'error', message: 'no snapshot' });
  });

  it('exits with an error naming the field when its job is bad', async () => {
    const child = start({ socket: '', responseBase64: '' });
    const exit = await child.exited;
    expect(exit.code).not.toBe(0);
    await expect(child.waitForLog(() => false, 'never')).rejects.toThrow(/socket must be a path/);
  });
});

describe('parseBareNodeJob', () => {
  const frame = encodeFrame(Buffer.from([1, 2, 3])).toString('base64');

  it('takes a socket path and one whole frame', () => {
    expect(parseBareNodeJob(JSON.stringify({ socket: '/tmp/x.sock', responseBase64: frame }))).toEqual({
      socket: '/tmp/x.sock',
      responseBase64: frame,
    });
  });

  it.each([
    [undefined, /JSON job/],
    ['not json', /JSON job/],
    ['null', /JSON object/],
    [JSON.stringify({ responseBase64: frame }), /socket/],
    [JSON.stringify({ socket: '/x.sock' }), /responseBase64/],
    [
      JSON.stringify({ socket: '/x.sock', responseBase64: Buffer.from([0, 0, 0, 9, 1]).toString('base64') }),
      /whole frame/,
    ],
  ])('refuses %j', (text, error) => {
    expect(() => parseBareNodeJob(text)).toThrow(error);
  });
});

describe('completeFrames', () => {
  it('counts whole frames and leaves a partial one for later', () => {
    const a = encodeFrame(Buffer.from('ab'));
    const b = encodeFrame(Buffer.from('cde'));
    const both = Buffer.concat([a, b, b.subarray(0, 5)]);
    expect(completeFrames(both, 0)).toEqual({ frames: 2, next: a.length + b.length });
    expect(completeFrames(Buffer.from([0, 0]), 0)).toEqual({ frames: 0, next: 0 });
  });
});
