import { z } from 'zod';
import { ValidationError } from '../engine/errors.js';
import { MAX_TIMER_MS, parseConfigValue } from './config-text.js';

export { MAX_TIMER_MS, readConfigText } from './config-text.js';

/** A config key that is a timer's delay: a positive whole number of milliseconds a timer can wait. */
export function timerMs(): z.ZodNumber {
  return z
    .number()
    .int()
    .positive()
    .max(MAX_TIMER_MS, { error: `must be at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer)` });
}

/** Parses a JSON or YAML config file's text against a schema; every problem names the file and the key. */
export function parseConfigText<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  return checkConfigValue(parseConfigValue(text, file), file, schema);
}

/** Validates a parsed config file's value against a schema; every problem names the file and the key. */
export function checkConfigValue<S extends z.ZodType>(raw: unknown, file: string, schema: S): z.output<S> {
  const result = schema.safeParse(raw ?? {});
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map(
        (issue) =>
          `${file}: ${issue.path.length === 0 ? '(top level)' : issue.path.map(String).join('.')}: ${issue.message}`,
      ),
    );
  }
  return result.data;
}
