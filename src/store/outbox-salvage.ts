/**
 * Reads what can still be read of a damaged cache's approval outbox, so that
 * moving the cache aside loses no request that is still legible: each row is
 * read on its own (a damaged page costs the rows on it, not the rest), checked
 * to be an approval request under its own id, and queued again in the new
 * cache, from where it is delivered once by its id like any other.
 */
import Database from 'better-sqlite3';
import { decodeAgentMessage } from '../wire/sync-messages.js';

/** Rowids probed one by one past the last one a scan reached, at most. */
export const MAX_SALVAGE_PROBES = 100_000;

interface OutboxRow {
  rowid: number;
  id: unknown;
  payload: unknown;
  created_at_ms: unknown;
  attempts: unknown;
}

interface Salvaged {
  id: string;
  payload: Buffer;
  createdAtMs: number;
  attempts: number;
}

/** The row as an outbox item, or null when any part of it is not what the outbox stores. */
function checked(row: OutboxRow): Salvaged | null {
  const { id, payload, created_at_ms: createdAtMs, attempts } = row;
  if (typeof id !== 'string' || id === '' || !Buffer.isBuffer(payload)) return null;
  if (typeof createdAtMs !== 'number' || !Number.isSafeInteger(createdAtMs)) return null;
  try {
    const message = decodeAgentMessage(payload);
    if (message.kind !== 'approval' || message.submission.requestId !== id) return null;
  } catch {
    return null;
  }
  const tries = typeof attempts === 'number' && Number.isSafeInteger(attempts) && attempts >= 0 ? attempts : 0;
  return { id, payload: Buffer.from(payload), createdAtMs, attempts: tries };
}

/** Steps through a statement's rows, stopping quietly at the first one that cannot be read. */
function readUntilError<T>(statement: Database.Statement<[], T>, each: (row: T) => void): void {
  try {
    for (const row of statement.iterate()) each(row);
  } catch {
    // The rest of this walk is behind a damaged page; other walks may reach it.
  }
}

/** Reads every legible outbox row of the database at `damaged` (opened read-only); never throws. */
export function readOutbox(damaged: string): Salvaged[] {
  let db: Database.Database;
  try {
    db = new Database(damaged, { readonly: true, fileMustExist: true });
  } catch {
    return [];
  }
  const found = new Map<string, Salvaged>();
  const rowids = new Set<number>();
  const keep = (row: OutboxRow): void => {
    rowids.add(row.rowid);
    const item = checked(row);
    if (item !== null && !found.has(item.id)) found.set(item.id, item);
  };
  try {
    const columns = 'rowid, id, payload, created_at_ms, attempts';
    const walks = [`SELECT ${columns} FROM outbox ORDER BY rowid`, `SELECT ${columns} FROM outbox ORDER BY rowid DESC`];
    for (const sql of walks) {
      let statement: Database.Statement<[], OutboxRow>;
      try {
        statement = db.prepare<[], OutboxRow>(sql);
      } catch {
        continue;
      }
      readUntilError(statement, keep);
    }
    // The indexes are other trees over the same rows: their rowids lead past damage in the table's walk.
    const indexed: number[] = [];
    for (const sql of [
      'SELECT rowid AS rowid FROM outbox INDEXED BY outbox_by_age ORDER BY created_at_ms',
      'SELECT rowid AS rowid FROM outbox INDEXED BY sqlite_autoindex_outbox_1 ORDER BY id',
    ]) {
      try {
        readUntilError(db.prepare<[], { rowid: number }>(sql), (row) => indexed.push(row.rowid));
      } catch {
        // No such index in this file.
      }
    }
    let one: Database.Statement<[number], OutboxRow>;
    try {
      one = db.prepare<[number], OutboxRow>(`SELECT ${columns} FROM outbox WHERE rowid = ?`);
    } catch {
      return [...found.values()];
    }
    const probe = (rowid: number): void => {
      if (rowids.has(rowid)) return;
      rowids.add(rowid);
      try {
        const row = one.get(rowid);
        if (row !== undefined) keep(row);
      } catch {
        // This row sits on a damaged page.
      }
    };
    for (const rowid of indexed) probe(rowid);
    // Rowids are given in order, so the ones between those seen are probed too.
    const highest = Math.max(0, ...rowids);
    for (let rowid = 1; rowid <= Math.min(highest + 1, MAX_SALVAGE_PROBES); rowid++) probe(rowid);
  } finally {
    db.close();
  }
  return [...found.values()];
}

/**
 * Queues the legible outbox rows of the damaged database at `damaged` in
 * `into` (a new cache); returns how many were queued. Never throws: what
 * cannot be read or written is left behind in the moved-aside file.
 */
export function salvageOutbox(damaged: string, into: Database.Database): number {
  const items = readOutbox(damaged);
  if (items.length === 0) return 0;
  try {
    const insert = into.prepare<[string, Buffer, number, number]>(
      'INSERT INTO outbox (id, payload, created_at_ms, attempts) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    );
    return into.transaction(() => {
      let queued = 0;
      for (const item of items) queued += insert.run(item.id, item.payload, item.createdAtMs, item.attempts).changes;
      return queued;
    })();
  } catch {
    return 0;
  }
}
