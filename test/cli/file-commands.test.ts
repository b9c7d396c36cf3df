// The public command line of SPEC.md section 8, driven in-process with captured output.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { CLI, CONTRACT_CASES, CONTRACT_SCENARIO, cli } from '../support/daemon-process.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const FAILING_CASES = `cases:
  - name: chrome is denied (wrong on purpose)
    computer: till-1
    file: {path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', certSubject: 'CN=Google LLC'}
    expect: {action: deny, policy: chrome-block}
  - name: the default policy catches the rest
    computer: till-1
    file: {path: 'C:\\Games\\solitaire.exe'}
    expect: {action: denyWithRequest, policy: shop-default}
`;

describe('tollgate replay', () => {
  it('passes the contract example', async () => {
    const result = await cli(['replay', CONTRACT_SCENARIO, CONTRACT_CASES]);
    expect(result.stdout).toBe('9 passed, 0 failed\n');
    expect(result.code).toBe(0);
  });

  it('shows expected against got for a failing case and exits 1', async () => {
    const result = await cli(['replay', CONTRACT_SCENARIO, file('failing.yaml', FAILING_CASES)]);
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('chrome is denied (wrong on purpose)');
    expect(lines[0]).toContain('expected {"policy":"chrome-block","action":"deny"}');
    expect(lines[0]).toContain('got {"policy":"chrome-ok","action":"permit"}');
    expect(lines[1]).toBe('1 passed, 1 failed');
  });

  it('exits 2 naming the file, the list, the id and the field of an invalid scenario', async () => {
    const scenario = readFileSync(CONTRACT_SCENARIO, 'utf8').replace('order: 20}', 'order: -20}');
    const bad = file('bad-scenario.yaml', scenario);
    const result = await cli(['replay', bad, CONTRACT_CASES]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${bad}: policies[chrome-block]: order -20 is negative, but organization shop uses the flat structure`,
    );
    expect(result.stdout).toBe('');
  });

  it('exits 2 naming the file, the case and the field of a misspelt file field', async () => {
    // Dropped silently, certSubjet would leave a rule-less path match and the wrong case would pass.
    const fixtures = file(
      'misspelt.yaml',
      FAILING_CASES.replace("certSubject: 'CN=Google LLC'", "certSubjet: 'CN=Google LLC'"),
    );
    const result = await cli(['replay', CONTRACT_SCENARIO, fixtures]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${fixtures}: cases[chrome is denied (wrong on purpose)]: unknown field "file.certSubjet"`,
    );
    expect(result.stdout).toBe('');
  });

  it('exits 2 naming the file and the place of bytes that are not UTF-8, rather than reading them as U+FFFD', async () => {
    // A path written in Latin-1 would otherwise match nothing the writer meant, and the case could pass.
    const text = FAILING_CASES.replace('solitaire.exe', 'solit\u00e4re.exe');
    const fixtures = join(dir, 'latin1.yaml');
    writeFileSync(fixtures, Buffer.from(text, 'latin1'));
    const offset = Buffer.from(text, 'latin1').indexOf(0xe4);
    const line = text.slice(0, offset).split('\n').length;
    const column = offset - text.lastIndexOf('\n', offset - 1);
    const result = await cli(['replay', CONTRACT_SCENARIO, fixtures]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${fixtures}: is not UTF-8 text: byte 0xe4 at offset ${offset} (line ${line}, column ${column}) starts no UTF-8 character`,
    );
    expect(result.stdout).toBe('');
  });

  it('exits 2 naming the file, the case and the field of an expectation no decision can meet', async () => {
    const fixtures = file('allow.yaml', FAILING_CASES.replace('expect: {action: deny,', 'expect: {action: allow,'));
    const result = await cli(['replay', CONTRACT_SCENARIO, fixtures]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${fixtures}: cases[chrome is denied (wrong on purpose)]: expect.action must be one of permit, deny, denyWithRequest, ringfence, not the string "allow"`,
    );
    expect(result.stdout).toBe('');
  });

  it('answers a case-insensitive regex with nested quantifiers in a time linear in the path (the command as run)', async () => {
    // `(\w+\s?)+` backtracks for a time exponential in a path it fails on: with the i flag V8 could not finish it
    // on its linear-time engine, so a Windows daemon asked about such a path stopped answering.
    const scenario = readFileSync(CONTRACT_SCENARIO, 'utf8')
      .replace(
        'applications:\n',
        "applications:\n  - {id: careless, name: Careless, builtIn: false, rules: [{path: 'regex:C:\\\\Users\\\\(\\w+\\s?)+\\.exe'}]}\n",
      )
      .replace(
        'policies:\n',
        'policies:\n  - {id: careless-deny, app: careless, appliesTo: {organization: shop}, action: deny, order: 5}\n',
      );
    const cases = `cases:
  - name: a long name the expression fails on
    computer: till-1
    file: {path: 'C:\\Users\\${'a'.repeat(40)}!.exe'}
    expect: {action: denyWithRequest, policy: shop-default}
  - name: a name it matches, in another case
    computer: till-1
    file: {path: 'c:\\users\\Setup Tool.EXE'}
    expect: {action: deny, policy: careless-deny}
`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      CLI,
      'replay',
      file('careless.yaml', scenario),
      file('careless-cases.yaml', cases),
    ]);
    expect(stdout).toBe('2 passed, 0 failed\n');
  });

  it('stops quietly when the reader of its output goes away (`| head`)', async () => {
    const child = spawn(process.execPath, [CLI, 'replay', '--format', 'json', CONTRACT_SCENARIO, CONTRACT_CASES], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('exits 2 when a case names an unknown computer', async () => {
    const fixtures = file('unknown.yaml', FAILING_CASES.replace('computer: till-1', 'computer: till-99'));
    const result = await cli(['replay', CONTRACT_SCENARIO, fixtures]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${fixtures}: cases[chrome is denied (wrong on purpose)]: computer "till-99" is not a known computer`,
    );
  });

  it('refuses to write its report over one of its inputs, and leaves them as they were', async () => {
    const fixtures = file('own-output.yaml', readFileSync(CONTRACT_CASES, 'utf8'));
    const before = readFileSync(fixtures, 'utf8');
    for (const output of [fixtures, CONTRACT_SCENARIO]) {
      const result = await cli(['replay', CONTRACT_SCENARIO, fixtures, '--output', output]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`error: ${output}: is the input ${output}; refusing to write over it\n`);
    }
    expect(readFileSync(fixtures, 'utf8')).toBe(before);
  });

  it('writes its report whole or not at all, naming an output it cannot write (no stack trace)', async () => {
    const missing = join(dir, 'no-such-folder', 'report.json');
    const result = await cli(['replay', CONTRACT_SCENARIO, CONTRACT_CASES, '--format', 'json', '--output', missing]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: .*no-such-folder\/report\.json: cannot be written \(ENOENT: /);
    expect(result.stderr).not.toContain('    at ');
    // An existing report is replaced whole: no temporary file is left beside it.
    const report = join(dir, 'whole.json');
    writeFileSync(report, 'old');
    expect(
      (await cli(['replay', CONTRACT_SCENARIO, CONTRACT_CASES, '--format', 'json', '--output', report])).code,
    ).toBe(0);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ passed: 9 });
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('writes json and junit reports, with the summary on standard output when --output is given', async () => {
    const failing = file('failing2.yaml', FAILING_CASES);
    const json = await cli(['replay', CONTRACT_SCENARIO, failing, '--format', 'json']);
    const report = JSON.parse(json.stdout) as {
      passed: number;
      failed: number;
      cases: { name: string; passed: boolean }[];
    };
    expect([report.passed, report.failed]).toEqual([1, 1]);
    expect(report.cases.map((c) => c.passed)).toEqual([false, true]);
    expect(json.code).toBe(1);

    const out = join(dir, 'report.xml');
    const junit = await cli(['replay', CONTRACT_SCENARIO, failing, '--format', 'junit', '--output', out]);
    expect(junit.stdout).toBe('1 passed, 1 failed\n');
    const xml = readFileSync(out, 'utf8');
    expect(xml).toContain('<testsuite name=');
    expect(xml).toContain('tests="2" failures="1"');
    expect(xml).toMatch(
      /<testcase classname="till-1" name="chrome is denied \(wrong on purpose\)" time="\d+\.\d{3}" file="[^"]*failing2\.yaml">\s*<failure message=/,
    );
  });

  it('keeps one line per failing case, and XML that parses, whatever characters a case name holds', async () => {
    // A newline that would fake a summary line, an escape sequence, a NUL: written as \\uXXXX.
    const name = 'evil\\n99 passed, 0 failed\\u001b[31m\\u0000';
    const cases = file('evil.yaml', FAILING_CASES.replace('chrome is denied (wrong on purpose)', `"${name}"`));
    const text = await cli(['replay', CONTRACT_SCENARIO, cases]);
    expect(text.stdout.split('\n')).toEqual([
      expect.stringMatching(/^FAIL evil\\u000a99 passed, 0 failed\\u001b\[31m\\u0000: expected /),
      '1 passed, 1 failed',
      '',
    ]);
    const junit = await cli(['replay', CONTRACT_SCENARIO, cases, '--format', 'junit']);
    expect(junit.stdout).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(junit.stdout).toContain('name="evil&#10;99 passed, 0 failed\\u001b[31m\\u0000"');
  });

  it('decides a path against a regex with nested quantifiers in linear time (linux: no case folding)', async () => {
    const scenario = file(
      'redos.yaml',
      [
        'organizations: [{id: q, name: Quarry, structure: flat}]',
        'groups: [{id: srv, org: q, name: Servers, os: linux, agentVersion: "10.6.2"}]',
        'computers: [{id: s1, group: srv}]',
        'applications: [{id: evil, name: Evil, rules: [{path: "regex:(a+)+"}]}]',
        'policies: [{id: p, app: evil, appliesTo: {organization: q}, action: permit, order: 1}]',
        '',
      ].join('\n'),
    );
    // 2^40 ways to split the a's: on the backtracking engine alone this would not finish.
    const cases = file(
      'redos-cases.yaml',
      `cases:\n  - {name: redos, computer: s1, file: {path: '${'a'.repeat(40)}!'}, expect: {action: deny}}\n`,
    );
    // The command as installed (bin/tollgate.js sets V8's fallback before any expression is made).
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'replay', scenario, cases]);
    expect(stdout).toBe('1 passed, 0 failed\n');
  });

  it('refuses a wrong number of arguments with exit 2', async () => {
    const result = await cli(['replay', CONTRACT_SCENARIO]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SCENARIO FIXTURES/);
  });
});

describe('tollgate upgrade', () => {
  it('refuses with every unmet condition named', async () => {
    const result = await cli(['upgrade', 'examples/world.yaml', '--org', 'bakery']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('already flat');
    expect(result.stderr).toContain('bakery-backoffice');
    expect(result.stderr).toContain('10.4.0');
    expect(result.stderr).toContain('acknowledge');
  });

  it('refuses a child whose parent is not flat', async () => {
    const scenario = readFileSync(CONTRACT_SCENARIO, 'utf8')
      .replace(
        '{id: parent, name: Parent MSP, structure: flat}',
        '{id: parent, name: Parent MSP, structure: hierarchical}',
      )
      .replace(
        '{id: shop, name: Corner Shop, parent: parent, structure: flat, modules: [cyberHeroApprovals]}',
        '{id: shop, name: Corner Shop, parent: parent, structure: hierarchical, modules: [cyberHeroApprovals]}',
      );
    const result = await cli(['upgrade', file('hier.yaml', scenario), '--org', 'school', '--acknowledge']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/parent/);
  });

  it('writes the renumbered world, which every command loads', async () => {
    const out = join(dir, 'upgraded.yaml');
    const result = await cli(['upgrade', 'examples/world.yaml', '--org', 'school', '--acknowledge', '--output', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('discrepancies');
    const world = await loadScenario(out);
    expect(world.organizations.find((o) => o.id === 'school')?.structure).toBe('flat');
    const orders = world.policies
      .filter((p) =>
        ['school', 'labs-science', 'labs-library', 'staff-macs'].some((scope) =>
          JSON.stringify(p.appliesTo).includes(`"${scope}"`),
        ),
      )
      .map((p) => p.order);
    expect(orders.length).toBeGreaterThan(0);
    expect(orders.every((o) => (o >= 101 && o < 100_001) || (o >= 100_001 && o < 1_000_000) || o === 1_000_000)).toBe(
      true,
    );
    const lint = await cli(['lint', out]);
    expect(lint.code).toBe(0);
  });

  it('prints the renumbering on a dry run and writes nothing', async () => {
    const result = await cli(['upgrade', 'examples/world.yaml', '--org', 'school', '--acknowledge', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/100001/);
    expect(result.stdout).toMatch(/1000000/);
  });
});

describe('tollgate lint', () => {
  it('warns without failing', async () => {
    const result = await cli(['lint', 'examples/world.yaml']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('policies[bakery-zoom-ringfence]: order 300 is also used by tills-zoom-deny');
    expect(result.stdout).toContain('below the flatPolicyStructure gate');
  });
});
