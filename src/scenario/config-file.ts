import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { parse as ParseYaml } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../engine/errors.js';

/** The longest delay a Node.js timer takes (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A config key that is a timer's delay: a positive whole number of milliseconds a timer can wait. */
export function timerMs(): z.ZodNumber {
  return z
    .number()
    .int()
    .positive()
    .max(MAX_TIMER_MS, { error: `must be at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer)` });
}

/** The YAML parser, loaded on the first YAML file: a JSON config (the daemon's usual) starts without it. */
let parseYaml: ((text: string) => unknown) | undefined;
function yamlParser(): (text: string) => unknown {
  parseYaml ??= (createRequire(import.meta.url)('yaml') as { parse: typeof ParseYaml }).parse;
  return parseYaml;
}

/** Parses a JSON or YAML config file's text against a schema; every problem names the file and the key. */
export function parseConfigText<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : yamlParser()(text);
  } catch (error) {
    throw new ValidationError([`${file}: ${(error as Error).message}`], { cause: error });
  }
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

/** Reads a config file's text; an unreadable file is a problem naming it. */
export async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ValidationError([`${file}: cannot be read: ${(error as Error).message}`], { cause: error });
  }
}
