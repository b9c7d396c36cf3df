/**
 * `tollgate daemon --check-config FILE` and `tollgate server --check-config
 * FILE`: the configuration validated by the code the process uses, printed as
 * the process would run with it (defaults filled in, paths resolved), secrets
 * redacted. Nothing is started, opened or created.
 */
import { EXIT_OK, type CliIo } from './io.js';

/** Keys whose values never reach the output. */
const SECRET_KEYS = new Set(['token', 'password', 'privateKey']);

/** A URL's password (`postgres://user:PASSWORD@host/db`) replaced by `[redacted]`; other text as it is. */
function redactUrlPassword(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  try {
    const url = new URL(text);
    if (url.password === '') return text;
    url.password = 'redacted';
    return url.toString().replace(':redacted@', ':[redacted]@');
  } catch {
    return text;
  }
}

/** A copy with the values of secret keys, and passwords in URLs, replaced by `[redacted]`. */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return redactUrlPassword(value);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = SECRET_KEYS.has(key) ? '[redacted]' : redactSecrets(inner);
    }
    return out;
  }
  return value;
}

/** Prints the effective configuration (JSON on standard output) and the verdict on standard error. */
export function printEffectiveConfig(io: CliIo, file: string, config: unknown): number {
  io.stdout(JSON.stringify(redactSecrets(config), null, 2) + '\n');
  io.stderr(`${file}: the configuration is valid\n`);
  return EXIT_OK;
}
