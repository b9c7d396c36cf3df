import { describe, expect, it, vi } from 'vitest';
import {
  DECISION_CACHE_MAX_CHAIN,
  DECISION_CACHE_MAX_PATH_CHAIN,
  DecisionCache,
  Doorkeeper,
  fileBytes,
  fileFingerprint,
} from '../../src/agent/decision-cache.js';
import type { FileRequest } from '../../src/engine/model.js';
import { fileKey, keyHash } from '../../src/wire/file-key.js';
import { CompiledView } from '../../src/engine/evaluate.js';
import type { World } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';

const EXPIRY = Date.parse('2026-12-01T00:00:00Z');

const WORLD: World = {
  organizations: [{ id: 'o', name: 'O', structure: 'flat', modules: [] }],
  groups: [{ id: 'g', org: 'o', name: 'G', os: 'linux', agentVersion: '10.6.0' }],
  computers: [{ id: 'c', group: 'g' }],
  applications: [{ id: 'tool', name: 'Tool', builtIn: false, rules: [{ path: '/opt/tool' }] }],
  policies: [
    {
      id: 'trial',
      app: 'tool',
      appliesTo: { group: 'g' },
      action: 'permit',
      order: 1,
      enabled: true,
      expiresAt: '2026-12-01T00:00:00Z',
    },
    { id: 'later', app: 'tool', appliesTo: { group: 'g' }, action: 'deny', order: 2, enabled: true },
  ],
  agentSettings: [],
  approvalPolicies: [],
  approvalSettings: [],
};

describe('DecisionCache', () => {
  const compiled = new CompiledView(buildView(WORLD, 'c'), 1);
  const next = (nowMs: number): number => compiled.nextExpiryAfter(nowMs);

  it('answers from the cache until the next policy expiry, then decides again', () => {
    const cache = new DecisionCache();
    let evaluations = 0;
    const decide = (nowMs: number) => () => {
      evaluations++;
      return compiled.evaluate({ path: '/opt/tool' }, { nowMs });
    };
    const before = EXPIRY - 1000;
    // Decided at the first ask, cached at the second.
    expect(cache.get({ path: '/opt/tool' }, before, next, decide(before)).policy).toBe('trial');
    expect(cache.get({ path: '/opt/tool' }, before + 1, next, decide(before + 1)).policy).toBe('trial');
    expect(cache.get({ path: '/opt/tool' }, EXPIRY - 1, next, decide(EXPIRY - 1)).policy).toBe('trial');
    expect(evaluations).toBe(2);
    // The expiry drops the decisions, not the doorkeeper's memory of the file: cached again at once.
    expect(cache.get({ path: '/opt/tool' }, EXPIRY, next, decide(EXPIRY)).policy).toBe('later');
    expect(cache.get({ path: '/opt/tool' }, EXPIRY + 1, next, decide(EXPIRY + 1)).policy).toBe('later');
    expect(evaluations).toBe(3);
    // The clock jumps back: the trial policy is live again.
    expect(cache.get({ path: '/opt/tool' }, before, next, decide(before)).policy).toBe('trial');
    expect(evaluations).toBe(4);
  });

  it('keys on every field a rule can look at, and forgets everything when cleared', () => {
    const keyed = new DecisionCache();
    let made = 0;
    const count = () => {
      made++;
      return compiled.evaluate({ path: '/opt/tool' }, { nowMs: 0 });
    };
    const files = [
      { path: '/a' },
      { path: '/a', sha256: 'ab' },
      { path: '/a', processPath: '/b' },
      { path: '/a', createdBy: '/b' },
      { path: '/a', certSubject: 'CN=x' },
      { path: '/a', certThumbprint: 'ab' },
      { path: '/b' },
    ];
    for (const file of files) expect(keyed.lookup(file, 0, next, count).file).toBe(file);
    expect(made).toBe(files.length);
    // Asked a second time with copies: each is decided again and kept (none taken for another).
    const copies = files.map((file) => ({ ...file }));
    for (const copy of copies) expect(keyed.lookup(copy, 0, next, count).file).toBe(copy);
    expect(made).toBe(2 * files.length);
    // Asked a third time: each is found, and the file kept is the one it was cached with.
    for (const [i, file] of files.entries()) expect(keyed.lookup({ ...file }, 0, next, count).file).toBe(copies[i]);
    expect(made).toBe(2 * files.length);
    expect(keyed.hits).toBe(files.length);
    expect(keyed.misses).toBe(2 * files.length);
    const cache = new DecisionCache();
    let evaluations = 0;
    const decide = () => {
      evaluations++;
      return compiled.evaluate({ path: '/opt/tool' }, { nowMs: 0 });
    };
    cache.get({ path: '/opt/tool' }, 0, next, decide);
    cache.get({ path: '/opt/tool' }, 0, next, decide);
    cache.get({ path: '/opt/tool' }, 0, next, decide);
    expect(evaluations).toBe(2);
    cache.clear();
    expect(cache.heldBytes).toBe(0);
    const again = cache.get({ path: '/opt/tool' }, 0, next, decide);
    expect(evaluations).toBe(3);
    expect(Object.isFrozen(again)).toBe(true);
  });

  it('fingerprints every field a rule can look at, and tells present from absent and fields apart', () => {
    const files = [
      { path: '/a' },
      { path: '/a', sha256: '' },
      { path: '/a', sha256: 'ab' },
      { path: '/a', certSubject: 'ab' },
      { path: '/a', certThumbprint: 'ab' },
      { path: '/a', processPath: 'ab' },
      { path: '/a', createdBy: 'ab' },
      { path: '/ab' },
      { path: '/b' },
    ];
    const prints = files.map(fileFingerprint);
    expect(new Set(prints).size).toBe(files.length);
    expect(prints.every((p) => Number.isInteger(p) && p > 0 && p <= 0xffffffff)).toBe(true);
    expect(fileFingerprint({ path: '/a', sha256: 'ab' })).toBe(prints[2]);
  });

  it('has a doorkeeper that remembers up to its bound, then starts over', () => {
    const keeper = new Doorkeeper(4);
    expect([1, 2, 3, 4].map((p) => keeper.seen(p))).toEqual([false, false, false, false]);
    expect(keeper.seen(1)).toBe(true);
    expect(keeper.seen(4)).toBe(true);
    expect(keeper.size).toBe(4);
    // Full: the fifth starts it over.
    expect(keeper.seen(9)).toBe(false);
    expect(keeper.size).toBe(1);
    expect(keeper.seen(9)).toBe(true);
    // 1 and 9 share a slot of the 8: 1 is probed past 9, and both are found.
    expect(keeper.seen(1)).toBe(false);
    expect(keeper.seen(1)).toBe(true);
    expect(keeper.seen(9)).toBe(true);
    for (const bad of [0, 3, 6, 2 ** 25, 1.5]) expect(() => new Doorkeeper(bad)).toThrow(/doorkeeperFingerprints/);
  });

  it('knows the next expiry', () => {
    expect(compiled.nextExpiryAfter(EXPIRY - 1)).toBe(EXPIRY);
    expect(compiled.nextExpiryAfter(EXPIRY)).toBe(Infinity);
  });

  it('finds by key bytes exactly the files it holds, counting hits only, until the next expiry', () => {
    const cache = new DecisionCache({ maxBytes: 64 * 1024 });
    const decide = (file: { path: string }, nowMs: number) => compiled.evaluate(file, { nowMs });
    const byKey = (file: FileRequest, nowMs: number) => {
      const key = fileKey(file) as Buffer;
      // The key inside a larger buffer, as a frame holds it.
      const frame = Buffer.concat([Buffer.from('lead'), key, Buffer.from('trailing bytes')]);
      return cache.lookupKey(frame, 4, 4 + key.length, keyHash(key), nowMs, next);
    };
    const tool: FileRequest = { path: '/opt/tool', sha256: 'ab' };
    const before = EXPIRY - 1000;
    // Asked once: decided, not cached; not found by key and nothing counted for the key lookup.
    cache.lookup(tool, before, next, decide);
    expect(byKey(tool, before)).toBeNull();
    expect([cache.hits, cache.misses]).toEqual([0, 1]);
    const second = cache.lookup({ ...tool }, before, next, decide);
    const found = byKey({ ...tool }, before);
    expect(found?.decision).toBe(second.decision);
    // What the decision log counts the file as, counted once when it was cached.
    expect(found?.fileBytes).toBe(fileBytes(tool));
    expect(found?.file).toBe(second.file);
    expect(found?.decision.action).toBe('permit');
    expect([cache.hits, cache.misses]).toEqual([1, 2]);
    // Another field, a field less, or a longer path: not the same key.
    expect(byKey({ ...tool, sha256: 'ac' }, before)).toBeNull();
    expect(byKey({ path: '/opt/tool' }, before)).toBeNull();
    expect(byKey({ path: '/opt/tool2', sha256: 'ab' }, before)).toBeNull();
    expect(cache.hits).toBe(1);
    // At the expiry the cache starts over: the key finds nothing until the file is asked twice again.
    expect(byKey(tool, EXPIRY)).toBeNull();
    cache.lookup(tool, EXPIRY, next, decide);
    cache.lookup(tool, EXPIRY, next, decide);
    expect(byKey(tool, EXPIRY)?.decision.action).toBe('deny');
  });

  it('keeps files found by key across generation turns, and lets the others go', () => {
    // Each generation holds 16 KiB: a few dozen files.
    const cache = new DecisionCache({ maxBytes: 32 * 1024 });
    const decide = (file: { path: string }, nowMs: number) => compiled.evaluate(file, { nowMs });
    const now = EXPIRY - 1000;
    const kept: FileRequest = { path: '/opt/tool', certSubject: 'CN=Tool' };
    const byKey = (file: FileRequest) => {
      const key = fileKey(file) as Buffer;
      return cache.lookupKey(key, 0, key.length, keyHash(key), now, next);
    };
    cache.lookup(kept, now, next, decide);
    cache.lookup(kept, now, next, decide);
    for (let i = 0; i < 2000; i++) {
      const other = { path: `/opt/other/${i}` };
      cache.lookup(other, now, next, decide);
      cache.lookup(other, now, next, decide);
      expect(byKey(kept)).not.toBeNull();
    }
    expect(byKey({ path: '/opt/other/0' })).toBeNull();
    expect(byKey({ path: '/opt/other/1999' })).not.toBeNull();
    expect(cache.heldBytes).toBeLessThanOrEqual(32 * 1024);
  });

  it('keeps a set of files asked again and again that fills more than half the bound, each ask a hit', () => {
    // 160 files of about 360 counted bytes each: some 56 KiB, more than half of the 96 KiB bound and
    // less than the three quarters the current generation holds (with the new files of a round).
    const maxBytes = 96 * 1024;
    const cache = new DecisionCache({ maxBytes });
    let decided = 0;
    const decide = (file: { path: string }, nowMs: number) => {
      decided++;
      return compiled.evaluate(file, { nowMs });
    };
    const now = EXPIRY - 1000;
    const files: FileRequest[] = Array.from({ length: 160 }, (_, i) => ({
      path: `/opt/tool/${i}`,
      sha256: `${i}`.padStart(64, '0'),
    }));
    const counted = files.reduce((sum, f) => sum + fileBytes(f) + (fileKey(f) as Buffer).length, 0);
    expect(counted).toBeGreaterThan(maxBytes / 2);
    expect(counted).toBeLessThan(maxBytes * 0.65);
    const byKey = (file: FileRequest) => {
      const key = fileKey(file) as Buffer;
      return cache.lookupKey(key, 0, key.length, keyHash(key), now, next);
    };
    // Asked twice: cached from the second ask.
    for (let round = 0; round < 2; round++) for (const f of files) cache.lookup(f, now, next, decide);
    expect(decided).toBe(2 * files.length);
    // Rounds of the same files, each followed by new files asked twice (cached, pushing on the bound):
    // the set stays, every ask of it a hit, and the new files are let go before it.
    for (let round = 0; round < 20; round++) {
      for (const f of files) expect(byKey(f)?.file).toEqual(f);
      for (let i = 0; i < 30; i++) {
        const other = { path: `/var/other/${round}/${i}` };
        cache.lookup(other, now, next, decide);
        cache.lookup(other, now, next, decide);
      }
      expect(cache.heldBytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(decided).toBe(2 * files.length + 20 * 30 * 2);
    expect(byKey({ path: '/var/other/0/0' })).toBeNull();
  });

  it('lets go of a bounded number of files one by one to admit one, turning the generations past that', () => {
    const maxBytes = 1024 * 1024;
    const cache = new DecisionCache({ maxBytes });
    const decide = (file: { path: string }, nowMs: number) => compiled.evaluate(file, { nowMs });
    const now = EXPIRY - 1000;
    // Thousands of small files (about 230 counted bytes each), cached: both generations hold many.
    for (let i = 0; i < 6000; i++) {
      const file = { path: `/opt/small/${i}` };
      cache.lookup(file, now, next, decide);
      cache.lookup(file, now, next, decide);
    }
    expect(cache.size).toBeGreaterThan(2000);
    // A file counted at about 450 KiB (its text twice, its key once): room for it is some 2,000 small files.
    const large = { path: `/opt/${'x'.repeat(150 * 1024)}` };
    cache.lookup(large, now, next, decide);
    const deletes = vi.spyOn(Map.prototype, 'delete');
    try {
      cache.lookup(large, now, next, decide);
      // Each file let go one by one is two deletes (by path, by key): about 64 of them, then a turn.
      expect(deletes.mock.calls.length).toBeLessThan(2 * 80);
    } finally {
      deletes.mockRestore();
    }
    const key = fileKey(large) as Buffer;
    expect(cache.lookupKey(key, 0, key.length, keyHash(key), now, next)?.file).toEqual(large);
    expect(cache.heldBytes).toBeLessThanOrEqual(maxBytes);
  });

  it('finds by key files whose keys fill many slabs, or are too long for one, across generation turns', () => {
    // Keys are copied into 64 KiB slabs of their generation: thousands of files span many slabs, a file
    // of a 40 KiB path gets a buffer of its own, and a file found again moves to the next generation's.
    const cache = new DecisionCache({ maxBytes: 4 * 1024 * 1024 });
    const decide = (file: { path: string }, nowMs: number) => compiled.evaluate(file, { nowMs });
    const now = EXPIRY - 1000;
    const byKey = (file: FileRequest) => {
      const key = fileKey(file) as Buffer;
      return cache.lookupKey(key, 0, key.length, keyHash(key), now, next);
    };
    const files: FileRequest[] = Array.from({ length: 3000 }, (_, i) => ({
      path: `/opt/tool/${'x'.repeat(i % 97)}/${i}`,
      ...(i % 3 === 0 ? { sha256: i.toString(16).padStart(64, '0') } : {}),
    }));
    files.push({ path: `/opt/${'long/'.repeat(8192)}tool` }, { path: `/opt/${'long/'.repeat(8192)}toot` });
    for (const file of files) {
      cache.lookup(file, now, next, decide);
      cache.lookup(file, now, next, decide);
    }
    for (const file of files) expect(byKey(file)?.file).toEqual(file);
    // A file differing in one byte of its key, or asked with another field, is not found.
    expect(byKey({ path: '/opt/tool//1' })).toBeNull();
    expect(byKey({ ...(files[1] as FileRequest), sha256: '0'.repeat(64) })).toBeNull();
    // Other files until the generation turns twice: those asked again in between stay, found by key.
    const kept = files.slice(0, 50);
    for (let i = 0; i < 40_000; i++) {
      const other = { path: `/var/other/${i}` };
      cache.lookup(other, now, next, decide);
      cache.lookup(other, now, next, decide);
      if (i % 1000 === 0) for (const file of kept) expect(byKey(file)?.file).toEqual(file);
    }
    for (const file of kept) expect(byKey(file)?.file).toEqual(file);
    expect(byKey(files[2999] as FileRequest)).toBeNull();
    expect(cache.heldBytes).toBeLessThanOrEqual(4 * 1024 * 1024);
  });

  it('never finds a file with a lone surrogate by key (it has none), only by its path', () => {
    const cache = new DecisionCache();
    const decide = (file: { path: string }, nowMs: number) => compiled.evaluate(file, { nowMs });
    const now = EXPIRY - 1000;
    const odd: FileRequest = { path: '/opt/tool\ud800' };
    cache.lookup(odd, now, next, decide);
    const cached = cache.lookup(odd, now, next, decide);
    expect(cache.lookup({ ...odd }, now, next, decide)).toBe(cached);
    const asSent = Buffer.from(odd.path, 'utf8'); // U+FFFD's bytes
    // The key the bytes sent would make: the path's tag (field 1, wire type 2), its length, its bytes.
    const key = Buffer.concat([Buffer.from([0x0a, asSent.length]), asSent]);
    expect(cache.lookupKey(key, 0, key.length, keyHash(key), now, next)).toBeNull();
  });

  it('decides a file its key just missed without a second lookup, caching it from its second ask as lookup does', () => {
    const cache = new DecisionCache({ maxBytes: 64 * 1024 });
    let decided = 0;
    const decide = (file: { path: string }, nowMs: number) => {
      decided++;
      return compiled.evaluate(file, { nowMs });
    };
    const now = EXPIRY - 1000;
    const ask = (file: FileRequest) => {
      const key = fileKey(file) as Buffer;
      const hash = keyHash(key);
      return cache.lookupKey(key, 0, key.length, hash, now, next) ?? cache.decideMissed(file, hash, now, next, decide);
    };
    const tool: FileRequest = { path: '/opt/tool', sha256: 'ab' };
    const first = ask(tool);
    expect(first.file).toBe(tool);
    expect(first.decision.action).toBe('permit');
    expect(Object.isFrozen(first.decision)).toBe(true);
    const second = ask({ ...tool });
    expect(second.decision).toBe(first.decision);
    // Cached at its second ask: the third is a hit by key, and by path, answered with the second ask's file.
    const third = ask({ ...tool });
    expect(third.file).toBe(second.file);
    expect(cache.lookup({ ...tool }, now, next, decide).file).toBe(second.file);
    expect([decided, cache.hits, cache.misses]).toEqual([2, 2, 2]);
    // The expiry starts the cache over, as for lookup.
    const late = cache.decideMissed({ ...tool }, keyHash(fileKey(tool) as Buffer), EXPIRY, next, decide);
    expect(late.decision.action).toBe('deny');
  });
  it('keeps the key bytes it is handed with a decision by number, copied out of the request', () => {
    const cache = new DecisionCache({ maxBytes: 64 * 1024 });
    const now = EXPIRY - 1000;
    const decision = compiled.evaluate({ path: '/opt/tool' }, { nowMs: now });
    const file: FileRequest = { path: '/opt/tool', certSubject: 'CN=Tool' };
    const key = fileKey(file) as Buffer;
    const hash = keyHash(key);
    let decided = 0;
    const decideNumber = (): number => {
      decided++;
      return 7;
    };
    // The key lies inside a larger buffer, as in a request frame, which is written over after each call.
    const frame = Buffer.alloc(key.length + 20, 0x55);
    const ask = (): number => {
      key.copy(frame, 10);
      const n = cache.decideMissedNumber(
        { ...file },
        hash,
        now,
        next,
        decideNumber,
        () => decision,
        frame,
        10,
        10 + key.length,
      );
      frame.fill(0xaa);
      return n;
    };
    expect([ask(), ask()]).toEqual([7, 7]);
    const found = cache.lookupKey(key, 0, key.length, hash, now, next);
    expect(found?.file).toEqual(file);
    expect(found?.decision).toBe(decision);
    expect(decided).toBe(2);
    expect(cache.heldBytes).toBe(fileBytes(file) + key.length);
  });

  it('keeps at most DECISION_CACHE_MAX_PATH_CHAIN files of one path, deciding the others each time they are asked', () => {
    const cache = new DecisionCache();
    let decided = 0;
    const decide = (file: { path: string }, nowMs: number) => {
      decided++;
      return compiled.evaluate(file, { nowMs });
    };
    const now = EXPIRY - 1000;
    // One program with many parent processes: each a file of its own.
    const files = Array.from({ length: DECISION_CACHE_MAX_PATH_CHAIN + 40 }, (_, i): FileRequest => ({
      path: '/opt/tool',
      processPath: `/usr/bin/parent-${i}`,
    }));
    for (const file of files) {
      cache.lookup(file, now, next, decide);
      cache.lookup({ ...file }, now, next, decide);
    }
    decided = 0;
    for (const file of files) expect(cache.lookup({ ...file }, now, next, decide).decision.action).toBe('permit');
    // The first files of the path are cached; the chain stops there, and the rest are decided each time.
    expect(decided).toBe(40);
  });

  it('keeps at most DECISION_CACHE_MAX_CHAIN keys of one hash, so keys made to collide cannot lengthen every find', () => {
    const collide = collidingPaths(3 * DECISION_CACHE_MAX_CHAIN);
    const hashes = new Set(collide.map((path) => keyHash(fileKey({ path }) as Buffer)));
    expect(hashes.size).toBe(1);
    const cache = new DecisionCache();
    const decide = (file: { path: string }, nowMs: number) => compiled.evaluate(file, { nowMs });
    const now = EXPIRY - 1000;
    for (const path of collide) {
      cache.lookup({ path }, now, next, decide);
      cache.lookup({ path }, now, next, decide);
    }
    const found = collide.filter((path) => {
      const key = fileKey({ path }) as Buffer;
      return cache.lookupKey(key, 0, key.length, keyHash(key), now, next) !== null;
    });
    expect(found).toEqual(collide.slice(0, DECISION_CACHE_MAX_CHAIN));
  });
});

/**
 * Distinct ASCII paths of one length whose file keys (fileKey) have one
 * keyHash. The hash has no secret, so anyone can make them: the key's
 * 4-byte blocks 2 and 3 (path bytes 6 to 13) are chosen so that the state
 * after block 3 is the same for every path, by inverting the block mix.
 */
function collidingPaths(count: number): string[] {
  const C1 = 0xcc9e2d51;
  const C2 = 0x1b873593;
  const inverse = (a: number): number => {
    // Newton's iteration for the inverse of an odd number modulo 2^32.
    let x = a;
    for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(a, x));
    return x;
  };
  const mix = (k: number): number => {
    const m = Math.imul(k, C1);
    return Math.imul((m << 15) | (m >>> 17), C2);
  };
  const unmix = (m: number): number => {
    const r = Math.imul(m, inverse(C2));
    return Math.imul((r >>> 15) | (r << 17), inverse(C1));
  };
  const step = (h: number, m: number): number => {
    const x = h ^ m;
    return (Math.imul((x << 13) | (x >>> 19), 5) + 0xe6546b64) | 0;
  };
  const word = (b: Buffer, at: number): number => b.readInt32LE(at);
  const base = '/opt/a' + 'bcdefghi' + '/tool/run';
  const key = fileKey({ path: base }) as Buffer; // tag, length, then the path: blocks at key offsets 0, 4, 8, 12...
  // The state before block 2 (key bytes 8 to 11), from the seed (the key's length) and blocks 0 and 1.
  const h0 = step(step(key.length, mix(word(key, 0))), mix(word(key, 4)));
  const s1 = step(h0, mix(word(key, 8)));
  const target = s1 ^ mix(word(key, 12));
  const printable = (k: number): boolean => {
    for (let i = 0; i < 4; i++) {
      const byte = (k >>> (8 * i)) & 0xff;
      if (byte < 0x21 || byte > 0x7e) return false;
    }
    return true;
  };
  const out = [base];
  let seed = 1;
  while (out.length < count) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const k2 = 0x41414141 + (seed % 0x3a3a3a3a);
    if (!printable(k2)) continue;
    const k3 = unmix(target ^ step(h0, mix(k2)));
    if (!printable(k3)) continue;
    const block = Buffer.alloc(8);
    block.writeInt32LE(k2 | 0, 0);
    block.writeInt32LE(k3 | 0, 4);
    const path = base.slice(0, 6) + block.toString('latin1') + base.slice(14);
    if (!out.includes(path)) out.push(path);
  }
  return out;
}
