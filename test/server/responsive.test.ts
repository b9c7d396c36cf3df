// Long work does not stop the server answering: while a large world is
// imported (validated, planned, stored), a connected agent's WebSocket ping
// is answered, and the import is not finished when the pong arrives. A real
// SyncHub and ServerState (SQLite in a temp folder) behind a real HTTP
// server on port 0, and a raw WebSocket agent.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { computerId, fleetWorld } from '../../scripts/lib/fleet-world.js';
import { ServerState } from '../../src/server/state.js';
import { AGENT_PATH, SyncHub } from '../../src/server/sync-hub.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { decodeServerMessage, encodeAgentMessage } from '../../src/wire/sync-messages.js';

const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

it('answers a connected agent’s ping while a large world is being imported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-responsive-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const state = await ServerState.open({ dataDir: dir, clock: () => 5_000 });
  cleanup.push(() => state.close());
  const small = { orgs: 1, computersPerOrg: 5, globalPolicies: 20, policiesPerOrg: 5 };
  await state.importWorld(fleetWorld(small));
  const agent = computerId(0, 0);
  const { token } = await state.enroll(agent);
  const silent = () => undefined;
  const hub = new SyncHub({
    state,
    logger: { info: silent, warn: silent, error: silent, debug: silent },
    clock: () => 5_000,
    pingIntervalMs: 60_000,
    pongTimeoutMs: 60_000,
    helloTimeoutMs: 60_000,
    maxMessageBytes: 1 << 20,
  });
  cleanup.push(() => hub.close());
  const http: Server = createServer();
  hub.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
  const ws = new WebSocket(`ws://127.0.0.1:${(http.address() as { port: number }).port}${AGENT_PATH}`);
  cleanup.push(() => ws.terminate());
  await new Promise((resolve) => ws.once('open', resolve));
  const first = new Promise((resolve) =>
    ws.once('message', (data) => resolve(decodeServerMessage(rawDataBytes(data)))),
  );
  ws.send(
    encodeAgentMessage({
      kind: 'hello',
      computerId: agent,
      token,
      agentVersion: '4.2.0',
      os: 'windows',
      snapshotVersion: 0,
      settingsVersion: 0,
    }),
  );
  expect(await first).toMatchObject({ kind: 'snapshot' });

  // 1,000 computers and 1,400 policies: long work, in slices.
  let imported = false;
  const importing = state
    .importWorld(fleetWorld({ orgs: 20, computersPerOrg: 50, globalPolicies: 1000, policiesPerOrg: 20 }))
    .then((changes) => {
      imported = true;
      return changes;
    });
  const pong = new Promise<boolean>((resolve) => ws.once('pong', () => resolve(imported)));
  ws.ping();
  expect(await pong).toBe(false);
  const changes = await importing;
  expect(changes.snapshots).toHaveLength(1000);
});
