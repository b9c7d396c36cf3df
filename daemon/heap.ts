/**
 * V8 heap settings for the daemon. The daemon answers from one compiled view
 * image (a few typed arrays over one buffer), but applying a snapshot still
 * decodes its view into objects that all survive until they are compiled;
 * while they pile up V8 grows the young generation (to 32 MiB on 64-bit).
 * It is kept at about its first size (1 to 2 MiB) instead, so the view is
 * promoted a little sooner: measured at 100,000 policies, the peak of an
 * apply is about 27 MB lower and that of a warm start about 6 MB lower
 * (docs/DAEMON.md, "Memory"). The `tollgate` command applies this before it
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
