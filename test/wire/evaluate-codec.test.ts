// The hand-rolled evaluate request reader and decision writer against the
// generated protobuf code: what the generated code encodes, the reader reads
// the same; what the writer writes, the generated code decodes to the same
// response, byte for byte; and whatever bytes arrive, the reader either
// reads what decodeRequest reads, refuses what it refuses with the same
// error, or leaves the request to it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import type { Decision, FileRequest } from '../../src/engine/model.js';
import { POLICY_ACTIONS } from '../../src/engine/model.js';
import { type ComputerView, buildView } from '../../src/engine/view.js';
import { type ViewImage, compileViewImage, openViewImage } from '../../src/engine/view-image.js';
import {
  bodyFrameBound,
  decisionFrameBound,
  encodeDecisionFrame,
  EvaluateRequestReader,
  imageDecisionFrameBound,
  KEY_KEEP_BYTES,
  keptDecisionBody,
  writeBodyFrame,
  writeDecisionFrame,
  writeImageDecisionFrame,
} from '../../src/wire/evaluate-codec.js';
import { fileKey, keyHash } from '../../src/wire/file-key.js';
import { encodeFrame, FRAME_HEADER_BYTES } from '../../src/wire/framing.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  REQUEST_FIELD_LIMITS,
  type LocalRequest,
} from '../../src/wire/local-api.js';
import { collectGarbage } from '../../scripts/bench/measure.js';
import { worldArb } from '../support/arbitraries.js';
import { contractWorld } from '../support/contract-world.js';

const pb = tollgate.v1;
const L = REQUEST_FIELD_LIMITS;

/** Any text: ASCII, or any Unicode (no lone surrogates, which UTF-8 cannot carry). */
const textArb = (maxLength: number) =>
  fc.oneof(fc.string({ maxLength }), fc.string({ unit: 'binary', maxLength }), fc.constant(''));

const fileArb: fc.Arbitrary<FileRequest> = fc.record(
  {
    path: fc.oneof(
      fc.string({ minLength: 1, maxLength: 60 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
    ),
    sha256: textArb(64),
    certSubject: textArb(80),
    certThumbprint: textArb(40),
    processPath: textArb(60),
    createdBy: textArb(60),
  },
  { requiredKeys: ['path'] },
);

const idArb = fc.oneof(fc.constant(0), fc.nat({ max: 200 }), fc.nat({ max: 0xffff_ffff }));
const atMsArb = fc.option(fc.oneof(fc.double({ noNaN: true }), fc.integer()), { nil: undefined });

const requestArb: fc.Arbitrary<LocalRequest & { kind: 'evaluateFile' }> = fc
  .tuple(idArb, fileArb, atMsArb)
  .map(([id, file, atMs]) =>
    atMs === undefined ? { id, kind: 'evaluateFile', file } : { id, kind: 'evaluateFile', file, atMs },
  );

/** What reading a frame's payload gives: a request, a refusal, or nothing (left to decodeRequest). */
type Outcome = { request: LocalRequest } | { code: string; message: string } | 'declined';

function readWith(reader: EvaluateRequestReader, bytes: Buffer): Outcome {
  try {
    const file = reader.read(bytes, 0, bytes.length);
    if (file === undefined) return 'declined';
    const request: LocalRequest = { id: reader.id, kind: 'evaluateFile', file };
    if (reader.atMs !== undefined) request.atMs = reader.atMs;
    return { request };
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    return { code: (error as TollgateError).code, message: (error as Error).message };
  }
}

function decodeWith(bytes: Buffer): Outcome {
  try {
    return { request: decodeRequest(bytes) };
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    return { code: (error as TollgateError).code, message: (error as Error).message };
  }
}

/** The reader agrees with decodeRequest wherever it does not leave the request to it. */
function expectAgreement(reader: EvaluateRequestReader, bytes: Buffer): Outcome {
  const read = readWith(reader, bytes);
  if (read !== 'declined') expect(read).toEqual(decodeWith(bytes));
  return read;
}

describe('EvaluateRequestReader', () => {
  it('reads every evaluate request the generated code encodes, as decodeRequest does', () => {
    const reader = new EvaluateRequestReader();
    fc.assert(
      fc.property(requestArb, (request) => {
        const bytes = Buffer.from(encodeRequest(request));
        const read = readWith(reader, bytes);
        expect(read).toEqual({ request: decodeRequest(bytes) });
        expect(read).toEqual({ request });
      }),
      { numRuns: 500 },
    );
  });

  it('reads a request inside a larger buffer, and gives the file fields in decodeRequest order', () => {
    const reader = new EvaluateRequestReader();
    const request: LocalRequest = {
      id: 7,
      kind: 'evaluateFile',
      file: { path: 'C:\\a.exe', createdBy: 'C:\\b.exe', sha256: 'ab', certSubject: 'CN=é' },
    };
    const payload = encodeRequest(request);
    const around = Buffer.concat([Buffer.from([1, 2, 3]), payload, Buffer.from([9, 9])]);
    const file = reader.read(around, 3, 3 + payload.length);
    expect(reader.id).toBe(7);
    expect(Object.keys(file as FileRequest)).toEqual(
      Object.keys((decodeRequest(payload) as { file: FileRequest }).file),
    );
  });

  it('reads fields in any order and takes the last of a repeated one, leaving a repeated file field to decodeRequest', () => {
    const reader = new EvaluateRequestReader();
    const file = pb.FileInfo.encode({ path: '/first' }).finish();
    const again = Buffer.concat([file, pb.FileInfo.encode({ path: '/second', sha256: 'aa' }).finish()]);
    const body = pb.EvaluateFileRequest.encode({ file: pb.FileInfo.decode(again), atMs: 5 }).finish();
    const bytes = Buffer.concat([
      Buffer.from([0x12, body.length]),
      body,
      Buffer.from([0x08, 0x05, 0x08, 0x06]), // the id after the body, twice
    ]);
    expect(expectAgreement(reader, bytes)).toEqual({
      request: { id: 6, kind: 'evaluateFile', file: { path: '/second', sha256: 'aa' }, atMs: 5 },
    });
    // A file field given twice within one FileInfo: declined, and decodeRequest takes the last.
    const twice = Buffer.from([0x12, 0x0a, 0x0a, 0x08, 0x0a, 0x02, 0x2f, 0x61, 0x0a, 0x02, 0x2f, 0x62]);
    expect(readWith(reader, twice)).toBe('declined');
    expect(decodeWith(twice)).toEqual({ request: { id: 0, kind: 'evaluateFile', file: { path: '/b' } } });
    // Its first copy not UTF-8: declined, and refused by decodeRequest, though the last copy is sound.
    const badFirst = Buffer.from([0x12, 0x09, 0x0a, 0x07, 0x0a, 0x01, 0xff, 0x0a, 0x02, 0x2f, 0x61]);
    expect(readWith(reader, badFirst)).toBe('declined');
    expect(decodeWith(badFirst)).toMatchObject({ code: 'bad-request' });
    expect(reader.scan(badFirst, 0, badFirst.length)).toBe(false);
  });

  it('keeps a byte-order mark and a U+FFFD sent as such, and leaves invalid UTF-8 to decodeRequest', () => {
    const reader = new EvaluateRequestReader();
    for (const path of ['\ufeffC:\\a.exe', 'C:\\\ufffd.exe', '\ufffd', 'C:\\\u{1f600}.exe']) {
      const bytes = Buffer.from(encodeRequest({ id: 3, kind: 'evaluateFile', file: { path } }));
      expect(expectAgreement(reader, bytes)).toEqual({ request: { id: 3, kind: 'evaluateFile', file: { path } } });
    }
    // A lone continuation byte, an overlong '/', a surrogate encoded on its own: refused by decodeRequest.
    for (const bad of [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
      const file = Buffer.from([0x0a, bad.length, ...bad]);
      const bytes = Buffer.from([0x12, file.length + 2, 0x0a, file.length, ...file]);
      expect(expectAgreement(reader, bytes)).toBe('declined');
      expect(decodeWith(bytes)).toHaveProperty('code', 'bad-request');
    }
  });

  it('leaves every other request to decodeRequest', () => {
    const reader = new EvaluateRequestReader();
    const others: LocalRequest[] = [
      { id: 1, kind: 'evaluateFile', file: { path: '/a' }, settings: { x: true } },
      { id: 2, kind: 'status' },
      { id: 3, kind: 'exportDecisions', limit: 4 },
      { id: 4, kind: 'evaluateApproval', submit: false, query: { app: 'x' } },
      { id: 5, kind: 'applySnapshot', snapshot: new Uint8Array([1]) },
    ];
    for (const request of others) {
      expect(reader.read(Buffer.from(encodeRequest(request)), 0, encodeRequest(request).length), request.kind).toBe(
        undefined,
      );
    }
    // An unknown field (settings as a varint) is skipped by decodeRequest: left to it all the same.
    const unknown = Buffer.from([0x12, 0x07, 0x0a, 0x03, 0x0a, 0x01, 0x61, 0x18, 0x01]);
    expect(expectAgreement(reader, unknown)).toBe('declined');
    expect(decodeWith(unknown)).toEqual({ request: { id: 0, kind: 'evaluateFile', file: { path: 'a' } } });
    // No body, an empty file, no path, an empty path, invalid UTF-8, cut short.
    const declined = [
      [0x08, 0x01],
      [0x08, 0x01, 0x12, 0x00],
      [0x12, 0x02, 0x0a, 0x00],
      [0x12, 0x04, 0x0a, 0x02, 0x0a, 0x00],
      [0x12, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0xff],
      [0x12, 0x05, 0x0a, 0x03, 0x0a, 0x01],
      [0x08, 0x80],
    ];
    for (const bytes of declined) {
      expect(expectAgreement(reader, Buffer.from(bytes)), JSON.stringify(bytes)).toBe('declined');
      expect(decodeWith(Buffer.from(bytes))).toHaveProperty('code', 'bad-request');
    }
  });

  it('refuses a file field past its limit with the error decodeRequest gives, and reads one at the limit', () => {
    const reader = new EvaluateRequestReader();
    const fields = ['path', 'processPath', 'certSubject', 'certThumbprint', 'sha256', 'createdBy'] as const;
    for (const field of fields) {
      const limit = L[field];
      for (const units of [limit, limit + 1]) {
        const file: FileRequest = { path: '/a', [field]: 'é'.repeat(units) };
        const outcome = expectAgreement(reader, Buffer.from(encodeRequest({ id: 9, kind: 'evaluateFile', file })));
        if (units === limit) expect(outcome).toEqual({ request: { id: 9, kind: 'evaluateFile', file } });
        else {
          expect(outcome).toHaveProperty('code', 'field-too-long');
          expect((outcome as { message: string }).message).toContain(`file.${field} `);
        }
      }
    }
    // Two fields past their limits: the first in decodeRequest's order is named.
    const both = { path: 'x'.repeat(L.path + 1), createdBy: 'x'.repeat(L.createdBy + 1) };
    const outcome = expectAgreement(reader, Buffer.from(encodeRequest({ id: 1, kind: 'evaluateFile', file: both })));
    expect((outcome as { message: string }).message).toContain('file.path ');
  });

  it('never disagrees with decodeRequest on cut, corrupted or random bytes', () => {
    const reader = new EvaluateRequestReader();
    const mangled = fc.oneof(
      requestArb.chain((request) => {
        const bytes = encodeRequest(request);
        return fc.nat({ max: bytes.length }).map((n) => Buffer.from(bytes.subarray(0, n)));
      }),
      requestArb.chain((request) => {
        const bytes = encodeRequest(request);
        return fc
          .tuple(fc.nat({ max: Math.max(0, bytes.length - 1) }), fc.integer({ min: 0, max: 255 }))
          .map(([at, value]) => {
            const copy = Buffer.from(bytes);
            if (copy.length > 0) copy[at] = value;
            return copy;
          });
      }),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
    );
    fc.assert(
      fc.property(mangled, (bytes) => {
        expectAgreement(reader, bytes);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('EvaluateRequestReader keys', () => {
  /** The key the reader notes for a payload, copied, or null when it does not read it. */
  function scannedKey(reader: EvaluateRequestReader, bytes: Buffer): { key: Buffer; hash: number } | null {
    if (!reader.scan(bytes, 0, bytes.length)) return null;
    const key = Buffer.from(reader.keySource(bytes).subarray(reader.keyStart, reader.keyEnd));
    return { key, hash: reader.keyHash };
  }

  it('notes, without decoding, the key fileKey makes of the file decodeRequest reads', () => {
    const reader = new EvaluateRequestReader();
    fc.assert(
      fc.property(requestArb, (request) => {
        const bytes = Buffer.from(encodeRequest(request));
        const scanned = scannedKey(reader, bytes);
        const key = fileKey((decodeRequest(bytes) as { file: FileRequest }).file);
        expect(key).not.toBeNull();
        expect(scanned).toEqual({ key, hash: keyHash(key as Buffer) });
        expect(reader.id).toBe(request.id);
        expect(reader.atMs).toBe(request.atMs);
      }),
      { numRuns: 500 },
    );
  });

  it('gives two requests the same key exactly when decodeRequest reads the same file from them', () => {
    const reader = new EvaluateRequestReader();
    const pair = fc.oneof(
      fc.tuple(fileArb, fileArb),
      // Files that differ in one field, or in no field but the order the generated code writes.
      fileArb.chain((file) =>
        fc.constantFrom('path', 'sha256', 'certSubject', 'certThumbprint', 'processPath', 'createdBy').chain((field) =>
          fc.option(fc.string({ unit: 'binary', maxLength: 8 }), { nil: undefined }).map((text) => {
            const other: FileRequest = { ...file };
            if (text === undefined || text === '') delete (other as unknown as Record<string, unknown>)[field];
            else (other as unknown as Record<string, unknown>)[field] = text;
            if (other.path === undefined) other.path = file.path;
            return [file, other] as const;
          }),
        ),
      ),
    );
    fc.assert(
      fc.property(pair, idArb, ([a, b], id) => {
        const first = scannedKey(reader, Buffer.from(encodeRequest({ id, kind: 'evaluateFile', file: a })));
        const second = scannedKey(reader, Buffer.from(encodeRequest({ id: 1, kind: 'evaluateFile', file: b })));
        const fileA = (
          decodeRequest(Buffer.from(encodeRequest({ id, kind: 'evaluateFile', file: a }))) as { file: FileRequest }
        ).file;
        const fileB = (
          decodeRequest(Buffer.from(encodeRequest({ id: 1, kind: 'evaluateFile', file: b }))) as { file: FileRequest }
        ).file;
        expect(first !== null && second !== null).toBe(true);
        expect(first?.key.equals(second?.key as Buffer)).toBe(JSON.stringify(fileA) === JSON.stringify(fileB));
      }),
      { numRuns: 500 },
    );
  });

  it('declines a repeated file field, and what read declines, without a key', () => {
    const reader = new EvaluateRequestReader();
    const twice = Buffer.from([0x12, 0x0a, 0x0a, 0x08, 0x0a, 0x02, 0x2f, 0x61, 0x0a, 0x02, 0x2f, 0x62]);
    expect(scannedKey(reader, twice)).toBeNull();
    // No path, an empty path, and another kind of request.
    const noPath = Buffer.from(pb.Request.encode({ id: 1, evaluateFile: { file: { sha256: 'aa' } } }).finish());
    const emptyPath = Buffer.from(pb.Request.encode({ id: 1, evaluateFile: { file: { path: '' } } }).finish());
    const status = Buffer.from(encodeRequest({ id: 2, kind: 'status' }));
    for (const bytes of [noPath, emptyPath, status]) expect(reader.scan(bytes, 0, bytes.length)).toBe(false);
  });

  it('reads a FileInfo written as fileKey writes it as its key in place, and any other into its own buffer', () => {
    const reader = new EvaluateRequestReader();
    // Request { id: 7, evaluate_file { file { ... } } } around a FileInfo's bytes.
    const request = (fileInfo: number[]): Buffer =>
      Buffer.from([0x08, 0x07, 0x12, fileInfo.length + 2, 0x0a, fileInfo.length, ...fileInfo]);
    const path = [0x0a, 0x02, 0x2f, 0x61];
    const sha = [0x12, 0x02, 0x61, 0x62];
    const asKey = request([...path, ...sha]);
    const outOfOrder = request([...sha, ...path]);
    // The path's length as a varint of two bytes.
    const longLength = request([0x0a, 0x82, 0x00, 0x2f, 0x61, ...sha]);
    const expected = fileKey({ path: '/a', sha256: 'ab' }) as Buffer;
    for (const [bytes, inFrame] of [
      [asKey, true],
      [outOfOrder, false],
      [longLength, false],
    ] as const) {
      expect(scannedKey(reader, bytes)).toEqual({ key: expected, hash: keyHash(expected) });
      expect(reader.keyInFrame).toBe(inFrame);
      expect(reader.keySource(bytes)).toBe(inFrame ? bytes : reader.keyBytes);
    }
    expect([reader.keyStart, reader.keyEnd]).toEqual([0, expected.length]);
    scannedKey(reader, asKey);
    expect([reader.keyStart, reader.keyEnd]).toEqual([6, asKey.length]);
  });

  it('makes every key a buffer of its own, never a view of the shared pool that would keep a whole slab alive', () => {
    // Node cuts small allocUnsafe buffers from one 8 KiB pool: a cached key kept for as long as its entry
    // would keep its slab, and every garbage buffer cut from it between two cached files, alive.
    for (const file of [{ path: '/a' }, { path: 'C:\\é.exe', sha256: 'a'.repeat(64) }, { path: 'x'.repeat(5000) }]) {
      const key = fileKey(file) as Buffer;
      expect([key.byteOffset, key.buffer.byteLength]).toEqual([0, key.length]);
    }
  });

  it('lets go of a key buffer grown past KEY_KEEP_BYTES, and keeps a smaller one', () => {
    const reader = new EvaluateRequestReader();
    const request = (path: string): Buffer =>
      // The sha256 before the path: the key is laid out in the reader's buffer.
      Buffer.from(pb.Request.encode({ id: 1, evaluateFile: { file: { sha256: 'ab', path } } }).finish());
    const outOfOrder = (path: string): Buffer => {
      const bytes = request(path);
      const ordered = fileKey({ path, sha256: 'ab' }) as Buffer;
      // Swap the two fields of the FileInfo (its bytes end the request).
      const sha = Buffer.from([0x12, 0x02, 0x61, 0x62]);
      const at = bytes.length - ordered.length;
      return Buffer.concat([bytes.subarray(0, at), sha, ordered.subarray(0, ordered.length - sha.length)]);
    };
    const small = outOfOrder('/opt/tool');
    expect(reader.scan(small, 0, small.length)).toBe(true);
    expect(reader.keyInFrame).toBe(false);
    const kept = reader.keyBytes;
    reader.releaseKey();
    expect(reader.keyBytes).toBe(kept);
    const large = outOfOrder('a'.repeat(KEY_KEEP_BYTES + 10));
    expect(reader.scan(large, 0, large.length)).toBe(true);
    expect(reader.keyBytes.length).toBeGreaterThan(KEY_KEEP_BYTES);
    expect(reader.keySource(large).subarray(reader.keyStart, reader.keyEnd)).toEqual(
      fileKey({ path: 'a'.repeat(KEY_KEEP_BYTES + 10), sha256: 'ab' }),
    );
    reader.releaseKey();
    expect(reader.keyBytes.length).toBeLessThanOrEqual(KEY_KEEP_BYTES);
    expect([reader.keyBytes.byteOffset, reader.keyBytes.buffer.byteLength]).toEqual([0, reader.keyBytes.length]);
    // Read on as before.
    expect(reader.scan(small, 0, small.length)).toBe(true);
    expect(reader.keySource(small).subarray(reader.keyStart, reader.keyEnd)).toEqual(
      fileKey({ path: '/opt/tool', sha256: 'ab' }),
    );
  });

  it('makes no key for a file with a lone surrogate, whose UTF-8 would stand for U+FFFD', () => {
    expect(fileKey({ path: 'C:\\a\ud800.exe' })).toBeNull();
    expect(fileKey({ path: 'C:\\a.exe', createdBy: '\udc00' })).toBeNull();
    expect(fileKey({ path: 'C:\\a\ufffd.exe' })).not.toBeNull();
  });
});

const decisionArb: fc.Arbitrary<Decision> = fc
  .record({
    action: fc.constantFrom(...POLICY_ACTIONS),
    policy: fc.option(textArb(30), { nil: null }),
    policyName: fc.option(textArb(200), { nil: null }),
    order: fc.option(fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), { nil: null }),
    application: fc.option(textArb(30), { nil: null }),
    structure: fc.constantFrom('hierarchical' as const, 'flat' as const),
    builtInsFirst: fc.boolean(),
    gated: fc.array(textArb(20), { maxLength: 4 }),
    snapshotVersion: fc.option(fc.nat({ max: 0xffff_ffff }), { nil: null }),
    reason: textArb(300),
    ringfence: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })), { nil: undefined }),
  })
  .map(({ ringfence, ...rest }) => (ringfence === undefined ? rest : { ...rest, ringfence }));

describe('writeDecisionFrame', () => {
  it('writes what the generated code writes, and the generated code reads it back to the same response', () => {
    fc.assert(
      fc.property(decisionArb, idArb, fc.nat({ max: 16 }), (decision, id, offset) => {
        const out = Buffer.alloc(offset + decisionFrameBound(decision));
        const end = writeDecisionFrame(out, offset, id, decision);
        const frame = out.subarray(offset, end);
        expect(frame).toEqual(encodeFrame(encodeResponse({ id, kind: 'decision', decision })));
        expect(frame.readUInt32BE(0)).toBe(frame.length - FRAME_HEADER_BYTES);
        const decoded = decodeResponse(frame.subarray(FRAME_HEADER_BYTES));
        expect(decoded).toEqual({ id, kind: 'decision', decision: JSON.parse(JSON.stringify(decision)) as Decision });
        expect(encodeDecisionFrame(id, decision)).toEqual(frame);
      }),
      { numRuns: 500 },
    );
  });

  it('a frozen decision answered again and again is written the same each time, at any offset and id', () => {
    fc.assert(
      fc.property(
        decisionArb,
        fc.array(fc.tuple(idArb, fc.nat({ max: 16 })), { minLength: 3, maxLength: 5 }),
        (d, asks) => {
          const decision = Object.freeze(d);
          for (const [id, offset] of asks) {
            const out = Buffer.alloc(offset + decisionFrameBound(decision));
            const end = writeDecisionFrame(out, offset, id, decision);
            expect(out.subarray(offset, end)).toEqual(encodeFrame(encodeResponse({ id, kind: 'decision', decision })));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps the message of a frozen decision from its second answer, and writeBodyFrame writes the same frame from it', () => {
    fc.assert(
      fc.property(
        decisionArb,
        fc.array(fc.tuple(idArb, fc.nat({ max: 16 })), { minLength: 1, maxLength: 4 }),
        (d, asks) => {
          const decision = Object.freeze(d);
          const copy = { ...d };
          const scratch = Buffer.alloc(decisionFrameBound(decision));
          writeDecisionFrame(scratch, 0, 1, copy);
          writeDecisionFrame(scratch, 0, 1, copy);
          // Not frozen: never kept.
          expect(keptDecisionBody(copy)).toBeUndefined();
          writeDecisionFrame(scratch, 0, 1, decision);
          expect(keptDecisionBody(decision)).toBeUndefined();
          writeDecisionFrame(scratch, 0, 1, decision);
          const body = keptDecisionBody(decision);
          expect(body).toBeDefined();
          for (const [id, offset] of asks) {
            const out = Buffer.alloc(offset + bodyFrameBound(body as Uint8Array));
            const end = writeBodyFrame(out, offset, id, body as Uint8Array);
            expect(out.subarray(offset, end)).toEqual(encodeFrame(encodeResponse({ id, kind: 'decision', decision })));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps the message of a decision answered twice in a row even when many others were answered once in between', () => {
    const make = (n: number): Decision =>
      Object.freeze({
        action: 'deny',
        policy: `policy-${n}`,
        policyName: `Policy ${n}`,
        order: n,
        application: null,
        structure: 'flat',
        builtInsFirst: false,
        gated: [],
        snapshotVersion: 3,
        reason: `denied by Policy ${n}`,
      });
    const out = Buffer.alloc(4096);
    // Ten thousand decisions answered once each: none is kept.
    const once = Array.from({ length: 10_000 }, (_, n) => make(n));
    for (const decision of once) writeDecisionFrame(out, 0, 1, decision);
    expect(once.filter((decision) => keptDecisionBody(decision) !== undefined)).toEqual([]);
    // Answered a second time straight after its first: kept, and written from then on as the generated code does.
    const twice = make(20_000);
    writeDecisionFrame(out, 0, 1, twice);
    writeDecisionFrame(out, 0, 1, twice);
    expect(keptDecisionBody(twice)).toBeDefined();
    const end = writeDecisionFrame(out, 0, 9, twice);
    expect(out.subarray(0, end)).toEqual(encodeFrame(encodeResponse({ id: 9, kind: 'decision', decision: twice })));
    // Known to be answered again (a decision cache hit): kept at its first answer here.
    const repeat = make(30_000);
    const first = writeDecisionFrame(out, 0, 5, repeat, true);
    expect(out.subarray(0, first)).toEqual(encodeFrame(encodeResponse({ id: 5, kind: 'decision', decision: repeat })));
    expect(keptDecisionBody(repeat)).toBeDefined();
  });

  it('keeps a message in a buffer of its own, never a view of the shared pool that would keep a whole slab alive', () => {
    const decision: Decision = Object.freeze({
      action: 'permit',
      policy: 'slab',
      policyName: null,
      order: 4,
      application: null,
      structure: 'flat',
      builtInsFirst: false,
      gated: [],
      snapshotVersion: 3,
      reason: 'permitted by slab',
    });
    const out = Buffer.alloc(decisionFrameBound(decision));
    writeDecisionFrame(out, 0, 1, decision, true);
    const body = keptDecisionBody(decision) as Uint8Array;
    expect([body.byteOffset, body.buffer.byteLength]).toEqual([0, body.length]);
  });

  it('refuses a decision the wire cannot carry, naming the field, as encodeResponse does', () => {
    const good: Decision = {
      action: 'deny',
      policy: null,
      policyName: null,
      order: null,
      application: null,
      structure: 'flat',
      builtInsFirst: false,
      gated: [],
      snapshotVersion: null,
      reason: '',
    };
    const bad: Decision[] = [
      { ...good, order: 2 ** 31 },
      { ...good, snapshotVersion: -1 },
      { ...good, action: 'maybe' as Decision['action'] },
    ];
    for (const decision of bad) {
      const usual = (() => {
        try {
          encodeResponse({ id: 1, kind: 'decision', decision });
          return null;
        } catch (error) {
          return (error as Error).message;
        }
      })();
      expect(usual).not.toBeNull();
      expect(() => encodeDecisionFrame(1, decision)).toThrow(usual ?? '');
    }
  });
});

describe('writeImageDecisionFrame', () => {
  /** The image of a view after a trip through bytes, as a warm start opens it. */
  const storedImage = (view: ComputerView, snapshotVersion: number | null): ViewImage =>
    openViewImage(compileViewImage(view, { snapshotVersion, snapshotHash: null }).bytes.slice(), {
      snapshotHash: null,
    });

  /** Every decision number of an image: each policy's in both modes, and the implicit deny in both. */
  const decisionNumbers = (image: ViewImage): number[] => [
    -1,
    -2,
    ...Array.from({ length: 2 * image.policyCount }, (_, n) => n),
  ];

  /** Checks every decision of `image` is written as writeDecisionFrame and the generated code write decisionAt's. */
  const checkImage = (image: ViewImage, id: number, offset: number): void => {
    for (const n of decisionNumbers(image)) {
      const decision = image.decisionAt(n);
      const bound = imageDecisionFrameBound(image, n);
      const out = Buffer.alloc(offset + bound, 0xee);
      const end = writeImageDecisionFrame(out, offset, id, image, n);
      expect(end - offset).toBeLessThanOrEqual(bound);
      expect(out.subarray(offset, end)).toEqual(encodeFrame(encodeResponse({ id, kind: 'decision', decision })));
      expect(image.actionAt(n)).toBe(decision.action);
    }
  };

  it('keeps no image alive once it is replaced, whatever the next image writes', async () => {
    const write = (image: ViewImage, n: number): void => {
      const out = Buffer.alloc(imageDecisionFrameBound(image, n));
      writeImageDecisionFrame(out, 0, 1, image, n);
    };
    const view = buildView(contractWorld(), 'till-1');
    // Written in a function of its own, so that no variable of this one holds the first image.
    const first = ((): WeakRef<ViewImage> => {
      const image = storedImage(view, 1);
      for (let n = 0; n < 2 * image.policyCount; n++) write(image, n);
      return new WeakRef(image);
    })();
    // The next image writes only implicit denies, which are written from a decision, not from its bytes.
    const next = storedImage(view, 2);
    write(next, -1);
    write(next, -2);
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(first.deref()).toBeUndefined();
  });

  it('writes what the generated code writes for every decision of random worlds, in both modes', () => {
    fc.assert(
      fc.property(
        worldArb({ approvals: false }),
        idArb,
        fc.nat({ max: 16 }),
        fc.option(fc.nat({ max: 0xffff_ffff }), { nil: null }),
        (g, id, offset, version) => {
          for (const computer of g.world.computers.slice(0, 3)) {
            checkImage(storedImage(buildView(g.world, computer.id), version), id, offset);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes non-ASCII texts, ringfences, default policies and any order as the generated code does', () => {
    fc.assert(
      fc.property(
        worldArb({ approvals: false }),
        fc.array(
          fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
        ),
        (g, changes) => {
          const computer = g.world.computers[0];
          if (computer === undefined) return;
          const view = buildView(g.world, computer.id);
          const policies = view.policies.map((policy, i) => {
            const change = changes[i];
            if (change === undefined) return policy;
            const [text, order] = change;
            // As a valid world has them: a default policy names no application, and no order of the computer's
            // own flat organization is negative; ids stay distinct (no id holds U+0000).
            const isDefault = i % 5 === 2 || policy.isDefault;
            const ownFlat = view.orgStructure === 'flat' && policy.org === view.computer.org;
            return {
              ...policy,
              id: `${policy.id}\u0000${text}`,
              name: i % 3 === 0 ? null : `${text}${policy.name ?? ''}`,
              app: isDefault ? null : policy.app,
              builtIn: isDefault ? false : policy.builtIn,
              isDefault,
              order: ownFlat && order < 0 ? -(order + 1) : order,
              ...(i % 6 === 3 ? { ringfence: { hosts: [text] } } : {}),
              ...(i % 6 === 5 ? { ringfence: { network: i % 2 === 0, files: [`C:\\data\\${i}`] } } : {}),
            };
          });
          checkImage(storedImage({ ...view, policies }, 7), 9, 3);
        },
      ),
      { numRuns: 60 },
    );
  });
});
