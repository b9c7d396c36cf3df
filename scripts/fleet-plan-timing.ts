/**
 * Times the policy server's state on the MSP fleet (scripts/lib/fleet-world.ts)
 * without agents: the import into an empty store, the start with that world
 * stored (until hellos are served, and until the view check behind it has
 * settled), and the two small changes of the fleet benchmark on the fleet and
 * on the same shape at 100 computers, with the worst event-loop stall seen.
 *
 *   node dist/scripts/fleet-plan-timing.js [--store sqlite|pg] [--pg-url URL]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ServerState } from '../src/server/state.js';
import { PgStore } from '../src/server/store/pg-store.js';
import type { ServerStore } from '../src/server/store/server-store.js';
import { type FleetOptions, MSP_FLEET, SMALL_FLEET, computerId, fleetWorld, groupId } from './lib/fleet-world.js';

const args = process.argv.slice(2);
const storeKind = args[args.indexOf('--store') + 1] === 'pg' ? 'pg' : 'sqlite';
const pgUrl = args.includes('--pg-url')
  ? (args[args.indexOf('--pg-url') + 1] as string)
  : 'postgres://postgres@127.0.0.1:5432/test';

/** The longest gap between timer ticks while `run` runs: how long the event loop was held. */
async function stalls<T>(run: () => Promise<T>): Promise<{ ms: number; worstStallMs: number; value: T }> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  const started = performance.now();
  const value = await run();
  const ms = performance.now() - started;
  clearInterval(timer);
  worst = Math.max(worst, performance.now() - last);
  return { ms, worstStallMs: worst, value };
}

async function withSchema(): Promise<{ factory: () => Promise<ServerStore | undefined>; drop: () => Promise<void> }> {
  if (storeKind === 'sqlite') return { factory: () => Promise.resolve(undefined), drop: () => Promise.resolve() };
  const schema = `t_${randomBytes(8).toString('hex')}`;
  const sql = async (text: string): Promise<void> => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await sql(`CREATE SCHEMA "${schema}"`);
  return {
    factory: async () => PgStore.open({ url: pgUrl, schema }),
    drop: () => sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
  };
}

const f = (n: number): string => n.toFixed(0).padStart(7);

async function measure(options: FleetOptions, withStart: boolean): Promise<{ group: number; computer: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-plan-'));
  const { factory, drop } = await withSchema();
  const openState = async (background: boolean): Promise<ServerState> => {
    const store = await factory();
    return ServerState.open({
      dataDir: dir,
      clock: () => Date.now(),
      planInBackground: background,
      ...(store === undefined ? {} : { store }),
    });
  };
  const computers = options.orgs * options.computersPerOrg;
  try {
    let state = await openState(false);
    const world = fleetWorld(options);
    const imported = await stalls(() => state.importWorld(world));
    console.log(`${computers} computers: import ${f(imported.ms)} ms (worst stall ${f(imported.worstStallMs)} ms)`);
    if (withStart) {
      await state.close();
      let servedMs = 0;
      const start = await stalls(async () => {
        const started = performance.now();
        state = await openState(true);
        state.snapshotFor(computerId(3, 3));
        servedMs = performance.now() - started;
        return state.settled;
      });
      console.log(
        `${computers} computers: start ${f(servedMs)} ms until served, ${f(start.ms)} ms settled (worst stall ${f(start.worstStallMs)} ms)`,
      );
    }
    const setting = await stalls(() =>
      state.setSetting({ kind: 'group', id: groupId(1, 'ws') }, 'prioritizeBuiltInApplications', false),
    );
    const policy = await stalls(() =>
      state.addPolicy({ app: 'builtin-00001', appliesTo: { computer: computerId(1, 7) }, action: 'deny', order: 3 }),
    );
    console.log(
      `${computers} computers: group setting ${f(setting.ms)} ms (stall ${f(setting.worstStallMs)}), computer policy ${f(policy.ms)} ms (stall ${f(policy.worstStallMs)})`,
    );
    await state.close();
    return { group: setting.ms, computer: policy.ms };
  } finally {
    await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `store: ${storeKind}; load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const small = await measure(SMALL_FLEET, false);
const large = await measure(MSP_FLEET, true);
console.log(
  `ratios: group setting ${(large.group / small.group).toFixed(1)}x, computer policy ${(large.computer / small.computer).toFixed(1)}x`,
);
console.log(
  `load average after ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
