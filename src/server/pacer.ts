/**
 * Long work on the event loop in slices: `pace()` yields to the event loop
 * (setImmediate) once the current slice has run `sliceMs`, so that pings,
 * hellos and admin reads are answered while a large world is planned.
 */

/** How long one slice of long work runs before it yields (ms). */
export const DEFAULT_SLICE_MS = 5;

export class Pacer {
  private sliceStart = performance.now();
  /** How many times the work yielded. */
  yields = 0;

  constructor(private readonly sliceMs: number = DEFAULT_SLICE_MS) {}

  /** Resolves at once while the slice lasts; after it, on the next turn of the event loop. */
  pace(): Promise<void> | undefined {
    if (performance.now() - this.sliceStart < this.sliceMs) return undefined;
    this.yields++;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.sliceStart = performance.now();
        resolve();
      }),
    );
  }
}
