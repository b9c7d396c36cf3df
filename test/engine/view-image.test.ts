/**
 * The compiled view image (src/engine/view-image.ts): compiled, stored as
 * bytes and opened again it decides as the linear reference does and gives
 * back the view it came from; damaged, mismatched and hostile images are
 * refused with a TollgateError naming what is wrong, never read out of bounds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinearEvaluator, effectiveMode } from '../../src/engine/evaluate.js';
import { TollgateError } from '../../src/engine/errors.js';
import type { AppRule } from '../../src/engine/model.js';
import type { ComputerView } from '../../src/engine/view.js';
import { buildView } from '../../src/engine/view.js';
import {
  IMAGE_ERROR_CODES,
  IMAGE_FORMAT_VERSION,
  IMAGE_HEADER,
  IMAGE_MAGIC,
  IMAGE_PLACEMENT,
  IMAGE_SECTIONS,
  ImageStrings,
  type ViewImage,
  ViewImageBuilder,
  compileViewImage,
  imageChecksum,
  openViewImage,
  sealImage,
  viewMeta,
} from '../../src/engine/view-image.js';
import { validateWorld } from '../../src/engine/validate.js';
import { WorldIndex } from '../../src/engine/world.js';
import { BASE_TIME_MS, caseTimeMs, makeWorld, worldArb } from '../support/arbitraries.js';
import { BROKEN_VIEWS, VALID_WORLD, changedView, validView } from '../support/broken-views.js';
import { SYNTHETIC_NOW_MS, syntheticWorld } from '../../scripts/lib/synthetic-world.js';

const HASH = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const OTHER_HASH = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 2);

/** The image's bytes as a store would give them back: a copy in a buffer of its own. */
function stored(image: ViewImage): Uint8Array {
  return image.bytes.slice();
}

function reopen(view: ComputerView, hash: Uint8Array | null = HASH): ViewImage {
  return openViewImage(stored(compileViewImage(view, { snapshotVersion: 7, snapshotHash: hash })), {
    snapshotHash: hash,
  });
}

function imageError(code: string, message: RegExp): unknown {
  return expect.objectContaining({ name: 'TollgateError', code, message: expect.stringMatching(message) as unknown });
}

const SYNTHETIC = syntheticWorld({ policies: 3_000, seed: 11, requests: 1_500, requestsPerShape: 20 });
const SYNTHETIC_VIEW = buildView(SYNTHETIC.world, SYNTHETIC.computer);

/** A small world with every kind of field an image stores. */
const SMALL = makeWorld({
  organizations: [{ id: 'o', name: 'Org', structure: 'flat', modules: ['cyberHeroApprovals'] }],
  groups: [{ id: 'g', org: 'o', name: 'Tills', os: 'windows', agentVersion: '10.5' }],
  computers: [{ id: 'c', group: 'g', name: 'Till 1' }],
  applications: [
    { id: 'a1', name: 'Tool', builtIn: false, rules: [{ path: 'C:\\Tools\\*.exe' }, { sha256: 'AB'.repeat(32) }] },
    {
      id: 'a2',
      name: 'Édition',
      builtIn: true,
      org: 'o',
      category: 'Shopping',
      subcategory: 'Retail',
      primaryCompanyInfluence: ['CN'],
      developmentInfluence: [],
      rules: [{ path: 'regex:.*\\\\TOOLA\\.exe', certSubject: 'CN=Vendor' }, { processPath: '**/shell.exe' }],
    },
    { id: 'a3', name: 'Unused', builtIn: false, category: 'Games', rules: [{ createdBy: 'C:\\x\\**' }] },
  ],
  policies: [
    {
      id: 'p1',
      name: 'Allow tool',
      app: 'a1',
      appliesTo: { organization: 'o' },
      action: 'permit',
      order: 2,
      enabled: true,
    },
    {
      id: 'p2',
      app: 'a2',
      appliesTo: { computer: 'c' },
      action: 'ringfence',
      order: 1,
      enabled: true,
      expiresAt: '2026-06-02T00:00:00Z',
      ringfence: { network: false, files: ['C:\\data'] },
    },
    {
      id: 'pd',
      name: 'Default',
      appliesTo: { organization: 'o' },
      action: 'deny',
      order: 100,
      enabled: true,
      default: true,
    },
  ],
});
const SMALL_VIEW = buildView(SMALL, 'c');

describe('compile, store, open', () => {
  it('gives back the view it was compiled from', () => {
    expect(reopen(SMALL_VIEW).toView()).toEqual(SMALL_VIEW);
    expect(reopen(SYNTHETIC_VIEW).toView()).toEqual(SYNTHETIC_VIEW);
  });

  it('decides as compile’s own evaluator and the linear reference on the synthetic world', () => {
    const compiled = compileViewImage(SYNTHETIC_VIEW, { snapshotVersion: 7, snapshotHash: HASH });
    const opened = openViewImage(stored(compiled), { snapshotHash: HASH });
    const linear = new LinearEvaluator(SYNTHETIC_VIEW, 7);
    const requests = [...SYNTHETIC.requests, ...Object.values(SYNTHETIC.byShape).flat()];
    for (const settings of [undefined, { prioritizeBuiltInApplications: false }]) {
      const options = settings === undefined ? { nowMs: SYNTHETIC_NOW_MS } : { nowMs: SYNTHETIC_NOW_MS, settings };
      for (const file of requests) {
        const want = linear.evaluate(file, options);
        expect(opened.evaluate(file, options)).toEqual(want);
        expect(compiled.evaluate(file, options)).toEqual(want);
      }
    }
    // The linear reference walks every policy for each of the world's requests: slow on a busy machine.
  }, 120_000);

  it('folds the case of every script as the linear reference does (final sigma, İ) on windows and macos', () => {
    const rules = [
      { path: 'C:\\ΑΣ*' },
      { path: 'C:\\Λόγος\\x.exe' },
      { path: 'C:\\Tools\\?.exe' },
      { path: '**\\İ-*.exe' },
      { certSubject: 'CN=ΣΟφοσ' },
    ];
    const files = [
      { path: 'C:\\ΑΣΑ.exe' },
      { path: 'C:\\ασα.EXE' },
      { path: 'C:\\ΛΌΓΟΣ\\X.EXE' },
      { path: 'C:\\λόγοσ\\x.exe' },
      { path: 'C:\\Tools\\İ.exe' },
      { path: 'C:\\Tools\\i̇.exe' },
      { path: 'D:\\a\\İ-1.exe' },
      { path: 'D:\\a\\i-1.exe' },
      { path: 'C:\\s.exe', certSubject: 'CN=ΣΟΦΟΣ' },
      { path: 'C:\\s.exe', certSubject: 'cn=σοφος' },
    ];
    for (const os of ['windows', 'macos'] as const) {
      const world = makeWorld({
        organizations: [{ id: 'o', name: 'Org', structure: 'flat', modules: [] }],
        groups: [{ id: 'g', org: 'o', name: 'Tills', os, agentVersion: '11.0' }],
        computers: [{ id: 'c', group: 'g' }],
        applications: rules.map((rule, i) => ({ id: `a${i}`, name: `A${i}`, builtIn: false, rules: [rule] })),
        policies: rules.map((_, i) => ({
          id: `p${i}`,
          app: `a${i}`,
          appliesTo: { organization: 'o' },
          action: 'permit' as const,
          order: i + 1,
          enabled: true,
        })),
      });
      const view = buildView(world, 'c');
      const image = reopen(view);
      const linear = new LinearEvaluator(view, 7);
      const decided: (string | null)[] = [];
      for (const file of files) {
        const want = linear.evaluate(file, { nowMs: BASE_TIME_MS });
        expect(image.evaluate(file, { nowMs: BASE_TIME_MS })).toEqual(want);
        decided.push(want.policy);
      }
      // The same on both: on macos `\\` is a character of the path and of the glob alike. `i` and a combining dot
      // are two characters, which one `?` does not match; `i` is not `İ`.
      expect(decided).toEqual(['p0', 'p0', 'p1', 'p1', 'p2', null, 'p3', null, 'p4', 'p4']);
    }
  });

  it('refuses a view whose agent version or gate is not a version, naming the field', () => {
    const binding = { snapshotVersion: 7, snapshotHash: HASH };
    const badAgent: ComputerView = { ...SMALL_VIEW, computer: { ...SMALL_VIEW.computer, agentVersion: 'abc' } };
    expect(() => compileViewImage(badAgent, binding)).toThrow(
      imageError('bad-version', /^view\.computer\.agentVersion: "abc" is not a version/),
    );
    const gates = [...SMALL_VIEW.gates, { feature: 'flatPolicyStructure', os: 'windows' as const, minVersion: 'v10' }];
    expect(() => compileViewImage({ ...SMALL_VIEW, gates }, binding)).toThrow(
      imageError(
        'bad-version',
        new RegExp(`^view\\.gates\\[${gates.length - 1}\\]\\.minVersion: "v10" is not a version`),
      ),
    );
    // A long text is named by its start and its length, not echoed whole.
    const long: ComputerView = {
      ...SMALL_VIEW,
      computer: { ...SMALL_VIEW.computer, agentVersion: '1.'.repeat(50_000) },
    };
    expect(() => compileViewImage(long, binding)).toThrow(
      imageError(
        'bad-version',
        /^view\.computer\.agentVersion: "(1\.){40}"\.\.\. \(100000 characters\) is not a version/,
      ),
    );
  });

  it('keeps a text that begins with U+FEFF whole: rules, names and categories decide as the linear reference', () => {
    const bom = '\uFEFF';
    const rules = [{ path: `${bom}/opt/é` }, { path: `${bom}**/q/é*` }, { certSubject: `${bom}CN=é` }];
    const world = makeWorld({
      organizations: [{ id: 'o', name: 'Org', structure: 'flat', modules: [] }],
      groups: [{ id: 'g', org: 'o', name: 'Servers', os: 'linux', agentVersion: '11.0' }],
      computers: [{ id: 'c', group: 'g' }],
      applications: rules.map((rule, i) => ({
        id: `a${i}`,
        name: `${bom}A${i}é`,
        builtIn: false,
        category: `${bom}Shopping`,
        rules: [rule],
      })),
      policies: rules.map((_, i) => ({
        id: `p${i}`,
        name: `${bom}P${i}é`,
        app: `a${i}`,
        appliesTo: { organization: 'o' },
        action: 'deny' as const,
        order: i + 1,
        enabled: true,
      })),
    });
    const view = buildView(world, 'c');
    const image = reopen(view);
    expect(image.toView()).toEqual(view);
    const linear = new LinearEvaluator(view, 7);
    const files = [
      { path: '/opt/é' },
      { path: `${bom}/opt/é` },
      { path: 'x/q/éa' },
      { path: `${bom}x/q/éa` },
      { path: '/s', certSubject: 'CN=é' },
      { path: '/s', certSubject: `${bom}CN=é` },
    ];
    const decided = files.map((file) => {
      const want = linear.evaluate(file, { nowMs: BASE_TIME_MS });
      expect(image.evaluate(file, { nowMs: BASE_TIME_MS })).toEqual(want);
      return want.policy;
    });
    expect(decided).toEqual([null, 'p0', null, 'p1', null, 'p2']);
    expect(image.application('a0')).toMatchObject({ name: `${bom}A0é`, category: `${bom}Shopping` });
  });

  it('refuses a rule that cannot be tested, naming its application and its place', () => {
    const binding = { snapshotVersion: 7, snapshotHash: HASH };
    const withRules = (rules: object[]): ComputerView => ({
      ...SMALL_VIEW,
      applications: SMALL_VIEW.applications.map((a) => (a.id === 'a1' ? { ...a, rules: rules } : a)),
    });
    expect(() => compileViewImage(withRules([{ path: 'C:\\x.exe' }, { path: 'regex:(' }]), binding)).toThrow(
      imageError('bad-regex', /^view\.applications\[a1\]\.rules\[1\]: invalid regular expression "\("/),
    );
    expect(() => compileViewImage(withRules([{}, { path: 'C:\\x.exe' }]), binding)).toThrow(
      imageError(
        'empty-rule',
        /^view\.applications\[a1\]\.rules\[0\]: an application rule must set at least one field/,
      ),
    );
  });

  it('keeps the binding, the counts and the index', () => {
    const image = reopen(SYNTHETIC_VIEW);
    expect(image.snapshotVersion).toBe(7);
    expect([...(image.snapshotHash ?? [])]).toEqual([...HASH]);
    expect(image.policyCount).toBe(SYNTHETIC_VIEW.policies.length);
    expect(image.applicationCount).toBe(SYNTHETIC_VIEW.applications.length);
    const original = compileViewImage(SYNTHETIC_VIEW, { snapshotVersion: 7, snapshotHash: HASH });
    expect(image.indexStats()).toEqual(original.indexStats());
    expect(image.indexStats().rules).toBeGreaterThan(0);
    const unbound = compileViewImage(SMALL_VIEW, { snapshotVersion: null, snapshotHash: null });
    const opened = openViewImage(stored(unbound), { snapshotHash: null });
    expect(opened.snapshotVersion).toBeNull();
    expect(opened.snapshotHash).toBeNull();
  });

  it('answers policies, applications, modes, expiries and meta', () => {
    const image = reopen(SMALL_VIEW);
    SMALL_VIEW.policies.forEach((p, i) => expect(image.policy(i)).toEqual(p));
    expect(() => image.policy(SMALL_VIEW.policies.length)).toThrow(TollgateError);
    for (const app of SMALL_VIEW.applications) expect(image.application(app.id)).toEqual(app);
    expect(image.application('nope')).toBeUndefined();
    expect(image.application('a')).toBeUndefined();
    // Agent 10.5 is below both gates; 11.0 above them.
    const recent: ComputerView = { ...SMALL_VIEW, computer: { ...SMALL_VIEW.computer, agentVersion: '11.0' } };
    for (const view of [SMALL_VIEW, recent]) {
      const opened = reopen(view);
      for (const settings of [undefined, { prioritizeBuiltInApplications: false }]) {
        expect(opened.mode(settings)).toEqual(effectiveMode(view, settings));
      }
    }
    expect(reopen(recent).mode({ prioritizeBuiltInApplications: false })).toEqual({
      structure: 'flat',
      builtInsFirst: false,
      gated: [],
    });
    expect(image.nextExpiryAfter(BASE_TIME_MS)).toBe(Date.parse('2026-06-02T00:00:00Z'));
    expect(image.nextExpiryAfter(Date.parse('2026-06-02T00:00:00Z'))).toBe(Infinity);
    const { policies: _p, applications: _a, ...meta } = SMALL_VIEW;
    expect(image.meta).toEqual(meta);
  });

  it('names the application and the place of a bad rule after other applications, used by a policy or not', () => {
    const binding = { snapshotVersion: 7, snapshotHash: HASH };
    const world = (xRules: AppRule[], policyOnX: boolean): ComputerView =>
      buildView(
        makeWorld({
          organizations: [{ id: 'o', name: 'Org', structure: 'flat', modules: [] }],
          groups: [{ id: 'g', org: 'o', name: 'Servers', os: 'linux', agentVersion: '11.0' }],
          computers: [{ id: 'c', group: 'g' }],
          applications: [
            { id: 'tool', name: 'Tool', builtIn: false, rules: [{ path: '/t/a' }, { path: '/t/b' }] },
            { id: 'x', name: 'X', builtIn: false, rules: xRules },
          ],
          policies: [
            {
              id: 'p',
              app: policyOnX ? 'x' : 'tool',
              appliesTo: { organization: 'o' },
              action: 'deny' as const,
              order: 1,
              enabled: true,
            },
          ],
        }),
        'c',
      );
    for (const used of [true, false]) {
      const bad = world([{ path: '/ok' }, { path: 'regex:(' }], used);
      expect(() => new LinearEvaluator(bad, 7)).toThrow(expect.objectContaining({ code: 'bad-regex' }));
      expect(() => compileViewImage(bad, binding)).toThrow(
        imageError('bad-regex', /^view\.applications\[x\]\.rules\[1\]: invalid regular expression "\("/),
      );
      const empty = world([{ path: '/ok' }, {}], used);
      expect(() => compileViewImage(empty, binding)).toThrow(
        imageError(
          'empty-rule',
          /^view\.applications\[x\]\.rules\[1\]: an application rule must set at least one field/,
        ),
      );
    }
  });

  it('refuses a view that holds one application twice, naming it', () => {
    const first = SMALL_VIEW.applications[0];
    if (first === undefined) throw new Error('no application');
    const twice: ComputerView = {
      ...SMALL_VIEW,
      applications: [...SMALL_VIEW.applications, { ...first, name: 'Second', rules: [{ path: 'C:\\second.exe' }] }],
    };
    expect(() => compileViewImage(twice, { snapshotVersion: 7, snapshotHash: HASH })).toThrow(
      imageError(
        'bad-message',
        new RegExp(`^view\\.applications\\[${first.id}\\]: the view holds application ${first.id} more than once`),
      ),
    );
  });

  it('stores values that repeat once and the others as they come, and decides the same', () => {
    const [first, second] = SMALL_VIEW.applications;
    const [p1] = SMALL_VIEW.policies;
    if (first === undefined || second === undefined || p1 === undefined) throw new Error('small view');
    const rule = { path: 'C:\\Same\\*.exe' };
    const repeated: ComputerView = {
      ...SMALL_VIEW,
      policies: [...SMALL_VIEW.policies, { ...p1, id: 'p3', app: second.id, builtIn: second.builtIn, order: 3 }],
      applications: [
        { ...first, name: 'Twin application', category: 'Shopping', rules: [rule, ...first.rules] },
        { ...second, name: 'Twin application', rules: [rule, ...second.rules] },
        ...SMALL_VIEW.applications.slice(2),
      ],
    };
    const image = reopen(repeated);
    expect(image.toView()).toEqual(repeated);
    const occurrences = (text: string): number => {
      const needle = Buffer.from(text, 'utf8');
      const haystack = Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.length);
      let n = 0;
      for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) n++;
      return n;
    };
    // Policy names, application names and rule fields as they come; categories (values that repeat) once.
    expect(occurrences('Allow tool')).toBe(2);
    expect(occurrences('Twin application')).toBe(2);
    expect(occurrences(rule.path)).toBe(2);
    expect(occurrences('Shopping')).toBe(1);
    const linear = new LinearEvaluator(repeated, 7);
    for (const path of ['C:\\Same\\x.exe', 'C:\\Tools\\a.exe', 'C:\\other.exe']) {
      expect(image.evaluate({ path }, { nowMs: BASE_TIME_MS })).toEqual(
        linear.evaluate({ path }, { nowMs: BASE_TIME_MS }),
      );
    }
  });

  it('gives strings added without a look-up numbers of their own, never found by a look-up', () => {
    const strings = new ImageStrings();
    const bytes = new TextEncoder().encode('sameÉ');
    const a = strings.addBytes(bytes, 0, 4);
    const b = strings.appendBytes(bytes, 0, 4);
    expect(strings.beyondAscii).toBe(false);
    const c = strings.appendBytes(bytes, 0, bytes.length);
    expect(strings.beyondAscii).toBe(true);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(strings.addBytes(bytes, 0, 4)).toBe(a);
    expect(strings.add('sameÉ')).not.toBe(c);
    expect(strings.text(b)).toBe('same');
    expect(strings.text(c)).toBe('sameÉ');
    strings.finish();
    expect(() => strings.appendBytes(bytes, 0, 1)).toThrow(TollgateError);
  });

  it('opens bytes that do not start on an 8-byte boundary', () => {
    const bytes = stored(compileViewImage(SMALL_VIEW, { snapshotVersion: 1, snapshotHash: HASH }));
    const shifted = new Uint8Array(bytes.length + 3).subarray(3);
    shifted.set(bytes);
    const image = openViewImage(shifted, { snapshotHash: HASH });
    expect(image.toView()).toEqual(SMALL_VIEW);
  });

  it('refuses a view with a bad regex or an empty rule when compiling', () => {
    const withRule = (rule: object): ComputerView => ({
      ...SMALL_VIEW,
      applications: SMALL_VIEW.applications.map((a) => (a.id === 'a1' ? { ...a, rules: [rule] } : a)),
    });
    const binding = { snapshotVersion: 1, snapshotHash: null };
    expect(() => compileViewImage(withRule({ path: 'regex:(' }), binding)).toThrow(
      expect.objectContaining({ code: 'bad-regex' }),
    );
    expect(() => compileViewImage(withRule({}), binding)).toThrow(expect.objectContaining({ code: 'empty-rule' }));
  });

  it('compiles a regex rule when a request first reaches it, not when the image is opened', () => {
    const bytes = stored(compileViewImage(SMALL_VIEW, { snapshotVersion: 1, snapshotHash: HASH }));
    const pattern = new TextEncoder().encode('regex:.*\\\\TOOLA');
    const at = indexOf(bytes, pattern);
    expect(at).toBeGreaterThan(0);
    bytes[at + 'regex:'.length] = '('.charCodeAt(0); // "regex:(*\\TOOLA...": no longer an expression
    sealImage(bytes);
    const image = openViewImage(bytes, { snapshotHash: HASH });
    expect(image.evaluate({ path: 'C:\\Tools\\x.exe' }, { nowMs: BASE_TIME_MS }).policy).toBe('p1');
    expect(() =>
      image.evaluate({ path: 'C:\\Apps\\TOOLA.exe', certSubject: 'CN=Vendor' }, { nowMs: BASE_TIME_MS }),
    ).toThrow(expect.objectContaining({ code: 'bad-regex' }));
  });
});

function indexOf(bytes: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

describe('a view no valid world gives is refused, naming the field and the id at fault', () => {
  const binding = { snapshotVersion: 7, snapshotHash: HASH };

  it.each(BROKEN_VIEWS.map((broken) => [broken.name, broken] as const))(
    '%s; the views near it a valid world gives are compiled',
    (_name, broken) => {
      expect(validateWorld(VALID_WORLD)).toEqual([]);
      expect(compileViewImage(validView(), binding).toView()).toEqual(validView());
      const view = changedView(broken.change);
      expect(() => compileViewImage(view, binding)).toThrow(
        expect.objectContaining({ name: 'TollgateError', code: 'bad-message', message: broken.error }),
      );
      for (const accept of broken.accepted ?? []) {
        const near = changedView(accept);
        expect(compileViewImage(near, binding).toView()).toEqual(near);
      }
    },
  );
});

describe('a view of a valid world at the edges of what the validator takes', () => {
  it('is compiled: a blank gate feature, influence codes that are codes once upper-cased', () => {
    const world = structuredClone(VALID_WORLD);
    world.gates = [...(world.gates ?? []), { feature: ' ', os: 'windows', minVersion: '1.0.0' }];
    const shop = world.applications.find((a) => a.id === 'shop');
    if (shop === undefined) throw new Error('no application shop');
    shop.primaryCompanyInfluence = ['\u0131t', '\u017fe'];
    expect(validateWorld(world)).toEqual([]);
    const view = buildView(world, 'c');
    expect(compileViewImage(view, { snapshotVersion: 7, snapshotHash: HASH }).toView()).toEqual(view);
  });
});

describe('a rule hash of other characters than hex digits', () => {
  const binding = { snapshotVersion: 7, snapshotHash: HASH };

  it('is refused whatever the character and its place; hex digits in either case are compiled', () => {
    const hex = '0123456789abcdefABCDEF';
    for (let code = 0x20; code < 0x7f; code++) {
      const c = String.fromCharCode(code);
      for (const at of [0, 1, 2, 3, 30, 63]) {
        const sha256 = `${'a'.repeat(at)}${c}${'F'.repeat(63 - at)}`;
        const view = changedView((v) => {
          const tool = v.applications.find((a) => a.id === 'tool');
          if (tool !== undefined) tool.rules[1] = { sha256 };
        });
        if (hex.includes(c)) {
          expect(compileViewImage(view, binding).policyCount).toBe(view.policies.length);
        } else {
          expect(() => compileViewImage(view, binding)).toThrow(
            `view.applications[tool].rules[1]: sha256 ${JSON.stringify(sha256)} is not 64 hex characters`,
          );
        }
      }
    }
  });
});

describe('a policy id held more than once', () => {
  const binding = { snapshotVersion: 7, snapshotHash: HASH };

  it('is refused naming the first record that repeats an earlier id, whatever the count and how often ids repeat', () => {
    const template = validView().policies.find((p) => p.id === 'p-tool');
    if (template === undefined) throw new Error('no policy p-tool');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.stringMatching(/^p-[0-9]{1,2}$/), fc.stringMatching(/^q-[a-z0-9]{1,12}$/)), {
          maxLength: 3_000,
        }),
        (ids) => {
          const view = changedView((v) => {
            v.policies = ids.map((id) => ({ ...template, id }));
          });
          const repeated = ids.find((id, i) => ids.indexOf(id) < i);
          if (repeated === undefined) {
            expect(compileViewImage(view, binding).policyCount).toBe(ids.length);
          } else {
            expect(() => compileViewImage(view, binding)).toThrow(
              `view.policies[${repeated}]: the view holds policy ${repeated} more than once`,
            );
          }
        },
      ),
      { numRuns: 60 },
    );
    // Many records, every id but one distinct, the repeat last.
    const many = changedView((v) => {
      v.policies = Array.from({ length: 60_000 }, (_, i) => ({ ...template, id: `policy-${i}` }));
      v.policies.push({ ...template, id: 'policy-12345' });
    });
    expect(() => compileViewImage(many, binding)).toThrow('view.policies[policy-12345]: the view holds policy');
    many.policies.pop();
    expect(compileViewImage(many, binding).policyCount).toBe(60_000);
  });
});

describe('damaged and mismatched images are refused', () => {
  const good = stored(compileViewImage(SMALL_VIEW, { snapshotVersion: 3, snapshotHash: HASH }));
  const damagedCode = IMAGE_ERROR_CODES.damaged;
  const mismatchCode = IMAGE_ERROR_CODES.mismatch;
  const u32 = (bytes: Uint8Array, at: number, value: number): void =>
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, value, true);

  it('a flipped byte: checksum', () => {
    for (const at of [IMAGE_HEADER.snapshotVersion, IMAGE_HEADER.sections + 5, good.length - 1, good.length >> 1]) {
      const bytes = good.slice();
      bytes[at] = (bytes[at] as number) ^ 0x10;
      expect(() => openViewImage(bytes, { snapshotHash: HASH })).toThrow(imageError(damagedCode, /checksum/));
    }
  });

  it('another snapshot: mismatch', () => {
    expect(() => openViewImage(good.slice(), { snapshotHash: OTHER_HASH })).toThrow(
      imageError(mismatchCode, /another snapshot/),
    );
    expect(() => openViewImage(good.slice(), { snapshotHash: null })).toThrow(
      imageError(mismatchCode, /another snapshot/),
    );
  });

  it('another format version: mismatch', () => {
    const bytes = good.slice();
    u32(bytes, IMAGE_HEADER.format, IMAGE_FORMAT_VERSION + 1);
    expect(() => openViewImage(bytes, { snapshotHash: HASH })).toThrow(imageError(mismatchCode, /format version/));
  });

  it('not an image, truncated or too short: damaged', () => {
    const bytes = good.slice();
    u32(bytes, IMAGE_HEADER.magic, IMAGE_MAGIC + 1);
    expect(() => openViewImage(bytes, { snapshotHash: HASH })).toThrow(imageError(damagedCode, /magic/));
    expect(() => openViewImage(good.slice(0, good.length - 8), { snapshotHash: HASH })).toThrow(
      imageError(damagedCode, /truncated/),
    );
    expect(() => openViewImage(good.slice(0, 20), { snapshotHash: HASH })).toThrow(imageError(damagedCode, /header/));
    expect(() => openViewImage(new Uint8Array(0), { snapshotHash: HASH })).toThrow(imageError(damagedCode, /header/));
  });

  it('a section out of bounds, with the checksum made right: damaged, naming the section', () => {
    IMAGE_SECTIONS.forEach((name, s) => {
      const bytes = good.slice();
      u32(bytes, IMAGE_HEADER.sections + 8 * s + 4, bytes.length);
      sealImage(bytes);
      expect(imageChecksum(bytes)).toBe(new DataView(bytes.buffer).getUint32(IMAGE_HEADER.checksum, true));
      expect(() => openViewImage(bytes, { snapshotHash: HASH })).toThrow(imageError(damagedCode, new RegExp(name)));
    });
  });

  it('a column number out of range, with the checksum made right: damaged, naming the column', () => {
    const bytes = good.slice();
    const section = IMAGE_SECTIONS.indexOf('policyApp');
    const offset = new DataView(bytes.buffer).getUint32(IMAGE_HEADER.sections + 8 * section, true);
    u32(bytes, offset, 1_000_000);
    sealImage(bytes);
    expect(() => openViewImage(bytes, { snapshotHash: HASH })).toThrow(imageError(damagedCode, /policyApp\[0\]/));
  });

  // Each check of the layout, with the checksum made right: the message names the entry at fault.
  it.each([
    ['strOffsets', 1, 0x7fff_ffff, /string offset 2 goes backwards/],
    ['policyAction', 0, 200, /policyAction\[0\] is no action/],
    ['policyFlags', 1, 255, /policyFlags\[1\] is unknown/],
    ['appFlags', 1, 255, /appFlags\[1\] is unknown/],
    ['appRuleCount', 0, 1_000_000, /application 0's rules are out of range/],
    ['appStart', 1, 0, /appStart\[1\] does not increase/],
    ['byRank0', 0, -1, /byRank0\[0\] = -1 is out of range \[0, /],
    ['ruleApp', 1, 1_000_000, /ruleApp\[1\] = 1000000 is out of range \[-1, /],
    ['ruleFields', 2, 1_000_000, /ruleFields\[2\] = 1000000 is not a string number/],
    ['indexNext', 0, 5, /indexNext\[0\] = 5: index chains must go to earlier rules/],
  ] as const)('%s[%i] set to %i: damaged, naming it', (name, entry, value, message) => {
    const bytes = stored(compileViewImage(SYNTHETIC_VIEW, { snapshotVersion: 3, snapshotHash: HASH }));
    const section = IMAGE_SECTIONS.indexOf(name);
    const offset = new DataView(bytes.buffer).getUint32(IMAGE_HEADER.sections + 8 * section, true);
    if (name === 'policyAction' || name === 'policyFlags' || name === 'appFlags') bytes[offset + entry] = value;
    else new DataView(bytes.buffer).setInt32(offset + 4 * entry, value, true);
    sealImage(bytes);
    expect(() => openViewImage(bytes, { snapshotHash: HASH })).toThrow(imageError(damagedCode, message));
  });

  it('a rule of an application with no field set, and an index slot naming no rule: damaged', () => {
    const base = stored(compileViewImage(SYNTHETIC_VIEW, { snapshotVersion: 3, snapshotHash: HASH }));
    const column = (bytes: Uint8Array, name: (typeof IMAGE_SECTIONS)[number]): Int32Array => {
      const dv = new DataView(bytes.buffer);
      const s = IMAGE_SECTIONS.indexOf(name);
      const at = dv.getUint32(IMAGE_HEADER.sections + 8 * s, true);
      return new Int32Array(bytes.buffer, at, dv.getUint32(IMAGE_HEADER.sections + 8 * s + 4, true) / 4);
    };
    const empty = base.slice();
    const ruleApp = column(empty, 'ruleApp');
    const r = ruleApp.findIndex((a) => a >= 0);
    const width = column(empty, 'ruleFields').length / ruleApp.length;
    column(empty, 'ruleFields').fill(-1, r * width, (r + 1) * width);
    sealImage(empty);
    expect(() => openViewImage(empty, { snapshotHash: HASH })).toThrow(
      imageError(damagedCode, new RegExp(`rule ${r} sets no field`)),
    );
    const slot = base.slice();
    const table = column(slot, 'indexTable');
    let s = 0;
    while (table[2 * s + 1] === -1) s++;
    table[2 * s + 1] = 1_000_000;
    sealImage(slot);
    expect(() => openViewImage(slot, { snapshotHash: HASH })).toThrow(
      imageError(damagedCode, new RegExp(`index slot ${s} names rule 1000000`)),
    );
  });

  it('an index whose chains loop, with the checksum made right: damaged', () => {
    const bytes = stored(compileViewImage(SYNTHETIC_VIEW, { snapshotVersion: 3, snapshotHash: HASH }));
    const dv = new DataView(bytes.buffer);
    const next = IMAGE_SECTIONS.indexOf('indexNext');
    const offset = dv.getUint32(IMAGE_HEADER.sections + 8 * next, true);
    // A chain of two or more, closed onto itself.
    const nexts = new Int32Array(bytes.buffer, offset, dv.getUint32(IMAGE_HEADER.sections + 8 * next + 4, true) / 4);
    const r = nexts.findIndex((n) => n >= 0);
    expect(r).toBeGreaterThanOrEqual(0);
    let last = r;
    while ((nexts[last] as number) >= 0) last = nexts[last] as number;
    nexts[last] = r;
    sealImage(bytes);
    expect(() => openViewImage(bytes, { snapshotHash: HASH })).toThrow(
      imageError(damagedCode, /index chains must go to earlier rules/),
    );
  });

  it('random bytes changed, checksum made right: refused with a TollgateError, or decides without crashing', () => {
    const base = stored(compileViewImage(SYNTHETIC_VIEW, { snapshotVersion: 3, snapshotHash: HASH }));
    const requests = [
      ...SYNTHETIC.requests.slice(0, 20),
      ...Object.values(SYNTHETIC.byShape).flatMap((r) => r.slice(0, 2)),
    ];
    let opened = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (changes, inHeader) => {
          const bytes = base.slice();
          for (const [at, value] of changes) {
            // Half the runs aim at the header and section table, where one byte moves a whole section.
            const limit = inHeader ? IMAGE_HEADER.sections + 8 * IMAGE_SECTIONS.length : bytes.length;
            bytes[IMAGE_HEADER.snapshotVersion + (at % (limit - IMAGE_HEADER.snapshotVersion))] = value;
          }
          sealImage(bytes);
          let image: ViewImage;
          try {
            image = openViewImage(bytes, { snapshotHash: HASH });
          } catch (error) {
            expect(error).toBeInstanceOf(TollgateError);
            return;
          }
          opened++;
          for (const file of requests) {
            try {
              image.evaluate(file, { nowMs: SYNTHETIC_NOW_MS });
            } catch (error) {
              expect(error).toBeInstanceOf(TollgateError);
            }
          }
          try {
            image.toView();
          } catch (error) {
            expect(error).toBeInstanceOf(TollgateError);
          }
        },
      ),
      { numRuns: 300 },
    );
    // Most single-byte changes land in columns and stay within bounds: the image opens and decides.
    expect(opened).toBeGreaterThan(0);
  });
});

describe('the image agrees with the linear reference on random worlds', () => {
  it('after a round trip through bytes, with toView equal to the view', () => {
    fc.assert(
      fc.property(worldArb(), (g) => {
        const index = new WorldIndex(g.world);
        const images = new Map<string, { image: ViewImage; linear: LinearEvaluator }>();
        for (const r of g.requests) {
          let entry = images.get(r.computer);
          if (entry === undefined) {
            const view = buildView(index, r.computer);
            const image = reopen(view);
            expect(image.toView()).toEqual(view);
            entry = { image, linear: new LinearEvaluator(view, 7) };
            images.set(r.computer, entry);
          }
          for (const settings of [undefined, { prioritizeBuiltInApplications: false }]) {
            const options = settings === undefined ? { nowMs: caseTimeMs(r) } : { nowMs: caseTimeMs(r), settings };
            expect(entry.image.evaluate(r.file, options)).toEqual(entry.linear.evaluate(r.file, options));
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('processing order over many policies matching one file', () => {
  /**
   * Policies each with an application matching every .exe (application i % apps, built in as its first
   * policy's row says); each expires at its own time. A policy of level rank 2 to 4 is of the computer's own
   * flat organization, where its order is not negative; one of rank 0 or 1 is of an ancestor's.
   */
  function orderedView(
    rows: { order: number; levelRank: number; orgDepth: number; builtIn: boolean; id: string }[],
    apps = rows.length,
  ): ComputerView {
    const applications = rows.slice(0, apps).map((row, i) => ({
      id: `app-${i}`,
      name: `App ${i}`,
      builtIn: row.builtIn,
      rules: [{ path: '**/*.exe' }],
    }));
    const policies = rows.map((row, i) => {
      const own = row.levelRank >= 2;
      return {
        id: row.id,
        name: null,
        app: `app-${i % apps}`,
        builtIn: (rows[i % apps] as (typeof rows)[number]).builtIn,
        action: 'permit' as const,
        order: own ? Math.abs(row.order) : row.order,
        levelRank: row.levelRank,
        orgDepth: row.orgDepth,
        org: own ? 'o' : 'msp',
        expiresAtMs: BASE_TIME_MS + (i + 1) * 1000,
        isDefault: false,
      };
    });
    return { ...SMALL_VIEW, policies, applications };
  }

  it('ranks as the linear reference: equal keys broken by id, fractions, and ranges past 53 bits', () => {
    const value = fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }),
      fc.constantFrom(0.5, -1.25, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 1e300),
    );
    const row = fc.record({
      order: value,
      levelRank: fc.integer({ min: 0, max: 4 }),
      orgDepth: fc.oneof(fc.integer({ min: 0, max: 2 }), value),
      builtIn: fc.boolean(),
      id: fc.stringMatching(/^p[a-c]{0,3}$/),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(row, { minLength: 1, maxLength: 40, selector: (r) => r.id }),
        fc.constantFrom<'flat' | 'hierarchical'>('flat', 'hierarchical'),
        (rows, structure) => {
          const base = orderedView(rows);
          const view = { ...base, orgStructure: structure };
          const image = reopen(view);
          const linear = new LinearEvaluator(view, 7);
          const file = { path: 'C:\\x\\tool.exe' };
          // Each policy expires in turn: at every step the best of those left decides.
          for (let i = 0; i <= rows.length; i++) {
            for (const settings of [undefined, { prioritizeBuiltInApplications: false }]) {
              const nowMs = BASE_TIME_MS + i * 1000;
              const options = settings === undefined ? { nowMs } : { nowMs, settings };
              expect(image.evaluate(file, options)).toEqual(linear.evaluate(file, options));
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("ranks as the linear reference when an application's best policies expire before its others", () => {
    const row = fc.record({
      order: fc.integer({ min: -3, max: 3 }),
      levelRank: fc.integer({ min: 0, max: 4 }),
      orgDepth: fc.integer({ min: 0, max: 2 }),
      builtIn: fc.boolean(),
      id: fc.stringMatching(/^p[a-c]{0,3}$/),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(row, { minLength: 2, maxLength: 30, selector: (r) => r.id }),
        fc.integer({ min: 1, max: 3 }),
        (rows, apps) => {
          // A few applications, each of several policies that expire one after another.
          const view = orderedView(rows, Math.min(apps, rows.length));
          const image = reopen(view);
          const linear = new LinearEvaluator(view, 7);
          const file = { path: 'C:\\x\\tool.exe' };
          for (let i = 0; i <= rows.length; i++) {
            for (const settings of [{ prioritizeBuiltInApplications: false }, undefined]) {
              const nowMs = BASE_TIME_MS + i * 1000;
              expect(image.evaluate(file, { nowMs, settings })).toEqual(linear.evaluate(file, { nowMs, settings }));
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('finds every application by id, ids that share long prefixes included', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[ab]{1,10}$/), { minLength: 1, maxLength: 60 }), (ids) => {
        const applications = ids.map((id) => ({ id, name: id, builtIn: false, rules: [{ path: `C:\\${id}.exe` }] }));
        // The default policy alone: a view's other policies name its applications.
        const image = reopen({ ...SMALL_VIEW, policies: SMALL_VIEW.policies.filter((p) => p.isDefault), applications });
        for (const app of applications) expect(image.application(app.id)).toEqual(app);
        expect(image.application('c')).toBeUndefined();
        expect(image.application(`${ids[0] as string}c`)).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });
});

describe('an image written in place', () => {
  const binding = { snapshotVersion: 7, snapshotHash: HASH };
  const rulesOf = (view: ComputerView): number => view.applications.reduce((n, a) => n + a.rules.length, 0);
  function inPlace(
    view: ComputerView,
    counts: { policies: number; applications: number; rules: number },
    bytes: number,
  ) {
    const builder = new ViewImageBuilder();
    builder.reserve(counts.policies, counts.applications, counts.rules, { bytes, count: 64 });
    builder.addView(view);
    return builder.finish(viewMeta(view), binding);
  }

  it('is the image compiled without room made ahead, filled where its columns lie when the counts are right', () => {
    for (const view of [SMALL_VIEW, SYNTHETIC_VIEW]) {
      const want = compileViewImage(view, binding).bytes;
      const counts = { policies: view.policies.length, applications: view.applications.length, rules: rulesOf(view) };
      const image = inPlace(view, counts, 4 << 20);
      expect(Buffer.from(image.bytes).equals(Buffer.from(want))).toBe(true);
      // In the buffer made ahead when the image fills at least half of it; else copied into a buffer of its own
      // size, so that a small image does not hold the room made ahead.
      const held = image.bytes.buffer.byteLength;
      if (held !== image.bytes.length) expect(held).toBeLessThanOrEqual(2 * image.bytes.length);
      // The sections lie in placement order.
      const dv = new DataView(image.bytes.buffer, image.bytes.byteOffset);
      const offsets = IMAGE_PLACEMENT.map((name) =>
        dv.getUint32(IMAGE_HEADER.sections + 8 * IMAGE_SECTIONS.indexOf(name), true),
      );
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }
  });

  it('is the same image when the counts or the string room were wrong (written into a buffer of its own)', () => {
    const view = SYNTHETIC_VIEW;
    const want = compileViewImage(view, binding).bytes;
    const right = { policies: view.policies.length, applications: view.applications.length, rules: rulesOf(view) };
    for (const [counts, bytes] of [
      [right, 100],
      [{ ...right, policies: right.policies - 5 }, 4 << 20],
      [{ ...right, policies: right.policies + 5 }, 4 << 20],
      [{ ...right, applications: 1 }, 4 << 20],
      [{ ...right, rules: right.rules + 1 }, 4 << 20],
    ] as const) {
      const image = inPlace(view, counts, bytes);
      expect(Buffer.from(image.bytes).equals(Buffer.from(want))).toBe(true);
      expect(openViewImage(stored(image), { snapshotHash: HASH }).toView()).toEqual(view);
    }
  });
});
