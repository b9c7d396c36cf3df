// Every text field of a local request has a limit; a request past one is
// refused with 'field-too-long' naming the field, and one at the limit is not.
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { APPROVAL_REQUEST_LIMITS } from '../../src/wire/approval-limits.js';
import { decodeRequest, encodeRequest, REQUEST_FIELD_LIMITS, type LocalRequest } from '../../src/wire/local-api.js';
import { MAX_REQUEST_FIELDS } from '../../src/wire/request-scan.js';

const L = REQUEST_FIELD_LIMITS;
const text = (n: number): string => 'x'.repeat(n);

/** A request with one field `n` units long (or `n` items), and the field's name in the error. */
const CASES: [string, (n: number) => LocalRequest, number][] = [
  ['request.evaluateFile.file.path', (n) => ({ id: 1, kind: 'evaluateFile', file: { path: text(n) } }), L.path],
  [
    'request.evaluateFile.file.processPath',
    (n) => ({ id: 1, kind: 'evaluateFile', file: { path: '/a', processPath: text(n) } }),
    L.processPath,
  ],
  [
    'request.evaluateFile.file.certSubject',
    (n) => ({ id: 1, kind: 'evaluateFile', file: { path: '/a', certSubject: text(n) } }),
    L.certSubject,
  ],
  [
    'request.evaluateFile.file.certThumbprint',
    (n) => ({ id: 1, kind: 'evaluateFile', file: { path: '/a', certThumbprint: text(n) } }),
    L.certThumbprint,
  ],
  [
    'request.evaluateFile.file.sha256',
    (n) => ({ id: 1, kind: 'evaluateFile', file: { path: '/a', sha256: text(n) } }),
    L.sha256,
  ],
  [
    'request.evaluateFile.file.createdBy',
    (n) => ({ id: 1, kind: 'evaluateFile', file: { path: '/a', createdBy: text(n) } }),
    L.createdBy,
  ],
  [
    'request.evaluateFile.settings',
    (n) => ({
      id: 1,
      kind: 'evaluateFile',
      file: { path: '/a' },
      settings: Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}`, true])),
    }),
    L.settings,
  ],
  [
    'request.evaluateFile.settings[1].name',
    (n) => ({ id: 1, kind: 'evaluateFile', file: { path: '/a' }, settings: { first: true, [text(n)]: true } }),
    L.settingName,
  ],
  [
    'request.evaluateFile.settings[1].value',
    (n) => ({ id: 1, kind: 'evaluateFile', file: { path: '/a' }, settings: { first: true, second: text(n) } }),
    L.settingValue,
  ],
  [
    'request.evaluateApproval.query.app',
    (n) => ({ id: 1, kind: 'evaluateApproval', submit: false, query: { app: text(n) } }),
    L.app,
  ],
  [
    'request.evaluateApproval.query.category',
    (n) => ({ id: 1, kind: 'evaluateApproval', submit: false, query: { category: text(n) } }),
    L.category,
  ],
  [
    'request.evaluateApproval.query.primaryCompanyInfluence',
    (n) => ({
      id: 1,
      kind: 'evaluateApproval',
      submit: false,
      query: { primaryCompanyInfluence: Array.from({ length: n }, () => 'US') },
    }),
    L.influenceItems,
  ],
  [
    'request.evaluateApproval.query.developmentInfluence[0]',
    (n) => ({ id: 1, kind: 'evaluateApproval', submit: false, query: { developmentInfluence: [text(n)] } }),
    L.influence,
  ],
  [
    'request.evaluateApproval.file.path',
    (n) => ({ id: 1, kind: 'evaluateApproval', submit: true, query: {}, file: { path: text(n) } }),
    L.path,
  ],
  [
    'request.evaluateApproval.user',
    (n) => ({ id: 1, kind: 'evaluateApproval', submit: true, query: {}, user: text(n) }),
    L.user,
  ],
  [
    'request.evaluateApproval.reason',
    (n) => ({ id: 1, kind: 'evaluateApproval', submit: true, query: {}, reason: text(n) }),
    L.reason,
  ],
];

describe('request field limits', () => {
  it.each(CASES)('%s: refused past its limit, accepted at it', (field, make, limit) => {
    expect(() => decodeRequest(encodeRequest(make(limit)))).not.toThrow();
    let error: unknown;
    try {
      decodeRequest(encodeRequest(make(limit + 1)));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).code).toBe('field-too-long');
    expect((error as TollgateError).message).toContain(field);
    expect((error as TollgateError).message).toContain(String(limit));
  });

  it('bounds a path by the larger of the Windows (32,767 UTF-16 units) and Linux (4,096 bytes) limits', () => {
    expect(L.path).toBe(32_767);
    expect(L.path).toBeGreaterThanOrEqual(4_096);
  });

  it('decodes an approval request that every approval limit allows: none of the local limits is stricter', () => {
    const A = APPROVAL_REQUEST_LIMITS;
    const request: LocalRequest = {
      id: 1,
      kind: 'evaluateApproval',
      submit: true,
      query: {
        app: text(A.queryTextChars),
        primaryCompanyInfluence: Array.from({ length: A.influenceEntries }, () => text(A.influenceEntryChars)),
        developmentInfluence: Array.from({ length: A.influenceEntries }, () => 'CN'),
      },
      file: {
        path: text(A.pathChars),
        processPath: text(A.pathChars),
        createdBy: text(A.pathChars),
        certSubject: text(A.certSubjectChars),
        sha256: text(A.hashChars),
      },
      user: text(A.userChars),
      reason: text(A.reasonChars),
    };
    expect(decodeRequest(encodeRequest(request))).toEqual(request);
  });
});

describe('lists counted from the bytes', () => {
  /** The code and message decodeRequest throws for `bytes`. */
  const refusal = (bytes: Uint8Array): { code: string; message: string } => {
    try {
      decodeRequest(bytes);
    } catch (error) {
      return { code: (error as TollgateError).code, message: (error as Error).message };
    }
    throw new Error('not refused');
  };
  /** A Request: id 1 and `body` as field `field`, its length as a varint. */
  const request = (field: number, body: Uint8Array): Uint8Array => {
    return Uint8Array.from([0x08, 0x01, (field << 3) | 2, ...lengthOf(body.length), ...body]);
  };

  it('refuses half a million empty what-if settings as too many items, before any is read as a setting', () => {
    const file = [0x0a, 0x03, 0x0a, 0x01, 0x61];
    const settings = new Uint8Array(2 * 500_000);
    for (let i = 0; i < settings.length; i += 2) settings[i] = 0x1a;
    // Decoded first, the first setting's missing name was the error (after 500,000 objects were made).
    expect(refusal(request(2, Uint8Array.from([...file, ...settings])))).toEqual({
      code: 'field-too-long',
      message: `request.evaluateFile.settings has 500000 items; the limit is ${L.settings}`,
    });
  });

  it('counts an influence list over every StringList the query repeats', () => {
    // primary_company_influence (6) given three times, 100 items each ("US").
    const list = Array.from({ length: 100 }, () => [0x0a, 0x02, 0x55, 0x53]).flat();
    const query = Array.from({ length: 3 }, () => [0x32, ...lengthOf(list.length), ...list]).flat();
    const approval = [0x0a, ...lengthOf(query.length), ...query];
    expect(refusal(request(3, Uint8Array.from(approval)))).toEqual({
      code: 'field-too-long',
      message: `request.evaluateApproval.query.primaryCompanyInfluence has 300 items; the limit is ${L.influenceItems}`,
    });
  });

  it('refuses a request of more fields than any valid one holds, unknown ones included', () => {
    const unknown = new Uint8Array(2 * (MAX_REQUEST_FIELDS + 1));
    for (let i = 0; i < unknown.length; i += 2) unknown[i] = 0x78; // field 15, a varint 0
    const file = [0x0a, 0x03, 0x0a, 0x01, 0x61];
    expect(refusal(request(2, Uint8Array.from([...file, ...unknown])))).toEqual({
      code: 'field-too-long',
      message: `request has ${MAX_REQUEST_FIELDS + 5} fields; the limit is ${MAX_REQUEST_FIELDS}`,
    });
  });

  it('counts past a group, which protobufjs skips to decode what follows it, and the fields inside it', () => {
    const file = [0x0a, 0x03, 0x0a, 0x01, 0x61];
    const settings = new Uint8Array(2 * 500_000);
    for (let i = 0; i < settings.length; i += 2) settings[i] = 0x1a;
    const body = request(2, Uint8Array.from([...file, ...settings]));
    // A group of field 15 (start 0x7b, end 0x7c) holding a group of field 1 after the id.
    const grouped = Uint8Array.from([0x08, 0x01, 0x7b, 0x0b, 0x08, 0x01, 0x0c, 0x7c, ...body.subarray(2)]);
    expect(refusal(grouped)).toEqual({
      code: 'field-too-long',
      message: `request.evaluateFile.settings has 500000 items; the limit is ${L.settings}`,
    });
    // The id, 4,094 empty groups and a status: 4,096 fields, the most; a group holding a field is two more.
    const groups = (inner: number[]): number[] => [0x7b, ...inner, 0x7c];
    const many = Array.from({ length: MAX_REQUEST_FIELDS - 2 }, () => groups([])).flat();
    const status = [0x22, 0x00];
    expect(decodeRequest(Uint8Array.from([0x08, 0x01, ...many, ...status]))).toEqual({ id: 1, kind: 'status' });
    expect(refusal(Uint8Array.from([0x08, 0x01, ...many, ...groups([0x08, 0x00]), ...status]))).toEqual({
      code: 'field-too-long',
      message: `request has ${MAX_REQUEST_FIELDS + 2} fields; the limit is ${MAX_REQUEST_FIELDS}`,
    });
  });

  it('counts past an unknown varint longer than 10 bytes, which protobufjs skips whatever its length', () => {
    const file = [0x0a, 0x03, 0x0a, 0x01, 0x61];
    const settings = new Uint8Array(2 * 500_000);
    for (let i = 0; i < settings.length; i += 2) settings[i] = 0x1a;
    const body = request(2, Uint8Array.from([...file, ...settings]));
    // Field 15 as a varint of 12 bytes after the id.
    const long = [0x78, ...Array.from({ length: 11 }, () => 0x80), 0x00];
    const bytes = Uint8Array.from([0x08, 0x01, ...long, ...body.subarray(2)]);
    expect(refusal(bytes)).toEqual({
      code: 'field-too-long',
      message: `request.evaluateFile.settings has 500000 items; the limit is ${L.settings}`,
    });
  });

  it('counts only the items of a list sent with the wire type of one, as the decoder reads them', () => {
    // 65 what-if settings sent as varints: the decoder skips them all, so there are none.
    const file = [0x0a, 0x04, 0x0a, 0x02, 0x2f, 0x61];
    const asVarints = Array.from({ length: L.settings + 1 }, () => [0x18, 0x00]).flat();
    const frame = request(2, Uint8Array.from([...file, ...asVarints]));
    expect(Buffer.from(frame.subarray(0, 5)).toString('hex')).toBe('0801128801');
    expect(decodeRequest(frame)).toEqual({ id: 1, kind: 'evaluateFile', file: { path: '/a' } });
    // 257 influence items sent as varints inside primary_company_influence: no item.
    const items = Array.from({ length: L.influenceItems + 1 }, () => [0x08, 0x00]).flat();
    const query = [0x12, 0x01, 0x63, 0x32, ...lengthOf(items.length), ...items];
    const approval = [0x0a, ...lengthOf(query.length), ...query];
    expect(decodeRequest(request(3, Uint8Array.from(approval)))).toMatchObject({
      id: 1,
      kind: 'evaluateApproval',
      query: { category: 'c', primaryCompanyInfluence: [] },
    });
  });

  it('leaves bytes it cannot read to the decoder, which names the problem', () => {
    expect(refusal(Uint8Array.from([0x08, 0x01, 0x12, 0x7f, 0x0a]))).toMatchObject({ code: 'bad-request' });
  });
});

function lengthOf(n: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    if (n < 128) return [...bytes, n];
    bytes.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
}
