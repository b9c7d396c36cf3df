// Two server instances' states over one schema of the real PostgreSQL, the
// first with its sync hub and delta signer: while a push's delta to an agent
// waits for the signing thread, the other instance commits the next change,
// heard here, and the agent's late acknowledgement catches it up. The agent
// gets each delta in version order, on the base it holds.
import { expect, it, vi } from 'vitest';
import { firstBatchHeld } from '../../support/held-signer.js';
import { AGENT_PATH, SyncHub } from '../../../src/server/sync-hub.js';
import { parsePublicKey } from '../../../src/wire/signing.js';
import { ApplyingAgent } from '../../support/applying-agent.js';
import { paddedWorld } from '../../support/padded-world.js';
import { pgInstances } from './pg-instances.js';

const { closing, openState, serve } = pgInstances('tollgate-pg-order-');

it("sends a push's delta before the catch-up to a change of another instance heard while it waits for its signature", async () => {
  const one = await openState('one');
  await one.state.importWorld(paddedWorld(100, 200));
  const { token } = await one.state.enroll('till-1');
  const two = await openState('two');

  // Instance one's push batch waits to be signed until released; the batches after it are signed at once.
  const held = firstBatchHeld();
  const logs: string[] = [];
  const log = (_obj: object, msg: string) => void logs.push(msg);
  const hub = new SyncHub({
    state: one.state,
    logger: { info: log, warn: log, error: log, debug: log },
    clock: () => 5_000,
    pingIntervalMs: 60_000,
    pongTimeoutMs: 60_000,
    helloTimeoutMs: 60_000,
    maxMessageBytes: 1 << 20,
    presence: one.store,
    deltaSigner: held.signer,
    signBatch: 2,
    takeBackFromSigner: false,
  });
  const url = `ws://127.0.0.1:${await serve(hub)}${AGENT_PATH}`;

  const agent = await ApplyingAgent.connect(url, 'till-1', token, parsePublicKey(one.state.publicKeyPem()));
  closing.push(() => Promise.resolve(agent.close()));
  // The agent's acknowledgement of its first snapshot is late: it comes while the next change's delta is signed.
  agent.holdAcks = true;
  await agent.received(1);
  const v1 = agent.heldVersion;
  const { changes } = await one.state.updatePolicy('pol-1', { action: 'deny' });
  hub.push(changes);
  await vi.waitFor(() => expect(held.holding()).toBe(true));
  // The other instance commits the next change; this one hears it and issues its version (its push queued).
  await two.state.updatePolicy('pol-2', { action: 'deny' });
  await vi.waitFor(() => expect(one.state.issuedVersions('till-1').snapshotVersion).toBe(v1 + 2), {
    timeout: 10_000,
  });
  // The acknowledgement of the first version is behind what was issued: it catches the agent up to the third.
  agent.sendHeldAcks();
  await vi.waitFor(() => expect(logs).toContain('agent acknowledged'));
  held.release();
  await agent.holds(v1 + 2);
  await hub.pushed();
  await agent.drained();
  expect(agent.got).toEqual([
    { kind: 'snapshot', version: v1, refused: null },
    { kind: 'delta', baseVersion: v1, version: v1 + 1, refused: null },
    { kind: 'delta', baseVersion: v1 + 1, version: v1 + 2, refused: null },
  ]);
  expect((await hub.awaitSnapshotsApplied(['till-1'], 10_000)).applied).toEqual(['till-1']);
});
