/**
 * SPEC.md section 3: matching a file to an application. Every row is checked
 * on the rule matcher and through both evaluators (so the indexed evaluator's
 * rule keys find every rule that matches).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { CompiledView, LinearEvaluator } from '../../src/engine/evaluate.js';
import {
  REGEX_PREFIX,
  baseName,
  compilePathPattern,
  compileRule,
  compileRuleTest,
  foldPath,
  globToRegExp,
  isCaseInsensitive,
  normalizeFile,
  type RuleKey,
  regexLiterals,
} from '../../src/engine/matcher.js';
import type { AppRule, FileRequest, OsName } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { makeWorld } from '../support/arbitraries.js';

const SHA = 'AA11BB22CC33DD44EE55FF6600112233445566778899AABBCCDDEEFF00112233';
const THUMB = 'A909502DD82AE41433E6F83886B00D4277A32A7B';

function ruleMatches(rules: AppRule[], file: FileRequest, os: OsName): boolean {
  const nf = normalizeFile(file, os);
  return rules.some((r) => compileRule(r, os).test(nf));
}

/** Whether each evaluator lets the file run under a single permit policy for an app with these rules. */
function evaluatorsPermit(rules: AppRule[], file: FileRequest, os: OsName): [boolean, boolean] {
  const world = makeWorld({
    organizations: [{ id: 'o', name: 'O', structure: 'flat', modules: [] }],
    groups: [{ id: 'g', org: 'o', name: 'G', os, agentVersion: '10.6.0' }],
    computers: [{ id: 'c', group: 'g' }],
    applications: [
      { id: 'app', name: 'App', builtIn: false, rules },
      // A decoy with every kind of key, so the index holds more than one entry.
      {
        id: 'decoy',
        name: 'Decoy',
        builtIn: true,
        rules: [{ path: 'C:\\Decoy\\*.exe' }, { sha256: 'b'.repeat(64) }, { path: 'regex:.*decoy.*' }],
      },
    ],
    policies: [
      { id: 'p', app: 'app', appliesTo: { organization: 'o' }, action: 'permit', order: 1, enabled: true },
      { id: 'd', app: 'decoy', appliesTo: { organization: 'o' }, action: 'deny', order: 2, enabled: true },
    ],
  });
  const view = buildView(world, 'c');
  const options = { nowMs: 0, settings: { prioritizeBuiltInApplications: false } };
  return [
    new CompiledView(view).evaluate(file, options).policy === 'p',
    new LinearEvaluator(view).evaluate(file, options).policy === 'p',
  ];
}

type Row = [string, OsName, AppRule, FileRequest, boolean];

function checkRows(rows: Row[]): void {
  it.each<Row>(rows)('%s', (_name, os, rule, file, expected) => {
    expect(ruleMatches([rule], file, os)).toBe(expected);
    expect(evaluatorsPermit([rule], file, os)).toEqual([expected, expected]);
  });
}

describe('globs', () => {
  checkRows([
    ['* matches within a segment', 'windows', { path: 'C:\\Apps\\*.exe' }, { path: 'C:\\Apps\\tool.exe' }, true],
    [
      '* does not cross a separator',
      'windows',
      { path: 'C:\\Apps\\*.exe' },
      { path: 'C:\\Apps\\sub\\tool.exe' },
      false,
    ],
    ['* may match nothing', 'windows', { path: 'C:\\Apps\\*.exe' }, { path: 'C:\\Apps\\.exe' }, true],
    ['* alone is the whole segment', 'linux', { path: '/opt/*' }, { path: '/opt/tool' }, true],
    ['* alone does not go deeper', 'linux', { path: '/opt/*' }, { path: '/opt/a/tool' }, false],
    ['* in a directory', 'windows', { path: 'C:\\*\\tool.exe' }, { path: 'C:\\Apps\\tool.exe' }, true],
    [
      '* in a directory is one directory',
      'windows',
      { path: 'C:\\*\\tool.exe' },
      { path: 'C:\\a\\b\\tool.exe' },
      false,
    ],
    ['two * in one segment', 'linux', { path: '/opt/*-*.sh' }, { path: '/opt/run-me.sh' }, true],
    ['** crosses segments', 'windows', { path: 'C:\\Apps\\**' }, { path: 'C:\\Apps\\a\\b\\c.exe' }, true],
    ['** matches one segment', 'windows', { path: 'C:\\Apps\\**' }, { path: 'C:\\Apps\\c.exe' }, true],
    ['** keeps the literal prefix', 'windows', { path: 'C:\\Apps\\**' }, { path: 'C:\\Other\\c.exe' }, false],
    ['**\\name matches at any depth', 'windows', { path: '**\\tool.exe' }, { path: 'C:\\x\\y\\tool.exe' }, true],
    ['**\\name matches with no directory', 'windows', { path: '**\\tool.exe' }, { path: 'tool.exe' }, true],
    ['**\\name needs the whole name', 'windows', { path: '**\\tool.exe' }, { path: 'C:\\x\\mytool.exe' }, false],
    [
      'dir\\**\\name matches zero directories',
      'windows',
      { path: 'C:\\Apps\\**\\tool.exe' },
      { path: 'C:\\Apps\\tool.exe' },
      true,
    ],
    [
      'dir\\**\\name matches many directories',
      'windows',
      { path: 'C:\\Apps\\**\\tool.exe' },
      { path: 'C:\\Apps\\a\\b\\tool.exe' },
      true,
    ],
    [
      'dir\\**\\name needs the directory',
      'windows',
      { path: 'C:\\Apps\\**\\tool.exe' },
      { path: 'C:\\Other\\tool.exe' },
      false,
    ],
    [
      '** inside a segment still crosses',
      'windows',
      { path: 'C:\\Apps\\**.exe' },
      { path: 'C:\\Apps\\a\\b.exe' },
      true,
    ],
    ['/**/ on linux matches a single slash', 'linux', { path: '/opt/**/run' }, { path: '/opt/run' }, true],
    ['? matches one character', 'windows', { path: 'C:\\Apps\\tool?.exe' }, { path: 'C:\\Apps\\tool1.exe' }, true],
    ['? needs a character', 'windows', { path: 'C:\\Apps\\tool?.exe' }, { path: 'C:\\Apps\\tool.exe' }, false],
    ['? is exactly one character', 'windows', { path: 'C:\\Apps\\tool?.exe' }, { path: 'C:\\Apps\\tool12.exe' }, false],
    ['? is not a separator (windows)', 'windows', { path: 'C:\\Apps?tool.exe' }, { path: 'C:\\Apps\\tool.exe' }, false],
    ['? is not a separator (linux)', 'linux', { path: '/opt?x' }, { path: '/opt/x' }, false],
    ['?? two characters', 'linux', { path: '/opt/a??' }, { path: '/opt/abc' }, true],
    // A character outside the Basic Multilingual Plane is two UTF-16 code units, and one character.
    ['? matches an emoji', 'linux', { path: '/x/?.bin' }, { path: '/x/😀.bin' }, true],
    ['? matches a rare CJK character', 'windows', { path: 'C:\\x\\?.bin' }, { path: 'C:\\X\\𠀋.bin' }, true],
    ['?? is not one emoji', 'macos', { path: '/x/??.bin' }, { path: '/x/😀.bin' }, false],
    ['*?? is not one emoji', 'linux', { path: '/x/*??' }, { path: '/x/😀' }, false],
    ['*?? is an emoji and one more', 'linux', { path: '/x/*??' }, { path: '/x/😀y' }, true],
    ['?* in a ** glob (the expression)', 'linux', { path: '/x/**/a??b' }, { path: '/x/y/a😀😀b' }, true],
    ['?? is not one emoji in a ** glob', 'linux', { path: '/x/**/a??b' }, { path: '/x/y/a😀b' }, false],
    [
      'a literal path matches itself',
      'windows',
      { path: 'C:\\Tools\\npp\\notepad++.exe' },
      { path: 'C:\\Tools\\npp\\notepad++.exe' },
      true,
    ],
    [
      '+ is literal',
      'windows',
      { path: 'C:\\Tools\\npp\\notepad++.exe' },
      { path: 'C:\\Tools\\npp\\notepadd.exe' },
      false,
    ],
    [
      'parentheses are literal',
      'windows',
      { path: 'C:\\Downloads\\setup (1).exe' },
      { path: 'C:\\Downloads\\setup (1).exe' },
      true,
    ],
    ['brackets are literal', 'linux', { path: '/opt/a[1].sh' }, { path: '/opt/a[1].sh' }, true],
    ['brackets are not a class', 'linux', { path: '/opt/a[1].sh' }, { path: '/opt/a1.sh' }, false],
    ['. is literal', 'windows', { path: 'C:\\a.exe' }, { path: 'C:\\aXexe' }, false],
    ['$ and ^ are literal', 'linux', { path: '/opt/$HOME/^x' }, { path: '/opt/$HOME/^x' }, true],
    [
      'a literal directory is not a prefix match',
      'windows',
      { path: 'C:\\Apps' },
      { path: 'C:\\Apps\\tool.exe' },
      false,
    ],
    [
      'a literal path is anchored at the end',
      'windows',
      { path: 'C:\\Apps\\tool.exe' },
      { path: 'C:\\Apps\\tool.exe.bak' },
      false,
    ],
    ['a glob is anchored at the end', 'windows', { path: 'C:\\Apps\\*.exe' }, { path: 'C:\\Apps\\a.exe.bak' }, false],
    ['a glob is anchored at the start', 'windows', { path: 'C:\\Apps\\*.exe' }, { path: 'D:\\C:\\Apps\\a.exe' }, false],
    ['a glob without directory matches only a bare name', 'linux', { path: '*.sh' }, { path: '/opt/run.sh' }, false],
  ]);
});

describe('case and separators per operating system', () => {
  checkRows([
    [
      'windows: case-insensitive literal',
      'windows',
      { path: 'C:\\Program Files\\App\\app.exe' },
      { path: 'c:\\program files\\APP\\App.EXE' },
      true,
    ],
    [
      'windows: case-insensitive glob',
      'windows',
      { path: 'C:\\Program Files\\App\\*.EXE' },
      { path: 'c:\\PROGRAM FILES\\app\\x.exe' },
      true,
    ],
    [
      'windows: / in the file, \\ in the rule',
      'windows',
      { path: 'C:\\Program Files\\App\\app.exe' },
      { path: 'C:/Program Files/App/app.exe' },
      true,
    ],
    [
      'windows: mixed separators',
      'windows',
      { path: 'C:\\Program Files\\App\\app.exe' },
      { path: 'C:/Program Files\\App/app.exe' },
      true,
    ],
    ['windows: / in the rule', 'windows', { path: 'C:/Apps/*.exe' }, { path: 'C:\\Apps\\x.exe' }, true],
    [
      'windows: * does not cross a / either',
      'windows',
      { path: 'C:\\Apps\\*.exe' },
      { path: 'C:\\Apps/sub/x.exe' },
      false,
    ],
    [
      'windows: ** crosses both separators',
      'windows',
      { path: 'C:\\Apps\\**\\x.exe' },
      { path: 'C:/Apps\\a/b\\x.exe' },
      true,
    ],
    [
      'macos: case-insensitive',
      'macos',
      { path: '/Applications/Slack.app/**' },
      { path: '/applications/slack.APP/Contents/MacOS/Slack' },
      true,
    ],
    [
      'macos: case-insensitive literal',
      'macos',
      { path: '/usr/local/bin/Tool' },
      { path: '/USR/local/bin/tool' },
      true,
    ],
    ['macos: \\ is not a separator', 'macos', { path: 'C:\\Apps\\a.exe' }, { path: 'C:/Apps/a.exe' }, false],
    ['linux: case-sensitive literal', 'linux', { path: '/opt/App/run' }, { path: '/opt/app/run' }, false],
    ['linux: exact literal', 'linux', { path: '/opt/App/run' }, { path: '/opt/App/run' }, true],
    ['linux: case-sensitive glob', 'linux', { path: '/opt/*/run' }, { path: '/opt/App/RUN' }, false],
    ['linux: glob', 'linux', { path: '/opt/*/run' }, { path: '/opt/App/run' }, true],
    ['linux: \\ is not a separator', 'linux', { path: 'C:\\Apps\\a.exe' }, { path: 'C:/Apps/a.exe' }, false],
    ['linux: \\ in a name is literal', 'linux', { path: 'C:\\Apps\\a.exe' }, { path: 'C:\\Apps\\a.exe' }, true],
  ]);
});

describe('regex: paths', () => {
  checkRows([
    [
      'windows: a regular expression',
      'windows',
      { path: 'regex:C:\\\\Apps\\\\app\\d+\\.exe' },
      { path: 'C:\\Apps\\app12.exe' },
      true,
    ],
    [
      'windows: case and separators still fold',
      'windows',
      { path: 'regex:C:\\\\Apps\\\\app\\d+\\.exe' },
      { path: 'c:/apps/APP7.EXE' },
      true,
    ],
    [
      'windows: mixed separators',
      'windows',
      { path: 'regex:C:\\\\Apps\\\\app\\d+\\.exe' },
      { path: 'C:/Apps\\app7.exe' },
      true,
    ],
    [
      'windows: an expression written with /',
      'windows',
      { path: 'regex:c:/apps/[a-z]+\\.exe' },
      { path: 'C:\\Apps\\tool.exe' },
      true,
    ],
    [
      'windows: no digits, no match',
      'windows',
      { path: 'regex:C:\\\\Apps\\\\app\\d+\\.exe' },
      { path: 'C:\\Apps\\app.exe' },
      false,
    ],
    [
      'anchored at the end',
      'windows',
      { path: 'regex:C:\\\\Apps\\\\app\\d+\\.exe' },
      { path: 'C:\\Apps\\app12.exe.bak' },
      false,
    ],
    [
      'anchored at the start',
      'windows',
      { path: 'regex:C:\\\\Apps\\\\app\\d+\\.exe' },
      { path: 'X:\\C:\\Apps\\app1.exe' },
      false,
    ],
    ['alternation is anchored as a whole (no match)', 'linux', { path: 'regex:/a|/b' }, { path: '/a/b' }, false],
    ['alternation is anchored as a whole (match)', 'linux', { path: 'regex:/a|/b' }, { path: '/b' }, true],
    ['linux: case-sensitive', 'linux', { path: 'regex:/opt/.*/run\\.sh' }, { path: '/OPT/a/run.sh' }, false],
    ['linux: match', 'linux', { path: 'regex:/opt/.*/run\\.sh' }, { path: '/opt/a/b/run.sh' }, true],
    ['macos: case-insensitive', 'macos', { path: 'regex:/opt/.*/run\\.sh' }, { path: '/OPT/a/RUN.sh' }, true],
    ['a regex is not a glob: * repeats', 'linux', { path: 'regex:/opt/*' }, { path: '/opt/x' }, false],
    ['a regex is not a glob: * repeats the slash', 'linux', { path: 'regex:/opt/*' }, { path: '/opt//' }, true],
    ['a glob is not a regex: .* is literal-dot then star', 'linux', { path: '/opt/.*' }, { path: '/opt/abc' }, false],
    ['a glob is not a regex: .* matches a dot file', 'linux', { path: '/opt/.*' }, { path: '/opt/.abc' }, true],
    [
      'the prefix is case-sensitive: REGEX: is a literal path',
      'linux',
      { path: 'REGEX:/opt' },
      { path: '/opt' },
      false,
    ],
  ]);
});

describe('hashes and certificates', () => {
  checkRows([
    [
      'sha256: upper-case rule, lower-case file',
      'windows',
      { sha256: SHA },
      { path: 'C:\\x.exe', sha256: SHA.toLowerCase() },
      true,
    ],
    [
      'sha256: lower-case rule, upper-case file (linux too)',
      'linux',
      { sha256: SHA.toLowerCase() },
      { path: '/x', sha256: SHA },
      true,
    ],
    [
      'sha256: mixed case',
      'macos',
      { sha256: SHA },
      { path: '/x', sha256: 'aA11Bb22' + SHA.slice(8).toLowerCase() },
      true,
    ],
    ['sha256: another hash', 'windows', { sha256: SHA }, { path: 'C:\\x.exe', sha256: 'b'.repeat(64) }, false],
    [
      'sha256: a prefix is not enough',
      'windows',
      { sha256: SHA },
      { path: 'C:\\x.exe', sha256: SHA.slice(0, 63) },
      false,
    ],
    ['sha256: absent on the request', 'windows', { sha256: SHA }, { path: 'C:\\x.exe' }, false],
    [
      'certThumbprint: case-insensitive',
      'windows',
      { certThumbprint: THUMB },
      { path: 'C:\\x.exe', certThumbprint: THUMB.toLowerCase() },
      true,
    ],
    [
      'certThumbprint: another thumbprint',
      'windows',
      { certThumbprint: THUMB },
      { path: 'C:\\x.exe', certThumbprint: '0'.repeat(40) },
      false,
    ],
    ['certThumbprint: absent', 'windows', { certThumbprint: THUMB }, { path: 'C:\\x.exe' }, false],
    [
      'certThumbprint: a sha256 field does not count',
      'windows',
      { certThumbprint: THUMB },
      { path: 'C:\\x.exe', sha256: THUMB },
      false,
    ],
    [
      'certSubject: case-insensitive',
      'linux',
      { certSubject: 'CN=Google LLC' },
      { path: '/x', certSubject: 'cn=google llc' },
      true,
    ],
    [
      'certSubject: exact',
      'windows',
      { certSubject: 'CN=Google LLC' },
      { path: 'C:\\x.exe', certSubject: 'CN=Google LLC' },
      true,
    ],
    [
      'certSubject: trailing space differs',
      'windows',
      { certSubject: 'CN=Google LLC' },
      { path: 'C:\\x.exe', certSubject: 'CN=Google LLC ' },
      false,
    ],
    [
      'certSubject: a prefix is not enough',
      'windows',
      { certSubject: 'CN=Google LLC' },
      { path: 'C:\\x.exe', certSubject: 'CN=Google' },
      false,
    ],
    [
      'certSubject: a longer subject differs',
      'windows',
      { certSubject: 'CN=Google LLC' },
      { path: 'C:\\x.exe', certSubject: 'CN=Google LLC, O=Google' },
      false,
    ],
    [
      'certSubject: no wildcards',
      'windows',
      { certSubject: 'CN=*' },
      { path: 'C:\\x.exe', certSubject: 'CN=Google' },
      false,
    ],
    ['certSubject: absent', 'windows', { certSubject: 'CN=Google LLC' }, { path: 'C:\\x.exe' }, false],
  ]);
});

describe('a rule matches when every field it sets matches', () => {
  const chrome: AppRule = {
    path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    certSubject: 'CN=Google LLC',
  };
  const chromePath = 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe';
  const all: AppRule = {
    path: 'C:\\Apps\\*.exe',
    sha256: SHA,
    certSubject: 'CN=Vendor',
    certThumbprint: THUMB,
    processPath: 'C:\\Windows\\explorer.exe',
    createdBy: '**\\msiexec.exe',
  };
  const allFile: FileRequest = {
    path: 'C:\\Apps\\x.exe',
    sha256: SHA,
    certSubject: 'cn=vendor',
    certThumbprint: THUMB,
    processPath: 'c:/windows/EXPLORER.exe',
    createdBy: 'C:\\Windows\\System32\\msiexec.exe',
  };
  const without = (key: keyof FileRequest): FileRequest => {
    const f = { ...allFile };
    delete f[key];
    return f;
  };
  checkRows([
    ['path and subject both match', 'windows', chrome, { path: chromePath, certSubject: 'CN=Google LLC' }, true],
    ['path matches, subject absent', 'windows', chrome, { path: chromePath }, false],
    ['path matches, subject differs', 'windows', chrome, { path: chromePath, certSubject: 'CN=Evil' }, false],
    [
      'subject matches, path differs',
      'windows',
      chrome,
      { path: 'C:\\Temp\\chrome.exe', certSubject: 'CN=Google LLC' },
      false,
    ],
    [
      'sha256 and a glob path',
      'windows',
      { sha256: SHA, path: 'C:\\Apps\\**' },
      { path: 'C:\\Apps\\x\\y.exe', sha256: SHA },
      true,
    ],
    [
      'sha256 and a glob path, wrong path',
      'windows',
      { sha256: SHA, path: 'C:\\Apps\\**' },
      { path: 'C:\\Other\\y.exe', sha256: SHA },
      false,
    ],
    [
      'processPath matches (folded)',
      'windows',
      { processPath: 'C:\\Windows\\explorer.exe' },
      { path: 'C:\\x.exe', processPath: 'c:/windows/EXPLORER.EXE' },
      true,
    ],
    [
      'processPath absent on the request',
      'windows',
      { processPath: 'C:\\Windows\\explorer.exe' },
      { path: 'C:\\x.exe' },
      false,
    ],
    [
      'processPath differs',
      'windows',
      { processPath: 'C:\\Windows\\explorer.exe' },
      { path: 'C:\\x.exe', processPath: 'C:\\Windows\\cmd.exe' },
      false,
    ],
    [
      'processPath is not the path',
      'windows',
      { processPath: 'C:\\Windows\\explorer.exe' },
      { path: 'C:\\Windows\\explorer.exe' },
      false,
    ],
    [
      'processPath glob, linux case-sensitive',
      'linux',
      { processPath: '/usr/bin/*' },
      { path: '/x', processPath: '/USR/bin/zsh' },
      false,
    ],
    [
      'processPath regex',
      'windows',
      { path: 'C:\\Apps\\*', processPath: 'regex:.*\\\\cmd\\.exe' },
      { path: 'C:\\Apps\\a', processPath: 'C:\\Windows\\System32\\CMD.exe' },
      true,
    ],
    [
      'processPath regex, absent',
      'windows',
      { path: 'C:\\Apps\\*', processPath: 'regex:.*\\\\cmd\\.exe' },
      { path: 'C:\\Apps\\a' },
      false,
    ],
    [
      'createdBy glob',
      'windows',
      { createdBy: '**\\msiexec.exe' },
      { path: 'C:\\x.exe', createdBy: 'C:\\Windows\\System32\\msiexec.exe' },
      true,
    ],
    ['createdBy absent on the request', 'windows', { createdBy: '**\\msiexec.exe' }, { path: 'C:\\x.exe' }, false],
    [
      'createdBy is not processPath',
      'windows',
      { createdBy: '**\\msiexec.exe' },
      { path: 'C:\\x.exe', processPath: 'C:\\msiexec.exe' },
      false,
    ],
    ['every field set, every field matches', 'windows', all, allFile, true],
    ['every field set, sha256 absent', 'windows', all, without('sha256'), false],
    ['every field set, subject absent', 'windows', all, without('certSubject'), false],
    ['every field set, thumbprint absent', 'windows', all, without('certThumbprint'), false],
    ['every field set, processPath absent', 'windows', all, without('processPath'), false],
    ['every field set, createdBy absent', 'windows', all, without('createdBy'), false],
    ['every field set, path differs', 'windows', all, { ...allFile, path: 'C:\\Apps\\x.dll' }, false],
    ['fields the rule does not set are ignored', 'windows', { path: 'C:\\Apps\\*.exe' }, allFile, true],
  ]);
});

describe('an application matches when any rule matches', () => {
  const rules: AppRule[] = [
    { sha256: SHA },
    { path: 'C:\\Apps\\*.exe', certSubject: 'CN=Vendor' },
    { processPath: '**\\cmd.exe' },
  ];
  it.each<[string, FileRequest, boolean]>([
    ['the first rule', { path: 'C:\\Elsewhere\\x.bin', sha256: SHA }, true],
    ['the second rule', { path: 'C:\\Apps\\x.exe', certSubject: 'CN=Vendor' }, true],
    ['the third rule', { path: 'C:\\Elsewhere\\x.bin', processPath: 'C:\\Windows\\cmd.exe' }, true],
    ['half of the second rule only', { path: 'C:\\Apps\\x.exe' }, false],
    ['no rule', { path: 'C:\\Elsewhere\\x.bin', sha256: 'c'.repeat(64), certSubject: 'CN=Vendor' }, false],
  ])('%s', (_name, file, expected) => {
    expect(ruleMatches(rules, file, 'windows')).toBe(expected);
    expect(evaluatorsPermit(rules, file, 'windows')).toEqual([expected, expected]);
  });

  it('an application without rules matches nothing', () => {
    expect(evaluatorsPermit([], { path: 'C:\\x.exe' }, 'windows')).toEqual([false, false]);
  });
});

describe('invalid rules', () => {
  it('a rule with no field is an error', () => {
    expect(() => compileRule({}, 'windows')).toThrow(TollgateError);
    expect(() => compileRule({}, 'windows')).toThrow(expect.objectContaining({ code: 'empty-rule' }));
  });

  it.each<[string]>([['regex:('], ['regex:[a-'], ['regex:a{2,1}']])(
    'an invalid expression %s is an error naming it',
    (pattern) => {
      const source = pattern.slice(REGEX_PREFIX.length);
      expect(() => compileRule({ path: pattern }, 'linux')).toThrow(expect.objectContaining({ code: 'bad-regex' }));
      expect(() => compileRule({ processPath: pattern }, 'windows')).toThrow(source);
    },
  );
});

describe('building blocks', () => {
  it('the regex prefix is regex:', () => {
    expect(REGEX_PREFIX).toBe('regex:');
  });

  it.each<[OsName, boolean]>([
    ['windows', true],
    ['macos', true],
    ['linux', false],
  ])('%s is case-insensitive: %s', (os, expected) => {
    expect(isCaseInsensitive(os)).toBe(expected);
  });

  it.each<[string, OsName, string]>([
    ['C:\\Program Files\\App.EXE', 'windows', 'c:/program files/app.exe'],
    ['C:/Mixed\\Seps', 'windows', 'c:/mixed/seps'],
    ['/Applications/Slack.app', 'macos', '/applications/slack.app'],
    ['C:\\Keep\\Backslash', 'macos', 'c:\\keep\\backslash'],
    ['/Opt/Case\\Kept', 'linux', '/Opt/Case\\Kept'],
  ])('foldPath(%j, %s) = %j', (text, os, expected) => {
    expect(foldPath(text, os)).toBe(expected);
  });

  it('foldPath folds any text as lower case with / separators on windows, lower case on macos', () => {
    // Each character lower-cased on its own, its length kept (İ stays İ), the final sigma as sigma.
    const lowerEach = (text: string): string =>
      Array.from(text, (c) => {
        const l = c.toLowerCase();
        return l.length !== c.length ? c : l === 'ς' ? 'σ' : l;
      }).join('');
    const reference = (text: string, os: OsName): string =>
      os === 'windows' ? lowerEach(text.replaceAll('\\', '/')) : os === 'macos' ? lowerEach(text) : text;
    const pathChars = fc.constantFrom(
      '\\',
      '/',
      'A',
      'z',
      'Q',
      '.',
      ' ',
      '_',
      '@',
      '[',
      '`',
      '{',
      'É',
      'ß',
      'İ',
      'Σ',
      'ς',
      '中',
      '😀',
    );
    const textArb = fc.oneof(
      fc.string(),
      fc.string({ unit: pathChars, maxLength: 40 }),
      // Around the length where the one-pass fold gives way to the general one.
      fc.string({ unit: pathChars, minLength: 1020, maxLength: 1030 }),
    );
    fc.assert(
      fc.property(textArb, fc.constantFrom<OsName>('windows', 'macos', 'linux'), (text, os) => {
        expect(foldPath(text, os)).toBe(reference(text, os));
      }),
      { numRuns: 500 },
    );
  });

  it.each<[string, string, OsName, boolean]>([
    // A capital sigma ending a word lower-cases to ς in JavaScript; folded, Σ, σ and ς are one letter.
    ['C:\\ΑΣ*', 'C:\\ΑΣΑ.exe', 'windows', true],
    ['C:\\Ασ\\x.exe', 'C:\\ΑΣ\\x.exe', 'windows', true],
    ['/Λόγος/*.app', '/ΛΌΓΟΣ/x.app', 'macos', true],
    // İ would lower-case to two characters (i and a combining dot): folded it stays one, equal only to itself.
    ['C:\\Tools\\?.exe', 'C:\\Tools\\İ.exe', 'windows', true],
    ['/Tools/?.exe', '/Tools/İ.exe', 'macos', true],
    ['C:\\Tools\\i.exe', 'C:\\Tools\\İ.exe', 'windows', false],
    ['C:\\Tools\\İ.exe', 'C:\\TOOLS\\İ.EXE', 'windows', true],
  ])('the glob %j on %j (%s): %s', (glob, path, os, expected) => {
    const test = compileRuleTest({ path: glob }, os);
    expect(test(normalizeFile({ path }, os))).toBe(expected);
  });

  it('compares certificate subjects with the same folding', () => {
    const test = compileRuleTest({ certSubject: 'CN=ΣΟφοσ' }, 'windows');
    expect(test(normalizeFile({ path: 'C:\\x.exe', certSubject: 'CN=ΣΟΦΟΣ' }, 'windows'))).toBe(true);
    expect(test(normalizeFile({ path: 'C:\\x.exe', certSubject: 'CN=ΣΟΦΟΞ' }, 'windows'))).toBe(false);
  });

  it.each<[string, string, boolean]>([
    ['a/*', 'a/b', true],
    ['a/*', 'a/b/c', false],
    ['a/**', 'a/b/c', true],
    ['**/c', 'c', true],
    ['**/c', 'a/b/c', true],
    ['a/**/c', 'a/c', true],
    ['a/**/c', 'a/b/c', true],
    ['a/**/c', 'ac', false],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', false],
    ['a?c', 'a😀c', true],
    ['a??c', 'a😀c', false],
    ['a*??', 'a😀', false],
    ['**/?', 'x/😀', true],
    ['a.c', 'abc', false],
    ['a\nb', 'a\nb', true],
  ])('globToRegExp(%j) on %j: %s', (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });

  it('compilePathPattern tests the folded path for globs and the raw path for expressions', () => {
    const glob = compilePathPattern('C:\\Apps\\*.exe', 'windows');
    expect(glob('c:/apps/x.exe', 'ignored')).toBe(true);
    const re = compilePathPattern('regex:C:\\\\Apps\\\\x\\.exe', 'windows');
    expect(re('ignored', 'C:/Apps/x.exe')).toBe(true);
  });

  it.each<[string, string]>([
    ['c:/apps/x.exe', 'x.exe'],
    ['x.exe', 'x.exe'],
    ['c:/apps/', ''],
  ])('baseName(%j) = %j', (path, expected) => {
    expect(baseName(path)).toBe(expected);
  });

  it('normalizeFile folds paths and lowers hashes and subjects, keeping the raw paths', () => {
    expect(
      normalizeFile(
        {
          path: 'C:\\A\\B.exe',
          sha256: 'AB',
          certThumbprint: 'CD',
          certSubject: 'CN=X',
          processPath: 'C:\\P',
          createdBy: 'C:\\Q',
        },
        'windows',
      ),
    ).toEqual({
      path: 'c:/a/b.exe',
      rawPath: 'C:\\A\\B.exe',
      processPath: 'c:/p',
      rawProcessPath: 'C:\\P',
      createdBy: 'c:/q',
      rawCreatedBy: 'C:\\Q',
      sha256: 'ab',
      certThumbprint: 'cd',
      certSubject: 'cn=x',
    });
    expect(normalizeFile({ path: '/A' }, 'linux')).toMatchObject({
      path: '/A',
      processPath: undefined,
      createdBy: undefined,
      sha256: undefined,
    });
  });
});

describe('rule keys: what the indexed evaluator may file a rule under', () => {
  const key = (kind: RuleKey['kind'], text: string): RuleKey => ({ kind, text });
  it.each<[string, AppRule, OsName, RuleKey[]]>([
    [
      'sha256 alone decides, lower-cased',
      { sha256: SHA, path: 'C:\\x.exe', certSubject: 'CN=A' },
      'windows',
      [key('sha256', SHA.toLowerCase())],
    ],
    [
      'thumbprint next',
      { certThumbprint: THUMB, path: 'C:\\x.exe' },
      'windows',
      [key('certThumbprint', THUMB.toLowerCase())],
    ],
    [
      'a literal path',
      { path: 'C:\\Apps\\X.exe', certSubject: 'CN=A' },
      'windows',
      [key('path:exact', 'c:/apps/x.exe')],
    ],
    [
      'a mid-path star: the file name and every literal segment',
      { path: 'C:\\Users\\*\\AppData\\Vendor\\App.exe' },
      'windows',
      [
        key('path:name', 'app.exe'),
        key('path:segment', 'c:'),
        key('path:segment', 'users'),
        key('path:segment', 'appdata'),
        key('path:segment', 'vendor'),
      ],
    ],
    [
      'a directory glob with a subject: its segments and the subject',
      { path: 'C:\\Program Files\\Vendor\\**', certSubject: 'CN=A' },
      'windows',
      [
        key('path:segment', 'c:'),
        key('path:segment', 'program files'),
        key('path:segment', 'vendor'),
        key('certSubject', 'cn=a'),
      ],
    ],
    ['a leading globstar and a literal name', { path: '**\\Setup.exe' }, 'windows', [key('path:name', 'setup.exe')]],
    ['the only literal in the middle', { path: '*\\Vendor\\*' }, 'windows', [key('path:segment', 'vendor')]],
    [
      'no literal segment: grams of the literal runs',
      { path: '**\\Vendor-*.exe' },
      'windows',
      [key('path:gram', 'vendor-'), key('path:gram', '.exe')],
    ],
    [
      'a long run: every window of GRAM_MAX characters',
      { path: '**/setup-helper*' },
      'linux',
      [
        key('path:gram', 'setup-he'),
        key('path:gram', 'etup-hel'),
        key('path:gram', 'tup-help'),
        key('path:gram', 'up-helpe'),
        key('path:gram', 'p-helper'),
      ],
    ],
    ['linux keeps case in keys', { path: '/Opt/*.sh' }, 'linux', [key('path:segment', 'Opt')]],
    [
      'macos folds case, keeps backslashes',
      { path: '/Opt/A\\B/*.sh' },
      'macos',
      [key('path:segment', 'opt'), key('path:segment', 'a\\b')],
    ],
    ['a glob with no literal at all', { path: '**\\*' }, 'windows', []],
    ['runs too short for a gram', { path: '*\\a?.e*' }, 'windows', []],
    [
      'a regex: grams of the literals it requires',
      { path: 'regex:C:\\\\Tools\\\\app[0-9]+\\.exe' },
      'windows',
      [key('path:gram', 'tools'), key('path:gram', 'app'), key('path:gram', '.exe')],
    ],
    ['a regex with alternation has none', { path: 'regex:(a|b)\\.exe|c' }, 'windows', []],
    ['a regex with a subject', { path: 'regex:.*', certSubject: 'CN=A' }, 'windows', [key('certSubject', 'cn=a')]],
    ['a subject alone', { certSubject: 'CN=A' }, 'windows', [key('certSubject', 'cn=a')]],
    ['processPath alone, literal', { processPath: 'C:\\X.exe' }, 'windows', [key('processPath:exact', 'c:/x.exe')]],
    [
      'createdBy alone, a glob',
      { createdBy: '**\\Installer\\*.exe' },
      'windows',
      [key('createdBy:segment', 'installer')],
    ],
    [
      'every field a rule sets offers its keys',
      { path: '**\\*.exe', processPath: 'C:\\Windows\\*.exe' },
      'windows',
      [key('path:gram', '.exe'), key('processPath:segment', 'c:'), key('processPath:segment', 'windows')],
    ],
  ])('%s', (_name, rule, os, keys) => {
    expect(compileRule(rule, os).keys).toEqual(keys);
  });
});

describe('literals a regex requires', () => {
  it.each<[string, boolean, string[]]>([
    ['abc', false, ['abc']],
    ['ABC', true, ['abc']],
    ['ab?cd', false, ['a', 'cd']],
    ['ab*cd+ef', false, ['a', 'cd', 'ef']],
    ['ab{2}cd', false, ['a', 'cd']],
    ['a(bc)de', false, ['a', 'de']],
    ['a(b|c)de', false, ['a', 'de']],
    ['a|b', false, []],
    ['a[xyz]b', false, ['a', 'b']],
    ['a[]]b', false, ['a', ']b']],
    ['a\\.b', false, ['a.b']],
    ['a\\db', false, ['a', 'b']],
    ['a\\x41b', false, []],
    ['a\\u0041b', false, []],
    ['a\\\\b/c', false, ['a', 'b', 'c']],
    ['.*\\.exe$', false, ['.exe']],
    ['ünï', false, ['n']],
    ['a{b', false, ['a', 'b']],
    ['a{2,}|b', false, []],
  ])('%s (case-insensitive %s)', (source, ci, runs) => {
    expect(regexLiterals(source, ci)).toEqual(runs);
  });

  it('finds only literals every match contains', () => {
    const sources = fc.stringMatching(/^[ab.*+?|()[\]{}^$\\1-3dx]{0,12}$/);
    fc.assert(
      fc.property(sources, fc.array(fc.stringMatching(/^[aAbB.123x]{0,10}$/), { maxLength: 20 }), (source, inputs) => {
        let re: RegExp;
        try {
          re = new RegExp(`^(?:${source})$`, 'is');
        } catch {
          return;
        }
        const runs = regexLiterals(source, true);
        for (const input of inputs) {
          if (re.test(input)) for (const run of runs) expect(input.toLowerCase()).toContain(run);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('index edge cases: the indexed evaluator finds what the linear reference does', () => {
  checkRows([
    ['only literal in the middle', 'windows', { path: '*\\Vendor\\*' }, { path: 'D:\\VENDOR\\x.exe' }, true],
    [
      'only literal in the middle, elsewhere',
      'windows',
      { path: '*\\Vendor\\*' },
      { path: 'D:\\a\\Vendor\\x.exe' },
      false,
    ],
    [
      'a ** that matches zero segments',
      'windows',
      { path: 'C:\\Apps\\**\\Tool.exe' },
      { path: 'c:/apps/tool.exe' },
      true,
    ],
    ['a leading ** that matches zero segments', 'linux', { path: '**/tool' }, { path: 'tool' }, true],
    ['a trailing ** needs its separator', 'linux', { path: '/opt/x/**' }, { path: '/opt/x' }, false],
    ['a trailing ** matches an empty last segment', 'linux', { path: '/opt/x/**' }, { path: '/opt/x/' }, true],
    [
      '\\ and / are one separator on windows',
      'windows',
      { path: 'C:/Users/*/AppData/App.exe' },
      { path: 'c:\\users\\bob\\appdata\\app.exe' },
      true,
    ],
    ['\\ is a character on linux', 'linux', { path: '/opt/*/app' }, { path: '/opt/a\\b/app' }, true],
    ['\\ is not a separator on linux', 'linux', { path: '/opt/*/app' }, { path: '/opt\\a/app' }, false],
    ['case matters on linux', 'linux', { path: '/opt/*/App' }, { path: '/opt/x/app' }, false],
    ['case does not on macos', 'macos', { path: '/Opt/*/App' }, { path: '/opt/x/APP' }, true],
    ['a gram-only glob', 'windows', { path: '**\\Vendor-*.exe' }, { path: 'C:\\x\\VENDOR-2.EXE' }, true],
    [
      'a gram-only glob, gram across a separator',
      'windows',
      { path: '**\\Vendor-*.exe' },
      { path: 'C:\\vendor-\\2.exe' },
      false,
    ],
    ['a ? in a gram-only glob', 'windows', { path: '**\\setup-v?.exe' }, { path: 'C:\\a\\Setup-V2.exe' }, true],
    [
      'a regex by its literal, case-insensitive on windows',
      'windows',
      { path: 'regex:C:\\\\Tools\\\\app[0-9]+\\.exe' },
      { path: 'c:/TOOLS/APP12.EXE' },
      true,
    ],
    [
      'a regex by its literal, case-sensitive on linux',
      'linux',
      { path: 'regex:/opt/Tools/app[0-9]+' },
      { path: '/opt/tools/app12' },
      false,
    ],
    [
      'processPath alone, by a segment',
      'windows',
      { processPath: 'C:\\*\\Launcher\\*.exe' },
      { path: 'x.exe', processPath: 'c:\\apps\\LAUNCHER\\run.exe' },
      true,
    ],
    [
      'createdBy alone, by grams',
      'windows',
      { createdBy: '**\\msiexec*' },
      { path: 'x.exe', createdBy: 'C:\\Windows\\MsiExec.exe' },
      true,
    ],
    [
      'createdBy alone, absent from the request',
      'windows',
      { createdBy: '**\\msiexec*' },
      { path: 'C:\\msiexec.exe' },
      false,
    ],
  ]);
});
