/**
 * The benchmark's command line (scripts/bench.ts): the daemon section's view
 * sizes and rounds, with defaults, and bad values refused with an error that
 * names the option. No timing here: the benchmark measures, tests only check.
 */
import { describe, expect, it } from 'vitest';
import { type BenchOptions, parseBenchArgs } from '../../scripts/bench.js';

function parse(argv: string[]): BenchOptions {
  const options = parseBenchArgs(argv);
  if (options === 'help') throw new Error('expected options, not help');
  return options;
}

describe('parseBenchArgs', () => {
  it('measures the daemon at 100,000 and 1,000,000 policies with 3 rounds each by default', () => {
    const options = parse([]);
    expect(options.daemonPolicies).toEqual([100_000, 1_000_000]);
    expect(options.rounds).toBe(3);
    expect(options.largeRounds).toBe(3);
    // The sync and delta sections keep their own snapshot size.
    expect(options.snapshotPolicies).toBe(100_000);
  });

  it('takes --daemon-policies as a comma list, with _ as a digit separator, in the order given', () => {
    expect(parse(['--daemon-policies', '1_000_000,100000']).daemonPolicies).toEqual([1_000_000, 100_000]);
    expect(parse(['--daemon-policies', ' 5000 ']).daemonPolicies).toEqual([5_000]);
  });

  it('takes --large-rounds apart from --rounds', () => {
    const options = parse(['--rounds', '5', '--large-rounds', '1']);
    expect(options.rounds).toBe(5);
    expect(options.largeRounds).toBe(1);
  });

  it.each([
    [['--daemon-policies', 'many'], '--daemon-policies'],
    [['--daemon-policies', '100000,0'], '--daemon-policies'],
    [['--daemon-policies', ','], '--daemon-policies'],
    [['--large-rounds', '0'], '--large-rounds'],
    [['--large-rounds', '2.5'], '--large-rounds'],
  ])('refuses %j with an error naming %s', (argv, option) => {
    expect(() => parseBenchArgs(argv)).toThrow(option);
  });

  it('refuses an unknown option', () => {
    expect(() => parseBenchArgs(['--daemon-sizes', '100'])).toThrow(/daemon-sizes/);
  });
});
