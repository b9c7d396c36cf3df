/**
 * Snapshot applies in process: an Agent over a real AgentStore on a fresh
 * cache is given a seed snapshot of the synthetic world, then `applies`
 * newer versions of it, and each applySnapshot (verify, compile the image
 * from the payload, commit the SQLite row with its fsync) is timed in CPU
 * and wall time, with the process's resident and peak memory after it; then
 * what it left for after it returned (its image file, written a slice at a
 * time on the thread pool, and the WAL checkpoint), awaited before the next
 * apply. Run it with --cpu-prof to see where the time goes.
 *
 * The sealed snapshots are kept in a folder (APPLY_PROFILE_CACHE, else the
 * system's temporary folder) as apply-profile-<policies>-x<count>-<version>.bin, with
 * a JSON file naming them and the public key, and used again by later runs
 * of the same size and count: sealing a million-policy view takes minutes.
 * APPLY_PROFILE_PREPARE_ONLY=1 only writes them.
 *
 * Usage: node dist/scripts/bench/apply-profile.js [policies] [applies]
 * (default 100000 3).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../../src/agent/agent.js';
import { buildView } from '../../src/engine/view.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { allocateShared } from '../../src/wire/large-buffer.js';
import { SHARED_FRAME_FROM_BYTES } from '../../src/wire/parallel-sha256.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';
import { SYNTHETIC_NOW_MS, syntheticWorld } from '../lib/synthetic-world.js';

const policies = Number(process.argv[2] ?? 100_000);
const applies = Number(process.argv[3] ?? 3);
const cacheDir = process.env.APPLY_PROFILE_CACHE ?? tmpdir();
mkdirSync(cacheDir, { recursive: true });
const cacheFile = join(cacheDir, `apply-profile-${policies}-x${applies + 1}.json`);

interface Cached {
  computer: string;
  publicKeyPem: string;
  snapshots: string[];
}

/**
 * The snapshot as the daemon's local socket receives it: a frame of
 * SHARED_FRAME_FROM_BYTES or more lands in shared memory, which the agent's
 * worker hashes while it compiles (APPLY_PROFILE_SHARED=0: in ordinary
 * memory, hashed on the main thread, as a snapshot from the server is).
 */
function asReceived(bytes: Uint8Array): Uint8Array {
  if (process.env.APPLY_PROFILE_SHARED === '0' || bytes.length < SHARED_FRAME_FROM_BYTES) return bytes;
  const shared = allocateShared(bytes.length);
  shared.set(bytes);
  return shared;
}

function prepare(): { computer: string; publicKeyPem: string; snapshots: Uint8Array[] } {
  if (existsSync(cacheFile)) {
    const c = JSON.parse(readFileSync(cacheFile, 'utf8')) as Cached;
    return {
      computer: c.computer,
      publicKeyPem: c.publicKeyPem,
      snapshots: c.snapshots.map((f) => asReceived(readFileSync(f))),
    };
  }
  const keys = generateSigningKeys();
  const key = parsePrivateKey(keys.privateKeyPem);
  const synthetic = syntheticWorld({ policies, seed: 1, requests: 1 });
  const view = buildView(synthetic.world, synthetic.computer);
  const files: string[] = [];
  const snapshots: Uint8Array[] = [];
  for (let v = 1; v <= applies + 1; v++) {
    const s = sealSnapshot(
      { computerId: synthetic.computer, version: v, issuedAtMs: 0, settingsVersion: 1, view },
      key,
    );
    const f = join(cacheDir, `apply-profile-${policies}-x${applies + 1}-${v}.bin`);
    writeFileSync(f, s);
    files.push(f);
    snapshots.push(asReceived(s));
  }
  writeFileSync(
    cacheFile,
    JSON.stringify({ computer: synthetic.computer, publicKeyPem: keys.publicKeyPem, snapshots: files }),
  );
  return { computer: synthetic.computer, publicKeyPem: keys.publicKeyPem, snapshots };
}

const { computer, publicKeyPem, snapshots } = prepare();
if (process.env.APPLY_PROFILE_PREPARE_ONLY) process.exit(0);
const dir = mkdtempSync(join(tmpdir(), 'tollgate-apply-profile-'));
try {
  const store = AgentStore.open(join(dir, 'agent.db'));
  const agent = new Agent({
    store,
    publicKey: parsePublicKey(publicKeyPem),
    computerId: computer,
    noSnapshotAction: 'deny',
    clock: () => SYNTHETIC_NOW_MS,
  });
  for (const [i, snapshot] of snapshots.entries()) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    agent.applySnapshot(snapshot);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    // What the apply left for after it returned: its image file and the WAL checkpoint.
    const after0 = process.cpuUsage();
    const a0 = performance.now();
    await store.imagesWritten();
    await new Promise((resolve) => setImmediate(resolve));
    const afterWall = performance.now() - a0;
    const after = process.cpuUsage(after0);
    process.stdout.write(
      `apply ${i + 1}: wall ${wall.toFixed(0)} ms, cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms ` +
        `(user ${(cpu.user / 1000).toFixed(0)}, sys ${(cpu.system / 1000).toFixed(0)}), ` +
        `rss ${(process.memoryUsage().rss / 1e6).toFixed(1)} MB, peak ${((process.resourceUsage().maxRSS * 1024) / 1e6).toFixed(1)} MB; ` +
        `after it (image file, checkpoint): wall ${afterWall.toFixed(0)} ms, ` +
        `cpu ${((after.user + after.system) / 1000).toFixed(0)} ms\n`,
    );
  }
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
