/**
 * Long work on the event loop in slices: `pace()` yields to the event loop
 * (setImmediate) once the current slice has run `sliceMs`, so that pings,
 * hellos and admin reads are answered while a large world is planned.
 */

import type { PhaseMarks } from './stall-monitor.js';

/** How long one slice of long work runs before it yields (ms). */
export const DEFAULT_SLICE_MS = 5;

export class Pacer {
  private sliceStart = performance.now();
  /** How many times the work yielded. */
  yields = 0;

  /** `phase` is marked on `marks` each time the work resumes after a yield (see StallMonitor). */
  constructor(
    private readonly sliceMs: number = DEFAULT_SLICE_MS,
    private readonly marks?: PhaseMarks,
    private readonly phase = 'paced work',
  ) {}

  /** Resolves at once while the slice lasts; after it, on the next turn of the event loop. */
  pace(): Promise<void> | undefined {
    if (performance.now() - this.sliceStart < this.sliceMs) return undefined;
    this.yields++;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.sliceStart = performance.now();
        this.marks?.mark(this.phase);
        resolve();
      }),
    );
  }
}
