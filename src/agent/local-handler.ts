import { TollgateError } from '../engine/errors.js';
import type { SettingValue } from '../engine/model.js';
import { settingValueProblem } from '../engine/settings.js';
import { type LocalRequest, type LocalResponse, type SyncState, decisionExportLimit } from '../wire/local-api.js';
import type { AgentCore, ApplyHooks, DecideOptions } from './core.js';
import type { LoggedDecision } from './decision-recorder.js';

/** The agent's connection to the policy server, as status reports it. */
export interface SyncStatus {
  syncState: SyncState;
  serverUrl: string | null;
  /** When the server last confirmed the agent holds the newest versions; null before that. */
  lastSyncAtMs: number | null;
  /** Since when the agent has had no working connection to the server; null while it has one or when disabled. */
  syncDownSinceMs: number | null;
}

/** Without a server configured: nothing to connect to. */
const NO_SYNC: SyncStatus = Object.freeze({
  syncState: 'disabled',
  serverUrl: null,
  lastSyncAtMs: null,
  syncDownSinceMs: null,
});

export interface LocalHandlerContext {
  /** The computer the decision log is of. */
  computerId: string;
  exportDecisions(limit: number): LoggedDecision[];
  /** The connection to the server for status (the sync client knows it); absent: sync is disabled. */
  syncStatus?: () => SyncStatus;
  /** The tollgate software version status reports (Status.tollgate_version). */
  daemonVersion?: string;
  /** The metrics listener's bound address for status; absent or null: it is off. */
  metricsAddress?: () => string | null;
  applyHooks?: ApplyHooks | undefined;
  onApplied?: (snapshotVersion: number) => void;
  onRefused?: (error: Error) => void;
}

/** Answers one local API request from the agent's state. Errors thrown here become error responses. */
export function handleLocalRequest(
  agent: AgentCore,
  request: LocalRequest,
  context: LocalHandlerContext,
): LocalResponse {
  switch (request.kind) {
    case 'evaluateFile': {
      const options: DecideOptions = {};
      if (request.settingsProblem !== undefined) throw new TollgateError('invalid-field', request.settingsProblem);
      if (request.atMs !== undefined) options.atMs = request.atMs;
      if (request.settings !== undefined) options.settings = checkedWhatIfs(request.settings);
      return { id: request.id, kind: 'decision', decision: agent.decide(request.file, options) };
    }
    case 'evaluateApproval': {
      if (!request.submit) return { id: request.id, kind: 'suggestion', suggestion: agent.suggest(request.query) };
      const { suggestion, requestId } = agent.submit(request);
      return { id: request.id, kind: 'suggestion', suggestion, requestId };
    }
    case 'status':
      return {
        id: request.id,
        kind: 'status',
        status: {
          ...agent.status(),
          ...(context.syncStatus?.() ?? NO_SYNC),
          ...(context.daemonVersion === undefined ? {} : { daemonVersion: context.daemonVersion }),
          metricsAddress: context.metricsAddress?.() ?? null,
        },
      };
    case 'exportDecisions':
      return {
        id: request.id,
        kind: 'decisions',
        computerId: context.computerId,
        entries: context.exportDecisions(decisionExportLimit(request.limit)),
      };
    case 'applySnapshot':
      try {
        if (request.snapshot.length === 0) {
          throw new TollgateError('bad-message', 'request.applySnapshot.signedSnapshot: is missing');
        }
        const applied = agent.applySnapshot(request.snapshot, context.applyHooks);
        context.onApplied?.(applied.version);
        return {
          id: request.id,
          kind: 'applied',
          snapshotVersion: applied.version,
          settingsVersion: agent.held().settingsVersion,
        };
      } catch (error) {
        context.onRefused?.(error as Error);
        throw error;
      }
  }
}

/**
 * An evaluate request's what-if settings, each a setting this agent knows
 * with a value of its type: else TollgateError 'invalid-field' naming it
 * (a what-if the engine does not read would be answered as if not sent).
 */
function checkedWhatIfs(settings: Readonly<Record<string, SettingValue>>): Readonly<Record<string, SettingValue>> {
  for (const [name, value] of Object.entries(settings)) {
    const problem = settingValueProblem(name, value);
    if (problem !== null) throw new TollgateError('invalid-field', `request.evaluateFile.settings.${name}: ${problem}`);
  }
  return settings;
}
