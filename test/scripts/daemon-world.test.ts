/**
 * The daemon section's world (scripts/bench/daemon-world.ts), made small in
 * a temp folder: snapshots sealed with the bench's own key (they open with
 * its public key, one version each), and the request frames the load
 * generator sends. No timing here: the benchmark measures, tests check.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DaemonWorld, makeDaemonWorld } from '../../scripts/bench/daemon-world.js';
import { splitFrames } from '../../scripts/bench/socket-load.js';
import { TARGET_COMPUTER } from '../../scripts/lib/synthetic-world.js';
import { decodeRequest } from '../../src/wire/local-api.js';
import { openSnapshot } from '../../src/wire/signed.js';
import { parsePublicKey } from '../../src/wire/signing.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-daemon-world-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let made: Promise<DaemonWorld> | undefined;
function world(): Promise<DaemonWorld> {
  made ??= makeDaemonWorld(
    { dir, policies: 300, seed: 7, requests: 100, firstSeenPerRound: 40, rounds: 2, versions: 3, shapeRequests: 0 },
    () => {},
  );
  return made;
}

describe('makeDaemonWorld', () => {
  it('seals one snapshot per version with the bench key, each holding the whole view', async () => {
    const w = await world();
    expect(w.computer).toBe(TARGET_COMPUTER);
    expect(w.viewPolicies).toBe(300);
    expect(w.snapshots).toHaveLength(3);
    const key = parsePublicKey(readFileSync(w.publicKey, 'utf8'));
    w.snapshots.forEach((file, i) => {
      const content = openSnapshot(readFileSync(file), key);
      expect(content.version).toBe(i + 1);
      expect(content.computerId).toBe(TARGET_COMPUTER);
      expect(content.view.policies).toHaveLength(300);
    });
    expect(w.snapshotBytes).toBe(readFileSync(w.snapshots[2] as string).length);
    expect(w.shapes).toBeNull();
  });

  it('writes the cycled requests and, per round, first-seen requests that are all different files', async () => {
    const w = await world();
    const cycled = splitFrames(readFileSync(w.frames)).map((f) => decodeRequest(f.subarray(4)));
    expect(cycled).toHaveLength(100);
    expect(cycled.map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(w.freshFrames).toHaveLength(2);
    const paths = new Set<string>();
    for (const file of [w.frames, ...w.freshFrames]) {
      for (const frame of splitFrames(readFileSync(file))) {
        const request = decodeRequest(frame.subarray(4));
        if (request.kind !== 'evaluateFile') throw new Error(`unexpected ${request.kind}`);
        paths.add(JSON.stringify(request.file));
      }
    }
    // 180 requests; a file may repeat by chance in a synthetic stream, but hardly ever.
    expect(paths.size).toBeGreaterThan(170);
    const first = decodeRequest(Buffer.from(w.firstFrameBase64, 'base64').subarray(4));
    expect(first).toEqual(cycled[0]);
  });
});
