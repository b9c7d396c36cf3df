// The environment the benchmark starts tollgate processes with: the daemon's glibc malloc settings,
// when the benchmark added them, are not passed to policy servers (their unit does not set them).
import { describe, expect, it } from 'vitest';
import { ALLOCATOR_ADDED_ENV, tollgateEnvironment } from '../../scripts/bench/processes.js';

describe('tollgateEnvironment', () => {
  const added = { PATH: '/usr/bin', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1', [ALLOCATOR_ADDED_ENV]: '1' };

  it('drops settings the benchmark added from a policy server, and keeps the rest', () => {
    expect(tollgateEnvironment(['server', '--config', 'x.yaml'], added)).toEqual({
      PATH: '/usr/bin',
      [ALLOCATOR_ADDED_ENV]: '1',
    });
  });

  it('keeps them for the daemon and every other command', () => {
    expect(tollgateEnvironment(['daemon', '--config', 'x.json'], added)).toBe(added);
    expect(tollgateEnvironment(['snapshot', 'apply'], added)).toBe(added);
  });

  it('keeps settings the benchmark was given, for servers too', () => {
    const given = { PATH: '/usr/bin', GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' };
    expect(tollgateEnvironment(['server', '--config', 'x.yaml'], given)).toBe(given);
  });
});
