import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The V8 flags the `tollgate` command sets (bin/tollgate.js): `regex:` rules are compiled in tests as the
    // daemon and the server compile them.
    execArgv: ['--enable-experimental-regexp-engine', '--enable-experimental-regexp-engine-on-excessive-backtracks'],
  },
});
