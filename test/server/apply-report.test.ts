/**
 * "Who applied a change" (the answer of a settings change, an upgrade or an
 * approval) as the real admin API and sync hub give it, with an agent over a
 * real WebSocket that applies or refuses what it is sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestAgent, type TempState, adminWorld, openTempState, startAdminServer } from './admin-harness.js';

const TOKEN = 'apply-report-token';

let temp: TempState;
let server: Awaited<ReturnType<typeof startAdminServer>>;
let agent: TestAgent;

beforeEach(async () => {
  temp = await openTempState(adminWorld());
  const { token } = await temp.state.enroll('pc-1');
  server = await startAdminServer(temp.state, TOKEN);
  agent = await TestAgent.connect(server.url);
  // pc-1 holds its newest snapshot, acknowledged.
  agent.hello('pc-1', token);
  expect((await agent.next()).kind).toBe('snapshot');
  const { snapshotVersion, settingsVersion } = temp.state.issuedVersions('pc-1');
  agent.ack(snapshotVersion, settingsVersion);
  // Messages are handled in order: once this hello is answered, the acknowledgement is recorded.
  agent.hello('pc-1', token, { snapshotVersion, settingsVersion });
  expect((await agent.next()).kind).toBe('upToDate');
});

afterEach(async () => {
  agent.close();
  await server.close();
  await temp.close();
});

async function call(method: 'PUT' | 'POST', path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

function setPc1Setting(value: boolean): Promise<Record<string, unknown>> {
  return call('PUT', '/api/settings?waitMs=300', {
    scope: { kind: 'computer', id: 'pc-1' },
    type: 'prioritizeBuiltInApplications',
    value,
  });
}

describe('who applied a change', () => {
  it('lists an agent that refused new settings, reporting their version, as refused and pending, not applied', async () => {
    const before = temp.state.issuedVersions('pc-1');
    const answering = setPc1Setting(false);
    expect((await agent.next()).kind).toBe('settings');
    const issued = temp.state.issuedVersions('pc-1');
    expect(issued.settingsVersion).toBeGreaterThan(before.settingsVersion);
    agent.refuse(issued.snapshotVersion, issued.settingsVersion, 'the settings are not for this agent', 'bad-message');
    const answer = await answering;
    expect(answer).toMatchObject({
      affected: ['pc-1'],
      applied: [],
      pending: ['pc-1'],
      refused: [{ computer: 'pc-1', error: 'the settings are not for this agent' }],
      offline: [],
    });
  });

  it('lists an agent that refused the new snapshot of an upgrade, reporting its version, as refused', async () => {
    const answering = call('POST', '/api/organizations/shop/upgrade?waitMs=300', { acknowledge: true });
    expect((await agent.next()).kind).toBe('snapshot');
    const issued = temp.state.issuedVersions('pc-1');
    // Only a code: recorded, and reported, as `refused (CODE)`.
    agent.refuse(issued.snapshotVersion, issued.settingsVersion, '', 'stale-version');
    const answer = await answering;
    expect(answer).toMatchObject({
      affected: ['pc-1', 'pc-2'],
      applied: [],
      pending: ['pc-1'],
      refused: [{ computer: 'pc-1', error: 'refused (stale-version)' }],
      offline: ['pc-2'],
    });
    expect(temp.state.computerState('pc-1').lastError).toBe('refused (stale-version)');
  });

  it('lists an agent that refused a delta as pending while the full snapshot sent in its place is unanswered', async () => {
    const before = temp.state.issuedVersions('pc-1');
    const answering = call('POST', '/api/organizations/shop/upgrade?waitMs=300', { acknowledge: true });
    expect((await agent.next()).kind).toBe('snapshot');
    agent.refuse(before.snapshotVersion, before.settingsVersion, 'no such base', 'delta-base-mismatch');
    // The server answers a refused delta with the full snapshot, which this agent leaves unanswered.
    expect((await agent.next()).kind).toBe('snapshot');
    const answer = await answering;
    expect(answer).toMatchObject({ applied: [], pending: ['pc-1'], refused: [], offline: ['pc-2'] });
  });

  it('lists an agent that applies the settings after refusing as applied, and one whose refusal came before the wait as refused', async () => {
    const answering = setPc1Setting(false);
    expect((await agent.next()).kind).toBe('settings');
    let issued = temp.state.issuedVersions('pc-1');
    agent.refuse(issued.snapshotVersion, issued.settingsVersion - 1, 'cannot write the cache', 'storage-unavailable');
    agent.ack(issued.snapshotVersion, issued.settingsVersion);
    expect(await answering).toMatchObject({ applied: ['pc-1'], pending: [], refused: [] });

    const refusing = setPc1Setting(true);
    expect((await agent.next()).kind).toBe('settings');
    issued = temp.state.issuedVersions('pc-1');
    agent.refuse(issued.snapshotVersion, issued.settingsVersion, 'refused', 'bad-signature');
    await refusing;
    // A wait that begins after the refusal was recorded does not count it as applied either.
    expect(await server.hub.awaitSettingsApplied(['pc-1'], 50)).toEqual({
      applied: [],
      pending: ['pc-1'],
      refused: [{ computer: 'pc-1', error: 'refused' }],
      offline: [],
    });
  });
});
