/**
 * Reading a JSON or YAML config file into a plain value, without its schema
 * (and without zod): the daemon's start path validates its usual
 * configuration without loading zod (src/agent/config-load.ts).
 */
import { createRequire } from 'node:module';
import type * as YamlModule from 'yaml';
import { ValidationError } from '../engine/errors.js';
import { readBoundedText } from './bounded-read.js';
import { jsonDuplicateKey } from './json-duplicates.js';
import { aliasDepthProblem, depthProblem, lineAndColumn } from './text-depth.js';
import { yamlDuplicateKey } from './yaml-keys.js';

type YamlLibrary = Pick<
  typeof YamlModule,
  'parseDocument' | 'Parser' | 'Lexer' | 'isAlias' | 'isMap' | 'isPair' | 'isScalar' | 'isSeq'
>;

/** The longest delay a Node.js timer takes (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** The YAML library, loaded on the first YAML file: a JSON config (the daemon's usual) starts without it. */
let yamlLibrary: YamlLibrary | undefined;
function yaml(): YamlLibrary {
  yamlLibrary ??= createRequire(import.meta.url)('yaml') as YamlLibrary;
  return yamlLibrary;
}

/**
 * A YAML text's value, as the library's `parse` gives it (its first error
 * thrown), with keys given twice found by yamlDuplicateKey rather than by
 * the library's check, which takes a time quadratic in a map's keys.
 */
function yamlValue(text: string): unknown {
  const doc = yaml().parseDocument(text, { uniqueKeys: false });
  const [first] = doc.errors;
  if (first !== undefined) throw first;
  // As `parse` tells them (an unresolved tag, say).
  for (const warning of doc.warnings) process.emitWarning(warning);
  const duplicate = yamlDuplicateKey(doc, yaml());
  if (duplicate !== null) throw new Error(`Map keys must be unique at ${lineAndColumn(text, duplicate)}`);
  return doc.toJS();
}

/**
 * Parses a config file's text as JSON (a `.json` file) or YAML; a syntax
 * error, or nesting past MAX_JSON_DEPTH, is a problem naming the file.
 */
export function parseConfigValue(text: string, file: string): unknown {
  const json = file.endsWith('.json');
  const tooDeep = json ? depthProblem(text) : depthProblem(text, yaml());
  if (tooDeep !== null) throw new ValidationError([`${file}: ${tooDeep}`]);
  let value: unknown;
  try {
    value = json ? JSON.parse(text) : yamlValue(text);
  } catch (error) {
    throw new ValidationError([`${file}: ${(error as Error).message}`], { cause: error });
  }
  // A key given twice in a JSON configuration is refused as YAML refuses it (JSON.parse keeps the last silently).
  // (Found without the YAML library, which a JSON configuration does not load.)
  if (json) {
    const duplicate = jsonDuplicateKey(text);
    if (duplicate !== null) {
      throw new ValidationError([
        `${file}: ${lineAndColumn(text, duplicate.offset)}: the key ${JSON.stringify(duplicate.key)} is given twice in one object`,
      ]);
    }
  }
  const throughAliases = json ? null : aliasDepthProblem(value);
  if (throughAliases !== null) throw new ValidationError([`${file}: ${throughAliases}`]);
  return value;
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
