/**
 * The daemon section's world, made in a child process of its own
 * (`node --max-old-space-size=N dist/scripts/bench/daemon-world.js JSON`)
 * so that a million-policy world, its view and its encodings never sit in
 * the benchmark's heap: the synthetic world (every rule shape of SPEC.md
 * section 3), the bench's own signing key (`tollgate keygen`), the view of
 * the target computer sealed as snapshots of versions 1..N with that key,
 * the request frames the load generator sends, and (when asked) the
 * engine's latency per rule shape over that same view (engine.ts's
 * benchShapeSize). Prints one JSON line, {"msg":"world", ...}, on stdout;
 * progress on stderr.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildView } from '../../src/engine/view.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { parsePrivateKey } from '../../src/wire/signing.js';
import { encodeFrame } from '../../src/wire/framing.js';
import { encodeRequest } from '../../src/wire/local-api.js';
import type { FileRequest } from '../../src/engine/model.js';
import { type SyntheticWorld, syntheticWorld } from '../lib/synthetic-world.js';
import { type ShapeSizeResult, type ShapeWorld, benchShapeSize } from './engine.js';
import { collectGarbage, timeMs } from './measure.js';
import { cli } from './processes.js';

export interface DaemonWorldJob {
  /** The folder to write into (it exists). */
  dir: string;
  policies: number;
  seed: number;
  /** Requests the load cycles through (every one asked before measuring: decision cache hits). */
  requests: number;
  /** Requests never asked before, per round. */
  firstSeenPerRound: number;
  rounds: number;
  /** Snapshot versions to seal: 1 (the seed) and the ones applied over the socket. */
  versions: number;
  /** Requests of each rule shape to time the engine on (0: none). */
  shapeRequests: number;
}

export interface DaemonWorld {
  msg: 'world';
  computer: string;
  viewPolicies: number;
  applications: number;
  snapshotBytes: number;
  /** snapshots[i] holds version i + 1. */
  snapshots: string[];
  publicKey: string;
  /** Request frames the load cycles through. */
  frames: string;
  requests: number;
  /** One file of first-seen request frames per round. */
  freshFrames: string[];
  /** The first request's frame, base64 (what a warm start asks). */
  firstFrameBase64: string;
  buildViewMs: number;
  sealMs: number[];
  /** The engine per rule shape over this view, when asked. */
  shapes: ShapeSizeResult | null;
  maxRssBytes: number;
}

function framesOf(requests: readonly FileRequest[]): Buffer {
  return Buffer.concat(
    requests.map((file, i) => encodeFrame(encodeRequest({ id: i + 1, kind: 'evaluateFile', file }))),
  );
}

export async function makeDaemonWorld(job: DaemonWorldJob, log: (message: string) => void): Promise<DaemonWorld> {
  log(`generating a world of ${job.policies} policies`);
  // The world and its view live only in `taken` (and in writeWorld's frame while it runs), so that
  // benchShapeSize, which takes them, can let them go before it times the engine.
  const taken: ShapeWorld = {
    synthetic: syntheticWorld({
      policies: job.policies,
      seed: job.seed,
      requests: job.requests + job.rounds * job.firstSeenPerRound,
      requestsPerShape: job.shapeRequests,
    }),
    view: undefined,
    buildViewMs: NaN,
  };
  const keys = join(job.dir, 'keys');
  await cli(['keygen', '--out', keys]);
  const privateKey = parsePrivateKey(readFileSync(join(keys, 'tollgate-signing.key'), 'utf8'));
  const written = writeWorld(job, taken, privateKey, log);
  const shapes =
    job.shapeRequests > 0
      ? benchShapeSize(job.policies, { seed: job.seed, shapeRequests: job.shapeRequests, log, tempDir: job.dir }, taken)
      : null;
  return {
    msg: 'world',
    ...written,
    publicKey: join(keys, 'tollgate-signing.pub'),
    shapes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

/** Builds the view into `taken` and writes the snapshots and request frames the daemon runs are made of. */
function writeWorld(
  job: DaemonWorldJob,
  taken: ShapeWorld,
  privateKey: ReturnType<typeof parsePrivateKey>,
  log: (message: string) => void,
): Omit<DaemonWorld, 'msg' | 'publicKey' | 'shapes' | 'maxRssBytes'> {
  const synthetic = taken.synthetic as SyntheticWorld;
  const { computer } = synthetic;
  const built = timeMs(() => buildView(synthetic.world, computer));
  const view = built.value;
  taken.view = view;
  taken.buildViewMs = built.ms;
  log(`view of ${view.policies.length} policies built in ${Math.round(built.ms)} ms`);
  const snapshots: string[] = [];
  const sealMs: number[] = [];
  let snapshotBytes = 0;
  for (let version = 1; version <= job.versions; version++) {
    const sealed = timeMs(() =>
      sealSnapshot({ computerId: computer, version, issuedAtMs: Date.now(), settingsVersion: 0, view }, privateKey),
    );
    const out = join(job.dir, `snapshot-v${version}.bin`);
    writeFileSync(out, sealed.value);
    snapshotBytes = sealed.value.length;
    snapshots.push(out);
    sealMs.push(sealed.ms);
    log(`snapshot version ${version}: ${snapshotBytes} bytes, sealed in ${Math.round(sealed.ms)} ms`);
    collectGarbage();
  }
  const requests = synthetic.requests.slice(0, job.requests);
  const fresh = synthetic.requests.slice(job.requests);
  const frames = join(job.dir, 'requests.bin');
  writeFileSync(frames, framesOf(requests));
  const freshFrames: string[] = [];
  for (let r = 0; r < job.rounds; r++) {
    const file = join(job.dir, `first-seen-${r + 1}.bin`);
    writeFileSync(file, framesOf(fresh.slice(r * job.firstSeenPerRound, (r + 1) * job.firstSeenPerRound)));
    freshFrames.push(file);
  }
  const firstFrame = encodeFrame(
    encodeRequest({ id: 1, kind: 'evaluateFile', file: requests[0] ?? { path: 'C:\\a.exe' } }),
  );
  return {
    computer,
    viewPolicies: view.policies.length,
    applications: view.applications.length,
    snapshotBytes,
    snapshots,
    frames,
    requests: requests.length,
    freshFrames,
    firstFrameBase64: firstFrame.toString('base64'),
    buildViewMs: built.ms,
    sealMs,
  };
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const job = JSON.parse(process.argv[2] ?? '{}') as DaemonWorldJob;
  const world = await makeDaemonWorld(job, (message) => process.stderr.write(`[daemon-world] ${message}\n`));
  process.stdout.write(`${JSON.stringify(world)}\n`);
}
