/**
 * The daemon's log before pino is loaded (daemon/log.ts): lines are held
 * with the time each was logged and written through pino, in order and with
 * those times, when the log is released; later lines go straight through;
 * the held lines are bounded; redaction and the level apply to held lines as
 * to any other.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HeldLog, createLogger } from '../../daemon/log.js';

/** A pino destination that keeps every line, parsed. */
function sink(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) {
        if (text !== '') lines.push(JSON.parse(text) as Record<string, unknown>);
      }
      done();
    },
  });
  return { stream, lines };
}

describe('HeldLog', () => {
  it('writes nothing until released, then every held line in order with the time it was logged', () => {
    const { stream, lines } = sink();
    let now = 1_000;
    let opened = 0;
    const log = new HeldLog(
      (time) => {
        opened++;
        return createLogger('info', { time, destination: stream });
      },
      () => now,
    );
    log.info({ socket: '/run/a.sock', snapshotVersion: 4 }, 'serving');
    now = 1_005;
    log.warn('view image not used');
    now = 1_010;
    log.error({ problem: 'x' }, 'stored snapshot damaged');
    expect(opened).toBe(0);
    expect(log.released).toBe(false);
    expect(lines).toEqual([]);

    now = 2_000;
    log.release();
    expect(opened).toBe(1);
    expect(lines.map((l) => [l['msg'], l['time'], l['level']])).toEqual([
      ['serving', 1_000, 30],
      ['view image not used', 1_005, 40],
      ['stored snapshot damaged', 1_010, 50],
    ]);
    expect(lines[0]).toMatchObject({ socket: '/run/a.sock', snapshotVersion: 4 });

    now = 2_500;
    log.info({ signal: 'SIGTERM' }, 'stopping');
    log.release();
    expect(opened).toBe(1);
    expect(lines[3]).toMatchObject({ msg: 'stopping', time: 2_500, signal: 'SIGTERM' });
  });

  it('applies the level and the redaction of the logger it releases to', () => {
    const { stream, lines } = sink();
    const log = new HeldLog((time) => createLogger('warn', { time, destination: stream }));
    log.debug({ detail: 1 }, 'not written');
    log.info('not written either');
    log.warn({ config: { server: { token: 'secret-token' } } }, 'config');
    log.release();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'config', config: { server: { token: '[redacted]' } } });
    expect(JSON.stringify(lines)).not.toContain('secret-token');
  });

  it('holds at most its bound of lines and reports how many it dropped', () => {
    const { stream, lines } = sink();
    const log = new HeldLog((time) => createLogger('info', { time, destination: stream }), Date.now, 3);
    for (let i = 0; i < 5; i++) log.info({ i }, 'line');
    log.release();
    expect(lines.map((l) => l['i'] ?? l['dropped'])).toEqual([0, 1, 2, 2]);
    expect(lines[3]).toMatchObject({ msg: 'log lines dropped before the log was ready', level: 40 });
  });

  it('does not hold lines below its logger level, so they take none of the bound from the lines that count', () => {
    const { stream, lines } = sink();
    const log = new HeldLog((time) => createLogger('warn', { time, destination: stream }), Date.now, 3, 'warn');
    for (let i = 0; i < 10; i++) log.debug({ i }, 'debug line');
    for (let i = 0; i < 10; i++) log.info({ i }, 'info line');
    log.warn({ i: 0 }, 'warning');
    log.error({ i: 1 }, 'error');
    log.release();
    expect(lines.map((l) => l['msg'])).toEqual(['warning', 'error']);
  });
});
