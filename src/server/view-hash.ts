/**
 * Content hashes of a computer's view, used to decide when the server issues
 * a new snapshot or settings version: equal content, equal hash, whatever
 * the key order of the objects it was built from.
 */
import { createHash } from 'node:crypto';
import type { ComputerView } from '../engine/view.js';

/**
 * JSON with object keys sorted at every level (undefined members left out,
 * as JSON.stringify does); arrays keep their order.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((item: unknown) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** What a view's hashes cover: everything but the settings, and the settings with their sources. */
export interface ViewHashes {
  viewHash: string;
  settingsHash: string;
}

/** sha256 of the canonical JSON of the view without `settings`/`settingSources`, and of those two alone. */
export function viewHashes(view: ComputerView): ViewHashes {
  const { settings, settingSources, ...rest } = view;
  return {
    viewHash: sha256Hex(canonicalJson(rest)),
    settingsHash: sha256Hex(canonicalJson({ settings, settingSources })),
  };
}
