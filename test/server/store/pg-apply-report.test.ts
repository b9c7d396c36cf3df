// Two server processes' states and sync hubs over one schema of the real
// PostgreSQL: an admin's wait on one instance hears the refusal of an agent
// connected to the other, and reports it as refused, not applied.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ServerState } from '../../../src/server/state.js';
import { PgStore } from '../../../src/server/store/pg-store.js';
import type { SyncHub } from '../../../src/server/sync-hub.js';
import { type TestSchema, createTestSchema } from '../../support/postgres.js';
import { TestAgent, adminWorld, quietSyncHub } from '../admin-harness.js';

let schema: TestSchema;
let dir: string;
const closing: (() => Promise<void>)[] = [];

beforeEach(async () => {
  schema = await createTestSchema();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-pg-apply-'));
});

afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
  await schema.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A server instance: its state and sync hub over the shared schema, agents' WebSockets on a port of its own. */
async function instance(name: string): Promise<{ state: ServerState; hub: SyncHub; url: string }> {
  const store = await PgStore.open({ url: schema.url, schema: schema.schema, poolSize: 4 });
  const state = await ServerState.open({ dataDir: path.join(dir, name), clock: () => 1_000, store });
  closing.push(() => state.close());
  const hub = quietSyncHub(state, store);
  const server: Server = createServer();
  hub.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closing.push(async () => {
    await hub.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { state, hub, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

it('a wait on one instance lists an agent on the other that refused the new settings as refused', async () => {
  const one = await instance('one');
  const two = await instance('two');
  await one.state.importWorld(adminWorld());
  const { token } = await one.state.enroll('pc-1');
  await two.state.catchUp();

  const agent = await TestAgent.connect(one.url);
  closing.push(() => Promise.resolve(agent.close()));
  agent.hello('pc-1', token);
  expect((await agent.next()).kind).toBe('snapshot');
  const held = one.state.issuedVersions('pc-1');
  agent.ack(held.snapshotVersion, held.settingsVersion);
  agent.hello('pc-1', token, held);
  expect((await agent.next()).kind).toBe('upToDate');

  // The admin's change and wait are on instance two; the agent is connected to instance one.
  const { changes } = await two.state.setSetting(
    { kind: 'computer', id: 'pc-1' },
    'prioritizeBuiltInApplications',
    false,
  );
  expect(changes.settings).toEqual(['pc-1']);
  two.hub.push(changes);
  const waiting = two.hub.awaitSettingsApplied(['pc-1'], 3_000);
  expect((await agent.next()).kind).toBe('settings');
  const issued = two.state.issuedVersions('pc-1');
  agent.refuse(issued.snapshotVersion, issued.settingsVersion, 'the settings are not for this agent', 'bad-message');
  expect(await waiting).toEqual({
    applied: [],
    pending: ['pc-1'],
    refused: [{ computer: 'pc-1', error: 'the settings are not for this agent' }],
    offline: [],
  });
});
