import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import type { Decision } from '../../src/engine/model.js';
import protobuf from 'protobufjs/minimal.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { encodeFrame } from '../../src/wire/framing.js';
import {
  applySnapshotFrameParts,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  tryReadRequestId,
  type AgentStatus,
  type LocalRequest,
  type LocalResponse,
} from '../../src/wire/local-api.js';

const pb = tollgate.v1;

function errorOf(fn: () => unknown): TollgateError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    return error as TollgateError;
  }
  throw new Error('expected an error');
}

const decision: Decision = {
  action: 'permit',
  policy: 'chrome-ok',
  policyName: null,
  order: 101,
  application: 'chrome',
  structure: 'flat',
  builtInsFirst: true,
  gated: [],
  snapshotVersion: 7,
  reason: 'permit by policy chrome-ok',
};

const status: AgentStatus = {
  computerId: 'till-1',
  agentVersion: '10.6.2',
  os: 'windows',
  snapshotVersion: 7,
  snapshotIssuedAtMs: 1_763_900_000_000,
  snapshotAppliedAtMs: 1_763_900_000_123,
  orgStructure: 'flat',
  structure: 'flat',
  builtInsFirst: false,
  gated: [],
  settings: { prioritizeBuiltInApplications: false },
  settingSources: { prioritizeBuiltInApplications: 'msp-prioritize-builtins' },
  settingsVersion: 3,
  policyCount: 5,
  decisions: { permit: 10, deny: 2, denyWithRequest: 0, ringfence: 1 },
  latencyP50Us: 1.5,
  latencyP99Us: 12.25,
  outboxDepth: 0,
  uptimeMs: 60_000,
  syncState: 'connected',
  serverUrl: 'wss://policy.example/agents',
  daemonVersion: '0.1.0',
  lastSyncAtMs: 1_700_000_060_000,
  syncDownSinceMs: null,
  metricsAddress: '127.0.0.1:9464',
};

const requests: [string, LocalRequest][] = [
  ['evaluateFile, minimal', { id: 1, kind: 'evaluateFile', file: { path: 'C:\\a.exe' } }],
  [
    'evaluateFile with time and what-if settings',
    {
      id: 0xffff_ffff,
      kind: 'evaluateFile',
      file: { path: 'C:\\a.exe', sha256: 'ab' },
      atMs: Date.UTC(2026, 10, 22, 12),
      settings: { prioritizeBuiltInApplications: false },
    },
  ],
  ['evaluateApproval, minimal', { id: 2, kind: 'evaluateApproval', query: { app: 'fastcart' }, submit: false }],
  [
    'evaluateApproval to submit',
    {
      id: 3,
      kind: 'evaluateApproval',
      query: { category: 'Shopping', primaryCompanyInfluence: [] },
      submit: true,
      file: { path: 'C:\\Apps\\fastcart.exe' },
      user: 'alice',
      reason: 'I need it for work',
    },
  ],
  ['status', { id: 4, kind: 'status' }],
  ['exportDecisions', { id: 5, kind: 'exportDecisions', limit: 100 }],
  ['applySnapshot', { id: 6, kind: 'applySnapshot', snapshot: new Uint8Array([1, 2, 3, 0, 255]) }],
];

const responses: [string, LocalResponse][] = [
  ['decision', { id: 1, kind: 'decision', decision }],
  [
    'suggestion with a request id',
    {
      id: 2,
      kind: 'suggestion',
      requestId: 'req-1',
      suggestion: {
        suggestion: 'escalate',
        policy: null,
        reason: 'no matching approval policy',
        permitTarget: 'computer',
        instructions: '',
        escalationEmails: ['it@example.com'],
        warnings: [],
      },
    },
  ],
  ['status', { id: 3, kind: 'status', status }],
  [
    'status before the first snapshot',
    {
      id: 3,
      kind: 'status',
      status: {
        ...status,
        snapshotVersion: null,
        snapshotIssuedAtMs: null,
        snapshotAppliedAtMs: null,
        orgStructure: null,
        structure: 'hierarchical',
        gated: ['flatPolicyStructure'],
        settings: {},
        settingSources: {},
        decisions: {},
        syncState: 'disabled',
        serverUrl: null,
        lastSyncAtMs: null,
        syncDownSinceMs: 1_700_000_000_000,
        metricsAddress: null,
      },
    },
  ],
  ['error', { id: 0, kind: 'error', code: 'frame-too-large', message: 'too big' }],
  [
    'decisions',
    {
      id: 4,
      kind: 'decisions',
      computerId: 'till-1',
      entries: [
        { atMs: 1, file: { path: '/bin/a' }, decision },
        { atMs: 2, file: { path: '/bin/b', sha256: 'cd' }, decision: { ...decision, ringfence: { x: 1 } } },
      ],
    },
  ],
  ['decisions, none', { id: 4, kind: 'decisions', computerId: 'till-1', entries: [] }],
  ['applied', { id: 5, kind: 'applied', snapshotVersion: 8, settingsVersion: 3 }],
];

describe('requests', () => {
  it.each(requests)('%s round-trips', (_name, request) => {
    expect(decodeRequest(encodeRequest(request))).toEqual(request);
  });

  it('an empty what-if settings record travels as none', () => {
    const request: LocalRequest = { id: 1, kind: 'evaluateFile', file: { path: '/a' }, settings: {} };
    expect(decodeRequest(encodeRequest(request))).toEqual({ id: 1, kind: 'evaluateFile', file: { path: '/a' } });
  });

  it('undecodable bytes are a bad request', () => {
    const e = errorOf(() => decodeRequest(Uint8Array.from([0x0a, 0xff, 0xff])));
    expect(e.code).toBe('bad-request');
    expect(tryReadRequestId(Uint8Array.from([0x0a, 0xff, 0xff]))).toBe(0);
  });

  it('a request without a body is a bad request; its id can still be read', () => {
    const bytes = pb.Request.encode({ id: 42 }).finish();
    const e = errorOf(() => decodeRequest(bytes));
    expect(e.code).toBe('bad-request');
    expect(e.message).toMatch(/no body/);
    expect(tryReadRequestId(bytes)).toBe(42);
  });

  it('an applySnapshot frame in two parts is the bytes of the encoded frame, the snapshot not copied', () => {
    for (const id of [0, 1, 127, 128, 300, 0xffffffff]) {
      for (const size of [0, 1, 127, 128, 16_383, 16_384, 70_000]) {
        const snapshot = Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) & 0xff);
        const [head, body] = applySnapshotFrameParts(id, snapshot);
        expect(body).toBe(snapshot);
        const whole = Buffer.concat([head, body]);
        expect(whole.equals(encodeFrame(encodeRequest({ id, kind: 'applySnapshot', snapshot })))).toBe(true);
        expect(decodeRequest(whole.subarray(4))).toMatchObject({ id, kind: 'applySnapshot', snapshot });
      }
    }
    expect(() => applySnapshotFrameParts(-1, new Uint8Array(1))).toThrow(/request\.id/);
  });

  it('a body field sent with another wire type is skipped as unknown: then there is no body', () => {
    // Field 4 (status, a message) as a varint and as a group (skipped as any group is); an id (field 1,
    // varint) sent as a length.
    for (const bytes of [
      [0x08, 0x03, 0x20, 0x01],
      [0x08, 0x03, 0x23, 0x24],
    ]) {
      const e = errorOf(() => decodeRequest(Uint8Array.from(bytes)));
      expect([e.code, e.message]).toEqual([
        'bad-request',
        'request 3 has no body (none of its fields is one, with the wire type of one)',
      ]);
    }
    expect(decodeRequest(Uint8Array.from([0x0a, 0x01, 0x03, 0x22, 0x00]))).toEqual({ id: 0, kind: 'status' });
    // Inside a what-if setting a group of an unknown field is left to protobufjs, which skips it, as always.
    const setting = Buffer.concat([
      pb.Setting.encode({ name: 'x', value: { boolValue: true } }).finish(),
      Buffer.from([0x4b, 0x4c]),
    ]);
    const file = pb.FileInfo.encode({ path: '/a' }).finish();
    const body = protobuf.Writer.create().uint32(0x0a).bytes(file).uint32(0x1a).bytes(setting).finish();
    const request = protobuf.Writer.create().uint32(0x08).uint32(5).uint32(0x12).bytes(body).finish();
    expect(decodeRequest(request)).toEqual({
      id: 5,
      kind: 'evaluateFile',
      file: { path: '/a' },
      settings: { x: true },
    });
  });

  it('a bad field is a bad request naming the field', () => {
    const bytes = pb.Request.encode({ id: 7, evaluateFile: { file: { sha256: 'ab' } } }).finish();
    const e = errorOf(() => decodeRequest(bytes));
    expect(e.code).toBe('bad-request');
    expect(e.message).toMatch(/^request\.evaluateFile\.file\.path: is missing/);
    expect(tryReadRequestId(bytes)).toBe(7);
  });

  it.each<[string, LocalRequest]>([
    ['request.evaluateFile.file.path', { id: 1, kind: 'evaluateFile', file: { path: 'C:\\QQQQ.exe' } }],
    [
      'request.evaluateFile.file.certSubject',
      { id: 1, kind: 'evaluateFile', file: { path: '/a', certSubject: 'QQQQ' } },
    ],
    [
      'request.evaluateFile.settings.1.name',
      { id: 1, kind: 'evaluateFile', file: { path: '/a' }, settings: { a: true, QQQQ: false } },
    ],
    [
      'request.evaluateFile.settings.0.value.stringValue',
      { id: 1, kind: 'evaluateFile', file: { path: '/a' }, settings: { a: 'QQQQ' } },
    ],
    [
      'request.evaluateApproval.query.developmentInfluence.values.2',
      {
        id: 1,
        kind: 'evaluateApproval',
        query: { category: 'c', developmentInfluence: ['x', 'y', 'QQQQ'] },
        submit: false,
      },
    ],
    [
      'request.evaluateApproval.file.createdBy',
      {
        id: 1,
        kind: 'evaluateApproval',
        query: { category: 'c' },
        submit: true,
        file: { path: '/a', createdBy: 'QQQQ' },
        user: 'u',
        reason: 'r',
      },
    ],
    [
      'request.evaluateApproval.reason',
      { id: 1, kind: 'evaluateApproval', query: { app: 'a' }, submit: true, user: 'u', reason: 'QQQQ' },
    ],
  ])('text that is not UTF-8 is a bad request naming its field: %s', (field, request) => {
    const bytes = Buffer.from(encodeRequest(request));
    bytes[bytes.indexOf('QQQQ')] = 0xff;
    const e = errorOf(() => decodeRequest(bytes));
    expect([e.code, e.message]).toEqual(['bad-request', `${field}: is not valid UTF-8`]);
  });

  it('the id survives a truncated body', () => {
    const whole = encodeRequest({ id: 300_000, kind: 'evaluateFile', file: { path: '/some/long/path' } });
    const truncated = whole.subarray(0, whole.length - 3);
    expect(errorOf(() => decodeRequest(truncated)).code).toBe('bad-request');
    expect(tryReadRequestId(truncated)).toBe(300_000);
  });

  it('tryReadRequestId reads the largest id and gives 0 for nothing', () => {
    expect(tryReadRequestId(encodeRequest({ id: 0xffff_ffff, kind: 'status' }))).toBe(0xffff_ffff);
    expect(tryReadRequestId(new Uint8Array(0))).toBe(0);
    expect(tryReadRequestId(Uint8Array.from([0xff]))).toBe(0);
  });

  it('an id outside uint32 is refused on the way out', () => {
    expect(errorOf(() => encodeRequest({ id: -1, kind: 'status' })).message).toMatch(/^request\.id:/);
  });
});

describe('responses', () => {
  it.each(responses)('%s round-trips', (_name, response) => {
    expect(decodeResponse(encodeResponse(response))).toEqual(response);
  });

  it('an unknown sync state is refused', () => {
    const bytes = pb.Response.encode({
      id: 1,
      status: { computerId: 'x', os: pb.Os.OS_LINUX, structure: pb.Structure.STRUCTURE_FLAT, syncState: 'sleeping' },
    }).finish();
    const e = errorOf(() => decodeResponse(bytes));
    expect(e.code).toBe('bad-message');
    expect(e.message).toMatch(/^response\.status\.syncState:/);
  });

  it('an unknown enum value inside a response is refused, naming the field', () => {
    const unknownStructure: number = 99;
    const bytes = pb.Response.encode({ id: 1, decision: { action: 1, structure: unknownStructure } }).finish();
    expect(errorOf(() => decodeResponse(bytes)).message).toMatch(
      /^response\.decision\.structure: unknown structure 99/,
    );
  });

  it('a response without a body, or undecodable, is a bad message', () => {
    expect(errorOf(() => decodeResponse(pb.Response.encode({ id: 1 }).finish())).code).toBe('bad-message');
    expect(errorOf(() => decodeResponse(Uint8Array.from([0x12, 0x05]))).code).toBe('bad-message');
  });
});
