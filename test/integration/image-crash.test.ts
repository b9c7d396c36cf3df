// The real daemon killed with SIGKILL while it applies a snapshot: just
// before the snapshot's transaction commits, just after it, and half way
// through writing the new view image (after the commit: the apply has been
// answered). On restart a whole snapshot serves each time (the old one, or
// the new one once committed): from its stored image when the kill left it
// whole, else compiled again from the verified stored snapshot (never from
// the image of another snapshot or a half-written file), and only the
// active snapshot's image file is left.
import { readdirSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClient } from '../../src/local/client.js';
import { cli, startDaemon, workspace, writeConfig, type Workspace } from '../support/daemon-process.js';
import { LARGE_COMPUTER, syntheticScenarioText } from '../support/large-scenario.js';

const POLICIES = 5_000;

async function status(socket: string) {
  const client = await LocalClient.connect(socket);
  try {
    const response = await client.call({ kind: 'status' });
    if (response.kind !== 'status') throw new Error(`unexpected ${response.kind}`);
    return response.status;
  } finally {
    client.close();
  }
}

async function decide(socket: string, path: string) {
  const client = await LocalClient.connect(socket);
  try {
    const response = await client.request({ kind: 'evaluateFile', file: { path } });
    if (response.kind !== 'decision') throw new Error(`unexpected ${response.kind}`);
    return response.decision;
  } finally {
    client.close();
  }
}

const imageWarning = (l: Record<string, unknown>): boolean => l['msg'] === 'view image not used or not stored';

describe('the daemon killed while applying a snapshot', () => {
  let ws: Workspace;
  let v1: string;
  let v2: string;

  beforeAll(async () => {
    ws = await workspace();
    const scenario = join(ws.dir, 'large.json');
    writeFileSync(scenario, syntheticScenarioText(POLICIES));
    v1 = await ws.snapshot(LARGE_COMPUTER, 1, { scenario });
    v2 = await ws.snapshot(LARGE_COMPUTER, 2, { scenario });
  });

  afterAll(() => ws.cleanup());

  // The fault, whether the apply was answered, the version serving after restart, the image files the kill
  // left behind (the version each is of, or a temporary file), and whether the restart opens a stored image.
  const cases: [string, boolean, number, (number | 'tmp')[], boolean][] = [
    ['kill-before-snapshot-commit', false, 1, [1], true],
    ['kill-after-snapshot-commit', false, 2, [1], false],
    ['kill-during-image-write', true, 2, ['tmp'], false],
  ];

  for (const [fault, answered, serving, leftBehind, fromImage] of cases) {
    const how = fromImage ? 'from its stored image' : 'compiled again from the stored snapshot';
    it(`${fault}: snapshot ${serving} serves whole on restart, ${how}`, async () => {
      const socket = join(ws.dir, `${fault}.sock`);
      const config = writeConfig(ws, fault, {
        computerId: LARGE_COMPUTER,
        seedSnapshot: v1,
        socket: { path: socket, maxFrameBytes: 64 << 20 },
      });
      const images = join(ws.dir, `${fault}-data`, 'agent.db.images');
      const first = await startDaemon(config, socket);
      await first.waitForLog((l) => l['msg'] === 'seed snapshot applied');
      const before = await decide(socket, 'C:\\Windows\\System32\\notepad.exe');
      // A stop finishes the image file still being written: the cache holds version 1's.
      await first.stop();
      const [v1Image] = readdirSync(images);
      expect(v1Image).toMatch(/^[0-9a-f]{64}\.img$/);

      const crashing = await startDaemon(config, socket, { TOLLGATE_FAULT: fault });
      try {
        // Its seed (version 1) is not newer than what it holds: nothing is applied at start.
        const applied = await cli(['snapshot', 'apply', v2, '--socket', crashing.adminSocket]);
        expect(applied.code === 0).toBe(answered);
        expect(await crashing.exited).toEqual({ code: null, signal: 'SIGKILL' });
      } finally {
        await crashing.stop();
      }
      const left = readdirSync(images);
      expect(left).toEqual(
        leftBehind.map((which): unknown =>
          which === 1 ? v1Image : expect.stringMatching(/^[0-9a-f]{64}\.img\.\d+\.tmp$/),
        ),
      );

      const restarted = await startDaemon(config, socket);
      try {
        const held = await status(socket);
        expect(held.snapshotVersion).toBe(serving);
        expect(held.policyCount).toBe(POLICIES);
        const after = await decide(socket, 'C:\\Windows\\System32\\notepad.exe');
        expect({ ...after, snapshotVersion: before.snapshotVersion }).toEqual(before);
        expect(after.snapshotVersion).toBe(serving);
        const warnings = restarted.logs.filter(imageWarning).map((l) => String(l['problem']));
        if (fromImage) {
          // Opened from the stored image: nothing was recompiled.
          expect(warnings).toEqual([]);
        } else {
          // Version 2 has no image file (version 1's is another snapshot's): compiled again, its image written after.
          expect(warnings).toEqual([
            expect.stringMatching(/stored view image of snapshot 2 cannot be used \(its file is missing\)/),
          ]);
        }
      } finally {
        await restarted.stop();
      }
      // Only the active snapshot's image is left (one compiled again is written after the start: a stop waits for it).
      const files = readdirSync(images);
      expect(files).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.img$/)]);
      expect(files[0] === v1Image).toBe(serving === 1);
      if (!fromImage) {
        // The image written after that start serves the next one: nothing is compiled again.
        const again = await startDaemon(config, socket);
        try {
          expect((await decide(socket, 'C:\\Windows\\System32\\notepad.exe')).snapshotVersion).toBe(serving);
          expect(again.logs.filter(imageWarning)).toEqual([]);
        } finally {
          await again.stop();
        }
      }
    });
  }

  it('a damaged image file: the restarted daemon warns, recompiles from the snapshot and serves it', async () => {
    const socket = join(ws.dir, 'damaged.sock');
    const config = writeConfig(ws, 'damaged', {
      computerId: LARGE_COMPUTER,
      seedSnapshot: v1,
      socket: { path: socket },
    });
    const images = join(ws.dir, 'damaged-data', 'agent.db.images');
    const first = await startDaemon(config, socket);
    await first.waitForLog((l) => l['msg'] === 'seed snapshot applied');
    const before = await decide(socket, 'C:\\Windows\\System32\\notepad.exe');
    await first.stop();
    const [file] = readdirSync(images);
    writeFileSync(join(images, file as string), Buffer.alloc(4096, 0x5a));

    const restarted = await startDaemon(config, socket);
    try {
      const warning = await restarted.waitForLog(imageWarning);
      expect(String(warning['problem'])).toMatch(/stored view image of snapshot 1 cannot be used \(.*magic/);
      expect((await status(socket)).snapshotVersion).toBe(1);
      expect(await decide(socket, 'C:\\Windows\\System32\\notepad.exe')).toEqual(before);
    } finally {
      await restarted.stop();
    }
  });

  it('a damaged stored snapshot with a whole image: served from the image, then the background hash reports it', async () => {
    const socket = join(ws.dir, 'blob.sock');
    const config = writeConfig(ws, 'blob', { computerId: LARGE_COMPUTER, seedSnapshot: v1, socket: { path: socket } });
    const first = await startDaemon(config, socket);
    await first.waitForLog((l) => l['msg'] === 'seed snapshot applied');
    const before = await decide(socket, 'C:\\Windows\\System32\\notepad.exe');
    await first.stop();
    const db = new Database(join(ws.dir, 'blob-data', 'agent.db'));
    const part = db
      .prepare<[], { bytes: Buffer }>('SELECT bytes FROM snapshot_parts WHERE version = 1 AND seq = 0')
      .get()!;
    part.bytes[10] = (part.bytes[10] as number) ^ 1;
    db.prepare('UPDATE snapshot_parts SET bytes = ? WHERE version = 1 AND seq = 0').run(part.bytes);
    db.close();

    // Without the seed (it would be refused as stale anyway): the start serves what the cache holds.
    const warm = writeConfig(ws, 'blob-warm', {
      computerId: LARGE_COMPUTER,
      dataDir: join(ws.dir, 'blob-data'),
      socket: { path: socket },
    });
    const restarted = await startDaemon(warm, socket);
    try {
      expect(await decide(socket, 'C:\\Windows\\System32\\notepad.exe')).toEqual(before);
      const reported = await restarted.waitForLog((l) => l['msg'] === 'stored snapshot damaged');
      expect(String(reported['problem'])).toMatch(/stored snapshot 1 no longer hashes to the SHA-256 recorded/);
      expect(restarted.logs.some(imageWarning)).toBe(false);
      // The image keeps serving.
      expect((await status(socket)).snapshotVersion).toBe(1);
      expect(await decide(socket, 'C:\\Windows\\System32\\notepad.exe')).toEqual(before);
    } finally {
      await restarted.stop();
    }
  });
});
