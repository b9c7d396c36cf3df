/**
 * The difference between two worlds, list by list and entity by entity, as
 * `PUT /api/world` reports it (with or without `dryRun`).
 */
import { WORLD_DIFF_LISTS } from '../contract/index.js';
import { TollgateError } from '../engine/errors.js';
import { WORLD_LIST_KEYS, type Gate, type World } from '../engine/model.js';
import { canonicalJson } from './view-hash.js';

/** The lists a world diff reports, in this order (the contract's). */
export { WORLD_DIFF_LISTS };

export type WorldDiffList = (typeof WORLD_DIFF_LISTS)[number];

/** The keys of one list's entries that are new, differ, or are gone. */
export interface ListDiff {
  added: string[];
  changed: string[];
  removed: string[];
}

export type WorldDiff = Record<WorldDiffList, ListDiff>;

/** A gate's key: the feature and the OS it is gated on (`flatPolicyStructure/windows`). */
export function gateKey(gate: Gate): string {
  return `${gate.feature}/${gate.os}`;
}

function keyed(world: World, list: WorldDiffList): Map<string, string> {
  const byKey = new Map<string, string>();
  if (list === 'gates') {
    for (const gate of world.gates ?? []) byKey.set(gateKey(gate), canonicalJson(gate));
    return byKey;
  }
  const field = WORLD_LIST_KEYS[list];
  for (const entry of world[list] as readonly object[] as readonly Record<string, unknown>[]) {
    byKey.set(String(entry[field]), canonicalJson(entry));
  }
  return byKey;
}

/**
 * What turns `before` into `after`: per list, the keys (ids; `org` for
 * approval settings; feature/os for gates) added, changed or removed, each
 * sorted. Entries are compared by content, whatever their key order; a
 * reordered list with equal entries is no change. Gates are compared as
 * listed: a world without a gate table lists none.
 */
export function diffWorlds(before: World, after: World): WorldDiff {
  const diff = {} as WorldDiff;
  for (const list of WORLD_DIFF_LISTS) {
    const old = keyed(before, list);
    const now = keyed(after, list);
    const added: string[] = [];
    const changed: string[] = [];
    for (const [key, body] of now) {
      const previous = old.get(key);
      if (previous === undefined) added.push(key);
      else if (previous !== body) changed.push(key);
    }
    const removed = [...old.keys()].filter((key) => !now.has(key));
    diff[list] = { added: added.sort(), changed: changed.sort(), removed: removed.sort() };
  }
  return diff;
}

/**
 * `candidate` with each list's entries in `current`'s order: those whose
 * key `current` holds where they stand there, the others after them in
 * their own order (the sort is stable). A list's order means nothing to a
 * decision, but it is the order of a view's entries, which its hash covers:
 * without this, importing the same world with a list reordered issued new
 * snapshots to every computer the list reaches, though nothing changed.
 */
export function inCurrentOrder(current: World, candidate: World): World {
  const ordered: Record<string, unknown> = { ...candidate };
  let moved = false;
  for (const list of WORLD_DIFF_LISTS) {
    const entries: unknown = list === 'gates' ? candidate.gates : candidate[list];
    const before: unknown = list === 'gates' ? current.gates : current[list];
    if (!Array.isArray(entries) || !Array.isArray(before)) continue;
    const keyOf =
      list === 'gates'
        ? (entry: unknown): string => gateKey(entry as Gate)
        : (entry: unknown): string => String((entry as Record<string, unknown>)[WORLD_LIST_KEYS[list]]);
    const rank = new Map<string, number>();
    before.forEach((entry, i) => {
      const key = keyOf(entry);
      if (!rank.has(key)) rank.set(key, i);
    });
    const sorted = entries
      .map((entry: unknown, i) => ({ entry, at: rank.get(keyOf(entry)) ?? before.length + i }))
      .sort((a, b) => a.at - b.at)
      .map(({ entry }) => entry);
    ordered[list] = sorted;
    moved ||= sorted.some((entry, i) => entry !== entries[i]);
  }
  // `candidate` itself when every list already was in that order.
  return moved ? (ordered as unknown as World) : candidate;
}

/** A world replacement refused because it would remove computers without leave to (code 'removal-refused'). */
export class RemovalRefusedError extends TollgateError {
  readonly removed: readonly string[];

  constructor(removed: readonly string[]) {
    super(
      'removal-refused',
      `the new world removes ${removed.length} computer(s) (${removed.join(', ')}); ` +
        'nothing was changed: allow removals to import it',
    );
    this.removed = removed;
  }
}
