import { TollgateError } from '../src/engine/errors.js';

/** Failures of binding a listener that the configuration (or the machine) causes, not tollgate. */
const LISTEN_CODES: ReadonlySet<string> = new Set(['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * A failure to listen as TollgateError 'listen-failed' naming `where` (the
 * keys and their values: `listen.host H, listen.port P`, `metrics.listen
 * 127.0.0.1:9464`), which the command reports on one line and exits 2;
 * anything else as it is.
 */
export function listenFailure(error: unknown, where: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined || !LISTEN_CODES.has(code)) return error;
  const why =
    code === 'EADDRINUSE'
      ? 'the port is in use'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host does not resolve'
        : code === 'EACCES'
          ? 'not allowed (a port below 1024 needs privileges)'
          : 'the address is not one of this machine';
  return new TollgateError('listen-failed', `${where}: ${why} (${code})`, { cause: error });
}
