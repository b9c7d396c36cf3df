// The wire enums the codecs use without loading the generated code are the
// generated code's own numbers, and the lazily loaded code is the generated code.
import { describe, expect, it } from 'vitest';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { WIRE, pb, protobuf } from '../../src/wire/proto.js';

describe('the lazily loaded protobuf code', () => {
  it('numbers every enum as the generated code does', () => {
    for (const [name, values] of Object.entries(WIRE)) {
      const generated = (tollgate.v1 as unknown as Record<string, Record<string, number>>)[name];
      expect(generated, name).toBeDefined();
      const numbered = Object.fromEntries(Object.entries(generated as object).filter(([k]) => Number.isNaN(Number(k))));
      expect(values, name).toEqual(numbered);
    }
  });

  it('loads the generated messages and protobufjs on first use', () => {
    const messages = pb();
    expect(pb()).toBe(messages);
    const bytes = messages.Request.encode({ id: 7, status: {} }).finish();
    expect(tollgate.v1.Request.decode(bytes).id).toBe(7);
    const writer = protobuf().Writer.create();
    writer.uint32(8).int32(3);
    expect(Array.from(writer.finish())).toEqual([8, 3]);
  });
});
