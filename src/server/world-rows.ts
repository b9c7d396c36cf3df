/**
 * The world as rows of the `entities` table, one per entity, and the
 * difference between two worlds as the rows to write and delete. List order
 * is kept by a per-kind `seq`.
 */
import { WORLD_LIST_KEYS, type World } from '../engine/model.js';
import { canonicalJson } from './view-hash.js';

/** The lists of a world stored one row per entry, and the field that keys each. */
const ENTITY_LISTS = WORLD_LIST_KEYS;

type ListKind = keyof typeof ENTITY_LISTS;

/** The gate table is one row of this kind (and id); no row means the default gates. */
const GATES_KIND = 'gates';

/** A kind of row in the `entities` table. */
export type EntityKind = ListKind | typeof GATES_KIND;

const LIST_KINDS = Object.keys(ENTITY_LISTS) as ListKind[];

/** One stored entity: its kind, id, position in its list and JSON body. */
export interface EntityRow {
  kind: EntityKind;
  id: string;
  seq: number;
  body: string;
}

/** What the server knows is stored for one entity; `value` is the in-memory object it was written from. */
interface StoredEntity {
  seq: number;
  /** Its canonical JSON, made when first compared (rows read at start are not serialized again until then). */
  canonical?: string;
  value: unknown;
}

function canonicalOf(entity: StoredEntity): string {
  entity.canonical ??= canonicalJson(entity.value);
  return entity.canonical;
}

/** The stored rows as the server last wrote (or read) them, by kind then id. */
export type StoredWorld = Map<EntityKind, Map<string, StoredEntity>>;

/** The rows a change writes and deletes, and the stored image after it. */
export interface WorldRowChanges {
  writes: EntityRow[];
  deletes: { kind: EntityKind; id: string }[];
  stored: StoredWorld;
}

/**
 * The list (the gate table for 'gates') each stored image of a kind was made
 * from: a world whose list is that very array (lists are frozen and shared
 * between worlds) has no change of that kind, and the image is kept as is.
 */
const madeFrom = new WeakMap<Map<string, StoredEntity>, { source: unknown }>();

function sourceOf(world: World, kind: EntityKind): unknown {
  return kind === GATES_KIND ? world.gates : world[kind];
}

/** Records that `world`'s lists are what `stored` holds. */
function recordSources(stored: StoredWorld, world: World): void {
  for (const kind of [...LIST_KINDS, GATES_KIND] as EntityKind[]) {
    let byId = stored.get(kind);
    if (byId === undefined) {
      byId = new Map();
      stored.set(kind, byId);
    }
    madeFrom.set(byId, { source: sourceOf(world, kind) });
  }
}

function entriesOf(world: World, kind: EntityKind): [string, unknown][] {
  if (kind === GATES_KIND) return world.gates === undefined ? [] : [[GATES_KIND, world.gates]];
  const key = ENTITY_LISTS[kind];
  return (world[kind] as readonly object[] as readonly Record<string, unknown>[]).map((entry) => [
    String(entry[key]),
    entry,
  ]);
}

/**
 * Each entry's seq: the stored ones while they still increase along the new
 * list and new entries after the largest (appends, updates in place and
 * removals write nothing else); otherwise the list is renumbered 0, 1, ...
 */
function planSeqs(stored: Map<string, StoredEntity>, ids: readonly string[]): number[] {
  let next = 0;
  for (const entity of stored.values()) next = Math.max(next, entity.seq + 1);
  const seqs: number[] = [];
  let last = -1;
  for (const id of ids) {
    const seq = stored.get(id)?.seq ?? next++;
    if (seq <= last) return ids.map((_, i) => i);
    seqs.push(seq);
    last = seq;
  }
  return seqs;
}

/** How many entries a list may change for diffFew to take it. */
const FEW_CHANGES = 256;

/**
 * The rows of one list that changed in a few places, found without a walk
 * of the whole list: the entries both lists share at their start and end
 * (the very objects) are kept as stored; those in between are compared.
 * Null (walk the whole list) for more than FEW_CHANGES entries in between,
 * an id the part in between does not own, or seqs that would not increase.
 */
function diffFew(
  kind: ListKind,
  before: Map<string, StoredEntity>,
  previousSource: unknown,
  source: unknown,
): { writes: EntityRow[]; deleted: string[]; after: Map<string, StoredEntity> } | null {
  if (!Array.isArray(previousSource) || !Array.isArray(source)) return null;
  const old = previousSource as readonly Record<string, unknown>[];
  const now = source as readonly Record<string, unknown>[];
  if (old.length !== before.size) return null;
  let start = 0;
  const shortest = Math.min(old.length, now.length);
  while (start < shortest && old[start] === now[start]) start++;
  let end = 0;
  while (end < shortest - start && old[old.length - 1 - end] === now[now.length - 1 - end]) end++;
  const oldMiddle = old.slice(start, old.length - end);
  const newMiddle = now.slice(start, now.length - end);
  if (oldMiddle.length > FEW_CHANGES || newMiddle.length > FEW_CHANGES) return null;
  const key = ENTITY_LISTS[kind];
  const idOf = (entry: Record<string, unknown>): string => String(entry[key]);
  const oldIds = new Set(oldMiddle.map(idOf));
  if (oldIds.size !== oldMiddle.length) return null;
  const seqOf = (entry: Record<string, unknown> | undefined): number | undefined =>
    entry === undefined ? undefined : before.get(idOf(entry))?.seq;
  let last = start === 0 ? -1 : seqOf(old[start - 1]);
  const bound = end === 0 ? Infinity : seqOf(old[old.length - end]);
  if (last === undefined || bound === undefined) return null;
  let next = 0;
  for (const entity of before.values()) next = Math.max(next, entity.seq + 1);
  const after = new Map(before);
  const writes: EntityRow[] = [];
  const newIds = new Set<string>();
  for (const value of newMiddle) {
    const id = idOf(value);
    // An id held outside the part in between, or twice in it: the whole list decides.
    if (newIds.has(id) || (before.has(id) && !oldIds.has(id))) return null;
    newIds.add(id);
    const previous = before.get(id);
    const seq = previous?.seq ?? next++;
    if (seq <= last || seq >= bound) return null;
    last = seq;
    if (previous !== undefined && previous.value === value) continue;
    const canonical = canonicalJson(value);
    if (previous === undefined || canonicalOf(previous) !== canonical) {
      writes.push({ kind, id, seq, body: JSON.stringify(value) });
    }
    after.set(id, { seq, canonical, value });
  }
  const deleted = [...oldIds].filter((id) => !newIds.has(id));
  for (const id of deleted) after.delete(id);
  return { writes, deleted, after };
}

/**
 * The rows that turn `stored` into `world`. Entries that are the very objects
 * last written are not serialized again; others are compared by canonical
 * JSON, so a re-import of an equal world writes nothing.
 */
export function diffWorldRows(stored: StoredWorld, world: World): WorldRowChanges {
  const writes: EntityRow[] = [];
  const deletes: { kind: EntityKind; id: string }[] = [];
  const next: StoredWorld = new Map();
  for (const kind of [...LIST_KINDS, GATES_KIND] as EntityKind[]) {
    const before = stored.get(kind) ?? new Map<string, StoredEntity>();
    const source = sourceOf(world, kind);
    const known = madeFrom.get(before);
    if (known !== undefined && known.source === source) {
      next.set(kind, before);
      continue;
    }
    const few = known === undefined || kind === GATES_KIND ? null : diffFew(kind, before, known.source, source);
    if (few !== null) {
      writes.push(...few.writes);
      for (const id of few.deleted) deletes.push({ kind, id });
      next.set(kind, few.after);
      madeFrom.set(few.after, { source });
      continue;
    }
    const entries = entriesOf(world, kind);
    const seqs = planSeqs(
      before,
      entries.map(([id]) => id),
    );
    const after = new Map<string, StoredEntity>();
    entries.forEach(([id, value], i) => {
      const seq = seqs[i] as number;
      const previous = before.get(id);
      if (previous !== undefined && previous.value === value) {
        if (previous.seq !== seq) writes.push({ kind, id, seq, body: JSON.stringify(value) });
        after.set(id, previous.seq === seq ? previous : { ...previous, seq });
        return;
      }
      const canonical = canonicalJson(value);
      if (previous === undefined || canonicalOf(previous) !== canonical || previous.seq !== seq) {
        writes.push({ kind, id, seq, body: JSON.stringify(value) });
      }
      after.set(id, { seq, canonical, value });
    });
    for (const id of before.keys()) if (!after.has(id)) deletes.push({ kind, id });
    next.set(kind, after);
    madeFrom.set(after, { source });
  }
  return { writes, deletes, stored: next };
}

/** The world held by stored rows (any order), and its stored image; no rows at all is the empty world. */
export function worldFromRows(rows: readonly EntityRow[]): { world: World; stored: StoredWorld } {
  const sorted = [...rows].sort((a, b) => a.seq - b.seq);
  const stored: StoredWorld = new Map();
  const lists = new Map<EntityKind, unknown[]>();
  for (const row of sorted) {
    const value: unknown = JSON.parse(row.body);
    const list = lists.get(row.kind) ?? [];
    list.push(value);
    lists.set(row.kind, list);
    const byId = stored.get(row.kind) ?? new Map<string, StoredEntity>();
    byId.set(row.id, { seq: row.seq, value });
    stored.set(row.kind, byId);
  }
  const list = <K extends ListKind>(kind: K): World[K] => (lists.get(kind) ?? []) as World[K];
  const world: World = {
    organizations: list('organizations'),
    groups: list('groups'),
    computers: list('computers'),
    applications: list('applications'),
    policies: list('policies'),
    agentSettings: list('agentSettings'),
    approvalPolicies: list('approvalPolicies'),
    approvalSettings: list('approvalSettings'),
  };
  const gates = lists.get(GATES_KIND)?.[0];
  if (gates !== undefined) world.gates = gates as World['gates'];
  recordSources(stored, world);
  return { world, stored };
}

/**
 * The world after other writers' rows: `writes` (added or changed rows) and
 * `deletes` applied to the stored image; entries not named keep their
 * objects, and the lists of kinds no row names are the very lists the
 * stored image was made from (with the lookups kept for them).
 */
export function applyRowChanges(
  stored: StoredWorld,
  writes: readonly EntityRow[],
  deletes: readonly { kind: EntityKind; id: string }[],
): { world: World; stored: StoredWorld } {
  const touched = new Set<EntityKind>([...writes.map((row) => row.kind), ...deletes.map((key) => key.kind)]);
  const next: StoredWorld = new Map(
    [...stored].map(([kind, byId]) => [kind, touched.has(kind) ? new Map(byId) : byId]),
  );
  /** The list (or gate table) a kind no row names was made from; undefined: build it from the rows. */
  const kept = (kind: EntityKind): { source: unknown } | undefined => {
    const byId = next.get(kind);
    return touched.has(kind) || byId === undefined ? undefined : madeFrom.get(byId);
  };
  const byKind = (kind: EntityKind): Map<string, StoredEntity> => {
    let byId = next.get(kind);
    if (byId === undefined) {
      byId = new Map();
      next.set(kind, byId);
    }
    return byId;
  };
  for (const key of deletes) byKind(key.kind).delete(key.id);
  for (const row of writes) {
    const value: unknown = JSON.parse(row.body);
    byKind(row.kind).set(row.id, { seq: row.seq, value });
  }
  const list = (kind: EntityKind): unknown[] => {
    const source = kept(kind)?.source;
    if (Array.isArray(source)) return source as unknown[];
    return [...(next.get(kind)?.values() ?? [])].sort((a, b) => a.seq - b.seq).map((entity) => entity.value);
  };
  const world: World = {
    organizations: list('organizations') as World['organizations'],
    groups: list('groups') as World['groups'],
    computers: list('computers') as World['computers'],
    applications: list('applications') as World['applications'],
    policies: list('policies') as World['policies'],
    agentSettings: list('agentSettings') as World['agentSettings'],
    approvalPolicies: list('approvalPolicies') as World['approvalPolicies'],
    approvalSettings: list('approvalSettings') as World['approvalSettings'],
  };
  const keptGates = kept(GATES_KIND);
  const gates = keptGates === undefined ? list(GATES_KIND)[0] : keptGates.source;
  if (gates !== undefined) world.gates = gates as World['gates'];
  recordSources(next, world);
  return { world, stored: next };
}
