// The view image files beside the agent cache: written whole (temporary
// file, then rename), read back, bounded in size, pruned to the active
// snapshot's; and the snapshot row's record that binds them.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentStore, type SnapshotInfo } from '../../src/store/agent-store.js';
import { ImageFiles, prefetchImage } from '../../src/store/image-files.js';

const sha = (text: string): Buffer => createHash('sha256').update(text).digest();

describe('ImageFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-images-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes parts as one file named by the hash, reads it back, and says null for a missing one', () => {
    const images = new ImageFiles(path.join(dir, 'agent.db.images'), 1024);
    expect(images.read(sha('a'))).toBeNull();
    expect(images.write(sha('a'), [Buffer.from('head'), Buffer.from('body')])).toBe(true);
    expect(images.read(sha('a'))?.toString()).toBe('headbody');
    expect(images.list()).toEqual([`${sha('a').toString('hex')}.img`]);
  });

  it("refuses a FIFO in an image file's place at once, read or read ahead, rather than wait for a writer", async () => {
    const images = new ImageFiles(path.join(dir, 'agent.db.images'), 1 << 20);
    fs.mkdirSync(images.folder);
    execFileSync('mkfifo', [images.path(sha('a'))]);
    // Should the open wait after all, a writer comes after 3 s: the read would then return its bytes.
    const writer = spawn('sh', ['-c', `sleep 3; echo late > '${images.path(sha('a'))}'`], { stdio: 'ignore' });
    try {
      expect(await prefetchImage(images.folder)).toBeNull();
      expect(() => images.read(sha('a'))).toThrow(
        expect.objectContaining({
          code: 'image-damaged',
          message: `view image file ${images.path(sha('a'))} is a FIFO (named pipe), not a regular file`,
        }),
      );
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('reads the one image file ahead, and the next read of that file takes those bytes', async () => {
    const images = new ImageFiles(path.join(dir, 'agent.db.images'), 1 << 20);
    expect(await prefetchImage(images.folder)).toBeNull();
    const body = Buffer.alloc(300_000, 7);
    images.write(sha('a'), [Buffer.from('head'), body]);
    const whole = Buffer.concat([Buffer.from('head'), body]);
    const ahead = await prefetchImage(images.folder);
    expect(ahead?.file).toBe(images.path(sha('a')));
    const bytes = ahead?.bytes;
    expect(bytes?.equals(whole)).toBe(true);
    // The bytes handed over are what the read returns, once, for that file only; the object handed over no
    // longer holds them.
    images.offer(ahead);
    expect(ahead?.bytes).toBeNull();
    expect(images.read(sha('b'))).toBeNull();
    expect(images.read(sha('a'))).not.toBe(bytes);
    images.offer({ file: images.path(sha('a')), bytes: bytes as Buffer });
    expect(images.read(sha('a'))).toBe(bytes);
    expect(images.read(sha('a'))).not.toBe(bytes);
    expect(images.read(sha('a'))?.equals(whole)).toBe(true);
    // Offered again, an object already taken from hands over nothing; null lets bytes offered go unused.
    images.offer(ahead);
    expect(images.read(sha('a'))).not.toBe(bytes);
    images.offer({ file: images.path(sha('a')), bytes: bytes as Buffer });
    images.offer(null);
    expect(images.read(sha('a'))).not.toBe(bytes);
    // Bytes larger than the bound are not taken: the file is read, and judged, as without them.
    const small = new ImageFiles(images.folder, 8);
    small.offer({ file: images.path(sha('a')), bytes: bytes as Buffer });
    expect(() => small.read(sha('a'))).toThrow(expect.objectContaining({ code: 'image-damaged' }));
    expect(await prefetchImage(images.folder, 8)).toBeNull();
    // Two image files: which one is active is the cache's to say, so none is read ahead.
    images.write(sha('b'), [Buffer.from('b')]);
    expect(await prefetchImage(images.folder)).toBeNull();
    expect(await prefetchImage(path.join(dir, 'missing'))).toBeNull();
  });

  it('refuses to write or read more than its bound', () => {
    const images = new ImageFiles(path.join(dir, 'agent.db.images'), 8);
    expect(images.write(sha('a'), [Buffer.alloc(9)])).toBe(false);
    expect(images.list()).toEqual([]);
    fs.mkdirSync(images.folder, { recursive: true });
    fs.writeFileSync(images.path(sha('b')), Buffer.alloc(9));
    expect(() => images.read(sha('b'))).toThrow(expect.objectContaining({ code: 'image-damaged' }));
  });

  it('leaves no file behind when a write is stopped half way, and prune removes temporary files', () => {
    const images = new ImageFiles(path.join(dir, 'agent.db.images'), 1 << 30);
    images.write(sha('old'), [Buffer.from('old')]);
    expect(() =>
      images.write(sha('new'), [Buffer.alloc(1000)], {
        duringImageWrite: () => {
          throw new Error('stopped');
        },
      }),
    ).toThrow('stopped');
    expect(images.list()).toEqual([`${sha('old').toString('hex')}.img`]);
    fs.writeFileSync(path.join(images.folder, 'x.img.tmp'), 'left by a crash');
    fs.writeFileSync(path.join(images.folder, 'notes.txt'), 'not ours');
    images.write(sha('new'), [Buffer.from('new')]);
    images.prune([sha('new')]);
    expect(images.list()).toEqual([`${sha('new').toString('hex')}.img`, 'notes.txt']);
  });

  it('prunes later as prune does, keeping what keep names when the list is in, and nothing when keep is null', async () => {
    const images = new ImageFiles(path.join(dir, 'agent.db.images'), 1 << 30);
    images.write(sha('old'), [Buffer.from('old')]);
    images.write(sha('new'), [Buffer.from('new')]);
    fs.writeFileSync(path.join(images.folder, 'x.img.tmp'), 'left by a crash');
    fs.writeFileSync(path.join(images.folder, 'notes.txt'), 'not ours');
    await images.pruneLater(() => null);
    expect(images.list()).toHaveLength(4);
    let kept: Buffer = sha('old');
    const pruned = images.pruneLater(() => [kept]);
    kept = sha('new');
    await pruned;
    expect(images.list()).toEqual([`${sha('new').toString('hex')}.img`, 'notes.txt']);
    await images.pruneLater(() => []);
    expect(images.list()).toEqual(['notes.txt']);
    fs.rmSync(images.folder, { recursive: true });
    await expect(images.pruneLater(() => [])).resolves.toBeUndefined();
  });

  it('writes later, a slice at a time, as write does, and stops, leaving no file, once the image is no longer wanted', async () => {
    const images = new ImageFiles(path.join(dir, 'agent.db.images'), 1 << 30);
    const body = Buffer.alloc(9 * 1024 * 1024, 3);
    expect(await images.writeLater(sha('a'), { parts: [Buffer.from('head'), body] }, () => true)).toBe('written');
    expect(images.read(sha('a'))?.equals(Buffer.concat([Buffer.from('head'), body]))).toBe(true);
    expect(await new ImageFiles(images.folder, 8).writeLater(sha('b'), { parts: [body] }, () => true)).toBe(
      'too-large',
    );
    // Given up half way: neither its temporary file nor a renamed one is left.
    let wanted = true;
    const halfway = { duringImageWrite: () => (wanted = false) };
    expect(await images.writeLater(sha('c'), { parts: [body] }, () => wanted, halfway)).toBe('stopped');
    // The same once its parts are let go (set to null) half way.
    const held: { parts: Buffer[] | null } = { parts: [body] };
    const letGo = { duringImageWrite: () => (held.parts = null) };
    expect(await images.writeLater(sha('c'), held, () => true, letGo)).toBe('stopped');
    // Given up once renamed (a newer snapshot committed meanwhile): the renamed file is deleted too.
    let renamed = false;
    const keptUntilRenamed = (): boolean => {
      renamed = fs.existsSync(images.path(sha('d')));
      return !renamed;
    };
    const one = { parts: [Buffer.from('d')] };
    expect(await images.writeLater(sha('d'), one, () => true, {}, keptUntilRenamed)).toBe('stopped');
    expect(renamed).toBe(true);
    expect(images.list()).toEqual([`${sha('a').toString('hex')}.img`]);

    // A write that fails leaves nothing behind either.
    await expect(
      images.writeLater(sha('e'), { parts: [body] }, () => true, {
        duringImageWrite: () => {
          throw new Error('stopped');
        },
      }),
    ).rejects.toThrow('stopped');
    expect(images.list()).toEqual([`${sha('a').toString('hex')}.img`]);
    // Given up after its last byte (wanted no more: the folder made, its one slice written, then the end found),
    // while its snapshot is in force again: the whole file is renamed into place and kept.
    let calls = 0;
    const givenUpAtTheEnd = (): boolean => ++calls <= 3;
    expect(await images.writeLater(sha('f'), { parts: [Buffer.from('f')] }, givenUpAtTheEnd, {}, () => true)).toBe(
      'written',
    );
    expect(calls).toBe(3);
    expect(images.read(sha('f'))?.toString()).toBe('f');
  });

  it('leaves a write in progress its temporary file when pruned meanwhile, and prunes one no write owns', async () => {
    const images = new ImageFiles(path.join(dir, 'agent.db.images'), 1 << 30);
    const body = Buffer.alloc(9 * 1024 * 1024, 5);
    fs.mkdirSync(images.folder, { recursive: true });
    fs.writeFileSync(path.join(images.folder, 'x.img.tmp'), 'left by a crash');
    const seenAfterPrune: string[][] = [];
    let later: Promise<void> = Promise.resolve();
    const pruneHalfway = {
      duringImageWrite: () => {
        // Both prunes run while the write's temporary file is open, half written.
        images.prune([]);
        seenAfterPrune.push(images.list());
        later = images.pruneLater(() => [sha('a')]);
      },
    };
    const write = images.writeLater(sha('a'), { parts: [body] }, () => true, pruneHalfway);
    expect(await write).toBe('written');
    await later;
    expect(seenAfterPrune).toHaveLength(1);
    const [during] = seenAfterPrune;
    expect(during).toHaveLength(1);
    expect(during?.[0]).toMatch(new RegExp(`^${sha('a').toString('hex')}\\.img\\.\\d+\\.tmp$`));
    expect(images.read(sha('a'))?.equals(body)).toBe(true);
    // Once the write is over, its name is no longer held: a file of that name (left by a crash) is pruned.
    fs.writeFileSync(path.join(images.folder, during?.[0] as string), 'left by a crash');
    images.prune([sha('a')]);
    expect(images.list()).toEqual([`${sha('a').toString('hex')}.img`]);
  });

  it('rejects a name that is not a SHA-256', () => {
    const images = new ImageFiles(path.join(dir, 'agent.db.images'), 1024);
    expect(() => images.path(Buffer.alloc(5))).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
  });
});

describe('AgentStore snapshot records', () => {
  let dir: string;
  let store: AgentStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-records-'));
    store = AgentStore.open(path.join(dir, 'agent.db'));
  });
  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const info = (bytes: Buffer): SnapshotInfo => ({
    sha256: createHash('sha256').update(bytes).digest(),
    keyId: '0123456789abcdef',
    issuedAtMs: 11,
    settingsVersion: 3,
    viewHash: null,
  });

  it('records what a warm start needs, hashes the stored parts, and keeps the active image only', async () => {
    expect(store.activeSnapshotRecord()).toBeNull();
    expect(store.hashActiveSnapshot()).toBeNull();
    const one = Buffer.alloc(3 * 1024 * 1024 + 5, 1);
    store.images.write(info(one).sha256, [Buffer.from('image 1')]);
    store.applySnapshot(1, one, 100, {}, info(one));
    expect(store.activeSnapshotRecord()).toEqual({ version: 1, appliedAtMs: 100, byDelta: false, info: info(one) });
    expect(store.hashActiveSnapshot()).toEqual(info(one).sha256);
    const two = Buffer.from('two');
    store.applySnapshot(2, two, 200);
    // A row stored without a record (as before images): none, until it is filled in; no image is kept for it.
    expect(store.activeSnapshotRecord()?.info).toBeNull();
    // The other images go after the apply has returned.
    expect(store.images.list()).toEqual([`${info(one).sha256.toString('hex')}.img`]);
    await store.imagesWritten();
    expect(store.images.list()).toEqual([]);
    store.setSnapshotInfo(2, info(two));
    store.images.write(info(two).sha256, [Buffer.from('image 2')]);
    store.images.write(info(one).sha256, [Buffer.from('image 1')]);
    expect(store.activeSnapshotRecord()?.info).toEqual(info(two));
    expect(store.pruneImages()).toBeNull();
    expect(store.images.list()).toEqual([`${info(two).sha256.toString('hex')}.img`]);
  });
});
