/** The errors the admin API raises itself, and the admin API code of every error it answers with. */
import { ERROR_CODES, type ErrorCode } from '../contract/index.js';
import { TollgateError } from '../engine/errors.js';

/** An error with a code of the admin API's closed set (its status is the contract's); `problems` name the fields at fault. */
export class HttpError extends TollgateError {
  declare readonly code: ErrorCode;
  readonly problems: readonly string[] | undefined;
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, problems?: readonly string[], extra: Record<string, unknown> = {}) {
    super(code, message);
    this.problems = problems;
    this.extra = extra;
  }
}

export function notFound(message: string): HttpError {
  return new HttpError('not-found', message);
}

/**
 * The API's code for codes the engine, the store and the notifier throw
 * that are not the API's own. Anything else that reaches the API is a
 * fault of the server: 'internal'.
 */
const API_CODE_OF: Readonly<Record<string, ErrorCode>> = Object.freeze({
  exists: 'conflict',
  'org-cycle': 'invalid-input',
  'bad-version': 'invalid-input',
  'bad-regex': 'invalid-input',
  'empty-rule': 'invalid-input',
  'missing-field': 'invalid-input',
  'invalid-field': 'invalid-input',
  'unknown-group': 'unknown-reference',
  'store-unavailable': 'storage-unavailable',
  'notifier-closed': 'notify-failed',
});

const API_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** The admin API code an error with `code` answers with. */
export function apiCodeOf(code: string): ErrorCode {
  if (API_CODES.has(code)) return code as ErrorCode;
  return API_CODE_OF[code] ?? 'internal';
}
