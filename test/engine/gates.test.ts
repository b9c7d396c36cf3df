/** SPEC.md section 4: gates, the default table, custom tables and the gated list. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GATES,
  FLAT_FEATURE,
  FLAT_MIN_WINDOWS_VERSION,
  PRIORITIZE_FEATURE,
  failedGates,
  passesGate,
} from '../../src/engine/gates.js';
import type { Gate, OsName } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { makeWorld } from '../support/arbitraries.js';

describe('the default table', () => {
  it('is the table of SPEC.md section 4', () => {
    expect(FLAT_FEATURE).toBe('flatPolicyStructure');
    expect(PRIORITIZE_FEATURE).toBe('prioritizeBuiltInApplicationsSetting');
    expect(FLAT_MIN_WINDOWS_VERSION).toBe('10.5.3');
    expect(DEFAULT_GATES).toEqual([
      { feature: 'flatPolicyStructure', os: 'windows', minVersion: '10.5.3' },
      { feature: 'prioritizeBuiltInApplicationsSetting', os: 'windows', minVersion: '10.5.3' },
    ]);
  });

  it('cannot be changed by accident', () => {
    expect(Object.isFrozen(DEFAULT_GATES)).toBe(true);
    expect(DEFAULT_GATES.every((g) => Object.isFrozen(g))).toBe(true);
  });
});

describe('passing a gate', () => {
  it.each<[string, OsName, string, boolean]>([
    ['flatPolicyStructure', 'windows', '10.5.3', true],
    ['flatPolicyStructure', 'windows', '10.5.10', true],
    ['flatPolicyStructure', 'windows', '10.5.3.0', true],
    ['flatPolicyStructure', 'windows', '10.5.3.1', true],
    ['flatPolicyStructure', 'windows', '10.6', true],
    ['flatPolicyStructure', 'windows', '11', true],
    ['flatPolicyStructure', 'windows', '10.5.2', false],
    ['flatPolicyStructure', 'windows', '10.5.2.9', false],
    ['flatPolicyStructure', 'windows', '10.5', false],
    ['flatPolicyStructure', 'windows', '10.4.0', false],
    ['flatPolicyStructure', 'windows', '9', false],
    ['flatPolicyStructure', 'macos', '1.0', true],
    ['flatPolicyStructure', 'linux', '0', true],
    ['prioritizeBuiltInApplicationsSetting', 'windows', '10.5.2', false],
    ['prioritizeBuiltInApplicationsSetting', 'windows', '10.5.3', true],
    ['prioritizeBuiltInApplicationsSetting', 'macos', '10.4.0', true],
    ['a feature no gate names', 'windows', '0.1', true],
  ])('%s, %s %s: %s', (feature, os, version, expected) => {
    expect(passesGate(DEFAULT_GATES, feature, os, version)).toBe(expected);
  });

  it.each<[string, Gate[], OsName, string, boolean]>([
    ['an empty table', [], 'windows', '1', true],
    ['a macos gate, macos below', [{ feature: 'f', os: 'macos', minVersion: '10.5.0' }], 'macos', '10.4.9', false],
    ['a macos gate, windows below', [{ feature: 'f', os: 'macos', minVersion: '10.5.0' }], 'windows', '10.4.9', true],
    ['a gate for another feature', [{ feature: 'g', os: 'windows', minVersion: '99' }], 'windows', '1', true],
    [
      'two gates for the same os: both must pass',
      [
        { feature: 'f', os: 'windows', minVersion: '10.5.0' },
        { feature: 'f', os: 'windows', minVersion: '10.6.0' },
      ],
      'windows',
      '10.5.5',
      false,
    ],
    [
      'gates for two systems: each applies to its own',
      [
        { feature: 'f', os: 'windows', minVersion: '10.6.0' },
        { feature: 'f', os: 'linux', minVersion: '2' },
      ],
      'linux',
      '2.0',
      true,
    ],
  ])('a custom table: %s', (_name, gates, os, version, expected) => {
    expect(passesGate(gates, 'f', os, version)).toBe(expected);
  });

  it('an invalid agent version is an error, not a pass', () => {
    expect(() => passesGate(DEFAULT_GATES, FLAT_FEATURE, 'windows', 'latest')).toThrow(
      expect.objectContaining({ code: 'bad-version' }),
    );
  });
});

describe('the gated list', () => {
  it.each<[string, readonly Gate[], OsName, string, string[]]>([
    [
      'default table, old windows',
      DEFAULT_GATES,
      'windows',
      '10.4.0',
      ['flatPolicyStructure', 'prioritizeBuiltInApplicationsSetting'],
    ],
    ['default table, new windows', DEFAULT_GATES, 'windows', '10.5.3', []],
    ['default table, old macos', DEFAULT_GATES, 'macos', '1', []],
    [
      'in table order',
      [
        { feature: 'b', os: 'windows', minVersion: '2' },
        { feature: 'a', os: 'windows', minVersion: '2' },
      ],
      'windows',
      '1',
      ['b', 'a'],
    ],
    [
      'each feature once',
      [
        { feature: 'a', os: 'windows', minVersion: '2' },
        { feature: 'a', os: 'windows', minVersion: '3' },
      ],
      'windows',
      '1',
      ['a'],
    ],
    [
      'in the order each feature is first named, where a later gate of it fails',
      [
        { feature: 'b', os: 'windows', minVersion: '1' },
        { feature: 'a', os: 'linux', minVersion: '9' },
        { feature: 'a', os: 'windows', minVersion: '2' },
        { feature: 'b', os: 'windows', minVersion: '5' },
      ],
      'windows',
      '1.5',
      ['b', 'a'],
    ],
    [
      'only the failed ones',
      [
        { feature: 'a', os: 'windows', minVersion: '2' },
        { feature: 'b', os: 'windows', minVersion: '1' },
        { feature: 'c', os: 'linux', minVersion: '9' },
      ],
      'windows',
      '1.5',
      ['a'],
    ],
  ])('%s', (_name, gates, os, version, expected) => {
    expect(failedGates(gates, os, version)).toEqual(expected);
  });

  it('answers for a table of tens of thousands of gates, each feature once', () => {
    const gates: Gate[] = Array.from({ length: 40_000 }, (_, i) => ({
      feature: `f${i % 20_000}`,
      os: 'windows',
      minVersion: i % 2 === 0 ? '1' : '3',
    }));
    const failed = failedGates(gates, 'windows', '2');
    expect(failed).toHaveLength(10_000);
    expect(failed.slice(0, 3)).toEqual(['f1', 'f3', 'f5']);
  });
});

describe("a scenario's gates replace the default table", () => {
  const base = {
    organizations: [{ id: 'o', name: 'O', structure: 'flat' as const, modules: [] }],
    groups: [{ id: 'g', org: 'o', name: 'G', os: 'windows' as const, agentVersion: '10.4.0' }],
    computers: [{ id: 'c', group: 'g' }],
  };

  it('no gates: the default table', () => {
    expect(buildView(makeWorld(base), 'c').gates).toEqual(DEFAULT_GATES);
  });

  it('an empty list: no gates at all', () => {
    expect(buildView(makeWorld({ ...base, gates: [] }), 'c').gates).toEqual([]);
  });

  it('a custom list: exactly that list', () => {
    const gates: Gate[] = [{ feature: 'flatPolicyStructure', os: 'linux', minVersion: '1.2' }];
    const view = buildView(makeWorld({ ...base, gates }), 'c');
    expect(view.gates).toEqual(gates);
    // The view holds copies: changing the world later does not change a snapshot.
    gates[0]!.minVersion = '9';
    expect(view.gates[0]?.minVersion).toBe('1.2');
  });
});
