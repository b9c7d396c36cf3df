/**
 * The string table's entry points for text (add, append, addRepeated,
 * addListPairJson) against those for UTF-8 bytes (addBytes, appendBytes,
 * and JSON.stringify's text): the same string numbers in the same order,
 * and the same table, for any mix of texts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { buildView } from '../../src/engine/view.js';
import { ImageStrings, ViewImageBuilder, compileViewImage, viewMeta } from '../../src/engine/view-image.js';
import { syntheticWorld } from '../../scripts/lib/synthetic-world.js';

const UTF8 = new TextEncoder();

/** One string added, as the builder adds a view's fields. */
type Step =
  | { kind: 'add' | 'append' | 'repeated'; text: string }
  | { kind: 'lists'; first: string[] | undefined; second: string[] | undefined };

const textArb = fc.oneof(
  fc.constantFrom('', 'org-a', 'org-b', 'Tools', 'say "hi"', 'C:\\Tools', 'Müller', '日本', '\ud800', 'tab\there'),
  fc.string({ maxLength: 10 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const listArb = fc.option(fc.array(textArb, { maxLength: 3 }), { nil: undefined });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom('add' as const, 'append' as const, 'repeated' as const), text: textArb }),
  fc.record({ kind: fc.constant('lists' as const), first: listArb, second: listArb }),
);

/** The numbers the text entry points give, and the table. */
function byText(steps: Step[]): { numbers: number[]; table: ReturnType<ImageStrings['finish']> } {
  const strings = new ImageStrings();
  const numbers = steps.map((step) => {
    switch (step.kind) {
      case 'add':
        return strings.add(step.text);
      case 'append':
        return strings.append(step.text);
      case 'repeated':
        return strings.addRepeated(step.text);
      case 'lists': {
        const s = strings.addListPairJson(step.first, step.second);
        return s >= 0 ? s : strings.add(JSON.stringify([step.first ?? null, step.second ?? null]));
      }
    }
  });
  return { numbers, table: strings.finish() };
}

/** The same strings given as their UTF-8 bytes. */
function byBytes(steps: Step[]): { numbers: number[]; table: ReturnType<ImageStrings['finish']> } {
  const strings = new ImageStrings();
  const numbers = steps.map((step) => {
    const text = step.kind === 'lists' ? JSON.stringify([step.first ?? null, step.second ?? null]) : step.text;
    const bytes = UTF8.encode(text);
    return step.kind === 'append'
      ? strings.appendBytes(bytes, 0, bytes.length)
      : strings.addBytes(bytes, 0, bytes.length);
  });
  return { numbers, table: strings.finish() };
}

describe('the string table', () => {
  it('numbers text as it numbers its UTF-8 bytes, whichever entry point adds it', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const text = byText(steps);
        const bytes = byBytes(steps);
        expect(text.numbers).toEqual(bytes.numbers);
        expect(Buffer.from(text.table.strBytes).equals(Buffer.from(bytes.table.strBytes))).toBe(true);
        expect(text.table.strOffsets).toEqual(bytes.table.strOffsets);
      }),
      { numRuns: 500 },
    );
  });

  it('gives a repeated text its one number, the empty string too, as add does', () => {
    const steps: Step[] = ['org-a', '', 'org-b', 'org-a', '', 'org-b', 'org-a'].map((text) => ({
      kind: 'repeated',
      text,
    }));
    const { numbers } = byText(steps);
    expect(numbers).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(numbers).toEqual(byBytes(steps).numbers);
  });

  it('finds each of many texts again, however far apart they come (more than its recent strings hold)', () => {
    const strings = new ImageStrings();
    const expected = new Map<string, number>();
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 40_000; i++) {
      // A few texts very often, many now and then: recent strings are replaced many times over.
      const text = next() % 4 === 0 ? `org-${next() % 8}` : `app-${next() % 20_000}`;
      const bytes = UTF8.encode(text);
      const number = strings.addBytes(bytes, 0, bytes.length);
      if (!expected.has(text)) expected.set(text, expected.size);
      expect(number).toBe(expected.get(text));
    }
    const table = strings.finish();
    expect(table.strOffsets.length).toBe(expected.size + 1);
  });

  it('writes a list pair as JSON.stringify does, and leaves what JSON must escape to it', () => {
    const strings = new ImageStrings();
    expect(strings.addListPairJson(['Contoso', 'Fabrikam'], undefined)).toBe(0);
    expect(strings.addListPairJson([], null)).toBe(1);
    expect(strings.addListPairJson(['say "hi"'], undefined)).toBe(-1);
    expect(strings.addListPairJson(['Müller'], undefined)).toBe(-1);
    expect(strings.addListPairJson('not a list', undefined)).toBe(-1);
    expect(strings.addListPairJson([1], undefined)).toBe(-1);
    expect(strings.addListPairJson(['Contoso', 'Fabrikam'], undefined)).toBe(0);
    expect(strings.text(0)).toBe(JSON.stringify([['Contoso', 'Fabrikam'], null]));
    expect(strings.text(1)).toBe('[[],null]');
  });
});

describe('the image builder', () => {
  it('refuses a view whose policies, applications or rules are not lists, never compiling it without them', () => {
    const synthetic = syntheticWorld({ policies: 50, seed: 3, requests: 0 });
    const view = buildView(synthetic.world, synthetic.computer);
    const binding = { snapshotVersion: null, snapshotHash: null };
    expect(compileViewImage(view, binding).policyCount).toBe(view.policies.length);
    const odd: unknown[] = [
      { ...view, policies: {} },
      { ...view, applications: 'apps' },
      { ...view, applications: view.applications.map((a, i) => (i === 0 ? { ...a, rules: {} } : a)) },
    ];
    for (const bad of odd) {
      expect(() => compileViewImage(bad as typeof view, binding)).toThrow(TollgateError);
    }
  });

  it('adds a view after an empty one, every column growing from the none it was sized for', () => {
    const synthetic = syntheticWorld({ policies: 50, seed: 3, requests: 0 });
    const view = buildView(synthetic.world, synthetic.computer);
    const binding = { snapshotVersion: null, snapshotHash: null };
    const builder = new ViewImageBuilder();
    builder.addView({ ...view, policies: [], applications: [] });
    builder.addView(view);
    const image = builder.finish(viewMeta(view), binding);
    expect(image.policyCount).toBe(view.policies.length);
    expect(Buffer.from(image.bytes).equals(Buffer.from(compileViewImage(view, binding).bytes))).toBe(true);
  });

  it("keeps a small view's image in a buffer of its own size, not in the larger one made ahead", () => {
    const synthetic = syntheticWorld({ policies: 30, seed: 4, requests: 0 });
    const view = buildView(synthetic.world, synthetic.computer);
    const binding = { snapshotVersion: null, snapshotHash: null };
    for (const small of [view, { ...view, policies: [], applications: [] }]) {
      const { bytes } = compileViewImage(small, binding);
      expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    }
  });
});
