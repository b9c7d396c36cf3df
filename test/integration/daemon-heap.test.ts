// The daemon's heap settings (daemon/heap.ts), in a process of their own:
// they change V8 for the whole process, so they are tried in a child.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/daemon-process.js';

const run = promisify(execFile);

/** Runs `body` (an ES module) with dist/daemon/heap.js imported as `heap`; returns what it prints as JSON. */
async function inChild(body: string): Promise<Record<string, unknown>> {
  const heapModule = JSON.stringify(join(ROOT, 'dist', 'daemon', 'heap.js'));
  const script = `import * as heap from ${heapModule};\nimport v8 from 'node:v8';\n${body}`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

const NEW_SPACE = `const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;`;
// Builds 200,000 small objects that all survive, as decoding a view does.
const SURVIVORS = `const kept = []; for (let i = 0; i < 200_000; i++) kept.push({ id: 'p-' + i, order: i, tags: [i] });`;

describe('the daemon heap settings', () => {
  it('keep the young generation at its size while long-lived objects pile up, where V8 would grow it', async () => {
    const untuned = await inChild(`${NEW_SPACE} const before = newSpace(); ${SURVIVORS}
      console.log(JSON.stringify({ before, after: newSpace(), kept: kept.length }));`);
    const tuned = await inChild(`heap.tuneDaemonHeap(); ${NEW_SPACE} const before = newSpace(); ${SURVIVORS}
      console.log(JSON.stringify({ before, after: newSpace(), kept: kept.length }));`);
    // V8 grows it to 32 MiB here; tuned, it grows at most once (to 2 MiB from 1).
    expect(untuned['after']).toBeGreaterThanOrEqual(8 * (untuned['before'] as number));
    expect(tuned['after']).toBeLessThanOrEqual(2 * (tuned['before'] as number));
    expect(tuned['kept']).toBe(200_000);
  });

  it('are undone for the whole process by a worker thread start, and restoreDaemonHeap sets them again', async () => {
    const worker = `const { Worker } = await import('node:worker_threads');
      const w = new Worker('1', { eval: true }); await new Promise((r) => w.once('online', r)); await w.terminate();`;
    const undone = await inChild(`heap.tuneDaemonHeap(); ${worker} ${NEW_SPACE} const before = newSpace(); ${SURVIVORS}
      console.log(JSON.stringify({ before, after: newSpace() }));`);
    const restored = await inChild(`heap.tuneDaemonHeap(); ${worker} heap.restoreDaemonHeap(); ${NEW_SPACE}
      const before = newSpace(); ${SURVIVORS} console.log(JSON.stringify({ before, after: newSpace() }));`);
    expect(undone['after']).toBeGreaterThanOrEqual(8 * (undone['before'] as number));
    expect(restored['after']).toBeLessThanOrEqual(2 * (restored['before'] as number));
  });

  it('restoreDaemonHeap changes nothing in a process that was not tuned', async () => {
    const untouched = await inChild(`heap.restoreDaemonHeap(); ${NEW_SPACE} const before = newSpace(); ${SURVIVORS}
      console.log(JSON.stringify({ before, after: newSpace() }));`);
    expect(untouched['after']).toBeGreaterThanOrEqual(8 * (untouched['before'] as number));
  });
});
