/**
 * The daemon's configuration schema (zod): what a valid configuration is,
 * and the words of every problem. The daemon's start path loads it only when
 * a file is not plainly valid (config-load.ts, `quickDaemonConfig`).
 */
import { z } from 'zod';
import { checkConfigValue, timerMs } from '../scenario/config-file.js';
import { parseConfigValue } from '../scenario/config-text.js';
import { idProblem } from '../engine/limits.js';
import { OS_NAMES } from '../engine/model.js';
import { isValidVersion } from '../engine/version.js';
import { serverUrlProblem } from '../wire/server-url.js';
import { MAX_PINNED_KEYS } from '../wire/signing.js';
import { DEFAULT_OUTBOX_LIMITS } from '../store/agent-store.js';
import { nodeCron } from './cron.js';
import { MAX_DECISION_LOG_ENTRIES } from './decision-log-limits.js';
import {
  DEFAULT_ADMIN_MAX_FRAME_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_METRICS_LISTEN,
  MAX_SERVER_URLS,
  parseLoopbackAddress,
  resolveDaemonConfig,
  type DaemonConfig,
} from './config-load.js';

export {
  DEFAULT_ADMIN_MAX_FRAME_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_METRICS_LISTEN,
  MAX_SERVER_URLS,
  defaultAdminSocketPath,
  loadDaemonConfig,
  parseLoopbackAddress,
  quickDaemonConfig,
  readPinnedKeys,
  type DaemonConfig,
} from './config-load.js';

// node-cron is loaded only when a schedule is given (a default is not validated again).
const cronExpression = z
  .string()
  .refine((text) => nodeCron().validate(text), { error: 'is not a valid cron expression' });

const modeSchema = z
  .union([z.string().regex(/^0?[0-7]{3}$/, { error: 'must be an octal file mode such as "0660"' }), z.number().int()])
  .transform((value) => (typeof value === 'number' ? value : parseInt(value, 8)))
  .refine((mode) => mode >= 0 && mode <= 0o777, { error: 'must be a file mode between 0000 and 0777' });

const serverUrl = z.string().check((ctx) => {
  const problem = serverUrlProblem(ctx.value);
  if (problem !== null) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
});

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

/** The daemon's configuration file, validated by key (see docs/DAEMON.md). */
export const daemonConfigSchema = z.strictObject({
  dataDir: z.string().min(1),
  computerId: z.string().superRefine((id, ctx) => {
    const problem = idProblem(id);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  }),
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
      maxFrameBytes: z.number().int().positive().default(DEFAULT_ADMIN_MAX_FRAME_BYTES),
    })
    .default({ mode: 0o600, maxConnections: 16, maxFrameBytes: DEFAULT_ADMIN_MAX_FRAME_BYTES }),
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
      maxEntries: z.number().int().nonnegative().max(MAX_DECISION_LOG_ENTRIES).default(10_000),
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

/** What the schema gives for a valid configuration file (paths as written). */
export type ParsedDaemonConfig = z.output<typeof daemonConfigSchema>;

/** Validates a parsed config file's value with the schema; every problem names the file and the key. */
export function checkDaemonConfig(raw: unknown, file: string): ParsedDaemonConfig {
  return checkConfigValue(raw, file, daemonConfigSchema);
}

/** Parses and validates config text; relative paths are resolved from `baseDir`. */
export function parseDaemonConfig(text: string, file: string, baseDir: string): DaemonConfig {
  return resolveDaemonConfig(checkDaemonConfig(parseConfigValue(text, file), file), file, baseDir);
}
