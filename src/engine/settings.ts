import type { SettingValue } from './model.js';

export const PRIORITIZE_SETTING = 'prioritizeBuiltInApplications';

/** An agent setting tollgate knows: its value type and the value when no entry applies. */
export interface SettingDefinition {
  readonly type: 'boolean' | 'number' | 'string';
  readonly defaultValue: SettingValue;
  readonly description: string;
}

/** Every agent setting type a scenario or an admin may set. */
export const SETTING_DEFINITIONS: Readonly<Record<string, SettingDefinition>> = Object.freeze({
  [PRIORITIZE_SETTING]: Object.freeze({
    type: 'boolean',
    defaultValue: true,
    description: 'Prioritize Built-In Applications: every built-in application policy is processed first',
  } as const),
});

export type EffectiveSettings = Readonly<Record<string, SettingValue>>;

/** The defaults of every known setting. */
export function defaultSettings(): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const [name, def] of Object.entries(SETTING_DEFINITIONS)) out[name] = def.defaultValue;
  return out;
}

/** Why a value cannot be stored in a setting, or null when it can. */
export function settingValueProblem(type: string, value: unknown): string | null {
  const def = Object.hasOwn(SETTING_DEFINITIONS, type) ? SETTING_DEFINITIONS[type] : undefined;
  if (def === undefined) {
    return `unknown setting type "${type}" (known: ${Object.keys(SETTING_DEFINITIONS).join(', ')})`;
  }
  if (typeof value !== def.type) {
    // JSON would show NaN and the infinities as null.
    const shown = typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
    return `setting ${type} takes a ${def.type}, not ${shown}`;
  }
  return null;
}
