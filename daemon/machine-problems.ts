/**
 * What a daemon's start needs of the machine, beyond its configuration
 * file: the folders of its sockets, the groups they are given to, and a
 * data directory that is a folder (or nothing yet: the start makes it).
 * Checked by `--check-config` and by the start alike, so that both report a
 * problem the same way, naming the file and the key.
 */
import { lstat, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DaemonConfig } from '../src/agent/config-load.js';
import { resolveGroupId } from '../src/local/socket-group.js';

/** Every problem of the machine for `config`, each prefixed with `file: ` when a file is named. */
export async function daemonMachineProblems(config: DaemonConfig, file: string | undefined): Promise<string[]> {
  const at = file === undefined ? '' : `${file}: `;
  const problems: string[] = [];
  for (const [key, socket] of [
    ['socket', config.socket],
    ['adminSocket', config.adminSocket],
  ] as const) {
    const folder = dirname(socket.path);
    const found = await stat(folder).catch(() => null);
    if (found === null || !found.isDirectory()) {
      problems.push(`${at}${key}.path: ${socket.path}: its folder ${folder} does not exist`);
    }
    if (socket.group !== undefined) {
      await resolveGroupId(socket.group).catch((error: Error) => problems.push(`${at}${key}.group: ${error.message}`));
    }
  }
  // The cache's folder, made at start when it does not exist: something else in its place is named.
  const dataDir = await stat(config.dataDir).then(
    (found) => (found.isDirectory() ? null : 'is not a folder'),
    async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') return error.message;
      // A symbolic link to nothing: the start could not make the folder in its place.
      const link = await lstat(config.dataDir).catch(() => null);
      return link?.isSymbolicLink() === true ? 'is a symbolic link to nothing' : null;
    },
  );
  if (dataDir !== null) problems.push(`${at}dataDir: ${config.dataDir}: ${dataDir}`);
  return problems;
}
