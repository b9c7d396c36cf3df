// A request that repeats a rule's key thousands of times (a path of 32,767 characters made of one segment,
// which the socket accepts) reaches that rule thousands of times: it must be tested once a decision, not
// once a repeat, since each test reads the whole path (a decision took seconds).
import { describe, expect, it, vi } from 'vitest';
import * as imageMatch from '../../src/engine/image-match.js';
import type { World } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { compileViewImage } from '../../src/engine/view-image.js';
import { REQUEST_FIELD_LIMITS } from '../../src/wire/local-api.js';
import { contractWorld } from '../support/contract-world.js';

vi.mock('../../src/engine/image-match.js', async (importOriginal) => {
  const original = await importOriginal<typeof imageMatch>();
  return { ...original, ruleMatches: vi.fn(original.ruleMatches) };
});

const tests = vi.mocked(imageMatch.ruleMatches);

function world(): World {
  const w = contractWorld();
  w.applications.push({
    id: 'temp-exe',
    name: 'Executables under a Temp folder',
    builtIn: false,
    rules: [{ path: '**\\Temp\\**\\*.exe' }, { path: '**\\Temp\\**\\*.com', processPath: '**\\Temp\\**' }],
  });
  w.policies.push({
    id: 'temp-deny',
    app: 'temp-exe',
    appliesTo: { organization: 'shop' },
    action: 'deny',
    order: 3,
    enabled: true,
  });
  return w;
}

describe('a request repeating a key', () => {
  const image = compileViewImage(buildView(world(), 'till-1'), { snapshotVersion: 1, snapshotHash: null });
  const long = (segment: string, last: string): string =>
    'C:\\' + segment.repeat(Math.floor((REQUEST_FIELD_LIMITS.path - 3 - last.length) / segment.length)) + last;

  it('tests each rule it reaches once, whatever field repeats the key, and decides as before', () => {
    const cases = [
      { file: { path: long('Temp\\', 'x.dll') }, policy: 'shop-default' },
      { file: { path: long('Temp\\', 'x.exe') }, policy: 'temp-deny' },
      { file: { path: 'C:\\x.com', processPath: long('Temp\\', 'x.exe') }, policy: 'shop-default' },
      { file: { path: long('Temp\\', 'x.com'), processPath: long('Temp\\', 'sh.exe') }, policy: 'temp-deny' },
      { file: { path: long('chrome.exe\\', 'chrome.exe') }, policy: 'shop-default' },
    ];
    for (const { file, policy } of cases) {
      tests.mockClear();
      expect(image.evaluate(file, { nowMs: 0 }).policy).toBe(policy);
      // Three rules can be reached by these files' keys (chrome's, and the two Temp ones).
      expect(tests.mock.calls.length).toBeLessThanOrEqual(3);
    }
  });

  it('tests each of many rules filed under the repeated key once', () => {
    const w = world();
    const rules = Array.from({ length: 200 }, (_, i) => ({ path: `**\\Temp\\**\\tool${i}*.exe` }));
    w.applications.push({ id: 'tools', name: 'Tools', builtIn: false, rules });
    w.policies.push({
      id: 'tools',
      app: 'tools',
      appliesTo: { organization: 'shop' },
      action: 'permit',
      order: 2,
      enabled: true,
    });
    const many = compileViewImage(buildView(w, 'till-1'), { snapshotVersion: 1, snapshotHash: null });
    for (const [file, policy] of [
      [{ path: long('Temp\\', 'x.dll') }, 'shop-default'],
      [{ path: long('Temp\\', 'tool77-setup.exe') }, 'tools'],
    ] as const) {
      tests.mockClear();
      expect(many.evaluate(file, { nowMs: 0 }).policy).toBe(policy);
      expect(tests.mock.calls.length).toBeLessThanOrEqual(rules.length + 3);
    }
  });
});
