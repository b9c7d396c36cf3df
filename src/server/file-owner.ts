/**
 * Files the server makes in its data directory belong to the directory's
 * owner. Made by root (`tollgate server migrate` or a first start run with
 * sudo) in a directory the service's user owns, a database or key file
 * would otherwise be root's, and the server, run as that user, could not
 * write or read it. SQLite gives a database's WAL and shared memory files to
 * the database's owner in the same way.
 */
import fs from 'node:fs';

/** Gives `made`, a file just made in `dir`, to `dir`'s owner when this process is root and the owner is not. */
export function giveToDirectoryOwner(made: string, dir: string): void {
  if (process.getuid?.() !== 0) return;
  const owner = fs.statSync(dir);
  if (owner.uid !== 0) fs.chownSync(made, owner.uid, owner.gid);
}
