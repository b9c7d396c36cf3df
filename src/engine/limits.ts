/**
 * The bounds of the world model: the ranges of numbers the wire carries with a
 * fixed width, the id alphabet and length, and the length of a version part.
 * Each is checked once, here or by validateWorld, wherever data enters
 * (scenario files, the admin API, snapshots).
 */

/** A policy's `order` travels as a sint32 (proto/tollgate.proto Policy.order, Decision.order). */
export const POLICY_ORDER_MIN = -0x8000_0000;
export const POLICY_ORDER_MAX = 0x7fff_ffff;

/** An agent setting's `order` is held to the same range as a policy's, so the two sort alike. */
export const SETTING_ORDER_MIN = POLICY_ORDER_MIN;
export const SETTING_ORDER_MAX = POLICY_ORDER_MAX;

/** The largest number a uint32 wire field carries (orders of approval policies, snapshot versions). */
export const UINT32_MAX = 0xffff_ffff;

/** An approval policy's `order` travels as a uint32 (proto/tollgate.proto ApprovalPolicy.order). */
export const APPROVAL_ORDER_MIN = 0;
export const APPROVAL_ORDER_MAX = UINT32_MAX;

/**
 * The longest free texts of a world, in UTF-16 code units (what JavaScript
 * counts): far above what people write, and low enough that no one text can
 * make a view too large to send to its agents or an error too large to read.
 * A rule's path-like pattern is bounded by the longest path a request can
 * carry (the local API's `FileInfo.path`), its certificate subject and an
 * application's category by what a request's own may be.
 */
export const TEXT_LIMITS = Object.freeze({
  /** The name of an organization, group, computer, application, policy or approval policy. */
  name: 1_024,
  /** An application's or approval policy's category or subcategory. */
  category: 256,
  /** A rule's path, processPath or createdBy. */
  pathPattern: 32_767,
  /** A rule's certSubject. */
  certSubject: 4_096,
  /** An organization's approval guideline instructions. */
  instructions: 16_384,
  /** An agent setting's text value. */
  settingText: 4_096,
  /** A policy's ringfence, as JSON text. */
  ringfenceJson: 65_536,
  /** The name of a module an organization enables, and a gate's feature. */
  module: 128,
});

/** The most modules one organization may list. */
export const MAX_MODULES = 64;

/**
 * The deepest nesting of a policy's ringfence (objects and lists within
 * it, itself the first level): well within MAX_JSON_DEPTH (64) once a world
 * holds it three levels down (`{"policies": [{"ringfence": ...}]}`), so that
 * a world exported by the admin API can be imported again.
 */
export const MAX_RINGFENCE_DEPTH = 32;

/** A UTF-16 code unit of a surrogate pair without its other half (with the u flag, a whole pair is one character). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * What is wrong with a text that holds a lone UTF-16 surrogate (JSON's
 * `"\ud83d"` alone), or null when it is valid Unicode. Such a text has no
 * UTF-8 form: a snapshot carrying it would be refused by every agent.
 */
export function textProblem(text: string): string | null {
  const found = LONE_SURROGATE.exec(text);
  if (found === null) return null;
  const unit = text.charCodeAt(found.index).toString(16).toUpperCase();
  return `holds a lone UTF-16 surrogate (\\u${unit} at character ${found.index + 1}); text must be valid Unicode`;
}

/**
 * The first string or object key within a parsed JSON value (or a ringfence)
 * that is not valid Unicode (textProblem), as `PATH: problem` with `path`
 * for the value itself, `.key` and `[i]` below it; null when there is none.
 * Iterative: no value can overflow the stack here.
 */
export function invalidTextIn(value: unknown, path: string): string | null {
  // Most values have none: found first without building a path for every entry (a world body has millions).
  if (!holdsInvalidText(value)) return null;
  const stack: [unknown, string][] = [[value, path]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [item, at] = next;
    if (typeof item === 'string') {
      const problem = textProblem(item);
      if (problem !== null) return `${at}: ${problem}`;
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], `${at}[${i}]`]);
    } else if (typeof item === 'object' && item !== null) {
      const entries = Object.entries(item as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, inner] = entries[i] as [string, unknown];
        const problem = textProblem(key);
        if (problem !== null) return `${at} key ${JSON.stringify(key)}: ${problem}`;
        stack.push([inner, `${at}.${key}`]);
      }
    }
  }
  return null;
}

/** Whether a string or key within a parsed JSON value is not valid Unicode (textProblem). Iterative. */
function holdsInvalidText(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (LONE_SURROGATE.test(item)) return true;
    } else if (Array.isArray(item)) {
      for (const inner of item) if (inner !== null && inner !== undefined) stack.push(inner);
    } else if (typeof item === 'object' && item !== null) {
      for (const key in item) {
        if (!Object.hasOwn(item, key)) continue;
        if (LONE_SURROGATE.test(key)) return true;
        const inner = (item as Record<string, unknown>)[key];
        if (inner !== null && inner !== undefined) stack.push(inner);
      }
    }
  }
  return false;
}

/** The nesting depth of a parsed JSON value: 0 for a scalar, 1 for an object or list of scalars. Iterative. */
export function valueDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    const inner = depth + 1;
    if (inner > deepest) deepest = inner;
    for (const child of Array.isArray(item) ? item : Object.values(item as Record<string, unknown>)) {
      if (typeof child === 'object' && child !== null) stack.push([child, inner]);
    }
  }
  return deepest;
}

/** The longest id, in characters; an id also names its entity in admin API paths. */
export const MAX_ID_CHARS = 128;

/** The characters of an id: ASCII letters, digits and `-_.:@`, so that an id is safe in a URL path and a log line. */
export const ID_PATTERN = /^[A-Za-z0-9_.:@-]+$/;

/** The id rule in words, for messages and documentation. */
export const ID_RULE = `1 to ${MAX_ID_CHARS} characters, each an ASCII letter, a digit or one of - _ . : @`;

/** Whether a value is a valid id (the one id check of tollgate). */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_ID_CHARS && ID_PATTERN.test(value);
}

/** What is wrong with an id, as `must be ...`, or null when it is valid. */
export function idProblem(value: unknown): string | null {
  if (isValidId(value)) return null;
  if (typeof value !== 'string') return `must be an id (${ID_RULE})`;
  if (value === '') return 'must not be empty';
  if (value.length > MAX_ID_CHARS) return `is ${value.length} characters long; an id has at most ${MAX_ID_CHARS}`;
  const bad = [...value].find((ch) => !ID_PATTERN.test(ch)) ?? '';
  const shown = /^[\x21-\x7e]$/.test(bad)
    ? `"${bad}"`
    : `U+${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `has the character ${shown}; an id is ${ID_RULE}`;
}

/** The most digits a version part may have; a part is compared exactly, as a whole number of any size up to this. */
export const MAX_VERSION_PART_DIGITS = 20;

/** Whether `value` is an integer in [min, max]. */
export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** `must be an integer from MIN to MAX`. */
export function integerRangeRule(min: number, max: number): string {
  return `must be an integer from ${min} to ${max}`;
}

/**
 * The finest time tollgate keeps: a millisecond, as the wire carries times (`expires_at_ms`, `at_ms`).
 * An RFC 3339 fraction may have more digits only when they are zeros, so every time is compared exactly.
 */
export const TIME_FRACTION_MAX_DIGITS = 3;
