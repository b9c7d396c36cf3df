// The commands operators and testers reach for: --version, --check-config,
// explain (from a scenario and from a real admin API on port 0), the CLI's
// defaults from the environment and a profile, JSON errors, and server backup.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../daemon/main.js';
import { explainComputer } from '../../src/cli/explain.js';
import type { CliIo } from '../../src/cli/io.js';
import { keygen } from '../../src/cli/snapshot-commands.js';
import { loadScenario } from '../../src/scenario/load.js';
import { type TempState, startRecordedAdminApi, openTempState } from '../server/admin-harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SCENARIO = join(ROOT, 'examples/contract/example-scenario.yaml');
const NOW = Date.parse('2026-11-22T12:00:00Z');

async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    nowMs: () => NOW,
    env,
  };
  const code = await run(args, io);
  return { code, stdout, stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-ops-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tollgate --version', () => {
  it("prints package.json's version, and leaves a command's own --version alone", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    expect((await cli(['-V'])).stdout).toBe(`${pkg.version}\n`);
    const keys = join(dir, 'keys');
    await keygen({ stdout: () => {}, stderr: () => {}, nowMs: () => NOW }, keys);
    const out = join(dir, 'till-1.bin');
    const built = await cli([
      'snapshot',
      'build',
      SCENARIO,
      '--computer',
      'till-1',
      '--key',
      join(keys, 'tollgate-signing.key'),
      '--version',
      '7',
      '--output',
      out,
    ]);
    expect(built.code).toBe(0);
    expect((await cli(['snapshot', 'inspect', out])).stdout).toMatch(/version\s+7/);
  });
});

describe('files and sockets the system refuses', () => {
  it('names the path with exit 2, and a daemon that cannot be reached with exit 1, without a stack trace', async () => {
    const missingFolder = join(dir, 'no-such-folder', 'out.yaml');
    const upgraded = await cli(['upgrade', SCENARIO, '--org', 'school', '--acknowledge', '--output', missingFolder]);
    expect(upgraded.code).toBe(2);
    expect(upgraded.stderr).toMatch(new RegExp(`^error: ${missingFolder}: cannot be written \\(ENOENT: `));
    // A socket in the output's place cannot be a file to write: exit 2, named.
    const socketPath = join(dir, 'out.sock');
    const listener = createServer();
    await new Promise<void>((done) => listener.listen(socketPath, done));
    try {
      const onSocket = await cli(['upgrade', SCENARIO, '--org', 'school', '--acknowledge', '--output', socketPath]);
      expect(onSocket.code).toBe(2);
      expect(onSocket.stderr).toBe(
        `error: ${socketPath}: is a socket, not a regular file: an output is written only as a regular file\n`,
      );
    } finally {
      await new Promise((done) => listener.close(done));
    }
    const folder = await cli(['snapshot', 'inspect', dir]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toBe(`error: ${dir} cannot be read: it is a folder, not a regular file\n`);
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
    const undecodable = await cli(['snapshot', 'inspect', junk]);
    expect(undecodable.code).toBe(2);
    expect(undecodable.stderr).toMatch(new RegExp(`^error: ${junk}: snapshot: undecodable signed snapshot`));
    const unreachable = await cli(['query', '--socket', join(dir, 'nobody.sock'), '--path', 'C:\\a.exe']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: cannot connect to /);
  });

  it('refuses a hash given by hand that is not hex before it asks the daemon', async () => {
    const socket = join(dir, 'nobody.sock');
    const sha = await cli(['query', '--socket', socket, '--path', 'C:\\a.exe', '--sha256', 'not-a-hash']);
    expect(sha.code).toBe(2);
    expect(sha.stderr).toBe('error: --sha256 "not-a-hash" is not 64 hex digits\n');
    const long = await cli(['query', '--socket', socket, '--path', 'C:\\a.exe', '--sha256', 'a'.repeat(5000)]);
    expect(long.stderr).toMatch(/is not 64 hex digits/);
    expect(long.stderr.length).toBeLessThan(200);
    const thumb = await cli([
      'request',
      '--socket',
      socket,
      '--path',
      'C:\\a.exe',
      '--category',
      'Tools',
      '--user',
      'u',
      '--reason',
      'r',
      '--cert-thumbprint',
      'AB',
    ]);
    expect(thumb.code).toBe(2);
    expect(thumb.stderr).toBe('error: --cert-thumbprint "AB" is not 40 or 64 hex digits\n');
  });
});

describe('--check-config', () => {
  it('prints the effective daemon config with defaults and resolved paths, secrets redacted, and starts nothing', async () => {
    const keys = join(dir, 'cc-keys');
    await keygen({ stdout: () => {}, stderr: () => {}, nowMs: () => NOW }, keys);
    const file = join(dir, 'daemon.yaml');
    writeFileSync(
      file,
      [
        'dataDir: agent-data',
        'computerId: till-1',
        'serverPublicKey: cc-keys/tollgate-signing.pub',
        'socket: {path: agent.sock}',
        'server: {url: "wss://policy.example/agent", token: s3cret}',
        '',
      ].join('\n'),
    );
    const checked = await cli(['daemon', '--check-config', file]);
    expect(checked.stderr).toBe(`${file}: the configuration is valid\n`);
    expect(checked.code).toBe(0);
    const config = JSON.parse(checked.stdout) as Record<string, unknown>;
    expect(config['dataDir']).toBe(join(dir, 'agent-data'));
    expect(config['adminSocket']).toMatchObject({
      path: join(dir, 'agent.admin.sock'),
      // Shown as the configuration file writes it.
      mode: '0600',
      maxFrameBytes: 256 * 1024 * 1024,
    });
    expect(config['socket']).toMatchObject({ mode: '0660' });
    expect(config['server']).toMatchObject({ token: '[redacted]' });
    expect(checked.stdout).not.toContain('s3cret');
    expect(() => readFileSync(join(dir, 'agent-data', 'agent.db'))).toThrow();
  });

  it('names every field at fault and exits 2', async () => {
    const file = join(dir, 'bad-daemon.yaml');
    writeFileSync(file, 'dataDir: d\ncomputerId: ""\nsocket: {path: a.sock, maxConnections: -1}\nserverPublicKey: k\n');
    const bad = await cli(['daemon', '--check-config', file]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain(`error: ${file}: computerId:`);
    expect(bad.stderr).toContain(`error: ${file}: socket.maxConnections:`);
    const missingKey = join(dir, 'missing-key.yaml');
    writeFileSync(missingKey, 'dataDir: d\ncomputerId: c\nsocket: {path: a.sock}\nserverPublicKey: nowhere.pub\n');
    const noKey = await cli(['daemon', '--check-config', missingKey]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(
      new RegExp(`^error: ${missingKey}: serverPublicKey: ${join(dir, 'nowhere.pub')} cannot be read`),
    );
    // The certificates to trust for wss:// are read as the start reads them.
    const keys = join(dir, 'ca-keys');
    await keygen({ stdout: () => {}, stderr: () => {}, nowMs: () => NOW }, keys);
    const missingCa = join(dir, 'missing-ca.yaml');
    writeFileSync(
      missingCa,
      'dataDir: d\ncomputerId: c\nsocket: {path: a.sock}\nserverPublicKey: ca-keys/tollgate-signing.pub\n' +
        'server: {url: "wss://policy.example/agent", token: t, caFile: no-ca.pem}\n',
    );
    const noCa = await cli(['daemon', '--check-config', missingCa]);
    expect(noCa.code).toBe(2);
    expect(noCa.stderr).toMatch(
      new RegExp(`^error: ${missingCa}: server\\.caFile: ${join(dir, 'no-ca.pem')}: cannot be read: ENOENT`),
    );
    // A file that is not a PEM certificate (here the public signing key) is named too.
    writeFileSync(
      missingCa,
      'dataDir: d\ncomputerId: c\nsocket: {path: a.sock}\nserverPublicKey: ca-keys/tollgate-signing.pub\n' +
        'server: {url: "wss://policy.example/agent", token: t, caFile: ca-keys/tollgate-signing.pub}\n',
    );
    const notCa = await cli(['daemon', '--check-config', missingCa]);
    expect(notCa.code).toBe(2);
    expect(notCa.stderr).toContain(`server.caFile: ${join(keys, 'tollgate-signing.pub')}: holds no PEM certificate`);
    // What the sockets need of the machine: their folder, and the group they are given to.
    const sockets = join(dir, 'sockets.yaml');
    writeFileSync(
      sockets,
      'dataDir: d\ncomputerId: c\nserverPublicKey: ca-keys/tollgate-signing.pub\n' +
        'socket: {path: no-such-folder/a.sock, group: no-such-group-tollgate}\n',
    );
    const noFolder = await cli(['daemon', '--check-config', sockets]);
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr).toContain(
      `error: ${sockets}: socket.path: ${join(dir, 'no-such-folder', 'a.sock')}: its folder ${join(dir, 'no-such-folder')} does not exist`,
    );
    expect(noFolder.stderr).toContain(
      `error: ${sockets}: socket.group: group no-such-group-tollgate is not in /etc/group`,
    );
    expect(noFolder.stderr).toContain(`error: ${sockets}: adminSocket.path: `);
    // The cache's folder: made at start when missing, named when a file is in its place.
    writeFileSync(join(dir, 'a-file'), 'x');
    const fileDataDir = join(dir, 'file-data-dir.yaml');
    writeFileSync(
      fileDataDir,
      'dataDir: a-file\ncomputerId: c\nserverPublicKey: ca-keys/tollgate-signing.pub\nsocket: {path: a.sock}\n',
    );
    const notFolder = await cli(['daemon', '--check-config', fileDataDir]);
    expect(notFolder.code).toBe(2);
    expect(notFolder.stderr).toContain(`error: ${fileDataDir}: dataDir: ${join(dir, 'a-file')}: is not a folder`);
    // Below a file, the start could not make it.
    writeFileSync(fileDataDir, readFileSync(fileDataDir, 'utf8').replace('dataDir: a-file', 'dataDir: a-file/data'));
    const belowFile = await cli(['daemon', '--check-config', fileDataDir]);
    expect(belowFile.code).toBe(2);
    expect(belowFile.stderr).toContain(`error: ${fileDataDir}: dataDir: ${join(dir, 'a-file', 'data')}: ENOTDIR`);
    // The start reports them the same way, naming the file and the key, before it makes anything.
    const started = await cli(['daemon', '--config', sockets]);
    expect(started.code).toBe(2);
    expect(started.stderr).toContain(
      `error: ${sockets}: socket.group: group no-such-group-tollgate is not in /etc/group`,
    );
    const startedBelowFile = await cli(['daemon', '--config', fileDataDir]);
    expect(startedBelowFile.code).toBe(2);
    expect(startedBelowFile.stderr).toContain(
      `error: ${fileDataDir}: dataDir: ${join(dir, 'a-file', 'data')}: ENOTDIR`,
    );
    // A symbolic link to nothing in its place: the start could not make the folder there.
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
    writeFileSync(fileDataDir, readFileSync(fileDataDir, 'utf8').replace('dataDir: a-file/data', 'dataDir: dangling'));
    for (const option of ['--check-config', '--config']) {
      const dangling = await cli(['daemon', option, fileDataDir]);
      expect(dangling.code).toBe(2);
      expect(dangling.stderr).toContain(
        `error: ${fileDataDir}: dataDir: ${join(dir, 'dangling')}: is a symbolic link to nothing`,
      );
    }
  });

  it('checks a server config the same way', async () => {
    const good = join(dir, 'server.yaml');
    writeFileSync(good, 'dataDir: server-data\nlisten: {port: 0}\n');
    const checked = await cli(['server', '--check-config', good]);
    expect(checked.code).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({
      dataDir: join(dir, 'server-data'),
      listen: { host: '127.0.0.1', port: 0 },
      sync: { pingIntervalMs: 15_000 },
      // The files the server falls back to, written in.
      adminTokenFile: join(dir, 'server-data', 'admin-token'),
      approvals: { defaultPoliciesFile: join(ROOT, 'data', 'default-approval-policies.yaml') },
    });
    // The files it names are read as the start reads them: each one at fault is named.
    const badFiles = join(dir, 'server-files.yaml');
    writeFileSync(join(dir, 'seed.yaml'), 'organizations: [{id: o}]\n');
    writeFileSync(
      badFiles,
      'dataDir: server-data\ntls: {certFile: no-cert.pem, keyFile: no-key.pem}\nseedScenario: seed.yaml\n',
    );
    const refusedFiles = await cli(['server', '--check-config', badFiles]);
    expect(refusedFiles.code).toBe(2);
    expect(refusedFiles.stdout).toBe('');
    const lines = refusedFiles.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      new RegExp(`^error: ${badFiles}: tls\\.certFile: ${join(dir, 'no-cert.pem')}: cannot be read: ENOENT`),
    );
    expect(lines[1]).toMatch(/: tls\.keyFile: .*no-key\.pem: cannot be read: ENOENT/);
    // Read as the start reads them: files that are no PEM certificate and key are named, not passed.
    const notPem = join(dir, 'server-not-pem.yaml');
    writeFileSync(notPem, 'dataDir: server-data\ntls: {certFile: seed.yaml, keyFile: seed.yaml}\n');
    const refusedPem = await cli(['server', '--check-config', notPem]);
    expect(refusedPem.code).toBe(2);
    expect(refusedPem.stderr).toContain(`${notPem}: tls.certFile: ${join(dir, 'seed.yaml')}: not a PEM certificate`);
    expect(refusedPem.stderr).toContain(`${notPem}: tls.keyFile: ${join(dir, 'seed.yaml')}: not a PEM private key`);
    expect(lines[2]).toMatch(/: seedScenario: .*seed\.yaml: .*organizations\[o\]: name is required/);
    // A password in the store's URL is not printed.
    const withPassword = join(dir, 'server-pg.yaml');
    writeFileSync(
      withPassword,
      'dataDir: server-data\nstore: {kind: postgres, url: "postgres://tg:S3cretPW@db.example:5432/tollgate"}\n',
    );
    const redacted = await cli(['server', '--check-config', withPassword]);
    expect(redacted.code).toBe(0);
    expect(redacted.stdout).not.toContain('S3cretPW');
    expect(redacted.stdout).toContain('postgres://tg:[redacted]@db.example:5432/tollgate');
    const bad = join(dir, 'bad-server.yaml');
    writeFileSync(bad, 'dataDir: x\nlisten: {port: 99999}\nsurprise: 1\n');
    const refused = await cli(['server', '--check-config', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${bad}: listen.port:`);
    expect(refused.stderr).toContain('surprise');
  });
});

describe('tollgate explain', () => {
  it("lists a flat computer's policies with built-ins first and the key that placed each", async () => {
    const explained = await cli(['explain', '--scenario', SCENARIO, '--computer', 'till-1']);
    expect(explained.code).toBe(0);
    const lines = explained.stdout.split('\n');
    expect(lines[1]).toBe('structure flat');
    expect(lines[2]).toBe('built-ins first yes (prioritizeBuiltInApplications=true)');
    expect(lines.filter((l) => /^\s+\d+\. /.test(l)).map((l) => l.trim().split(/\s+/)[1])).toEqual([
      'chrome-ok',
      'chrome-block',
      'shop-default',
    ]);
    expect(explained.stdout).toContain(
      'first: order 101, global level, org depth 0, built-in (built-ins are processed first)',
    );
    expect(explained.stdout).toContain('the first policy after the built-in tier');
    expect(explained.stdout).toContain('higher order number (20 < 1000000)');
  });

  it('follows the setting in force and an override of it, and the version gate', async () => {
    const off = await cli([
      'explain',
      '--scenario',
      SCENARIO,
      '--computer',
      'till-1',
      '--setting',
      'prioritizeBuiltInApplications=false',
      '--json',
    ]);
    const explanation = JSON.parse(off.stdout) as ReturnType<typeof explainComputer>;
    expect(explanation.builtInsFirst).toBe(false);
    expect(explanation.policies.map((p) => p.policy)).toEqual(['chrome-block', 'chrome-ok', 'shop-default']);
    expect(explanation.policies[1]?.reason).toContain('higher order number (20 < 101)');

    // office-1's agent is below the flat gate: hierarchical, whatever its organization says.
    const gated = explainComputer(await loadScenario(SCENARIO), 'office-1', NOW);
    expect(gated.orgStructure).toBe('flat');
    expect(gated.structure).toBe('hierarchical');
    expect(gated.gated.length).toBeGreaterThan(0);

    const lab = explainComputer(await loadScenario(SCENARIO), 'lab-7', NOW);
    expect(lab.structure).toBe('hierarchical');
    expect(lab.policies.map((p) => p.policy)).toEqual(['chrome-ok', 'npp-school', 'npp-lab']);
    expect(lab.policies[2]?.reason).toContain('later Applies To level (organization before group)');

    const unknown = await cli(['explain', '--scenario', SCENARIO, '--computer', 'nope', '--json']);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stderr)).toEqual({
      error: { code: 'unknown-reference', message: 'unknown computer "nope"' },
    });
    const badSetting = await cli(['explain', '--scenario', SCENARIO, '--computer', 'till-1', '--setting', 'x=1']);
    expect(badSetting.code).toBe(2);
    expect(badSetting.stderr).toContain('unknown setting type "x"');
  });
});

describe('explain and admin defaults against a real admin API', () => {
  const TOKEN = 'ops-token';
  let app: FastifyInstance;
  let temp: TempState;
  let url: string;
  let tokenFile: string;

  beforeAll(async () => {
    temp = await openTempState(await loadScenario(SCENARIO));
    ({ app, url } = await startRecordedAdminApi(temp.state, TOKEN));
    tokenFile = join(dir, 'admin-token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  });

  afterAll(async () => {
    await app.close();
    await temp.close();
  });

  afterEach(() => rmSync(join(dir, 'profile'), { recursive: true, force: true }));

  it("explains from the server's world exactly as from the scenario", async () => {
    const fromServer = await cli(['explain', '--computer', 'till-1', '--json'], {
      TOLLGATE_SERVER: url,
      TOLLGATE_TOKEN_FILE: tokenFile,
    });
    expect(fromServer.stderr).toBe('');
    expect(fromServer.code).toBe(0);
    const fromFile = await cli(['explain', '--scenario', SCENARIO, '--computer', 'till-1', '--json']);
    expect(JSON.parse(fromServer.stdout)).toEqual(JSON.parse(fromFile.stdout));
  });

  it('takes the server and token file from the environment or the profile; flags win over both', async () => {
    const env = { TOLLGATE_SERVER: url, TOLLGATE_TOKEN_FILE: tokenFile };
    const listed = await cli(['admin', 'computers'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('till-1');

    const profileDir = join(dir, 'profile', 'tollgate');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(join(profileDir, 'cli.yaml'), `server: ${url}\ntokenFile: ../../admin-token\n`);
    const viaProfile = await cli(['admin', 'policies', 'list'], { XDG_CONFIG_HOME: join(dir, 'profile') });
    expect(viaProfile.code).toBe(0);
    expect(viaProfile.stdout).toContain('chrome-ok');

    // The environment wins over the profile, the flag over the environment.
    const envWins = await cli(['admin', 'computers'], {
      XDG_CONFIG_HOME: join(dir, 'profile'),
      TOLLGATE_SERVER: 'http://127.0.0.1:1',
    });
    expect(envWins.code).toBe(1);
    expect(envWins.stderr).toContain('cannot reach the server at http://127.0.0.1:1');
    const flagWins = await cli(['admin', '--server', url, 'computers'], {
      XDG_CONFIG_HOME: join(dir, 'profile'),
      TOLLGATE_SERVER: 'http://127.0.0.1:1',
    });
    expect(flagWins.code).toBe(0);
    const unreachableJson = await cli(['admin', '--json', 'computers'], {
      TOLLGATE_SERVER: 'http://127.0.0.1:1',
      TOLLGATE_TOKEN_FILE: tokenFile,
    });
    expect(unreachableJson.code).toBe(1);
    expect((JSON.parse(unreachableJson.stderr) as { error: { code: string } }).error.code).toBe('server-unreachable');
  });

  it('writes a key pair or nothing: a private key is not left behind when its public key cannot be written', async () => {
    const out = join(dir, 'half-keys');
    mkdirSync(join(out, 'tollgate-signing.pub'), { recursive: true });
    const failed = await cli(['keygen', '--output', out]);
    expect(failed.code).toBe(2);
    expect(existsSync(join(out, 'tollgate-signing.key'))).toBe(false);
    rmSync(join(out, 'tollgate-signing.pub'), { recursive: true });
    expect((await cli(['keygen', '--output', out])).code).toBe(0);
    expect(existsSync(join(out, 'tollgate-signing.key'))).toBe(true);
  });

  it('refuses an admin token that no header can carry, naming where it came from, without a stack trace', async () => {
    const binary = join(dir, 'binary-token');
    writeFileSync(binary, Buffer.from([0x01, 0x00, 0x62]));
    for (const [args, from] of [
      [['admin', '--token', 'a\nb', 'computers'], '--token'],
      [['admin', '--token-file', binary, 'computers'], binary],
    ] as const) {
      const refused = await cli([...args], { TOLLGATE_SERVER: 'http://127.0.0.1:1' });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`error: ${from}: the admin token must be printable ASCII without spaces`);
      expect(refused.stderr).not.toContain('    at ');
    }
    // A token file that is not UTF-8 text is told so.
    const utf16 = join(dir, 'utf16-token');
    writeFileSync(utf16, Buffer.from([0xff, 0xfe, 0x00, 0x62]));
    const notText = await cli(['admin', '--token-file', utf16, 'computers'], { TOLLGATE_SERVER: 'http://127.0.0.1:1' });
    expect(notText.code).toBe(2);
    expect(notText.stderr).toContain(`error: ${utf16}: is not UTF-8 text: it is UTF-16`);
  });

  it('refuses a profile with an unknown key, naming it', async () => {
    const file = join(dir, 'bad-profile.yaml');
    writeFileSync(file, 'server: http://x\ntokn: t\n');
    const refused = await cli(['admin', 'computers'], { TOLLGATE_PROFILE: file });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${file}: (top level): Unrecognized key: "tokn"`);
    const missing = await cli(['admin', 'computers'], { TOLLGATE_PROFILE: join(dir, 'absent.yaml') });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('absent.yaml: cannot be read');
  });

  it('prints a usage error as JSON under --json, with exit 2', async () => {
    const usage = await cli(['admin', '--json', 'policies', 'add', '--order', 'x'], { TOLLGATE_SERVER: url });
    expect(usage.code).toBe(2);
    const parsed = JSON.parse(usage.stderr) as { error: { code: string; message: string } };
    expect(parsed.error.code).toBe('invalid-usage');
    expect(parsed.error.message).toContain('--order takes an integer, not "x"');
  });
});

describe('tollgate server backup', () => {
  it('copies server.db beside the running server and refuses to overwrite a file', async () => {
    const temp = await openTempState(await loadScenario(SCENARIO));
    try {
      const config = join(dir, 'backup-server.yaml');
      writeFileSync(config, `dataDir: ${temp.dir}\n`);
      const out = join(dir, 'server-backup.db');
      const backed = await cli(['server', '--config', config, 'backup', '--output', out]);
      expect(backed.stderr).toBe('');
      expect(backed.code).toBe(0);
      expect(backed.stdout).toContain(`backed up to ${out}`);
      // Readable by its owner alone, whatever the umask: it holds the world and every enrolment token's hash.
      expect(statSync(out).mode & 0o777).toBe(0o600);
      const copy = new Database(out, { readonly: true });
      const source = new Database(join(temp.dir, 'server.db'), { readonly: true });
      try {
        const tables = (db: Database.Database): string[] =>
          (
            db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
          ).map((r) => r.name);
        expect(tables(copy)).toEqual(tables(source));
        expect(tables(copy).length).toBeGreaterThan(0);
        for (const table of tables(source)) {
          const count = (db: Database.Database): number =>
            (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
          expect(count(copy)).toBe(count(source));
        }
      } finally {
        copy.close();
        source.close();
      }
      const again = await cli(['server', '--config', config, 'backup', '--out', out]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('already exists');
      const noOut = await cli(['server', '--config', config, 'backup']);
      expect(noOut.code).toBe(2);
      const nowhere = await cli(['server', '--config', config, 'backup', '--out', join(dir, 'no-such-folder', 'b.db')]);
      expect(nowhere.code).toBe(2);
      expect(nowhere.stderr).toContain('no-such-folder/b.db: cannot be created (ENOENT)');
      // A database that cannot be read: the copy begun is removed, so the next try is not refused as existing.
      const broken = join(dir, 'broken-data');
      mkdirSync(broken, { recursive: true });
      writeFileSync(join(broken, 'server.db'), 'not a database\n'.repeat(1000));
      const brokenConfig = join(dir, 'broken-server.yaml');
      writeFileSync(brokenConfig, `dataDir: ${broken}\n`);
      const failedOut = join(dir, 'failed-backup.db');
      const failed = await cli(['server', '--config', brokenConfig, 'backup', '--out', failedOut]);
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toContain(`backup of ${join(broken, 'server.db')} to ${failedOut} failed`);
      expect(existsSync(failedOut)).toBe(false);
    } finally {
      await temp.close();
    }
  });

  it('prints the pg_dump command for a PostgreSQL store', async () => {
    const { backupServer } = await import('../../src/cli/server-backup.js');
    let stdout = '';
    const code = await backupServer(
      { stdout: (t) => void (stdout += t), stderr: () => {}, nowMs: () => NOW },
      { dataDir: dir, store: { url: 'postgresql://tollgate:pw@db.example/tollgate' } },
      'tollgate.dump',
    );
    expect(code).toBe(0);
    expect(stdout).toContain(
      'pg_dump --format=custom --schema="tollgate" --file="tollgate.dump" "postgresql://tollgate:***@db.example/tollgate"',
    );
    // Another schema of the config is the one dumped (a restore with --clean replaces only what was dumped).
    stdout = '';
    await backupServer(
      { stdout: (t) => void (stdout += t), stderr: () => {}, nowMs: () => NOW },
      { dataDir: dir, store: { url: 'postgresql://db.example/shared', schema: 'tollgate_eu' } },
      'eu.dump',
    );
    expect(stdout).toContain(
      'pg_dump --format=custom --schema="tollgate_eu" --file="eu.dump" "postgresql://db.example/shared"',
    );
    expect(stdout).not.toContain(':pw@');
  });
});

describe('server rotate-key', () => {
  it('makes a new key due now only with --now, keeps a waiting key, and changes nothing for a damaged one', async () => {
    const config = join(dir, 'rotate.yaml');
    writeFileSync(config, 'dataDir: rotate-data\n');
    const data = join(dir, 'rotate-data');
    const nextKey = join(data, 'signing-next.key');
    const nextAt = join(data, 'signing-next.at');
    // No key waits: a key due now (or in the past) would be one no agent pins yet.
    for (const at of [[], ['--at', '2026-11-22T11:00:00Z']]) {
      const refused = await cli(['server', 'rotate-key', '--config', config, ...at]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/no next key waits, so this makes a new one: give --at with a time to come/);
      expect(existsSync(nextKey)).toBe(false);
    }
    const farOff = await cli(['server', 'rotate-key', '--config', config, '--at', '9999-12-31T23:59:59.999-23:59']);
    expect(farOff.code).toBe(2);
    expect(farOff.stderr).toMatch(/--at is past the year 9999/);
    const made = await cli(['server', 'rotate-key', '--config', config, '--at', '2026-12-01T00:00:00Z']);
    expect(made.code).toBe(0);
    expect(made.stderr).toMatch(/^new next signing key [0-9a-f]{16} .*from 2026-12-01T00:00:00.000Z; pin it on every/);
    // The waiting key is switched to early without --at.
    const early = await cli(['server', 'rotate-key', '--config', config]);
    expect(early.code).toBe(0);
    expect(early.stdout).toBe(made.stdout);
    expect(early.stderr).toMatch(/^waiting next signing key .*from 2026-11-22T12:00:00.000Z: now; agents that do not/);
    // A damaged waiting key is named, and nothing is written.
    writeFileSync(nextKey, 'not a key');
    const atBefore = readFileSync(nextAt, 'utf8');
    const damaged = await cli(['server', 'rotate-key', '--config', config, '--at', '2027-01-01T00:00:00Z']);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toContain(`${nextKey}: `);
    expect(readFileSync(nextAt, 'utf8')).toBe(atBefore);
    // A FIFO in its place is refused at once, not waited on.
    rmSync(nextKey);
    execFileSync('mkfifo', [nextKey]);
    const fifo = await cli(['server', 'rotate-key', '--config', config, '--at', '2027-01-01T00:00:00Z']);
    expect(fifo.code).toBe(2);
    expect(fifo.stderr).toContain(`cannot read ${nextKey}: it is not a regular file`);
    // --now makes a new key due at once.
    const other = join(dir, 'rotate-now.yaml');
    writeFileSync(other, 'dataDir: rotate-now-data\n');
    const now = await cli(['server', 'rotate-key', '--config', other, '--now']);
    expect(now.code).toBe(0);
    expect(now.stderr).toMatch(/^new next signing key .*: now; agents that do not pin it refuse what it signs/);
    expect(existsSync(join(dir, 'rotate-now-data', 'signing-next.key'))).toBe(true);
  });
});
