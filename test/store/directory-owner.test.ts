// Root never works in a directory another user controls (src/store/directory-owner.ts): the files it would
// make there would be root's, and that user could point their names at other files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { refuseOthersDirectoryAsRoot } from '../../src/store/directory-owner.js';

const root = process.getuid?.() === 0;

describe('refuseOthersDirectoryAsRoot', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-owner-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("refuses root in another user's directory, naming it and the owner; takes its own and a missing one", () => {
    // The process's own directory, and one not made yet, are always taken.
    refuseOthersDirectoryAsRoot(dir);
    refuseOthersDirectoryAsRoot(path.join(dir, 'not-yet'));
    const others = path.join(dir, 'service-data');
    fs.mkdirSync(others);
    if (root) fs.chownSync(others, 65534, 65534);
    let thrown: unknown = null;
    try {
      refuseOthersDirectoryAsRoot(others);
    } catch (error) {
      thrown = error;
    }
    if (root) {
      expect(thrown).toBeInstanceOf(TollgateError);
      expect((thrown as TollgateError).code).toBe('bad-config');
      expect((thrown as TollgateError).message).toContain(`${others} belongs to user 65534`);
    } else {
      // Not root: the directory is this user's own.
      expect(thrown).toBeNull();
    }
  });

  it('judges the folders above too, links resolved: one a missing folder would be made in, one a link leads into', () => {
    const home = path.join(dir, 'home');
    fs.mkdirSync(home);
    const open = path.join(dir, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    const shared = path.join(dir, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o1777);
    if (root) fs.chownSync(home, 65534, 65534);
    const inside = path.join(home, 'data');
    fs.mkdirSync(inside);
    const link = path.join(dir, 'link');
    fs.symlinkSync(inside, link);
    const cases: [string, RegExp | null][] = [
      // Not made yet: root would make it in the other user's folder.
      [path.join(home, 'not-yet', 'data'), root ? new RegExp(`${home} belongs to user 65534`) : null],
      // Root's folder inside the other user's: that user can rename it away.
      [inside, null],
      [link, null],
      // Anyone may rename in a folder everyone can write, unless it is sticky.
      [path.join(open, 'data'), root ? new RegExp(`${open} can be written by other users`) : null],
      [path.join(shared, 'data'), null],
    ];
    if (root) {
      fs.chownSync(inside, 0, 0);
      cases[1] = [inside, new RegExp(`${home} belongs to user 65534`)];
      cases[2] = [link, new RegExp(`${home} belongs to user 65534`)];
    }
    for (const [folder, refused] of cases) {
      if (refused === null) expect(() => refuseOthersDirectoryAsRoot(folder), folder).not.toThrow();
      else expect(() => refuseOthersDirectoryAsRoot(folder), folder).toThrow(refused);
    }
  });
});
