/**
 * What the rest of the daemon sees of the agent: a core with a narrow
 * interface. The active view, the decision cache and the approval outbox
 * live behind it; the socket layer, the local request handler and the sync
 * client each get the part they need (they are given it, they do not write
 * the agent's fields), and no part of it knows a frame or a byte layout.
 */
import type { ApprovalQuery } from '../engine/approvals.js';
import type { ApprovalSuggestion, Decision, FileRequest, OsName, SettingValue } from '../engine/model.js';
import type { AgentStatus } from '../wire/local-api.js';

/** What-ifs of a decision: another time, other settings (such decisions are neither cached nor logged). */
export interface DecideOptions {
  atMs?: number;
  settings?: Record<string, SettingValue>;
}

/** An approval request to store and deliver (SPEC.md section 5): the denied file, who asks and why. */
export interface ApprovalSubmissionInput {
  query: ApprovalQuery;
  file?: FileRequest | undefined;
  user?: string | undefined;
  reason?: string | undefined;
}

/** What the core reports for `tollgate status`: everything but the connection to the server, which sync knows. */
export type CoreStatus = Omit<
  AgentStatus,
  'syncState' | 'serverUrl' | 'lastSyncAtMs' | 'syncDownSinceMs' | 'metricsAddress'
>;

/** What the agent holds, as it says hello and acknowledges to the server. */
export interface HeldVersions {
  snapshotVersion: number | null;
  settingsVersion: number;
  /** Configured, else the snapshot's; empty before either. */
  agentVersion: string;
  /** Configured, else the snapshot's; null before either. */
  os: OsName | null;
  /** The view hash of the snapshot held (wire/delta.ts), the base of a delta; null when none or unknown. */
  viewHash: Uint8Array | null;
}

/** Hooks of a snapshot apply (a fault point of the daemon's tests). */
export interface ApplyHooks {
  /** Once half of the view image file is written (after the commit; before its fsync and rename). */
  duringImageWrite?: () => void;
  /** Inside the snapshot's transaction, just before it commits. */
  beforeCommit?: () => void;
  /** Once the snapshot's transaction has committed. */
  afterCommit?: () => void;
}

/** The agent's interface: decide, suggest, submit, apply, status. */
export interface AgentCore {
  /** Decides on a file; `options` are what-ifs for this request only. */
  decide(file: FileRequest, options?: DecideOptions): Decision;
  /** The local suggestion for an approval request. */
  suggest(query: ApprovalQuery): ApprovalSuggestion;
  /** Suggests, and stores the request in the outbox for delivery. */
  submit(input: ApprovalSubmissionInput): { suggestion: ApprovalSuggestion; requestId: string };
  /** Verifies, stores and activates a signed snapshot. */
  applySnapshot(bytes: Uint8Array, hooks?: ApplyHooks): { version: number };
  /** Verifies, stores and applies signed settings. */
  applySettings(bytes: Uint8Array): { settingsVersion: number };
  status(): CoreStatus;
  held(): HeldVersions;
}
