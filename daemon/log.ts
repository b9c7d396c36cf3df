/**
 * The processes' logs: pino, one JSON line per entry on stdout.
 *
 * The agent daemon answers its first request before it loads pino (some two
 * dozen modules, about 25 ms of CPU at start-up): until then its lines are
 * held, each with the time it was logged, and written through pino, with
 * those times and in their order, once the daemon loads it (after its first
 * answer, or at a failure or a stop: HeldLog).
 */
import { createRequire } from 'node:module';
import type pinoModule from 'pino';
import type { Logger } from 'pino';

/** Paths that never reach a log line. */
const REDACT = ['token', '*.token', 'config.server.token', 'headers.authorization', 'privateKey', '*.privateKey'];

const load = createRequire(import.meta.url);

/**
 * A pino logger at `level` writing to stdout (or `destination`). `time`: the
 * time written in each line (default: now). `sync`: stdout written
 * synchronously, for a logger made while the process exits (pino's
 * asynchronous stdout would lose what it has not written yet).
 */
export function createLogger(
  level: string,
  options: { time?: () => number; destination?: NodeJS.WritableStream; sync?: boolean } = {},
): Logger {
  const pino = load('pino') as typeof pinoModule;
  if (options.destination === undefined && options.sync === true) {
    return pino(loggerSettings(level, options.time), pino.destination({ dest: 1, sync: true }));
  }
  const settings = loggerSettings(level, options.time);
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}

function loggerSettings(level: string, time: (() => number) | undefined): pinoModule.LoggerOptions {
  return {
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    // pino's own epoch time, from `time` when given.
    ...(time === undefined ? {} : { timestamp: () => `,"time":${time()}` }),
  };
}

/** A log call: an object of fields and a message, or a message alone. */
export interface LogCall {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

/** What the daemon logs with: a pino logger, or a HeldLog in front of one. */
export interface DaemonLogger {
  error: LogCall;
  warn: LogCall;
  info: LogCall;
  debug: LogCall;
}

type Level = keyof DaemonLogger;

/** pino's level numbers, without loading pino (a held line below the logger's level is not held). */
export const LOG_LEVEL_VALUES: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

/** The most lines held; later ones are counted, and the count is logged when the log is released. */
export const MAX_HELD_LINES = 1_000;

interface HeldLine {
  level: Level;
  timeMs: number;
  first: object | string;
  msg: string | undefined;
}

/**
 * A log that holds its lines (at most MAX_HELD_LINES, each with the time it
 * was logged) until `release`, which makes the real logger (`open`, given
 * the time each line must carry) and writes them through it in order; every
 * later line goes straight to it. The held lines are released when the
 * process exits, if nothing released them before.
 */
export class HeldLog implements DaemonLogger {
  private held: HeldLine[] = [];
  private dropped = 0;
  private target: DaemonLogger | null = null;
  /** The time the line being released carries (null: now). */
  private releasing: number | null = null;
  private readonly onExit = (): void => this.release(true);
  private readonly least: number;

  constructor(
    /** Makes the real logger; `atExit`: while the process exits (it must then write synchronously). */
    private readonly open: (time: () => number, atExit: boolean) => DaemonLogger,
    private readonly clock: () => number = Date.now,
    private readonly maxLines = MAX_HELD_LINES,
    /** The real logger's level: lines below it are not held (nor counted as dropped). */
    level = 'trace',
  ) {
    this.least = LOG_LEVEL_VALUES[level] ?? LOG_LEVEL_VALUES['trace']!;
    process.once('exit', this.onExit);
  }

  error(first: object | string, msg?: string): void {
    this.line('error', first, msg);
  }

  warn(first: object | string, msg?: string): void {
    this.line('warn', first, msg);
  }

  info(first: object | string, msg?: string): void {
    this.line('info', first, msg);
  }

  debug(first: object | string, msg?: string): void {
    this.line('debug', first, msg);
  }

  /** Whether the real logger is made (release has run). */
  get released(): boolean {
    return this.target !== null;
  }

  /**
   * Makes the real logger (once) and writes the held lines through it, each
   * with the time it was logged. `atExit`: called as the process exits.
   */
  release(atExit = false): void {
    if (this.target !== null) return;
    process.removeListener('exit', this.onExit);
    const clock = this.clock;
    const target = this.open(() => this.releasing ?? clock(), atExit);
    this.target = target;
    const held = this.held;
    this.held = [];
    try {
      for (const line of held) {
        this.releasing = line.timeMs;
        write(target, line.level, line.first, line.msg);
      }
    } finally {
      this.releasing = null;
    }
    if (this.dropped > 0) {
      target.warn({ dropped: this.dropped }, 'log lines dropped before the log was ready');
      this.dropped = 0;
    }
  }

  private line(level: Level, first: object | string, msg: string | undefined): void {
    const target = this.target;
    if (target !== null) write(target, level, first, msg);
    else if ((LOG_LEVEL_VALUES[level] as number) < this.least) return;
    else if (this.held.length < this.maxLines) this.held.push({ level, timeMs: this.clock(), first, msg });
    else this.dropped++;
  }
}

function write(target: DaemonLogger, level: Level, first: object | string, msg: string | undefined): void {
  if (typeof first === 'string') target[level](first);
  else if (msg === undefined) target[level](first);
  else target[level](first, msg);
}
