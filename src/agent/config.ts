import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import cron from 'node-cron';
import { z } from 'zod';
import { parseConfigText, readConfigText } from '../scenario/config-file.js';
import { ValidationError } from '../engine/errors.js';
import { OS_NAMES } from '../engine/model.js';
import { isValidVersion } from '../engine/version.js';
import { MAX_PINNED_KEYS, PinnedKeys, parsePublicKey } from '../wire/signing.js';

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
});

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
    ...(config.serverPublicKey === undefined ? {} : { serverPublicKey: pemOrPath(config.serverPublicKey, at) }),
    ...(config.serverPublicKeys === undefined
      ? {}
      : { serverPublicKeys: config.serverPublicKeys.map((key) => pemOrPath(key, at)) }),
    ...(config.seedSnapshot === undefined ? {} : { seedSnapshot: at(config.seedSnapshot) }),
    ...(config.server?.caFile === undefined ? {} : { server: { ...config.server, caFile: at(config.server.caFile) } }),
  };
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
