// A warm-started daemon answers evaluate requests without loading protobufjs
// or the generated message code (src/wire/proto.ts): the socket layer reads
// and writes those frames itself. The first request that needs a protobuf
// message (here a status request) loads them, and is answered as before.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClient } from '../../src/local/client.js';
import { startDaemon, workspace, writeConfig, type Workspace } from '../support/daemon-process.js';

/** Loaded with --import: on SIGUSR2 writes whether protobufjs is loaded in this process to PROBE_OUT. */
const PROBE = `
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
const cache = createRequire(import.meta.url).cache;
process.on('SIGUSR2', () => {
  const loaded = Object.keys(cache).some((file) => file.includes('/node_modules/protobufjs/'));
  writeFileSync(process.env.PROBE_OUT, String(loaded));
});
`;

describe('a warm-started daemon and the protobuf code', () => {
  let ws: Workspace;

  beforeAll(async () => {
    ws = await workspace();
  });
  afterAll(() => ws.cleanup());

  it('answers evaluate requests without loading it, and loads it for the first request that needs it', async () => {
    const snapshot = await ws.snapshot('till-1', 1);
    const socket = join(ws.dir, 'main.sock');
    const seeded = await startDaemon(writeConfig(ws, 'main', { seedSnapshot: snapshot }), socket);
    await seeded.waitForLog((l) => l['msg'] === 'seed snapshot applied');
    expect((await seeded.stop()).code).toBe(0);

    const probe = join(ws.dir, 'probe.mjs');
    writeFileSync(probe, PROBE);
    const out = join(ws.dir, 'probe.out');
    const loaded = async (): Promise<boolean> => {
      writeFileSync(out, '');
      daemon.child.kill('SIGUSR2');
      for (let i = 0; i < 200 && readFileSync(out, 'utf8') === ''; i++) await new Promise((r) => setTimeout(r, 10));
      return readFileSync(out, 'utf8') === 'true';
    };
    const daemon = await startDaemon(writeConfig(ws, 'main', {}), socket, {
      NODE_OPTIONS: `--import ${probe}`,
      PROBE_OUT: out,
    });
    try {
      expect((await daemon.waitForLog((l) => l['msg'] === 'serving'))['snapshotVersion']).toBe(1);
      const client = await LocalClient.connect(socket);
      try {
        for (const path of ['C:\\Windows\\notepad.exe', 'C:\\Games\\solitaire.exe', 'C:\\Windows\\notepad.exe']) {
          const answer = await client.request({ kind: 'evaluateFile', file: { path } });
          expect(answer.kind).toBe('decision');
          if (answer.kind === 'decision') expect(answer.decision.snapshotVersion).toBe(1);
        }
        expect(await loaded()).toBe(false);
        const status = await client.request({ kind: 'status' });
        expect(status.kind).toBe('status');
        if (status.kind === 'status') expect(status.status.snapshotVersion).toBe(1);
        expect(await loaded()).toBe(true);
      } finally {
        client.close();
      }
    } finally {
      expect((await daemon.stop()).code).toBe(0);
    }
  });
});
