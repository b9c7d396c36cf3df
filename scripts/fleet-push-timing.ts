/**
 * The CPU time of the server-side work of a change to one global policy on
 * the MSP fleet (scripts/lib/fleet-world.ts), in this process, without agents:
 * the commit (plan and store), every computer's new view encoded from its
 * body (what a push does first), and a delta prepared for every computer
 * from the view it held (the body diffs, the payloads). The view hashes are
 * taken between those steps, untimed (a push has the signing thread take them).
 *
 *   node dist/scripts/fleet-push-timing.js [rounds]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeltaIssuer, type HeldView } from '../src/server/delta.js';
import { ServerState } from '../src/server/state.js';
import { MSP_FLEET, fleetWorld } from './lib/fleet-world.js';

const rounds = Number(process.argv[2] ?? 3);

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const f = (n: number): string => n.toFixed(0).padStart(5);
const figures: Record<string, number[]> = { commit: [], encode: [], prepare: [] };
console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
for (let round = 0; round < rounds; round++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-push-'));
  try {
    const world = fleetWorld(MSP_FLEET);
    const state = await ServerState.open({ dataDir: dir, clock: () => Date.now() });
    await state.importWorld(world);
    const issuer = new DeltaIssuer({
      maxViewBytes: 1024 ** 3,
      signingKey: () => state.deltaSigningKey(),
      clock: () => Date.now(),
    });
    // Every agent holds its view, as after the hellos.
    const held = new Map<string, HeldView>();
    for (const c of world.computers) {
      const current = state.currentView(c.id);
      const hold = { version: current.version, hash: issuer.viewHash(current) };
      issuer.holds(hold, current);
      held.set(c.id, hold);
    }
    let started = cpuMs();
    await state.updatePolicy('global-00005', { action: 'deny' });
    figures['commit']!.push(cpuMs() - started);
    started = cpuMs();
    const views = world.computers.map((c) => state.currentView(c.id));
    figures['encode']!.push(cpuMs() - started);
    for (const current of views) issuer.viewHash(current);
    started = cpuMs();
    let deltas = 0;
    for (const current of views) {
      const chosen = issuer.prepare(current.computerId, held.get(current.computerId)!, current, () =>
        state.snapshotFor(current.computerId),
      );
      if (chosen.kind === 'unsigned-delta') deltas++;
    }
    figures['prepare']!.push(cpuMs() - started);
    await state.close();
    const last = (k: string): string => f(figures[k]!.at(-1)!);
    console.log(
      `round ${round + 1}: commit ${last('commit')} ms, views encoded ${last('encode')} ms, ` +
        `${deltas} deltas prepared ${last('prepare')} ms (CPU)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;
console.log(
  `median: commit ${f(median(figures['commit']!))} ms, views encoded ${f(median(figures['encode']!))} ms, ` +
    `deltas prepared ${f(median(figures['prepare']!))} ms (CPU); load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
);
