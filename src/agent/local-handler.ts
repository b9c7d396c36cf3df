import type { LocalRequest, LocalResponse } from '../wire/local-api.js';
import type { Agent } from './agent.js';
import type { LoggedDecision } from './decision-recorder.js';

export interface LocalHandlerContext {
  exportDecisions(limit: number): LoggedDecision[];
  applyHooks?: { beforeCommit?: () => void } | undefined;
  onApplied?: (snapshotVersion: number) => void;
  onRefused?: (error: Error) => void;
}

/** Answers one local API request from the agent's state. Errors thrown here become error responses. */
export function handleLocalRequest(agent: Agent, request: LocalRequest, context: LocalHandlerContext): LocalResponse {
  switch (request.kind) {
    case 'evaluateFile': {
      const options: Parameters<Agent['evaluateFile']>[1] = {};
      if (request.atMs !== undefined) options.atMs = request.atMs;
      if (request.settings !== undefined) options.settings = request.settings;
      return { id: request.id, kind: 'decision', decision: agent.evaluateFile(request.file, options) };
    }
    case 'evaluateApproval': {
      if (!request.submit) return { id: request.id, kind: 'suggestion', suggestion: agent.suggest(request.query) };
      const { suggestion, requestId } = agent.submitApproval(request);
      return { id: request.id, kind: 'suggestion', suggestion, requestId };
    }
    case 'status':
      return { id: request.id, kind: 'status', status: agent.status() };
    case 'exportDecisions':
      return {
        id: request.id,
        kind: 'decisions',
        computerId: agent.computerId,
        entries: context.exportDecisions(request.limit),
      };
    case 'applySnapshot':
      try {
        const applied = agent.applySnapshot(request.snapshot, context.applyHooks);
        context.onApplied?.(applied.version);
        return {
          id: request.id,
          kind: 'applied',
          snapshotVersion: applied.version,
          settingsVersion: agent.settingsVersion,
        };
      } catch (error) {
        context.onRefused?.(error as Error);
        throw error;
      }
  }
}
