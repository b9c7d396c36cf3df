// The files a user names to the command line, met by something other than a
// regular file: a FIFO (whose open waits for a writer, or a reader), a device,
// a symbolic link to either. Each case runs the real `tollgate` from dist/ as
// a process with a time limit, so a command that would wait without end fails
// the test (killed, no exit code) instead of holding it. And a token file
// others can read: used, with a warning.
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { type TempState, startRecordedAdminApi, openTempState } from '../server/admin-harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/tollgate.js');
const SCENARIO = join(ROOT, 'examples/contract/example-scenario.yaml');
/** Far longer than any of these commands takes; past it the command is taken to wait without end. */
const COMMAND_LIMIT_MS = 15_000;

interface Exit {
  /** null when the command was killed at the time limit. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

let dir: string;
let fifo: string;
let closedUrl: string;

/** Runs `tollgate ARGS` in `dir`, with no profile but `env`'s, killed at COMMAND_LIMIT_MS. */
function tollgate(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Exit> {
  return run(process.execPath, [CLI, ...args], env);
}

/**
 * `file ARGS` in `dir` with `env` besides PATH and HOME, `input` written to
 * its standard input (a socket, as Node.js gives a child), killed at
 * COMMAND_LIMIT_MS.
 */
function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: Buffer): Promise<Exit> {
  return new Promise((done) => {
    const child = execFile(
      file,
      args,
      {
        cwd: dir,
        env: { PATH: process.env['PATH'], HOME: join(dir, 'home'), ...env },
        encoding: 'utf8',
        timeout: COMMAND_LIMIT_MS,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        done({ code, signal: error?.signal ?? null, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-user-files-'));
  mkdirSync(join(dir, 'home'));
  fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  closedUrl = `http://127.0.0.1:${await closedPort()}`;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a FIFO given as a file to read', () => {
  const REFUSED = 'cannot be read: it is a FIFO (named pipe), not a regular file';

  it.each<[string, () => { args: string[]; env?: NodeJS.ProcessEnv; named?: string }]>([
    ['the profile (TOLLGATE_PROFILE)', () => ({ args: ['status'], env: { TOLLGATE_PROFILE: fifo } })],
    ['--token-file', () => ({ args: ['admin', '--server', closedUrl, '--token-file', fifo, 'computers'] })],
    [
      'TOLLGATE_TOKEN_FILE',
      () => ({ args: ['admin', '--server', closedUrl, 'computers'], env: { TOLLGATE_TOKEN_FILE: fifo } }),
    ],
    ['--ca', () => ({ args: ['admin', '--server', closedUrl, '--token', 't', '--ca', fifo, 'computers'] })],
    [
      '--instructions-file',
      () => ({
        args: [
          'admin',
          '--server',
          closedUrl,
          '--token',
          't',
          'approvals',
          'guidelines',
          'school',
          '--instructions-file',
          fifo,
        ],
      }),
    ],
    ['daemon --check-config', () => ({ args: ['daemon', '--check-config', fifo] })],
    ['server --check-config', () => ({ args: ['server', '--check-config', fifo] })],
    ['a scenario', () => ({ args: ['lint', fifo] })],
    ['a fixture file', () => ({ args: ['replay', SCENARIO, fifo] })],
    ['explain --scenario', () => ({ args: ['explain', '--scenario', fifo, '--computer', 'till-1'] })],
    // The snapshot commands name a file without a colon after it.
    ['a snapshot', () => ({ args: ['snapshot', 'inspect', fifo], named: `${fifo} ` })],
  ])('%s is refused at once, naming the file, exit 2', async (_what, make) => {
    const { args, env, named } = make();
    const result = await tollgate(args, env);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${named ?? `${fifo}: `}${REFUSED}\n`);
  });

  it('the default profile ($XDG_CONFIG_HOME/tollgate/cli.yaml) is refused, naming it', async () => {
    const xdg = join(dir, 'xdg');
    mkdirSync(join(xdg, 'tollgate'), { recursive: true });
    const profile = join(xdg, 'tollgate', 'cli.yaml');
    execFileSync('mkfifo', [profile]);
    const result = await tollgate(['status'], { XDG_CONFIG_HOME: xdg });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: ${profile}: ${REFUSED}\n`);
  });

  it("server backup refuses a FIFO in the server database's place before SQLite opens it", async () => {
    const data = join(dir, 'server-data');
    mkdirSync(data);
    execFileSync('mkfifo', [join(data, 'server.db')]);
    const config = join(dir, 'server.yaml');
    writeFileSync(config, `dataDir: ${data}\n`);
    const out = join(dir, 'backup.db');
    const result = await tollgate(['server', '--config', config, 'backup', '--output', out]);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: ${join(data, 'server.db')}: is a FIFO (named pipe), not a regular file\n`);
    expect(() => lstatSync(out)).toThrow(/ENOENT/);
  });

  it('a signing key given to snapshot build is refused, naming it', async () => {
    const result = await tollgate([
      'snapshot',
      'build',
      SCENARIO,
      '--computer',
      'till-1',
      '--key',
      fifo,
      '--version',
      '1',
      '--output',
      join(dir, 'never.bin'),
    ]);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: private key ${fifo} cannot be read: it is a FIFO (named pipe), not a regular file\n`,
    );
  });

  it('query --file is refused before the daemon is asked', async () => {
    const result = await tollgate(['query', '--socket', join(dir, 'nobody.sock'), '--file', fifo]);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: --file ${fifo}: is a FIFO (named pipe), not a regular file\n`);
  });

  it('a device is refused as one, not read up to a bound', async () => {
    const result = await tollgate(['admin', '--server', closedUrl, '--token-file', '/dev/zero', 'computers']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: /dev/zero: cannot be read: it is a character device, not a regular file\n');
  });
});

/** `script` run by sh in `dir`, with TOLLGATE naming the command (its pipes are pipes: Node's own are sockets). */
function shell(script: string): Promise<Exit> {
  return run('sh', ['-c', script], { TOLLGATE: `"${process.execPath}" "${CLI}"` });
}

describe("the process's own descriptors", () => {
  it('/dev/stdin fed by a pipe is read as a scenario', async () => {
    const result = await shell(`cat "${SCENARIO}" | eval "$TOLLGATE" lint /dev/stdin --json`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toBeTypeOf('object');
  });

  it('--output /dev/stdout writes to the pipe the caller connected, and /dev/null takes the bytes', async () => {
    const upgrade = (output: string): Promise<Exit> =>
      tollgate(['upgrade', SCENARIO, '--org', 'school', '--acknowledge', '--output', output]);
    const toStdout = await shell(
      `eval "$TOLLGATE" upgrade "${SCENARIO}" --org school --acknowledge --output /dev/stdout | cat`,
    );
    expect(toStdout.stderr).toBe('');
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout).toMatch(/^policies:$/m);
    const toNull = await upgrade('/dev/null');
    expect(toNull.code).toBe(0);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });
});

describe("the process's own descriptors, read and written through the descriptor", () => {
  it('/dev/stdin from a FIFO whose writer has closed, and from a socket (as Node.js gives a child), is read', async () => {
    const fed = join(dir, 'fed-fifo');
    execFileSync('mkfifo', [fed]);
    const result = await shell(
      `(cat "${SCENARIO}" > "${fed}" &) ; sleep 0.3; eval "$TOLLGATE" lint /dev/stdin --json < "${fed}"`,
    );
    expect(result.signal).toBeNull();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const viaSocket = await run(process.execPath, [CLI, 'lint', '/dev/stdin', '--json'], {}, readFileSync(SCENARIO));
    expect(viaSocket.stderr).toBe('');
    expect(viaSocket.code).toBe(0);
  });

  it('--output /dev/stdout redirected to a file writes into that file, replacing nothing in /dev', async () => {
    const out = join(dir, 'redirected.yaml');
    const result = await shell(
      `eval "$TOLLGATE" upgrade "${SCENARIO}" --org school --acknowledge --output /dev/stdout > "${out}"`,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^policies:$/m);
    expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
  });

  it('--output /dev/stdin is refused: the output would go back into the command', async () => {
    const result = await shell(
      `sleep 1 | eval "$TOLLGATE" upgrade "${SCENARIO}" --org school --acknowledge --output /dev/stdin`,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: /dev/stdin: is the command's standard input, not somewhere to write\n");
  });
});

describe('--output in the place of something other than a regular file', () => {
  const upgrade = (output: string): Promise<Exit> =>
    tollgate(['upgrade', SCENARIO, '--org', 'school', '--acknowledge', '--output', output]);

  it('a FIFO is refused at once, not opened (which waits for a reader), exit 2', async () => {
    const result = await upgrade(fifo);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: ${fifo}: is a FIFO (named pipe), not a regular file: an output is written only as a regular file\n`,
    );
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('a symbolic link to a FIFO or a device is refused and left as it is, not written through', async () => {
    const toFifo = join(dir, 'to-fifo.yaml');
    symlinkSync(fifo, toFifo);
    const viaFifo = await upgrade(toFifo);
    expect(viaFifo.signal).toBeNull();
    expect(viaFifo.code).toBe(2);
    expect(viaFifo.stderr).toContain(`error: ${toFifo}: is a symbolic link to a FIFO (named pipe), not a regular file`);
    const toNull = join(dir, 'to-null.yaml');
    symlinkSync('/dev/null', toNull);
    const viaNull = await upgrade(toNull);
    expect(viaNull.code).toBe(2);
    expect(viaNull.stderr).toContain(`error: ${toNull}: is a symbolic link to a character device, not a regular file`);
    expect(readlinkSync(toNull)).toBe('/dev/null');
    // keygen's public key is an output too.
    const keys = join(dir, 'keys');
    mkdirSync(keys);
    symlinkSync(fifo, join(keys, 'tollgate-signing.pub'));
    const keygen = await tollgate(['keygen', '--output', keys]);
    expect(keygen.signal).toBeNull();
    expect(keygen.code).toBe(2);
    expect(keygen.stderr).toContain('is a symbolic link to a FIFO (named pipe), not a regular file');
    expect(() => lstatSync(join(keys, 'tollgate-signing.key'))).toThrow(/ENOENT/);
  });

  it('a symbolic link to a regular file is replaced by the file, its target left as it is', async () => {
    const target = join(dir, 'target.yaml');
    writeFileSync(target, 'left as it is\n');
    const link = join(dir, 'to-file.yaml');
    symlinkSync(target, link);
    const result = await upgrade(link);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lstatSync(link).isFile()).toBe(true);
    expect(readFileSync(link, 'utf8')).toMatch(/^policies:$/m);
    expect(readFileSync(target, 'utf8')).toBe('left as it is\n');
  });
});

describe('a token file its group or others can read', () => {
  const TOKEN = 'user-files-token';
  let temp: TempState;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    temp = await openTempState(await loadScenario(SCENARIO));
    ({ app, url } = await startRecordedAdminApi(temp.state, TOKEN));
  });
  afterAll(async () => {
    await app.close();
    await temp.close();
  });

  it('is used, with one warning line naming the file and its mode; a private one gets none', async () => {
    const file = join(dir, 'admin token');
    writeFileSync(file, `${TOKEN}\n`);
    chmodSync(file, 0o644);
    const open = await tollgate(['admin', '--server', url, '--token-file', file, 'computers']);
    expect(open.code).toBe(0);
    expect(open.stdout).toContain('till-1');
    expect(open.stderr).toBe(
      `warning: ${file}: the admin token file is open to its group or others (mode 0644); ` +
        `make it its owner's alone: chmod 600 '${file}'\n`,
    );
    chmodSync(file, 0o640);
    expect((await tollgate(['admin', '--server', url, '--token-file', file, 'computers'])).stderr).toContain(
      '(mode 0640)',
    );
    chmodSync(file, 0o600);
    const closed = await tollgate(['admin', '--server', url, '--token-file', file, 'computers']);
    expect(closed.code).toBe(0);
    expect(closed.stderr).toBe('');
  });

  it('with --json, a command that fails keeps the warning apart from its error', async () => {
    const file = join(dir, 'shared-token');
    writeFileSync(file, `${TOKEN}\n`);
    chmodSync(file, 0o604);
    const result = await tollgate(['admin', '--json', '--server', closedUrl, '--token-file', file, 'computers']);
    expect(result.code).toBe(1);
    const { error } = JSON.parse(result.stderr) as { error: { code: string; message: string; warnings?: string[] } };
    expect(error.code).toBe('server-unreachable');
    expect(error.message).toMatch(/^cannot reach the server at /);
    expect(error.warnings).toEqual([
      `${file}: the admin token file is open to its group or others (mode 0604); make it its owner's alone: chmod 600 ${file}`,
    ]);
  });
});
