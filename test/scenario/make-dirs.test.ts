import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDirs } from '../../src/scenario/make-dirs.js';

describe('makeDirs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-dirs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a folder and its missing parents with the mode given, and leaves a folder that exists', () => {
    const deep = join(dir, 'a', 'b', 'c');
    makeDirs(deep, 0o700);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o700);
    writeFileSync(join(deep, 'kept'), 'x');
    makeDirs(deep, 0o700);
    expect(existsSync(join(deep, 'kept'))).toBe(true);
    makeDirs(`${join(dir, 'a')}/./b/../b/c/`);
    expect(existsSync(join(deep, 'kept'))).toBe(true);
  });

  it('throws the system error when a file is in the way', () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    expect(() => makeDirs(file)).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeDirs(join(file, 'below'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it('returns with an error where no folder can be made (Node.js recursive mkdir never returns under /proc)', () => {
    const proc = existsSync('/proc/self') ? '/proc' : dir;
    const target = proc === '/proc' ? '/proc/tollgate-none/x' : join(dir, 'file', 'x');
    expect(() => makeDirs(target)).toThrow(expect.objectContaining({ code: proc === '/proc' ? 'ENOENT' : 'ENOTDIR' }));
  });
});
