import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../engine/errors.js';

/** The policy server's configuration file, validated by key (see docs/SERVER.md). */
export const serverConfigSchema = z.strictObject({
  dataDir: z.string().min(1),
  listen: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(7443),
    })
    .default({ host: '127.0.0.1', port: 7443 }),
  /** A certificate and key (PEM files) turn on https and wss. */
  tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  /** The admin bearer token's file; created with a random token on first start when missing. */
  adminTokenFile: z.string().min(1).optional(),
  /** A scenario imported on first start, while the server's world is still empty. */
  seedScenario: z.string().min(1).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  sync: z
    .strictObject({
      pingIntervalMs: z.number().int().positive().default(15_000),
      pongTimeoutMs: z.number().int().positive().default(10_000),
      helloTimeoutMs: z.number().int().positive().default(10_000),
      maxMessageBytes: z.number().int().positive().default(1024 * 1024),
    })
    .default({ pingIntervalMs: 15_000, pongTimeoutMs: 10_000, helloTimeoutMs: 10_000, maxMessageBytes: 1024 * 1024 }),
});

export type ServerConfig = Readonly<z.output<typeof serverConfigSchema>>;

/** Parses and validates server config text; relative paths are resolved from `baseDir`. */
export function parseServerConfig(text: string, file: string, baseDir: string): ServerConfig {
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ValidationError([`${file}: ${(error as Error).message}`], { cause: error });
  }
  const result = serverConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue) => `${file}: ${issue.path.length === 0 ? '(top level)' : issue.path.map(String).join('.')}: ${issue.message}`),
    );
  }
  const c = result.data;
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  return Object.freeze({
    ...c,
    dataDir: at(c.dataDir),
    ...(c.tls === undefined ? {} : { tls: { certFile: at(c.tls.certFile), keyFile: at(c.tls.keyFile) } }),
    ...(c.adminTokenFile === undefined ? {} : { adminTokenFile: at(c.adminTokenFile) }),
    ...(c.seedScenario === undefined ? {} : { seedScenario: at(c.seedScenario) }),
  });
}

/** Reads a server config file (JSON or YAML). */
export async function loadServerConfig(file: string): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ValidationError([`${file}: cannot be read: ${(error as Error).message}`], { cause: error });
  }
  return parseServerConfig(text, file, dirname(resolve(file)));
}
