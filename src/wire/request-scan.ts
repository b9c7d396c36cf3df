/**
 * A count of a local Request's fields over its bytes, before protobufjs
 * decodes it into objects: a frame of 1 MiB can hold half a million entries
 * of a repeated field (a what-if setting is 2 bytes), and decoding them all
 * before the limits of REQUEST_FIELD_LIMITS are applied cost the daemon's
 * one thread up to a second per request. Nothing is allocated; what cannot
 * be read is left to the decoder, which reports it.
 */
import type { TollgateError } from '../engine/errors.js';

/** Fields of one request, at every depth (unknown ones too), at most: far above what any valid request holds. */
export const MAX_REQUEST_FIELDS = 4_096;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_FIXED32 = 5;

/** A repeated field counted by the scan: where it is named in errors, and its limit. */
export interface CountedList {
  name: string;
  limit: number;
}

/**
 * A message's fields the scan knows, by field number: the message a field
 * holds (entered), `counts` when each occurrence is an item of a list,
 * `itemsOf` when the message it holds is a list whose `item` fields are
 * that list's items (a StringList).
 */
export interface ScanShape {
  fields: ReadonlyMap<number, ScanField>;
  /**
   * Set for a message without fields (StatusRequest): where a group in it is
   * named when it is refused. The generated decoder of such a message cannot
   * skip a group (it compares the end-group key with the start's whole key
   * rather than its field number), so a group there is refused, not skipped.
   */
  refusesGroups?: string;
}

/** One field of a ScanShape. */
export interface ScanField {
  shape: ScanShape | null;
  counts?: CountedList;
  itemsOf?: CountedList;
  item?: boolean;
  /** The field's name in the paths findInvalidText reports (`evaluateFile`); a field without one is not entered. */
  name?: string;
  /** A repeated field: each occurrence is named with its index (`settings.0`). */
  repeated?: boolean;
  /** A string field: its bytes must be UTF-8. */
  text?: boolean;
  /** false: the count does not enter the message (only findInvalidText does), as before texts were named. */
  countInside?: boolean;
}

interface Counter {
  fields: number;
  lists: Map<CountedList, number>;
  /** A group where one is refused (ScanShape.refusesGroups), where the scan stopped; null when none. */
  refusedGroup: { at: string; field: number } | null;
}

/**
 * Throws `field-too-long` when a counted list of `bytes` (a message of
 * `shape`) holds more items than its limit, or when the message holds more
 * than MAX_REQUEST_FIELDS fields in all (those inside groups too), naming the
 * list or the request; `badRequest(message)` for a group in a message without
 * fields (ScanShape.refusesGroups). An item is an occurrence of the list's
 * field with the wire type the decoder reads it with (a message or a string:
 * LEN); the decoder skips one of another wire type as unknown, and so it is
 * not counted. `tooLong(name, count, limit)` makes the error, so that it
 * reads as the decoded request's own check would word it.
 */
export function checkRequestCounts(
  bytes: Uint8Array,
  shape: ScanShape,
  tooLong: (name: string, count: number, limit: number) => TollgateError,
  badRequest: (message: string) => TollgateError,
): void {
  const counter: Counter = { fields: 0, lists: new Map(), refusedGroup: null };
  scan(bytes, 0, bytes.length, shape, undefined, counter, 0);
  const group = counter.refusedGroup;
  if (group !== null) {
    throw badRequest(`${group.at}: holds a group (field ${group.field}), which a message without fields cannot skip`);
  }
  for (const [list, count] of counter.lists) {
    if (count > list.limit) throw tooLong(list.name, count, list.limit);
  }
  if (counter.fields > MAX_REQUEST_FIELDS) throw tooLong('request', counter.fields, MAX_REQUEST_FIELDS);
}

/** How deep groups may nest, as protobufjs bounds it (Reader.recursionLimit): the scan goes no deeper. */
const MAX_GROUP_DEPTH = 100;

/**
 * Reads a varint of at most 5 bytes whose last byte is at most `lastMax`, as
 * protobufjs reads a field's key (15: below 2^32) or a length (7: below
 * 2^31); returns [value, next position], or null when it cannot be read.
 */
function shortVarint(bytes: Uint8Array, at: number, end: number, lastMax: number): [number, number] | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    if (at >= end) return null;
    const byte = bytes[at++] as number;
    if (i === 4) return byte > lastMax ? null : [value + byte * scale, at];
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) return [value, at];
  }
  return null;
}

/** A field read by readField: its number, wire type, where its value lies, and the fields inside it (a group's). */
export interface WireField {
  field: number;
  wire: number;
  /** A length-delimited value's bytes are [from, to); for the others `from` is after the key. */
  from: number;
  /** Where the next field starts. */
  to: number;
  /** The fields a group holds, at every depth (0 for the other wire types). */
  inner: number;
}

/**
 * The field at `at` of a message ending at `end`, read as the generated
 * decoders read (or skip) it: a key of at most 5 bytes, a varint of any
 * length (as an unknown one is skipped), a length of at most 5 bytes, a
 * group up to the end-group key of its own field (groups nested up to
 * MAX_GROUP_DEPTH). Null when it cannot be read: cut short, a wire type that
 * does not exist, an end-group key with no group open, a group ended by
 * another field's key, field number 0; the decoder refuses those too.
 */
export function readField(bytes: Uint8Array, at: number, end: number, depth = 0): WireField | null {
  const tag = shortVarint(bytes, at, end, 15);
  if (tag === null) return null;
  const field = Math.floor(tag[0] / 8);
  const wire = tag[0] % 8;
  const from = tag[1];
  if (field === 0) return null;
  let to = from;
  let inner = 0;
  switch (wire) {
    case WIRE_VARINT:
      do {
        if (to >= end) return null;
      } while ((bytes[to++] as number) >= 0x80);
      break;
    case WIRE_FIXED64:
      to = from + 8;
      break;
    case WIRE_FIXED32:
      to = from + 4;
      break;
    case WIRE_LENGTH_DELIMITED: {
      const length = shortVarint(bytes, from, end, 7);
      if (length === null) return null;
      return length[1] + length[0] > end ? null : { field, wire, from: length[1], to: length[1] + length[0], inner };
    }
    case WIRE_START_GROUP:
      if (depth > MAX_GROUP_DEPTH) return null;
      for (;;) {
        const next = readField(bytes, to, end, depth + 1);
        if (next === null) {
          // The end of this group (its own field's end key), or bytes the decoder refuses.
          const close = shortVarint(bytes, to, end, 15);
          if (close === null || close[0] !== field * 8 + WIRE_END_GROUP) return null;
          to = close[1];
          break;
        }
        inner += 1 + next.inner;
        to = next.to;
      }
      break;
    default:
      // An end-group key with no group open; wire types 6 and 7, which do not exist.
      return null;
  }
  return to > end ? null : { field, wire, from, to, inner };
}

/** Scans one message; false when its bytes cannot be read (the decoder says why). */
function scan(
  bytes: Uint8Array,
  from: number,
  end: number,
  shape: ScanShape | null,
  items: CountedList | undefined,
  counter: Counter,
  depth: number,
): boolean {
  for (let at = from; at < end;) {
    if (shape?.refusesGroups !== undefined) {
      const tag = shortVarint(bytes, at, end, 15);
      const wire = tag === null ? null : tag[0] % 8;
      if (tag !== null && (wire === WIRE_START_GROUP || wire === WIRE_END_GROUP)) {
        counter.refusedGroup = { at: shape.refusesGroups, field: Math.floor(tag[0] / 8) };
        return false;
      }
    }
    const read = readField(bytes, at, end);
    if (read === null) return false;
    counter.fields += 1 + read.inner;
    at = read.to;
    // A known field of another wire type is skipped by the decoder as unknown: neither an item nor entered.
    if (read.wire !== WIRE_LENGTH_DELIMITED) continue;
    const known = shape?.fields.get(read.field);
    const counted = known?.counts ?? (known?.item === true ? items : undefined);
    if (counted !== undefined) counter.lists.set(counted, (counter.lists.get(counted) ?? 0) + 1);
    const inner = known?.shape;
    // Nested no deeper than the request's own messages (a few levels): anything deeper is not entered.
    if (inner !== undefined && inner !== null && known?.countInside !== false && depth < 8) {
      if (!scan(bytes, read.from, read.to, inner, known?.itemsOf, counter, depth + 1)) return false;
    }
  }
  return true;
}

/** Invalid UTF-8 is refused, as the generated code's string reader does. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The path of the first text field of `bytes` (a message of `shape`) that is
 * not valid UTF-8, named from the shape's field names and `prefix`
 * (`request.evaluateFile.file.path`); null when every named text field is
 * UTF-8 or the bytes cannot be read that far. Run only after the decoder
 * refused the message, so that its error names the field.
 */
export function findInvalidText(bytes: Uint8Array, shape: ScanShape, prefix: string): string | null {
  return invalidText(bytes, 0, bytes.length, shape, prefix, 0);
}

function invalidText(
  bytes: Uint8Array,
  from: number,
  end: number,
  shape: ScanShape,
  path: string,
  depth: number,
): string | null {
  const seen = new Map<number, number>();
  for (let at = from; at < end;) {
    const read = readField(bytes, at, end);
    if (read === null) return null;
    at = read.to;
    const field = shape.fields.get(read.field);
    if (read.wire !== WIRE_LENGTH_DELIMITED || field?.name === undefined) continue;
    const index = seen.get(read.field) ?? 0;
    seen.set(read.field, index + 1);
    const name = `${path}.${field.name}${field.repeated === true ? `.${index}` : ''}`;
    if (field.text === true) {
      try {
        strictUtf8.decode(bytes.subarray(read.from, read.to));
      } catch {
        return name;
      }
    } else if (field.shape !== null && depth < 8) {
      const inner = invalidText(bytes, read.from, read.to, field.shape, name, depth + 1);
      if (inner !== null) return inner;
    }
  }
  return null;
}
