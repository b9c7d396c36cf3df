/**
 * tollgate refuses to work as root in a directory another user controls
 * (docs/SERVER.md, Configuration; docs/DAEMON.md, Start-up order). Root
 * would make its database, key files, images, sockets and admin token there
 * as root's, which the service, run as that user, cannot read or write; and
 * that user, who can rename and create names in such a directory (or in one
 * above it), could point the names root opens, writes or changes at files
 * elsewhere on the machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TollgateError } from '../engine/errors.js';

/** The sticky bit, and the group's and others' write bits. */
const STICKY = 0o1000;
const WRITABLE_BY_OTHERS = 0o022;

/**
 * Throws 'bad-config' naming the directory at fault when this process runs
 * as root and `dir` (the directory itself, or the nearest one above it that
 * exists when it is not made yet, and every directory above that, links
 * resolved) belongs to another user, or can be written by other users
 * without the sticky bit (as /tmp has it). `what` names the setting.
 */
export function refuseOthersDirectoryAsRoot(dir: string, what = 'dataDir'): void {
  if (process.getuid?.() !== 0) return;
  let existing = path.resolve(dir);
  while (!fs.existsSync(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) return;
    existing = parent;
  }
  let at = fs.realpathSync(existing);
  for (;;) {
    const stat = fs.statSync(at);
    const problem =
      stat.uid !== 0
        ? `belongs to user ${stat.uid}`
        : (stat.mode & WRITABLE_BY_OTHERS) !== 0 && (stat.mode & STICKY) === 0
          ? 'can be written by other users (and has no sticky bit)'
          : null;
    if (problem !== null) {
      throw new TollgateError(
        'bad-config',
        `${what} ${dir}: ${at} ${problem} and this process runs as root: run tollgate as the service's user ` +
          `(sudo -u), or keep its folders in ones only root can change; another user could point the names ` +
          `root makes there at other files, and the service could not use what root made`,
      );
    }
    const parent = path.dirname(at);
    if (parent === at) return;
    at = parent;
  }
}

/** The folders the agent daemon makes or writes in, with the settings that name them. */
export function daemonFolders(config: {
  dataDir: string;
  socket: { path: string };
  adminSocket: { path: string };
}): [string, string][] {
  return [
    ['dataDir', config.dataDir],
    ['socket.path', path.dirname(config.socket.path)],
    ['adminSocket.path', path.dirname(config.adminSocket.path)],
  ];
}

/** refuseOthersDirectoryAsRoot of each of `folders` (setting and folder), as `--check-config` lists problems. */
export function othersDirectoryProblems(folders: readonly (readonly [string, string])[]): string[] {
  const problems: string[] = [];
  for (const [key, folder] of folders) {
    try {
      refuseOthersDirectoryAsRoot(folder, key);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return problems;
}
