/**
 * The sync protocol between agent and server (SPEC.md section 9) in domain
 * terms: AgentMessage and ServerMessage as tagged unions, and their protobuf
 * encodings. Each WebSocket binary message carries exactly one of them.
 */
import { TollgateError } from '../engine/errors.js';
import type { OsName } from '../engine/model.js';
import { checkUint32, osCodec, requireMessage, requireText } from './codec.js';
import { tollgate } from './generated/tollgate.js';

const pb = tollgate.v1;

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
    }
  /** The versions now applied; `error` is empty when the last message was applied, else why it was refused. */
  | { kind: 'ack'; snapshotVersion: number; settingsVersion: number; error: string };

/** What the server sends. */
export type ServerMessage =
  /** An encoded SignedSnapshot, handed to the agent's verifier untouched. */
  | { kind: 'snapshot'; signed: Uint8Array }
  | { kind: 'upToDate'; snapshotVersion: number; settingsVersion: number }
  /** An encoded SignedSettings. */
  | { kind: 'settings'; signed: Uint8Array }
  | { kind: 'refusal'; code: string; message: string };

function decodeFailure(what: string, error: unknown): TollgateError {
  if (error instanceof TollgateError) return error;
  return new TollgateError('bad-message', `undecodable ${what}: ${(error as Error).message}`, { cause: error });
}

export function encodeAgentMessage(message: AgentMessage): Uint8Array {
  switch (message.kind) {
    case 'hello':
      return pb.AgentMessage.encode({
        hello: {
          computerId: message.computerId,
          token: message.token,
          agentVersion: message.agentVersion,
          os: osCodec.toWire(message.os, 'hello.os'),
          snapshotVersion: checkUint32(message.snapshotVersion, 'hello.snapshotVersion'),
          settingsVersion: checkUint32(message.settingsVersion, 'hello.settingsVersion'),
        },
      }).finish();
    case 'ack':
      return pb.AgentMessage.encode({
        ack: {
          snapshotVersion: checkUint32(message.snapshotVersion, 'ack.snapshotVersion'),
          settingsVersion: checkUint32(message.settingsVersion, 'ack.settingsVersion'),
          error: message.error,
        },
      }).finish();
  }
}

/** Decodes an agent's message; throws TollgateError 'bad-message' naming the field at fault. */
export function decodeAgentMessage(bytes: Uint8Array): AgentMessage {
  try {
    const m = pb.AgentMessage.decode(bytes);
    switch (m.body) {
      case 'hello': {
        const h = requireMessage(m.hello, 'hello');
        return {
          kind: 'hello',
          computerId: requireText(h.computerId, 'hello.computerId'),
          token: requireText(h.token, 'hello.token'),
          agentVersion: requireText(h.agentVersion, 'hello.agentVersion'),
          os: osCodec.fromWire(h.os, 'hello.os'),
          snapshotVersion: h.snapshotVersion ?? 0,
          settingsVersion: h.settingsVersion ?? 0,
        };
      }
      case 'ack': {
        const a = requireMessage(m.ack, 'ack');
        return {
          kind: 'ack',
          snapshotVersion: a.snapshotVersion ?? 0,
          settingsVersion: a.settingsVersion ?? 0,
          error: a.error ?? '',
        };
      }
      case 'approval':
        throw new TollgateError('bad-message', 'agentMessage.approval: not accepted by this server');
      default:
        throw new TollgateError('bad-message', 'agentMessage: no body');
    }
  } catch (error) {
    throw decodeFailure('agent message', error);
  }
}

export function encodeServerMessage(message: ServerMessage): Uint8Array {
  switch (message.kind) {
    case 'snapshot':
      return pb.ServerMessage.encode({ snapshot: message.signed }).finish();
    case 'settings':
      return pb.ServerMessage.encode({ settings: message.signed }).finish();
    case 'upToDate':
      return pb.ServerMessage.encode({
        upToDate: {
          snapshotVersion: checkUint32(message.snapshotVersion, 'upToDate.snapshotVersion'),
          settingsVersion: checkUint32(message.settingsVersion, 'upToDate.settingsVersion'),
        },
      }).finish();
    case 'refusal':
      return pb.ServerMessage.encode({ refusal: { code: message.code, message: message.message } }).finish();
  }
}

/** Decodes a server's message; throws TollgateError 'bad-message' naming the field at fault. */
export function decodeServerMessage(bytes: Uint8Array): ServerMessage {
  try {
    const m = pb.ServerMessage.decode(bytes);
    switch (m.body) {
      case 'snapshot':
        return { kind: 'snapshot', signed: requireMessage(m.snapshot, 'serverMessage.snapshot') };
      case 'settings':
        return { kind: 'settings', signed: requireMessage(m.settings, 'serverMessage.settings') };
      case 'upToDate': {
        const u = requireMessage(m.upToDate, 'upToDate');
        return { kind: 'upToDate', snapshotVersion: u.snapshotVersion ?? 0, settingsVersion: u.settingsVersion ?? 0 };
      }
      case 'refusal': {
        const r = requireMessage(m.refusal, 'refusal');
        return { kind: 'refusal', code: r.code ?? '', message: r.message ?? '' };
      }
      case 'receipt':
        throw new TollgateError('bad-message', 'serverMessage.receipt: not expected by this agent');
      default:
        throw new TollgateError('bad-message', 'serverMessage: no body');
    }
  } catch (error) {
    throw decodeFailure('server message', error);
  }
}
