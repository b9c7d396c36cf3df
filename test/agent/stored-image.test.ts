// The compiled view image stored beside the verified snapshot: a warm start
// opens it and decides as a fresh apply does; a damaged, mismatched,
// truncated or missing image is never served but compiled again from the
// verified stored snapshot (decisions unchanged, a warning told), and the
// image file is written again. The file is written after the apply
// returns; an apply that overtakes it leaves the newest snapshot's only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent, type AgentOptions } from '../../src/agent/agent.js';
import { IMAGE_HEADER } from '../../src/engine/view-image.js';
import type { Decision, FileRequest } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';
import { SYNTHETIC_NOW_MS, syntheticWorld } from '../../scripts/lib/synthetic-world.js';

const keys = generateSigningKeys();
const privateKey = parsePrivateKey(keys.privateKeyPem);
const SYNTHETIC = syntheticWorld({ policies: 2_000, seed: 11, requests: 400, requestsPerShape: 5 });
const COMPUTER = SYNTHETIC.computer;
const VIEW = buildView(SYNTHETIC.world, COMPUTER);
const REQUESTS: FileRequest[] = [...SYNTHETIC.requests, ...Object.values(SYNTHETIC.byShape).flat()];

function seal(version: number): Uint8Array {
  return sealSnapshot({ computerId: COMPUTER, version, issuedAtMs: 5, settingsVersion: 0, view: VIEW }, privateKey);
}

describe('the stored view image', () => {
  let dir: string;
  let dbFile: string;
  let stores: AgentStore[];
  let problems: string[];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-image-'));
    dbFile = path.join(dir, 'agent.db');
    stores = [];
    problems = [];
  });

  afterEach(() => {
    for (const store of stores) store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function newAgent(options: Partial<AgentOptions> = {}): { agent: Agent; store: AgentStore } {
    const store = AgentStore.open(dbFile);
    stores.push(store);
    const agent = new Agent({
      store,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: COMPUTER,
      noSnapshotAction: 'deny',
      clock: () => SYNTHETIC_NOW_MS,
      onImageProblem: (problem) => problems.push(problem),
      ...options,
    });
    return { agent, store };
  }

  const decisions = (agent: Agent): Decision[] => REQUESTS.map((file) => agent.decide(file));

  function imageFiles(): string[] {
    const folder = `${dbFile}.images`;
    return fs.existsSync(folder) ? fs.readdirSync(folder).sort() : [];
  }

  function imagePath(): string {
    const files = imageFiles();
    expect(files).toHaveLength(1);
    return path.join(`${dbFile}.images`, files[0] as string);
  }

  /** Applies version 1 in one agent and returns its decisions (the fresh apply), once its image file is written. */
  async function applyFresh(): Promise<Decision[]> {
    const { agent, store } = newAgent();
    agent.applySnapshot(seal(1));
    await store.imagesWritten();
    return decisions(agent);
  }

  /**
   * A warm start in a new agent: its decisions and what it told, once an
   * image file it writes (after compiling the snapshot again) is written.
   */
  async function warmStart(
    options: Partial<AgentOptions> = {},
  ): Promise<{ decisions: Decision[]; problems: string[] }> {
    problems = [];
    const { agent, store } = newAgent(options);
    const loaded = agent.loadFromStore();
    expect(loaded.problems).toEqual([]);
    expect(agent.snapshotVersion).toBe(1);
    const made = decisions(agent);
    await store.imagesWritten();
    return { decisions: made, problems };
  }

  it('is written beside the snapshot, named by its SHA-256, after the apply returns; a warm start from it decides as the fresh apply', async () => {
    const { agent, store } = newAgent();
    agent.applySnapshot(seal(1));
    // The apply returns once the snapshot is committed: its image file is written after.
    expect(imageFiles()).toEqual([]);
    expect(store.activeSnapshotRecord()?.version).toBe(1);
    await store.imagesWritten();
    const fresh = decisions(agent);
    expect(imageFiles()).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.img$/)]);
    const warm = await warmStart();
    expect(warm.problems).toEqual([]);
    expect(warm.decisions).toEqual(fresh);
    // Some decisions are made by policies, not only the default.
    expect(new Set(fresh.map((d) => d.policy)).size).toBeGreaterThan(10);
  });

  const damages: [string, (file: string) => void, RegExp][] = [
    [
      'a flipped byte in its columns',
      (file) => {
        const bytes = fs.readFileSync(file);
        const at = bytes.length - 100;
        bytes[at] = (bytes[at] as number) ^ 0x40;
        fs.writeFileSync(file, bytes);
      },
      /checksum differs/,
    ],
    ['truncated', (file) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2)), /truncated/],
    ['missing', (file) => fs.unlinkSync(file), /missing/],
    ['not an image at all', (file) => fs.writeFileSync(file, Buffer.alloc(5000, 0x5a)), /magic/],
    [
      'bound to another snapshot hash',
      (file) => {
        const bytes = fs.readFileSync(file);
        const imageAt = imageStart(bytes);
        bytes[imageAt + IMAGE_HEADER.hash] = (bytes[imageAt + IMAGE_HEADER.hash] as number) ^ 1;
        fs.writeFileSync(file, bytes);
      },
      /another snapshot/,
    ],
    [
      'compiled by another tollgate release',
      (file) => {
        const bytes = fs.readFileSync(file);
        const length = bytes.readUInt32LE(4);
        const record = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
        const older = Buffer.from(JSON.stringify({ ...record, tollgate: '0.0.1-older' }), 'utf8');
        const head = Buffer.alloc((8 + older.length + 7) & ~7);
        bytes.copy(head, 0, 0, 4);
        head.writeUInt32LE(older.length, 4);
        older.copy(head, 8);
        fs.writeFileSync(file, Buffer.concat([head, bytes.subarray(imageStart(bytes))]));
      },
      /compiled for .*0\.0\.1-older/,
    ],
    [
      'of another image format version',
      (file) => {
        const bytes = fs.readFileSync(file);
        bytes.writeUInt32LE(99, imageStart(bytes) + IMAGE_HEADER.format);
        fs.writeFileSync(file, bytes);
      },
      /format version 99/,
    ],
  ];

  for (const [what, damage, reason] of damages) {
    it(`${what}: compiled again from the verified snapshot, decisions unchanged, told, and written again`, async () => {
      const fresh = await applyFresh();
      const file = imagePath();
      const good = fs.readFileSync(file);
      damage(file);
      const warm = await warmStart();
      expect(warm.decisions).toEqual(fresh);
      expect(warm.problems).toHaveLength(1);
      expect(warm.problems[0]).toMatch(/stored view image of snapshot 1 cannot be used/);
      expect(warm.problems[0]).toMatch(reason);
      // The image is whole again: the next warm start opens it without a word.
      expect(fs.readFileSync(imagePath()).equals(good)).toBe(true);
      expect((await warmStart()).problems).toEqual([]);
    });
  }

  it('compiled for another agent version or os: not used, compiled again for this one', async () => {
    await applyFresh();
    const other = await warmStart({ agentVersion: '1.0.0', os: 'macos' });
    expect(other.problems.join()).toMatch(/image-mismatch|compiled for/);
    const { agent } = newAgent({ agentVersion: '1.0.0', os: 'macos' });
    agent.loadFromStore();
    expect(agent.status()).toMatchObject({ agentVersion: '1.0.0', os: 'macos' });
  });

  it('a stored snapshot row from before images were kept: verified, compiled, and its image written', async () => {
    const fresh = await applyFresh();
    fs.rmSync(`${dbFile}.images`, { recursive: true });
    const db = new Database(dbFile);
    db.prepare('UPDATE snapshots SET sha256 = NULL, key_id = NULL').run();
    db.close();
    const first = await warmStart();
    expect(first.decisions).toEqual(fresh);
    expect(first.problems).toEqual([]);
    expect(imageFiles()).toHaveLength(1);
    const second = await warmStart();
    expect(second.problems).toEqual([]);
    expect(second.decisions).toEqual(fresh);
  });

  it('an image is never served when the stored snapshot no longer hashes to it: the snapshot decides', async () => {
    await applyFresh();
    const db = new Database(dbFile);
    const part = db
      .prepare<[], { bytes: Buffer }>('SELECT bytes FROM snapshot_parts WHERE version = 1 AND seq = 0')
      .get()!;
    part.bytes[10] = (part.bytes[10] as number) ^ 1;
    db.prepare('UPDATE snapshot_parts SET bytes = ? WHERE version = 1 AND seq = 0').run(part.bytes);
    db.close();
    const { agent } = newAgent();
    const loaded = agent.loadFromStore();
    expect(problems.join()).toMatch(/no longer hashes to it/);
    expect(loaded.problems.join()).toMatch(/stored snapshot 1 cannot be used/);
    expect(agent.snapshotVersion).toBeNull();
  });

  /** Flips one bit of the first stored part of snapshot `version`, and removes every image file. */
  function damageWithoutImage(version: number): void {
    const db = new Database(dbFile);
    const part = db
      .prepare<[number], { bytes: Buffer }>('SELECT bytes FROM snapshot_parts WHERE version = ? AND seq = 0')
      .get(version)!;
    part.bytes[10] = (part.bytes[10] as number) ^ 1;
    db.prepare('UPDATE snapshot_parts SET bytes = ? WHERE version = ? AND seq = 0').run(part.bytes, version);
    db.close();
    for (const file of imageFiles()) fs.rmSync(path.join(`${dbFile}.images`, file));
  }

  it('a damaged active snapshot without its image: removed, the newest usable kept one serves, and the server may send it again', async () => {
    const { agent, store } = newAgent();
    for (const version of [1, 2, 3]) agent.applySnapshot(seal(version));
    await store.imagesWritten();
    const fresh = decisions(agent);
    damageWithoutImage(3);
    damageWithoutImage(2);

    const restarted = newAgent();
    const loaded = restarted.agent.loadFromStore();
    expect(loaded.problems).toEqual([
      expect.stringMatching(
        /^stored snapshot 3 cannot be used: .*: removed from the cache; stored snapshot 2 serves until the server sends a newer one$/,
      ),
      expect.stringMatching(
        /^stored snapshot 2 cannot be used: .*: removed from the cache; stored snapshot 1 serves until the server sends a newer one$/,
      ),
    ]);
    expect(loaded.snapshotVersion).toBe(1);
    expect(restarted.agent.snapshotVersion).toBe(1);
    expect(decisions(restarted.agent)).toEqual(fresh.map((d) => ({ ...d, snapshotVersion: 1 })));
    expect(restarted.store.previousSnapshots()).toEqual([]);
    // The removed versions are newer than the one held: the server's copy of version 3 is taken.
    expect(restarted.agent.applySnapshot(seal(3))).toEqual({ version: 3 });
    expect(decisions(restarted.agent)).toEqual(fresh);
  });

  it('no kept snapshot usable: none serves, and the next snapshot is taken whatever its version', () => {
    const { agent } = newAgent();
    agent.applySnapshot(seal(4));
    damageWithoutImage(4);
    const restarted = newAgent();
    const loaded = restarted.agent.loadFromStore();
    expect(loaded.problems).toEqual([
      expect.stringMatching(
        /^stored snapshot 4 cannot be used: .*: removed from the cache; no earlier snapshot is kept/,
      ),
    ]);
    expect(restarted.agent.snapshotVersion).toBeNull();
    expect(restarted.agent.decide(REQUESTS[0]!)).toMatchObject({ action: 'deny', reason: 'no policy snapshot' });
    expect(restarted.agent.applySnapshot(seal(4))).toEqual({ version: 4 });
  });

  it('a stored snapshot for another computer is not removed: that is a configuration to fix', () => {
    const { agent } = newAgent();
    agent.applySnapshot(seal(1));
    for (const file of imageFiles()) fs.rmSync(path.join(`${dbFile}.images`, file));
    const other = newAgent({ computerId: 'someone-else' });
    expect(other.agent.loadFromStore().problems).toEqual([expect.stringMatching(/stored snapshot 1 cannot be used/)]);
    expect(other.store.activeSnapshotRecord()?.version).toBe(1);
    const again = newAgent();
    expect(again.agent.loadFromStore().problems).toEqual([]);
    expect(again.agent.snapshotVersion).toBe(1);
  });

  /** Flips one bit of the first stored part of snapshot 1 (the image file stays whole). */
  function damageStoredSnapshot(): void {
    const db = new Database(dbFile);
    const part = db
      .prepare<[], { bytes: Buffer }>('SELECT bytes FROM snapshot_parts WHERE version = 1 AND seq = 0')
      .get()!;
    part.bytes[10] = (part.bytes[10] as number) ^ 1;
    db.prepare('UPDATE snapshot_parts SET bytes = ? WHERE version = 1 AND seq = 0').run(part.bytes);
    db.close();
  }

  describe('with the stored snapshot hashed after the image serves (deferSnapshotHash, as the daemon does)', () => {
    it('a whole stored snapshot: the background hash agrees, and nothing changes', async () => {
      const fresh = await applyFresh();
      const { agent, store } = newAgent({ deferSnapshotHash: true });
      expect(agent.loadFromStore().problems).toEqual([]);
      const viewHash = agent.viewHash;
      expect(viewHash).not.toBeNull();
      expect(agent.uncheckedSnapshot).toEqual({ version: 1 });
      expect(decisions(agent)).toEqual(fresh);
      const check = await store.backgroundCheck(agent.uncheckedSnapshot);
      expect(check.failed).toBeNull();
      expect(check.hash?.problem).toBeNull();
      expect(agent.storedSnapshotHashed(1, check.hash?.sha256 ?? null)).toBeNull();
      expect(agent.uncheckedSnapshot).toBeNull();
      expect(agent.viewHash).toEqual(viewHash);
      expect(problems).toEqual([]);
    });

    it('a damaged stored snapshot with a good image: served from the image, then reported; the image keeps serving and deltas are refused', async () => {
      const fresh = await applyFresh();
      damageStoredSnapshot();
      const { agent, store } = newAgent({ deferSnapshotHash: true });
      expect(agent.loadFromStore().problems).toEqual([]);
      // Served from the image, which is whole and bound to the hash recorded at verification.
      expect(agent.snapshotVersion).toBe(1);
      expect(decisions(agent)).toEqual(fresh);
      const check = await store.backgroundCheck(agent.uncheckedSnapshot);
      expect(check.problems).toEqual([]);
      expect(check.hash?.version).toBe(1);
      const problem = agent.storedSnapshotHashed(1, check.hash?.sha256 ?? null, check.hash?.problem ?? null);
      expect(problem).toMatch(/stored snapshot 1 no longer hashes to the SHA-256 recorded when it was verified/);
      // What changes: no view hash is held, so the server sends a full snapshot rather than a delta on it.
      expect(agent.viewHash).toBeNull();
      expect(agent.held().viewHash).toBeNull();
      expect(agent.snapshotVersion).toBe(1);
      expect(decisions(agent)).toEqual(fresh);
      // A full snapshot replaces it, stored whole.
      agent.applySnapshot(seal(2));
      expect(agent.viewHash).not.toBeNull();
      expect(store.hashActiveSnapshot()).not.toBeNull();
    });

    it('a result for a version no longer active changes nothing', async () => {
      await applyFresh();
      damageStoredSnapshot();
      const { agent, store } = newAgent({ deferSnapshotHash: true });
      agent.loadFromStore();
      const check = store.backgroundCheck(agent.uncheckedSnapshot);
      agent.applySnapshot(seal(2));
      expect(agent.uncheckedSnapshot).toBeNull();
      const result = await check;
      expect(agent.storedSnapshotHashed(1, result.hash?.sha256 ?? null)).toBeNull();
      expect(agent.viewHash).not.toBeNull();
    });
  });

  it('keeps the image of the active snapshot only, and removes leftover temporary files', async () => {
    const { agent, store } = newAgent();
    agent.applySnapshot(seal(1));
    await store.imagesWritten();
    const first = imageFiles();
    fs.writeFileSync(path.join(`${dbFile}.images`, 'leftover.img.tmp'), 'x');
    agent.applySnapshot(seal(2));
    await store.imagesWritten();
    const second = imageFiles();
    expect(second).toHaveLength(1);
    expect(second).not.toEqual(first);
    expect(store.activeSnapshotRecord()?.info?.sha256.toString('hex')).toBe(second[0]?.replace('.img', ''));
  });

  /** The image file name of the active snapshot. */
  const activeImage = (store: AgentStore): string =>
    `${store.activeSnapshotRecord()?.info?.sha256.toString('hex')}.img`;

  it('a second apply before the first image is written: only the image of the newest snapshot is written, and serves', async () => {
    const { agent, store } = newAgent();
    agent.applySnapshot(seal(1));
    agent.applySnapshot(seal(2));
    await store.imagesWritten();
    expect(imageFiles()).toEqual([activeImage(store)]);
    const { agent: warm } = newAgent();
    expect(warm.loadFromStore().problems).toEqual([]);
    expect(warm.snapshotVersion).toBe(2);
    expect(problems).toEqual([]);
  });

  it('an image write overtaken by a newer apply half way is given up and leaves no file of the older snapshot', async () => {
    const { agent, store } = newAgent();
    let newer: number | null = null;
    agent.applySnapshot(seal(1), { duringImageWrite: () => (newer = agent.applySnapshot(seal(2)).version) });
    await store.imagesWritten();
    expect(newer).toBe(2);
    expect(imageFiles()).toEqual([activeImage(store)]);
    const { agent: warm } = newAgent();
    expect(warm.loadFromStore().problems).toEqual([]);
    expect(warm.snapshotVersion).toBe(2);
    expect(decisions(warm)).toEqual(decisions(agent));
    expect(problems).toEqual([]);
  });

  it('an image write not finished when the store closes is given up: the next start compiles the snapshot again', async () => {
    const { agent, store } = newAgent();
    agent.applySnapshot(seal(1));
    store.close();
    await store.imagesWritten();
    expect(imageFiles().filter((name) => name.endsWith('.img'))).toEqual([]);
    const warm = await warmStart();
    expect(warm.problems.join()).toMatch(/stored view image of snapshot 1 cannot be used \(its file is missing\)/);
    expect(imageFiles()).toEqual([activeImage(stores.at(-1) as AgentStore)]);
  });

  it('removes image files left in a cache that holds no snapshot when it starts', () => {
    const { agent } = newAgent();
    fs.mkdirSync(`${dbFile}.images`, { recursive: true });
    fs.writeFileSync(path.join(`${dbFile}.images`, `${'ab'.repeat(32)}.img`), 'an image of an earlier cache');
    fs.writeFileSync(path.join(`${dbFile}.images`, `${'cd'.repeat(32)}.img.tmp`), 'half written');
    expect(imageFiles()).toHaveLength(2);
    expect(agent.loadFromStore().snapshotVersion).toBeNull();
    expect(imageFiles()).toEqual([]);
  });

  it('is not stored when larger than the bound: warm start compiles again and says why', async () => {
    const store = AgentStore.open(dbFile, { maxImageBytes: 1024 });
    stores.push(store);
    const agent = new Agent({
      store,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: COMPUTER,
      noSnapshotAction: 'deny',
      clock: () => SYNTHETIC_NOW_MS,
      onImageProblem: (problem) => problems.push(problem),
    });
    agent.applySnapshot(seal(1));
    await store.imagesWritten();
    expect(problems.join()).toMatch(/larger than the cache keeps/);
    expect(imageFiles()).toEqual([]);
    expect(decisions(agent)).toEqual(applyFreshIn(path.join(dir, 'other.db')));
  });

  function applyFreshIn(file: string): Decision[] {
    const store = AgentStore.open(file);
    stores.push(store);
    const agent = new Agent({
      store,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: COMPUTER,
      noSnapshotAction: 'deny',
      clock: () => SYNTHETIC_NOW_MS,
    });
    agent.applySnapshot(seal(1));
    return decisions(agent);
  }
});

/** Where the image starts in an image file (after the binding record; see active-image.ts). */
function imageStart(file: Buffer): number {
  return (8 + file.readUInt32LE(4) + 7) & ~7;
}
