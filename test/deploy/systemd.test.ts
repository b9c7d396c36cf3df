// The systemd units of deploy/systemd, checked by systemd's own parser
// (`systemd-analyze verify`; .ci/run installs Debian's systemd package when it
// is missing): no error and no warning, with the hardening docs/INSTALL.md
// promises. The units name /usr/bin/node and /opt/tollgate; the copies
// verified here name this machine's node and this checkout, since verify
// checks that the commands exist.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DAEMON_GLIBC_TUNABLES } from '../../daemon/allocator.js';
import { ROOT } from '../support/daemon-process.js';

const UNITS = ['tollgate-daemon.service', 'tollgate-server.service'];
const dir = mkdtempSync(join(tmpdir(), 'tollgate-units-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function unitText(name: string): string {
  return readFileSync(join(ROOT, 'deploy', 'systemd', name), 'utf8');
}

/** The directives of a unit's [Service] section, each with every value it is given. */
function serviceDirectives(text: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      section = line;
      continue;
    }
    if (section !== '[Service]') continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    directives.set(key, [...(directives.get(key) ?? []), line.slice(eq + 1)]);
  }
  return directives;
}

describe('the systemd units', () => {
  it('pass systemd-analyze verify without an error or a warning', () => {
    // Required: the test fails rather than skips where systemd-analyze is missing.
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    const copies = UNITS.map((name) => {
      const copy = join(dir, name);
      writeFileSync(
        copy,
        unitText(name).replaceAll('/usr/bin/node', process.execPath).replaceAll('/opt/tollgate', ROOT),
      );
      return copy;
    });
    const result = spawnSync('systemd-analyze', ['verify', ...copies], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('are caught by the same check when a directive is wrong', () => {
    const broken = join(dir, 'tollgate-broken.service');
    writeFileSync(
      broken,
      unitText('tollgate-daemon.service')
        .replaceAll('/usr/bin/node', process.execPath)
        .replaceAll('/opt/tollgate', ROOT)
        .replace('ProtectSystem=strict', 'ProtectSystem=very'),
    );
    const result = spawnSync('systemd-analyze', ['verify', broken], { encoding: 'utf8' });
    expect(result.stderr).toMatch(/protect system/i);
  });

  for (const name of UNITS) {
    it(`${name} is hardened: its own user, state and runtime directories, a read-only system`, () => {
      const service = serviceDirectives(unitText(name));
      expect(service.get('User')?.[0]).toMatch(/^tollgate/);
      expect(service.get('StateDirectory')?.[0]).toMatch(/^tollgate\//);
      expect(service.get('RuntimeDirectory')).toHaveLength(1);
      expect(service.get('ProtectSystem')).toEqual(['strict']);
      expect(service.get('NoNewPrivileges')).toEqual(['yes']);
      expect(service.get('Restart')).toEqual(['on-failure']);
      // Neither process reloads its configuration: no ExecReload that would pretend to.
      expect(service.has('ExecReload')).toBe(false);
      expect(service.get('ExecStartPre')?.[0]).toContain('--check-config');
    });
  }

  it("tollgate-daemon.service starts the daemon with daemon/allocator.ts's glibc malloc settings", () => {
    const service = serviceDirectives(unitText('tollgate-daemon.service'));
    expect(service.get('Environment')).toEqual([`GLIBC_TUNABLES=${DAEMON_GLIBC_TUNABLES}`]);
  });
});
