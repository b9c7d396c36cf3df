// Where the CLI finds the daemon's sockets and the admin API: the flag, then
// the environment, then the profile file (docs/ADMIN.md, "Defaults:
// environment and profile").
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { MAX_PROFILE_BYTES, resolveAdminSocket, resolveAdminTarget, resolveSocket } from '../../src/cli/profile.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const profile = join(dir, 'cli.yaml');
writeFileSync(
  profile,
  'server: https://policy.example:7443\ntokenFile: token\nsocket: run/agent.sock\nadminSocket: run/root.sock\n',
);
const clientOnly = join(dir, 'client-only.yaml');
writeFileSync(clientOnly, 'socket: /run/tollgate/agent.sock\n');
const empty = join(dir, 'empty.yaml');
writeFileSync(empty, '{}\n');

function io(env: NodeJS.ProcessEnv): CliIo {
  return { stdout: () => {}, stderr: () => {}, nowMs: () => 0, env };
}

describe("the daemon's sockets", () => {
  it('take the flag, then TOLLGATE_SOCKET / TOLLGATE_ADMIN_SOCKET, then the profile (paths from its folder)', () => {
    const withProfile = io({ TOLLGATE_PROFILE: profile });
    expect(resolveSocket(withProfile, undefined)).toBe(join(dir, 'run/agent.sock'));
    expect(resolveAdminSocket(withProfile, undefined)).toBe(join(dir, 'run/root.sock'));

    const withEnv = io({
      TOLLGATE_PROFILE: profile,
      TOLLGATE_SOCKET: '/env.sock',
      TOLLGATE_ADMIN_SOCKET: '/env.admin',
    });
    expect(resolveSocket(withEnv, undefined)).toBe('/env.sock');
    expect(resolveAdminSocket(withEnv, undefined)).toBe('/env.admin');

    expect(resolveSocket(withEnv, '/flag.sock')).toBe('/flag.sock');
    expect(resolveAdminSocket(withEnv, '/flag.admin.sock')).toBe('/flag.admin.sock');
  });

  it('find the admin socket next to the client socket when only that is known', () => {
    expect(resolveAdminSocket(io({ TOLLGATE_PROFILE: clientOnly }), undefined)).toBe('/run/tollgate/agent.admin.sock');
    expect(resolveAdminSocket(io({ TOLLGATE_PROFILE: empty, TOLLGATE_SOCKET: '/x/till.sock' }), undefined)).toBe(
      '/x/till.admin.sock',
    );
  });

  it('name every way to give a socket when none is given', () => {
    expect(() => resolveSocket(io({ TOLLGATE_PROFILE: empty }), undefined)).toThrow(
      "give the daemon's socket: --socket PATH, TOLLGATE_SOCKET or socket in the profile",
    );
    expect(() => resolveAdminSocket(io({ TOLLGATE_PROFILE: empty }), undefined)).toThrow(/TOLLGATE_ADMIN_SOCKET/);
  });
});

describe('the admin API target', () => {
  it('takes TOLLGATE_SERVER and TOLLGATE_TOKEN_FILE over the profile, and the default server last', () => {
    expect(resolveAdminTarget(io({ TOLLGATE_PROFILE: profile }), {}, 'http://127.0.0.1:7443')).toEqual({
      server: 'https://policy.example:7443',
      tokenFile: join(dir, 'token'),
    });
    expect(
      resolveAdminTarget(
        io({ TOLLGATE_PROFILE: profile, TOLLGATE_SERVER: 'http://env:1', TOLLGATE_TOKEN_FILE: '/env/token' }),
        {},
        'http://127.0.0.1:7443',
      ),
    ).toEqual({ server: 'http://env:1', tokenFile: '/env/token' });
    expect(resolveAdminTarget(io({ TOLLGATE_PROFILE: empty }), {}, 'http://127.0.0.1:7443')).toEqual({
      server: 'http://127.0.0.1:7443',
    });
  });
});

describe('the profile file', () => {
  it('is read only as a regular file: a device is refused, naming it, not read', () => {
    expect(() => resolveSocket(io({ TOLLGATE_PROFILE: '/dev/zero' }), undefined)).toThrow(
      '/dev/zero: cannot be read: it is a character device, not a regular file',
    );
  });

  it('is refused past its bound', () => {
    const large = join(dir, 'large.yaml');
    writeFileSync(large, `socket: /run/a.sock\n#${'x'.repeat(MAX_PROFILE_BYTES)}\n`);
    expect(() => resolveSocket(io({ TOLLGATE_PROFILE: large }), undefined)).toThrow(/the profile is larger than/);
  });
});

describe('a JSON profile', () => {
  it('is refused with a key given twice, as YAML is, naming the file and the line', () => {
    const twice = join(dir, 'twice.json');
    writeFileSync(twice, '{"socket": "/run/a.sock",\n "socket": "/run/b.sock"}\n');
    expect(() => resolveSocket(io({ TOLLGATE_PROFILE: twice }), undefined)).toThrow(
      `${twice}: line 2, column 2: the key "socket" is given twice in one object`,
    );
    const once = join(dir, 'once.json');
    writeFileSync(once, '{"socket": "/run/a.sock"}\n');
    expect(resolveSocket(io({ TOLLGATE_PROFILE: once }), undefined)).toBe('/run/a.sock');
  });
});
