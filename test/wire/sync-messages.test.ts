import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import {
  MAX_REQUEST_ID_CHARS,
  decodeAgentMessage,
  decodeServerMessage,
  encodeAgentMessage,
  encodeServerMessage,
  type AgentMessage,
  type ApprovalSubmission,
} from '../../src/wire/sync-messages.js';

const pb = tollgate.v1;

const submission: ApprovalSubmission = {
  requestId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
  submittedAtMs: 1_763_900_000_123,
  file: { path: '/opt/fastcart/fastcart', sha256: 'ab'.repeat(32) },
  user: 'alice',
  reason: 'stock count',
  query: { app: 'fastcart', primaryCompanyInfluence: [], developmentInfluence: ['CN', 'GB'] },
  suggestion: {
    suggestion: 'reject',
    policy: 'ch-shopping',
    reason: 'approval policy ch-shopping denies applications influenced by CN',
    permitTarget: 'group',
    instructions: 'Check the vendor.',
    escalationEmails: ['it@shop.example'],
    warnings: ['1 link removed from the instructions: external links are never used'],
  },
};

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).code).toBe('bad-message');
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}

describe('hello', () => {
  const base: AgentMessage & { kind: 'hello' } = {
    kind: 'hello',
    computerId: 'till-1',
    token: 'secret',
    agentVersion: '10.6.2',
    os: 'windows',
    snapshotVersion: 4,
    settingsVersion: 2,
  };

  it('round-trips the tollgate version, and leaves it absent when the agent sends none', () => {
    const hello: AgentMessage = { ...base, tollgateVersion: '0.9.1' };
    expect(decodeAgentMessage(encodeAgentMessage(hello))).toEqual(hello);
    const { tollgateVersion: _omitted, ...older } = hello;
    const bytes = encodeAgentMessage(older);
    expect(pb.AgentMessage.decode(bytes).hello?.tollgateVersion).toBe('');
    expect(decodeAgentMessage(bytes)).toEqual(older);
  });

  it('refuses, naming the field, a hello or acknowledgement text with U+0000 (no text column can store it)', () => {
    const hello = base;
    expect(failure(() => decodeAgentMessage(encodeAgentMessage({ ...hello, agentVersion: '10\u00006' })))).toMatch(
      /^hello\.agentVersion: contains the character U\+0000/,
    );
    expect(failure(() => decodeAgentMessage(encodeAgentMessage({ ...hello, tollgateVersion: '0.1\u0000' })))).toMatch(
      /^hello\.tollgateVersion: contains/,
    );
    const ack: AgentMessage = { kind: 'ack', snapshotVersion: 1, settingsVersion: 1, error: 'bad\u0000' };
    expect(failure(() => decodeAgentMessage(encodeAgentMessage(ack)))).toMatch(/^ack\.error: contains/);
    expect(decodeAgentMessage(encodeAgentMessage({ ...ack, error: 'bad' }))).toEqual({ ...ack, error: 'bad' });
  });
});

describe('approval delivery messages', () => {
  it('round-trips an approval submission exactly, an empty influence list staying distinct from an absent one', () => {
    const message: AgentMessage = { kind: 'approval', submission };
    expect(decodeAgentMessage(encodeAgentMessage(message))).toEqual(message);
    const minimal: AgentMessage = {
      kind: 'approval',
      submission: {
        ...submission,
        query: { category: 'Games' },
        suggestion: { ...submission.suggestion, policy: null },
      },
    };
    expect(decodeAgentMessage(encodeAgentMessage(minimal))).toEqual(minimal);
  });

  it('round-trips a receipt', () => {
    expect(decodeServerMessage(encodeServerMessage({ kind: 'receipt', requestId: 'req-1' }))).toEqual({
      kind: 'receipt',
      requestId: 'req-1',
    });
  });

  it('round-trips a receipt that refuses the request, and reads an old receipt as recorded', () => {
    const refused = {
      kind: 'receipt' as const,
      requestId: 'req-1',
      refused: { code: 'too-many-pending', message: 'computer till-1 has 100 pending requests' },
    };
    expect(decodeServerMessage(encodeServerMessage(refused))).toEqual(refused);
    const bytes = encodeServerMessage(refused);
    // An agent that does not know the refusal fields reads the same bytes as a plain receipt.
    expect(pb.ServerMessage.decode(bytes).receipt?.requestId).toBe('req-1');
  });

  it('refuses a submission without its id, file, user, query or suggestion, naming the field', () => {
    const encoded = (body: tollgate.v1.ApprovalSubmission.$Properties): Uint8Array =>
      pb.AgentMessage.encode({ approval: body }).finish();
    const full = pb.AgentMessage.decode(encodeAgentMessage({ kind: 'approval', submission })).approval!;
    expect(failure(() => decodeAgentMessage(encoded({ ...full, requestId: '' })))).toContain(
      'approval.requestId: is missing',
    );
    expect(failure(() => decodeAgentMessage(encoded({ ...full, file: null })))).toContain('approval.file: is missing');
    expect(failure(() => decodeAgentMessage(encoded({ ...full, user: '' })))).toContain('approval.user: is missing');
    expect(failure(() => decodeAgentMessage(encoded({ ...full, query: null })))).toContain(
      'approval.query: is missing',
    );
    expect(failure(() => decodeAgentMessage(encoded({ ...full, suggestion: null })))).toContain(
      'approval.suggestion: is missing',
    );
    expect(
      failure(() => decodeAgentMessage(encoded({ ...full, suggestion: { ...full.suggestion, suggestion: 0 } }))),
    ).toContain('approval.suggestion.suggestion: suggestion is unspecified');
  });

  it('refuses a request id longer than the limit, both ways', () => {
    const long = 'x'.repeat(MAX_REQUEST_ID_CHARS + 1);
    expect(
      failure(() => encodeAgentMessage({ kind: 'approval', submission: { ...submission, requestId: long } })),
    ).toContain(`approval.requestId: is longer than ${MAX_REQUEST_ID_CHARS} characters`);
    expect(
      failure(() => decodeServerMessage(pb.ServerMessage.encode({ receipt: { requestId: long } }).finish())),
    ).toContain('receipt.requestId');
    expect(
      failure(() => decodeServerMessage(pb.ServerMessage.encode({ receipt: { requestId: '' } }).finish())),
    ).toContain('receipt.requestId: is missing');
  });

  it('refuses a request id that is no id, both ways', () => {
    expect(
      failure(() => encodeAgentMessage({ kind: 'approval', submission: { ...submission, requestId: 'req/1' } })),
    ).toContain('approval.requestId: has the character "/"');
    expect(
      failure(() => decodeServerMessage(pb.ServerMessage.encode({ receipt: { requestId: 'req\u0000' } }).finish())),
    ).toContain('receipt.requestId: has the character U+0000');
  });
});
