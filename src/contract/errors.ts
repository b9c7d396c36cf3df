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
  'stopping',
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
  // The server is stopping: the request was not taken.
  stopping: 503,
});

/** What each code means, for the API document and docs/ADMIN.md. */
export const ERROR_MEANING: Readonly<Record<ErrorCode, string>> = Object.freeze({
  'invalid-input':
    'the request breaks a rule of shape or meaning; `problems` has one line per field at fault, naming the list, id and field',
  'invalid-json': 'malformed JSON, or an empty body declared as JSON',
  'body-too-deep': 'a JSON body nesting more than 64 levels deep, refused before it is parsed',
  'bad-request': 'any other request the server cannot take (a malformed URL, a bad Content-Length)',
  unauthorized: 'missing or wrong admin token',
  'not-found': 'no such route, or an unknown computer, policy, organization or request in the URL',
  'unknown-reference':
    'an entity the request names that the world does not have, looked up before any change (a body whose references do not resolve fails validation: invalid-input, naming the field)',
  conflict: 'an id already in use, or an entity in a state that refuses the action',
  'removal-refused': 'a world import would remove computers; `removed` lists them, nothing is stored',
  'upgrade-refused': 'the flat upgrade is refused; `problems` lists every unmet condition, `text` is the report',
  'no-escalation-address': 'escalating a request of an organization that has no escalation address',
  'body-too-large': 'a body over 64 MiB',
  'uri-too-long': 'a path parameter longer than 384 characters',
  'unsupported-media-type': 'a body that is not application/json (YAML, text, a form)',
  internal: 'a fault of the server; the message names the request id under which the server logs the cause',
  'notify-failed': 'the mail server did not take an escalation notice',
  busy: 'too many changes wait behind the one being made; nothing changed, try again',
  'storage-unavailable': 'the server cannot write or read its database; nothing changed, try again later',
  stopping:
    'the server is stopping and takes no more requests (the connection is closed); nothing changed, try again (another instance, or this one once it is back)',
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
    removed: z
      .array(z.string())
      .optional()
      .meta({ description: 'the computers a world import would remove (the first 100: see removedCount)' }),
    removedCount: z
      .number()
      .int()
      .optional()
      .meta({ description: 'how many computers it would remove, when that is more than `removed` lists' }),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
