/**
 * V8 heap settings for the daemon. The daemon answers from one compiled view
 * image (a few typed arrays over one buffer), but applying a delta, or
 * compiling a stored snapshot again at start, still decodes a view into
 * objects that all survive until they are compiled, and compiling makes
 * objects of its own; while they pile up V8 grows the young generation (to
 * 32 MiB on 64-bit). It is kept at about its first size (1 to 2 MiB)
 * instead: measured at 100,000 policies while snapshot applies still
 * decoded the view, the peak of an apply was about 27 MB lower and that of
 * a warm start about 6 MB lower (docs/DAEMON.md, "Memory"); snapshot
 * applies now compile from the bytes and have not been measured without it. The `tollgate` command applies this before it
 * loads any other module when its command is `daemon` (bin/tollgate.js), as
 * loading them grows it too. Forced garbage collections measured no lower,
 * and are gone.
 */
import { setFlagsFromString } from 'node:v8';

let tuned = false;

/** Applies the settings (once; later calls do nothing). */
export function tuneDaemonHeap(): void {
  if (tuned) return;
  setFlagsFromString('--semi-space-growth-factor=1');
  tuned = true;
}
