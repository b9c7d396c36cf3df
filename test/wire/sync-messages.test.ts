import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import {
  MAX_REQUEST_ID_CHARS,
  MAX_SMALL_SERVER_MESSAGE_BYTES,
  SERVER_TEXT_LIMITS,
  UnreadableSubmission,
  ackErrorText,
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
    expect(failure(() => decodeAgentMessage(encodeAgentMessage({ ...hello, agentVersion: '10\u00006' })))).toBe(
      'hello.agentVersion: "10\\u00006" is not a version (1 to 4 dot-separated non-negative integers, without leading zeros)',
    );
    expect(failure(() => decodeAgentMessage(encodeAgentMessage({ ...hello, tollgateVersion: '0.1\u0000' })))).toMatch(
      /^hello\.tollgateVersion: contains/,
    );
    const ack: AgentMessage = { kind: 'ack', snapshotVersion: 1, settingsVersion: 1, error: 'bad\u0000' };
    // An ack's refusal text is kept, cleaned: U+0000 replaced.
    expect(decodeAgentMessage(encodeAgentMessage(ack))).toEqual({ ...ack, error: 'bad\ufffd' });
    expect(decodeAgentMessage(encodeAgentMessage({ ...ack, error: 'bad' }))).toEqual({ ...ack, error: 'bad' });
  });

  it('refuses, naming the field, texts past their bounds before anything echoes or stores them', () => {
    const hello = base;
    const refused = (message: AgentMessage): string => failure(() => decodeAgentMessage(encodeAgentMessage(message)));
    expect(refused({ ...hello, computerId: 'c'.repeat(1_000_000) })).toBe(
      'hello.computerId: is 1000000 characters long; an id has at most 128',
    );
    expect(refused({ ...hello, computerId: 'till 1' })).toMatch(/^hello\.computerId: has the character U\+0020/);
    expect(refused({ ...hello, token: 't'.repeat(257) })).toBe('hello.token: is 257 characters long; at most 256');
    expect(refused({ ...hello, agentVersion: `not a version ${'v'.repeat(400_000)}` })).toBe(
      'hello.agentVersion: a text of 400014 characters is not a version (1 to 4 dot-separated non-negative integers, without leading zeros)',
    );
    expect(refused({ ...hello, agentVersion: `10.${'9'.repeat(21)}` })).toBe(
      `hello.agentVersion: "10.${'9'.repeat(21)}" has a part of more than 20 digits`,
    );
    expect(refused({ ...hello, tollgateVersion: '0'.repeat(65) })).toBe(
      'hello.tollgateVersion: is 65 characters long; at most 64',
    );
    expect(refused({ ...hello, tollgateVersion: '0.1 beta' })).toBe(
      'hello.tollgateVersion: must be printable ASCII without spaces',
    );
    const ack: AgentMessage = { kind: 'ack', snapshotVersion: 1, settingsVersion: 1, error: 'x'.repeat(4_001) };
    // A longer refusal text (an older agent's, which does not cut it) is cut, not refused.
    const cut = decodeAgentMessage(encodeAgentMessage(ack));
    const error = cut.kind === 'ack' ? cut.error : '';
    expect(error).toHaveLength(4_000);
    expect(error).toMatch(/^x+ \.\.\. \(4001 characters in all\)$/);
    expect(refused({ ...ack, error: 'refused', errorCode: 'e'.repeat(65) })).toBe(
      'ack.errorCode: is 65 characters long; at most 64',
    );
    // At the bounds, and a code this server does not know (a newer agent's), are taken.
    const taken: AgentMessage = { ...ack, error: 'x'.repeat(4_000), errorCode: 'some-newer-code' };
    expect(decodeAgentMessage(encodeAgentMessage(taken))).toEqual(taken);
    expect(decodeAgentMessage(encodeAgentMessage({ ...hello, agentVersion: '0' }))).toMatchObject({
      agentVersion: '0',
    });
  });

  it('makes any refusal text an ack the server takes: U+0000 replaced, a long one cut with a note', () => {
    const long = `refused: ${'\u{1F600}'.repeat(3_000)}\u0000`;
    const text = ackErrorText(long);
    expect(text.length).toBeLessThanOrEqual(4_000);
    expect(text).toMatch(/^refused: (?:\u{1F600})+ \.\.\. \(6010 characters in all\)$/u);
    const ack: AgentMessage = { kind: 'ack', snapshotVersion: 1, settingsVersion: 1, error: text };
    expect(decodeAgentMessage(encodeAgentMessage(ack))).toEqual(ack);
    expect(ackErrorText('a\u0000b')).toBe('a\ufffdb');
    expect(ackErrorText('short')).toBe('short');
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
    // Without its id it cannot be answered: a message that cannot be read.
    expect(failure(() => decodeAgentMessage(encoded({ ...full, requestId: '' })))).toContain(
      'approval.requestId: is missing',
    );
    // With it, the field at fault is named for the receipt that refuses it.
    const unreadable = (body: tollgate.v1.ApprovalSubmission.$Properties): UnreadableSubmission => {
      try {
        decodeAgentMessage(encoded(body));
      } catch (error) {
        expect(error).toBeInstanceOf(UnreadableSubmission);
        return error as UnreadableSubmission;
      }
      throw new Error('expected a failure');
    };
    const noFile = unreadable({ ...full, file: null });
    expect([noFile.code, noFile.requestId, noFile.message]).toEqual([
      'invalid-field',
      submission.requestId,
      'approval.file: is missing',
    ]);
    expect(unreadable({ ...full, user: '' }).message).toContain('approval.user: is missing');
    // A time a date cannot show (the admin API shows it as one) is refused, naming the field.
    for (const submittedAtMs of [Number.NaN, Number.POSITIVE_INFINITY, -1, -1e300, 8.64e15 + 1]) {
      expect(unreadable({ ...full, submittedAtMs }).message).toContain('approval.submittedAtMs: is ');
    }
    expect(decodeAgentMessage(encoded({ ...full, submittedAtMs: 8.64e15 }))).toMatchObject({
      submission: { submittedAtMs: 8.64e15 },
    });
    expect(unreadable({ ...full, query: null }).message).toContain('approval.query: is missing');
    expect(unreadable({ ...full, suggestion: null }).message).toContain('approval.suggestion: is missing');
    expect(unreadable({ ...full, suggestion: { ...full.suggestion, suggestion: 0 } }).message).toContain(
      'approval.suggestion.suggestion: suggestion is unspecified',
    );
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

describe("a server's texts", () => {
  it('are kept within their bounds, U+0000 replaced: a refusal and a receipt refusal', () => {
    const refusal = decodeServerMessage(
      pb.ServerMessage.encode({
        refusal: { code: 'c'.repeat(100), message: `why\u0000${'m'.repeat(10_000)}` },
      }).finish(),
    );
    expect(refusal.kind).toBe('refusal');
    if (refusal.kind !== 'refusal') return;
    expect(refusal.code.length).toBe(SERVER_TEXT_LIMITS.codeChars);
    expect(refusal.code).toMatch(/\(100 characters in all\)$/);
    expect(refusal.message.length).toBe(SERVER_TEXT_LIMITS.messageChars);
    expect(refusal.message.startsWith('why\ufffdmmm')).toBe(true);
    const receipt = decodeServerMessage(
      pb.ServerMessage.encode({
        receipt: { requestId: 'req-1', refusalCode: 'too-many-pending', refusalMessage: 'x'.repeat(5_000) },
      }).finish(),
    );
    expect(receipt).toMatchObject({ kind: 'receipt', refused: { code: 'too-many-pending' } });
    if (receipt.kind === 'receipt') expect(receipt.refused?.message.length).toBe(SERVER_TEXT_LIMITS.messageChars);
  });

  it('of a large message are not decoded unless it is one snapshot, settings or delta field, as a server writes it', () => {
    const big = 'm'.repeat(MAX_SMALL_SERVER_MESSAGE_BYTES + 1);
    const refusal = pb.ServerMessage.encode({ refusal: { code: 'x', message: big } }).finish();
    const notOne = /^serverMessage: \d+ bytes; a message of more than 65536 is one snapshot, settings or delta/;
    expect(failure(() => decodeServerMessage(refusal))).toMatch(notOne);
    expect(
      failure(() =>
        decodeServerMessage(pb.ServerMessage.encode({ receipt: { requestId: 'r', refusalMessage: big } }).finish()),
      ),
    ).toMatch(notOne);
    // Small refusals repeated, or one behind an unknown field of a long varint or a group, are not let through.
    const small = pb.ServerMessage.encode({ refusal: { code: 'x', message: 'm'.repeat(60_000) } }).finish();
    const longVarint = Uint8Array.from([0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    for (const crafted of [
      Buffer.concat([small, small]),
      Buffer.concat([longVarint, refusal]),
      Buffer.concat([Uint8Array.from([0x7b, 0x7c]), refusal]),
    ]) {
      expect(failure(() => decodeServerMessage(crafted))).toMatch(notOne);
    }
    // A snapshot field followed by anything else is not what a server writes either.
    const snapshot = encodeServerMessage({
      kind: 'snapshot',
      signed: new Uint8Array(MAX_SMALL_SERVER_MESSAGE_BYTES * 2),
    });
    expect(failure(() => decodeServerMessage(Buffer.concat([snapshot, small])))).toMatch(
      /^serverMessage: field 1 holds \d+ bytes of the \d+ after its header/,
    );
    // One snapshot, settings or delta of any size is passed on as it is (the verifier and maxMessageBytes decide).
    expect(decodeServerMessage(snapshot)).toMatchObject({ kind: 'snapshot' });
    const delta = encodeServerMessage({ kind: 'delta', signed: new Uint8Array(MAX_SMALL_SERVER_MESSAGE_BYTES * 3) });
    expect(decodeServerMessage(delta)).toMatchObject({ kind: 'delta' });
  });
});
