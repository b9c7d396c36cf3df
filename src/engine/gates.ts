import type { Gate, OsName } from './model.js';
import { compareVersions } from './version.js';

export const FLAT_FEATURE = 'flatPolicyStructure';
export const PRIORITIZE_FEATURE = 'prioritizeBuiltInApplicationsSetting';

/** The minimum Windows agent for the flat structure and the prioritization setting. */
export const FLAT_MIN_WINDOWS_VERSION = '10.5.3';

/** The default gate table of SPEC.md section 4. */
export const DEFAULT_GATES: readonly Gate[] = Object.freeze([
  Object.freeze({ feature: FLAT_FEATURE, os: 'windows', minVersion: FLAT_MIN_WINDOWS_VERSION } as const),
  Object.freeze({ feature: PRIORITIZE_FEATURE, os: 'windows', minVersion: FLAT_MIN_WINDOWS_VERSION } as const),
]);

/** An agent passes a feature's gate when no gate for its os asks for a newer version. */
export function passesGate(gates: readonly Gate[], feature: string, os: OsName, agentVersion: string): boolean {
  for (const gate of gates) {
    if (gate.feature === feature && gate.os === os && compareVersions(agentVersion, gate.minVersion) < 0) {
      return false;
    }
  }
  return true;
}

/**
 * The features, in table order (where each is first named) and without
 * repeats, whose gates this agent fails. Linear in the table: a view's gate
 * table comes from the snapshot, and one of tens of thousands of gates must
 * not hold an apply for a time that grows with its square.
 */
export function failedGates(gates: readonly Gate[], os: OsName, agentVersion: string): string[] {
  const failing = new Set<string>();
  for (const gate of gates) {
    if (gate.os === os && !failing.has(gate.feature) && compareVersions(agentVersion, gate.minVersion) < 0) {
      failing.add(gate.feature);
    }
  }
  if (failing.size === 0) return [];
  const failed: string[] = [];
  for (const gate of gates) {
    if (failing.delete(gate.feature)) failed.push(gate.feature);
  }
  return failed;
}
