/**
 * What every benchmark section returns: tables to print, the targets it
 * checked, free-form notes and machine-readable data for `--json`. bench.ts
 * composes sections (engine today; daemon socket round trips and sync later).
 */
import { type Table, markdownTable } from '../lib/stats.js';

export type TargetStatus = 'PASS' | 'FAIL' | 'SKIP';

export interface TargetResult {
  /** What is measured, e.g. "p99 latency at 100,000 policies". */
  target: string;
  /** The bound, e.g. "<= 20 µs". */
  limit: string;
  /** The measured value, formatted, or "not measured". */
  measured: string;
  status: TargetStatus;
}

export interface Section {
  /** A stable key for JSON output, e.g. "engine". */
  id: string;
  title: string;
  tables: Table[];
  targets: TargetResult[];
  notes: string[];
  /** Raw results for `--json`. */
  data: unknown;
}

/** Options every section receives. */
export interface SectionOptions {
  /** Progress messages (stderr), never mixed with the results. */
  log: (message: string) => void;
}

export function targetsTable(targets: readonly TargetResult[]): Table {
  return {
    title: 'Targets',
    headers: ['target', 'limit', 'measured', 'result'],
    rows: targets.map((t) => [t.target, t.limit, t.measured, t.status]),
    align: ['left', 'left', 'right', 'left'],
  };
}

/** A section as Markdown: its title, its tables, its targets and its notes. */
export function renderSection(section: Section): string {
  const parts = [`## ${section.title}`];
  for (const table of section.tables) parts.push(markdownTable(table));
  if (section.targets.length > 0) parts.push(markdownTable(targetsTable(section.targets)));
  if (section.notes.length > 0) parts.push(section.notes.map((n) => `- ${n}`).join('\n'));
  return parts.join('\n\n');
}
