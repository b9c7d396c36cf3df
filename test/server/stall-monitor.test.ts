// The stall monitor on an injected clock: a tick late by the threshold or
// more is reported at the next tick with the phase marked before it and
// those marked during it (repeats counted); the marks kept are bounded.
import { describe, expect, it } from 'vitest';
import { MAX_PHASE_MARKS, StallMonitor, type StallReport } from '../../src/server/stall-monitor.js';

function monitor(): { stalls: StallReport[]; monitor: StallMonitor } {
  const stalls: StallReport[] = [];
  const m = new StallMonitor({ thresholdMs: 50, intervalMs: 10, observeGc: false, onStall: (s) => stalls.push(s) });
  return { stalls, monitor: m };
}

describe('StallMonitor', () => {
  it('reports a late tick with the phases marked before and during it', () => {
    const { stalls, monitor: m } = monitor();
    m.tick(0);
    m.mark('change: validate', 5);
    m.tick(12);
    m.tick(60); // 38 ms late: under the threshold
    expect(stalls).toEqual([]);
    m.mark('change: plan', 70);
    m.mark('push', 80);
    m.mark('push', 90);
    m.mark('push', 95);
    m.tick(140); // 70 ms late
    expect(stalls).toEqual([]); // reported at the next tick, once collections are observed
    m.tick(150);
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toMatchObject({ stalledMs: 70, phases: ['change: validate', 'change: plan', 'push x3'] });
    expect(stalls[0]!.cpuMs).toBeGreaterThanOrEqual(0);
    m.tick(160);
    expect(stalls).toHaveLength(1);
  });

  it('keeps the marks in time order, and at most MAX_PHASE_MARKS of them', () => {
    const { stalls, monitor: m } = monitor();
    m.tick(0);
    for (let i = 0; i < MAX_PHASE_MARKS + 50; i++) m.mark(`step ${i}`, 1 + i / 1000);
    // A collection is observed after the fact, with its own start time.
    m.mark('gc major 40 ms', 1.0005);
    m.tick(100);
    m.tick(110);
    const phases = stalls[0]!.phases;
    expect(phases.length).toBeLessThanOrEqual(MAX_PHASE_MARKS);
    expect(phases.at(-1)).toBe(`step ${MAX_PHASE_MARKS + 49}`);
    expect(phases).not.toContain('step 0');
  });

  it('starts and closes its timer, twice without harm', () => {
    const { monitor: m } = monitor();
    m.start();
    m.start();
    m.close();
    m.close();
  });
});
