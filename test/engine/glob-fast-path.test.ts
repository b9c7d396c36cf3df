import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globFastPath, globSegmentMatcher, globToRegExp } from '../../src/engine/matcher.js';

const segment = fc.stringMatching(/^[a-c.]{1,3}$/);
const literalPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));

/** Globs of the shapes the fast path handles, and a few it does not. */
const glob = fc.oneof(
  literalPath.map((p) => `${p}/**`),
  segment.map((name) => `**/${name}`),
  fc.tuple(literalPath, segment, segment).map(([dir, a, b]) => `${dir}/${a}*${b}`),
  fc.tuple(segment, segment).map(([a, b]) => `${a}*${b}`),
  fc.tuple(literalPath, segment).map(([dir, a]) => `${dir}/*/${a}`),
  fc.tuple(literalPath, segment).map(([dir, a]) => `${dir}/${a}?`),
);

const path = fc.oneof(
  literalPath,
  fc.array(segment, { minLength: 0, maxLength: 6 }).map((parts) => parts.join('/')),
);

describe('glob fast paths', () => {
  it('agree with the regular expression of the same glob', () => {
    fc.assert(
      fc.property(glob, fc.array(path, { minLength: 1, maxLength: 20 }), (g, paths) => {
        const fast = globFastPath(g);
        if (fast === null) return;
        const re = globToRegExp(g);
        for (const p of paths) expect(fast(p), `${g} on ${p}`).toBe(re.test(p));
        // Paths built to match: the glob with its wildcards filled in.
        const filled = g.replace('**', 'a/b').replace('*', 'xy');
        expect(fast(filled), `${g} on ${filled}`).toBe(re.test(filled));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['c:/program files/google/**', 'c:/program files/google/chrome/chrome.exe', true],
    ['c:/program files/google/**', 'c:/program files/googler/x.exe', false],
    ['**/putty.exe', 'putty.exe', true],
    ['**/putty.exe', 'c:/tools/putty.exe', true],
    ['**/putty.exe', 'c:/tools/xputty.exe', false],
    ['c:/tools/*.exe', 'c:/tools/a.exe', true],
    ['c:/tools/*.exe', 'c:/tools/sub/a.exe', false],
    ['c:/tools/a*', 'c:/tools/a', true],
  ])('%s on %s is %s', (g, p, want) => {
    const fast = globFastPath(g);
    expect(fast).not.toBeNull();
    expect(fast?.(p)).toBe(want);
  });

  it('leaves other shapes to the regular expression', () => {
    expect(globFastPath('c:/*/x.exe')).toBeNull();
    expect(globFastPath('c:/tools/a?.exe')).toBeNull();
    expect(globFastPath('c:/**/x/**')).toBeNull();
  });
});

/** Any glob over a small alphabet: literal characters, separators, `*`, `**` and `?` anywhere. */
const anyGlob = fc
  .array(fc.constantFrom('a', 'b', '.', '/', '*', '**', '?', '/**/', '**/', '/**'), { maxLength: 8 })
  .map((parts) => parts.join(''));
const anyPath = fc
  .array(fc.constantFrom('a', 'b', '.', '/', 'ab', '//'), { maxLength: 8 })
  .map((parts) => parts.join(''));

describe('the segment matcher', () => {
  it('agrees with the regular expression of every glob it takes', () => {
    fc.assert(
      fc.property(anyGlob, fc.array(anyPath, { minLength: 1, maxLength: 20 }), (g, paths) => {
        const matcher = globSegmentMatcher(g);
        if (matcher === null) {
          expect(g.split('/').some((seg) => seg.includes('**') && seg !== '**')).toBe(true);
          return;
        }
        const re = globToRegExp(g);
        for (const p of [...paths, g.replaceAll('**', 'a/b').replaceAll('*', 'ab').replaceAll('?', 'b')]) {
          expect(matcher(p), `${g} on ${p}`).toBe(re.test(p));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['c:/users/*/appdata/*/app.exe', 'c:/users/bob/appdata/x/app.exe', true],
    ['c:/users/*/appdata/*/app.exe', 'c:/users/bob/appdata/app.exe', false],
    ['c:/apps/**/tool.exe', 'c:/apps/tool.exe', true],
    ['c:/apps/**/tool.exe', 'c:/apps/a/b/tool.exe', true],
    ['c:/apps/**', 'c:/apps', false],
    ['c:/apps/**', 'c:/apps/', true],
    ['**', '', true],
    ['**/*-svc.exe', 'x-svc.exe', true],
    ['a?c/*', 'abc/d', true],
    ['a?c/*', 'a/c/d', false],
  ])('%s on %s is %s', (g, p, want) => {
    expect(globSegmentMatcher(g)?.(p)).toBe(want);
  });
});
