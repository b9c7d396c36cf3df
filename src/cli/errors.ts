import { TollgateError, ValidationError } from '../engine/errors.js';
import { EXIT_INVALID, type CliIo } from './io.js';

/** Prints an input problem as the commands do: every problem on its own line, exit 2. */
export function reportInvalid(io: CliIo, error: unknown): number {
  if (error instanceof TollgateError) io.reportError?.(error.code);
  if (error instanceof ValidationError) {
    for (const problem of error.problems) io.stderr(`error: ${problem}\n`);
  } else if (error instanceof TollgateError) {
    io.stderr(`error: ${error.message}\n`);
  } else {
    throw error;
  }
  return EXIT_INVALID;
}
