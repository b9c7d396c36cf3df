/** A sync client's logger for tests: keeps every line, and waits for the next line with a message. */

export interface LogLine {
  msg: string;
  obj: Record<string, unknown>;
}

/** Collects the client's log lines; `next` resolves with the next line (from now on) that has the message. */
export class TestLogger {
  readonly lines: LogLine[] = [];
  private readonly waiters: { msg: string; resolve: (line: LogLine) => void }[] = [];
  info = (obj: object, msg: string): void => this.add(obj, msg);
  warn = (obj: object, msg: string): void => this.add(obj, msg);
  debug = (obj: object, msg: string): void => this.add(obj, msg);

  private add(obj: object, msg: string): void {
    const line = { msg, obj: obj as Record<string, unknown> };
    this.lines.push(line);
    for (const w of [...this.waiters]) {
      if (w.msg === msg) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  }

  next(msg: string): Promise<LogLine> {
    return new Promise((resolve) => this.waiters.push({ msg, resolve }));
  }
}
