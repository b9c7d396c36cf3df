// Two server processes' states and sync hubs over one schema of the real
// PostgreSQL: an admin's wait on one instance hears the refusal of an agent
// connected to the other, and reports it as refused, not applied.
import { expect, it } from 'vitest';
import type { ServerState } from '../../../src/server/state.js';
import type { SyncHub } from '../../../src/server/sync-hub.js';
import { TestAgent, adminWorld, quietSyncHub } from '../admin-harness.js';
import { pgInstances } from './pg-instances.js';

const { closing, openState, serve } = pgInstances('tollgate-pg-apply-');

/** A server instance: its state and sync hub over the shared schema, agents' WebSockets on a port of its own. */
async function instance(name: string): Promise<{ state: ServerState; hub: SyncHub; url: string }> {
  const { state, store } = await openState(name);
  const hub = quietSyncHub(state, store);
  return { state, hub, url: `http://127.0.0.1:${await serve(hub)}` };
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
