/**
 * Loading the daemon's configuration on its start path without zod.
 *
 * The schema in config.ts (zod) is what defines a valid configuration and
 * words every problem. Loading zod costs a warm start some 50 to 70 ms of
 * CPU before the first answer (every entry of the package loads all its
 * locales), so `loadDaemonConfig` first tries `quickDaemonConfig`: a plain
 * check of the same rules that returns the same value zod would, or null
 * as soon as anything is not plainly valid (a wrong type, an unknown key,
 * a value out of range, anything it does not know). Then, and only then,
 * the schema is loaded and judges the file: every problem is reported by
 * zod, with the same messages as before. test/agent/config-quick.test.ts
 * checks that whatever the quick check accepts, zod accepts with the same
 * result, and that it accepts the configurations zod accepts.
 */
import type { KeyObject } from 'node:crypto';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ValidationError } from '../engine/errors.js';
import { idProblem } from '../engine/limits.js';
import { OS_NAMES } from '../engine/model.js';
import { isValidVersion } from '../engine/version.js';
import { readBoundedText } from '../scenario/bounded-read.js';
import { MAX_TIMER_MS, parseConfigValue, readConfigText } from '../scenario/config-text.js';
import { DEFAULT_OUTBOX_LIMITS } from '../store/outbox-limits.js';
import { serverUrlProblem } from '../wire/server-url.js';
import { MAX_PINNED_KEYS, PinnedKeys, parsePublicKey } from '../wire/signing.js';
import type { ParsedDaemonConfig } from './config.js';
import { nodeCron } from './cron.js';
import { MAX_DECISION_LOG_ENTRIES } from './decision-log-limits.js';

/** The longest path a Unix socket can be bound to on Linux (sun_path is 108 bytes, its NUL included). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Largest request frame the local socket accepts by default. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/**
 * The admin socket's default limit: 256 MiB, so that a snapshot as large as
 * the daemon takes from its server (`server.maxMessageBytes`) can be applied
 * offline with `tollgate snapshot apply` (a 1,000,000-policy snapshot is
 * about 246 MB). Only the daemon's user or group can connect to that socket.
 */
export const DEFAULT_ADMIN_MAX_FRAME_BYTES = 256 * 1024 * 1024;

/** Server URLs one daemon may fail over between, at most. */
export const MAX_SERVER_URLS = 16;

/** The default address of the metrics listener when it is turned on without one. */
export const DEFAULT_METRICS_LISTEN = '127.0.0.1:9464';

/** The validated configuration, its paths resolved (the admin socket's path is always set). */
export type DaemonConfig = Readonly<
  Omit<ParsedDaemonConfig, 'adminSocket'> & { adminSocket: ParsedDaemonConfig['adminSocket'] & { path: string } }
>;

/**
 * A loopback listen address, `HOST:PORT` with an IPv4 address in
 * 127.0.0.0/8 or `[::1]`, port 0 (any free one) to 65535; anything else is
 * refused, so the unauthenticated listener is never reachable from the
 * network.
 */
export function parseLoopbackAddress(text: string): { host: string; port: number } | string {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (match === null) return 'must be HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464';
  const host = (match[1] ?? match[2]) as string;
  const port = Number(match[3]);
  if (port > 65535) return `port ${port} is above 65535`;
  const ipv4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  const loopback =
    host === '::1' ? match[1] !== undefined : ipv4 !== null && ipv4.slice(1).every((n) => Number(n) <= 255);
  if (!loopback) return `${host} is not a loopback address (127.0.0.0/8 or [::1]): the listener has no authentication`;
  return { host, port };
}

/** The agent cache (SQLite) of a configuration: `agent.db` in its data directory. */
export function cacheFile(config: Pick<DaemonConfig, 'dataDir'>): string {
  return join(config.dataDir, 'agent.db');
}

/** The admin socket's path when none is configured: `.admin` before the client socket's extension. */
export function defaultAdminSocketPath(socketPath: string): string {
  const base = basename(socketPath);
  const dot = base.lastIndexOf('.');
  const name = dot > 0 ? `${base.slice(0, dot)}.admin${base.slice(dot)}` : `${base}.admin`;
  return join(dirname(socketPath), name);
}

// ---- The quick check. Each reader returns the value zod's schema would, or throws NOT_QUICK.

const NOT_QUICK = new Error('not plainly valid: the schema judges it');

function no(): never {
  throw NOT_QUICK;
}

type Fields = Record<string, unknown>;

/** A plain object (JSON or YAML mapping) whose keys are all among `keys`, none of them undefined. */
function object(value: unknown, keys: readonly string[]): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) no();
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) no();
  const fields = value as Fields;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key) || !keys.includes(key) || fields[key] === undefined) no();
  }
  return fields;
}

function has(fields: Fields, key: string): boolean {
  return Object.hasOwn(fields, key);
}

function string(value: unknown, min = 0): string {
  if (typeof value !== 'string' || value.length < min) no();
  return value;
}

/** z.number().int(): a safe integer. */
function int(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) no();
  return value;
}

function nonNegative(value: unknown): number {
  const n = int(value);
  if (!(n >= 0)) no();
  return n;
}

function positive(value: unknown): number {
  const n = int(value);
  if (!(n > 0)) no();
  return n;
}

function timer(value: unknown): number {
  const n = positive(value);
  if (n > MAX_TIMER_MS) no();
  return n;
}

function oneOf<T extends string>(value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) no();
  return value as T;
}

function mode(value: unknown): number {
  let n: number;
  if (typeof value === 'string') {
    if (!/^0?[0-7]{3}$/.test(value)) no();
    n = parseInt(value, 8);
  } else {
    n = int(value);
  }
  if (!(n >= 0 && n <= 0o777)) no();
  return n;
}

function group(value: unknown): number | string {
  if (typeof value === 'number') return nonNegative(value);
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/.test(value)) no();
  return value;
}

function cron(value: unknown): string {
  const text = string(value);
  if (!nodeCron().validate(text)) no();
  return text;
}

function serverUrl(value: unknown): string {
  const text = string(value);
  if (serverUrlProblem(text) !== null) no();
  return text;
}

/** Reads `key` of `fields` with `read` into `out` when present; otherwise sets `fallback` (when given). */
function field(out: Fields, fields: Fields, key: string, read: (value: unknown) => unknown, fallback?: unknown): void {
  if (has(fields, key)) out[key] = read(fields[key]);
  else if (fallback !== undefined) out[key] = fallback;
}

function socket(value: unknown): Fields {
  const f = object(value, [
    'path',
    'mode',
    'maxFrameBytes',
    'maxConnections',
    'group',
    'idleTimeoutMs',
    'frameTimeoutMs',
    'firstFrameTimeoutMs',
    'maxUnsentBytes',
  ]);
  if (!has(f, 'path')) no();
  const out: Fields = {};
  field(out, f, 'path', (v) => string(v, 1));
  field(out, f, 'mode', mode, 0o660);
  field(out, f, 'maxFrameBytes', positive, DEFAULT_MAX_FRAME_BYTES);
  field(out, f, 'maxConnections', positive, 256);
  field(out, f, 'group', group);
  field(out, f, 'idleTimeoutMs', timer, 30_000);
  field(out, f, 'frameTimeoutMs', timer, 10_000);
  field(out, f, 'firstFrameTimeoutMs', timer, 5_000);
  field(out, f, 'maxUnsentBytes', positive, 1024 * 1024);
  return out;
}

function adminSocket(value: unknown): Fields {
  const f = object(value, ['path', 'mode', 'group', 'maxConnections', 'maxFrameBytes']);
  const out: Fields = {};
  field(out, f, 'path', (v) => string(v, 1));
  field(out, f, 'mode', mode, 0o600);
  field(out, f, 'group', group);
  field(out, f, 'maxConnections', positive, 16);
  field(out, f, 'maxFrameBytes', positive, DEFAULT_ADMIN_MAX_FRAME_BYTES);
  return out;
}

function agentSection(value: unknown): Fields {
  const f = object(value, ['version', 'os']);
  const out: Fields = {};
  field(out, f, 'version', (v) => {
    const text = string(v);
    if (!isValidVersion(text)) no();
    return text;
  });
  field(out, f, 'os', (v) => oneOf(v, OS_NAMES));
  return out;
}

function decisionLog(value: unknown): Fields {
  const f = object(value, ['maxEntries', 'maxBytes', 'maxPendingBytes', 'flushIntervalMs']);
  const out: Fields = {};
  field(
    out,
    f,
    'maxEntries',
    (v) => {
      const n = nonNegative(v);
      if (n > MAX_DECISION_LOG_ENTRIES) no();
      return n;
    },
    10_000,
  );
  field(out, f, 'maxBytes', positive, 64 * 1024 * 1024);
  field(out, f, 'maxPendingBytes', positive, 4 * 1024 * 1024);
  field(out, f, 'flushIntervalMs', timer, 5_000);
  return out;
}

function decisionCache(value: unknown): Fields {
  const f = object(value, ['maxBytes', 'maxAnswerBytes']);
  const out: Fields = {};
  field(out, f, 'maxBytes', positive, 16 * 1024 * 1024);
  field(out, f, 'maxAnswerBytes', positive);
  return out;
}

function outbox(value: unknown): Fields {
  const f = object(value, ['maxRequests', 'maxBytes']);
  const out: Fields = {};
  field(out, f, 'maxRequests', positive, DEFAULT_OUTBOX_LIMITS.maxItems);
  field(out, f, 'maxBytes', positive, DEFAULT_OUTBOX_LIMITS.maxBytes);
  return out;
}

function jobs(value: unknown): Fields {
  const f = object(value, ['integrityCheck', 'pruneDecisionLog', 'checkIn']);
  const out: Fields = {};
  field(out, f, 'integrityCheck', cron, '17 * * * *');
  field(out, f, 'pruneDecisionLog', cron, '*/5 * * * *');
  field(out, f, 'checkIn', cron, '*/10 * * * *');
  return out;
}

function serverSection(value: unknown): Fields {
  const f = object(value, [
    'url',
    'urls',
    'token',
    'caFile',
    'pingIntervalMs',
    'pongTimeoutMs',
    'backoffInitialMs',
    'backoffMaxMs',
    'maxMessageBytes',
    'maxBufferedBytes',
  ]);
  if (!has(f, 'token') || has(f, 'url') === has(f, 'urls')) no();
  const urls = has(f, 'url') ? [serverUrl(f['url'])] : f['urls'];
  if (!Array.isArray(urls) || urls.length < 1 || urls.length > MAX_SERVER_URLS) no();
  const list = urls.map(serverUrl);
  if (new Set(list).size !== list.length) no();
  const out: Fields = {};
  field(out, f, 'token', (v) => string(v, 1));
  field(out, f, 'caFile', (v) => string(v));
  field(out, f, 'pingIntervalMs', timer, 15_000);
  field(out, f, 'pongTimeoutMs', timer, 10_000);
  field(out, f, 'backoffInitialMs', timer, 500);
  field(out, f, 'backoffMaxMs', timer, 60_000);
  field(out, f, 'maxMessageBytes', positive, 256 * 1024 * 1024);
  field(out, f, 'maxBufferedBytes', positive, 32 * 1024 * 1024);
  out['urls'] = list;
  return out;
}

function metricsSection(value: unknown): Fields {
  const f = object(value, ['listen', 'processMetrics']);
  const out: Fields = {};
  field(
    out,
    f,
    'listen',
    (v) => {
      const text = string(v);
      if (typeof parseLoopbackAddress(text) === 'string') no();
      return text;
    },
    DEFAULT_METRICS_LISTEN,
  );
  field(
    out,
    f,
    'processMetrics',
    (v) => {
      if (typeof v !== 'boolean') no();
      return v;
    },
    true,
  );
  return out;
}

const TOP_KEYS = [
  'dataDir',
  'computerId',
  'serverPublicKey',
  'serverPublicKeys',
  'socket',
  'adminSocket',
  'shutdownTimeoutMs',
  'seedSnapshot',
  'agent',
  'noSnapshotAction',
  'logLevel',
  'decisionLog',
  'decisionCache',
  'outbox',
  'jobs',
  'server',
  'metrics',
] as const;

function quick(value: unknown): Fields {
  const f = object(value, TOP_KEYS);
  if (!has(f, 'dataDir') || !has(f, 'computerId') || !has(f, 'socket')) no();
  const out: Fields = {};
  field(out, f, 'dataDir', (v) => string(v, 1));
  field(out, f, 'computerId', (v) => {
    const id = string(v, 1);
    if (idProblem(id) !== null) no();
    return id;
  });
  field(out, f, 'serverPublicKey', (v) => string(v, 1));
  field(out, f, 'serverPublicKeys', (v) => {
    if (!Array.isArray(v) || v.length > MAX_PINNED_KEYS) no();
    return v.map((key) => string(key, 1));
  });
  field(out, f, 'socket', socket);
  field(out, f, 'adminSocket', adminSocket, {
    mode: 0o600,
    maxConnections: 16,
    maxFrameBytes: DEFAULT_ADMIN_MAX_FRAME_BYTES,
  });
  field(out, f, 'shutdownTimeoutMs', timer, 10_000);
  field(out, f, 'seedSnapshot', (v) => string(v, 1));
  field(out, f, 'agent', agentSection, {});
  field(out, f, 'noSnapshotAction', (v) => oneOf(v, ['deny', 'permit']), 'deny');
  field(out, f, 'logLevel', (v) => oneOf(v, ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info');
  field(out, f, 'decisionLog', decisionLog, {
    maxEntries: 10_000,
    maxBytes: 64 * 1024 * 1024,
    maxPendingBytes: 4 * 1024 * 1024,
    flushIntervalMs: 5_000,
  });
  field(out, f, 'decisionCache', decisionCache, { maxBytes: 16 * 1024 * 1024 });
  field(out, f, 'outbox', outbox, {
    maxRequests: DEFAULT_OUTBOX_LIMITS.maxItems,
    maxBytes: DEFAULT_OUTBOX_LIMITS.maxBytes,
  });
  field(out, f, 'jobs', jobs, {
    integrityCheck: '17 * * * *',
    pruneDecisionLog: '*/5 * * * *',
    checkIn: '*/10 * * * *',
  });
  field(out, f, 'server', serverSection);
  field(out, f, 'metrics', metricsSection);
  return out;
}

/**
 * The value the schema (config.ts, zod) would give for a parsed config file
 * (`null` is read as `{}`, as there), when the file is plainly valid; null
 * when anything is not, and then only the schema can say what is wrong.
 */
export function quickDaemonConfig(raw: unknown): ParsedDaemonConfig | null {
  try {
    return quick(raw ?? {}) as unknown as ParsedDaemonConfig;
  } catch (error) {
    if (error === NOT_QUICK) return null;
    throw error;
  }
}

function pemOrPath(value: string, at: (p: string) => string): string {
  return value.includes('-----BEGIN') ? value : at(value);
}

/** The checks after the schema (a key pinned, two socket paths), and every path resolved from `baseDir`. */
export function resolveDaemonConfig(config: ParsedDaemonConfig, file: string, baseDir: string): DaemonConfig {
  if (config.serverPublicKey === undefined && (config.serverPublicKeys ?? []).length === 0) {
    throw new ValidationError([
      `${file}: serverPublicKeys: pin at least one server key (serverPublicKey or serverPublicKeys)`,
    ]);
  }
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const resolved = {
    ...config,
    dataDir: at(config.dataDir),
    socket: { ...config.socket, path: at(config.socket.path) },
    adminSocket: {
      ...config.adminSocket,
      path:
        config.adminSocket.path === undefined
          ? defaultAdminSocketPath(at(config.socket.path))
          : at(config.adminSocket.path),
    },
    ...(config.serverPublicKey === undefined ? {} : { serverPublicKey: pemOrPath(config.serverPublicKey, at) }),
    ...(config.serverPublicKeys === undefined
      ? {}
      : { serverPublicKeys: config.serverPublicKeys.map((key) => pemOrPath(key, at)) }),
    ...(config.seedSnapshot === undefined ? {} : { seedSnapshot: at(config.seedSnapshot) }),
    ...(config.server?.caFile === undefined ? {} : { server: { ...config.server, caFile: at(config.server.caFile) } }),
  };
  if (resolved.adminSocket.path === resolved.socket.path) {
    throw new ValidationError([`${file}: adminSocket.path must differ from socket.path (${resolved.socket.path})`]);
  }
  const tooLong = (['socket', 'adminSocket'] as const).flatMap((key) => {
    const bytes = Buffer.byteLength(resolved[key].path);
    return bytes > MAX_SOCKET_PATH_BYTES
      ? [
          `${file}: ${key}.path: ${resolved[key].path} is ${bytes} bytes; a Unix socket path holds at most ` +
            `${MAX_SOCKET_PATH_BYTES}: choose a shorter one`,
        ]
      : [];
  });
  if (tooLong.length > 0) throw new ValidationError(tooLong);
  return Object.freeze(resolved);
}

/**
 * Reads a config file (JSON or YAML) and validates it: without zod when it
 * is plainly valid, with the schema otherwise (which then reports every
 * problem by key).
 */
export async function loadDaemonConfig(file: string): Promise<DaemonConfig> {
  const raw = parseConfigValue(await readConfigText(file), file);
  const baseDir = dirname(resolve(file));
  const quickly = quickDaemonConfig(raw);
  if (quickly !== null) return resolveDaemonConfig(quickly, file, baseDir);
  const { checkDaemonConfig } = await import('./config.js');
  return resolveDaemonConfig(checkDaemonConfig(raw, file), file, baseDir);
}

/** The configured key entries, each with the config field it came from. */
function pinnedKeyEntries(config: DaemonConfig): { field: string; value: string }[] {
  const entries =
    config.serverPublicKey === undefined ? [] : [{ field: 'serverPublicKey', value: config.serverPublicKey }];
  for (const [i, value] of (config.serverPublicKeys ?? []).entries()) {
    entries.push({ field: `serverPublicKeys[${i}]`, value });
  }
  return entries;
}

/** The most read of a key file (a PEM public key is a few hundred bytes). */
const KEY_FILE_BYTES = 64 * 1024;

/**
 * The pinned server keys: `serverPublicKey` and every `serverPublicKeys`
 * entry, each inline PEM or read from its file. A key that cannot be read or
 * is not an Ed25519 public key is a ValidationError naming its field.
 */
export async function readPinnedKeys(config: DaemonConfig, configFile?: string): Promise<PinnedKeys> {
  const keys: KeyObject[] = [];
  // Problems start with the config file's name when it is given (`--check-config`), as its other problems do.
  const at = configFile === undefined ? '' : `${configFile}: `;
  for (const { field: name, value } of pinnedKeyEntries(config)) {
    let pem = value;
    if (!value.includes('-----BEGIN')) {
      try {
        pem = await readBoundedText(
          value,
          KEY_FILE_BYTES,
          `is larger than a key file may be (${KEY_FILE_BYTES} bytes)`,
        );
      } catch (error) {
        throw new ValidationError([`${at}${name}: ${value} ${(error as Error).message}`], { cause: error });
      }
    }
    try {
      keys.push(parsePublicKey(pem));
    } catch (error) {
      throw new ValidationError([`${at}${name}: ${(error as Error).message}`], { cause: error });
    }
  }
  return new PinnedKeys(keys);
}
