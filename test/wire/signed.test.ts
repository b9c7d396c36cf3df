import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { TEXT_LIMITS } from '../../src/engine/limits.js';
import { MAX_VIEW_SETTINGS } from '../../src/wire/codec.js';
import type { World } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { contractWorld } from '../support/contract-world.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import {
  openSettings,
  openSnapshot,
  openStoredSettingsUnverified,
  openStoredSnapshotUnverified,
  peekSnapshot,
  sealSettings,
  sealSnapshot,
  type SettingsContent,
  type SnapshotContent,
  verifySnapshot,
} from '../../src/wire/signed.js';
import {
  PinnedKeys,
  generateSigningKeys,
  keyId,
  parsePrivateKey,
  parsePublicKey,
  signBytes,
} from '../../src/wire/signing.js';

const pb = tollgate.v1;

/** The contract scenario of shared/contract/example-scenario.yaml, with an agent setting, a ringfence and an expiry added. */
const world: World = contractWorld();
Object.assign(
  world.policies.find((p) => p.id === 'chrome-block')!,
  {
    action: 'ringfence',
    ringfence: { network: false, allowPaths: ['C:\\Data\\**'] },
  },
);
world.policies.find((p) => p.id === 'shop-default')!.expiresAt = '2030-01-01T00:00:00Z';
world.agentSettings = [
  { id: 'no-prio', type: 'prioritizeBuiltInApplications', value: false, appliesTo: { organization: 'shop' }, order: 1 },
];

const keys = generateSigningKeys();
const privateKey = parsePrivateKey(keys.privateKeyPem);
const publicKey = parsePublicKey(keys.publicKeyPem);
const otherPublicKey = parsePublicKey(generateSigningKeys().publicKeyPem);
const nextKeys = generateSigningKeys();
const nextPublicKey = parsePublicKey(nextKeys.publicKeyPem);

function snapshotOf(computerId: string): SnapshotContent {
  return {
    computerId,
    version: 3,
    issuedAtMs: Date.UTC(2026, 10, 22, 12),
    settingsVersion: 2,
    view: buildView(world, computerId),
  };
}

function errorOf(fn: () => unknown): TollgateError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    return error as TollgateError;
  }
  throw new Error('expected an error');
}

describe('signed snapshots', () => {
  it.each(['till-1', 'office-1', 'lab-7'])('round-trip the view of %s exactly', (computerId) => {
    const content = snapshotOf(computerId);
    expect(openSnapshot(sealSnapshot(content, privateKey), publicKey)).toEqual(content);
  });

  it('carry what the contract world gives till-1', () => {
    const opened = openSnapshot(sealSnapshot(snapshotOf('till-1'), privateKey), publicKey);
    expect(opened.view.policies.map((p) => p.id).sort()).toEqual(['chrome-block', 'chrome-ok', 'shop-default']);
    expect(opened.view.policies.find((p) => p.id === 'chrome-block')?.ringfence).toEqual({
      network: false,
      allowPaths: ['C:\\Data\\**'],
    });
    expect(opened.view.settings).toEqual({ prioritizeBuiltInApplications: false });
    expect(opened.view.settingSources).toEqual({ prioritizeBuiltInApplications: 'no-prio' });
    expect(opened.view.escalationEmails).toEqual(['owner@shop.example']);
  });

  it('refuse a snapshot of version 0 as missing its version, verified or opened', () => {
    const sealed = sealSnapshot({ ...snapshotOf('till-1'), version: 0 }, privateKey);
    for (const read of [() => openSnapshot(sealed, publicKey), () => verifySnapshot(sealed, publicKey)]) {
      const e = errorOf(read);
      expect(e.code).toBe('bad-message');
      expect(e.message).toBe('snapshot.version: is missing (versions start at 1)');
    }
    expect(
      verifySnapshot(sealSnapshot({ ...snapshotOf('till-1'), version: 1 }, privateKey), publicKey).header.version,
    ).toBe(1);
  });

  it('refuse a payload changed after signing', () => {
    const signed = pb.SignedSnapshot.decode(sealSnapshot(snapshotOf('till-1'), privateKey));
    const payload = Uint8Array.from(signed.payload);
    payload[payload.length - 1] = payload[payload.length - 1]! ^ 1;
    const tampered = pb.SignedSnapshot.encode({ payload, signature: signed.signature }).finish();
    expect(errorOf(() => openSnapshot(tampered, publicKey)).code).toBe('bad-signature');
  });

  it('refuse a snapshot signed by a key that is not pinned, naming its key id', () => {
    const e = errorOf(() => openSnapshot(sealSnapshot(snapshotOf('till-1'), privateKey), otherPublicKey));
    expect(e.code).toBe('unknown-key');
    expect(e.message).toBe(
      `the snapshot is signed by key ${keyId(publicKey)}, which is not pinned (pinned: ${keyId(otherPublicKey)})`,
    );
  });

  it('name the key that signed them, and verify with whichever pinned key that names', () => {
    const nextPrivate = parsePrivateKey(nextKeys.privateKeyPem);
    const pinned = new PinnedKeys([publicKey, nextPublicKey]);
    const byCurrent = sealSnapshot(snapshotOf('till-1'), privateKey);
    const byNext = sealSnapshot(snapshotOf('till-1'), nextPrivate);
    expect(pb.SignedSnapshot.decode(byCurrent).keyId).toBe(keyId(publicKey));
    expect(pb.SignedSnapshot.decode(byNext).keyId).toBe(keyId(nextPublicKey));
    expect(verifySnapshot(byCurrent, pinned).keyId).toBe(keyId(publicKey));
    expect(verifySnapshot(byNext, pinned).keyId).toBe(keyId(nextPublicKey));
    expect(openSnapshot(byNext, pinned)).toEqual(snapshotOf('till-1'));
    expect(errorOf(() => openSnapshot(byNext, publicKey)).code).toBe('unknown-key');
  });

  it('refuse a signature by another key under a pinned key id', () => {
    const forged = pb.SignedSnapshot.decode(
      sealSnapshot(snapshotOf('till-1'), parsePrivateKey(nextKeys.privateKeyPem)),
    );
    forged.keyId = keyId(publicKey);
    const e = errorOf(() => openSnapshot(pb.SignedSnapshot.encode(forged).finish(), new PinnedKeys([publicKey])));
    expect(e.code).toBe('bad-signature');
    expect(e.message).toBe(`the snapshot signature does not match pinned key ${keyId(publicKey)}`);
  });

  it('verify a snapshot that names no key (written before key ids) with any pinned key that made it', () => {
    const signed = pb.SignedSnapshot.decode(sealSnapshot(snapshotOf('till-1'), privateKey));
    const legacy = pb.SignedSnapshot.encode({ payload: signed.payload, signature: signed.signature }).finish();
    expect(verifySnapshot(legacy, new PinnedKeys([nextPublicKey, publicKey])).keyId).toBe(keyId(publicKey));
    const e = errorOf(() => openSnapshot(legacy, new PinnedKeys([nextPublicKey, otherPublicKey])));
    expect(e.code).toBe('bad-signature');
    expect(e.message).toBe('the snapshot signature does not match any pinned server key');
  });

  it('refuse a key id that is not 16 lowercase hex digits', () => {
    const signed = pb.SignedSnapshot.decode(sealSnapshot(snapshotOf('till-1'), privateKey));
    for (const bad of ['ABCDEF0123456789', '0123', 'x'.repeat(10_000)]) {
      signed.keyId = bad;
      const e = errorOf(() => openSnapshot(pb.SignedSnapshot.encode(signed).finish(), publicKey));
      expect(e.code).toBe('bad-message');
      expect(e.message).toMatch(/^snapshot\.keyId: is not a key id/);
    }
  });

  it('can be read unverified only by the function that says so, with the key id it names', () => {
    const bytes = sealSnapshot(snapshotOf('till-1'), privateKey);
    expect(openStoredSnapshotUnverified(bytes)).toEqual({ ...snapshotOf('till-1'), keyId: keyId(publicKey) });
  });

  it('refuse an unsigned snapshot', () => {
    const signed = pb.SignedSnapshot.decode(sealSnapshot(snapshotOf('till-1'), privateKey));
    const unsigned = pb.SignedSnapshot.encode({ payload: signed.payload }).finish();
    expect(errorOf(() => openSnapshot(unsigned, publicKey)).message).toMatch(/not signed/);
  });

  it('check the signature before looking inside the payload', () => {
    const junk = Uint8Array.from([0xff, 0xff, 0xff]);
    const unsignedJunk = pb.SignedSnapshot.encode({ payload: junk, signature: new Uint8Array(64) }).finish();
    expect(errorOf(() => openSnapshot(unsignedJunk, publicKey)).code).toBe('bad-signature');
    const signedJunk = pb.SignedSnapshot.encode({ payload: junk, signature: signBytes(junk, privateKey) }).finish();
    expect(errorOf(() => openSnapshot(signedJunk, publicKey)).code).toBe('bad-message');
  });

  it('refuse undecodable bytes as a bad message', () => {
    expect(errorOf(() => openSnapshot(Uint8Array.from([0x0a, 0x10, 0x01]), publicKey)).code).toBe('bad-message');
  });

  it('refuse signed content with an unknown enum value, naming the field', () => {
    const wire = pb.SnapshotPayload.decode(
      pb.SignedSnapshot.decode(sealSnapshot(snapshotOf('till-1'), privateKey)).payload,
    );
    const unknownOs: number = 99;
    wire.view!.computer!.os = unknownOs;
    const payload = pb.SnapshotPayload.encode(wire).finish();
    const bytes = pb.SignedSnapshot.encode({ payload, signature: signBytes(payload, privateKey) }).finish();
    const e = errorOf(() => openSnapshot(bytes, publicKey));
    expect(e.code).toBe('bad-message');
    expect(e.message).toMatch(/^snapshot\.view\.computer\.os: unknown os 99/);
  });

  it('refuse a view of another computer than the header names', () => {
    const bytes = sealSnapshot({ ...snapshotOf('till-1'), computerId: 'lab-7' }, privateKey);
    expect(errorOf(() => openSnapshot(bytes, publicKey)).message).toMatch(/^snapshot\.view\.computer\.id:/);
  });

  it('can be peeked at without a key, header only', () => {
    const { view: _view, ...header } = snapshotOf('till-1');
    expect(peekSnapshot(sealSnapshot(snapshotOf('till-1'), privateKey))).toEqual({
      ...header,
      keyId: keyId(publicKey),
    });
  });
});

/** Till-1's view sealed as snapshot 3 with `settings` (and `sources`) over its own. */
function snapshotWithSettings(
  settings: Record<string, unknown>,
  sources: Record<string, string | null> = {},
): Uint8Array {
  const view = buildView(world, 'till-1');
  return sealSnapshot(
    {
      computerId: 'till-1',
      version: 3,
      issuedAtMs: 0,
      settingsVersion: 0,
      view: {
        ...view,
        settings: { ...view.settings, ...settings } as typeof view.settings,
        settingSources: { ...view.settingSources, ...sources },
      },
    },
    privateKey,
  );
}

describe('signed settings', () => {
  const withSources: SettingsContent = {
    computerId: 'till-1',
    settingsVersion: 5,
    issuedAtMs: 1_763_900_000_000,
    settings: { prioritizeBuiltInApplications: true, note: 'x', limit: 2.5 },
    sources: { prioritizeBuiltInApplications: 'prio', note: null, limit: null },
  };

  it('refuse settings of version 0 as missing their version', () => {
    const e = errorOf(() => openSettings(sealSettings({ ...withSources, settingsVersion: 0 }, privateKey), publicKey));
    expect(e.code).toBe('bad-message');
    expect(e.message).toBe('settings.settingsVersion: is missing (versions start at 1)');
  });

  it('round-trip with sources and without', () => {
    expect(openSettings(sealSettings(withSources, privateKey), publicKey)).toEqual(withSources);
    const { sources: _sources, ...without } = withSources;
    const opened = openSettings(sealSettings(without, privateKey), publicKey);
    expect(opened).toEqual(without);
    expect(opened).not.toHaveProperty('sources');
  });

  it('refuse a setting this agent knows with a value of another type, naming it; keep ones it does not know', () => {
    for (const value of ['false', 0]) {
      const sealed = sealSettings(
        { ...withSources, settings: { ...withSources.settings, prioritizeBuiltInApplications: value } },
        privateKey,
      );
      expect(() => openSettings(sealed, publicKey)).toThrow(
        'settings.settings.prioritizeBuiltInApplications: takes a boolean',
      );
    }
    // A snapshot's view is held to the same.
    const snapshot = snapshotWithSettings({ prioritizeBuiltInApplications: 'no' });
    expect(() => openSnapshot(snapshot, publicKey)).toThrow(/prioritizeBuiltInApplications: takes a boolean/);
  });

  it("hold settings a release does not know to a world's bounds, naming the field; a snapshot's view likewise", () => {
    const refused = (settings: SettingsContent['settings'], sources?: SettingsContent['sources']): string => {
      const e = errorOf(() =>
        openSettings(sealSettings({ ...withSources, settings, sources: sources ?? {} }, privateKey), publicKey),
      );
      expect(e.code).toBe('bad-message');
      return e.message;
    };
    const none = (settings: SettingsContent['settings']) =>
      Object.fromEntries(Object.keys(settings).map((name) => [name, null]));
    const long = { note: 'x'.repeat(TEXT_LIMITS.settingText + 1) };
    expect(refused(long, none(long))).toBe(
      `settings.settings.note: is ${TEXT_LIMITS.settingText + 1} characters long; a setting's text holds at most ${TEXT_LIMITS.settingText}`,
    );
    const spaced = { 'a name': 1 };
    expect(refused(spaced, none(spaced))).toMatch(/^settings\.settings\[0\]\.name: has the character U\+0020/);
    const huge = { ['n'.repeat(1 << 20)]: 1 };
    expect(refused(huge, none(huge))).toMatch(/^settings\.settings\[0\]\.name: is 1048576 characters long/);
    expect(refused({ note: 'x' }, { note: 'not an id' })).toMatch(
      /^settings\.settings\.note\.source: has the character/,
    );
    const many = Object.fromEntries(Array.from({ length: MAX_VIEW_SETTINGS + 1 }, (_, i) => [`s${i}`, i]));
    expect(refused(many, none(many))).toBe(
      `settings.settings: holds ${MAX_VIEW_SETTINGS + 1} settings; at most ${MAX_VIEW_SETTINGS} are taken`,
    );
    // At the bounds, taken.
    const most = { note: 'x'.repeat(TEXT_LIMITS.settingText) };
    expect(
      openSettings(sealSettings({ ...withSources, settings: most, sources: none(most) }, privateKey), publicKey),
    ).toMatchObject({ settings: most });
    const snapshot = snapshotWithSettings(long, { note: null });
    expect(() => openSnapshot(snapshot, publicKey)).toThrow(/settings\.note: is 4097 characters long/);
  });

  it('keep a record of only default sources apart from no sources', () => {
    const defaults: SettingsContent = {
      ...withSources,
      sources: { prioritizeBuiltInApplications: null, note: null, limit: null },
    };
    expect(openSettings(sealSettings(defaults, privateKey), publicKey)).toEqual(defaults);
  });

  it('refuse a key that is not pinned, and verify with whichever pinned key they name', () => {
    expect(errorOf(() => openSettings(sealSettings(withSources, privateKey), otherPublicKey)).code).toBe('unknown-key');
    const byNext = sealSettings(withSources, parsePrivateKey(nextKeys.privateKeyPem));
    expect(pb.SignedSettings.decode(byNext).keyId).toBe(keyId(nextPublicKey));
    expect(openSettings(byNext, new PinnedKeys([publicKey, nextPublicKey]))).toEqual(withSources);
    expect(openStoredSettingsUnverified(byNext)).toEqual(withSources);
  });

  it('never pass a signed snapshot for signed settings, nor the reverse', () => {
    const snapshotAsSettings = errorOf(() => openSettings(sealSnapshot(snapshotOf('till-1'), privateKey), publicKey));
    expect(snapshotAsSettings.code).toBe('bad-message');
    expect(snapshotAsSettings.message).toMatch(/^settings\.kind: the payload is snapshot, not settings/);
    const settingsAsSnapshot = errorOf(() => openSnapshot(sealSettings(withSources, privateKey), publicKey));
    expect(settingsAsSnapshot.message).toMatch(/^snapshot\.kind: the payload is settings, not snapshot/);
  });
});
