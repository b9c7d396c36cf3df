/**
 * Compiling a snapshot's view image, measured in a fresh process per run:
 * peak RSS (the kernel's high-water mark of the child) and wall time, for
 * the two ways from verified payload bytes to an image:
 *
 * - "decoder": decodeSnapshotPayload (view-decoder.ts) into a ComputerView,
 *   then compileViewImage (the path the agent takes today);
 * - "payload": compileSnapshotImage (view-image-payload.ts), the payload's
 *   bytes read straight into the image builder.
 *
 * Usage: node dist/scripts/bench/image-compile.js [policies...]
 * (default 100000 1000000). Prints a table. Figures depend on the machine and
 * on what else runs on it: on a shared machine expect some 10-20% noise in
 * time, less in RSS.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileViewImage } from '../../src/engine/view-image.js';
import { buildView } from '../../src/engine/view.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey } from '../../src/wire/signing.js';
import { decodeSnapshotPayload } from '../../src/wire/view-decoder.js';
import { compileSnapshotImage } from '../../src/wire/view-image-payload.js';
import { syntheticWorld } from '../lib/synthetic-world.js';

const MODES = ['decoder', 'payload'] as const;
type Mode = (typeof MODES)[number];

interface ChildResult {
  mode: Mode;
  payloadBytes: number;
  imageBytes: number;
  baseRssBytes: number;
  peakRssBytes: number;
  compileMs: number;
  cpuMs: number;
}

/** In the child: reads the payload, compiles it one way, prints what it measured as one JSON line. */
function child(mode: Mode, file: string): void {
  const payload = readFileSync(file);
  const sha256 = createHash('sha256').update(payload).digest();
  const baseRssBytes = process.memoryUsage().rss;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let imageBytes: number;
  if (mode === 'decoder') {
    const content = decodeSnapshotPayload(payload);
    imageBytes = compileViewImage(content.view, { snapshotVersion: content.version, snapshotHash: sha256 }).bytes
      .length;
  } else {
    imageBytes = compileSnapshotImage(payload, { version: 1, sha256 }).bytes.length;
  }
  const compileMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  // maxRSS is in kilobytes (KiB on Linux).
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const result: ChildResult = {
    mode,
    payloadBytes: payload.length,
    imageBytes,
    baseRssBytes,
    peakRssBytes,
    compileMs,
    cpuMs,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function mb(bytes: number): string {
  return (bytes / 1_000_000).toFixed(1);
}

function parent(sizes: number[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-image-bench-'));
  const key = parsePrivateKey(generateSigningKeys().privateKeyPem);
  const rows: string[] = [];
  try {
    for (const policies of sizes) {
      process.stderr.write(`image-compile: building and sealing a ${policies}-policy view\n`);
      let synthetic: ReturnType<typeof syntheticWorld> | null = syntheticWorld({ policies, seed: 1, requests: 1 });
      const view = buildView(synthetic.world, synthetic.computer);
      const sealed = sealSnapshot(
        { computerId: synthetic.computer, version: 1, issuedAtMs: 0, settingsVersion: 1, view },
        key,
      );
      synthetic = null;
      const file = join(dir, `payload-${policies}.bin`);
      writeFileSync(file, tollgate.v1.SignedSnapshot.decode(sealed).payload);
      for (const mode of MODES) {
        const run = spawnSync(process.execPath, [import.meta.filename, '--child', mode, file], {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        });
        if (run.status !== 0) throw new Error(`child ${mode} failed: ${run.stderr}`);
        const r = JSON.parse(run.stdout.trim()) as ChildResult;
        rows.push(
          [
            String(policies),
            mode,
            mb(statSync(file).size),
            mb(r.imageBytes),
            mb(r.baseRssBytes),
            mb(r.peakRssBytes),
            r.compileMs.toFixed(0),
            r.cpuMs.toFixed(0),
          ].join(' | '),
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    `| policies | path | payload MB | image MB | RSS before MB | peak RSS MB | compile ms (wall) | CPU ms |\n|---|---|---|---|---|---|---|---|\n`,
  );
  for (const row of rows) process.stdout.write(`| ${row} |\n`);
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  child(args[1] as Mode, args[2] as string);
} else {
  parent(args.length > 0 ? args.map(Number) : [100_000, 1_000_000]);
}
