import { describe, expect, it } from 'vitest';
import { ReusedRender } from '../../src/wire/reused-render.js';

describe('ReusedRender', () => {
  it('serves the last rendering while it is younger than the reuse time, then renders again', async () => {
    let now = 0;
    let renders = 0;
    const reused = new ReusedRender(
      1_000,
      () => Promise.resolve(`text ${++renders}`),
      () => now,
    );
    expect(await reused.get()).toBe('text 1');
    now = 999;
    expect(await reused.get()).toBe('text 1');
    now = 1_000;
    expect(await reused.get()).toBe('text 2');
    expect(renders).toBe(2);
  });

  it('shares a rendering still being made with those who ask meanwhile', async () => {
    let finish: (text: string) => void = () => undefined;
    let renders = 0;
    const reused = new ReusedRender(
      1_000,
      () => {
        renders++;
        return new Promise<string>((resolve) => (finish = resolve));
      },
      () => 0,
    );
    const first = reused.get();
    const second = reused.get();
    expect(second).toBe(first);
    finish('done');
    expect(await second).toBe('done');
    expect(renders).toBe(1);
  });

  it('does not serve a failed rendering again', async () => {
    let renders = 0;
    const reused = new ReusedRender(
      1_000,
      () => (++renders === 1 ? Promise.reject(new Error('registry failed')) : Promise.resolve('recovered')),
      () => 0,
    );
    await expect(reused.get()).rejects.toThrow('registry failed');
    expect(await reused.get()).toBe('recovered');
    expect(renders).toBe(2);
  });
});
