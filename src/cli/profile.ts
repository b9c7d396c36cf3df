/**
 * Where the CLI finds the server, the admin token and the daemon's sockets
 * without repeating them: a flag wins over the environment, which wins over
 * the profile file (docs/ADMIN.md, "Defaults: environment and profile").
 */
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { defaultAdminSocketPath } from '../agent/config.js';
import { TollgateError } from '../engine/errors.js';
import { BOUNDED_READ_CODES, readBoundedSync, utf8Text } from '../scenario/bounded-read.js';
import { parseConfigText } from '../scenario/config-file.js';
import type { CliIo } from './io.js';

/** The profile file: every key optional; relative paths are resolved from the file's folder. */
export const profileSchema = z.strictObject({
  server: z.string().min(1).optional(),
  tokenFile: z.string().min(1).optional(),
  ca: z.string().min(1).optional(),
  socket: z.string().min(1).optional(),
  adminSocket: z.string().min(1).optional(),
});

export type CliProfile = z.output<typeof profileSchema>;

/** The largest profile file read (64 KiB): it holds a handful of paths. */
export const MAX_PROFILE_BYTES = 64 * 1024;

function envOf(io: CliIo): NodeJS.ProcessEnv {
  return io.env ?? {};
}

/** `TOLLGATE_PROFILE`, else `$XDG_CONFIG_HOME/tollgate/cli.yaml`, else `~/.config/tollgate/cli.yaml`. */
export function profilePath(io: CliIo): string | undefined {
  const env = envOf(io);
  const explicit = env['TOLLGATE_PROFILE'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = env['XDG_CONFIG_HOME'];
  if (xdg !== undefined && xdg !== '') return join(xdg, 'tollgate', 'cli.yaml');
  const home = env['HOME'] ?? (io.env === undefined ? undefined : homedir());
  return home === undefined || home === '' ? undefined : join(home, '.config', 'tollgate', 'cli.yaml');
}

/** The profile, validated; a missing default profile is empty, a missing `TOLLGATE_PROFILE` is an error. */
export function loadProfile(io: CliIo): CliProfile {
  const file = profilePath(io);
  if (file === undefined) return {};
  let text: string;
  try {
    // Only a regular file is read (a FIFO would hold the command until something writes to it), up to the bound.
    text = utf8Text(readBoundedSync(file, MAX_PROFILE_BYTES, `the profile is larger than ${MAX_PROFILE_BYTES} bytes`));
  } catch (error) {
    const { code, cause } = error as TollgateError;
    const explicit = envOf(io)['TOLLGATE_PROFILE'];
    const missing =
      code === BOUNDED_READ_CODES.unreadable && (cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    if (missing && (explicit === undefined || explicit === '')) return {};
    throw new TollgateError('invalid-input', `${file}: ${(error as Error).message}`, { cause: error });
  }
  const profile = parseConfigText(text, file, profileSchema);
  const base = dirname(resolve(file));
  const at = (p: string | undefined): string | undefined =>
    p === undefined ? undefined : isAbsolute(p) ? p : resolve(base, p);
  const out: CliProfile = {};
  if (profile.server !== undefined) out.server = profile.server;
  const tokenFile = at(profile.tokenFile);
  if (tokenFile !== undefined) out.tokenFile = tokenFile;
  const ca = at(profile.ca);
  if (ca !== undefined) out.ca = ca;
  const socket = at(profile.socket);
  if (socket !== undefined) out.socket = socket;
  const adminSocket = at(profile.adminSocket);
  if (adminSocket !== undefined) out.adminSocket = adminSocket;
  return out;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The first of: the flag, the environment variable, the profile key. */
function pick(io: CliIo, flag: string | undefined, envName: string, key: keyof CliProfile): string | undefined {
  return nonEmpty(flag) ?? nonEmpty(envOf(io)[envName]) ?? loadProfile(io)[key];
}

/** The daemon's client socket: `--socket`, `TOLLGATE_SOCKET`, the profile's `socket`. */
export function resolveSocket(io: CliIo, flag: string | undefined): string {
  const socket = pick(io, flag, 'TOLLGATE_SOCKET', 'socket');
  if (socket === undefined) {
    throw new TollgateError(
      'invalid-input',
      "give the daemon's socket: --socket PATH, TOLLGATE_SOCKET or socket in the profile",
    );
  }
  return socket;
}

/**
 * The daemon's admin socket: `--socket`, `TOLLGATE_ADMIN_SOCKET`, the
 * profile's `adminSocket`, else the admin path next to the client socket.
 */
export function resolveAdminSocket(io: CliIo, flag: string | undefined): string {
  const direct = pick(io, flag, 'TOLLGATE_ADMIN_SOCKET', 'adminSocket');
  if (direct !== undefined) return direct;
  const socket = nonEmpty(envOf(io)['TOLLGATE_SOCKET']) ?? loadProfile(io).socket;
  if (socket !== undefined) return defaultAdminSocketPath(socket);
  throw new TollgateError(
    'invalid-input',
    "give the daemon's admin socket: --socket PATH, TOLLGATE_ADMIN_SOCKET, or adminSocket or socket in the profile",
  );
}

/** The admin API's server, token file and CA from the flags, the environment and the profile. */
export function resolveAdminTarget(
  io: CliIo,
  flags: { server?: string; tokenFile?: string; ca?: string },
  defaultServer: string,
): { server: string; tokenFile?: string; ca?: string } {
  const server = pick(io, flags.server, 'TOLLGATE_SERVER', 'server') ?? defaultServer;
  const tokenFile = pick(io, flags.tokenFile, 'TOLLGATE_TOKEN_FILE', 'tokenFile');
  const ca = pick(io, flags.ca, 'TOLLGATE_CA', 'ca');
  return {
    server,
    ...(tokenFile === undefined ? {} : { tokenFile }),
    ...(ca === undefined ? {} : { ca }),
  };
}
