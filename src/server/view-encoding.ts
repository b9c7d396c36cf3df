/**
 * Whether a computer's view can be sent to its agent: the same conversions
 * (and range checks) the signed snapshot's encoder applies, run before a
 * world is committed, so that the server never stores a world it cannot
 * encode for an agent.
 */
import { TollgateError } from '../engine/errors.js';
import type { ComputerView } from '../engine/view.js';
import { checkUint32, viewToWire } from '../wire/codec.js';

/** `view.policies[3].order` as `policies[p-3].order`, so the problem names the entity an admin can fix. */
function entityPath(view: ComputerView, at: string): string {
  return at
    .replace(/view\.policies\[(\d+)\]/, (whole, i: string) => {
      const id = view.policies[Number(i)]?.id;
      return id === undefined ? whole : `policies[${id}]`;
    })
    .replace(/view\.approvalPolicies\[(\d+)\]/, (whole, i: string) => {
      const id = view.approvalPolicies[Number(i)]?.id;
      return id === undefined ? whole : `approvalPolicies[${id}]`;
    });
}

/**
 * The problem that stops the computer's view (with these versions) from
 * being encoded for its agent, worded `computers[ID]: ...` and naming the
 * entity and field; null when it encodes.
 */
export function viewEncodingProblem(
  computerId: string,
  view: ComputerView,
  versions: { snapshotVersion: number; settingsVersion: number },
): string | null {
  try {
    checkUint32(versions.snapshotVersion, 'snapshotVersion');
    checkUint32(versions.settingsVersion, 'settingsVersion');
    viewToWire(view, 'view');
    return null;
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    return `computers[${computerId}]: its view cannot be encoded for its agent: ${entityPath(view, error.message)}`;
  }
}

/** viewEncodingProblem's answer for the versions alone (a view whose content is known to encode): the same text. */
export function versionsProblem(
  computerId: string,
  versions: { snapshotVersion: number; settingsVersion: number },
): string | null {
  try {
    checkUint32(versions.snapshotVersion, 'snapshotVersion');
    checkUint32(versions.settingsVersion, 'settingsVersion');
    return null;
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    return `computers[${computerId}]: its view cannot be encoded for its agent: ${error.message}`;
  }
}
