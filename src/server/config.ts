import { DEFAULT_MAX_QUEUED_CHANGES } from './change-queue.js';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { ValidationError } from '../engine/errors.js';
import { readBounded, utf8Text } from '../scenario/bounded-read.js';
import { loadScenario } from '../scenario/load.js';
import { isEmailAddress } from '../engine/validate.js';
import { parseConfigText, readConfigText, timerMs } from '../scenario/config-file.js';
import { APPROVAL_REQUEST_LIMITS } from '../wire/approval-limits.js';
import { loadDefaultApprovalPolicies, shippedDefaultApprovalPoliciesPath } from './default-approval-policies.js';
import { DEFAULT_DELTA_VIEW_CACHE_BYTES } from './delta.js';
import { SCHEMA_NAME } from './store/pg-migrations.js';
import { DEFAULT_PG_SCHEMA, PG_STORE_DEFAULTS } from './store/pg-store.js';
import { SYNC_HUB_DEFAULTS } from './sync-hub.js';

/** A postgres:// or postgresql:// URL with a host. */
function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** How long approved and rejected requests are kept after their decision, by default (`approvals.decidedRetentionDays`). */
export const DEFAULT_DECIDED_RETENTION_DAYS = 365;
/** The longest `approvals.decidedRetentionDays` accepted: ten years. */
export const MAX_DECIDED_RETENTION_DAYS = 3_650;
/** How often the server deletes the decided requests past their retention (and once at start). */
export const DECIDED_REQUEST_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/** Where the server keeps its world (docs/SERVER.md, "Choosing the store"). */
const storeSchema = z.discriminatedUnion('kind', [
  /** The embedded default: server.db in the data directory; one server process. */
  z.strictObject({ kind: z.literal('sqlite') }),
  /** PostgreSQL: several server processes share one database. */
  z.strictObject({
    kind: z.literal('postgres'),
    url: z.string().refine(isPostgresUrl, { error: 'must be a postgres:// or postgresql:// URL with a host' }),
    schema: z
      .string()
      .regex(SCHEMA_NAME, { error: 'must be a lower-case name: letters, digits and _, at most 63 characters' })
      .default(DEFAULT_PG_SCHEMA),
    poolSize: z.number().int().min(1).max(1000).default(PG_STORE_DEFAULTS.poolSize),
    connectTimeoutMs: timerMs().default(PG_STORE_DEFAULTS.connectTimeoutMs),
  }),
]);

export type StoreConfig = z.output<typeof storeSchema>;

/** The default of `listen.maxConnections`: well below the 65,536 open files the systemd unit allows. */
export const DEFAULT_MAX_CONNECTIONS = 20_000;

/** Files the server holds besides its connections (its database and journal, logs, worker threads), with room. */
export const FILES_BESIDES_CONNECTIONS = 256;

/** The soft limit of open files in the text of Linux's `/proc/self/limits` (Infinity: unlimited), or null. */
export function softOpenFileLimit(limits: string): number | null {
  const found = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
  if (found === null) return null;
  return found[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(found[1]);
}

/**
 * Why `listen.maxConnections` cannot hold under an open-file limit (connections
 * past the limit fail to be accepted before the bound refuses them, and every
 * file the server opens fails with them), or null.
 */
export function connectionBoundProblem(maxConnections: number, openFileLimit: number | null): string | null {
  if (openFileLimit === null || maxConnections + FILES_BESIDES_CONNECTIONS <= openFileLimit) return null;
  return (
    `listen.maxConnections ${maxConnections} is not below the process's open-file limit ${openFileLimit} ` +
    `(by at least ${FILES_BESIDES_CONNECTIONS}): raise the limit (LimitNOFILE in the systemd unit) or lower it`
  );
}

/** The policy server's configuration file, validated by key (see docs/SERVER.md). */
export const serverConfigSchema = z.strictObject({
  dataDir: z.string().min(1),
  store: storeSchema.default({ kind: 'sqlite' }),
  listen: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(7443),
      /** Connections held at most (agents' WebSockets, admin requests, probes); more are closed at once. */
      maxConnections: z.number().int().positive().default(DEFAULT_MAX_CONNECTIONS),
    })
    .default({ host: '127.0.0.1', port: 7443, maxConnections: DEFAULT_MAX_CONNECTIONS }),
  /** A certificate and key (PEM files) turn on https and wss. */
  tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  /** The admin bearer token's file; created with a random token on first start when missing. */
  adminTokenFile: z.string().min(1).optional(),
  /** A scenario imported on first start, while the server's world is still empty. */
  seedScenario: z.string().min(1).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  sync: z
    .strictObject({
      pingIntervalMs: timerMs().default(15_000),
      pongTimeoutMs: timerMs().default(10_000),
      helloTimeoutMs: timerMs().default(10_000),
      /** At least an approval request's bound, so that no request an agent stored can break its sync. */
      maxMessageBytes: z
        .number()
        .int()
        .min(APPROVAL_REQUEST_LIMITS.submissionBytes, {
          error: `must be at least ${APPROVAL_REQUEST_LIMITS.submissionBytes} (the largest approval request)`,
        })
        .default(1024 * 1024),
      maxBufferedBytes: z.number().int().positive().default(SYNC_HUB_DEFAULTS.maxBufferedBytes),
      maxTotalBufferedBytes: z.number().int().positive().default(SYNC_HUB_DEFAULTS.maxTotalBufferedBytes),
      maxPendingHellos: z.number().int().positive().default(SYNC_HUB_DEFAULTS.maxPendingHellos),
      /** Bytes of recently sent views kept as delta bases; 0 sends every change as a full snapshot. */
      deltaViewCacheBytes: z.number().int().nonnegative().default(DEFAULT_DELTA_VIEW_CACHE_BYTES),
      maxQueuedMessages: z.number().int().positive().default(SYNC_HUB_DEFAULTS.maxQueuedMessages),
      /** Deltas of a push signed on a worker thread in batches; false signs each on the event loop as it is sent. */
      signDeltasInWorker: z.boolean().default(true),
    })
    .default({
      pingIntervalMs: 15_000,
      pongTimeoutMs: 10_000,
      helloTimeoutMs: 10_000,
      maxMessageBytes: 1024 * 1024,
      maxBufferedBytes: SYNC_HUB_DEFAULTS.maxBufferedBytes,
      maxTotalBufferedBytes: SYNC_HUB_DEFAULTS.maxTotalBufferedBytes,
      maxPendingHellos: SYNC_HUB_DEFAULTS.maxPendingHellos,
      deltaViewCacheBytes: DEFAULT_DELTA_VIEW_CACHE_BYTES,
      maxQueuedMessages: SYNC_HUB_DEFAULTS.maxQueuedMessages,
      signDeltasInWorker: true,
    }),
  /** Changes of the world made one at a time: how many may wait behind the one being made (docs/SERVER.md). */
  changes: z
    .strictObject({ maxQueued: z.number().int().positive().default(DEFAULT_MAX_QUEUED_CHANGES) })
    .default({ maxQueued: DEFAULT_MAX_QUEUED_CHANGES }),
  /** How often the server looks for a next signing key whose time has come (docs/SERVER.md, "Rotating the signing key"). */
  signing: z.strictObject({ checkIntervalMs: timerMs().default(10_000) }).default({ checkIntervalMs: 10_000 }),
  /**
   * Approvals (docs/APPROVALS.md): the data file of the default approval policies (default: the shipped one),
   * and how many pending requests one computer may have.
   */
  approvals: z
    .strictObject({
      defaultPoliciesFile: z.string().min(1).optional(),
      maxPendingPerComputer: z.number().int().positive().default(SYNC_HUB_DEFAULTS.maxPendingApprovalsPerComputer),
      /** Approved and rejected requests are deleted this many days after their decision. */
      decidedRetentionDays: z
        .number()
        .int()
        .min(1)
        .max(MAX_DECIDED_RETENTION_DAYS)
        .default(DEFAULT_DECIDED_RETENTION_DAYS),
    })
    .default({
      maxPendingPerComputer: SYNC_HUB_DEFAULTS.maxPendingApprovalsPerComputer,
      decidedRetentionDays: DEFAULT_DECIDED_RETENTION_DAYS,
    }),
  /**
   * `GET /metrics` on the admin listener (docs/SERVER.md, "Health, readiness
   * and metrics"): on and without the admin token by default.
   */
  metrics: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Scrapers must send the admin token too. */
      requireToken: z.boolean().default(false),
      /** Adds prom-client's process figures (CPU, memory, event-loop lag, GC). */
      processMetrics: z.boolean().default(true),
    })
    .default({ enabled: true, requireToken: false, processMetrics: true }),
  /** How long `/readyz` waits for the store's round trip (`SELECT 1`) before it answers 503. */
  readyTimeoutMs: z.number().int().positive().max(60_000).default(2_000),
  /** The mail server escalation notices go through; without it they are only logged. */
  smtp: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(25),
      /** TLS from the start (usually port 465); otherwise STARTTLS when the server offers it. */
      secure: z.boolean().default(false),
      /** Refuse to send unless the connection is upgraded with STARTTLS. */
      requireTls: z.boolean().default(false),
      from: z.string().refine(isEmailAddress, { error: 'must be an email address' }),
      user: z.string().min(1).optional(),
      /** A file holding the password of `user` (never the password itself in the config). */
      passwordFile: z.string().min(1).optional(),
      timeoutMs: timerMs().default(10_000),
    })
    .refine((smtp) => (smtp.user === undefined) === (smtp.passwordFile === undefined), {
      error: 'user and passwordFile go together',
    })
    .optional(),
});

export type ServerConfig = Readonly<z.output<typeof serverConfigSchema>>;

/** Parses and validates server config text; relative paths are resolved from `baseDir`. */
export function parseServerConfig(text: string, file: string, baseDir: string): ServerConfig {
  const c = parseConfigText(text, file, serverConfigSchema);
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  return Object.freeze({
    ...c,
    dataDir: at(c.dataDir),
    ...(c.tls === undefined ? {} : { tls: { certFile: at(c.tls.certFile), keyFile: at(c.tls.keyFile) } }),
    ...(c.adminTokenFile === undefined ? {} : { adminTokenFile: at(c.adminTokenFile) }),
    ...(c.seedScenario === undefined ? {} : { seedScenario: at(c.seedScenario) }),
    approvals: {
      maxPendingPerComputer: c.approvals.maxPendingPerComputer,
      decidedRetentionDays: c.approvals.decidedRetentionDays,
      ...(c.approvals.defaultPoliciesFile === undefined
        ? {}
        : { defaultPoliciesFile: at(c.approvals.defaultPoliciesFile) }),
    },
    ...(c.smtp === undefined
      ? {}
      : {
          smtp: { ...c.smtp, ...(c.smtp.passwordFile === undefined ? {} : { passwordFile: at(c.smtp.passwordFile) }) },
        }),
  });
}

/** Reads a server config file (JSON or YAML). */
export async function loadServerConfig(file: string): Promise<ServerConfig> {
  return parseServerConfig(await readConfigText(file), file, dirname(resolve(file)));
}

/** The folders the server makes or writes files in, with the settings that name them. */
export function serverFolders(config: ServerConfig): [string, string][] {
  return [
    ['dataDir', config.dataDir],
    ['adminTokenFile', dirname(adminTokenPath(config))],
  ];
}

/** The admin token's file: `adminTokenFile`, else `admin-token` in the data folder. */
export function adminTokenPath(config: ServerConfig): string {
  return config.adminTokenFile ?? join(config.dataDir, 'admin-token');
}

/** The default approval policies' file: `approvals.defaultPoliciesFile`, else the shipped one. */
export function defaultPoliciesPath(config: ServerConfig): string {
  return config.approvals.defaultPoliciesFile ?? shippedDefaultApprovalPoliciesPath();
}

/** The configuration with the files the server falls back to written in: what `--check-config` prints. */
export function effectiveServerConfig(config: ServerConfig): ServerConfig {
  return {
    ...config,
    adminTokenFile: adminTokenPath(config),
    approvals: { ...config.approvals, defaultPoliciesFile: defaultPoliciesPath(config) },
  };
}

/**
 * The files the configuration names, read as the server reads them at its
 * start (the TLS certificate and key, the SMTP password, the seed scenario,
 * the default approval policies, the admin token's file when it exists):
 * every problem, each naming the key and the file, so that `--check-config`
 * refuses what the start would fail on.
 */
/** The largest TLS certificate (chain) or key file read, and the largest SMTP password file. */
const MAX_TLS_FILE_BYTES = 1024 * 1024;
const MAX_PASSWORD_FILE_BYTES = 64 * 1024;

/**
 * The TLS certificate and key of `tls`, read at most MAX_TLS_FILE_BYTES
 * each (a device that never ends is refused) and parsed as the start needs
 * them (PEM: a certificate, a private key); throws naming the key at fault.
 */
export async function readTlsFiles(tls: { certFile: string; keyFile: string }): Promise<{ cert: Buffer; key: Buffer }> {
  const problems: string[] = [];
  const read = async (key: string, path: string, parse: (bytes: Buffer) => unknown, what: string): Promise<Buffer> => {
    let bytes: Buffer;
    try {
      bytes = await readBounded(path, MAX_TLS_FILE_BYTES, `is larger than ${MAX_TLS_FILE_BYTES} bytes`);
    } catch (error) {
      problems.push(`${key}: ${path}: ${(error as Error).message}`);
      return Buffer.alloc(0);
    }
    try {
      parse(bytes);
    } catch (error) {
      problems.push(`${key}: ${path}: not a PEM ${what} (${(error as Error).message})`);
    }
    return bytes;
  };
  const cert = await read('tls.certFile', tls.certFile, (b) => new X509Certificate(b), 'certificate');
  const key = await read('tls.keyFile', tls.keyFile, (b) => createPrivateKey(b), 'private key');
  if (problems.length > 0) throw new ValidationError(problems);
  return { cert, key };
}

/** The SMTP password of `passwordFile`, read at most MAX_PASSWORD_FILE_BYTES, trimmed; throws naming the key. */
export async function readPasswordFile(passwordFile: string): Promise<string> {
  try {
    const text = await readBounded(
      passwordFile,
      MAX_PASSWORD_FILE_BYTES,
      `is larger than ${MAX_PASSWORD_FILE_BYTES} bytes`,
    );
    return utf8Text(text).trim();
  } catch (error) {
    throw new ValidationError([`smtp.passwordFile: ${passwordFile}: ${(error as Error).message}`]);
  }
}

export async function serverFileProblems(config: ServerConfig, file: string): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (key: string, path: string, read: () => Promise<unknown>): Promise<void> => {
    try {
      await read();
    } catch (error) {
      const message = error instanceof ValidationError ? error.problems.join('; ') : (error as Error).message;
      problems.push(`${file}: ${key}: ${path}: ${message}`);
    }
  };
  // Read as the start reads them; their own messages name the key and the path.
  const named = async (read: () => Promise<unknown>): Promise<void> => {
    try {
      await read();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.problems.map((p) => `${file}: ${p}`));
    }
  };
  const tls = config.tls;
  if (tls !== undefined) await named(() => readTlsFiles(tls));
  const passwordFile = config.smtp?.passwordFile;
  if (passwordFile !== undefined) await named(() => readPasswordFile(passwordFile));
  const seed = config.seedScenario;
  if (seed !== undefined) await attempt('seedScenario', seed, () => loadScenario(seed));
  const policies = defaultPoliciesPath(config);
  await attempt('approvals.defaultPoliciesFile', policies, () => loadDefaultApprovalPolicies(policies));
  const token = adminTokenPath(config);
  await attempt('adminTokenFile', token, async () => {
    const found = await stat(token).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null; // created at the first start
      throw error;
    });
    if (found !== null && !found.isFile()) throw new Error('is not a file');
  });
  return problems;
}
