import type { KeyObject } from 'node:crypto';
import { REQUEST_STATUSES } from '../contract/index.js';
import type { ApprovalQuery } from '../engine/approvals.js';
import type {
  AgentSetting,
  AppliesTo,
  ApprovalSuggestion,
  FileRequest,
  OsName,
  PermitTarget,
  Policy,
  SettingValue,
  World,
} from '../engine/model.js';
import type { LintWarning } from '../engine/lint.js';
import type { UpgradePlan } from '../engine/upgrade.js';
import type { ApprovalSubmission } from '../wire/sync-messages.js';
import type { SplicedView } from '../wire/view-splice.js';
import type { WorldDiff } from './world-diff.js';

/** Where an admin sets an agent setting (SPEC.md section 9). */
export type SettingScope =
  | { kind: 'computer'; id: string }
  | { kind: 'group'; id: string }
  | { kind: 'organization'; id: string }
  | { kind: 'global' };

/**
 * Orders given to settings set through the admin API, so the most specific
 * scope wins (a lower order wins; SPEC.md section 7 breaks ties by level,
 * which would favour global over computer).
 */
export const ADMIN_SETTING_ORDER: Readonly<Record<SettingScope['kind'], number>> = Object.freeze({
  computer: 100,
  group: 200,
  organization: 300,
  global: 400,
});

/** What a computer last told the server, and what it acknowledged. */
export interface ComputerState {
  id: string;
  group: string;
  org: string;
  enrolled: boolean;
  reportedAgentVersion: string | null;
  /**
   * The tollgate software version the agent said in its last hello to this
   * server process (not stored: null until the agent says hello to it, and
   * for agents that do not send it).
   */
  reportedTollgateVersion: string | null;
  reportedOs: OsName | null;
  connected: boolean;
  lastSeenMs: number | null;
  /** The newest versions issued for this computer. */
  snapshotVersion: number;
  settingsVersion: number;
  /** The versions the agent last acknowledged applying. */
  ackedSnapshotVersion: number;
  ackedSettingsVersion: number;
  /** The agent's last refusal, if its last acknowledgement carried one. */
  lastError: string | null;
}

/** What one change did to the computers' views: which need a new snapshot, which only new settings. */
export interface ViewChanges {
  snapshots: string[];
  settings: string[];
}

/** What a world replacement did, or would do on a dry run. */
export interface WorldReplacement {
  /** Entities added, changed and removed, per list. */
  diff: WorldDiff;
  /** The computers whose view (snapshots) or settings alone (settings) change. */
  changes: ViewChanges;
  /** Whether the world was stored (false for a dry run and for an import that changes nothing). */
  stored: boolean;
}

/** A signed message ready to send, with its version. */
/** A computer's newest snapshot version and settings version, and its view encoded from its shared body. */
export interface CurrentView {
  computerId: string;
  version: number;
  settingsVersion: number;
  view: SplicedView;
}

export interface SignedMessage {
  version: number;
  bytes: Uint8Array;
}

/** A policy as the admin API takes it: every field of SPEC.md section 1 but the id, which may be given or generated. */
export type PolicyInput = Omit<Policy, 'id' | 'enabled'> & { id?: string; enabled?: boolean };

/** Changes to a policy; `order` alone reorders it. */
export type PolicyPatch = Partial<Omit<Policy, 'id'>>;

/** Where an approval request stands in the queue. */
export { REQUEST_STATUSES };
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** A notice sent about a request (an escalation mail), as recorded. */
export interface RequestNotice {
  atMs: number;
  to: string[];
  subject: string;
  /** The notifier that sent it (`smtp`, or `log` when no mail server is configured). */
  via: string;
}

/** The permit policy an approval created. */
export interface RequestPermit {
  policy: string;
  application: string;
  /** Whether the approval created the application (from the file) rather than using the one named. */
  applicationCreated: boolean;
  target: PermitTarget;
  appliesTo: AppliesTo;
  order: number;
}

/** One thing an admin did with a request. */
export interface RequestEvent {
  atMs: number;
  action: 'approved' | 'rejected' | 'escalated';
  note?: string;
  notice?: RequestNotice;
  permit?: RequestPermit;
}

/**
 * An approval request in the server's queue: what the agent delivered, the
 * suggestion the server worked out from its own world on receipt, and what
 * admins did with it.
 */
export interface ApprovalRequestRecord {
  id: string;
  computer: string;
  /** The computer's group and organization when the request arrived. */
  group: string;
  org: string;
  submittedAtMs: number;
  receivedAtMs: number;
  file: FileRequest;
  user: string;
  reason: string;
  query: ApprovalQuery;
  /** The server's suggestion (SPEC.md section 5); the agent's when the server could not evaluate it (see `warnings`). */
  suggestion: ApprovalSuggestion;
  /** What the agent answered the user. */
  agentSuggestion: ApprovalSuggestion;
  /** Problems met while recording (e.g. the application is no longer known to the server). */
  warnings: string[];
  status: RequestStatus;
  history: RequestEvent[];
}

/**
 * The policy server's state: the world, enrollment and what each computer
 * holds, persisted in SQLite. Every mutation validates the whole world with
 * the engine's rules (errors name the list, id and field) and returns the
 * view changes it caused, so the sync hub can push them.
 */
export interface ServerStateApi {
  world(): World;
  /** Replaces the world with a scenario; enrollment and issued versions are kept. */
  importWorld(world: World): Promise<ViewChanges>;
  /**
   * Commits the world `build` derives from the current one (unchanged
   * entries shared, not copied: the caller must not change them
   * afterwards), validated as a whole; `build` is called again on the newer
   * world when another server process committed first. With `request`, that
   * approval request is stored in the same transaction.
   */
  applyWorld(build: (current: World) => World, request?: RequestUpdate | (() => RequestUpdate)): Promise<ViewChanges>;
  /**
   * Replaces the world as importWorld does, reporting the difference; with
   * `dryRun` nothing is stored. Removing computers needs `allowRemovals`
   * (else TollgateError 'removal-refused').
   */
  replaceWorld(world: World, options: { dryRun: boolean; allowRemovals: boolean }): Promise<WorldReplacement>;

  /** Creates (or replaces) the computer's enrollment token; only its hash is stored. */
  enroll(computerId: string): Promise<{ token: string }>;
  /** Whether the token is the computer's current one (timing-safe). */
  authenticate(computerId: string, token: string): boolean;
  /** The sha256 stored for the computer's current token; null for a computer not in the world or not enrolled. */
  tokenHashOf(computerId: string): Uint8Array | null;
  /** Whether the computer is in the world now (a change queued before may have removed it since). */
  hasComputer(computerId: string): boolean;

  addPolicy(input: PolicyInput): Promise<{ policy: Policy; changes: ViewChanges }>;
  updatePolicy(id: string, patch: PolicyPatch): Promise<{ policy: Policy; changes: ViewChanges }>;
  deletePolicy(id: string): Promise<{ changes: ViewChanges }>;

  /** Sets a setting at a scope (global: one entry per root organization), replacing the one there. */
  setSetting(
    scope: SettingScope,
    type: string,
    value: SettingValue,
  ): Promise<{ settings: AgentSetting[]; changes: ViewChanges }>;
  /** Removes what setSetting set at the scope; `cleared` is false when nothing was set there. */
  clearSetting(scope: SettingScope, type: string): Promise<{ changes: ViewChanges; cleared: boolean }>;
  /** The settings entries admins set through the API (and any from an imported scenario). */
  settings(): AgentSetting[];

  upgradeToFlat(
    orgId: string,
    options: { acknowledge: boolean; dryRun: boolean },
  ): Promise<{ plan: UpgradePlan; changes: ViewChanges }>;
  lint(): LintWarning[];

  /** The newest signed snapshot of a computer's view (built and signed on demand, then cached). */
  snapshotFor(computerId: string): SignedMessage;
  /** The computer's newest versions and view, unsigned (the sync hub builds deltas from it). */
  currentView(computerId: string): CurrentView;
  /** The newest signed settings message of a computer. */
  settingsFor(computerId: string): SignedMessage;
  /** The private key that signs now: deltas between a computer's snapshots are signed with it. */
  deltaSigningKey(): KeyObject;

  /** Every computer's state as this process knows it (issued versions, and what its own agents said). */
  computers(): ComputerState[];
  computerState(computerId: string): ComputerState;
  /**
   * The snapshot and settings versions issued for a computer now: what
   * computerState says of them, without the rest (read for every message of
   * an agent). TollgateError 'unknown-reference' for an unknown computer.
   */
  issuedVersions(computerId: string): { snapshotVersion: number; settingsVersion: number };
  /** Every computer's state as stored now: with a shared store, also what other processes' agents said. */
  readComputers(): Promise<ComputerState[]>;
  /** At most `limit` computers' states after `after` in the world's order (null: `after` is unknown). */
  readComputerPage(
    after: string | undefined,
    limit: number | undefined,
  ): Promise<{ computers: ComputerState[]; next: string | null } | null>;
  readComputerState(computerId: string): Promise<ComputerState>;
  /**
   * Records what a hello reported; versions above those issued (installed
   * offline) make the next ones issued for the computer go above them.
   */
  recordHello(
    computerId: string,
    info: {
      agentVersion: string;
      tollgateVersion?: string;
      os: OsName;
      nowMs: number;
      snapshotVersion: number;
      settingsVersion: number;
    },
  ): Promise<void>;
  recordAck(
    computerId: string,
    ack: { snapshotVersion: number; settingsVersion: number; error: string; nowMs: number },
  ): Promise<void>;
  setConnected(computerId: string, connected: boolean, nowMs: number): Promise<void>;

  /**
   * Records an approval request delivered by an agent, once per id: a
   * repeated id changes nothing and answers the stored request with
   * `recorded: false`. An id already used by another computer is
   * TollgateError 'conflict'; a new id of a computer that already has
   * `limits.maxPendingPerComputer` pending requests is 'too-many-pending'.
   */
  recordApprovalRequest(
    computerId: string,
    submission: ApprovalSubmission,
    nowMs: number,
    limits?: { maxPendingPerComputer?: number },
  ): Promise<{ request: ApprovalRequestRecord; recorded: boolean }>;
  /** The requests in the order they arrived, optionally only those with a status. */
  approvalRequests(status?: RequestStatus): Promise<ApprovalRequestRecord[]>;
  approvalRequestPage(
    status: RequestStatus | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<{ requests: ApprovalRequestRecord[]; next: string | null } | null>;
  /** One request, or undefined. */
  approvalRequest(id: string): Promise<ApprovalRequestRecord | undefined>;
  /**
   * Stores a changed request (its status and history) made from `previous`,
   * the request as read: TollgateError 'conflict' when another action
   * changed it since, 'not-found' for an unknown id.
   */
  updateApprovalRequest(request: ApprovalRequestRecord, previous: ApprovalRequestRecord): Promise<void>;
  /** Deletes the requests approved or rejected more than `retentionMs` ago (never a pending or escalated one); returns how many. */
  pruneDecidedApprovalRequests(retentionMs: number): Promise<number>;

  /** Calls the listener with what other server processes committed and acknowledged; returns the stop function. */
  watch(listener: StateListener): () => void;

  publicKeyPem(): string;
  /** Whether the server can serve: the store answers within `timeoutMs`, the signing key is loaded. */
  checkReady(timeoutMs: number): Promise<Readiness>;
  /** Calls to the store that failed for storage reasons since open. */
  readonly storeErrorCount: number;
  /** The store revision the in-memory world is at (the world's version). */
  readonly storeRevision: number;
  close(): Promise<void>;
}

/** One readiness check: its name, whether it passed, and what it found. */
export interface ReadinessCheck {
  name: 'store' | 'signingKey';
  ok: boolean;
  detail: string;
}

/** What `/readyz` reports. */
export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

/** What a state announces from other server processes sharing its store. */
export interface StateListener {
  /** Computers whose issued versions another process changed: push to those connected here. */
  onViewChanges(changes: ViewChanges): void;
  /** Acknowledgements another process recorded: the versions each reported, and its refusal's error (null: none). */
  onAcks(
    acks: readonly { computerId: string; snapshotVersion: number; settingsVersion: number; error: string | null }[],
  ): void;
}

/** Used by the admin API to name where a setting applies. */
export function scopeAppliesTo(scope: SettingScope, rootOrgs: readonly string[]): AppliesTo[] {
  switch (scope.kind) {
    case 'computer':
      return [{ computer: scope.id }];
    case 'group':
      return [{ group: scope.id }];
    case 'organization':
      return [{ organization: scope.id }];
    case 'global':
      return rootOrgs.map((org) => ({ global: org }));
  }
}

/** An approval request's new record, and the record (as read) it was made from. */
export interface RequestUpdate {
  record: ApprovalRequestRecord;
  previous: ApprovalRequestRecord;
}
