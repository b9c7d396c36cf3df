/**
 * The error codes of the admin API, closed, and the one table that gives
 * each its HTTP status. A code missing from the table does not compile.
 */
import * as z from 'zod';

/** Every code an admin API error body may carry (docs/ADMIN.md, "Errors"). */
export const ERROR_CODES = [
  'invalid-input',
  'invalid-json',
  'body-too-deep',
  'bad-request',
  'unauthorized',
  'not-found',
  'unknown-reference',
  'conflict',
  'removal-refused',
  'upgrade-refused',
  'no-escalation-address',
  'body-too-large',
  'uri-too-long',
  'unsupported-media-type',
  'internal',
  'notify-failed',
  'busy',
  'storage-unavailable',
] as const;

export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/** The HTTP status of every error code: the only place a status is chosen for an error. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  'invalid-input': 400,
  'invalid-json': 400,
  'body-too-deep': 400,
  'bad-request': 400,
  unauthorized: 401,
  'not-found': 404,
  'unknown-reference': 404,
  conflict: 409,
  'removal-refused': 409,
  'upgrade-refused': 409,
  'no-escalation-address': 409,
  'body-too-large': 413,
  'uri-too-long': 414,
  'unsupported-media-type': 415,
  internal: 500,
  // The mail server refused or could not be reached: the request was not escalated.
  'notify-failed': 502,
  // Too many changes wait for the one being made: try again.
  busy: 503,
  // The server's database cannot be written or read (disk full, read-only, I/O error): try again later.
  'storage-unavailable': 503,
});

/** What each code means, for the API document and docs/ADMIN.md. */
export const ERROR_MEANING: Readonly<Record<ErrorCode, string>> = Object.freeze({
  'invalid-input': 'the request breaks a rule; `problems` name every field at fault',
  'invalid-json': 'the body is not JSON, or is empty while declared as JSON',
  'body-too-deep': 'the JSON body nests too deep',
  'bad-request': 'the request is malformed (a bad URL, a bad Content-Length)',
  unauthorized: 'missing or wrong admin token',
  'not-found': 'no such route, or the entity named is unknown',
  'unknown-reference': 'the body names an entity that does not exist',
  conflict: 'the id is taken, or the entity is in a state that refuses the action',
  'removal-refused': 'a world import would remove computers; `removed` lists them',
  'upgrade-refused': 'the flat upgrade is refused; `problems` and `text` say why',
  'no-escalation-address': 'the organization has no escalation address',
  'body-too-large': 'the body is over the size limit',
  'uri-too-long': 'a path parameter is too long',
  'unsupported-media-type': 'the body is not application/json',
  internal: 'the server failed; the message names the request id to find in its log',
  'notify-failed': 'the escalation mail could not be sent',
  busy: 'too many changes are waiting; try again',
  'storage-unavailable': "the server's database cannot be used; try again later",
});

/** The status an error code answers with. */
export function statusOfError(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

/** The body of every error response. */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: errorCodeSchema,
    message: z.string(),
    problems: z.array(z.string()).optional().meta({ description: 'every field at fault, one problem each' }),
    text: z.string().optional().meta({ description: 'the upgrade refusal as `tollgate upgrade` prints it' }),
    removed: z.array(z.string()).optional().meta({ description: 'the computers a world import would remove' }),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
