// The agent daemon in this process (as an embedding would run it): a start that fails once the cache is open
// closes the cache, and ends what it began on it, before it lets the data directory's lock go, so that the
// process going on holds nothing of the data directory, and a daemon started next on it serves from it.
import { existsSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentDaemon } from '../../daemon/agent-daemon.js';
import type { DaemonLogger } from '../../daemon/log.js';
import { loadDaemonConfig } from '../../src/agent/config-load.js';
import { DataDirLock } from '../../src/store/data-dir-lock.js';
import { workspace, writeConfig, type Workspace } from '../support/daemon-process.js';

/** The files under `dir` this process holds open (Linux: /proc/self/fd). */
function openFiles(dir: string): string[] {
  const open: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target.startsWith(dir + sep)) open.push(target);
  }
  return open.sort();
}

/** A logger that keeps the messages. */
function quietLogger(): DaemonLogger & { messages: string[] } {
  const messages: string[] = [];
  const log = (first: object | string, msg?: string): void => {
    messages.push(typeof first === 'string' ? first : (msg ?? ''));
  };
  return { messages, error: log, warn: log, info: log, debug: log };
}

describe('an agent daemon whose start fails once its cache is open', () => {
  let ws: Workspace;

  beforeAll(async () => {
    ws = await workspace();
  });

  afterAll(() => ws?.cleanup());

  it('closes the cache and ends its image write before it lets the data directory go', async () => {
    const dataDir = join(ws.dir, 'cache-data');
    const socket = join(ws.dir, 'cache.sock');
    // A first daemon stores snapshot 3 (and its image), and stops.
    const seeded = await loadDaemonConfig(
      writeConfig(ws, 'cache', { dataDir, socket: { path: socket }, seedSnapshot: await ws.snapshot('till-1', 3) }),
    );
    const first = await startAgentDaemon(seeded, quietLogger(), undefined);
    expect(first.agent.held().snapshotVersion).toBe(3);
    await first.close();
    expect(openFiles(dataDir)).toEqual([]);
    // Without its image, the next start compiles the stored snapshot and writes the image again.
    rmSync(join(dataDir, 'agent.db.images'), { recursive: true, force: true });

    // Its client socket's path is a file: the start fails after the cache was opened and the snapshot loaded.
    const taken = join(ws.dir, 'taken.sock');
    writeFileSync(taken, 'not a socket');
    const failing = await loadDaemonConfig(writeConfig(ws, 'failing', { dataDir, socket: { path: taken } }));
    await expect(startAgentDaemon(failing, quietLogger(), undefined)).rejects.toThrow(/exists and is not a socket/);
    // Nothing of the data directory is held any longer: the cache, its WAL and the lock are closed, and no
    // image file is being written.
    expect(openFiles(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'agent.db-wal'))).toBe(false);
    const images = join(dataDir, 'agent.db.images');
    expect(existsSync(images) ? readdirSync(images).filter((name) => name.endsWith('.tmp')) : []).toEqual([]);
    DataDirLock.take(dataDir).release();

    // A daemon started next on it serves the stored snapshot.
    const next = await startAgentDaemon(seeded, quietLogger(), undefined);
    try {
      expect(next.agent.held().snapshotVersion).toBe(3);
    } finally {
      await next.close();
    }
    expect(openFiles(dataDir)).toEqual([]);
  });
});
