// Root never works in a data directory another user owns (src/server/file-owner.ts): the files it would
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
});
