import { describe, expect, it } from 'vitest';
import { MAX_FIELD_CHARS, atLeast, formatLogLine } from '../../scripts/log-format.js';

describe("npm start's readable log lines", () => {
  it('shows time, level, source, message and the other fields', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.parse('2026-11-22T12:00:01.250Z'),
      pid: 42,
      hostname: 'h',
      msg: 'listening',
      url: 'http://127.0.0.1:7443',
      note: 'two words',
    });
    expect(formatLogLine('server', line)).toBe(
      '12:00:01.250  INFO   server  listening url=http://127.0.0.1:7443 note="two words"',
    );
  });

  it('shows errors by message, cuts long values and passes other text through', () => {
    const line = JSON.stringify({ level: 50, time: 0, msg: 'sync failed', err: { type: 'Error', message: 'refused' } });
    expect(formatLogLine('till-1', line)).toBe('00:00:00.000  ERROR  till-1  sync failed err=refused');
    const long = formatLogLine('x', JSON.stringify({ level: 30, time: 0, msg: 'm', big: 'a'.repeat(500) }));
    expect(long).toContain(`big=${'a'.repeat(MAX_FIELD_CHARS)}…`);
    expect(long.length).toBeLessThan(300);
    expect(formatLogLine('server', 'not json')).toBe('server  not json');
  });

  it('filters by level', () => {
    expect(atLeast(JSON.stringify({ level: 30 }), 40)).toBe(false);
    expect(atLeast(JSON.stringify({ level: 40 }), 40)).toBe(true);
    expect(atLeast('plain text', 40)).toBe(true);
  });
});
