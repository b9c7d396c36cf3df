/** Where a command writes: injected so commands run in tests without a process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Milliseconds since the epoch; the evaluation time when a case has no `at`. */
  nowMs(): number;
}

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  nowMs: () => Date.now(),
};

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID = 2;
