import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ID_CHARS } from '../../src/engine/limits.js';
import type { World } from '../../src/engine/model.js';
import { type TollgateError, ValidationError } from '../../src/engine/errors.js';
import { ACKNOWLEDGE_PROBLEM } from '../../src/engine/upgrade.js';
import { loadScenario } from '../../src/scenario/load.js';
import { buildView } from '../../src/engine/view.js';
import { withModule } from '../../src/server/approval-admin.js';
import { SERVER_MIGRATIONS } from '../../src/server/server-db.js';
import { SIGNING_KEY_FILE, SIGNING_KEY_MODE, SIGNING_PUBLIC_KEY_FILE } from '../../src/server/signing-key.js';
import { POLICY_ID_PREFIX, SERVER_DB_FILE, ServerState } from '../../src/server/state.js';
import type { ViewChanges } from '../../src/server/types.js';
import { TOKEN_BYTES } from '../../src/server/tokens.js';
import { canonicalJson } from '../../src/server/view-hash.js';
import { openSettings, openSnapshot } from '../../src/wire/signed.js';
import { parsePublicKey } from '../../src/wire/signing.js';

const SCENARIO = fileURLToPath(new URL('../../examples/contract/example-scenario.yaml', import.meta.url));
const PRIORITIZE = 'prioritizeBuiltInApplications';
const NONE: ViewChanges = { snapshots: [], settings: [] };

let dir: string;
let nowMs: number;
const opened: ServerState[] = [];

async function open(): Promise<ServerState> {
  const state = await ServerState.open({ dataDir: dir, clock: () => nowMs });
  opened.push(state);
  return state;
}

/** Closes `state` and opens the same data directory again. */
async function reopen(state: ServerState): Promise<ServerState> {
  await state.close();
  return await open();
}

async function imported(): Promise<ServerState> {
  const state = await open();
  await state.importWorld(await loadScenario(SCENARIO));
  return state;
}

function versions(state: ServerState): Record<string, [number, number]> {
  return Object.fromEntries(state.computers().map((c) => [c.id, [c.snapshotVersion, c.settingsVersion]]));
}

async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function publicKey(state: ServerState) {
  return parsePublicKey(state.publicKeyPem());
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-server-state-'));
  nowMs = 1_700_000_000_000;
});

afterEach(async () => {
  for (const state of opened.splice(0)) await state.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('importing a world', () => {
  it('issues version 1 of both to every computer, and nothing for a re-import of the same world', async () => {
    const state = await open();
    const first = await state.importWorld(await loadScenario(SCENARIO));
    expect(first).toEqual({ snapshots: ['till-1', 'office-1', 'lab-7'], settings: [] });
    expect(versions(state)).toEqual({ 'till-1': [1, 1], 'office-1': [1, 1], 'lab-7': [1, 1] });
    expect(state.computers().map((c) => [c.id, c.group, c.org, c.enrolled])).toEqual([
      ['till-1', 'shop-pcs', 'shop', false],
      ['office-1', 'shop-old', 'shop', false],
      ['lab-7', 'school-labs', 'school', false],
    ]);

    expect(await state.importWorld(await loadScenario(SCENARIO))).toEqual(NONE);
    expect(versions(state)).toEqual({ 'till-1': [1, 1], 'office-1': [1, 1], 'lab-7': [1, 1] });
  });

  it('keeps the world it was given apart from the one it holds, which is frozen', async () => {
    const world = await loadScenario(SCENARIO);
    const state = await open();
    await state.importWorld(world);
    world.policies.pop();
    expect(state.world().policies).toHaveLength(5);
    expect(() => state.world().policies.push(state.world().policies[0]!)).toThrow(TypeError);
    expect(() => {
      state.world().organizations[0]!.structure = 'hierarchical';
    }).toThrow(TypeError);
  });

  it('bumps a snapshot version and a settings version together when both change, and lists it as a snapshot', async () => {
    const state = await imported();
    const world = structuredClone(state.world());
    world.policies = world.policies.filter((p) => p.id !== 'npp-lab');
    world.agentSettings.push({
      id: 's-lab',
      type: PRIORITIZE,
      value: false,
      appliesTo: { group: 'school-labs' },
      order: 1,
    });
    expect(await state.importWorld(world)).toEqual({ snapshots: ['lab-7'], settings: [] });
    expect(state.computerState('lab-7')).toMatchObject({ snapshotVersion: 2, settingsVersion: 2 });
  });

  it('stops listing a removed computer and continues its versions when it returns', async () => {
    const state = await imported();
    const { token } = await state.enroll('lab-7');
    const full = structuredClone(state.world());
    const without = structuredClone(full);
    without.computers = without.computers.filter((c) => c.id !== 'lab-7');
    expect(await state.importWorld(without)).toEqual(NONE);
    expect(state.computers().map((c) => c.id)).toEqual(['till-1', 'office-1']);
    expect(state.authenticate('lab-7', token)).toBe(false);
    expect(((await thrown(() => state.computerState('lab-7'))) as TollgateError).code).toBe('unknown-reference');

    full.policies = full.policies.filter((p) => p.id !== 'npp-lab');
    expect(await state.importWorld(full)).toEqual({ snapshots: ['lab-7'], settings: [] });
    expect(state.computerState('lab-7')).toMatchObject({ snapshotVersion: 2, settingsVersion: 1, enrolled: true });
    expect(state.authenticate('lab-7', token)).toBe(true);
  });
});

describe('policies', () => {
  it('gives a new snapshot version only to the computers a new policy affects', async () => {
    const state = await imported();
    const { policy, changes } = await state.addPolicy({
      app: 'notepadpp',
      appliesTo: { group: 'school-labs' },
      action: 'deny',
      order: 5,
    });
    expect(policy).toEqual({
      id: expect.stringMatching(new RegExp(`^${POLICY_ID_PREFIX}[0-9a-f]{8}$`)) as unknown,
      app: 'notepadpp',
      appliesTo: { group: 'school-labs' },
      action: 'deny',
      order: 5,
      enabled: true,
    });
    expect(changes).toEqual({ snapshots: ['lab-7'], settings: [] });
    expect(versions(state)).toEqual({ 'till-1': [1, 1], 'office-1': [1, 1], 'lab-7': [2, 1] });
    expect(state.world().policies.at(-1)).toEqual(policy);
  });

  it('updates and deletes by id, and refuses unknown and duplicate ids', async () => {
    const state = await imported();
    const { policy, changes } = await state.updatePolicy('chrome-block', { order: 30, name: 'Block custom Chrome' });
    expect(policy).toMatchObject({ id: 'chrome-block', order: 30, name: 'Block custom Chrome', action: 'deny' });
    expect(changes).toEqual({ snapshots: ['till-1', 'office-1'], settings: [] });
    expect((await state.updatePolicy('chrome-block', { name: undefined })).policy).not.toHaveProperty('name');

    expect((await state.deletePolicy('npp-school')).changes).toEqual({ snapshots: ['lab-7'], settings: [] });
    expect(state.world().policies.map((p) => p.id)).toEqual(['chrome-ok', 'chrome-block', 'npp-lab', 'shop-default']);

    const missing = (await thrown(() => state.updatePolicy('nope', { order: 1 }))) as TollgateError;
    expect([missing.code, missing.message]).toEqual(['not-found', 'policy "nope" not found']);
    expect(((await thrown(() => state.deletePolicy('nope'))) as TollgateError).code).toBe('not-found');
    const duplicate = (await thrown(() =>
      state.addPolicy({
        id: 'npp-lab',
        app: 'notepadpp',
        appliesTo: { group: 'school-labs' },
        action: 'deny',
        order: 1,
      }),
    )) as TollgateError;
    expect([duplicate.code, duplicate.message]).toEqual(['exists', 'policy "npp-lab" already exists']);
    const renamed = (await thrown(() => state.updatePolicy('npp-lab', { id: 'other' } as never))) as ValidationError;
    expect(renamed).toBeInstanceOf(ValidationError);
    expect(renamed.problems).toEqual(['policies[npp-lab]: id cannot be changed (the patch sets it to "other")']);
  });

  it('refuses an invalid world, naming the field, and changes nothing', async () => {
    let state = await imported();
    const before = state.world();
    const beforeVersions = versions(state);

    const negative = (await thrown(() =>
      state.addPolicy({
        id: 'p-neg',
        app: 'notepadpp',
        appliesTo: { organization: 'shop' },
        action: 'deny',
        order: -5,
      }),
    )) as ValidationError;
    expect(negative).toBeInstanceOf(ValidationError);
    expect(negative.problems).toEqual([
      'policies[p-neg]: order -5 is negative, but organization shop uses the flat structure',
    ]);

    const reordered = (await thrown(() => state.updatePolicy('chrome-block', { order: -1 }))) as ValidationError;
    expect(reordered.problems).toEqual([
      'policies[chrome-block]: order -1 is negative, but organization shop uses the flat structure',
    ]);

    const unknownApp = (await thrown(() =>
      state.addPolicy({ id: 'p-x', app: 'nope', appliesTo: { group: 'school-labs' }, action: 'deny', order: 1 }),
    )) as ValidationError;
    expect(unknownApp.problems).toEqual(['policies[p-x]: app "nope" is not a known application']);

    const unknownGroup = (await thrown(() =>
      state.addPolicy({ id: 'p-y', app: 'notepadpp', appliesTo: { group: 'ghost' }, action: 'deny', order: 1 }),
    )) as ValidationError;
    expect(unknownGroup.problems).toEqual(['policies[p-y]: appliesTo.group "ghost" is not a known group']);

    expect(state.world()).toBe(before);
    expect(versions(state)).toEqual(beforeVersions);
    state = await reopen(state);
    expect(state.world()).toEqual(before);
    expect(versions(state)).toEqual(beforeVersions);

    // A negative number is fine in a hierarchical organization.
    expect(
      (
        await state.addPolicy({
          id: 'p-school',
          app: 'notepadpp',
          appliesTo: { organization: 'school' },
          action: 'deny',
          order: -5,
        })
      ).changes,
    ).toEqual({ snapshots: ['lab-7'], settings: [] });
  });
});

describe('settings', () => {
  it('bumps only the settings version of the computers of a group, and clears it again', async () => {
    const state = await imported();
    const { settings, changes } = await state.setSetting({ kind: 'group', id: 'shop-pcs' }, PRIORITIZE, false);
    const entry = {
      id: 'admin-group-shop-pcs-prioritizeBuiltInApplications',
      type: PRIORITIZE,
      value: false,
      appliesTo: { group: 'shop-pcs' },
      order: 200,
    };
    expect(settings).toEqual([entry]);
    expect(changes).toEqual({ snapshots: [], settings: ['till-1'] });
    expect(versions(state)).toEqual({ 'till-1': [1, 2], 'office-1': [1, 1], 'lab-7': [1, 1] });
    expect(state.settings()).toEqual([entry]);

    expect((await state.setSetting({ kind: 'group', id: 'shop-pcs' }, PRIORITIZE, false)).changes).toEqual(NONE);
    expect((await state.setSetting({ kind: 'group', id: 'shop-pcs' }, PRIORITIZE, true)).changes).toEqual({
      snapshots: [],
      settings: ['till-1'],
    });
    expect(state.settings()).toEqual([{ ...entry, value: true }]);

    expect((await state.clearSetting({ kind: 'group', id: 'shop-pcs' }, PRIORITIZE)).changes).toEqual({
      snapshots: [],
      settings: ['till-1'],
    });
    expect(state.settings()).toEqual([]);
    expect((await state.clearSetting({ kind: 'group', id: 'shop-pcs' }, PRIORITIZE)).changes).toEqual(NONE);
    expect(versions(state)).toEqual({ 'till-1': [1, 4], 'office-1': [1, 1], 'lab-7': [1, 1] });
  });

  it('sets a global setting once per root organization, below every more specific scope', async () => {
    const state = await imported();
    await state.setSetting({ kind: 'computer', id: 'lab-7' }, PRIORITIZE, true);
    const { settings, changes } = await state.setSetting({ kind: 'global' }, PRIORITIZE, false);
    expect(settings).toEqual([
      {
        id: 'admin-global-parent-prioritizeBuiltInApplications',
        type: PRIORITIZE,
        value: false,
        appliesTo: { global: 'parent' },
        order: 400,
      },
    ]);
    // lab-7's own (computer, order 100) setting still wins; its source is unchanged.
    expect(changes).toEqual({ snapshots: [], settings: ['till-1', 'office-1'] });
    const lab = openSettings(state.settingsFor('lab-7').bytes, publicKey(state));
    expect(lab.settings[PRIORITIZE]).toBe(true);
    expect(lab.sources?.[PRIORITIZE]).toBe('admin-computer-lab-7-prioritizeBuiltInApplications');
    expect((await state.clearSetting({ kind: 'global' }, PRIORITIZE)).changes).toEqual({
      snapshots: [],
      settings: ['till-1', 'office-1'],
    });
  });

  it('takes changes of a world stored with problems an earlier release did not check, refusing only new ones', async () => {
    const first = await imported();
    await first.close();
    // An earlier release stored an organization with more modules than are taken now.
    const db = new Database(path.join(dir, SERVER_DB_FILE));
    const row = db.prepare("SELECT body FROM entities WHERE kind = 'organizations' AND id = 'shop'").get() as {
      body: string;
    };
    const shop = JSON.parse(row.body) as { modules: string[] };
    shop.modules = ['cyberHeroApprovals', ...Array.from({ length: 69 }, (_, i) => `m${i}`)];
    db.prepare("UPDATE entities SET body = ? WHERE kind = 'organizations' AND id = 'shop'").run(JSON.stringify(shop));
    db.close();
    const state = await open();
    const tooMany = 'organizations[shop]: modules has more than 64 entries';
    expect(state.worldProblems()).toEqual([tooMany]);
    // Nor can it grow: the modules route refuses to add one to an organization at or past the bound.
    expect(() => withModule(state.world(), 'shop', 'one-more', true, [])).toThrow(
      'organizations[shop]: modules has 70 entries; at most 64: remove one first',
    );
    // A change that adds nothing wrong is taken; one that adds a problem is refused naming that one alone.
    await state.setSetting({ kind: 'computer', id: 'lab-7' }, PRIORITIZE, true);
    const adds = await thrown(() =>
      state.addPolicy({
        id: 'p-x',
        name: 'x'.repeat(1_025),
        app: 'chrome',
        appliesTo: { global: 'parent' },
        action: 'deny',
        order: 9,
      }),
    );
    expect((adds as ValidationError).problems).toEqual(['policies[p-x]: name is 1025 characters long; at most 1024']);
    // The modules can be taken away a change at a time, and the world is valid again once they are few enough.
    await state.applyWorld((w) => ({
      ...w,
      organizations: w.organizations.map((o) => (o.id === 'shop' ? { ...o, modules: o.modules.slice(0, 64) } : o)),
    }));
    expect(state.world().organizations.find((o) => o.id === 'shop')?.modules).toHaveLength(64);
    expect(state.worldProblems()).toEqual([]);
    // Replacing the whole world takes no problem along: the replacement must be valid.
    const invalid: World = structuredClone(state.world());
    invalid.organizations.find((o) => o.id === 'shop')!.modules.push('m99');
    const replaced = await thrown(() => state.replaceWorld(invalid, { dryRun: true, allowRemovals: false }));
    expect((replaced as ValidationError).problems).toEqual([tooMany]);
  });

  it('matches a known problem of an entry named by its place after an entry before it is removed', async () => {
    const first = await imported();
    await first.close();
    // An earlier release stored gates whose feature holds a control character, after a good one.
    const db = new Database(path.join(dir, SERVER_DB_FILE));
    const gates = [
      { feature: 'flatOrder', os: 'windows', minVersion: '10.5.3' },
      { feature: 'a\u0007', os: 'windows', minVersion: '1.0.0' },
      { feature: 'b\u0007', os: 'macos', minVersion: '1.0.0' },
    ];
    db.prepare(
      "INSERT OR REPLACE INTO entities (kind, id, seq, body, revision) VALUES ('gates', 'gates', 0, ?, 1)",
    ).run(JSON.stringify(gates));
    db.close();
    const state = await open();
    expect(state.worldProblems()).toEqual([
      'gates[#1]: feature "a\\u0007" holds a control character',
      'gates[#2]: feature "b\\u0007" holds a control character',
    ]);
    // The good gate removed: the two problems move to #0 and #1, and are still the world's own.
    await state.applyWorld((w) => ({ ...w, gates: (w.gates ?? []).slice(1) }));
    expect(state.worldProblems()).toEqual([
      'gates[#0]: feature "a\\u0007" holds a control character',
      'gates[#1]: feature "b\\u0007" holds a control character',
    ]);
    // A second gate with a problem the world already has is one more: refused, named by its place.
    const again = await thrown(() =>
      state.applyWorld((w) => ({
        ...w,
        gates: [...(w.gates ?? []), { feature: 'a\u0007', os: 'windows', minVersion: '1.0.0' }],
      })),
    );
    expect((again as ValidationError).problems).toEqual(['gates[#2]: feature "a\\u0007" holds a control character']);
  });

  it('refuses an admin setting with no order left before an entry of the same type, naming that entry', async () => {
    const state = await imported();
    const world: World = structuredClone(state.world());
    world.agentSettings.push({
      id: 'strict-first',
      type: PRIORITIZE,
      value: false,
      appliesTo: { computer: 'lab-7' },
      order: -2147483648,
    });
    await state.importWorld(world);
    const before = state.world();
    const error = await thrown(() => state.setSetting({ kind: 'computer', id: 'lab-7' }, PRIORITIZE, true));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      `agentSettings[strict-first]: order -2147483648 leaves no order before it for the settings set through the admin API, which come before every other ${PRIORITIZE} entry: give it an order above -2147483348`,
    ]);
    expect(state.world()).toEqual(before);
    // At the least order that leaves room, the admin's entry goes just before it.
    world.agentSettings[world.agentSettings.length - 1]!.order = -2147483347;
    await state.importWorld(world);
    const { settings } = await state.setSetting({ kind: 'computer', id: 'lab-7' }, PRIORITIZE, true);
    expect(settings[0]?.order).toBe(-2147483648);
  });

  it('keeps the ids of settings at a scope with a long id within the id rule, and finds them again', async () => {
    const state = await imported();
    const world = structuredClone(state.world());
    const longId = 'g'.repeat(MAX_ID_CHARS - 8);
    world.groups.push({ ...world.groups[0]!, id: longId, name: 'Long' });
    await state.importWorld(world);
    const { settings } = await state.setSetting({ kind: 'group', id: longId }, PRIORITIZE, false);
    const id = settings[0]!.id;
    expect(id).toMatch(/^admin-group-h[0-9a-f]{40}$/);
    expect((await state.setSetting({ kind: 'group', id: longId }, PRIORITIZE, true)).settings.map((s) => s.id)).toEqual(
      [id],
    );
    expect(state.settings().filter((s) => s.id.startsWith('admin-group-'))).toHaveLength(1);
    await state.clearSetting({ kind: 'group', id: longId }, PRIORITIZE);
    expect(state.settings()).toEqual([]);
  });

  it('refuses unknown targets, types and values, naming them', async () => {
    const state = await imported();
    const target = (await thrown(() =>
      state.setSetting({ kind: 'group', id: 'ghost' }, PRIORITIZE, false),
    )) as TollgateError;
    expect([target.code, target.message]).toEqual(['unknown-reference', 'unknown group "ghost"']);
    expect(
      ((await thrown(() => state.setSetting({ kind: 'computer', id: 'pc-9' }, PRIORITIZE, false))) as Error).message,
    ).toBe('unknown computer "pc-9"');
    expect(
      ((await thrown(() => state.clearSetting({ kind: 'organization', id: 'acme' }, PRIORITIZE))) as Error).message,
    ).toBe('unknown organization "acme"');
    const value = (await thrown(() =>
      state.setSetting({ kind: 'group', id: 'shop-pcs' }, PRIORITIZE, 'yes'),
    )) as ValidationError;
    expect(value.problems).toEqual([
      'agentSettings[admin-group-shop-pcs-prioritizeBuiltInApplications]: value is invalid: setting prioritizeBuiltInApplications takes a boolean, not "yes"',
    ]);
    const type = (await thrown(() =>
      state.setSetting({ kind: 'group', id: 'shop-pcs' }, 'colour', 'red'),
    )) as ValidationError;
    expect(type.problems[0]).toMatch(
      /^agentSettings\[admin-group-shop-pcs-colour\]: type is invalid: unknown setting type "colour"/,
    );
    expect(state.settings()).toEqual([]);
    expect(versions(state)).toEqual({ 'till-1': [1, 1], 'office-1': [1, 1], 'lab-7': [1, 1] });
  });
});

describe('signed messages', () => {
  it('signs snapshots and settings with the versions issued, and re-signs only when they change', async () => {
    const state = await imported();
    const key = publicKey(state);
    const first = state.snapshotFor('till-1');
    const snapshot = openSnapshot(first.bytes, key);
    expect(first.version).toBe(1);
    expect(snapshot).toMatchObject({ computerId: 'till-1', version: 1, settingsVersion: 1, issuedAtMs: nowMs });
    expect(snapshot.view.policies.map((p) => p.id)).toEqual(['chrome-ok', 'chrome-block', 'shop-default']);
    expect(snapshot.view.settings[PRIORITIZE]).toBe(true);

    nowMs += 1_000;
    expect(state.snapshotFor('till-1').bytes).toBe(first.bytes);

    await state.setSetting({ kind: 'group', id: 'shop-pcs' }, PRIORITIZE, false);
    const settings = state.settingsFor('till-1');
    expect(settings.version).toBe(2);
    expect(openSettings(settings.bytes, key)).toEqual({
      computerId: 'till-1',
      settingsVersion: 2,
      issuedAtMs: nowMs,
      settings: { [PRIORITIZE]: false },
      sources: { [PRIORITIZE]: 'admin-group-shop-pcs-prioritizeBuiltInApplications' },
    });
    expect(state.settingsFor('till-1').bytes).toBe(settings.bytes);

    // The snapshot keeps its version but carries the new settings.
    const resealed = openSnapshot(state.snapshotFor('till-1').bytes, key);
    expect(resealed).toMatchObject({ version: 1, settingsVersion: 2 });
    expect(resealed.view.settings[PRIORITIZE]).toBe(false);
    expect(resealed.view.settingSources[PRIORITIZE]).toBe('admin-group-shop-pcs-prioritizeBuiltInApplications');

    await state.updatePolicy('chrome-block', { order: 25 });
    const next = openSnapshot(state.snapshotFor('till-1').bytes, key);
    expect(next).toMatchObject({ version: 2, settingsVersion: 2 });
    expect(next.view.policies.find((p) => p.id === 'chrome-block')?.order).toBe(25);

    expect(((await thrown(() => state.snapshotFor('nope'))) as TollgateError).code).toBe('unknown-reference');
    expect(((await thrown(() => state.settingsFor('nope'))) as TollgateError).code).toBe('unknown-reference');
  });
});

describe('persistence', () => {
  it('reopens with the same world, versions and key', async () => {
    let state = await imported();
    await state.addPolicy({
      id: 'p-new',
      app: 'notepadpp',
      appliesTo: { group: 'school-labs' },
      action: 'deny',
      order: 5,
    });
    await state.setSetting({ kind: 'organization', id: 'shop' }, PRIORITIZE, false);
    await state.updatePolicy('chrome-ok', { order: 102 });
    const world = state.world();
    const before = versions(state);
    const pem = state.publicKeyPem();

    state = await reopen(state);
    expect(state.world()).toEqual(world);
    expect(versions(state)).toEqual(before);
    expect(state.publicKeyPem()).toBe(pem);
    expect(openSnapshot(state.snapshotFor('lab-7').bytes, parsePublicKey(pem)).version).toBe(before['lab-7']![0]);
    expect(await state.importWorld(structuredClone(world))).toEqual(NONE);
    // Back to the scenario: every view changes (chrome-ok), shop's settings with it.
    expect(await state.importWorld(await loadScenario(SCENARIO))).toEqual({
      snapshots: ['till-1', 'office-1', 'lab-7'],
      settings: [],
    });
    expect(versions(state)).toEqual({ 'till-1': [3, 3], 'office-1': [3, 3], 'lab-7': [4, 1] });

    expect(fs.statSync(path.join(dir, SIGNING_KEY_FILE)).mode & 0o777).toBe(SIGNING_KEY_MODE);
    expect(SIGNING_KEY_MODE).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, SIGNING_PUBLIC_KEY_FILE), 'utf8')).toBe(pem);
  });

  it('stores one row per entity, in list order, and a gates row only when the table is not the default', async () => {
    let state = await imported();
    const world = structuredClone(state.world());
    world.policies.reverse();
    world.gates = [{ feature: 'flatPolicyStructure', os: 'windows', minVersion: '10.6.0' }];
    await state.importWorld(world);
    await state.close();

    const db = new Database(path.join(dir, SERVER_DB_FILE), { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SERVER_MIGRATIONS.length);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const counts = db
        .prepare<[], { kind: string; n: number }>(
          'SELECT kind, count(*) AS n FROM entities GROUP BY kind ORDER BY kind',
        )
        .all();
      expect(counts).toEqual([
        { kind: 'applications', n: 4 },
        { kind: 'approvalPolicies', n: 1 },
        { kind: 'approvalSettings', n: 1 },
        { kind: 'computers', n: 3 },
        { kind: 'gates', n: 1 },
        { kind: 'groups', n: 3 },
        { kind: 'organizations', n: 3 },
        { kind: 'policies', n: 5 },
      ]);
      const shop = db
        .prepare<[], { body: string }>("SELECT body FROM entities WHERE kind = 'organizations' AND id = 'shop'")
        .get();
      expect(JSON.parse(shop!.body)).toEqual(world.organizations[1]);
    } finally {
      db.close();
    }

    state = await open();
    expect(state.world().policies.map((p) => p.id)).toEqual(world.policies.map((p) => p.id));
    expect(state.world().gates).toEqual(world.gates);
    const defaults = structuredClone(state.world());
    delete defaults.gates;
    await state.importWorld(defaults);
    state = await reopen(state);
    expect(state.world()).not.toHaveProperty('gates');
  });

  it('keeps list order across inserts, updates and deletes in the middle', async () => {
    let state = await imported();
    const world = structuredClone(state.world());
    world.policies.splice(2, 0, {
      id: 'mid',
      app: 'chrome',
      appliesTo: { group: 'school-labs' },
      action: 'permit',
      order: 7,
      enabled: true,
    });
    await state.importWorld(world);
    await state.deletePolicy('chrome-block');
    await state.addPolicy({ id: 'last', app: 'notepadpp', appliesTo: { group: 'shop-pcs' }, action: 'deny', order: 9 });
    await state.updatePolicy('mid', { order: 8 });
    const ids = ['chrome-ok', 'mid', 'npp-lab', 'npp-school', 'shop-default', 'last'];
    expect(state.world().policies.map((p) => p.id)).toEqual(ids);
    state = await reopen(state);
    expect(state.world().policies.map((p) => p.id)).toEqual(ids);
  });

  it('creates the key pair once and refuses a public key file that does not match it', async () => {
    const pem = (await open()).publicKeyPem();
    fs.rmSync(path.join(dir, SIGNING_PUBLIC_KEY_FILE));
    expect((await open()).publicKeyPem()).toBe(pem);
    expect(fs.readFileSync(path.join(dir, SIGNING_PUBLIC_KEY_FILE), 'utf8')).toBe(pem);

    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-server-other-'));
    try {
      const foreign = await ServerState.open({ dataDir: other, clock: () => nowMs });
      fs.writeFileSync(path.join(dir, SIGNING_PUBLIC_KEY_FILE), foreign.publicKeyPem());
      await foreign.close();
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
    expect(((await thrown(() => open())) as TollgateError).code).toBe('bad-key');
  });

  it('refuses a damaged database and leaves it in place for the operator', async () => {
    const file = path.join(dir, SERVER_DB_FILE);
    const garbage = 'this is not a database, just some text that is long enough';
    fs.writeFileSync(file, garbage);
    const error = (await thrown(() => open())) as TollgateError;
    expect(error.code).toBe('store-corrupt');
    expect(error.message).toContain('restore it from a backup');
    expect(fs.readFileSync(file, 'utf8')).toBe(garbage);
  });
});

describe('enrollment', () => {
  it('authenticates the current token only, and stores only its hash', async () => {
    let state = await imported();
    expect(state.authenticate('till-1', 'anything')).toBe(false);
    const { token } = await state.enroll('till-1');
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(TOKEN_BYTES);
    expect(TOKEN_BYTES).toBe(32);
    const other = (await state.enroll('lab-7')).token;
    expect(state.authenticate('till-1', token)).toBe(true);
    expect(state.authenticate('till-1', `${token}x`)).toBe(false);
    expect(state.authenticate('till-1', other)).toBe(false);
    expect(state.authenticate('office-1', token)).toBe(false);
    expect(state.authenticate('nope', token)).toBe(false);
    expect(state.computerState('till-1').enrolled).toBe(true);
    expect(state.computerState('office-1').enrolled).toBe(false);

    const renewed = (await state.enroll('till-1')).token;
    expect(state.authenticate('till-1', token)).toBe(false);
    expect(state.authenticate('till-1', renewed)).toBe(true);

    state = await reopen(state);
    expect(state.authenticate('till-1', renewed)).toBe(true);
    expect(state.authenticate('lab-7', other)).toBe(true);
    await state.close();
    const db = new Database(path.join(dir, SERVER_DB_FILE), { readonly: true });
    try {
      const row = db
        .prepare<[], { token_hash: Buffer }>("SELECT token_hash FROM computer_state WHERE computer_id = 'till-1'")
        .get();
      expect(row!.token_hash).toEqual(createHash('sha256').update(renewed).digest());
    } finally {
      db.close();
    }
    for (const file of fs.readdirSync(dir)) {
      expect(fs.readFileSync(path.join(dir, file)).includes(renewed)).toBe(false);
    }
  });

  it('refuses to enroll a computer that is not in the world', async () => {
    const state = await imported();
    const error = (await thrown(() => state.enroll('ghost'))) as TollgateError;
    expect([error.code, error.message]).toEqual(['unknown-reference', 'unknown computer "ghost"']);
  });
});

describe('the flat upgrade', () => {
  it('changes nothing when refused or on a dry run, and stores the renumbered world otherwise', async () => {
    let state = await imported();
    const before = state.world();

    const refused = await state.upgradeToFlat('school', { acknowledge: false, dryRun: false });
    expect(refused.plan.ok).toBe(false);
    expect(refused.plan.ok ? [] : refused.plan.problems).toEqual([ACKNOWLEDGE_PROBLEM]);
    expect(refused.changes).toEqual(NONE);
    const flatAlready = await state.upgradeToFlat('shop', { acknowledge: true, dryRun: false });
    expect(flatAlready.plan.ok ? [] : flatAlready.plan.problems).toContain(
      'organization shop is already flat: the upgrade cannot be repeated',
    );

    const dry = await state.upgradeToFlat('school', { acknowledge: true, dryRun: true });
    expect(dry.plan.ok).toBe(true);
    expect(dry.changes).toEqual(NONE);
    expect(state.world()).toBe(before);

    const done = await state.upgradeToFlat('school', { acknowledge: true, dryRun: false });
    expect(done.plan.ok && done.plan.renumbered.map((r) => [r.policy, r.to])).toEqual([
      ['npp-school', 100001],
      ['npp-lab', 100002],
    ]);
    expect(done.changes).toEqual({ snapshots: ['lab-7'], settings: [] });

    state = await reopen(state);
    const world = state.world();
    expect(world.organizations.find((o) => o.id === 'school')?.structure).toBe('flat');
    expect(world.policies.filter((p) => p.id.startsWith('npp-')).map((p) => [p.id, p.order])).toEqual([
      ['npp-lab', 100002],
      ['npp-school', 100001],
    ]);
    expect(state.computerState('lab-7').snapshotVersion).toBe(2);
    expect(openSnapshot(state.snapshotFor('lab-7').bytes, publicKey(state)).view.orgStructure).toBe('flat');
  });
});

describe('what computers report', () => {
  it('records hellos, acknowledgements (capped at what was issued) and connections', async () => {
    let state = await imported();
    await state.recordHello('till-1', { agentVersion: '10.6.2', os: 'windows', nowMs: 5 });
    await state.setConnected('till-1', true, 6);
    expect(state.computerState('till-1')).toMatchObject({
      reportedAgentVersion: '10.6.2',
      reportedOs: 'windows',
      connected: true,
      lastSeenMs: 6,
      ackedSnapshotVersion: 0,
      ackedSettingsVersion: 0,
      lastError: null,
    });

    await state.recordAck('till-1', { snapshotVersion: 1, settingsVersion: 1, error: '', nowMs: 7 });
    expect(state.computerState('till-1')).toMatchObject({
      ackedSnapshotVersion: 1,
      ackedSettingsVersion: 1,
      lastSeenMs: 7,
    });
    await state.recordAck('till-1', {
      snapshotVersion: 1,
      settingsVersion: 1,
      error: 'signature does not match',
      nowMs: 8,
    });
    expect(state.computerState('till-1')).toMatchObject({
      ackedSnapshotVersion: 1,
      ackedSettingsVersion: 1,
      lastError: 'signature does not match',
    });
    expect(
      (
        (await thrown(() =>
          state.recordAck('till-1', { snapshotVersion: -1, settingsVersion: 1, error: '', nowMs: 9 }),
        )) as TollgateError
      ).code,
    ).toBe('invalid-argument');
    expect(
      ((await thrown(() => state.recordHello('ghost', { agentVersion: '1', os: 'linux', nowMs: 1 }))) as TollgateError)
        .code,
    ).toBe('unknown-reference');

    await state.setConnected('till-1', false, 10);
    await state.setConnected('office-1', true, 11);
    state = await reopen(state);
    expect(state.computerState('till-1')).toMatchObject({
      reportedAgentVersion: '10.6.2',
      reportedOs: 'windows',
      connected: false,
      lastSeenMs: 10,
      ackedSnapshotVersion: 1,
      ackedSettingsVersion: 1,
      lastError: 'signature does not match',
    });
    expect(state.computerState('office-1')).toMatchObject({ connected: false, lastSeenMs: 11 });
  });
});

describe('lint and close', () => {
  it('lints the current world and closes idempotently', async () => {
    const state = await imported();
    expect(state.lint().map((w) => w.code)).toContain('flat-below-gate');
    await state.close();
    await state.close();
  });

  it('hashes content, not key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe('{"a":[{"d":2}],"b":1}');
    expect(canonicalJson({ list: [undefined, 'x'] })).toBe('{"list":[null,"x"]}');
  });
});

describe('settings set by an admin', () => {
  it('take effect on the computers they name, even where an imported entry has a lower order', async () => {
    const state = await imported();
    const world = structuredClone(state.world());
    world.agentSettings = [
      {
        id: 'everyone-first',
        type: 'prioritizeBuiltInApplications',
        value: true,
        appliesTo: { global: 'parent' },
        order: 5,
      },
    ];
    await state.importWorld(world);
    const { settings, changes } = await state.setSetting(
      { kind: 'group', id: 'shop-pcs' },
      'prioritizeBuiltInApplications',
      false,
    );
    // Placed before the imported entry: global 400 lands at 4, the group at 4 - 200.
    expect(settings[0]!.order).toBe(-196);
    expect(changes.settings).toEqual(['till-1']);
    const till = buildView(state.world(), 'till-1');
    expect(till.settings['prioritizeBuiltInApplications']).toBe(false);
    expect(buildView(state.world(), 'office-1').settings['prioritizeBuiltInApplications']).toBe(true);

    const cleared = await state.clearSetting({ kind: 'group', id: 'shop-pcs' }, 'prioritizeBuiltInApplications');
    expect(cleared.changes.settings).toEqual(['till-1']);
    expect(buildView(state.world(), 'till-1').settings['prioritizeBuiltInApplications']).toBe(true);
  });
});
