/**
 * Reading a JSON or YAML config file into a plain value, without its schema
 * (and without zod): the daemon's start path validates its usual
 * configuration without loading zod (src/agent/config-load.ts).
 */
import { createRequire } from 'node:module';
import type { parse as ParseYaml } from 'yaml';
import { ValidationError } from '../engine/errors.js';
import { readBoundedText } from './bounded-read.js';

/** The longest delay a Node.js timer takes (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** The YAML parser, loaded on the first YAML file: a JSON config (the daemon's usual) starts without it. */
let parseYaml: ((text: string) => unknown) | undefined;
function yamlParser(): (text: string) => unknown {
  parseYaml ??= (createRequire(import.meta.url)('yaml') as { parse: typeof ParseYaml }).parse;
  return parseYaml;
}

/** Parses a config file's text as JSON (a `.json` file) or YAML; a syntax error is a problem naming the file. */
export function parseConfigValue(text: string, file: string): unknown {
  try {
    return file.endsWith('.json') ? JSON.parse(text) : yamlParser()(text);
  } catch (error) {
    throw new ValidationError([`${file}: ${(error as Error).message}`], { cause: error });
  }
}

/** The largest config file read (a daemon's or server's configuration is a few KB). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** Reads a config file's text; an unreadable or larger file is a problem naming it. */
export async function readConfigText(file: string): Promise<string> {
  try {
    return await readBoundedText(
      file,
      MAX_CONFIG_FILE_BYTES,
      `is larger than a config file may be (${MAX_CONFIG_FILE_BYTES} bytes)`,
    );
  } catch (error) {
    throw new ValidationError([`${file}: ${(error as Error).message}`], { cause: error });
  }
}
