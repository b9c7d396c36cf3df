// A readable form of the JSON log lines pino writes (pino's pretty transport
// is not a dependency): `12:00:01.250 INFO  server  listening url=http://...`.

const LEVELS: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every line has, shown in their own place or not at all. */
const SKIPPED = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** The longest value shown for one field; longer values are cut with an ellipsis. */
export const MAX_FIELD_CHARS = 200;

function valueText(value: unknown): string {
  const text =
    typeof value === 'string' ? (/[\s"=]/.test(value) ? JSON.stringify(value) : value) : JSON.stringify(value);
  return text.length > MAX_FIELD_CHARS ? `${text.slice(0, MAX_FIELD_CHARS)}…` : text;
}

function clock(time: unknown): string {
  if (typeof time !== 'number') return '--:--:--.---';
  return new Date(time).toISOString().slice(11, 23);
}

/** One log line for people; a line that is not a JSON object is shown as it is. */
export function formatLogLine(source: string, text: string): string {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    return `${source}  ${text}`;
  }
  if (line === null || typeof line !== 'object' || Array.isArray(line)) return `${source}  ${text}`;
  const fields = line as Record<string, unknown>;
  const level = typeof fields['level'] === 'number' ? (LEVELS[fields['level']] ?? String(fields['level'])) : '?';
  const parts = [
    clock(fields['time']),
    level.padEnd(5),
    source,
    typeof fields['msg'] === 'string' ? fields['msg'] : '',
  ];
  for (const [key, value] of Object.entries(fields)) {
    if (SKIPPED.has(key) || value === undefined) continue;
    if (key === 'err' && value !== null && typeof value === 'object') {
      const err = value as Record<string, unknown>;
      parts.push(`err=${valueText(err['message'] ?? err['type'] ?? value)}`);
      continue;
    }
    parts.push(`${key}=${valueText(value)}`);
  }
  return parts
    .filter((p) => p !== '')
    .join('  ')
    .replace(/ {2}(?=\S+=)/g, ' ');
}

/** Whether a line's level is at or above `minimum` (pino's numbers: 30 info, 40 warn); non-JSON lines always pass. */
export function atLeast(text: string, minimum: number): boolean {
  try {
    const level = (JSON.parse(text) as { level?: unknown }).level;
    return typeof level !== 'number' || level >= minimum;
  } catch {
    return true;
  }
}
