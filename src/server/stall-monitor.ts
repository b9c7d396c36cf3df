/**
 * Finds where the event loop is held: a timer that should fire every
 * `intervalMs` notes how late it fired, and a lateness of `thresholdMs` or
 * more is reported as a stall with the phases the server marked meanwhile
 * (`mark`) and the garbage collections that ran. A diagnostic, off by
 * default (`TOLLGATE_STALL_LOG_MS`, docs/SERVER.md).
 */
import { type PerformanceEntry, PerformanceObserver, constants } from 'node:perf_hooks';

/** Where the server marks the phases of its long work; a no-op unless a StallMonitor listens. */
export interface PhaseMarks {
  mark(phase: string): void;
}

/** Marks nothing. */
export const NO_PHASE_MARKS: PhaseMarks = Object.freeze({ mark: () => undefined });

/** One stall: how long the loop was held, and what was marked from just before it to its end. */
export interface StallReport {
  /** How much later than due the timer fired (ms). */
  stalledMs: number;
  /**
   * CPU time the process used meanwhile (ms, every thread): well under
   * `stalledMs` means the process waited for a CPU (a loaded machine), not
   * that its own work held the loop.
   */
  cpuMs: number;
  /** The phase marked last before the stall, then those marked during it, oldest first (`gc ...` for collections). */
  phases: string[];
}

export interface StallMonitorOptions {
  /** Stalls this long or longer are reported. */
  thresholdMs: number;
  /** How often the timer is due (default 10 ms). */
  intervalMs?: number;
  onStall: (report: StallReport) => void;
  /** Observe garbage collections too (default true). */
  observeGc?: boolean;
}

/** Marks kept at most (the oldest go first). */
export const MAX_PHASE_MARKS = 256;

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

export class StallMonitor implements PhaseMarks {
  private readonly options: Required<Omit<StallMonitorOptions, 'observeGc'>>;
  private readonly times: number[] = [];
  private readonly names: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private observer: PerformanceObserver | null = null;
  /** The time of the last tick; null before the first. */
  private lastTickMs: number | null = null;
  private readonly observeGc: boolean;
  /** A stall seen at the last tick, reported at this one: collections are observed a little after they ran. */
  private pending: { fromMs: number; toMs: number; stalledMs: number; cpuMs: number } | null = null;
  private lastCpu = process.cpuUsage();

  constructor(options: StallMonitorOptions) {
    this.options = {
      thresholdMs: options.thresholdMs,
      intervalMs: options.intervalMs ?? 10,
      onStall: options.onStall,
    };
    this.observeGc = options.observeGc !== false;
  }

  /** Starts the timer (and the observer of collections); returns this. */
  start(): this {
    if (this.timer !== null) return this;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
    if (this.observeGc) {
      this.observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) this.noteGc(entry);
      });
      this.observer.observe({ entryTypes: ['gc'] });
    }
    return this;
  }

  /** Marks that `phase` starts now (at `atMs`, on performance.now()'s clock). */
  mark(phase: string, atMs: number = performance.now()): void {
    this.record(atMs, phase);
  }

  /** Stops the timer and the observer; safe to call twice. */
  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.observer?.disconnect();
    this.observer = null;
  }

  /** Checks the time since the last tick (called by the timer; a test may call it directly). */
  tick(nowMs: number = performance.now()): void {
    const since = this.lastTickMs;
    this.lastTickMs = nowMs;
    const cpuNow = process.cpuUsage();
    const cpu = { user: cpuNow.user - this.lastCpu.user, system: cpuNow.system - this.lastCpu.system };
    this.lastCpu = cpuNow;
    this.flush();
    if (since === null) return;
    const stalledMs = nowMs - since - this.options.intervalMs;
    if (stalledMs >= this.options.thresholdMs) {
      this.pending = { fromMs: since, toMs: nowMs, stalledMs, cpuMs: (cpu.user + cpu.system) / 1000 };
    }
  }

  /** Reports the stall seen at the last tick, if any. */
  flush(): void {
    const stall = this.pending;
    if (stall === null) return;
    this.pending = null;
    this.options.onStall({
      stalledMs: Math.round(stall.stalledMs),
      cpuMs: Math.round(stall.cpuMs),
      phases: this.phasesBetween(stall.fromMs, stall.toMs),
    });
  }

  private noteGc(entry: PerformanceEntry): void {
    const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
    const kind = GC_KINDS[detail?.kind ?? -1] ?? 'other';
    this.record(entry.startTime, `gc ${kind} ${Math.round(entry.duration)} ms`);
  }

  private record(atMs: number, phase: string): void {
    // Kept in time order: a gc entry arrives after the fact, with its own start time.
    let at = this.times.length;
    while (at > 0 && (this.times[at - 1] ?? 0) > atMs) at--;
    this.times.splice(at, 0, atMs);
    this.names.splice(at, 0, phase);
    if (this.times.length > MAX_PHASE_MARKS) {
      this.times.shift();
      this.names.shift();
    }
  }

  private phasesBetween(fromMs: number, toMs: number): string[] {
    const names: string[] = [];
    let before: string | undefined;
    for (let i = 0; i < this.times.length; i++) {
      const at = this.times[i] ?? 0;
      if (at <= fromMs) before = this.names[i];
      else if (at <= toMs) names.push(this.names[i] ?? '');
    }
    if (before !== undefined) names.unshift(before);
    // A phase marked many times in a row (one per agent) is named once, with its count.
    const phases: string[] = [];
    let run = 0;
    for (let i = 0; i < names.length; i++) {
      run++;
      if (names[i + 1] === names[i]) continue;
      phases.push(run === 1 ? (names[i] ?? '') : `${names[i]} x${run}`);
      run = 0;
    }
    return phases;
  }
}
