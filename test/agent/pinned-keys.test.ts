// The agent across a rotation of the server's signing key: it verifies by the
// key id a message names against the keys it pins, refuses a key it does not
// pin, and never drops a snapshot it verified once its key is unpinned.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { parseDaemonConfig, readPinnedKeys } from '../../src/agent/config.js';
import type { World } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { sealSettings, sealSnapshot } from '../../src/wire/signed.js';
import { PinnedKeys, generateSigningKeys, keyId, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';

const WORLD: World = {
  organizations: [{ id: 'o', name: 'O', structure: 'flat', modules: [] }],
  groups: [{ id: 'g', org: 'o', name: 'G', os: 'linux', agentVersion: '10.6.0' }],
  computers: [{ id: 'c', group: 'g' }],
  applications: [{ id: 'tool', name: 'Tool', builtIn: false, rules: [{ path: '/opt/tool' }] }],
  policies: [{ id: 'allow-tool', app: 'tool', appliesTo: { group: 'g' }, action: 'permit', order: 1, enabled: true }],
  agentSettings: [],
  approvalPolicies: [],
  approvalSettings: [],
};

const oldKeys = generateSigningKeys();
const newKeys = generateSigningKeys();
const oldPublic = parsePublicKey(oldKeys.publicKeyPem);
const newPublic = parsePublicKey(newKeys.publicKeyPem);

function snapshot(version: number, keys: { privateKeyPem: string }): Uint8Array {
  const view = buildView(WORLD, 'c');
  return sealSnapshot(
    { computerId: 'c', version, issuedAtMs: 0, settingsVersion: version, view },
    parsePrivateKey(keys.privateKeyPem),
  );
}

function settings(version: number, keys: { privateKeyPem: string }): Uint8Array {
  return sealSettings(
    { computerId: 'c', settingsVersion: version, issuedAtMs: 0, settings: { prioritizeBuiltInApplications: false } },
    parsePrivateKey(keys.privateKeyPem),
  );
}

let dir: string;
let store: AgentStore;

function agentPinning(...keys: ReturnType<typeof parsePublicKey>[]): Agent {
  return new Agent({
    store,
    publicKey: new PinnedKeys(keys),
    computerId: 'c',
    noSnapshotAction: 'deny',
    clock: () => 0,
  });
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-pinned-'));
  store = AgentStore.open(path.join(dir, 'agent.db'));
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('an agent pinning a set of server keys', () => {
  it('pinned to the old and the new key, takes a snapshot signed by either and keeps it across a restart', () => {
    const agent = agentPinning(oldPublic, newPublic);
    agent.applySnapshot(snapshot(1, oldKeys));
    agent.applySnapshot(snapshot(2, newKeys));
    agent.applySettings(settings(3, newKeys));
    const restarted = agentPinning(oldPublic, newPublic);
    expect(restarted.loadFromStore()).toEqual({ snapshotVersion: 2, problems: [], warnings: [] });
    expect(restarted.settingsVersion).toBe(3);
    expect(restarted.decide({ path: '/opt/tool' }).policy).toBe('allow-tool');
  });

  it('pinned to the old key only, refuses the new key by its id and keeps what it has', () => {
    const agent = agentPinning(oldPublic);
    agent.applySnapshot(snapshot(1, oldKeys));
    expect(() => agent.applySnapshot(snapshot(2, newKeys))).toThrow(
      expect.objectContaining({
        code: 'unknown-key',
        message: `the snapshot is signed by key ${keyId(newPublic)}, which is not pinned (pinned: ${keyId(oldPublic)})`,
      }),
    );
    expect(() => agent.applySettings(settings(2, newKeys))).toThrow(expect.objectContaining({ code: 'unknown-key' }));
    expect(agent.snapshotVersion).toBe(1);
    expect(store.activeSnapshot()?.version).toBe(1);
  });

  it('keeps serving a stored snapshot whose key was unpinned since, with a warning, until a newer one comes', () => {
    const agent = agentPinning(oldPublic);
    agent.applySnapshot(snapshot(1, oldKeys));
    agent.applySettings(settings(2, oldKeys));

    const restarted = agentPinning(newPublic);
    const loaded = restarted.loadFromStore();
    expect(loaded.snapshotVersion).toBe(1);
    expect(loaded.problems).toEqual([]);
    expect(loaded.warnings).toEqual([
      `stored snapshot 1 is signed by key ${keyId(oldPublic)}, which is no longer pinned: it was verified when it was stored and is used until a newer one signed by a pinned key arrives`,
      `stored settings 2 is signed by key ${keyId(oldPublic)}, which is no longer pinned: it was verified when it was stored and is used until a newer one signed by a pinned key arrives`,
    ]);
    expect(restarted.decide({ path: '/opt/tool' }).policy).toBe('allow-tool');
    expect(restarted.settingsVersion).toBe(2);
    // What arrives is still held to the pinned keys.
    expect(() => restarted.applySnapshot(snapshot(5, oldKeys))).toThrow(
      expect.objectContaining({ code: 'unknown-key' }),
    );
    restarted.applySnapshot(snapshot(5, newKeys));
    expect(restarted.snapshotVersion).toBe(5);
  });

  it('still refuses a stored snapshot that a pinned key id names but its key did not sign: the one verified before it serves', () => {
    const agent = agentPinning(oldPublic);
    agent.applySnapshot(snapshot(1, oldKeys));
    // The stored envelope claims the new key's id: with the new key pinned, the signature must verify.
    const forged = tollgate.v1.SignedSnapshot.decode(snapshot(2, oldKeys));
    forged.keyId = keyId(newPublic);
    store.applySnapshot(2, tollgate.v1.SignedSnapshot.encode(forged).finish(), 0);
    const loaded = agentPinning(newPublic).loadFromStore();
    expect(loaded.problems).toEqual([
      `stored snapshot 2 cannot be used: the snapshot signature does not match pinned key ${keyId(newPublic)}: ` +
        'removed from the cache; stored snapshot 1 serves until the server sends a newer one',
    ]);
    // Version 1 was verified when it was stored: used, with a warning, until a newer one comes.
    expect(loaded.snapshotVersion).toBe(1);
    expect(loaded.warnings).toEqual([expect.stringMatching(/^stored snapshot 1 is signed by key .*no longer pinned/)]);
  });
});

describe('the pinned keys of the daemon config', () => {
  const base = { dataDir: 'data', computerId: 'c', socket: { path: 's.sock' } };

  it('takes serverPublicKey, serverPublicKeys, or both, as files or PEM text', async () => {
    const oldFile = path.join(dir, 'old.pub');
    fs.writeFileSync(oldFile, oldKeys.publicKeyPem);
    const config = parseDaemonConfig(
      JSON.stringify({ ...base, serverPublicKey: 'old.pub', serverPublicKeys: [newKeys.publicKeyPem, oldFile] }),
      'daemon.json',
      dir,
    );
    expect(config.serverPublicKey).toBe(oldFile);
    expect((await readPinnedKeys(config)).ids).toEqual([keyId(oldPublic), keyId(newPublic)]);
    const single = parseDaemonConfig(JSON.stringify({ ...base, serverPublicKey: oldFile }), 'daemon.json', dir);
    expect((await readPinnedKeys(single)).ids).toEqual([keyId(oldPublic)]);
  });

  it('needs at least one key, and names the entry that cannot be read or is not a public key', async () => {
    for (const keys of [{}, { serverPublicKeys: [] }]) {
      expect(() => parseDaemonConfig(JSON.stringify({ ...base, ...keys }), 'daemon.json', dir)).toThrow(
        'daemon.json: serverPublicKeys: pin at least one server key (serverPublicKey or serverPublicKeys)',
      );
    }
    const missing = parseDaemonConfig(
      JSON.stringify({ ...base, serverPublicKeys: [oldKeys.publicKeyPem, 'missing.pub'] }),
      'daemon.json',
      dir,
    );
    await expect(readPinnedKeys(missing)).rejects.toThrow(
      /^serverPublicKeys\[1\]: .*missing\.pub cannot be read: ENOENT/,
    );
    const secret = parseDaemonConfig(
      JSON.stringify({ ...base, serverPublicKeys: [oldKeys.privateKeyPem] }),
      'daemon.json',
      dir,
    );
    await expect(readPinnedKeys(secret)).rejects.toThrow(/^serverPublicKeys\[0\]: expected a public key/);
  });
});
