/**
 * Small statistics and formatting helpers for the benchmark scripts:
 * nearest-rank percentiles and Markdown tables that also read well in a
 * terminal (columns padded to a common width).
 */

/**
 * The p-th percentile (0 to 100) of an ascending array by the nearest-rank
 * method: the smallest value with at least p% of the values at or below it.
 * Throws on an empty array or a p outside [0, 100].
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty array');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], not ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

/** An ascending copy of numbers (a typed array sorts numerically). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** The arithmetic mean; NaN for an empty array. */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum / values.length;
}

/** An integer with thousands separators: 1234567 -> "1,234,567". */
export function formatInt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const rounded = Math.round(value);
  const sign = rounded < 0 ? '-' : '';
  return sign + String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A number with a fixed count of decimals, thousands separators in the integer part. */
export function formatFixed(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return String(value);
  const [whole = '0', fraction] = Math.abs(value).toFixed(decimals).split('.');
  const sign = value < 0 && Number(Math.abs(value).toFixed(decimals)) !== 0 ? '-' : '';
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? sign + grouped : `${sign}${grouped}.${fraction}`;
}

/** A latency in microseconds: two decimals below 10, one below 1,000, none above. */
export function formatMicros(value: number): string {
  if (value < 10) return formatFixed(value, 2);
  if (value < 1000) return formatFixed(value, 1);
  return formatInt(value);
}

/** A byte count in MiB with one decimal. */
export function formatMiB(bytes: number): string {
  return `${formatFixed(bytes / (1024 * 1024), 1)} MiB`;
}

/** A ratio such as "37.2x". */
export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value >= 100) return `${formatInt(value)}x`;
  return `${formatFixed(value, value >= 10 ? 1 : 2)}x`;
}

export type Align = 'left' | 'right';

/** A table: a header row, body rows of cells, and an alignment per column (default left). */
export interface Table {
  title?: string;
  headers: string[];
  rows: string[][];
  align?: Align[];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function pad(text: string, width: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, width - text.length));
  return align === 'right' ? fill + text : text + fill;
}

/**
 * Renders a Markdown table with every column padded to its widest cell, so
 * the source is aligned in a terminal and still valid Markdown. Right-aligned
 * columns get a `---:` separator.
 */
export function markdownTable(table: Table): string {
  const columns = table.headers.length;
  const cells = [table.headers, ...table.rows].map((row) =>
    Array.from({ length: columns }, (_, i) => escapeCell(row[i] ?? '')),
  );
  const widths = Array.from({ length: columns }, (_, i) =>
    Math.max(3, ...cells.map((row) => (row[i] as string).length)),
  );
  const alignOf = (i: number): Align => table.align?.[i] ?? 'left';
  const line = (row: string[]): string =>
    `| ${row.map((cell, i) => pad(cell, widths[i] as number, alignOf(i))).join(' | ')} |`;
  const separator = `| ${widths
    .map((w, i) => (alignOf(i) === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)))
    .join(' | ')} |`;
  const [header = [], ...body] = cells;
  const lines = [line(header), separator, ...body.map(line)];
  if (table.title !== undefined) lines.unshift(`### ${table.title}`, '');
  return lines.join('\n');
}
