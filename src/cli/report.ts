import type { CaseResult } from '../engine/replay.js';

export type ReportFormat = 'text' | 'json' | 'junit';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'junit'];

/** The closing line of every replay (SPEC.md section 8). */
export function summaryLine(results: readonly CaseResult[]): string {
  const passed = results.filter((r) => r.passed).length;
  return `${passed} passed, ${results.length - passed} failed`;
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
    return `FAIL ${result.name}: expected ${compact(result.expected)}, got error: ${result.error}`;
  }
  const reason = result.got?.['reason'];
  return (
    `FAIL ${result.name}: expected ${compact(result.expected)}, got ${compact(gotFields(result))}` +
    (typeof reason === 'string' ? ` (${reason})` : '')
  );
}

export function textReport(results: readonly CaseResult[]): string {
  const lines = results.filter((r) => !r.passed).map(failureLine);
  lines.push(summaryLine(results));
  return lines.join('\n') + '\n';
}

export function jsonReport(results: readonly CaseResult[]): string {
  const passed = results.filter((r) => r.passed).length;
  return JSON.stringify({ passed, failed: results.length - passed, cases: results }, null, 2) + '\n';
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function junitReport(results: readonly CaseResult[], suiteName: string): string {
  const failed = results.filter((r) => !r.passed).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${results.length}" failures="${failed}">`,
    `  <testsuite name="${xmlEscape(suiteName)}" tests="${results.length}" failures="${failed}" errors="0">`,
  ];
  for (const r of results) {
    const open = `    <testcase classname="${xmlEscape(r.computer)}" name="${xmlEscape(r.name)}"`;
    if (r.passed) {
      lines.push(`${open}/>`);
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
