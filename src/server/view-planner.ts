/**
 * Plans the versions a world issues: which computers need a new snapshot
 * version (their view changed) or a new settings version (their settings
 * alone changed), with the hashes that describe what is issued.
 */
import { buildView } from '../engine/view.js';
import type { WorldIndex } from '../engine/world.js';
import type { ComputerRow, IssuedVersions } from './server-db.js';
import type { ViewChanges } from './types.js';
import { viewEncodingProblem } from './view-encoding.js';
import { viewHashes } from './view-hash.js';
import { Pacer } from './pacer.js';

/** What a plan issues, the changes to push, and the computers whose view cannot be encoded. */
export interface VersionPlan {
  issued: IssuedVersions[];
  changes: ViewChanges;
  encodingProblems: string[];
}

/**
 * The versions to issue for the world of `index`: a changed view (without
 * settings) is a new snapshot version, after a new settings version when
 * the settings changed too; changed settings alone are a new settings
 * version. A computer's first view is version 1 of both.
 */
export async function planVersions(
  index: WorldIndex,
  rows: ReadonlyMap<string, ComputerRow>,
  pacer: Pacer = new Pacer(),
): Promise<VersionPlan> {
  const issued: IssuedVersions[] = [];
  const changes: ViewChanges = { snapshots: [], settings: [] };
  const encodingProblems: string[] = [];
  for (const computer of index.world.computers) {
    await pacer.pace();
    const view = buildView(index, computer.id);
    const hashes = viewHashes(view);
    const row = rows.get(computer.id);
    const before = issued.length;
    const settingsChanged = row?.settingsHash !== hashes.settingsHash;
    if (row?.viewHash !== hashes.viewHash) {
      issued.push({
        computerId: computer.id,
        snapshotVersion: (row?.snapshotVersion ?? 0) + 1,
        settingsVersion: (row?.settingsVersion ?? 0) + (settingsChanged ? 1 : 0),
        ...hashes,
      });
      changes.snapshots.push(computer.id);
    } else if (settingsChanged) {
      issued.push({
        computerId: computer.id,
        snapshotVersion: row.snapshotVersion,
        settingsVersion: row.settingsVersion + 1,
        ...hashes,
      });
      changes.settings.push(computer.id);
    }
    const versions = issued.length > before ? issued[issued.length - 1] : undefined;
    const problem = versions === undefined ? null : viewEncodingProblem(computer.id, view, versions);
    if (problem !== null) encodingProblems.push(problem);
  }
  return { issued, changes, encodingProblems };
}
