// The server deletes approved and rejected requests past
// `approvals.decidedRetentionDays` when it starts (and hourly after), and
// keeps pending and escalated ones however old: a real server on port 0
// over a SQLite data folder in a temp dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../daemon/server-daemon.js';
import { parseServerConfig } from '../../src/server/config.js';
import { ServerState } from '../../src/server/state.js';
import { SqliteStore } from '../../src/server/store/sqlite-store.js';

const DAY_MS = 24 * 60 * 60 * 1000;

let dir: string;
let server: RunningServer | null;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-retention-'));
  server = null;
});

afterEach(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('deletes at start the requests decided longer ago than the retention, and no other', async () => {
  await (await ServerState.open({ dataDir: dir, clock: Date.now })).close();
  const store = SqliteStore.open(dir);
  const now = Date.now();
  const stored: [id: string, status: string, decidedDaysAgo: number][] = [
    ['approved-long-ago', 'approved', 40],
    ['rejected-long-ago', 'rejected', 31],
    ['approved-lately', 'approved', 29],
    ['pending-long', 'pending', 400],
    ['escalated-long-ago', 'escalated', 400],
  ];
  for (const [id, status, daysAgo] of stored) {
    const atMs = now - daysAgo * DAY_MS;
    const body = (s: string, history: object[]): string => JSON.stringify({ id, status: s, history });
    await store.insertRequest({
      id,
      computerId: 'till-1',
      receivedAtMs: atMs - DAY_MS,
      status: 'pending',
      body: body('pending', []),
    });
    if (status !== 'pending')
      await store.updateRequest(id, status, body(status, [{ atMs, action: status }]), body('pending', []));
  }
  await store.close();

  const config = parseServerConfig(
    `dataDir: ${JSON.stringify(dir)}\nlisten: {port: 0}\napprovals: {decidedRetentionDays: 30}\n`,
    'server.yaml',
    dir,
  );
  server = await startServer(config, pino({ level: 'silent' }));
  const left = (await server.state.approvalRequests()).map((r) => r.id);
  expect(left).toEqual(['approved-lately', 'pending-long', 'escalated-long-ago']);
});
