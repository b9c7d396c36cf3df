/**
 * Every code the two wire protocols carry, one list per kind: the close
 * codes of the sync WebSocket, the codes of a Refusal, of an
 * ApprovalReceipt and of an Ack, and the error codes of the local socket.
 * docs/PROTOCOL.md documents each; a test checks that it names them all.
 */

/** Close codes of the sync WebSocket (4000-4999 are the application's; the others are RFC 6455's). */
export const SYNC_CLOSE_CODES = Object.freeze({
  /** The agent stops (sent by the agent). */
  normal: 1000,
  /** The server is shutting down. */
  shuttingDown: 1001,
  /** A message over the receiver's size limit (sent by the `ws` library of either side). */
  messageTooBig: 1009,
  /** An undecodable or unexpected message (after Refusal `bad-message`). */
  badMessage: 4400,
  /** Unknown computer, wrong token, a message before the hello, or another computer's hello (after Refusal `unauthorized`). */
  unauthorized: 4401,
  /** No hello in time (after Refusal `hello-timeout`). */
  helloTimeout: 4408,
  /** Replaced by a newer connection of the same computer. */
  replaced: 4409,
  /** The agent did not read: what waits to be sent to it went over the server's bound. */
  sendBufferFull: 4429,
  /** The server could not use its database (after Refusal `storage-unavailable`). */
  storageUnavailable: 4503,
  /** The server has too many changes waiting to make one more for this hello (after Refusal `busy`). */
  busy: 1013,
});

/** `Refusal.code`: why the server refuses a connection; the connection is then closed. */
export const SYNC_REFUSAL_CODES = Object.freeze({
  badMessage: 'bad-message',
  unauthorized: 'unauthorized',
  helloTimeout: 'hello-timeout',
  storageUnavailable: 'storage-unavailable',
  busy: 'busy',
});

/** One of SYNC_REFUSAL_CODES. */
export type SyncRefusalCode = (typeof SYNC_REFUSAL_CODES)[keyof typeof SYNC_REFUSAL_CODES];

/** The close code each refusal goes with. */
export const REFUSAL_CLOSE_CODES: Readonly<Record<SyncRefusalCode, number>> = Object.freeze({
  'bad-message': SYNC_CLOSE_CODES.badMessage,
  unauthorized: SYNC_CLOSE_CODES.unauthorized,
  'hello-timeout': SYNC_CLOSE_CODES.helloTimeout,
  'storage-unavailable': SYNC_CLOSE_CODES.storageUnavailable,
  busy: SYNC_CLOSE_CODES.busy,
});

/**
 * `ApprovalReceipt.refusal_code`: the server refused an approval request for
 * good and did not record it; the agent forgets it all the same.
 */
export const RECEIPT_REFUSAL_CODES = Object.freeze([
  'conflict',
  'too-many-pending',
  'invalid-field',
  'request-too-large',
] as const);

/** A refusal of a delta that asks the server for the full snapshot: every such code starts with this. */
export const DELTA_FALLBACK_PREFIX = 'delta-';

/** The codes with which an agent refuses a delta it cannot apply; each asks for the full snapshot. */
export const DELTA_ERROR_CODES = Object.freeze([
  'delta-too-large',
  'delta-base-mismatch',
  'delta-base-damaged',
  'delta-inapplicable',
  'delta-hash-mismatch',
] as const);

/** One of DELTA_ERROR_CODES. */
export type DeltaErrorCode = (typeof DELTA_ERROR_CODES)[number];

/**
 * `Ack.error_code`: why an agent refused a snapshot, settings or delta (empty
 * when applied; 'internal' for a failure that has no code of its own).
 * The same codes answer `ApplySnapshotRequest` on the local admin socket.
 */
export const ACK_ERROR_CODES = Object.freeze([
  'bad-message',
  'bad-signature',
  'unknown-key',
  'wrong-computer',
  'stale-version',
  ...DELTA_ERROR_CODES,
  'bad-regex',
  'empty-rule',
  'bad-version',
  'snapshot-lost',
  'storage-unavailable',
  'internal',
] as const);

/** One of ACK_ERROR_CODES. */
export type AckErrorCode = (typeof ACK_ERROR_CODES)[number];

/** The code an unexpected failure (one without a code of the list) is acknowledged with. */
export const ACK_INTERNAL_ERROR: AckErrorCode = 'internal';

/** Error codes of the local socket about the connection itself: sent with id 0, then the connection is closed. */
export const LOCAL_CONNECTION_ERRORS = Object.freeze({
  frameTooLarge: 'frame-too-large',
  badFrame: 'bad-frame',
  tooManyConnections: 'too-many-connections',
  connectionEvicted: 'connection-evicted',
  idleTimeout: 'idle-timeout',
  frameTimeout: 'frame-timeout',
  firstFrameTimeout: 'first-frame-timeout',
});

/** Error codes of the local socket about one request (the response repeats its id). */
export const LOCAL_REQUEST_ERRORS = Object.freeze({
  /** Undecodable, no body, or a field missing or malformed: the connection is closed after it. */
  badRequest: 'bad-request',
  /** A field past its limit: the connection carries on. */
  fieldTooLong: 'field-too-long',
  /** An admin request on the client socket: the connection carries on. */
  adminSocketRequired: 'admin-socket-required',
  /** A handler failed unexpectedly. */
  internal: 'internal',
});

/**
 * Every error code a local socket response can carry (`Error.code`): those
 * of the connection, those of a request, and what the daemon answers a
 * request it could not serve with (approval requests, applying a snapshot).
 */
export const LOCAL_ERROR_CODES = Object.freeze([
  ...Object.values(LOCAL_CONNECTION_ERRORS),
  ...Object.values(LOCAL_REQUEST_ERRORS),
  'no-snapshot',
  'missing-field',
  'invalid-field',
  'unknown-reference',
  'request-too-large',
  'outbox-full',
  // 'internal' is already one of the request errors.
  ...ACK_ERROR_CODES.filter((code) => !code.startsWith(DELTA_FALLBACK_PREFIX) && code !== 'internal'),
]);
