// The socket file is created with its final mode, whatever the process umask:
// no later chmod is needed for it (chmod is made to do nothing here), so no one
// else can connect while the daemon starts.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { LocalServer } from '../../src/local/server.js';

vi.mock('node:fs/promises', async (original) => ({
  ...(await original<typeof FsPromises>()),
  chmod: vi.fn(() => Promise.resolve()),
}));

let dir: string;
let umask: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-mode-'));
  umask = process.umask(0);
});

afterEach(() => {
  process.umask(umask);
  rmSync(dir, { recursive: true, force: true });
});

it.each([0o660, 0o600])('creates the socket with mode %o under umask 000, and restores the umask', async (mode) => {
  const socketPath = join(dir, 'agent.sock');
  const server = new LocalServer(() => ({ id: 0, kind: 'error', code: 'x', message: '' }), {
    socketPath,
    mode,
    maxFrameBytes: 1024,
    maxConnections: 1,
  });
  await server.listen();
  try {
    expect(statSync(socketPath).mode & 0o777).toBe(mode);
    expect(process.umask()).toBe(0);
  } finally {
    await server.close();
  }
});

it('creates a socket given a group without group access until it has that group', async () => {
  const socketPath = join(dir, 'grouped.sock');
  const gid = process.getgid?.() ?? 0;
  const server = new LocalServer(() => ({ id: 0, kind: 'error', code: 'x', message: '' }), {
    socketPath,
    mode: 0o660,
    gid,
    maxFrameBytes: 1024,
    maxConnections: 1,
  });
  await server.listen();
  try {
    // With chmod doing nothing, the socket stays as created: no group bits.
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(socketPath).gid).toBe(gid);
  } finally {
    await server.close();
  }
});
