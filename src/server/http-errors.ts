/** The errors the admin API raises itself, and the HTTP status of every error code. */
import { TollgateError } from '../engine/errors.js';

/** HTTP statuses of the error codes the admin API raises itself. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  'invalid-input': 400,
  'invalid-json': 400,
  'body-too-deep': 400,
  'bad-request': 400,
  'body-too-large': 413,
  'uri-too-long': 414,
  'unsupported-media-type': 415,
  'removal-refused': 409,
  unauthorized: 401,
  'not-found': 404,
  'unknown-reference': 404,
  conflict: 409,
  'upgrade-refused': 409,
  'no-escalation-address': 409,
  'notify-failed': 502,
  // Too many changes wait for the one being made: try again.
  busy: 503,
  // The server's database cannot be written or read (disk full, read-only, I/O error): try again later.
  'storage-unavailable': 503,
};

/** An error with the HTTP status it answers with; `problems` name the fields at fault. */
export class HttpError extends TollgateError {
  readonly problems: readonly string[] | undefined;
  readonly extra: Record<string, unknown>;

  constructor(code: string, message: string, problems?: readonly string[], extra: Record<string, unknown> = {}) {
    super(code, message);
    this.problems = problems;
    this.extra = extra;
  }
}

export function notFound(message: string): HttpError {
  return new HttpError('not-found', message);
}

/** The status for an error a state method threw, judged by its code. */
export function statusOfCode(code: string): number {
  const known = STATUS_BY_CODE[code];
  if (known !== undefined) return known;
  if (code.startsWith('unknown-') || code.endsWith('not-found')) return 404;
  if (code.includes('conflict') || code.includes('duplicate') || code.includes('exists')) return 409;
  return 400;
}
