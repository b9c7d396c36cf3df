import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import cron from 'node-cron';
import { z } from 'zod';
import { parseConfigText, readConfigText } from '../scenario/config-file.js';
import { ValidationError } from '../engine/errors.js';
import { OS_NAMES } from '../engine/model.js';
import { isValidVersion } from '../engine/version.js';
import { DEFAULT_OUTBOX_LIMITS } from '../store/agent-store.js';

/** Largest request frame the local socket accepts by default. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

const cronExpression = z.string().refine((text) => cron.validate(text), { error: 'is not a valid cron expression' });

const modeSchema = z
  .union([z.string().regex(/^0?[0-7]{3}$/, { error: 'must be an octal file mode such as "0660"' }), z.number().int()])
  .transform((value) => (typeof value === 'number' ? value : parseInt(value, 8)))
  .refine((mode) => mode >= 0 && mode <= 0o777, { error: 'must be a file mode between 0000 and 0777' });

const serverSchema = z.strictObject({
  url: z.string().regex(/^wss?:\/\//, { error: 'must be a ws:// or wss:// URL' }),
  token: z.string().min(1),
  /** A CA certificate (PEM file) to trust for wss://, besides the system's. */
  caFile: z.string().optional(),
  pingIntervalMs: z.number().int().positive().default(15_000),
  pongTimeoutMs: z.number().int().positive().default(10_000),
  backoffInitialMs: z.number().int().positive().default(500),
  backoffMaxMs: z.number().int().positive().default(60_000),
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

/** The daemon's configuration file, validated by key (see docs/DAEMON.md). */
export const daemonConfigSchema = z.strictObject({
  dataDir: z.string().min(1),
  computerId: z.string().min(1),
  /** The pinned server public key: a PEM file path, or the PEM text itself. */
  serverPublicKey: z.string().min(1),
  socket: z.strictObject({
    path: z.string().min(1),
    mode: modeSchema.default(0o660),
    maxFrameBytes: z.number().int().positive().default(DEFAULT_MAX_FRAME_BYTES),
    maxConnections: z.number().int().positive().default(256),
  }),
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
      flushIntervalMs: z.number().int().positive().default(5_000),
    })
    .default({ maxEntries: 10_000, flushIntervalMs: 5_000 }),
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
  server: serverSchema.optional(),
});

export type DaemonConfig = Readonly<z.output<typeof daemonConfigSchema>>;

/** Parses and validates config text; relative paths are resolved from `baseDir`. */
export function parseDaemonConfig(text: string, file: string, baseDir: string): DaemonConfig {
  const config = parseConfigText(text, file, daemonConfigSchema);
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const resolved = {
    ...config,
    dataDir: at(config.dataDir),
    socket: { ...config.socket, path: at(config.socket.path) },
    serverPublicKey: config.serverPublicKey.includes('-----BEGIN')
      ? config.serverPublicKey
      : at(config.serverPublicKey),
    ...(config.seedSnapshot === undefined ? {} : { seedSnapshot: at(config.seedSnapshot) }),
    ...(config.server?.caFile === undefined ? {} : { server: { ...config.server, caFile: at(config.server.caFile) } }),
  };
  return Object.freeze(resolved);
}

/** Reads a config file (JSON or YAML). */
export async function loadDaemonConfig(file: string): Promise<DaemonConfig> {
  return parseDaemonConfig(await readConfigText(file), file, dirname(resolve(file)));
}

/** PEM text of the pinned key: inline, or read from the configured file. */
export async function readPinnedKey(config: DaemonConfig): Promise<string> {
  if (config.serverPublicKey.includes('-----BEGIN')) return config.serverPublicKey;
  try {
    return await readFile(config.serverPublicKey, 'utf8');
  } catch (error) {
    throw new ValidationError([`serverPublicKey: cannot read ${config.serverPublicKey}: ${(error as Error).message}`], {
      cause: error,
    });
  }
}
