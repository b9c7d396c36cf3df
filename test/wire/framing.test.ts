import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, FrameDecoder, encodeFrame } from '../../src/wire/framing.js';
import { SHARED_FRAME_FROM_BYTES } from '../../src/wire/parallel-sha256.js';

function payload(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Payloads as hex text: quick to compare by the thousand. */
function hex(buffers: readonly Buffer[]): string[] {
  return buffers.map((b) => b.toString('hex'));
}

function header(length: number): Buffer {
  const out = Buffer.alloc(FRAME_HEADER_BYTES);
  out.writeUInt32BE(length, 0);
  return out;
}

describe('encodeFrame', () => {
  it('is a 4-byte big-endian length and the payload (SPEC.md section 9)', () => {
    expect(FRAME_HEADER_BYTES).toBe(4);
    expect(DEFAULT_MAX_FRAME_BYTES).toBe(1024 * 1024);
    const frame = encodeFrame(Uint8Array.from([9, 8, 7]));
    expect([...frame]).toEqual([0, 0, 0, 3, 9, 8, 7]);
    expect([...encodeFrame(payload(0x0102, 0)).subarray(0, 4)]).toEqual([0, 0, 1, 2]);
  });

  it('encodes an empty payload as a bare header', () => {
    expect([...encodeFrame(new Uint8Array(0))]).toEqual([0, 0, 0, 0]);
  });
});

describe('FrameDecoder', () => {
  const payloads = [payload(10, 1), payload(0, 2), payload(1000, 3), payload(1, 4), payload(0, 5)];
  const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));

  it('reassembles frames split byte by byte', () => {
    const decoder = new FrameDecoder(DEFAULT_MAX_FRAME_BYTES);
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...decoder.push(stream.subarray(i, i + 1)));
    expect(out).toEqual(payloads);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('reassembles frames split at every possible point', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder(DEFAULT_MAX_FRAME_BYTES);
      const out = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      expect(hex(out)).toEqual(hex(payloads));
    }
  });

  it('returns many frames from one chunk, as views of it', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => payload(i % 50, i));
    const chunk = Buffer.concat(many.map((p) => encodeFrame(p)));
    const decoder = new FrameDecoder(DEFAULT_MAX_FRAME_BYTES);
    const out = decoder.push(chunk);
    expect(hex(out)).toEqual(hex(many));
    expect(out[1]!.buffer).toBe(chunk.buffer);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('accepts a zero-length frame on its own', () => {
    const decoder = new FrameDecoder(0);
    expect(decoder.push(header(0))).toEqual([Buffer.alloc(0)]);
  });

  it('counts a partial header and a partial payload as buffered', () => {
    const decoder = new FrameDecoder(100);
    expect(decoder.push(header(10).subarray(0, 3))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(3);
    expect(decoder.push(Buffer.concat([header(10).subarray(3), payload(4, 0)]))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(4);
    expect(decoder.push(payload(10, 0).subarray(4))).toEqual([payload(10, 0)]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('accepts a frame of exactly the limit', () => {
    const decoder = new FrameDecoder(4096);
    const big = payload(4096, 9);
    expect(decoder.push(encodeFrame(big))).toEqual([big]);
  });

  it('refuses a header above the limit before any payload arrives, and stays failed', () => {
    const decoder = new FrameDecoder(4096);
    let thrown: unknown;
    try {
      decoder.push(header(4097));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TollgateError);
    expect((thrown as TollgateError).code).toBe('frame-too-large');
    expect((thrown as TollgateError).message).toMatch(/4097.*4096/);
    expect(decoder.bufferedBytes).toBe(0);
    expect(() => decoder.push(encodeFrame(payload(1, 0)))).toThrow(TollgateError);
  });

  it('returns the frames before an oversized one in the same chunk, and refuses at the next push', () => {
    const decoder = new FrameDecoder(16);
    expect(decoder.failed).toBeNull();
    expect(hex(decoder.push(Buffer.concat([encodeFrame(payload(3, 0)), header(0xffff_ffff)])))).toEqual(
      hex([payload(3, 0)]),
    );
    expect(decoder.failed?.message).toMatch(/frame of 4294967295 bytes/);
    expect(() => decoder.push(encodeFrame(payload(1, 0)))).toThrow(/frame of 4294967295 bytes/);
  });

  it('reassembles a 1 MiB frame from 7-byte chunks', () => {
    const big = payload(DEFAULT_MAX_FRAME_BYTES, 3);
    const frame = encodeFrame(big);
    const decoder = new FrameDecoder(DEFAULT_MAX_FRAME_BYTES);
    const out: Buffer[] = [];
    for (let i = 0; i < frame.length; i += 7) out.push(...decoder.push(frame.subarray(i, i + 7)));
    expect(out).toHaveLength(1);
    expect(out[0]!.equals(big)).toBe(true);
  });

  it('receives a frame of SHARED_FRAME_FROM_BYTES or more into shared memory, a smaller one not', () => {
    for (const size of [SHARED_FRAME_FROM_BYTES - 1, SHARED_FRAME_FROM_BYTES]) {
      const big = payload(size, 5);
      const frame = encodeFrame(big);
      const decoder = new FrameDecoder(SHARED_FRAME_FROM_BYTES);
      const out: Buffer[] = [];
      for (let i = 0; i < frame.length; i += 65_536) out.push(...decoder.push(frame.subarray(i, i + 65_536)));
      expect(out).toHaveLength(1);
      expect(out[0]!.equals(big)).toBe(true);
      expect(out[0]!.buffer instanceof SharedArrayBuffer).toBe(size >= SHARED_FRAME_FROM_BYTES);
    }
  });

  it('reassembles any mix of small and large frames however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat({ max: 300 }), fc.integer({ min: 60_000, max: 200_000 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.array(fc.integer({ min: 1, max: 150_000 }), { minLength: 1, maxLength: 20 }),
        (sizes, cuts) => {
          const frames = sizes.map((n, i) => payload(n, i));
          const stream = Buffer.concat(frames.map((f) => encodeFrame(f)));
          const decoder = new FrameDecoder(DEFAULT_MAX_FRAME_BYTES);
          const out: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const next = Math.min(stream.length, at + (cuts[i % cuts.length] as number));
            out.push(...decoder.push(stream.subarray(at, next)));
            // Everything received is returned or buffered, but the header of a payload on its way.
            const returned = out.reduce((sum, f) => sum + FRAME_HEADER_BYTES + f.length, 0);
            expect(next - (returned + decoder.bufferedBytes)).toBeOneOf([0, FRAME_HEADER_BYTES]);
            at = next;
          }
          expect(hex(out)).toEqual(hex(frames));
          expect(decoder.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('pushEach hands over the same payloads as push, as ranges, however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat({ max: 300 }), fc.integer({ min: 60_000, max: 150_000 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 20 }),
        (sizes, cuts) => {
          const frames = sizes.map((n, i) => payload(n, i));
          const stream = Buffer.concat(frames.map((f) => encodeFrame(f)));
          const decoder = new FrameDecoder(DEFAULT_MAX_FRAME_BYTES);
          const out: Buffer[] = [];
          for (let at = 0, i = 0; at < stream.length; i++) {
            const next = Math.min(stream.length, at + (cuts[i % cuts.length] as number));
            decoder.pushEach(stream.subarray(at, next), (buffer, start, end) => {
              out.push(Buffer.from(buffer.subarray(start, end)));
              return true;
            });
            at = next;
          }
          expect(hex(out)).toEqual(hex(frames));
          expect(decoder.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('pushEach reads a payload whose header came alone in the chunk before', () => {
    const first = Buffer.from([0x00, 0x00, 0x00, 0x01, 0x41, 0x42, 0x43]);
    const second = payload(5, 9);
    const decoder = new FrameDecoder(100);
    const out: string[] = [];
    const collect = (buffer: Buffer, start: number, end: number): boolean => {
      out.push(buffer.subarray(start, end).toString('hex'));
      return true;
    };
    decoder.pushEach(header(first.length), collect);
    decoder.pushEach(Buffer.concat([first, encodeFrame(second)]), collect);
    expect(out).toEqual([first.toString('hex'), second.toString('hex')]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('pushEach stops when told to, and refuses an oversized frame after the good ones before it', () => {
    const three = Buffer.concat([encodeFrame(payload(3, 1)), encodeFrame(payload(4, 2)), encodeFrame(payload(5, 3))]);
    const seen: number[] = [];
    new FrameDecoder(100).pushEach(three, (_buffer, start, end) => {
      seen.push(end - start);
      return seen.length < 2;
    });
    expect(seen).toEqual([3, 4]);

    const decoder = new FrameDecoder(16);
    const lengths: number[] = [];
    expect(() =>
      decoder.pushEach(Buffer.concat([encodeFrame(payload(8, 1)), header(17), payload(17, 2)]), (_b, start, end) => {
        lengths.push(end - start);
        return true;
      }),
    ).toThrow(expect.objectContaining({ code: 'frame-too-large' }));
    expect(lengths).toEqual([8]);
    expect(() => decoder.pushEach(encodeFrame(payload(1, 1)), () => true)).toThrow(TollgateError);
  });

  it('pushEach delivers a frame completed from before, and those after it, before refusing an oversized one', () => {
    const decoder = new FrameDecoder(16);
    const first = encodeFrame(payload(9, 1));
    const lengths: number[] = [];
    const take = (_b: Buffer, start: number, end: number): boolean => {
      lengths.push(end - start);
      return true;
    };
    decoder.pushEach(first.subarray(0, 5), take);
    expect(lengths).toEqual([]);
    const rest = Buffer.concat([first.subarray(5), encodeFrame(payload(2, 2)), encodeFrame(payload(3, 3)), header(99)]);
    expect(() => decoder.pushEach(rest, take)).toThrow(expect.objectContaining({ code: 'frame-too-large' }));
    expect(lengths).toEqual([9, 2, 3]);
  });

  it('refuses a limit that no header can express', () => {
    expect(() => new FrameDecoder(-1)).toThrow(TollgateError);
    expect(() => new FrameDecoder(2 ** 32)).toThrow(TollgateError);
  });
});
