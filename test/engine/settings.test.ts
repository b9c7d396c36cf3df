/**
 * Agent settings (SPEC.md sections 2.4 and 7): the lowest order whose Applies
 * To covers the computer wins, ties as in flat; a case's settings override the
 * effective values and gates still apply.
 */
import { describe, expect, it } from 'vitest';
import { effectiveMode } from '../../src/engine/evaluate.js';
import type { AgentSetting, AppliesTo, SettingValue, World } from '../../src/engine/model.js';
import {
  PRIORITIZE_SETTING,
  SETTING_DEFINITIONS,
  defaultSettings,
  settingValueProblem,
} from '../../src/engine/settings.js';
import { buildView, resolveSettings } from '../../src/engine/view.js';
import { WorldIndex } from '../../src/engine/world.js';
import { makeWorld } from '../support/arbitraries.js';

function setting(id: string, value: SettingValue, appliesTo: AppliesTo, order: number): AgentSetting {
  return { id, type: PRIORITIZE_SETTING, value, appliesTo, order };
}

function world(agentSettings: AgentSetting[]): World {
  return makeWorld({
    organizations: [
      { id: 'msp', name: 'MSP', structure: 'hierarchical', modules: [] },
      { id: 'cust', name: 'Customer', parent: 'msp', structure: 'hierarchical', modules: [] },
      { id: 'sub', name: 'Branch', parent: 'cust', structure: 'flat', modules: [] },
      { id: 'other', name: 'Other', structure: 'flat', modules: [] },
    ],
    groups: [
      { id: 'g-tills', org: 'cust', name: 'Tills', os: 'windows', agentVersion: '10.6.0' },
      { id: 'g-old', org: 'cust', name: 'Old', os: 'windows', agentVersion: '10.4.0' },
      { id: 'g-sub', org: 'sub', name: 'Tills backroom', os: 'windows', agentVersion: '10.6.0' },
      { id: 'g-other', org: 'other', name: 'Tills', os: 'windows', agentVersion: '10.6.0' },
    ],
    computers: [
      { id: 'pc-till', group: 'g-tills' },
      { id: 'pc-old', group: 'g-old' },
      { id: 'pc-sub', group: 'g-sub' },
      { id: 'pc-other', group: 'g-other' },
    ],
    agentSettings,
  });
}

describe('definitions', () => {
  it('prioritizeBuiltInApplications is a boolean, true by default', () => {
    expect(PRIORITIZE_SETTING).toBe('prioritizeBuiltInApplications');
    expect(SETTING_DEFINITIONS[PRIORITIZE_SETTING]).toMatchObject({ type: 'boolean', defaultValue: true });
    expect(defaultSettings()).toEqual({ prioritizeBuiltInApplications: true });
  });

  it('defaultSettings returns a fresh object each time', () => {
    const a = defaultSettings();
    a[PRIORITIZE_SETTING] = false;
    expect(defaultSettings()[PRIORITIZE_SETTING]).toBe(true);
  });

  it.each<[string, string, unknown, RegExp | null]>([
    ['a boolean', PRIORITIZE_SETTING, false, null],
    ['true', PRIORITIZE_SETTING, true, null],
    ['a string', PRIORITIZE_SETTING, 'false', /takes a boolean/],
    ['a number', PRIORITIZE_SETTING, 0, /takes a boolean/],
    ['null', PRIORITIZE_SETTING, null, /takes a boolean, not null$/],
    ['NaN, shown as itself', PRIORITIZE_SETTING, Number.NaN, /takes a boolean, not NaN$/],
    ['an infinity', PRIORITIZE_SETTING, -Infinity, /takes a boolean, not -Infinity$/],
    ['an unknown type', 'turboMode', true, /unknown setting type "turboMode".*prioritizeBuiltInApplications/],
    ['a name every object has', 'constructor', true, /unknown setting type "constructor"/],
    ['another', 'toString', false, /unknown setting type "toString"/],
  ])('settingValueProblem: %s', (_name, type, value, problem) => {
    const got = settingValueProblem(type, value);
    if (problem === null) expect(got).toBeNull();
    else expect(got).toMatch(problem);
  });
});

describe('resolution: the lowest order that covers the computer wins, ties as in flat', () => {
  it.each<[string, AgentSetting[], string, boolean, string | null]>([
    ['no entry: the default', [], 'pc-till', true, null],
    ['one global entry', [setting('s', false, { global: 'msp' }, 1)], 'pc-till', false, 's'],
    [
      'an entry for another organization does not apply',
      [setting('s', false, { organization: 'other' }, 1)],
      'pc-till',
      true,
      null,
    ],
    [
      'an entry for the parent organization only does not apply',
      [setting('s', false, { organization: 'msp' }, 1)],
      'pc-till',
      true,
      null,
    ],
    [
      'globalGroup by keyword, case-insensitive',
      [setting('s', false, { globalGroup: { org: 'msp', keyword: 'TILLS' } }, 1)],
      'pc-sub',
      false,
      's',
    ],
    [
      'globalGroup keyword not matching',
      [setting('s', false, { globalGroup: { org: 'msp', keyword: 'Old' } }, 1)],
      'pc-till',
      true,
      null,
    ],
    [
      'lower order wins over a more specific level',
      [setting('s-computer', true, { computer: 'pc-till' }, 5), setting('s-global', false, { global: 'msp' }, 1)],
      'pc-till',
      false,
      's-global',
    ],
    [
      'a more specific level with a lower order wins',
      [setting('s-computer', false, { computer: 'pc-till' }, 1), setting('s-global', true, { global: 'msp' }, 5)],
      'pc-till',
      false,
      's-computer',
    ],
    [
      'negative orders are lowest',
      [setting('s-neg', false, { group: 'g-tills' }, -1), setting('s-zero', true, { global: 'msp' }, 0)],
      'pc-till',
      false,
      's-neg',
    ],
    [
      'equal order: global before a computer entry',
      [setting('s-computer', true, { computer: 'pc-till' }, 1), setting('s-global', false, { global: 'msp' }, 1)],
      'pc-till',
      false,
      's-global',
    ],
    [
      'equal order: organization before group',
      [setting('s-group', true, { group: 'g-tills' }, 1), setting('s-org', false, { organization: 'cust' }, 1)],
      'pc-till',
      false,
      's-org',
    ],
    [
      'equal order: computer before group',
      [setting('s-group', true, { group: 'g-tills' }, 1), setting('s-computer', false, { computer: 'pc-till' }, 1)],
      'pc-till',
      false,
      's-computer',
    ],
    [
      'equal order and level: the ancestor first',
      [setting('a-cust', false, { global: 'cust' }, 1), setting('z-msp', true, { global: 'msp' }, 1)],
      'pc-sub',
      true,
      'z-msp',
    ],
    [
      'everything equal: the smaller id',
      [setting('s-b', true, { global: 'cust' }, 1), setting('s-a', false, { global: 'cust' }, 1)],
      'pc-sub',
      false,
      's-a',
    ],
  ])('%s', (_name, agentSettings, computer, value, source) => {
    const view = buildView(world(agentSettings), computer);
    expect(view.settings[PRIORITIZE_SETTING]).toBe(value);
    expect(view.settingSources[PRIORITIZE_SETTING]).toBe(source);
    const reversed = buildView(world([...agentSettings].reverse()), computer);
    expect(reversed.settings).toEqual(view.settings);
    expect(reversed.settingSources).toEqual(view.settingSources);
  });

  it('resolveSettings reports values and sources for every known setting', () => {
    const index = new WorldIndex(world([setting('s', false, { global: 'msp' }, 1)]));
    expect(resolveSettings(index, 'pc-till')).toEqual({
      values: { prioritizeBuiltInApplications: false },
      sources: { prioritizeBuiltInApplications: 's' },
    });
    expect(resolveSettings(index, 'pc-other')).toEqual({
      values: { prioritizeBuiltInApplications: true },
      sources: { prioritizeBuiltInApplications: null },
    });
  });
});

describe("a case's settings override the effective values; gates still apply", () => {
  it.each<[string, AgentSetting[], string, Record<string, SettingValue> | undefined, boolean]>([
    ['no setting, no override', [], 'pc-till', undefined, true],
    ['setting false, no override', [setting('s', false, { global: 'msp' }, 1)], 'pc-till', undefined, false],
    ['no setting, override false', [], 'pc-till', { prioritizeBuiltInApplications: false }, false],
    [
      'setting false, override true',
      [setting('s', false, { global: 'msp' }, 1)],
      'pc-till',
      { prioritizeBuiltInApplications: true },
      true,
    ],
    [
      'setting true, override false',
      [setting('s', true, { global: 'msp' }, 1)],
      'pc-till',
      { prioritizeBuiltInApplications: false },
      false,
    ],
    [
      'an override of another setting leaves it alone',
      [setting('s', false, { global: 'msp' }, 1)],
      'pc-till',
      { somethingElse: true },
      false,
    ],
    ['an empty override leaves it alone', [setting('s', false, { global: 'msp' }, 1)], 'pc-till', {}, false],
    [
      'below the gate, setting false: forced on',
      [setting('s', false, { global: 'msp' }, 1)],
      'pc-old',
      undefined,
      true,
    ],
    ['below the gate, override false: forced on', [], 'pc-old', { prioritizeBuiltInApplications: false }, true],
    ['a flat computer, override false', [], 'pc-sub', { prioritizeBuiltInApplications: false }, false],
  ])('%s', (_name, agentSettings, computer, overrides, builtInsFirst) => {
    const view = buildView(world(agentSettings), computer);
    const before = { ...view.settings };
    expect(effectiveMode(view, overrides).builtInsFirst).toBe(builtInsFirst);
    expect(view.settings).toEqual(before);
  });
});
