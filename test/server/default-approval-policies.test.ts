import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/engine/errors.js';
import { parseServerConfig } from '../../src/server/config.js';
import {
  loadDefaultApprovalPolicies,
  parseDefaultApprovalPolicies,
  shippedDefaultApprovalPoliciesPath,
} from '../../src/server/default-approval-policies.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('the default approval policies data file', () => {
  it('ships a valid file in data/, whatever the module runs from', async () => {
    expect(shippedDefaultApprovalPoliciesPath()).toMatch(/[\\/]data[\\/]default-approval-policies\.yaml$/);
    const templates = await loadDefaultApprovalPolicies();
    expect(templates.length).toBeGreaterThanOrEqual(5);
    expect(templates.find((t) => t.category === 'Remote Access')).toEqual({
      action: 'escalate',
      category: 'Remote Access',
      countries: { mode: 'deny', list: [] },
      active: true,
    });
    expect(new Set(templates.map((t) => t.category)).size).toBe(templates.length);
  });

  it('fills the defaults and upper-cases country codes', () => {
    const text =
      'policies:\n  - {category: Shopping, action: escalate, countries: {mode: deny, list: [cn, ru]}}\n  - {category: Games, action: reject, active: false, subcategory: Casino}\n';
    expect(parseDefaultApprovalPolicies(text, 'd.yaml')).toEqual([
      { action: 'escalate', category: 'Shopping', countries: { mode: 'deny', list: ['CN', 'RU'] }, active: true },
      {
        action: 'reject',
        category: 'Games',
        subcategory: 'Casino',
        countries: { mode: 'deny', list: [] },
        active: false,
      },
    ]);
  });

  it('refuses every bad entry, naming the file, the entry and the field', () => {
    const text = [
      'policies:',
      '  - {category: Shopping, action: maybe}',
      '  - {category: "", action: approve}',
      '  - {action: approve}',
      '  - {category: Games, action: reject, colour: red}',
    ].join('\n');
    const problems = problemsOf(() => parseDefaultApprovalPolicies(text, 'd.yaml'));
    expect(problems).toEqual([
      expect.stringMatching(/^d\.yaml: policies\[0\]\.action: /),
      'd.yaml: policies[1].category: must not be empty',
      expect.stringMatching(/^d\.yaml: policies\[2\]\.category: /),
      expect.stringMatching(/^d\.yaml: policies\[3\]: .*colour/),
    ]);
    expect(
      problemsOf(() =>
        parseDefaultApprovalPolicies(
          'policies:\n  - {category: A, action: approve, countries: {mode: allow, list: []}}\n  - {category: B, action: approve, countries: {mode: deny, list: [XX]}}\n',
          'd.yaml',
        ),
      ),
    ).toEqual([
      'd.yaml: policies[0].countries.list: must name at least one country when mode is allow',
      'd.yaml: policies[1].countries.list: "XX" is not an ISO 3166-1 alpha-2 country code',
    ]);
    expect(problemsOf(() => parseDefaultApprovalPolicies('nothing: here', 'd.yaml'))[0]).toMatch(/^d\.yaml: /);
  });

  it('refuses a file nested deeper than 64 levels, YAML or JSON, naming where', () => {
    const yaml = `policies: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`;
    expect(problemsOf(() => parseDefaultApprovalPolicies(yaml, 'd.yaml'))).toEqual([
      `d.yaml: line 1, column ${'policies: '.length + 64}: nests deeper than 64 levels`,
    ]);
    const json = `{"policies": ${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
    expect(problemsOf(() => parseDefaultApprovalPolicies(json, 'd.json'))).toEqual([
      `d.json: line 1, column ${'{"policies": '.length + 64}: nests deeper than 64 levels`,
    ]);
  });

  it('names a file that cannot be read', async () => {
    await expect(loadDefaultApprovalPolicies('/nonexistent/defaults.yaml')).rejects.toThrow(
      '/nonexistent/defaults.yaml: cannot be read',
    );
  });
});

describe('server config: approvals and smtp', () => {
  it('resolves the data file and the password file from the config folder', () => {
    const config = parseServerConfig(
      JSON.stringify({
        dataDir: 'data',
        approvals: { defaultPoliciesFile: 'mine.yaml' },
        smtp: { host: 'mail.example', from: 'tollgate@example.com', user: 'tg', passwordFile: 'smtp-pass' },
      }),
      'server.json',
      '/etc/tollgate',
    );
    expect(config.approvals.defaultPoliciesFile).toBe('/etc/tollgate/mine.yaml');
    expect(config.smtp).toEqual({
      host: 'mail.example',
      port: 25,
      secure: false,
      requireTls: false,
      from: 'tollgate@example.com',
      user: 'tg',
      passwordFile: '/etc/tollgate/smtp-pass',
      timeoutMs: 10_000,
    });
  });

  it('refuses a bad smtp section naming the key', () => {
    const problems = problemsOf(() =>
      parseServerConfig(
        JSON.stringify({ dataDir: 'd', smtp: { host: 'm', from: 'not-an-address', port: 70000, user: 'x' } }),
        's.json',
        '/',
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^s\.json: smtp\.from: must be an email address/),
        expect.stringMatching(/^s\.json: smtp\.port: /),
      ]),
    );
  });
});
