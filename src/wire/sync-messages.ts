/**
 * The sync protocol between agent and server (SPEC.md section 9) in domain
 * terms: AgentMessage and ServerMessage as tagged unions, and their protobuf
 * encodings. Each WebSocket binary message carries exactly one of them.
 */
import type { ApprovalQuery } from '../engine/approvals.js';
import { TollgateError } from '../engine/errors.js';
import type { ApprovalSuggestion, FileRequest, OsName } from '../engine/model.js';
import {
  approvalQueryFromWire,
  approvalQueryToWire,
  badMessage,
  checkUint32,
  fileFromWire,
  fileToWire,
  osCodec,
  requireMessage,
  requireText,
  suggestionFromWire,
  suggestionToWire,
} from './codec.js';
import type { tollgate } from './generated/tollgate.js';
import { pb } from './proto.js';
import { idProblem } from '../engine/limits.js';
import { versionProblem } from '../engine/version.js';
import { VIEW_HASH_BYTES } from './delta.js';

/**
 * The longest approval request id the wire accepts (the daemon makes UUIDs: 36 characters). A request id
 * follows the id rule (engine/limits.ts) and leaves room within MAX_ID_CHARS for the ids the server derives
 * from it (`permit-ID`, `app-ID`).
 */
export const MAX_REQUEST_ID_CHARS = 100;

/**
 * An approval request as the agent delivers it (SPEC.md section 5): the
 * denied file, who asked and why, the application's attributes as asked,
 * and the suggestion the agent answered locally. `requestId` is the agent's
 * id; the server records each id once.
 */
export interface ApprovalSubmission {
  requestId: string;
  submittedAtMs: number;
  file: FileRequest;
  user: string;
  reason: string;
  query: ApprovalQuery;
  suggestion: ApprovalSuggestion;
}

/** What an agent sends. */
export type AgentMessage =
  | {
      kind: 'hello';
      computerId: string;
      token: string;
      agentVersion: string;
      os: OsName;
      snapshotVersion: number;
      settingsVersion: number;
      /** The view hash of the snapshot version held (wire/delta.ts); absent when none is held. */
      viewHash?: Uint8Array;
      /** The tollgate software version the agent runs; absent from agents that do not send it. */
      tollgateVersion?: string;
    }
  /**
   * The versions now applied (and the view hash held); `error` is empty when
   * the last message was applied, else why it was refused, and `errorCode`
   * its code ('delta-...' asks for the full snapshot).
   */
  | {
      kind: 'ack';
      snapshotVersion: number;
      settingsVersion: number;
      error: string;
      errorCode?: string;
      viewHash?: Uint8Array;
    }
  /** An approval request from the outbox; the server answers with a receipt for its id. */
  | { kind: 'approval'; submission: ApprovalSubmission };

/** What the server sends. */
export type ServerMessage =
  /** An encoded SignedSnapshot, handed to the agent's verifier untouched. */
  | { kind: 'snapshot'; signed: Uint8Array }
  /** An encoded SignedDelta, handed to the agent's verifier untouched. */
  | { kind: 'delta'; signed: Uint8Array }
  | { kind: 'upToDate'; snapshotVersion: number; settingsVersion: number }
  /** An encoded SignedSettings. */
  | { kind: 'settings'; signed: Uint8Array }
  | { kind: 'refusal'; code: string; message: string }
  /**
   * The approval request with this id is recorded (now or before), or, with
   * `refused`, refused for good and not recorded: either way the agent may forget it.
   */
  | { kind: 'receipt'; requestId: string; refused?: ReceiptRefusal };

/** Why the server refused an approval request for good (ApprovalReceipt.refusal_code and refusal_message). */
export interface ReceiptRefusal {
  code: string;
  message: string;
}

/** A view hash field: absent when empty, else exactly VIEW_HASH_BYTES long. */
function viewHashField(hash: Uint8Array | null | undefined, at: string): { viewHash?: Uint8Array } {
  if (hash === null || hash === undefined || hash.length === 0) return {};
  if (hash.length !== VIEW_HASH_BYTES) throw badMessage(at, `is ${hash.length} bytes, not ${VIEW_HASH_BYTES}`);
  return { viewHash: hash };
}

function decodeFailure(what: string, error: unknown): TollgateError {
  if (error instanceof TollgateError) return error;
  return new TollgateError('bad-message', `undecodable ${what}: ${(error as Error).message}`, { cause: error });
}

export function encodeAgentMessage(message: AgentMessage): Uint8Array {
  switch (message.kind) {
    case 'hello':
      return pb()
        .AgentMessage.encode({
          hello: {
            computerId: message.computerId,
            token: message.token,
            agentVersion: message.agentVersion,
            os: osCodec.toWire(message.os, 'hello.os'),
            snapshotVersion: checkUint32(message.snapshotVersion, 'hello.snapshotVersion'),
            settingsVersion: checkUint32(message.settingsVersion, 'hello.settingsVersion'),
            ...(message.viewHash === undefined ? {} : { viewHash: message.viewHash }),
            ...(message.tollgateVersion === undefined ? {} : { tollgateVersion: message.tollgateVersion }),
          },
        })
        .finish();
    case 'ack':
      return pb()
        .AgentMessage.encode({
          ack: {
            snapshotVersion: checkUint32(message.snapshotVersion, 'ack.snapshotVersion'),
            settingsVersion: checkUint32(message.settingsVersion, 'ack.settingsVersion'),
            error: message.error,
            ...(message.errorCode === undefined ? {} : { errorCode: message.errorCode }),
            ...(message.viewHash === undefined ? {} : { viewHash: message.viewHash }),
          },
        })
        .finish();
    case 'approval':
      return pb()
        .AgentMessage.encode({ approval: submissionToWire(message.submission) })
        .finish();
  }
}

function checkRequestId(id: string, at: string): string {
  if (id === '') throw badMessage(at, 'is missing');
  if (id.length > MAX_REQUEST_ID_CHARS) throw badMessage(at, `is longer than ${MAX_REQUEST_ID_CHARS} characters`);
  const problem = idProblem(id);
  if (problem !== null) throw badMessage(at, problem);
  return id;
}

function submissionToWire(s: ApprovalSubmission): tollgate.v1.ApprovalSubmission.$Properties {
  return {
    requestId: checkRequestId(s.requestId, 'approval.requestId'),
    submittedAtMs: s.submittedAtMs,
    file: fileToWire(s.file),
    user: s.user,
    reason: s.reason,
    query: approvalQueryToWire(s.query),
    suggestion: suggestionToWire(s.suggestion, 'approval.suggestion'),
  };
}

/**
 * An approval submission whose request id can be read but whose other
 * fields cannot (a field missing, an unknown suggestion): the server answers
 * it with a receipt refusing it (`invalid-field`), so that the agent stops
 * sending it, where a message that cannot be read closes the connection.
 */
export class UnreadableSubmission extends TollgateError {
  constructor(
    readonly requestId: string,
    reason: TollgateError,
  ) {
    super('invalid-field', reason.message, { cause: reason });
    this.name = 'UnreadableSubmission';
  }
}

function submissionFromWire(s: tollgate.v1.ApprovalSubmission.$Properties): ApprovalSubmission {
  const requestId = checkRequestId(requireText(s.requestId, 'approval.requestId'), 'approval.requestId');
  try {
    return submissionFieldsFromWire(s, requestId);
  } catch (error) {
    if (error instanceof TollgateError) throw new UnreadableSubmission(requestId, error);
    throw error;
  }
}

function submissionFieldsFromWire(
  s: tollgate.v1.ApprovalSubmission.$Properties,
  requestId: string,
): ApprovalSubmission {
  return {
    requestId,
    submittedAtMs: submittedAt(s.submittedAtMs ?? 0),
    file: fileFromWire(requireMessage(s.file, 'approval.file'), 'approval.file'),
    user: requireText(s.user, 'approval.user'),
    reason: s.reason ?? '',
    query: approvalQueryFromWire(requireMessage(s.query, 'approval.query')),
    suggestion: suggestionFromWire(requireMessage(s.suggestion, 'approval.suggestion'), 'approval.suggestion'),
  };
}

/** The latest time a JavaScript Date holds (8.64e15 ms after 1970): the admin API shows times as dates. */
export const LATEST_TIME_MS = 8.64e15;

/** An approval request's `submitted_at_ms`: a time from 1970 on that a date can show (0: not given). */
function submittedAt(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0 || ms > LATEST_TIME_MS) {
    throw badMessage('approval.submittedAtMs', `is ${ms}, not a time from 0 to ${LATEST_TIME_MS} ms after 1970`);
  }
  return ms;
}

/** A text the server stores as it is (in a PostgreSQL text column, which cannot hold U+0000). */
function storedText(text: string, at: string, maxChars: number): string {
  if (text.includes('\u0000')) throw badMessage(at, 'contains the character U+0000, which cannot be stored');
  if (text.length > maxChars) throw badMessage(at, `is ${text.length} characters long; at most ${maxChars}`);
  return text;
}

/**
 * The bounds of what an agent's hello and acks carry (docs/PROTOCOL.md, Hello
 * and Ack): every text the server stores, logs or echoes in a refusal is
 * checked before it is used.
 */
export const AGENT_TEXT_LIMITS = Object.freeze({
  /** An enrolment token (43 characters as the server makes them). */
  tokenChars: 256,
  /** `tollgate_version`: a release's version, as package.json has it. */
  tollgateVersionChars: 64,
  /** `Ack.error`: why the agent refused what it was sent, for people. */
  ackErrorChars: 4000,
  /** `Ack.error_code`: a code of the Ack error codes, or a newer agent's. */
  ackErrorCodeChars: 64,
});

/**
 * An agent's `Ack.error` as the server takes it: U+0000 replaced (no text
 * column stores it) and a longer text cut to AGENT_TEXT_LIMITS.ackErrorChars
 * with a note of how much was cut. A refusal's text quotes what it refused,
 * which the agent does not bound.
 */
export function ackErrorText(error: string): string {
  return keptText(error, AGENT_TEXT_LIMITS.ackErrorChars);
}

/**
 * A peer's text as it is kept (an agent's ack error, a server's refusal or
 * receipt): U+0000 replaced, and one longer than `maxChars` cut to it with a
 * note of how much was cut (never between the halves of a surrogate pair).
 */
function keptText(text: string, maxChars: number): string {
  const clean = text.replaceAll('\u0000', '\ufffd');
  if (clean.length <= maxChars) return clean;
  const note = ` ... (${clean.length} characters in all)`;
  let cut = Math.max(0, maxChars - note.length);
  if (/[\ud800-\udbff]/.test(clean.charAt(cut - 1))) cut--;
  return clean.slice(0, cut) + note;
}

/** What a version or code an agent reports looks like: printable ASCII, no spaces. */
const PRINTABLE_WORD = /^[\x21-\x7e]+$/;

/** A hello's computer id: the id rule, checked before the id is echoed or logged. */
function helloComputerId(value: string | null | undefined): string {
  const id = requireText(value, 'hello.computerId');
  const problem = idProblem(id);
  if (problem !== null) throw badMessage('hello.computerId', problem);
  return id;
}

/** A hello's agent version: a version (SPEC.md section 4, as the gates compare it), or `0` before any snapshot. */
function helloAgentVersion(value: string | null | undefined): string {
  const version = requireText(value, 'hello.agentVersion');
  const problem = versionProblem(version);
  if (problem !== null) {
    throw badMessage(
      'hello.agentVersion',
      `${version.length > 40 ? `a text of ${version.length} characters` : JSON.stringify(version)} ${problem}`,
    );
  }
  return version;
}

/** A printable word of at most `maxChars` (a tollgate version, an ack's error code). */
function reportedWord(text: string, at: string, maxChars: number): string {
  storedText(text, at, maxChars);
  if (!PRINTABLE_WORD.test(text)) throw badMessage(at, 'must be printable ASCII without spaces');
  return text;
}

/** Decodes an agent's message; throws TollgateError 'bad-message' naming the field at fault. */
export function decodeAgentMessage(bytes: Uint8Array): AgentMessage {
  try {
    const m = pb().AgentMessage.decode(bytes);
    switch (m.body) {
      case 'hello': {
        const h = requireMessage(m.hello, 'hello');
        return {
          kind: 'hello',
          computerId: helloComputerId(h.computerId),
          token: storedText(requireText(h.token, 'hello.token'), 'hello.token', AGENT_TEXT_LIMITS.tokenChars),
          agentVersion: helloAgentVersion(h.agentVersion),
          os: osCodec.fromWire(h.os, 'hello.os'),
          snapshotVersion: h.snapshotVersion ?? 0,
          settingsVersion: h.settingsVersion ?? 0,
          ...viewHashField(h.viewHash, 'hello.viewHash'),
          ...(h.tollgateVersion === undefined || h.tollgateVersion === null || h.tollgateVersion === ''
            ? {}
            : {
                tollgateVersion: reportedWord(
                  h.tollgateVersion,
                  'hello.tollgateVersion',
                  AGENT_TEXT_LIMITS.tollgateVersionChars,
                ),
              }),
        };
      }
      case 'ack': {
        const a = requireMessage(m.ack, 'ack');
        return {
          kind: 'ack',
          snapshotVersion: a.snapshotVersion ?? 0,
          settingsVersion: a.settingsVersion ?? 0,
          // Cut and cleaned rather than refused: an agent's refusal is worth keeping, whatever text it carries.
          error: ackErrorText(a.error ?? ''),
          ...(a.errorCode === undefined || a.errorCode === null || a.errorCode === ''
            ? {}
            : { errorCode: reportedWord(a.errorCode, 'ack.errorCode', AGENT_TEXT_LIMITS.ackErrorCodeChars) }),
          ...viewHashField(a.viewHash, 'ack.viewHash'),
        };
      }
      case 'approval':
        return { kind: 'approval', submission: submissionFromWire(requireMessage(m.approval, 'approval')) };
      case undefined:
        throw new TollgateError('bad-message', 'agentMessage: no body');
    }
  } catch (error) {
    throw decodeFailure('agent message', error);
  }
}

export function encodeServerMessage(message: ServerMessage): Uint8Array {
  switch (message.kind) {
    case 'snapshot':
      return pb().ServerMessage.encode({ snapshot: message.signed }).finish();
    case 'settings':
      return pb().ServerMessage.encode({ settings: message.signed }).finish();
    case 'delta':
      return pb().ServerMessage.encode({ delta: message.signed }).finish();
    case 'upToDate':
      return pb()
        .ServerMessage.encode({
          upToDate: {
            snapshotVersion: checkUint32(message.snapshotVersion, 'upToDate.snapshotVersion'),
            settingsVersion: checkUint32(message.settingsVersion, 'upToDate.settingsVersion'),
          },
        })
        .finish();
    case 'refusal':
      return pb()
        .ServerMessage.encode({ refusal: { code: message.code, message: message.message } })
        .finish();
    case 'receipt':
      return pb()
        .ServerMessage.encode({
          receipt: {
            requestId: checkRequestId(message.requestId, 'receipt.requestId'),
            ...(message.refused === undefined
              ? {}
              : { refusalCode: message.refused.code, refusalMessage: message.refused.message }),
          },
        })
        .finish();
  }
}

/**
 * The most bytes a server message other than a snapshot, settings or delta
 * may have: an up-to-date, a refusal or a receipt is a few hundred bytes,
 * and one of hundreds of MB (within maxMessageBytes, which snapshots need)
 * is refused before its texts are decoded.
 */
export const MAX_SMALL_SERVER_MESSAGE_BYTES = 64 * 1024;
/** ServerMessage's fields that may be large: snapshot (1), settings (3) and delta (6), each bytes. */
const LARGE_SERVER_FIELDS: ReadonlySet<number> = new Set([1, 3, 6]);
/** The bounds of a server's texts this agent logs and keeps: a refusal's and a receipt's code and message. */
export const SERVER_TEXT_LIMITS = Object.freeze({ codeChars: 64, messageChars: 4000 });

/**
 * Why a server message of more than MAX_SMALL_SERVER_MESSAGE_BYTES is
 * refused before it is decoded, or null when it may be decoded: it must be
 * what a server writes, one snapshot, settings or delta field (a tag of one
 * byte, a length varint of at most 5) that holds every byte after its
 * header. Anything else that large (a refusal of hundreds of MB, small
 * fields repeated, a field behind a long varint or a group) would have its
 * texts decoded before they could be bounded.
 */
function largeMessageProblem(bytes: Uint8Array): string | null {
  if (bytes.length <= MAX_SMALL_SERVER_MESSAGE_BYTES) return null;
  const tag = bytes[0] as number;
  const field = tag >>> 3;
  if (tag >= 0x80 || (tag & 7) !== 2 || !LARGE_SERVER_FIELDS.has(field)) {
    return `serverMessage: ${bytes.length} bytes; a message of more than ${MAX_SMALL_SERVER_MESSAGE_BYTES} is one snapshot, settings or delta`;
  }
  let length = 0;
  let at = 1;
  for (let shift = 0; ; shift += 7) {
    if (at >= bytes.length || shift > 28) return `serverMessage: the length of field ${field} cannot be read`;
    const b = bytes[at++] as number;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (at + length !== bytes.length) {
    return `serverMessage: field ${field} holds ${length} bytes of the ${bytes.length - at} after its header; a large message is that one field`;
  }
  return null;
}

/** Decodes a server's message; throws TollgateError 'bad-message' naming the field at fault. */
export function decodeServerMessage(bytes: Uint8Array): ServerMessage {
  const large = largeMessageProblem(bytes);
  if (large !== null) throw new TollgateError('bad-message', large);
  try {
    const m = pb().ServerMessage.decode(bytes);
    switch (m.body) {
      case 'snapshot':
        return { kind: 'snapshot', signed: requireMessage(m.snapshot, 'serverMessage.snapshot') };
      case 'settings':
        return { kind: 'settings', signed: requireMessage(m.settings, 'serverMessage.settings') };
      case 'delta':
        return { kind: 'delta', signed: requireMessage(m.delta, 'serverMessage.delta') };
      case 'upToDate': {
        const u = requireMessage(m.upToDate, 'upToDate');
        return { kind: 'upToDate', snapshotVersion: u.snapshotVersion ?? 0, settingsVersion: u.settingsVersion ?? 0 };
      }
      case 'refusal': {
        const r = requireMessage(m.refusal, 'refusal');
        return {
          kind: 'refusal',
          code: keptText(r.code ?? '', SERVER_TEXT_LIMITS.codeChars),
          message: keptText(r.message ?? '', SERVER_TEXT_LIMITS.messageChars),
        };
      }
      case 'receipt': {
        const r = requireMessage(m.receipt, 'receipt');
        const requestId = checkRequestId(requireText(r.requestId, 'receipt.requestId'), 'receipt.requestId');
        const code = keptText(r.refusalCode ?? '', SERVER_TEXT_LIMITS.codeChars);
        if (code === '') return { kind: 'receipt', requestId };
        const message = keptText(r.refusalMessage ?? '', SERVER_TEXT_LIMITS.messageChars);
        return { kind: 'receipt', requestId, refused: { code, message } };
      }
      case undefined:
        throw new TollgateError('bad-message', 'serverMessage: no body');
    }
  } catch (error) {
    throw decodeFailure('server message', error);
  }
}
