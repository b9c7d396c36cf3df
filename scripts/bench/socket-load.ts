/**
 * The load generator of the daemon section, run as its own process
 * (`node dist/scripts/bench/socket-load.js JSON`) so that the benchmark's
 * own heap (a synthetic world of 100,000 policies) and its garbage
 * collections stay out of the measured round trips. The same client
 * measures the daemon and the bare echo server, so the two differ only in
 * what answers on the socket.
 *
 * The requests come pre-encoded (length-prefixed Request frames, one file);
 * each response is framed by FrameDecoder and decoded with decodeResponse,
 * as a real client would. Modes:
 *
 * - record: sends every request once (pipelined, windows of 256), timed, and writes
 *   the response frames, in request order, to `out`;
 * - latency: one request in flight; the round trip of each, from write to
 *   decoded response, with process.hrtime.bigint();
 * - throughput: a sliding window of `window` requests in flight on one
 *   connection; responses per second of wall clock (with `once`, each
 *   request is sent at most once: files the daemon has never been asked about).
 *
 * Prints one JSON line with the result on stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { FrameDecoder, FRAME_HEADER_BYTES } from '../../src/wire/framing.js';
import { decodeResponse } from '../../src/wire/local-api.js';
import { percentile } from '../lib/stats.js';

/** Largest response frame accepted (a decision is a few hundred bytes). */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export type LoadJob =
  | { mode: 'record'; socket: string; frames: string; out: string; window: number }
  | {
      mode: 'latency';
      socket: string;
      frames: string;
      /** Round trips before the measured ones. */
      warmup: number;
      minSamples: number;
      maxSamples: number;
      budgetMs: number;
      /** Where in the request list to start (so successive runs do not replay the same requests). */
      offset: number;
    }
  | {
      mode: 'throughput';
      socket: string;
      frames: string;
      window: number;
      warmupMs: number;
      budgetMs: number;
      offset: number;
      /**
       * Send each request at most once, from `offset` on (files never asked
       * before): the run ends when they are answered or the budget is spent.
       */
      once?: boolean;
    };

export interface LatencyOutput {
  mode: 'latency';
  samples: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  meanUs: number;
  /** Responses that were not decisions (must be 0). */
  notDecisions: number;
  clientCpuMs: number;
  wallMs: number;
}

export interface ThroughputOutput {
  mode: 'throughput';
  window: number;
  /** Responses of the measured phase. */
  responses: number;
  /** Every response of the run, its warm-up included: what the server's CPU around the whole run answered. */
  answered: number;
  wallMs: number;
  perSecond: number;
  notDecisions: number;
  clientCpuMs: number;
}

export interface RecordOutput {
  mode: 'record';
  responses: number;
  /** Response kinds seen, e.g. {decision: 10000}. */
  kinds: Record<string, number>;
  /** Responses whose id was not the request's. */
  wrongIds: number;
  responseBytes: { min: number; max: number; mean: number };
  /** From the first write to the last response, and responses per second over it. */
  elapsedMs: number;
  perSecond: number;
}

export type LoadOutput = LatencyOutput | ThroughputOutput | RecordOutput;

/** Splits a file of length-prefixed frames into whole frames (header included). */
export function splitFrames(data: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const length = data.readUInt32BE(at);
    const end = at + FRAME_HEADER_BYTES + length;
    if (end > data.length) throw new Error(`truncated frame at byte ${at}`);
    frames.push(data.subarray(at, end));
    at = end;
  }
  return frames;
}

/** A connection to the Unix socket at `path`, once connected. */
export function connect(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Sends every request once, `window` at a time, and keeps the raw response frames. */
async function record(job: Extract<LoadJob, { mode: 'record' }>, frames: Buffer[]): Promise<RecordOutput> {
  const socket = await connect(job.socket);
  const decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
  const responses: Buffer[] = [];
  const kinds: Record<string, number> = {};
  let wrongIds = 0;
  let sent = 0;
  const sendWindow = (): void => {
    const end = Math.min(frames.length, sent + job.window);
    socket.write(Buffer.concat(frames.slice(sent, end)));
    sent = end;
  };
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`the socket closed after ${responses.length} responses`)));
    socket.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(chunk)) {
        const request = frames[responses.length] as Buffer;
        const response = decodeResponse(payload);
        kinds[response.kind] = (kinds[response.kind] ?? 0) + 1;
        const requestId = decodeRequestIdOf(request);
        if (response.id !== requestId) wrongIds++;
        const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
        frame.writeUInt32BE(payload.length, 0);
        payload.copy(frame, FRAME_HEADER_BYTES);
        responses.push(frame);
      }
      if (responses.length === frames.length) resolve();
      else if (responses.length === sent) sendWindow();
    });
    sendWindow();
  });
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  socket.removeAllListeners('close');
  socket.destroy();
  writeFileSync(job.out, Buffer.concat(responses));
  let min = Infinity;
  let max = 0;
  let sum = 0;
  for (const r of responses) {
    min = Math.min(min, r.length);
    max = Math.max(max, r.length);
    sum += r.length;
  }
  return {
    mode: 'record',
    responses: responses.length,
    kinds,
    wrongIds,
    responseBytes: { min, max, mean: sum / responses.length },
    elapsedMs,
    perSecond: responses.length / (elapsedMs / 1000),
  };
}

/** The id of an encoded Request frame: field 1 (varint), which encodeRequest writes first. */
function decodeRequestIdOf(frame: Buffer): number {
  let at = FRAME_HEADER_BYTES;
  if (frame[at] !== 0x08) return 0;
  at++;
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = frame[at++] as number;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value;
    shift += 7;
  }
}

/** One request in flight: the round trip of each, write to decoded response. */
async function latency(job: Extract<LoadJob, { mode: 'latency' }>, frames: Buffer[]): Promise<LatencyOutput> {
  const socket = await connect(job.socket);
  const decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
  const cap = Math.max(1, job.maxSamples);
  const samples = new Float64Array(cap);
  const n = frames.length;
  let i = 0;
  let taken = 0;
  let notDecisions = 0;
  let t0 = 0n;
  let measuredFrom = 0;
  let cpuStart = process.cpuUsage();
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`the socket closed after ${i} responses`)));
    const send = (): void => {
      t0 = process.hrtime.bigint();
      socket.write(frames[(job.offset + i) % n] as Buffer);
    };
    socket.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(chunk)) {
        const response = decodeResponse(payload);
        const t1 = process.hrtime.bigint();
        if (response.kind !== 'decision') notDecisions++;
        if (i >= job.warmup) samples[taken++] = Number(t1 - t0);
        i++;
        if (i === job.warmup) {
          measuredFrom = performance.now();
          cpuStart = process.cpuUsage();
        }
        const done =
          taken >= cap ||
          (taken >= job.minSamples && (taken & 63) === 0 && performance.now() - measuredFrom >= job.budgetMs);
        if (done) {
          resolve();
          return;
        }
        send();
      }
    });
    if (job.warmup === 0) measuredFrom = performance.now();
    send();
  });
  const wallMs = performance.now() - measuredFrom;
  const clientCpuMs = cpuMsSince(cpuStart);
  socket.removeAllListeners('close');
  socket.destroy();
  const sorted = samples.subarray(0, taken).sort();
  let sum = 0;
  for (let k = 0; k < taken; k++) sum += sorted[k] as number;
  return {
    mode: 'latency',
    samples: taken,
    p50Us: percentile(sorted, 50) / 1000,
    p90Us: percentile(sorted, 90) / 1000,
    p99Us: percentile(sorted, 99) / 1000,
    p999Us: percentile(sorted, 99.9) / 1000,
    maxUs: (sorted[taken - 1] as number) / 1000,
    meanUs: sum / taken / 1000,
    notDecisions,
    clientCpuMs,
    wallMs,
  };
}

/** A sliding window of requests in flight for `budgetMs` (after `warmupMs` of the same), then drained. */
async function throughput(job: Extract<LoadJob, { mode: 'throughput' }>, frames: Buffer[]): Promise<ThroughputOutput> {
  const socket = await connect(job.socket);
  const decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
  const n = frames.length;
  let sent = 0;
  let received = 0;
  let notDecisions = 0;
  let measuring = job.warmupMs <= 0;
  let sending = true;
  let phaseStart = performance.now();
  let startReceived = 0;
  let cpuStart = process.cpuUsage();
  let endAt = 0;
  const once = job.once === true;
  const sendMore = (count: number): void => {
    if (once) count = Math.min(count, n - job.offset - sent);
    if (count <= 0) return;
    const batch: Buffer[] = new Array<Buffer>(count);
    for (let k = 0; k < count; k++) batch[k] = frames[(job.offset + sent + k) % n] as Buffer;
    sent += count;
    socket.write(count === 1 ? (batch[0] as Buffer) : Buffer.concat(batch));
  };
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`the socket closed after ${received} responses`)));
    socket.on('data', (chunk: Buffer) => {
      let got = 0;
      for (const payload of decoder.push(chunk)) {
        if (decodeResponse(payload).kind !== 'decision') notDecisions++;
        got++;
      }
      received += got;
      const now = performance.now();
      if (!measuring && now - phaseStart >= job.warmupMs) {
        // The measured phase starts here, with the window still full.
        measuring = true;
        phaseStart = now;
        startReceived = received;
        cpuStart = process.cpuUsage();
      } else if (measuring && sending && now - phaseStart >= job.budgetMs) {
        sending = false;
      }
      if (once && job.offset + sent >= n) sending = false;
      if (sending) sendMore(got);
      else if (received === sent) {
        endAt = now;
        resolve();
      }
    });
    sendMore(job.window);
  });
  const clientCpuMs = cpuMsSince(cpuStart);
  socket.removeAllListeners('close');
  socket.destroy();
  const wallMs = endAt - phaseStart;
  const responses = received - startReceived;
  return {
    mode: 'throughput',
    window: job.window,
    responses,
    answered: received,
    wallMs,
    perSecond: (responses / wallMs) * 1000,
    notDecisions,
    clientCpuMs,
  };
}

export async function runLoad(job: LoadJob): Promise<LoadOutput> {
  const frames = splitFrames(readFileSync(job.frames));
  if (frames.length === 0) throw new Error(`${job.frames} holds no frames`);
  switch (job.mode) {
    case 'record':
      return record(job, frames);
    case 'latency':
      return latency(job, frames);
    case 'throughput':
      return throughput(job, frames);
  }
}

// Run as a program: the job is the first argument, as JSON.
if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  try {
    const output = await runLoad(JSON.parse(process.argv[2] ?? '{}') as LoadJob);
    process.stdout.write(`${JSON.stringify(output)}\n`);
  } catch (error) {
    process.stderr.write(
      `socket-load failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
