import type { CaseResult } from '../engine/replay.js';
import { escapeUnit, oneLine } from '../engine/display-text.js';

export type ReportFormat = 'text' | 'json' | 'junit';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'junit'];

function counts(results: readonly CaseResult[]): { passed: number; failed: number; notRun: number } {
  const passed = results.filter((r) => r.passed).length;
  const notRun = results.filter((r) => r.notRun !== undefined).length;
  return { passed, failed: results.length - passed - notRun, notRun };
}

/**
 * The closing line of every replay, exactly `N passed, N failed` (SPEC.md
 * section 8); cases not run are counted on a line of their own before it.
 */
export function summaryLine(results: readonly CaseResult[]): string {
  const { passed, failed, notRun } = counts(results);
  const closing = `${passed} passed, ${failed} failed`;
  return notRun > 0 ? `${notRun} not run\n${closing}` : closing;
}

function compact(value: unknown): string {
  return JSON.stringify(value);
}

/** The fields of `got` that the case expected, so a failure reads side by side. */
function gotFields(result: CaseResult): Record<string, unknown> {
  if (result.got === null) return {};
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(result.expected)) out[key] = result.got[key] ?? null;
  return out;
}

/** One line for a failing case: name, expected and got. */
export function failureLine(result: CaseResult): string {
  if (result.error !== undefined) {
    return `FAIL ${oneLine(result.name)}: expected ${compact(result.expected)}, got error: ${oneLine(result.error)}`;
  }
  const reason = result.got?.['reason'];
  return (
    `FAIL ${oneLine(result.name)}: expected ${compact(result.expected)}, got ${compact(gotFields(result))}` +
    (typeof reason === 'string' ? ` (${oneLine(reason)})` : '')
  );
}

/** One line for a case that was not run. */
export function notRunLine(result: CaseResult): string {
  return `NOT RUN ${oneLine(result.name)}: ${oneLine(result.notRun ?? '')}`;
}

export function textReport(results: readonly CaseResult[]): string {
  const lines = results.filter((r) => !r.passed).map((r) => (r.notRun === undefined ? failureLine(r) : notRunLine(r)));
  lines.push(summaryLine(results));
  return lines.join('\n') + '\n';
}

export function jsonReport(results: readonly CaseResult[]): string {
  const { passed, failed, notRun } = counts(results);
  const cases = results.map(({ seconds: _seconds, ...rest }) => rest);
  return JSON.stringify({ passed, failed, ...(notRun > 0 ? { notRun } : {}), cases }, null, 2) + '\n';
}

/**
 * Text as XML 1.0 attribute or element content: markup characters, tabs and
 * line ends as references (kept through attribute normalization); characters XML cannot hold at all (most control characters, a
 * lone surrogate, U+FFFE and U+FFFF) written as `\uXXXX`.
 */
function xmlEscape(text: string): string {
  return text
    .replace(
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      escapeUnit,
    )
    .replace(/[<>&"'\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function secondsText(seconds: number | undefined): string {
  return (seconds ?? 0).toFixed(3);
}

/** JUnit XML: each case with its `time` (seconds) and `file` (the fixtures file); not-run cases are skipped. */
export function junitReport(results: readonly CaseResult[], suiteName: string): string {
  const { failed, notRun } = counts(results);
  const total = results.reduce((sum, r) => sum + (r.seconds ?? 0), 0);
  const file = xmlEscape(suiteName);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${results.length}" failures="${failed}" time="${secondsText(total)}">`,
    `  <testsuite name="${file}" tests="${results.length}" failures="${failed}" errors="0" skipped="${notRun}" ` +
      `time="${secondsText(total)}" file="${file}">`,
  ];
  for (const r of results) {
    const open =
      `    <testcase classname="${xmlEscape(r.computer)}" name="${xmlEscape(r.name)}" ` +
      `time="${secondsText(r.seconds)}" file="${file}"`;
    if (r.passed) {
      lines.push(`${open}/>`);
    } else if (r.notRun !== undefined) {
      lines.push(`${open}>`);
      lines.push(`      <skipped message="${xmlEscape(r.notRun)}"/>`);
      lines.push('    </testcase>');
    } else {
      lines.push(`${open}>`);
      lines.push(`      <failure message="${xmlEscape(failureLine(r))}"/>`);
      lines.push('    </testcase>');
    }
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}

export function formatReport(results: readonly CaseResult[], format: ReportFormat, suiteName: string): string {
  switch (format) {
    case 'text':
      return textReport(results);
    case 'json':
      return jsonReport(results);
    case 'junit':
      return junitReport(results, suiteName);
  }
}
