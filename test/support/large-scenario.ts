// A large scenario file for process-level tests, from the benchmark's generator.
import { syntheticWorld, TARGET_COMPUTER } from '../../scripts/lib/synthetic-world.js';
import { serializeScenario } from '../../src/scenario/load.js';

export const LARGE_COMPUTER = TARGET_COMPUTER;

/** Scenario text with `policies` policies that all apply to LARGE_COMPUTER. */
export function syntheticScenarioText(policies: number): string {
  return serializeScenario(syntheticWorld({ policies, seed: 7 }).world, 'json');
}
