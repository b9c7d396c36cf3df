// The daemon's held log lines (daemon/log.ts) when the process exits before
// anything released them: written at the exit, through a logger that writes
// stdout synchronously, so that none is lost. In a process of its own, as it
// is about the process's exit.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/daemon-process.js';

const run = promisify(execFile);

describe('held log lines at the process exit', () => {
  it('are all written, in order, when the process exits before the log is released', async () => {
    const logModule = JSON.stringify(join(ROOT, 'dist', 'daemon', 'log.js'));
    const script = `import { HeldLog, createLogger } from ${logModule};
      const log = new HeldLog((time, atExit) => createLogger('info', { time, sync: atExit }));
      for (let i = 0; i < 500; i++) log.warn({ i, padding: 'x'.repeat(200) }, 'held line');
      log.error('the start failed');
      process.exit(3);`;
    const failed = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 }).then(
      () => null,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failed?.code).toBe(3);
    const lines = (failed?.stdout ?? '')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(501);
    expect(lines.slice(0, 500).map((line) => line['i'])).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(lines[500]).toMatchObject({ level: 50, msg: 'the start failed' });
  });
});
