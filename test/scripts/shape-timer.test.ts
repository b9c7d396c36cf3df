/**
 * The per-shape engine timing's own process (scripts/bench/shape-timer.ts),
 * run in this one on a small world: both paths time every request once and
 * then each repeat, agree on which requests an application's policy
 * decided (with the linear reference), and the floor is timed when asked.
 * No timing is judged here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ShapeTimerJob,
  type ShapeTimerPath,
  type ShapeTimerRequests,
  runShapeTimer,
} from '../../scripts/bench/shape-timer.js';
import { REQUEST_SHAPES, SYNTHETIC_NOW_MS, syntheticWorld } from '../../scripts/lib/synthetic-world.js';
import { LinearEvaluator } from '../../src/engine/evaluate.js';
import { buildView } from '../../src/engine/view.js';
import { compileViewImage } from '../../src/engine/view-image.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-shape-timer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const synthetic = syntheticWorld({ policies: 400, seed: 11, requests: 50, requestsPerShape: 6 });
const view = buildView(synthetic.world, synthetic.computer);
const imagePath = join(dir, 'view.image');
writeFileSync(imagePath, compileViewImage(view, { snapshotVersion: null, snapshotHash: null }).bytes);
const timed: ShapeTimerRequests['timed'] = REQUEST_SHAPES.flatMap((shape) =>
  (synthetic.byShape[shape] ?? []).map((request): [string, (typeof synthetic.requests)[number]] => [shape, request]),
);
const requestsPath = join(dir, 'requests.json');
writeFileSync(requestsPath, JSON.stringify({ warmUp: synthetic.requests, timed } satisfies ShapeTimerRequests));

function job(path: ShapeTimerPath, floor: boolean): ShapeTimerJob {
  return { image: imagePath, requests: requestsPath, path, nowMs: SYNTHETIC_NOW_MS, repeats: 2, floor };
}

describe('runShapeTimer', () => {
  it('times each request once, then each repeat, on both paths, which agree with the linear reference', () => {
    const linear = new LinearEvaluator(view);
    const expected = timed.map(([, file]) => linear.evaluate(file, { nowMs: SYNTHETIC_NOW_MS }).application !== null);
    expect(expected.some((m) => m)).toBe(true);
    expect(expected.some((m) => !m)).toBe(true);
    for (const path of ['answer', 'object'] as const) {
      const times = runShapeTimer(job(path, false));
      expect(times.first).toHaveLength(timed.length);
      expect(times.repeated).toHaveLength(2 * timed.length);
      expect(times.first.every((ns) => ns > 0)).toBe(true);
      expect(times.repeated.every((ns) => ns > 0)).toBe(true);
      expect(times.matched).toEqual(expected);
      expect(times.floor).toBeNull();
    }
  });

  it('times fixed work of both kinds when asked, calibrated to the median of the first evaluations', () => {
    const times = runShapeTimer(job('answer', true));
    const sorted = [...times.first].sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)] as number;
    expect(times.floor?.map((f) => f.kind)).toEqual(['arithmetic', 'reads']);
    for (const f of times.floor ?? []) {
      expect(f.targetNs).toBe(median);
      expect(f.iterations).toBeGreaterThan(0);
      expect(f.p99Ns).toBeGreaterThanOrEqual(f.p50Ns);
    }
  });
});
