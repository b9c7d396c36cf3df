/**
 * V8 heap settings for the daemon. Its heap is mostly one large view that
 * lives until the next snapshot replaces it whole, and little else survives
 * a request; two defaults of V8 cost it memory for nothing:
 *
 * - the young generation grows (to 32 MiB on 64-bit) when many objects
 *   survive, which they do while a view is built; it is kept at about its
 *   first size (1 to 2 MiB), so a view is promoted a little sooner instead. The
 *   `tollgate` command applies this before it loads any other module when
 *   its command is `daemon` (bin/tollgate.js), as loading them grows it too;
 * - a replaced view is garbage that V8 collects only when the old
 *   generation next reaches its limit, which it may raise first; the
 *   daemon collects it itself, at the one moment it becomes garbage.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null = null;

/** Applies the settings (once; later calls do nothing). */
export function tuneDaemonHeap(): void {
  if (collect !== null) return;
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--expose-gc');
  // The flag takes effect in contexts created after it: a new one hands over its gc().
  const gc = runInNewContext('gc') as unknown;
  if (typeof gc !== 'function') throw new Error('V8 did not expose gc()');
  collect = gc as () => void;
}

/** A full, synchronous garbage collection (tuning the heap first if that was not done). */
export function collectGarbage(): void {
  tuneDaemonHeap();
  (collect as () => void)();
}
