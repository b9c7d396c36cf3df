import { readFile } from 'node:fs/promises';
import { TollgateError } from '../engine/errors.js';

/** The group database read to turn a group name into its gid. */
export const GROUP_FILE = '/etc/group';

/**
 * The gid of a configured socket group: a number as it is, a name looked up
 * in the group database (`name:password:gid:members` lines).
 */
export async function resolveGroupId(group: string | number, groupFile = GROUP_FILE): Promise<number> {
  if (typeof group === 'number') return group;
  if (/^\d+$/.test(group)) return Number(group);
  let text: string;
  try {
    text = await readFile(groupFile, 'utf8');
  } catch (error) {
    throw new TollgateError('unknown-group', `cannot read ${groupFile} to look up group ${group}`, { cause: error });
  }
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new TollgateError('unknown-group', `group ${group} is not in ${groupFile}`);
}
