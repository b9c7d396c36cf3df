/**
 * The server and the agent daemon refuse to work as root in a data directory
 * another user owns (docs/SERVER.md, Configuration; docs/DAEMON.md,
 * Start-up order). Root would make its database, key files, images and
 * admin token there as root's, which the service, run as that user, cannot
 * read or write; and that user, who can put other names in the directory,
 * could point the names root writes or changes at files elsewhere on the
 * machine.
 */
import fs from 'node:fs';
import { TollgateError } from '../engine/errors.js';

/**
 * Throws 'bad-config' naming `dir` and its owner when this process runs as
 * root and `dir` belongs to another user. A directory not there yet is made
 * by this process (root's): nothing to refuse.
 */
export function refuseOthersDirectoryAsRoot(dir: string): void {
  if (process.getuid?.() !== 0) return;
  let owner: fs.Stats;
  try {
    owner = fs.statSync(dir);
  } catch {
    return;
  }
  if (owner.uid === 0) return;
  throw new TollgateError(
    'bad-config',
    `${dir} belongs to user ${owner.uid} and this process runs as root: run tollgate as ` +
      `that user (sudo -u), or give the folder to root; files root made there would be root's, and that user ` +
      `could point their names at other files`,
  );
}
