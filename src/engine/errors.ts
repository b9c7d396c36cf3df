/** The one error type of tollgate: a stable string `code` and an optional `cause`. */
export class TollgateError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TollgateError';
    this.code = code;
  }
}

/** Many problems found at once (a scenario with several bad entries). */
export class ValidationError extends TollgateError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: { cause?: unknown }) {
    super('invalid-input', problems.join('\n'), options);
    this.name = 'ValidationError';
    this.problems = problems;
  }
}
