/**
 * The process entry point (daemon/main.ts): exactly `daemon --config FILE`
 * starts the agent without the command line; any other command line goes
 * through the full program. A bad config is reported the same way on both
 * paths: the file and the problem on stderr, exit code 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plainDaemonConfig, run } from '../../daemon/main.js';
import type { CliIo } from '../../src/cli/io.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-daemon-entry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runCaptured(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    nowMs: () => 0,
    env: {},
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

describe('plainDaemonConfig', () => {
  it('takes the file of exactly daemon --config FILE or daemon --config=FILE', () => {
    expect(plainDaemonConfig(['daemon', '--config', '/etc/tollgate/daemon.json'])).toBe('/etc/tollgate/daemon.json');
    expect(plainDaemonConfig(['daemon', '--config=/etc/tollgate/daemon.yaml'])).toBe('/etc/tollgate/daemon.yaml');
  });

  it.each([
    [['daemon']],
    [['daemon', '--config']],
    [['daemon', '--config=']],
    [['daemon', '--config', '--help']],
    [['daemon', '--config', 'a.json', '--json']],
    [['daemon', '--check-config', 'a.json']],
    [['daemon', '--help']],
    [['server', '--config', 'a.json']],
    [['query', '--config', 'a.json']],
    [[]],
  ])('leaves %j to the full command line', (argv) => {
    expect(plainDaemonConfig(argv)).toBeNull();
  });
});

describe('run', () => {
  it('reports an unreadable config on the plain path with the file named and exit code 2', async () => {
    const missing = join(dir, 'missing.json');
    const plain = await runCaptured(['daemon', '--config', missing]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain(`${missing}: cannot be read`);
    // The full command line (here --check-config) says the same.
    const viaCheck = await runCaptured(['daemon', '--check-config', missing]);
    expect(viaCheck.code).toBe(2);
    expect(viaCheck.stderr).toContain(`${missing}: cannot be read`);
  });

  it('reports a bad key on the plain path with the key named', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ dataDir: dir, computerId: 'pc-1', socket: { mode: 'rw' } }));
    const result = await runCaptured(['daemon', `--config=${file}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/socket\.mode/);
  });

  it('names the config file with a pinned key that cannot be read, as --check-config does', async () => {
    const file = join(dir, 'no-key.json');
    const key = join(dir, 'nowhere.pub');
    writeFileSync(
      file,
      JSON.stringify({
        dataDir: join(dir, 'no-key-data'),
        computerId: 'pc-1',
        serverPublicKey: key,
        socket: { path: join(dir, 'no-key.sock') },
      }),
    );
    const result = await runCaptured(['daemon', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: serverPublicKey: ${key} cannot be read`);
  });

  it('still answers --help and the other commands through the full command line', async () => {
    const help = await runCaptured(['daemon', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: tollgate daemon');
    const server = await runCaptured(['server', '--help']);
    expect(server.stdout).toContain('Usage: tollgate server');
  });
});
