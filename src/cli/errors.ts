import { TollgateError, ValidationError } from '../engine/errors.js';
import { EXIT_FAILED, EXIT_INVALID, type CliIo } from './io.js';

/** Failures of reaching the daemon, not of the input: exit 1 (docs/DAEMON.md, asking the daemon). */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'connect-failed',
  'connection-closed',
  'no-answer',
  // An output file that could not be written (a full disk): not a problem of the input either.
  'write-failed',
]);

/** A failure of the operating system about a file or folder the command was given (ENOENT, EISDIR, EACCES...). */
interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

function isSystemError(error: unknown): error is SystemError {
  if (!(error instanceof Error)) return false;
  const { code, path } = error as Partial<SystemError>;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && typeof path === 'string';
}

/**
 * Prints an input problem as the commands do: every problem on its own line,
 * exit 2; a daemon that cannot be reached, exit 1. A file or folder the
 * system refuses (missing, a folder where a file is wanted, not allowed) is
 * an input problem too, named by its path. Anything else is a fault of
 * tollgate and is thrown on.
 */
export function reportInvalid(io: CliIo, error: unknown): number {
  if (error instanceof TollgateError) io.reportError?.(error.code);
  if (error instanceof ValidationError) {
    for (const problem of error.problems) io.stderr(`error: ${problem}\n`);
  } else if (error instanceof TollgateError) {
    io.stderr(`error: ${error.message}\n`);
    if (UNREACHABLE_CODES.has(error.code)) return EXIT_FAILED;
  } else if (isSystemError(error)) {
    io.reportError?.('invalid-input');
    const what = error.syscall === undefined ? '' : ` (${error.syscall})`;
    io.stderr(`error: ${error.path}: ${error.code}${what}: ${error.message.replace(/^[A-Z]+: /, '')}\n`);
  } else {
    throw error;
  }
  return EXIT_INVALID;
}
