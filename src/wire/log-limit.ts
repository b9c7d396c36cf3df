/**
 * A bound on log lines that peers can set off at will (refused requests,
 * refused agents, what a server sends that is refused): at most `perSecond` are logged one by one each second;
 * past it they are counted, by kind, and `flush` is given the counts a
 * second after the first one counted.
 */
export class LogLimit {
  private second = 0;
  private logged = 0;
  private unlogged = new Map<string, number>();

  constructor(
    private readonly perSecond: number,
    private readonly flush: (counts: Record<string, number>, total: number) => void,
  ) {}

  /** Whether a line of `kind` is logged now; when not, it is counted for `flush`. */
  allow(kind: string): boolean {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.logged = 0;
    }
    if (this.logged < this.perSecond) {
      this.logged++;
      return true;
    }
    if (this.unlogged.size === 0) {
      const timer = setTimeout(() => {
        const counts = Object.fromEntries(this.unlogged);
        this.unlogged = new Map();
        this.flush(
          counts,
          Object.values(counts).reduce((a, b) => a + b, 0),
        );
      }, 1000);
      timer.unref();
    }
    this.unlogged.set(kind, (this.unlogged.get(kind) ?? 0) + 1);
    return false;
  }
}

/**
 * Warnings peers can set off, each message bounded on its own by a LogLimit
 * (one message flooding does not hide another): up to `perSecond` of a
 * message are logged one by one each second, the rest counted, and
 * `MESSAGE (more, not logged one by one)` logged with the `count` a second
 * later. The messages are the caller's fixed texts, so the map stays small.
 */
export class WarningLimits {
  private readonly limits = new Map<string, LogLimit>();

  constructor(
    private readonly perSecond: number,
    private readonly warn: (fields: object, msg: string) => void,
  ) {}

  /** Logs `msg` with `fields`, or counts it past its bound. */
  log(msg: string, fields: object): void {
    let limit = this.limits.get(msg);
    if (limit === undefined) {
      limit = new LogLimit(this.perSecond, (_counts, count) =>
        this.warn({ count }, `${msg} (more, not logged one by one)`),
      );
      this.limits.set(msg, limit);
    }
    if (limit.allow(msg)) this.warn(fields, msg);
  }
}
