/**
 * V8 heap settings for the daemon. The daemon answers from one compiled view
 * image (a few typed arrays over one buffer), but applying a delta, or
 * compiling a stored snapshot again at start, still decodes a view into
 * objects that all survive until they are compiled, and compiling makes
 * objects of its own; while they pile up V8 grows the young generation (to
 * 32 MiB on 64-bit). It is kept at the size the daemon's start-up left it
 * (2 to 8 MiB; 1 to 2 MiB when this was set at the process's start)
 * instead: measured at 100,000 policies while snapshot applies still
 * decoded the view, the peak of an apply was about 27 MB lower and that of
 * a warm start about 6 MB lower (docs/DAEMON.md, "Memory"). Measured again
 * with applies compiled from the bytes (2026-12-04, `npm run bench` daemon
 * section at 100,000 policies, one run each on a shared machine, load
 * average 2 to 8): with this flag the seed and 3 applies peaked at 277 to
 * 292 MB and the load at 185 to 197 MB; with V8's default young generation
 * at 322 MB and 181 MB; with a fixed 8 MiB semi-space at 296 MB and 204 MB,
 * for the same daemon CPU per answer. A larger young generation did not
 * lower the peak under load (what is promoted there is not only short-lived
 * garbage of 1 to 2 MiB scavenges) and raised the apply's, so this stays.
 * The daemon applies it once its modules are loaded, before it opens the
 * stored snapshot (which may be compiled again), the seed snapshot and any
 * apply (daemon/agent-daemon.ts): applied from the process's start,
 * as it was, it held the young generation at 1 MiB while the modules load,
 * and the many short collections that made took about 13 ms of main-thread
 * CPU from a warm start's first answer at 100,000 policies (163 against
 * 150 ms median, 14 starts each alternated, load average 7 to 8); start-up
 * leaves it at 2 to 8 MiB, and the peaks measured the same
 * (`daemon-memory.js 100000 2`: apply 166.8 and 165.7 MB, three applies
 * 231.2 and 226.5 MB, before and after). Forced garbage collections measured
 * no lower, and are gone.
 */
import { setFlagsFromString } from 'node:v8';

let tuned = false;

const FLAGS = '--semi-space-growth-factor=1';

/** Applies the settings (once; later calls do nothing). */
export function tuneDaemonHeap(): void {
  if (tuned) return;
  setFlagsFromString(FLAGS);
  tuned = true;
}

/**
 * Applies the settings again if tuneDaemonHeap applied them. V8's flags are
 * the whole process's, and V8 sets the growth factor back to 2 (its least)
 * whenever it configures a new isolate's heap: starting a worker thread
 * (the cache's background check) undoes the setting for the main thread
 * too. Unrestored, the young generation grew to 32 MiB over three snapshot
 * applies after a warm start, and their peak at 100,000 policies was 257 to
 * 271 MB against 235 to 256 MB restored (docs/DAEMON.md, "Memory"). Call it once
 * a worker runs (its 'online' event). Its price: scavenges about 15 times as
 * frequent under load, about 1 to 2 µs of CPU per first-seen answer, for a
 * peak 50 to 60 MB lower under that load (docs/BENCHMARKS.md, "The CPU per answer
 * after `c9d270f`").
 */
export function restoreDaemonHeap(): void {
  if (tuned) setFlagsFromString(FLAGS);
}
