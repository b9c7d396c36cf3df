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
  /** The number of a field written as a group (wire type 3 or 4), where the scan stopped; null when none. */
  group: number | null;
}

/**
 * Throws `field-too-long` when a counted list of `bytes` (a message of
 * `shape`) holds more items than its limit, or when the message holds more
 * than MAX_REQUEST_FIELDS fields in all, naming the list or the request.
 * `tooLong(name, count, limit)` makes the error, so that it reads as the
 * decoded request's own check would word it.
 */
export function checkRequestCounts(
  bytes: Uint8Array,
  shape: ScanShape,
  tooLong: (name: string, count: number, limit: number) => TollgateError,
  badRequest: (message: string) => TollgateError,
): void {
  const counter: Counter = { fields: 0, lists: new Map(), group: null };
  scan(bytes, 0, bytes.length, shape, undefined, counter, 0);
  // protobufjs skips a group of an unknown field and decodes the rest: the scan does not, so none is read.
  if (counter.group !== null) {
    throw badRequest(
      `request: field ${counter.group} is written as a group (a wire type no tollgate message has): the request is refused`,
    );
  }
  for (const [list, count] of counter.lists) {
    if (count > list.limit) throw tooLong(list.name, count, list.limit);
  }
  if (counter.fields > MAX_REQUEST_FIELDS) throw tooLong('request', counter.fields, MAX_REQUEST_FIELDS);
}

/** Reads a varint at `at`; returns [value, next position] or null when cut short or overlong. */
function varint(bytes: Uint8Array, at: number, end: number): [number, number] | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= end) return null;
    const byte = bytes[at++] as number;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) return [value, at];
  }
  return null;
}

/**
 * The field at `at` of a message ending at `end`: its number, its wire type
 * and where its value lies (a length-delimited value's bytes [from, to); for
 * the others `to` is where the next field starts; a group's is at `at`), or
 * null when it cannot be read (cut short, a wire type that does not exist).
 */
function readField(
  bytes: Uint8Array,
  at: number,
  end: number,
): { field: number; wire: number; from: number; to: number } | null {
  const tag = varint(bytes, at, end);
  if (tag === null) return null;
  const field = Math.floor(tag[0] / 8);
  const wire = tag[0] % 8;
  const from = tag[1];
  let to: number;
  switch (wire) {
    case WIRE_VARINT: {
      const value = varint(bytes, from, end);
      if (value === null) return null;
      to = value[1];
      break;
    }
    case WIRE_FIXED64:
      to = from + 8;
      break;
    case WIRE_FIXED32:
      to = from + 4;
      break;
    case WIRE_LENGTH_DELIMITED: {
      const length = varint(bytes, from, end);
      if (length === null) return null;
      return length[1] + length[0] > end ? null : { field, wire, from: length[1], to: length[1] + length[0] };
    }
    case WIRE_START_GROUP:
    case WIRE_END_GROUP:
      to = from;
      break;
    default:
      // Unknown wire types: the decoder refuses them.
      return null;
  }
  return to > end ? null : { field, wire, from, to };
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
    const read = readField(bytes, at, end);
    if (read === null) return false;
    counter.fields++;
    const known = shape?.fields.get(read.field);
    const counted = known?.counts ?? (known?.item === true ? items : undefined);
    if (counted !== undefined) counter.lists.set(counted, (counter.lists.get(counted) ?? 0) + 1);
    if (read.wire === WIRE_START_GROUP || read.wire === WIRE_END_GROUP) {
      counter.group = read.field;
      return false;
    }
    const inner = known?.shape;
    // Nested no deeper than the request's own messages (a few levels): anything deeper is not entered.
    if (read.wire === WIRE_LENGTH_DELIMITED && inner !== undefined && inner !== null) {
      if (known?.countInside !== false && depth < 8) {
        if (!scan(bytes, read.from, read.to, inner, known?.itemsOf, counter, depth + 1)) return false;
      }
    }
    at = read.to;
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
    if (read === null || read.wire === WIRE_START_GROUP || read.wire === WIRE_END_GROUP) return null;
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
