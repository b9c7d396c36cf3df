/**
 * The view image compiled straight from a snapshot payload
 * (src/wire/view-image-payload.ts): the same bytes as the image of the
 * decoded view, read by the fast reader for what the server seals; stored
 * and opened again it decides as the linear reference does; what the
 * decoder refuses is refused with its error, never an image.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinearEvaluator } from '../../src/engine/evaluate.js';
import { TollgateError } from '../../src/engine/errors.js';
import type { SettingValue } from '../../src/engine/model.js';
import { type ComputerView, buildView } from '../../src/engine/view.js';
import { compileViewImage, openViewImage } from '../../src/engine/view-image.js';
import { orderedViewHash, signedSnapshotViewHash, viewHashOf } from '../../src/wire/delta.js';
import { WorldIndex } from '../../src/engine/world.js';
import { viewToWire } from '../../src/wire/codec.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { type SnapshotContent, sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey } from '../../src/wire/signing.js';
import { decodeSnapshotPayload } from '../../src/wire/view-decoder.js';
import { imageDecisionFrameBound, writeImageDecisionFrame } from '../../src/wire/evaluate-codec.js';
import { encodeFrame } from '../../src/wire/framing.js';
import { encodeResponse } from '../../src/wire/local-api.js';
import {
  type PayloadView,
  compileRegularPayload,
  compileSnapshotImage,
  compileViewImageFromPayload,
} from '../../src/wire/view-image-payload.js';
import { BASE_TIME_MS, HOUR_MS, caseTimeMs, worldArb } from '../support/arbitraries.js';
import { BROKEN_VIEWS, changedView, validView } from '../support/broken-views.js';
import { SYNTHETIC_NOW_MS, syntheticWorld } from '../../scripts/lib/synthetic-world.js';

const pb = tollgate.v1;
const privateKey = parsePrivateKey(generateSigningKeys().privateKeyPem);
const HASH = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
const BINDING = { snapshotVersion: 4, snapshotHash: HASH };

function content(view: ComputerView, version = 4): SnapshotContent {
  return { computerId: view.computer.id, version, issuedAtMs: 1_763_900_000_000, settingsVersion: 2, view };
}

/** The payload bytes of a snapshot exactly as the server seals them. */
function sealedPayload(c: SnapshotContent): Uint8Array {
  return pb.SignedSnapshot.decode(sealSnapshot(c, privateKey)).payload;
}

/** The payload of `c` with its wire form changed by `edit` before encoding. */
function editedPayload(c: SnapshotContent, edit: (view: tollgate.v1.ComputerView.$Properties) => void): Uint8Array {
  const view = viewToWire(c.view, 'snapshot.view');
  edit(view);
  return pb.SnapshotPayload.encode({
    computerId: c.computerId,
    version: c.version,
    issuedAtMs: c.issuedAtMs,
    settingsVersion: c.settingsVersion,
    view,
    kind: pb.PayloadKind.PAYLOAD_KIND_SNAPSHOT,
  }).finish();
}

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n >>>= 7) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
}

/** The image of the decoded view: what the payload's image must equal. */
function decodedImage(payload: Uint8Array): Uint8Array {
  return compileViewImage(decodeSnapshotPayload(payload).view, BINDING).bytes;
}

/** Whether two images are the same bytes (compared natively: deep equality of a megabyte is slow). */
function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

function errorText(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof TollgateError) return `${error.code}: ${error.message}`;
    return `not a TollgateError: ${String(error)}`;
  }
  return 'no error';
}

const OVERRIDES: (Record<string, SettingValue> | undefined)[] = [
  undefined,
  { prioritizeBuiltInApplications: true },
  { prioritizeBuiltInApplications: false },
];

const SYNTHETIC = syntheticWorld({ policies: 3_000, seed: 5, requests: 600, requestsPerShape: 10 });
const SYNTHETIC_VIEW = buildView(SYNTHETIC.world, SYNTHETIC.computer);
const SYNTHETIC_PAYLOAD = sealedPayload(content(SYNTHETIC_VIEW));

describe('an image compiled from the payload', () => {
  it('is byte for byte the image of the decoded view, and the fast reader made it', () => {
    const fast = compileRegularPayload(SYNTHETIC_PAYLOAD, BINDING);
    expect(fast).not.toBeNull();
    expect(same(fast?.bytes, decodedImage(SYNTHETIC_PAYLOAD))).toBe(true);
    expect(same(fast?.bytes, compileViewImageFromPayload(SYNTHETIC_PAYLOAD, BINDING).bytes)).toBe(true);
  });

  it('stored and opened again, decides every synthetic request as the linear reference does', () => {
    const stored = compileViewImageFromPayload(SYNTHETIC_PAYLOAD, BINDING).bytes.slice();
    const image = openViewImage(stored, { snapshotHash: HASH });
    const linear = new LinearEvaluator(SYNTHETIC_VIEW, 4);
    const requests = [...SYNTHETIC.requests, ...Object.values(SYNTHETIC.byShape).flat()];
    expect(requests.length).toBeGreaterThan(600);
    for (const file of requests) {
      const options = { nowMs: SYNTHETIC_NOW_MS };
      expect(image.evaluate(file, options)).toEqual(linear.evaluate(file, options));
    }
  });

  it('on random worlds: the same bytes as the decoded view, and decisions as the linear reference', () => {
    fc.assert(
      fc.property(worldArb(), fc.integer({ min: -72, max: 72 }), (g, extraHours) => {
        const index = new WorldIndex(g.world);
        const images = new Map<string, { image: ReturnType<typeof openViewImage>; linear: LinearEvaluator }>();
        for (const r of g.requests) {
          let entry = images.get(r.computer);
          if (entry === undefined) {
            const view = buildView(index, r.computer);
            const payload = sealedPayload(content(view));
            const fast = compileRegularPayload(payload, BINDING);
            expect(same(fast?.bytes, decodedImage(payload))).toBe(true);
            const image = openViewImage((fast?.bytes ?? new Uint8Array()).slice(), { snapshotHash: HASH });
            entry = { image, linear: new LinearEvaluator(view, 4) };
            images.set(r.computer, entry);
          }
          for (const settings of OVERRIDES) {
            for (const nowMs of [caseTimeMs(r), BASE_TIME_MS + extraHours * HOUR_MS]) {
              const options = settings === undefined ? { nowMs } : { nowMs, settings };
              expect(entry.image.evaluate(r.file, options)).toEqual(entry.linear.evaluate(r.file, options));
            }
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('tells where the view lies, its view hash the snapshot view hash, when the fast reader read it', () => {
    const check = (view: ComputerView): void => {
      const signed = sealSnapshot(content(view), privateKey);
      const payload = pb.SignedSnapshot.decode(signed).payload;
      let told: PayloadView | undefined;
      compileViewImageFromPayload(payload, BINDING, undefined, (v) => {
        told = v;
      });
      expect(told?.ordered).toBe(true);
      const { from, to, computerEnd } = told as PayloadView;
      expect(orderedViewHash(payload.subarray(from, to), computerEnd)).toEqual(signedSnapshotViewHash(signed));
    };
    check(SYNTHETIC_VIEW);
    fc.assert(
      fc.property(worldArb(), (g) => {
        const index = new WorldIndex(g.world);
        for (const computer of g.world.computers.slice(0, 2)) check(buildView(index, computer.id));
      }),
      { numRuns: 30 },
    );
    // Not told when the decoder reads the payload.
    const small = {
      ...SYNTHETIC_VIEW,
      policies: SYNTHETIC_VIEW.policies.slice(0, 5),
      settings: {},
      settingSources: {},
    };
    // Its second part holds the last policies (a view names each policy and application once).
    const twice = Buffer.concat([
      sealedPayload(content({ ...small, policies: small.policies.slice(0, 3) })),
      sealedPayload(content({ ...small, policies: small.policies.slice(3), applications: [], approvalPolicies: [] })),
    ]);
    let told = false;
    compileViewImageFromPayload(twice, BINDING, undefined, () => {
      told = true;
    });
    expect(told).toBe(false);
  });

  it('from a view with strings of every kind: the same bytes as from its payload, or the same refusal', () => {
    // Empty, escapes, beyond ASCII, and repeated across fields (text the builder writes itself, and text it
    // leaves to the encoder and to JSON.stringify).
    const textArb = fc.oneof(
      fc.constantFrom('', 'org-a', 'C:\\Tools\\*.exe', 'say "hi"', 'Müller', '日本', 'tab\there', '\u007f', '😀'),
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
    );
    // Influence lists hold country codes (in any case); now and then a text, for which the view is refused.
    const codeArb = fc.constantFrom('CN', 'us', 'De', 'fR');
    const entryArb = fc.oneof({ arbitrary: codeArb, weight: 19 }, { arbitrary: textArb, weight: 1 });
    const listArb = fc.option(fc.array(entryArb, { maxLength: 3 }), { nil: undefined });
    const small = SYNTHETIC_VIEW.policies.slice(0, 12);
    const apps = SYNTHETIC_VIEW.applications.filter((a) => small.some((p) => p.app === a.id));
    let compiled = 0;
    fc.assert(
      fc.property(fc.array(textArb, { minLength: 40, maxLength: 40 }), listArb, listArb, (texts, first, second) => {
        const text = (i: number): string => texts[i % texts.length] as string;
        const view: ComputerView = {
          ...SYNTHETIC_VIEW,
          // A policy of level rank 2 to 4 is of the computer's own organization; the others of any.
          policies: small.map((p, i) => ({
            ...p,
            name: i % 3 === 0 ? null : text(i),
            org: p.levelRank >= 2 ? p.org : `org-${i % 2}`,
          })),
          applications: apps.map((a, i) => ({
            ...a,
            name: text(i + 13),
            category: text(i % 4),
            subcategory: i % 2 === 0 ? text(i + 20) : undefined,
            primaryCompanyInfluence: i % 2 === 0 ? first : second,
            developmentInfluence: i % 3 === 0 ? second : first,
            rules: a.rules.map((r, k) =>
              k === 0 && r.path !== undefined ? { ...r, path: `C:\\${text(i + k + 25)}` } : r,
            ),
          })),
        };
        // The view as the payload carries it: an empty string is no string on the wire.
        const payload = sealedPayload(content(view));
        const decoded = decodeSnapshotPayload(payload).view;
        const fromView = errorText(() => compileViewImage(decoded, BINDING));
        if (fromView !== 'no error') {
          expect(errorText(() => compileViewImageFromPayload(payload, BINDING))).toBe(fromView);
          return;
        }
        // The fast reader leaves a payload to the decoder where it cannot tell a U+FFFD was sent as such (a
        // lone surrogate is sent as one); either way the bytes are the decoded view's.
        const fast = compileRegularPayload(payload, BINDING);
        if (fast !== null) compiled++;
        const image = fast ?? compileViewImageFromPayload(payload, BINDING);
        expect(same(image.bytes, compileViewImage(decoded, BINDING).bytes)).toBe(true);
      }),
      { numRuns: 150 },
    );
    expect(compiled).toBeGreaterThan(100);
  });

  it('from a view of more string bytes than ASCII text foretells, and of lone surrogates: the same bytes', () => {
    // Three bytes a character: past the room the builder makes from the view's lengths.
    const wide = (i: number): string => `C:\\${'日本語'.repeat(40)}\\${i}.exe`;
    const view: ComputerView = {
      ...SYNTHETIC_VIEW,
      applications: SYNTHETIC_VIEW.applications.map((a, i) => ({
        ...a,
        name: `${a.name} ${'ü'.repeat(30)}`,
        rules: a.rules.map((r) => (r.path === undefined ? r : { ...r, path: wide(i) })),
      })),
    };
    const payload = sealedPayload(content(view));
    const image = compileViewImage(view, BINDING);
    expect(same(compileRegularPayload(payload, BINDING)?.bytes, image.bytes)).toBe(true);
    // A lone surrogate is written as U+FFFD, as the encoder writes it.
    const lone = (text: string): string => `${text}\ud800x`;
    const replaced = (text: string): string => `${text}\ufffdx`;
    const withLone = (mark: (text: string) => string): ComputerView => ({
      ...SYNTHETIC_VIEW,
      policies: SYNTHETIC_VIEW.policies.map((p) => ({ ...p, id: mark(p.id), name: mark(p.name ?? '') })),
      applications: SYNTHETIC_VIEW.applications.map((a) => ({ ...a, name: mark(a.name), category: mark('c') })),
    });
    expect(
      same(compileViewImage(withLone(lone), BINDING).bytes, compileViewImage(withLone(replaced), BINDING).bytes),
    ).toBe(true);
  });

  it('is the same when a repeated text beyond ASCII, after an ASCII start, is the last string added', () => {
    // The builder writes a text's ASCII start into the table before it meets the first character beyond ASCII;
    // a text already there is not added again, and what was written past the table's end must not stay.
    const small = SYNTHETIC_VIEW.policies.slice(0, 20);
    const apps = SYNTHETIC_VIEW.applications.filter((a) => small.some((p) => p.app === a.id));
    const texts = ['abcü', 'C:\\Programme\\Müller', 'vendor 日本', 'x\u0080'];
    // The last string an application adds: its subcategory (no influence lists), or its influence lists (country
    // codes, after the text as subcategory).
    const last = [
      (text: string) => ({ category: text, subcategory: text }),
      (text: string) => ({ category: 'c', subcategory: text, primaryCompanyInfluence: ['CN'] }),
      (text: string) => ({ subcategory: text, developmentInfluence: ['cn', 'CN'] }),
    ];
    for (const [text, fields] of texts.flatMap((t) => last.map((f) => [t, f] as const))) {
      const view: ComputerView = {
        ...SYNTHETIC_VIEW,
        policies: small,
        applications: apps.map((a) => {
          const { primaryCompanyInfluence: _p, developmentInfluence: _d, ...rest } = a;
          return { ...rest, ...fields(text) };
        }),
      };
      const payload = sealedPayload(content(view));
      const fast = compileRegularPayload(payload, BINDING);
      expect(fast).not.toBeNull();
      expect(same(fast?.bytes, compileViewImage(decodeSnapshotPayload(payload).view, BINDING).bytes)).toBe(true);
    }
  });

  it('is the same with ringfences past the number kept, repeated, and written differently', () => {
    const base = SYNTHETIC_VIEW.policies[0];
    if (base === undefined) throw new Error('no policy');
    const distinct = 4_100;
    const policies = Array.from({ length: distinct + 200 }, (_, i) => ({
      ...base,
      id: `p-ring-${i}`,
      action: 'ringfence' as const,
      ringfence: { network: i % 2 === 0, files: [`C:\\data\\${i % distinct}`] },
    }));
    const c = content({ ...SYNTHETIC_VIEW, policies });
    // A ringfence written again with spaces (parsed to the same JSON), and those bytes once more (found by them).
    const payload = editedPayload(c, (view) => {
      const wire = view.policies ?? [];
      const first = wire[0];
      const second = wire[1];
      if (typeof first?.ringfenceJson !== 'string' || second === undefined) throw new Error('no ringfence');
      second.ringfenceJson = JSON.stringify(JSON.parse(first.ringfenceJson) as unknown, null, 2);
      wire.push({ ...second, id: 'p-ring-spaced-again' });
    });
    const fast = compileRegularPayload(payload, BINDING);
    expect(fast).not.toBeNull();
    expect(same(fast?.bytes, decodedImage(payload))).toBe(true);
    const image = openViewImage(fast?.bytes.slice() ?? new Uint8Array(0), { snapshotHash: HASH });
    expect(image.toView().policies.map((p) => p.ringfence)).toEqual(
      decodeSnapshotPayload(payload).view.policies.map((p) => p.ringfence),
    );
    // The answers written from the image's bytes: a ringfence as stored when JSON gives it back as it is,
    // else from the decision (the spaced ones), as the generated code writes them.
    for (let n = 0; n < 2 * image.policyCount; n++) {
      const out = Buffer.alloc(imageDecisionFrameBound(image, n));
      const frame = out.subarray(0, writeImageDecisionFrame(out, 0, n + 1, image, n));
      expect(frame).toEqual(
        encodeFrame(encodeResponse({ id: n + 1, kind: 'decision', decision: image.decisionAt(n) })),
      );
    }
  });

  it('is the same when the view lists its applications before its policies', () => {
    const c = content(SYNTHETIC_VIEW);
    const view = viewToWire(c.view, 'snapshot.view');
    const head = pb.ComputerView.encode({ computer: view.computer, applications: view.applications }).finish();
    const tail = pb.ComputerView.encode({ ...view, computer: null, applications: [] }).finish();
    const viewBytes = Buffer.concat([head, tail]);
    const payload = pb.SnapshotPayload.encode({
      computerId: c.computerId,
      version: c.version,
      issuedAtMs: c.issuedAtMs,
      settingsVersion: c.settingsVersion,
      kind: pb.PayloadKind.PAYLOAD_KIND_SNAPSHOT,
    }).finish();
    // The view field written by hand: field 5, length-delimited.
    const length: number[] = [];
    for (let n = viewBytes.length; ; n >>>= 7) {
      if (n < 0x80) {
        length.push(n);
        break;
      }
      length.push((n & 0x7f) | 0x80);
    }
    const reordered = Buffer.concat([payload, Uint8Array.from([(5 << 3) | 2, ...length]), viewBytes]);
    let told: PayloadView | undefined;
    const fast = compileRegularPayload(reordered, BINDING, undefined, (v) => {
      told = v;
    });
    expect(fast).not.toBeNull();
    // Out of field order: the caller hashes the view's parts in order instead (viewHashOf).
    expect(told?.ordered).toBe(false);
    expect(viewHashOf(viewBytes)).not.toEqual(orderedViewHash(viewBytes, 0));
    expect(same(fast?.bytes, decodedImage(SYNTHETIC_PAYLOAD))).toBe(true);
  });

  it('for what the fast reader leaves to the decoder (unknown fields, a view in two parts): the same bytes', () => {
    // No settings: a setting given twice is refused, and this view is sent twice.
    const small = SYNTHETIC_VIEW.policies.slice(0, 50);
    const c = content({ ...SYNTHETIC_VIEW, policies: small, settings: {}, settingSources: {} });
    // The second part holds more policies only (a view names each policy, application and approval policy once).
    const c2 = content({
      ...SYNTHETIC_VIEW,
      policies: SYNTHETIC_VIEW.policies.slice(50, 80),
      applications: [],
      approvalPolicies: [],
      settings: {},
      settingSources: {},
    });
    const unknown = editedPayload(c, (view) => {
      const policy = view.policies?.[3] as tollgate.v1.Policy & { $unknowns?: Uint8Array[] };
      policy.$unknowns = [Uint8Array.from([(99 << 3) | 0, 1])];
    });
    expect(compileRegularPayload(unknown, BINDING)).toBeNull();
    expect(same(compileViewImageFromPayload(unknown, BINDING).bytes, decodedImage(unknown))).toBe(true);
    const twice = Buffer.concat([sealedPayload(c), sealedPayload(c2)]);
    expect(compileRegularPayload(twice, BINDING)).toBeNull();
    expect(same(compileViewImageFromPayload(twice, BINDING).bytes, decodedImage(twice))).toBe(true);
  });

  it('leaves a text field given twice to the decoder: refused when any copy is not UTF-8, else the last copy', () => {
    const c = content({ ...SYNTHETIC_VIEW, policies: SYNTHETIC_VIEW.policies.slice(0, 40) });
    type Raw = { $unknowns?: Uint8Array[] };
    // Field `number` of a message given twice more after its own copy: `first` (not UTF-8 or not), then `last`.
    const twice = (number: number, first: number[], last: number[]): Uint8Array[] => [
      Uint8Array.from([(number << 3) | 2, first.length, ...first]),
      Uint8Array.from([(number << 3) | 2, last.length, ...last]),
    ];
    const edits: [string, (view: tollgate.v1.ComputerView.$Properties, first: number[]) => void][] = [
      ['policy name', (view, first) => ((view.policies?.[2] as Raw).$unknowns = twice(2, first, [0x6e]))],
      [
        'policy org',
        (view, first) =>
          ((view.policies?.[2] as Raw).$unknowns = twice(9, first, [...Buffer.from(view.policies?.[2]?.org ?? '')])),
      ],
      ['application name', (view, first) => ((view.applications?.[1] as Raw).$unknowns = twice(2, first, [0x6e]))],
      [
        'rule path',
        (view, first) =>
          ((view.applications?.[1]?.rules?.[0] as Raw).$unknowns = twice(1, first, [...Buffer.from('/x')])),
      ],
    ];
    for (const [what, edit] of edits) {
      const bad = editedPayload(c, (view) => edit(view, [0xff]));
      const expected = errorText(() => decodeSnapshotPayload(bad));
      expect(expected, what).toMatch(/^bad-message: .*utf-8/i);
      expect(compileRegularPayload(bad, BINDING), what).toBeNull();
      expect(
        errorText(() => compileViewImageFromPayload(bad, BINDING)),
        what,
      ).toBe(expected);
      const good = editedPayload(c, (view) => edit(view, [0x61]));
      expect(same(compileViewImageFromPayload(good, BINDING).bytes, decodedImage(good)), what).toBe(true);
    }
  });

  it('writes the influence lists as the decoded view gives them: any case, empty and repeated lists; refuses other text', () => {
    const small = content({ ...SYNTHETIC_VIEW, policies: SYNTHETIC_VIEW.policies.slice(0, 30) });
    type Lists = [string[] | undefined, string[] | undefined][];
    const withLists = (lists: Lists): Uint8Array =>
      editedPayload(small, (view) => {
        view.applications?.slice(0, lists.length).forEach((app, i) => {
          const [primary, development] = lists[i] as Lists[number];
          app.primaryCompanyInfluence = primary === undefined ? null : { values: primary };
          app.developmentInfluence = development === undefined ? null : { values: development };
        });
      });
    const payload = withLists([
      [['CN', 'us'], undefined],
      [undefined, ['De']],
      [[], []],
      [['cn'], ['CN', 'cn']],
      [['JP', 'NL', 'FR'], ['jp']],
      [['CN', 'us'], undefined],
    ]);
    const fast = compileRegularPayload(payload, BINDING);
    expect(fast).not.toBeNull();
    expect(same(fast?.bytes, decodedImage(payload))).toBe(true);
    // Text that is no country code (escapes, beyond ASCII, spaces) meets no approval policy's list: refused by both
    // readers, naming the application and the entry.
    for (const [lists, field, bad] of [
      [[[['say "hi"'], ['C:\\Tools']]], 'primaryCompanyInfluence', 'say "hi"'],
      [[[['CN', 'tab\there'], ['Müller GmbH']]], 'primaryCompanyInfluence', 'tab\there'],
      [[[['de'], ['日本']]], 'developmentInfluence', '日本'],
      [[[['CN'], [' CN']]], 'developmentInfluence', ' CN'],
    ] as [Lists, string, string][]) {
      const refused = withLists(lists);
      const id = decodeSnapshotPayload(refused).view.applications[0]?.id ?? '';
      expect(compileRegularPayload(refused, BINDING)).toBeNull();
      expect(errorText(() => compileViewImageFromPayload(refused, BINDING))).toBe(
        `bad-message: view.applications[${id}]: ${field} ${JSON.stringify(bad)} is not an ISO 3166-1 alpha-2 country code`,
      );
    }
    // A list given in two records (merged, in order): the same as the decoder.
    const list = (values: string[]): Uint8Array => pb.StringList.encode({ values }).finish();
    const record = (field: number, bytes: Uint8Array): Uint8Array =>
      Buffer.concat([Uint8Array.from([(field << 3) | 2, bytes.length]), bytes]);
    for (const [first, second] of [
      [['CN', 'us'], ['De']],
      [['fr'], ['FR', 'jp']],
    ] as const) {
      const app = pb.Application.encode({ id: 'twice-app', name: 'Twice' }).finish();
      const twice = Buffer.concat([
        app,
        record(10, list([...first])),
        record(11, list(['NL'])),
        record(10, list([...second])),
      ]);
      const c = content({ ...SYNTHETIC_VIEW, policies: [], applications: [] });
      const viewBytes = Buffer.concat([
        pb.ComputerView.encode(viewToWire(c.view, 'snapshot.view')).finish(),
        record(5, twice),
      ]);
      const withView = Buffer.concat([
        pb.SnapshotPayload.encode({
          computerId: c.computerId,
          version: c.version,
          issuedAtMs: c.issuedAtMs,
          settingsVersion: c.settingsVersion,
          kind: pb.PayloadKind.PAYLOAD_KIND_SNAPSHOT,
        }).finish(),
        Uint8Array.from([(5 << 3) | 2, ...varint(viewBytes.length)]),
        viewBytes,
      ]);
      const image = compileRegularPayload(withView, BINDING);
      expect(image).not.toBeNull();
      expect(same(image?.bytes, decodedImage(withView))).toBe(true);
      expect(image?.application('twice-app')?.primaryCompanyInfluence).toEqual([...first, ...second]);
    }
  });

  it('refuses a view no valid world gives with the error of the compile from objects, naming the field and id', () => {
    expect(compileRegularPayload(sealedPayload(content(validView())), BINDING)).not.toBeNull();
    for (const broken of BROKEN_VIEWS) {
      const payload = sealedPayload(content(changedView(broken.change)));
      // The fast reader gives it up, and the decoder's view is refused as compileViewImage refuses it.
      expect(compileRegularPayload(payload, BINDING)).toBeNull();
      expect(errorText(() => compileViewImageFromPayload(payload, BINDING))).toBe(`bad-message: ${broken.error}`);
      expect(errorText(() => compileSnapshotImage(payload, { version: 4, sha256: HASH }))).toBe(
        `bad-message: ${broken.error}`,
      );
      for (const accept of broken.accepted ?? []) {
        const near = sealedPayload(content(changedView(accept)));
        expect(same(compileRegularPayload(near, BINDING)?.bytes, decodedImage(near))).toBe(true);
      }
    }
  });

  it('is refused as the decoder refuses it: bad content, truncated or damaged bytes, never an image', () => {
    const small = content({ ...SYNTHETIC_VIEW, policies: SYNTHETIC_VIEW.policies.slice(0, 40) });
    const badAction = editedPayload(small, (view) => {
      (view.policies?.[2] as { action: number }).action = 42;
    });
    expect(errorText(() => compileViewImageFromPayload(badAction, BINDING))).toBe(
      'bad-message: snapshot.view.policies[2].action: unknown policy action 42',
    );
    // Nested too deep to be written again or walked (a stack overflow was answered as `internal`).
    const deep = editedPayload(small, (view) => {
      (view.policies?.[2] as { ringfenceJson: string }).ringfenceJson =
        '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    });
    expect(errorText(() => compileViewImageFromPayload(deep, BINDING))).toBe(
      'bad-message: snapshot.view.policies[2].ringfenceJson: nests objects or lists deeper than 64 levels',
    );
    const payload = sealedPayload(small);
    for (let cut = 0; cut < payload.length; cut += 97) {
      const truncated = payload.subarray(0, cut);
      const expected = errorText(() => decodeSnapshotPayload(truncated));
      expect(expected).toMatch(/^bad-message: /);
      expect(errorText(() => compileViewImageFromPayload(truncated, BINDING))).toBe(expected);
    }
  });
});

describe('compileSnapshotImage', () => {
  it('gives the header, the image bytes to store and the image, bound to the version and hash', () => {
    const sha256 = createHash('sha256').update(SYNTHETIC_PAYLOAD).digest();
    const { header, bytes, image } = compileSnapshotImage(SYNTHETIC_PAYLOAD, { version: 4, sha256 });
    expect(header).toEqual({
      computerId: SYNTHETIC.computer,
      version: 4,
      issuedAtMs: 1_763_900_000_000,
      settingsVersion: 2,
    });
    expect(bytes).toBe(image.bytes);
    expect(image.snapshotVersion).toBe(4);
    const reopened = openViewImage(bytes.slice(), { snapshotHash: sha256 });
    expect(reopened.policyCount).toBe(SYNTHETIC_VIEW.policies.length);
    expect(() => openViewImage(bytes.slice(), { snapshotHash: HASH })).toThrow(/another snapshot/);
  });

  it("refuses a version that is not the payload's, and a hash that is not 32 bytes", () => {
    const sha256 = new Uint8Array(32);
    expect(errorText(() => compileSnapshotImage(SYNTHETIC_PAYLOAD, { version: 5, sha256 }))).toBe(
      'invalid-input: snapshot version is 4, not 5',
    );
    expect(errorText(() => compileSnapshotImage(SYNTHETIC_PAYLOAD, { version: 4, sha256: new Uint8Array(31) }))).toBe(
      'invalid-input: snapshot sha256 is 31 bytes, expected 32',
    );
  });
});
