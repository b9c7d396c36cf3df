import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { parseConfigText, readConfigText, timerMs } from '../scenario/config-file.js';
import { ValidationError } from '../engine/errors.js';
import { OS_NAMES } from '../engine/model.js';
import { isValidVersion } from '../engine/version.js';
import { MAX_PINNED_KEYS, PinnedKeys, parsePublicKey } from '../wire/signing.js';
import { DEFAULT_OUTBOX_LIMITS } from '../store/agent-store.js';
import { nodeCron } from './cron.js';

/** Largest request frame the local socket accepts by default. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

// node-cron is loaded only when a schedule is given (a default is not validated again).
const cronExpression = z
  .string()
  .refine((text) => nodeCron().validate(text), { error: 'is not a valid cron expression' });

const modeSchema = z
  .union([z.string().regex(/^0?[0-7]{3}$/, { error: 'must be an octal file mode such as "0660"' }), z.number().int()])
  .transform((value) => (typeof value === 'number' ? value : parseInt(value, 8)))
  .refine((mode) => mode >= 0 && mode <= 0o777, { error: 'must be a file mode between 0000 and 0777' });

/** Server URLs one daemon may fail over between, at most. */
export const MAX_SERVER_URLS = 16;

const serverUrl = z.string().regex(/^wss?:\/\/[^/\s]/, { error: 'must be a ws:// or wss:// URL' });

const serverSchema = z.strictObject({
  /** The server's agent endpoint: one URL (kept as the one-element form of `urls`). */
  url: serverUrl.optional(),
  /** The agent endpoints of several server instances, tried in turn (docs/DAEMON.md, "Several servers"). */
  urls: z.array(serverUrl).min(1).max(MAX_SERVER_URLS).optional(),
  token: z.string().min(1),
  /** A CA certificate (PEM file) to trust for wss://, besides the system's. */
  caFile: z.string().optional(),
  pingIntervalMs: timerMs().default(15_000),
  pongTimeoutMs: timerMs().default(10_000),
  backoffInitialMs: timerMs().default(500),
  backoffMaxMs: timerMs().default(60_000),
  maxMessageBytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
  /** Bytes waiting to be sent to the server, at most; past it the connection is dropped and made again. */
  maxBufferedBytes: z
    .number()
    .int()
    .positive()
    .default(32 * 1024 * 1024),
});

/** The default address of the metrics listener when it is turned on without one. */
export const DEFAULT_METRICS_LISTEN = '127.0.0.1:9464';

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

const metricsSchema = z.strictObject({
  /** Where the metrics listener binds (loopback only). */
  listen: z
    .string()
    .refine((text) => typeof parseLoopbackAddress(text) !== 'string', {
      error: (issue) => {
        const problem = parseLoopbackAddress(String(issue.input));
        return typeof problem === 'string' ? problem : 'is invalid';
      },
    })
    .default(DEFAULT_METRICS_LISTEN),
  /** Adds prom-client's process figures (CPU, memory, event-loop lag, GC) to /metrics. */
  processMetrics: z.boolean().default(true),
});

const groupSchema = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/, { error: 'must be a group name or a numeric gid' }),
]);

/** The admin socket's path when none is configured: `.admin` before the client socket's extension. */
export function defaultAdminSocketPath(socketPath: string): string {
  const base = basename(socketPath);
  const dot = base.lastIndexOf('.');
  const name = dot > 0 ? `${base.slice(0, dot)}.admin${base.slice(dot)}` : `${base}.admin`;
  return join(dirname(socketPath), name);
}

/** The daemon's configuration file, validated by key (see docs/DAEMON.md). */
export const daemonConfigSchema = z.strictObject({
  dataDir: z.string().min(1),
  computerId: z.string().min(1),
  /** The pinned server public key: a PEM file path, or the PEM text itself. */
  serverPublicKey: z.string().min(1).optional(),
  /** More pinned server public keys (each a PEM file path or PEM text): the keys of a rotation. */
  serverPublicKeys: z.array(z.string().min(1)).max(MAX_PINNED_KEYS).optional(),
  socket: z.strictObject({
    path: z.string().min(1),
    mode: modeSchema.default(0o660),
    maxFrameBytes: z.number().int().positive().default(DEFAULT_MAX_FRAME_BYTES),
    maxConnections: z.number().int().positive().default(256),
    /** A group name or gid given the client socket (chown); its members may connect with mode 0660. */
    group: groupSchema.optional(),
    idleTimeoutMs: timerMs().default(30_000),
    frameTimeoutMs: timerMs().default(10_000),
    firstFrameTimeoutMs: timerMs().default(5_000),
    maxUnsentBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
  }),
  /** The socket that also serves snapshot apply and decision export (SPEC.md section 9). */
  adminSocket: z
    .strictObject({
      path: z.string().min(1).optional(),
      mode: modeSchema.default(0o600),
      group: groupSchema.optional(),
      maxConnections: z.number().int().positive().default(16),
      maxFrameBytes: z.number().int().positive().optional(),
    })
    .default({ mode: 0o600, maxConnections: 16 }),
  /** How long a stop may take to close the connections before the cache is closed regardless. */
  shutdownTimeoutMs: timerMs().default(10_000),
  seedSnapshot: z.string().min(1).optional(),
  agent: z
    .strictObject({
      version: z
        .string()
        .refine(isValidVersion, { error: 'is not a version (1 to 4 dot-separated numbers)' })
        .optional(),
      os: z.enum(OS_NAMES).optional(),
    })
    .default({}),
  noSnapshotAction: z.enum(['deny', 'permit']).default('deny'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  decisionLog: z
    .strictObject({
      maxEntries: z.number().int().nonnegative().default(10_000),
      /** Bytes of request and decision text the table keeps (the oldest rows go first). */
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1024 * 1024),
      /** Bytes of decisions held in memory between two writes (the oldest unwritten go first). */
      maxPendingBytes: z
        .number()
        .int()
        .positive()
        .default(4 * 1024 * 1024),
      flushIntervalMs: timerMs().default(5_000),
    })
    .default({
      maxEntries: 10_000,
      maxBytes: 64 * 1024 * 1024,
      maxPendingBytes: 4 * 1024 * 1024,
      flushIntervalMs: 5_000,
    }),
  decisionCache: z
    .strictObject({
      /** Bytes of cached decisions by file, in two generations of half each; past it the older one is let go. */
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(16 * 1024 * 1024),
      /**
       * No longer used (answers are no longer stored by request bytes): still
       * accepted, so that a configuration file written for an earlier version loads.
       */
      maxAnswerBytes: z.number().int().positive().optional(),
    })
    .default({ maxBytes: 16 * 1024 * 1024 }),
  /** The approval outbox's bounds (docs/DAEMON.md); a full outbox refuses new requests ('outbox-full'). */
  outbox: z
    .strictObject({
      maxRequests: z.number().int().positive().default(DEFAULT_OUTBOX_LIMITS.maxItems),
      maxBytes: z.number().int().positive().default(DEFAULT_OUTBOX_LIMITS.maxBytes),
    })
    .default({ maxRequests: DEFAULT_OUTBOX_LIMITS.maxItems, maxBytes: DEFAULT_OUTBOX_LIMITS.maxBytes }),
  jobs: z
    .strictObject({
      integrityCheck: cronExpression.default('17 * * * *'),
      pruneDecisionLog: cronExpression.default('*/5 * * * *'),
      checkIn: cronExpression.default('*/10 * * * *'),
    })
    .default({ integrityCheck: '17 * * * *', pruneDecisionLog: '*/5 * * * *', checkIn: '*/10 * * * *' }),
  server: serverSchema
    .refine((server) => (server.url === undefined) !== (server.urls === undefined), {
      error: 'give the server URL as url or as urls (a list), one of them',
      path: ['urls'],
    })
    .refine((server) => new Set(server.urls ?? []).size === (server.urls ?? []).length, {
      error: 'lists a URL twice',
      path: ['urls'],
    })
    .transform(({ url, urls, ...rest }) => ({ ...rest, urls: urls ?? [url as string] }))
    .optional(),
  /** The loopback HTTP listener serving /metrics, /healthz and /readyz (docs/DAEMON.md, "Metrics"); off when absent. */
  metrics: metricsSchema.optional(),
});

type ParsedConfig = z.output<typeof daemonConfigSchema>;

/** The validated configuration, its paths resolved (the admin socket's path is always set). */
export type DaemonConfig = Readonly<
  Omit<ParsedConfig, 'adminSocket'> & { adminSocket: ParsedConfig['adminSocket'] & { path: string } }
>;

/** Parses and validates config text; relative paths are resolved from `baseDir`. */
export function parseDaemonConfig(text: string, file: string, baseDir: string): DaemonConfig {
  const config = parseConfigText(text, file, daemonConfigSchema);
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
  return Object.freeze(resolved);
}

/** Reads a config file (JSON or YAML). */
export async function loadDaemonConfig(file: string): Promise<DaemonConfig> {
  return parseDaemonConfig(await readConfigText(file), file, dirname(resolve(file)));
}

function pemOrPath(value: string, at: (p: string) => string): string {
  return value.includes('-----BEGIN') ? value : at(value);
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

/**
 * The pinned server keys: `serverPublicKey` and every `serverPublicKeys`
 * entry, each inline PEM or read from its file. A key that cannot be read or
 * is not an Ed25519 public key is a ValidationError naming its field.
 */
export async function readPinnedKeys(config: DaemonConfig): Promise<PinnedKeys> {
  const keys: KeyObject[] = [];
  for (const { field, value } of pinnedKeyEntries(config)) {
    let pem = value;
    if (!value.includes('-----BEGIN')) {
      try {
        pem = await readFile(value, 'utf8');
      } catch (error) {
        throw new ValidationError([`${field}: cannot read ${value}: ${(error as Error).message}`], { cause: error });
      }
    }
    try {
      keys.push(parsePublicKey(pem));
    } catch (error) {
      throw new ValidationError([`${field}: ${(error as Error).message}`], { cause: error });
    }
  }
  return new PinnedKeys(keys);
}
