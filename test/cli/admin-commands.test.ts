import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAppliesTo, parseSettingValue } from '../../src/cli/admin-commands.js';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { parseScenario, serializeScenario } from '../../src/scenario/load.js';
import { buildAdminApi } from '../../src/server/admin-api.js';
import type { ServerState } from '../../src/server/state.js';
import { RecordingHub, type TempState, adminWorld, openTempState, storedRows } from '../server/admin-harness.js';

const TOKEN = 'cli-test-token';

let dir: string;
let app: FastifyInstance;
let temp: TempState | undefined;
let state: ServerState;
let hub: RecordingHub;
let url: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), nowMs: () => 0 };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

function admin(...args: string[]): Promise<Run> {
  return run('admin', '--server', url, '--token', TOKEN, ...args);
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-admin-cli-'));
  await writeFile(join(dir, 'world.yaml'), serializeScenario(adminWorld(), 'yaml'));
});

afterAll(async () => {
  await app.close();
  await temp?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  if (app !== undefined) await app.close();
  await temp?.close();
  temp = await openTempState();
  state = temp.state;
  hub = new RecordingHub();
  app = buildAdminApi({ state, adminToken: TOKEN, hub, logger: false });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});

describe('tollgate admin, end to end against a real server', () => {
  it('imports a scenario file, enrolls a computer and lists computers', async () => {
    const imported = await admin('import', join(dir, 'world.yaml'));
    expect(imported).toMatchObject({ code: 0, stderr: '' });
    expect(imported.stdout).toContain('4 computer(s) get a new snapshot');
    expect(state.world()).toEqual(adminWorld());
    expect(hub.pushes).toHaveLength(1);

    const enrolled = await admin('enroll', 'pc-1');
    expect(enrolled.code).toBe(0);
    expect(state.authenticate('pc-1', enrolled.stdout.trim())).toBe(true);

    const computers = await admin('computers');
    expect(computers.code).toBe(0);
    const lines = computers.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^computer\s+group\s+enrolled\s+agent\s+tollgate\s+connected\s+snapshot\s+settings\s+last error$/,
    );
    expect(lines[1]).toMatch(/^pc-1\s+shop-pcs\s+yes\s+-\s+-\s+no\s+1\/0 \*\s+1\/0 \*$/);

    // The versions an agent says in its hello: the agent version its gates use, and the tollgate it runs.
    await state.recordHello('pc-1', { agentVersion: '10.6.2', tollgateVersion: '0.9.1', os: 'windows', nowMs: 1 });
    await state.recordHello('pc-2', { agentVersion: '10.5.0', os: 'windows', nowMs: 1 });
    const reported = (await admin('computers')).stdout.split('\n');
    expect(reported.find((line) => line.startsWith('pc-1 '))).toMatch(
      /^pc-1\s+shop-pcs\s+yes\s+10\.6\.2\s+0\.9\.1\s+no\s/,
    );
    expect(reported.find((line) => line.startsWith('pc-2 '))).toMatch(/^pc-2\s+\S+\s+no\s+10\.5\.0\s+-\s+no\s/);
    const listed = JSON.parse((await admin('--json', 'computers')).stdout) as {
      computers: { id: string; reportedAgentVersion: string | null; reportedTollgateVersion: string | null }[];
    };
    expect(listed.computers.find((c) => c.id === 'pc-1')).toMatchObject({
      reportedAgentVersion: '10.6.2',
      reportedTollgateVersion: '0.9.1',
    });
  });

  it('shows a dry run, and refuses to remove computers without --allow-removals', async () => {
    expect((await admin('import', join(dir, 'world.yaml'))).code).toBe(0);
    const smaller = join(dir, 'smaller.yaml');
    const world = adminWorld();
    world.computers = world.computers.filter((c) => c.id !== 'lab-1');
    world.policies[1]!.order = 3;
    await writeFile(smaller, serializeScenario(world, 'yaml'));
    const before = storedRows(temp!.dir);

    const refused = await admin('import', smaller);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'error: computers[lab-1]: would be removed\n' +
        'error: nothing was imported: pass --allow-removals to remove these computers\n',
    );
    expect(storedRows(temp!.dir)).toBe(before);

    const dry = await admin('import', '--dry-run', smaller);
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toBe(
      `dry run of ${smaller} (5 organizations, 3 computers, 4 policies): nothing stored\n` +
        '  computers: +0 ~0 -1 (removed: lab-1)\n' +
        '  policies: +0 ~1 -0\n' +
        'would change: 2 computer(s) get a new snapshot, 0 new settings\n',
    );
    expect(storedRows(temp!.dir)).toBe(before);
    const dryJson = JSON.parse((await admin('--json', 'import', '--dry-run', smaller)).stdout) as {
      diff: { policies: { changed: string[] } };
      stored: boolean;
    };
    expect(dryJson.stored).toBe(false);
    expect(dryJson.diff.policies.changed).toEqual(['p-notepad']);

    const allowed = await admin('import', '--allow-removals', smaller);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('computers: +0 ~0 -1 (removed: lab-1)');
    expect(state.world().computers.map((c) => c.id)).toEqual(['pc-1', 'pc-2', 'a-1']);
  });

  it('names the file when the scenario is invalid, without calling the server', async () => {
    const bad = join(dir, 'bad.yaml');
    const world = adminWorld();
    world.policies[2]!.order = -5;
    await writeFile(bad, serializeScenario(world, 'yaml'));
    const before = storedRows(temp!.dir);
    const result = await admin('import', bad);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: ${bad}: policies[p-acme-chrome]: order -5 is negative, but organization acme uses the flat structure\n`,
    );
    expect(storedRows(temp!.dir)).toBe(before);
  });

  it('adds a policy, and refuses a negative order in a flat organization with the server message', async () => {
    await admin('import', join(dir, 'world.yaml'));
    const bad = await admin(
      'policies',
      'add',
      '--id',
      'p-1',
      '--app',
      'chrome',
      '--applies-to',
      'organization=acme',
      '--action',
      'permit',
      '--order',
      '-5',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'error: policies[p-1]: order -5 is negative, but organization acme uses the flat structure\n',
    );
    expect(bad.stdout).toBe('');

    const good = await admin(
      'policies',
      'add',
      '--id',
      'p-2',
      '--app',
      'notepad',
      '--applies-to',
      'computer=pc-1',
      '--action',
      'deny',
      '--order',
      '3',
      '--name',
      'No Notepad',
    );
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('policy p-2 added; 1 computer(s) get a new snapshot');
    expect(state.world().policies.find((p) => p.id === 'p-2')).toEqual({
      id: 'p-2',
      name: 'No Notepad',
      app: 'notepad',
      appliesTo: { computer: 'pc-1' },
      action: 'deny',
      order: 3,
      enabled: true,
    });

    const moved = await admin('policies', 'move', 'p-2', '--order', '9');
    expect(moved.code).toBe(0);
    expect(state.world().policies.find((p) => p.id === 'p-2')?.order).toBe(9);

    const listed = await admin('policies', 'list');
    expect(listed.stdout).toMatch(/^9\s+p-2\s+deny\s+notepad\s+computer=pc-1\s+yes\s+No Notepad$/m);

    const deleted = await admin('policies', 'delete', 'p-2');
    expect(deleted.code).toBe(0);
    const again = await admin('policies', 'delete', 'p-2');
    expect(again).toMatchObject({ code: 2, stderr: 'error: policy p-2 is unknown\n' });
  });

  it('refuses a bad --applies-to locally', async () => {
    const result = await admin(
      'policies',
      'add',
      '--app',
      'chrome',
      '--applies-to',
      'planet=mars',
      '--action',
      'deny',
      '--order',
      '1',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--applies-to takes KIND=ID');
  });

  it('sets a setting and prints which agents applied it and which are offline', async () => {
    await admin('import', join(dir, 'world.yaml'));
    hub.connected = new Set(['pc-1']);
    const result = await admin(
      'settings',
      'set',
      '--group',
      'shop-pcs',
      'prioritizeBuiltInApplications=false',
      '--wait-ms',
      '500',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'prioritizeBuiltInApplications=false set for group shop-pcs',
        'affected 2 computers',
        '  applied  pc-1',
        '  pending  none',
        '  offline  pc-2 (they get it when they reconnect)',
        '',
      ].join('\n'),
    );
    expect(hub.waits).toEqual([{ kind: 'settings', ids: ['pc-1', 'pc-2'], timeoutMs: 500 }]);

    const listed = await admin('settings', 'list');
    expect(listed.stdout).toMatch(/prioritizeBuiltInApplications\s+false\s+group=shop-pcs\s+200/);

    const cleared = await admin('settings', 'clear', '--group', 'shop-pcs', 'prioritizeBuiltInApplications');
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toContain('prioritizeBuiltInApplications cleared for group shop-pcs');
  });

  it('prints an agent that refused a setting on a line of its own, with its error, and not as pending', async () => {
    await admin('import', join(dir, 'world.yaml'));
    hub.connected = new Set(['pc-1', 'pc-2']);
    hub.pending = new Set(['pc-2']);
    hub.refused = new Map([['pc-1', 'refused (bad-signature)']]);
    const result = await admin('settings', 'set', '--group', 'shop-pcs', 'prioritizeBuiltInApplications=false');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'prioritizeBuiltInApplications=false set for group shop-pcs',
        'affected 2 computers',
        '  applied  none',
        '  pending  pc-2 (connected; not acknowledged in time)',
        '  refused  pc-1: refused (bad-signature)',
        '  offline  none',
        '',
      ].join('\n'),
    );
    const json = await admin('--json', 'settings', 'set', '--group', 'shop-pcs', 'prioritizeBuiltInApplications=true');
    expect(JSON.parse(json.stdout)).toMatchObject({
      applied: [],
      pending: ['pc-1', 'pc-2'],
      refused: [{ computer: 'pc-1', error: 'refused (bad-signature)' }],
      offline: [],
    });
  });

  it("shows an agent's refusal with its escape sequences and line breaks written out, not acted on", async () => {
    await admin('import', join(dir, 'world.yaml'));
    hub.connected = new Set(['pc-1']);
    hub.refused = new Map([['pc-1', 'bad\u001b[2J\u001b]0;pwned\u0007\nforged line\u202e']]);
    const result = await admin('settings', 'set', '--group', 'shop-pcs', 'prioritizeBuiltInApplications=false');
    expect(result.stdout).toContain('  refused  pc-1: bad\\u001b[2J\\u001b]0;pwned\\u0007\\u000aforged line\\u202e\n');
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
    // The same words as the computer's last error in the list of computers.
    await state.recordAck('pc-1', {
      snapshotVersion: 0,
      settingsVersion: 0,
      error: 'bad\u001b[2J\u001b]0;pwned\u0007\nforged line',
      nowMs: 2,
    });
    const listed = await admin('computers');
    expect(listed.stdout).toMatch(/^pc-1 .*bad\\u001b\[2J\\u001b\]0;pwned\\u0007\\u000aforged line$/m);
    expect(listed.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('needs exactly one scope and a known setting', async () => {
    await admin('import', join(dir, 'world.yaml'));
    const none = await admin('settings', 'set', 'prioritizeBuiltInApplications=false');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give exactly one scope');
    const unknown = await admin('settings', 'set', '--global', 'colour=red');
    expect(unknown).toMatchObject({
      code: 2,
      stderr: 'error: type is invalid: unknown setting type "colour" (known: prioritizeBuiltInApplications)\n',
    });
  });

  it('refuses an upgrade with every unmet condition (exit 2), and upgrades after a dry run', async () => {
    await admin('import', join(dir, 'world.yaml'));
    const refused = await admin('upgrade', 'school');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      [
        'upgrade of organization school to the flat policy structure refused:',
        '  - parent organization old is hierarchical: it must be upgraded first',
        '  - windows group school-labs (Labs) has agent version 10.4.0, below 10.5.3',
        '  - the order of policies may be affected: acknowledge to continue',
        '',
      ].join('\n'),
    );

    // With --json, the server's code and every unmet condition.
    const refusedJson = await admin('--json', 'upgrade', 'school');
    expect(refusedJson.code).toBe(2);
    const error = (JSON.parse(refusedJson.stderr) as { error: { code: string; problems: string[] } }).error;
    expect(error.code).toBe('upgrade-refused');
    expect(error.problems).toContain('parent organization old is hierarchical: it must be upgraded first');

    const dry = await admin('upgrade', 'shop', '--acknowledge', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('renumbering (2 policies)');
    expect(state.world().organizations.find((o) => o.id === 'shop')?.structure).toBe('hierarchical');

    hub.connected = new Set(['pc-1', 'pc-2']);
    const done = await admin('upgrade', 'shop', '--acknowledge');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('  applied  pc-1, pc-2');
    expect(state.world().organizations.find((o) => o.id === 'shop')?.structure).toBe('flat');
  });

  it('exports the world as a scenario that loads back', async () => {
    await admin('import', join(dir, 'world.yaml'));
    const out = join(dir, 'export.json');
    const result = await admin('world', 'export', '--out', out);
    expect(result.code).toBe(0);
    expect(parseScenario(await readFile(out, 'utf8'), out)).toEqual(adminWorld());
  });

  it('prints lint warnings and the public key', async () => {
    await admin('import', join(dir, 'world.yaml'));
    const lint = await admin('lint');
    expect(lint.code).toBe(0);
    expect(lint.stdout).toMatch(/warning|no warnings/);
    const key = await admin('--json', 'public-key');
    expect(JSON.parse(key.stdout)).toEqual({ publicKey: state.publicKeyPem() });
  });

  it('takes the admin options after the subcommand too', async () => {
    await admin('import', join(dir, 'world.yaml'));
    const result = await run('admin', 'policies', 'list', '--server', url, '--token', TOKEN, '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ policies: adminWorld().policies });
  });

  it('reads the token from a file', async () => {
    const file = join(dir, 'token');
    await writeFile(file, `${TOKEN}\n`);
    const result = await run('admin', '--server', url, '--token-file', file, 'policies', 'list');
    expect(result.code).toBe(0);
  });

  it('exits 2 with a wrong or missing token, and 1 when the server cannot be reached', async () => {
    const wrong = await run('admin', '--server', url, '--token', 'nope', 'computers');
    expect(wrong).toMatchObject({
      code: 2,
      stderr: 'error: missing or wrong admin token (Authorization: Bearer TOKEN)\n',
    });
    const missing = await run('admin', '--server', url, 'computers');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--token TOKEN or --token-file FILE');
    const port = await closedPort();
    const down = await run('admin', '--server', `http://127.0.0.1:${port}`, '--token', TOKEN, 'computers');
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      new RegExp(`^error: cannot reach the server at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
  });
});

describe('argument parsing', () => {
  it('parses every Applies To kind', () => {
    expect(parseAppliesTo('global=msp')).toEqual({ global: 'msp' });
    expect(parseAppliesTo('global-group=msp:Lab')).toEqual({ globalGroup: { org: 'msp', keyword: 'Lab' } });
    expect(parseAppliesTo('organization=shop')).toEqual({ organization: 'shop' });
    expect(parseAppliesTo('org=shop')).toEqual({ organization: 'shop' });
    expect(parseAppliesTo('group=shop-pcs')).toEqual({ group: 'shop-pcs' });
    expect(parseAppliesTo('computer=pc-1')).toEqual({ computer: 'pc-1' });
    expect(() => parseAppliesTo('group=')).toThrow(/KIND=ID/);
    expect(() => parseAppliesTo('global-group=msp')).toThrow(/ORG:KEYWORD/);
  });

  it('parses setting values: booleans, numbers, else text', () => {
    expect(parseSettingValue('true')).toBe(true);
    expect(parseSettingValue('false')).toBe(false);
    expect(parseSettingValue('42')).toBe(42);
    expect(parseSettingValue('-1.5')).toBe(-1.5);
    expect(parseSettingValue('True')).toBe('True');
    expect(parseSettingValue('10.5.3')).toBe('10.5.3');
  });
});
