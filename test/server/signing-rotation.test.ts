// The server's side of a signing-key rotation (a next key that takes over at
// its time and issues a new version to every computer) and of an agent that
// holds versions above those issued (a snapshot installed offline), against
// the real state in a temp directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TollgateError } from '../../src/engine/errors.js';
import { loadScenario } from '../../src/scenario/load.js';
import {
  NEXT_SIGNING_AT_FILE,
  NEXT_SIGNING_KEY_FILE,
  NEXT_SIGNING_PUBLIC_KEY_FILE,
  RETIRED_SIGNING_PUBLIC_KEY_FILE,
  SIGNING_KEY_FILE,
  SIGNING_PUBLIC_KEY_FILE,
  prepareNextSigningKey,
  readNextSigningKey,
} from '../../src/server/signing-key.js';
import { MAX_ADOPTED_VERSION, ServerState } from '../../src/server/state.js';
import { MAX_VERSION, openSettings, openSnapshot, signedKeyId } from '../../src/wire/signed.js';
import { PinnedKeys, keyId, parsePublicKey } from '../../src/wire/signing.js';

const SCENARIO = fileURLToPath(new URL('../../examples/contract/example-scenario.yaml', import.meta.url));
const HOUR_MS = 3_600_000;

let dir: string;
let nowMs: number;
const opened: ServerState[] = [];

async function open(): Promise<ServerState> {
  const state = await ServerState.open({ dataDir: dir, clock: () => nowMs });
  opened.push(state);
  return state;
}

async function reopen(state: ServerState): Promise<ServerState> {
  await state.close();
  return await open();
}

async function imported(): Promise<ServerState> {
  const state = await open();
  await state.importWorld(await loadScenario(SCENARIO));
  return state;
}

function snapshotVersions(state: ServerState): Record<string, number> {
  return Object.fromEntries(state.computers().map((c) => [c.id, c.snapshotVersion]));
}

function file(name: string): string {
  return path.join(dir, name);
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-rotation-'));
  nowMs = 1_700_000_000_000;
});

afterEach(async () => {
  for (const state of opened.splice(0)) await state.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('rotating the signing key', () => {
  it('switches at the chosen time, signs with the next key from then on and issues a new version to every computer', async () => {
    let state = await imported();
    const oldPem = state.publicKeyPem();
    const oldKey = parsePublicKey(oldPem);
    const before = snapshotVersions(state);
    const next = prepareNextSigningKey(dir, nowMs + HOUR_MS);
    expect(fs.readFileSync(file(NEXT_SIGNING_PUBLIC_KEY_FILE), 'utf8')).toBe(next.publicKeyPem);
    expect(fs.statSync(file(NEXT_SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    const nextKey = parsePublicKey(next.publicKeyPem);

    // Before its time: nothing changes.
    expect(await state.rotateSigningKeyIfDue()).toEqual({ snapshots: [], settings: [] });
    expect(signedKeyId('snapshot', state.snapshotFor('till-1').bytes)).toBe(keyId(oldKey));

    nowMs += HOUR_MS;
    const rotated = await state.rotateSigningKeyIfDue();
    expect(rotated).toEqual({
      snapshots: state.computers().map((c) => c.id),
      settings: [],
      keyId: keyId(nextKey),
      retiredKeyId: keyId(oldKey),
    });
    expect(state.signingKeyId()).toBe(keyId(nextKey));
    expect(state.publicKeyPem()).toBe(next.publicKeyPem);
    const after = snapshotVersions(state);
    for (const [id, version] of Object.entries(before)) expect(after[id]).toBe(version + 1);

    // Every snapshot and settings message is signed by the new key; an agent pinning only the old one refuses it.
    const both = new PinnedKeys([oldKey, nextKey]);
    expect(openSnapshot(state.snapshotFor('till-1').bytes, both).version).toBe(after['till-1']);
    expect(signedKeyId('settings', state.settingsFor('till-1').bytes)).toBe(keyId(nextKey));
    expect(openSettings(state.settingsFor('till-1').bytes, nextKey).computerId).toBe('till-1');
    expect(() => openSnapshot(state.snapshotFor('till-1').bytes, oldKey)).toThrow(
      expect.objectContaining({ code: 'unknown-key' }),
    );

    // The files: the next key is the current one, the old public key is kept as retired, nothing waits.
    expect(fs.readFileSync(file(SIGNING_PUBLIC_KEY_FILE), 'utf8')).toBe(next.publicKeyPem);
    expect(fs.readFileSync(file(RETIRED_SIGNING_PUBLIC_KEY_FILE), 'utf8')).toBe(oldPem);
    for (const name of [NEXT_SIGNING_KEY_FILE, NEXT_SIGNING_PUBLIC_KEY_FILE, NEXT_SIGNING_AT_FILE]) {
      expect(fs.existsSync(file(name)), name).toBe(false);
    }
    expect(await state.rotateSigningKeyIfDue()).toEqual({ snapshots: [], settings: [] });

    state = await reopen(state);
    expect(state.signingKeyId()).toBe(keyId(nextKey));
    expect(snapshotVersions(state)).toEqual(after);
  });

  it('switches at the first check after a start when the time came while the server was stopped', async () => {
    const state = await imported();
    const before = snapshotVersions(state);
    const current = state.signingKeyId();
    await state.close();
    const next = prepareNextSigningKey(dir, nowMs - 1);
    const restarted = await open();
    // Opening the state switches nothing (a command may open it beside a running server).
    expect(restarted.signingKeyId()).toBe(current);
    expect((await restarted.rotateSigningKeyIfDue()).keyId).toBe(next.keyId);
    expect(restarted.signingKeyId()).toBe(next.keyId);
    const after = snapshotVersions(restarted);
    for (const [id, version] of Object.entries(before)) expect(after[id]).toBe(version + 1);
  });

  it('keeps the key already waiting when rotate-key runs again, with the new time', async () => {
    await open();
    const first = prepareNextSigningKey(dir, nowMs + HOUR_MS);
    const again = prepareNextSigningKey(dir, nowMs + 2 * HOUR_MS);
    expect(again.keyId).toBe(first.keyId);
    expect(readNextSigningKey(dir)?.atMs).toBe(nowMs + 2 * HOUR_MS);
    fs.writeFileSync(file(NEXT_SIGNING_AT_FILE), 'tomorrow');
    expect(() => readNextSigningKey(dir)).toThrow(expect.objectContaining({ code: 'bad-key' }));
  });

  it('finishes a switch that stopped after the private key was replaced', async () => {
    const state = await imported();
    const oldPem = state.publicKeyPem();
    const next = prepareNextSigningKey(dir, nowMs);
    await state.close();
    // The switch's first steps only: the retired public key written, the next private key renamed over the current.
    fs.writeFileSync(file(RETIRED_SIGNING_PUBLIC_KEY_FILE), oldPem);
    fs.renameSync(file(NEXT_SIGNING_KEY_FILE), file(SIGNING_KEY_FILE));
    const restarted = await open();
    expect(restarted.signingKeyId()).toBe(next.keyId);
    expect(fs.readFileSync(file(SIGNING_PUBLIC_KEY_FILE), 'utf8')).toBe(next.publicKeyPem);
    expect(fs.existsSync(file(NEXT_SIGNING_PUBLIC_KEY_FILE))).toBe(false);
  });
});

describe('an agent holding versions above those issued', () => {
  const hello = { agentVersion: '10.6.2', os: 'windows' as const };

  it('makes the next snapshot version issued for its computer go above the one it holds, across restarts', async () => {
    let state = await imported();
    const issued = state.computerState('till-1');
    const lab7 = state.computerState('lab-7').snapshotVersion;
    await state.recordHello('till-1', { ...hello, nowMs, snapshotVersion: 50, settingsVersion: 0 });
    expect(state.computerState('till-1')).toMatchObject({
      snapshotVersion: 51,
      settingsVersion: issued.settingsVersion,
    });
    expect(openSnapshot(state.snapshotFor('till-1').bytes, parsePublicKey(state.publicKeyPem())).version).toBe(51);
    // Other computers are untouched; the versions survive a restart and keep going up from there.
    expect(state.computerState('lab-7').snapshotVersion).toBe(lab7);
    state = await reopen(state);
    expect(state.computerState('till-1').snapshotVersion).toBe(51);
    await state.recordHello('till-1', { ...hello, nowMs, snapshotVersion: 51, settingsVersion: 0 });
    expect(state.computerState('till-1').snapshotVersion).toBe(51);
    await state.addPolicy({ app: 'notepadpp', appliesTo: { computer: 'till-1' }, action: 'deny', order: 3 });
    expect(state.computerState('till-1').snapshotVersion).toBe(52);
  });

  it('issues settings above the settings version it holds', async () => {
    const state = await imported();
    const issued = state.computerState('till-1');
    await state.recordHello('till-1', {
      ...hello,
      nowMs,
      snapshotVersion: issued.snapshotVersion,
      settingsVersion: 40,
    });
    expect(state.computerState('till-1')).toMatchObject({
      snapshotVersion: issued.snapshotVersion,
      settingsVersion: 41,
    });
    expect(openSettings(state.settingsFor('till-1').bytes, parsePublicKey(state.publicKeyPem())).settingsVersion).toBe(
      41,
    );
  });

  it('refuses, naming the computer, a version nothing can be issued above', async () => {
    const state = await imported();
    const before = state.computerState('till-1');
    let error: TollgateError | undefined;
    try {
      await state.recordHello('till-1', { ...hello, nowMs, snapshotVersion: MAX_VERSION, settingsVersion: 0 });
    } catch (e) {
      error = e as TollgateError;
    }
    expect(error?.code).toBe('version-exhausted');
    expect(error?.message).toMatch(/^version-exhausted: computer till-1 holds snapshot version 4294967295/);
    expect(state.computerState('till-1').snapshotVersion).toBe(before.snapshotVersion);
  });
  it('issues above a version up to MAX_ADOPTED_VERSION, refuses one above it, and keeps the rest for changes', async () => {
    const state = await imported();
    let error: TollgateError | undefined;
    try {
      await state.recordHello('till-1', { ...hello, nowMs, snapshotVersion: MAX_ADOPTED_VERSION + 1 });
    } catch (e) {
      error = e as TollgateError;
    }
    expect(error?.code).toBe('version-exhausted');
    expect(error?.message).toContain(`versions above ${MAX_ADOPTED_VERSION} are not issued above`);

    await state.recordHello('till-1', { ...hello, nowMs, snapshotVersion: MAX_ADOPTED_VERSION, settingsVersion: 0 });
    expect(state.computerState('till-1').snapshotVersion).toBe(MAX_ADOPTED_VERSION + 1);
    // A change reaching that computer, and a key rotation after it, are issued above it still.
    await state.addPolicy({ app: 'notepadpp', appliesTo: { computer: 'till-1' }, action: 'deny', order: 3 });
    expect(state.computerState('till-1').snapshotVersion).toBe(MAX_ADOPTED_VERSION + 2);
    prepareNextSigningKey(dir, nowMs + HOUR_MS);
    nowMs += HOUR_MS;
    await state.rotateSigningKeyIfDue();
    expect(state.computerState('till-1').snapshotVersion).toBe(MAX_ADOPTED_VERSION + 3);
    expect(openSnapshot(state.snapshotFor('till-1').bytes, parsePublicKey(state.publicKeyPem())).version).toBe(
      MAX_ADOPTED_VERSION + 3,
    );
    // The agent reports what the server issued past the cap, and a settings version of its own below it:
    // only the latter is to be issued above, and it is.
    await state.recordHello('till-1', {
      ...hello,
      nowMs,
      snapshotVersion: MAX_ADOPTED_VERSION + 3,
      settingsVersion: 500,
    });
    expect(state.computerState('till-1')).toMatchObject({
      snapshotVersion: MAX_ADOPTED_VERSION + 3,
      settingsVersion: 501,
    });
  });
});

describe('what an agent reports in its hello', () => {
  const hello = { agentVersion: '10.6.2', os: 'windows' as const };

  it('is stored: the agent version, the tollgate version and the os survive a restart', async () => {
    let state = await imported();
    await state.recordHello('till-1', { ...hello, nowMs, tollgateVersion: '0.9.1' });
    await state.recordHello('office-1', { ...hello, nowMs });
    state = await reopen(state);
    const listed = await state.readComputers();
    expect(listed.find((c) => c.id === 'till-1')).toMatchObject({
      reportedAgentVersion: hello.agentVersion,
      reportedTollgateVersion: '0.9.1',
      reportedOs: hello.os,
    });
    expect(listed.find((c) => c.id === 'office-1')).toMatchObject({ reportedTollgateVersion: null });
  });
});

describe('an acknowledgement of versions above those issued', () => {
  it('issues above them too, and records what the agent holds', async () => {
    const state = await imported();
    const issued = state.computerState('till-1');
    await state.recordAck('till-1', {
      snapshotVersion: 60,
      settingsVersion: issued.settingsVersion,
      error: 'snapshot version 2 is not newer than 60',
      nowMs,
    });
    expect(state.computerState('till-1')).toMatchObject({
      snapshotVersion: 61,
      ackedSnapshotVersion: 60,
      lastError: 'snapshot version 2 is not newer than 60',
    });
  });
});
