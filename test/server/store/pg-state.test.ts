// Two ServerStates over two PgStores on one schema of the real PostgreSQL, as
// two server processes would hold them: a change made through one reaches the
// other by announcement (world, versions, watchers told what to push);
// changes made through both at once are all kept; versions issued by either
// never go down; acknowledgements recorded by one reach the other's watchers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadScenario } from '../../../src/scenario/load.js';
import { ServerState } from '../../../src/server/state.js';
import { PgStore } from '../../../src/server/store/pg-store.js';
import type { ViewChanges } from '../../../src/server/types.js';
import { type TestSchema, createTestSchema } from '../../support/postgres.js';

const SCENARIO = fileURLToPath(new URL('../../../examples/contract/example-scenario.yaml', import.meta.url));

let schema: TestSchema;
let dir: string;
const opened: ServerState[] = [];

beforeEach(async () => {
  schema = await createTestSchema();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-pg-state-'));
});

afterEach(async () => {
  for (const state of opened.splice(0)) await state.close();
  await schema.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function open(name: string): Promise<ServerState> {
  const store = await PgStore.open({ url: schema.url, schema: schema.schema, poolSize: 4 });
  const state = await ServerState.open({ dataDir: path.join(dir, name), clock: () => 1_000, store });
  opened.push(state);
  return state;
}

/** Resolves once `predicate` holds, checked after each thing `state`'s watchers are told. */
function until(state: ServerState, predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (predicate()) {
      resolve();
      return;
    }
    const stop = state.watch({
      onViewChanges: () => check(),
      onAcks: () => check(),
    });
    const check = (): void => {
      if (!predicate()) return;
      stop();
      resolve();
    };
  });
}

function versions(state: ServerState): Record<string, [number, number]> {
  return Object.fromEntries(state.computers().map((c) => [c.id, [c.snapshotVersion, c.settingsVersion]]));
}

describe('ServerState over PostgreSQL, two instances', () => {
  it("a change through one reaches the other's world, versions and watchers", async () => {
    const one = await open('one');
    const two = await open('two');
    const pushed: ViewChanges[] = [];
    two.watch({ onViewChanges: (changes) => pushed.push(changes), onAcks: () => undefined });
    await one.importWorld(await loadScenario(SCENARIO));
    await until(two, () => two.world().computers.length === 3);
    expect(two.world()).toEqual(one.world());
    expect(versions(two)).toEqual(versions(one));
    expect(pushed.flatMap((c) => c.snapshots).sort()).toEqual(['lab-7', 'office-1', 'till-1']);

    await two.updatePolicy('chrome-block', { order: 30 });
    await until(one, () => one.world().policies.find((p) => p.id === 'chrome-block')?.order === 30);
    expect(versions(one)).toEqual(versions(two));

    // What one instance records, the other lists, a page at a time as well as whole.
    await one.recordHello('lab-7', { agentVersion: '10.6.2', os: 'windows', nowMs: 2_000 });
    const whole = await two.readComputers();
    const first = await two.readComputerPage(undefined, 2);
    expect(first?.computers).toEqual(whole.slice(0, 2));
    expect(first?.next).toBe(whole[1]?.id);
    const rest = await two.readComputerPage(first?.next ?? undefined, 2);
    expect(rest).toEqual({ computers: whole.slice(2), next: null });
    expect(whole.find((c) => c.id === 'lab-7')).toMatchObject({ reportedAgentVersion: '10.6.2' });
    expect(await two.readComputerPage('ghost', 2)).toBeNull();
  });

  it('changes made through both at once are all kept, and versions only go up', async () => {
    const one = await open('one');
    const two = await open('two');
    await one.importWorld(await loadScenario(SCENARIO));
    await until(two, () => two.world().computers.length === 3);
    const before = versions(one);

    // Two admins at once, one on each instance, five times over, each change to its own field: none may be lost.
    const rounds: [() => Promise<unknown>, () => Promise<unknown>][] = [
      [
        () => one.updatePolicy('chrome-block', { order: 21 }),
        () => two.updatePolicy('chrome-block', { action: 'permit' }),
      ],
      [() => one.updatePolicy('chrome-ok', { order: 102 }), () => two.updatePolicy('npp-school', { order: 51 })],
      [
        () => one.setSetting({ kind: 'group', id: 'shop-pcs' }, 'prioritizeBuiltInApplications', false),
        () => two.setSetting({ kind: 'group', id: 'school-labs' }, 'prioritizeBuiltInApplications', false),
      ],
      [() => one.updatePolicy('npp-lab', { order: 2 }), () => two.updatePolicy('npp-school', { action: 'permit' })],
      [
        () => one.updatePolicy('shop-default', { order: 999_999 }),
        () => two.updatePolicy('chrome-ok', { action: 'deny' }),
      ],
    ];
    for (const [first, second] of rounds) await Promise.all([first(), second()]);
    const expected = {
      'chrome-block': { order: 21, action: 'permit' },
      'npp-school': { order: 51, action: 'permit' },
      'chrome-ok': { order: 102, action: 'deny' },
      'npp-lab': { order: 2 },
      'shop-default': { order: 999_999 },
    };
    const settled = (state: ServerState): boolean =>
      Object.entries(expected).every(([id, fields]) => {
        const policy = state.world().policies.find((p) => p.id === id) as Record<string, unknown> | undefined;
        return Object.entries(fields).every(([key, value]) => policy?.[key] === value);
      }) && state.settings().length === 2;
    await until(one, () => settled(one));
    await until(two, () => settled(two));
    expect(two.world()).toEqual(one.world());
    const after = versions(one);
    expect(versions(two)).toEqual(after);
    for (const [id, [snapshot, settings]] of Object.entries(after)) {
      const [snapshotBefore, settingsBefore] = before[id]!;
      expect(snapshot, id).toBeGreaterThan(snapshotBefore);
      expect(settings, id).toBeGreaterThanOrEqual(settingsBefore);
    }
  });

  it("an acknowledgement recorded by one reaches the other's watchers", async () => {
    const one = await open('one');
    const two = await open('two');
    await one.importWorld(await loadScenario(SCENARIO));
    await until(two, () => two.world().computers.length === 3);
    const heard: string[] = [];
    two.watch({ onViewChanges: () => undefined, onAcks: (acks) => heard.push(...acks.map((a) => a.computerId)) });
    const till = one.computerState('till-1');
    await one.setConnected('till-1', true, 2_000);
    await one.recordAck('till-1', {
      snapshotVersion: till.snapshotVersion,
      settingsVersion: till.settingsVersion,
      error: '',
      nowMs: 2_000,
    });
    await until(two, () => heard.includes('till-1'));
    expect(two.computerState('till-1').ackedSnapshotVersion).toBe(till.snapshotVersion);
  });

  it("a refusal recorded by one reaches the other's watchers with its error", async () => {
    const one = await open('one');
    const two = await open('two');
    await one.importWorld(await loadScenario(SCENARIO));
    await until(two, () => two.world().computers.length === 3);
    const heard: { computerId: string; snapshotVersion: number; error: string | null }[] = [];
    two.watch({ onViewChanges: () => undefined, onAcks: (acks) => heard.push(...acks) });
    const till = one.computerState('till-1');
    await one.recordAck('till-1', {
      snapshotVersion: till.snapshotVersion,
      settingsVersion: till.settingsVersion,
      error: 'refused (stale-version)',
      nowMs: 2_000,
    });
    await until(two, () => heard.some((a) => a.computerId === 'till-1'));
    expect(heard.find((a) => a.computerId === 'till-1')).toMatchObject({
      snapshotVersion: till.snapshotVersion,
      error: 'refused (stale-version)',
    });
  });

  it('catches up in steps: the event loop runs between them, reads see the world before until it is swapped in whole', async () => {
    const one = await open('one');
    const marks: string[] = [];
    const probes: number[] = [];
    let probing = true;
    const probe = (): void => {
      probes.push(marks.length);
      if (probing) setImmediate(probe);
    };
    setImmediate(probe);
    const store = await PgStore.open({ url: schema.url, schema: schema.schema, poolSize: 4 });
    // What a read of the world answers while the catch-up builds the new world's lookups.
    const readsMeanwhile: boolean[] = [];
    const watched: { state?: ServerState; before?: unknown } = {};
    const two = await ServerState.open({
      dataDir: path.join(dir, 'two'),
      clock: () => 1_000,
      store,
      sliceMs: 0,
      phases: {
        mark: (phase) => {
          marks.push(phase);
          if (phase === 'catch-up: lookups' && watched.state !== undefined) {
            readsMeanwhile.push(watched.state.world() === watched.before);
          }
        },
      },
    });
    watched.state = two;
    opened.push(two);
    try {
      await one.importWorld(await loadScenario(SCENARIO));
      await until(two, () => two.world().computers.length === 3);
      watched.before = two.world();
      const computers = two.world().computers;
      marks.length = 0;
      readsMeanwhile.length = 0;
      await one.updatePolicy('chrome-block', { order: 30 });
      await until(two, () => two.world().policies.find((p) => p.id === 'chrome-block')?.order === 30);
      expect(two.world()).toEqual(one.world());
      expect(versions(two)).toEqual(versions(one));
      // The lists no row named are the very lists of the world before (their lookups are kept).
      expect(two.world().computers).toBe(computers);
      expect(readsMeanwhile).toEqual([true]);
      const between = (from: string, to: string): boolean => {
        const start = marks.indexOf(from);
        const end = marks.indexOf(to, start + 1);
        expect(start).toBeGreaterThanOrEqual(0);
        expect(end).toBeGreaterThan(start);
        return probes.some((n) => n > start && n <= end);
      };
      expect(between('catch-up: rows', 'catch-up: index')).toBe(true);
      expect(between('catch-up: index', 'catch-up: lookups')).toBe(true);
      expect(between('catch-up: lookups', 'catch-up: validate')).toBe(true);
      expect(between('catch-up: validate', 'catch-up: apply')).toBe(true);
      // Checked after the catch-up as before it: a change that breaks the world is refused, naming the fault.
      await expect(two.updatePolicy('chrome-block', { app: 'no-such-app' })).rejects.toThrow(/no-such-app/);
      await two.updatePolicy('chrome-block', { order: 31 });
      await until(one, () => one.world().policies.find((p) => p.id === 'chrome-block')?.order === 31);
    } finally {
      probing = false;
    }
  });
});
