/**
 * Reading and writing scenario and fixture files (SPEC.md section 7). Every
 * problem of a file (syntax, shape, meaning) is collected and thrown as one
 * ValidationError whose every line starts with the file name.
 */
import YAML from 'yaml';
import type * as z from 'zod';
import { ValidationError } from '../engine/errors.js';
import { RULE_FIELDS, WORLD_LIST_KEYS, type AppliesTo, type World } from '../engine/model.js';
import { settingValueProblem } from '../engine/settings.js';
import { entryLabel, validateWorld } from '../engine/validate.js';
import { readBoundedText } from './bounded-read.js';
import { jsonErrorOffset } from './json-position.js';
import { MAX_YAML_ENTRIES, aliasDepthProblem, depthProblem, lineAndColumn } from './text-depth.js';
import { yamlDuplicateKey } from './yaml-keys.js';
import { fixtureFileSchema, scenarioSchema, type FixtureCase } from './schema.js';

/** For each list of a file, the field that names its entries in messages (none: `#INDEX`). */
type EntryKeys = Readonly<Record<string, string>>;

const SCENARIO_ENTRY_KEYS: EntryKeys = WORLD_LIST_KEYS;

const FIXTURE_ENTRY_KEYS: EntryKeys = { cases: 'name' };

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean (true or false)',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};

function member(value: unknown, key: PropertyKey): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
}

/** The most characters of a wrong string value an error message quotes. */
const MAX_QUOTED_CHARS = 80;

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    // A long one (a whole file on one line) is cut: the message names it, it does not echo it.
    if (value.length <= MAX_QUOTED_CHARS) return `the string ${JSON.stringify(value)}`;
    return `the string ${JSON.stringify(value.slice(0, MAX_QUOTED_CHARS))}... (${value.length} characters)`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${value}`;
  return `a ${typeof value}`;
}

/** `rules[0].path` from a path below a list entry. */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

/** A zod issue's complaint, worded for someone editing YAML by hand. */
function complaint(issue: z.core.$ZodIssue, field: string): string {
  const input = issue.input;
  if (issue.code === 'invalid_type') {
    if (input === undefined) return 'is required';
    if (issue.expected === 'string' && typeof input === 'number') {
      const name = field === '' ? 'value' : field;
      return `must be a string, not the number ${input}; quote it in YAML (${name}: "${input}")`;
    }
    return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}, not ${describeValue(input)}`;
  }
  if (issue.code === 'invalid_value') {
    if (input === undefined) return 'is required';
    return `must be one of ${issue.values.map(String).join(', ')}, not ${describeValue(input)}`;
  }
  return issue.message;
}

/** A zod issue of an admin world body (parsed with `scenarioSchema`) as `LIST[ID]: FIELD complaint`. */
export function scenarioIssueProblem(issue: z.core.$ZodIssue, raw: unknown): string {
  return issueProblem(issue, raw, SCENARIO_ENTRY_KEYS, 'the world');
}

/** `unknown field "rules[0].pth"`: each unknown key with its path below the entry. */
function unknownFields(below: readonly PropertyKey[], keys: readonly string[]): string {
  const names = keys.map((k) => JSON.stringify(formatPath([...below, k])));
  return `unknown field${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
}

/** `LIST[ID]: FIELD complaint`, naming the entry by its id in the raw input; `top` names the whole document. */
function issueProblem(issue: z.core.$ZodIssue, raw: unknown, entryKeys: EntryKeys, top = 'the file'): string {
  const [list, index, ...rest] = issue.path;
  if (issue.code === 'unrecognized_keys') {
    if (list === undefined) return `${top} has ${unknownFields([], issue.keys)}`;
    if (typeof index !== 'number') return `${top} has ${unknownFields(issue.path, issue.keys)}`;
  }
  const lastKey = [...issue.path].reverse().find((k) => typeof k === 'string');
  const text = complaint(issue, lastKey === undefined ? '' : String(lastKey));
  if (list === undefined) return `${top} ${text}`;
  if (typeof index !== 'number') return `${formatPath(issue.path)} ${text}`;
  const key = entryKeys[String(list)];
  const where = entryLabel(
    String(list),
    key === undefined ? undefined : member(member(member(raw, list), index), key),
    index,
  );
  if (issue.code === 'unrecognized_keys') return `${where}: ${unknownFields(rest, issue.keys)}`;
  return rest.length === 0 ? `${where}: ${text}` : `${where}: ${formatPath(rest)} ${text}`;
}

/** The data of a JSON or YAML text (by extension; YAML, a superset of JSON, otherwise), or its syntax problems. */
function parseText(text: string, fileName: string): { data: unknown } | { problems: string[] } {
  const source = text.replace(/^\uFEFF/, '');
  if (fileName.toLowerCase().endsWith('.json')) {
    const tooDeep = depthProblem(source);
    if (tooDeep !== null) return { problems: [tooDeep] };
    try {
      return { data: JSON.parse(source) as unknown };
    } catch (err) {
      const message = (err as Error).message.replace(/ in JSON at position \d+.*$/, '');
      const offset = jsonErrorOffset(source);
      return { problems: [offset === null ? message : `${lineAndColumn(source, offset)}: ${message}`] };
    }
  }
  const tooDeep = depthProblem(source, YAML);
  if (tooDeep !== null) return { problems: [tooDeep] };
  // Keys given twice are found by yamlDuplicateKey: the library's own check takes a time quadratic in a map's keys.
  // logLevel 'error': the library's warnings (a collection used as a key) would go to standard error unasked;
  // such a key is made a text key, which the schema then refuses as an unknown field.
  const doc = YAML.parseDocument(source, { prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map(
        (e) =>
          `${lineAndColumn(source, e.pos[0])}: ${
            e.code === 'MULTIPLE_DOCS'
              ? 'a second YAML document begins here (---): a scenario or fixture file is one document'
              : e.message
          }`,
      ),
    };
  }
  const duplicate = yamlDuplicateKey(doc, YAML);
  if (duplicate !== null) return { problems: [`${lineAndColumn(source, duplicate)}: Map keys must be unique`] };
  try {
    const data = doc.toJS() as unknown;
    const throughAliases = aliasDepthProblem(data);
    return throughAliases === null ? { data } : { problems: [throughAliases] };
  } catch (err) {
    return { problems: [`cannot be read: ${(err as Error).message}`] };
  }
}

/**
 * A `__proto__` key anywhere but inside a `ringfence` object (which is kept
 * as read, every key a plain key), as an unknown field. The schema cannot
 * see one: an object it copies (a record, an object that takes keys it
 * does not list) assigns each key, and assigning `__proto__` sets the
 * copy's prototype instead, so the key would vanish without a word (an
 * `expect` of nothing but it would pass any decision).
 */
function protoKeyIssues(data: unknown): z.core.$ZodIssue[] {
  // Paths are made only for a file that holds such a key: a walk that made one for every value doubled the time
  // and memory of reading a large JSON world.
  if (!holdsProtoKey(data)) return [];
  const issues: z.core.$ZodIssue[] = [];
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: data, path: [] }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path } = next;
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    const record = value as Record<string, unknown>;
    if (Object.hasOwn(record, '__proto__')) {
      issues.push({
        code: 'unrecognized_keys',
        keys: ['__proto__'],
        path,
        message: 'Unrecognized key: "__proto__"',
        input: value,
      } as z.core.$ZodIssue);
    }
    for (const key of Object.keys(record).reverse()) {
      if (key === 'ringfence' || key === '__proto__') continue;
      stack.push({ value: record[key], path: [...path, key] });
    }
  }
  return issues;
}

/** The list items and object members of `data`, every level's together (what a YAML reader counts as entries). */
function entriesOf(data: unknown): number {
  let entries = 0;
  const stack: unknown[] = [data];
  for (let value = stack.pop(); value !== undefined; value = stack.pop()) {
    if (typeof value !== 'object' || value === null) continue;
    const children = Array.isArray(value) ? (value as unknown[]) : Object.values(value);
    entries += children.length;
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push(child);
  }
  return entries;
}

/** Whether an object outside a ringfence has an own `__proto__` key (protoKeyIssues), found without paths. */
function holdsProtoKey(data: unknown): boolean {
  const stack: unknown[] = [data];
  for (let value = stack.pop(); value !== undefined; value = stack.pop()) {
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) stack.push(item);
      continue;
    }
    const record = value as Record<string, unknown>;
    if (Object.hasOwn(record, '__proto__')) return true;
    for (const key in record) {
      const child = record[key];
      if (key !== 'ringfence' && typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return false;
}

/** Parses, shape-checks and meaning-checks a file; throws every problem prefixed by the file name. */
function parseWith<T>(
  text: string,
  fileName: string,
  schema: z.ZodType<T>,
  entryKeys: EntryKeys,
  check: (value: T) => string[],
): T {
  const fail = (problems: readonly string[]): never => {
    throw new ValidationError(problems.map((p) => `${fileName}: ${p}`));
  };
  const parsed = parseText(text, fileName);
  if ('problems' in parsed) return fail(parsed.problems);
  if (parsed.data === null || parsed.data === undefined) return fail(['the file is empty']);
  // Problems of shape, all at once: `__proto__` keys (which the schema cannot see) and the schema's.
  const protoKeys = protoKeyIssues(parsed.data);
  const result = schema.safeParse(parsed.data, { reportInput: true });
  const shape = [...protoKeys, ...(result.success ? [] : result.error.issues)];
  if (shape.length > 0 || !result.success) {
    // Once each: a `__proto__` key the schema can see (an object it does not copy) is its problem too.
    return fail([...new Set(shape.map((issue) => issueProblem(issue, parsed.data, entryKeys)))]);
  }
  const problems = check(result.data);
  return problems.length > 0 ? fail(problems) : result.data;
}

/**
 * The largest scenario or fixture file read as JSON: its text and what it
 * parses into (about 7 times the file's size in memory) stay well within
 * Node.js's default heap.
 */
export const MAX_JSON_FILE_BYTES = 256 * 1024 * 1024;
/**
 * The largest read as YAML: the YAML library's document model takes about
 * 70 bytes of memory for each byte of the file (a 48 MB scenario of 100,000
 * policies took 3.3 GB and 49 s, against 470 MB and 5 s as JSON), and
 * Node.js stops a process whose heap passes its limit (about 4 GB).
 */
export const MAX_YAML_FILE_BYTES = 16 * 1024 * 1024;

async function readText(path: string): Promise<string> {
  const json = path.toLowerCase().endsWith('.json');
  const max = json ? MAX_JSON_FILE_BYTES : MAX_YAML_FILE_BYTES;
  const tooLarge = json
    ? `is larger than a JSON scenario or fixture file may be (${max} bytes)`
    : `is larger than a YAML scenario or fixture file may be (${max} bytes); ` +
      `write a larger one as JSON (a .json file, up to ${MAX_JSON_FILE_BYTES} bytes)`;
  try {
    return await readBoundedText(path, max, tooLarge);
  } catch (err) {
    throw new ValidationError([`${path}: ${(err as Error).message}`], { cause: err });
  }
}

/** A valid world from scenario text; `fileName` picks the format and prefixes every problem. */
export function parseScenario(text: string, fileName: string): World {
  return parseWith(text, fileName, scenarioSchema, SCENARIO_ENTRY_KEYS, validateWorld);
}

/** Reads and validates a scenario file; problems name the path as given. */
export async function loadScenario(path: string): Promise<World> {
  return parseScenario(await readText(path), path);
}

/** Fixture cases from text, shape-checked; references to the world are checked by validateFixtures. */
export function parseFixtures(text: string, fileName: string): FixtureCase[] {
  return parseWith(text, fileName, fixtureFileSchema, FIXTURE_ENTRY_KEYS, () => []).cases;
}

/** Reads and shape-checks a fixture file. */
export async function loadFixtures(path: string): Promise<FixtureCase[]> {
  return parseFixtures(await readText(path), path);
}

/** Problems of fixture cases against a world: unknown computers, applications and settings. */
export function validateFixtures(cases: readonly FixtureCase[], world: World): string[] {
  const computers = new Set(world.computers.map((c) => c.id));
  const apps = new Set(world.applications.map((a) => a.id));
  const problems: string[] = [];
  cases.forEach((c, i) => {
    const at = entryLabel('cases', c.name, i);
    if (!computers.has(c.computer)) {
      problems.push(`${at}: computer ${JSON.stringify(c.computer)} is not a known computer`);
    }
    if (c.approval !== undefined && 'app' in c.approval && !apps.has(c.approval.app)) {
      problems.push(`${at}: approval.app ${JSON.stringify(c.approval.app)} is not a known application`);
    }
    for (const [name, value] of Object.entries(c.settings ?? {})) {
      const problem = settingValueProblem(name, value);
      if (problem !== null) problems.push(`${at}: settings.${name} is invalid: ${problem}`);
    }
  });
  return problems;
}

/** A copy with `keys` first, in that order, then any others; undefined fields are dropped. */
function ordered(value: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  for (const [key, v] of Object.entries(value)) if (!(key in out) && v !== undefined) out[key] = v;
  return out;
}

function appliesToOut(appliesTo: AppliesTo): Record<string, unknown> {
  return 'globalGroup' in appliesTo
    ? { globalGroup: ordered(appliesTo.globalGroup, ['org', 'keyword']) }
    : { ...appliesTo };
}

/** The scenario as plain data in file order: id first, fields as in SPEC.md, empty optional lists left out. */
function scenarioData(world: World): Record<string, unknown> {
  const data: Record<string, unknown> = {
    organizations: world.organizations.map((o) => ordered(o, ['id', 'name', 'parent', 'structure', 'modules'])),
    groups: world.groups.map((g) => ordered(g, ['id', 'org', 'name', 'os', 'agentVersion'])),
    computers: world.computers.map((c) => ordered(c, ['id', 'group', 'name', 'agentVersion'])),
    applications: world.applications.map((a) =>
      ordered({ ...a, rules: a.rules.map((r) => ordered(r, RULE_FIELDS)) }, [
        'id',
        'name',
        'builtIn',
        'org',
        'category',
        'subcategory',
        'primaryCompanyInfluence',
        'developmentInfluence',
        'rules',
      ]),
    ),
    policies: world.policies.map((p) =>
      ordered({ ...p, appliesTo: appliesToOut(p.appliesTo) }, [
        'id',
        'name',
        'default',
        'app',
        'appliesTo',
        'action',
        'order',
        'enabled',
        'expiresAt',
        'ringfence',
      ]),
    ),
  };
  if (world.agentSettings.length > 0) {
    data.agentSettings = world.agentSettings.map((s) =>
      ordered({ ...s, appliesTo: appliesToOut(s.appliesTo) }, ['id', 'type', 'value', 'appliesTo', 'order']),
    );
  }
  if (world.gates !== undefined) data.gates = world.gates.map((g) => ordered(g, ['feature', 'os', 'minVersion']));
  if (world.approvalPolicies.length > 0) {
    data.approvalPolicies = world.approvalPolicies.map((p) =>
      ordered({ ...p, countries: ordered(p.countries, ['mode', 'list']) }, [
        'id',
        'org',
        'order',
        'active',
        'action',
        'category',
        'subcategory',
        'appliesTo',
        'countries',
      ]),
    );
  }
  if (world.approvalSettings.length > 0) {
    data.approvalSettings = world.approvalSettings.map((s) =>
      ordered(
        {
          ...s,
          guidelines: s.guidelines && ordered(s.guidelines, ['useParent', 'permitTarget', 'instructions']),
          escalation: s.escalation && ordered(s.escalation, ['useParent', 'emails']),
        },
        ['org', 'guidelines', 'escalation'],
      ),
    );
  }
  return data;
}

/** List entries and their parts are written in flow style (`{id: a, ...}`) when this short. */
const FLOW_MAX_CHARS = 100;

/** A scenario text that parseScenario loads back to an equal world. */
export function serializeScenario(world: World, format: 'yaml' | 'json'): string {
  const data = scenarioData(world);
  const json = `${JSON.stringify(data, null, 2)}\n`;
  if (format === 'json') return json;
  // Never a YAML text tollgate would refuse to read again. YAML takes about two thirds of the JSON's bytes: one
  // far past the bound as JSON is refused before the (slow) YAML is made.
  const tooLarge = (what: string): ValidationError =>
    new ValidationError([
      `the scenario is ${what}, more than a YAML scenario file may be (${MAX_YAML_FILE_BYTES} bytes); ` +
        'write it as JSON (a .json file)',
    ]);
  if (json.length > 2 * MAX_YAML_FILE_BYTES) throw tooLarge(`${json.length} characters as JSON`);
  // Short entries (`{id: pc-1, group: g}`) can pass the entries a YAML file is read with well within its bytes.
  const entries = entriesOf(data);
  if (entries > MAX_YAML_ENTRIES) {
    throw new ValidationError([
      `the scenario holds ${entries} list items and map pairs, more than a YAML scenario file is read with ` +
        `(${MAX_YAML_ENTRIES}); write it as JSON (a .json file)`,
    ]);
  }
  const doc = new YAML.Document(data);
  YAML.visit(doc, {
    Collection(_key, node, path) {
      const depth = path.filter((ancestor) => YAML.isCollection(ancestor)).length;
      if (depth >= 2 && JSON.stringify(node.toJSON()).length <= FLOW_MAX_CHARS) node.flow = true;
    },
  });
  const yaml = doc.toString({ singleQuote: true, lineWidth: 0, flowCollectionPadding: false });
  const bytes = Buffer.byteLength(yaml, 'utf8');
  if (bytes > MAX_YAML_FILE_BYTES) throw tooLarge(`${bytes} bytes as YAML`);
  return yaml;
}
