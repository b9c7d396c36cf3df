/** Where a command writes: injected so commands run in tests without a process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Milliseconds since the epoch; the evaluation time when a case has no `at`. */
  nowMs(): number;
  /** The environment the CLI reads its defaults from (TOLLGATE_SERVER, ...); given by the process entry point. */
  env?: NodeJS.ProcessEnv;
  /** Records the code of the error a command reports, for `--json` errors. */
  reportError?(code: string): void;
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
/** Exit code of `query --exit-code` when the decision denies the file. */
export const EXIT_DENIED = 3;
