/**
 * An in-memory ServerStateApi for admin API tests: every mutation validates
 * the whole world with the engine's validateWorld and reports the computers
 * whose view (policies) or settings changed, as the real state does.
 */
import { generateKeyPairSync } from 'node:crypto';
import { TollgateError, ValidationError } from '../../src/engine/errors.js';
import { lintWorld, type LintWarning } from '../../src/engine/lint.js';
import type { AgentSetting, OsName, Policy, SettingValue, World } from '../../src/engine/model.js';
import { upgradeToFlat, type UpgradePlan } from '../../src/engine/upgrade.js';
import { validateWorld } from '../../src/engine/validate.js';
import { buildView } from '../../src/engine/view.js';
import { WorldIndex } from '../../src/engine/world.js';
import { evaluateApproval, resolveApprovalQuery } from '../../src/engine/approvals.js';
import type { ApprovalSubmission } from '../../src/wire/sync-messages.js';
import {
  ADMIN_SETTING_ORDER,
  scopeAppliesTo,
  type ApprovalRequestRecord,
  type ComputerState,
  type PolicyInput,
  type PolicyPatch,
  type RequestStatus,
  type ServerStateApi,
  type SettingScope,
  type SignedMessage,
  type ViewChanges,
} from '../../src/server/types.js';

export function emptyWorld(): World {
  return {
    organizations: [],
    groups: [],
    computers: [],
    applications: [],
    policies: [],
    agentSettings: [],
    approvalPolicies: [],
    approvalSettings: [],
  };
}

interface Tracked {
  token: string | null;
  reportedAgentVersion: string | null;
  reportedOs: OsName | null;
  connected: boolean;
  lastSeenMs: number | null;
  snapshotVersion: number;
  settingsVersion: number;
  ackedSnapshotVersion: number;
  ackedSettingsVersion: number;
  lastError: string | null;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export class FakeServerState implements ServerStateApi {
  private current: World;
  private readonly tracked = new Map<string, Tracked>();
  private nextPolicy = 1;
  private readonly publicKey = generateKeyPairSync('ed25519')
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();
  /** Every call of a mutating method, by name. */
  readonly calls: string[] = [];
  private readonly requests = new Map<string, ApprovalRequestRecord>();

  constructor(world: World = emptyWorld()) {
    const problems = validateWorld(world);
    if (problems.length > 0) throw new ValidationError(problems);
    this.current = structuredClone(world);
  }

  private track(id: string): Tracked {
    let t = this.tracked.get(id);
    if (t === undefined) {
      t = {
        token: null,
        reportedAgentVersion: null,
        reportedOs: null,
        connected: false,
        lastSeenMs: null,
        snapshotVersion: 0,
        settingsVersion: 0,
        ackedSnapshotVersion: 0,
        ackedSettingsVersion: 0,
        lastError: null,
      };
      this.tracked.set(id, t);
    }
    return t;
  }

  /** Validates and installs a world; a computer whose view changed needs a snapshot, one whose settings alone changed needs settings. */
  private commit(next: World): ViewChanges {
    const problems = validateWorld(next);
    if (problems.length > 0) throw new ValidationError(problems);
    const before = new WorldIndex(this.current);
    const after = new WorldIndex(next);
    const changes: ViewChanges = { snapshots: [], settings: [] };
    for (const computer of next.computers) {
      const newView = buildView(after, computer.id);
      const { settings: newSettings, settingSources: _n, ...newRest } = newView;
      if (!before.computers.has(computer.id)) {
        changes.snapshots.push(computer.id);
        continue;
      }
      const { settings: oldSettings, settingSources: _o, ...oldRest } = buildView(before, computer.id);
      if (JSON.stringify(oldRest) !== JSON.stringify(newRest)) changes.snapshots.push(computer.id);
      else if (JSON.stringify(oldSettings) !== JSON.stringify(newSettings)) changes.settings.push(computer.id);
    }
    this.current = next;
    for (const id of changes.snapshots) this.track(id).snapshotVersion++;
    for (const id of changes.settings) this.track(id).settingsVersion++;
    return changes;
  }

  world(): World {
    return this.current;
  }

  importWorld(world: World): ViewChanges {
    this.calls.push('importWorld');
    return this.commit(structuredClone(world));
  }

  applyWorld(candidate: World): ViewChanges {
    this.calls.push('applyWorld');
    return this.commit(candidate);
  }

  recordApprovalRequest(
    computerId: string,
    submission: ApprovalSubmission,
    nowMs: number,
  ): { request: ApprovalRequestRecord; recorded: boolean } {
    const stored = this.requests.get(submission.requestId);
    if (stored !== undefined) {
      if (stored.computer !== computerId) throw new TollgateError('conflict', `id ${submission.requestId} is taken`);
      return { request: structuredClone(stored), recorded: false };
    }
    const index = new WorldIndex(this.current);
    const group = index.computerGroup(computerId);
    const view = buildView(index, computerId);
    const request: ApprovalRequestRecord = {
      id: submission.requestId,
      computer: computerId,
      group: group.id,
      org: group.org,
      submittedAtMs: submission.submittedAtMs,
      receivedAtMs: nowMs,
      file: submission.file,
      user: submission.user,
      reason: submission.reason,
      query: submission.query,
      suggestion: evaluateApproval(view, resolveApprovalQuery(view, submission.query)),
      agentSuggestion: submission.suggestion,
      warnings: [],
      status: 'pending',
      history: [],
    };
    this.requests.set(request.id, structuredClone(request));
    return { request, recorded: true };
  }

  approvalRequests(status?: RequestStatus): ApprovalRequestRecord[] {
    return [...this.requests.values()]
      .filter((r) => status === undefined || r.status === status)
      .map((r) => structuredClone(r));
  }

  approvalRequest(id: string): ApprovalRequestRecord | undefined {
    const request = this.requests.get(id);
    return request === undefined ? undefined : structuredClone(request);
  }

  updateApprovalRequest(request: ApprovalRequestRecord): void {
    if (!this.requests.has(request.id)) throw new TollgateError('not-found', `request ${request.id} not found`);
    this.requests.set(request.id, structuredClone(request));
  }

  enroll(computerId: string): { token: string } {
    this.calls.push('enroll');
    if (!this.current.computers.some((c) => c.id === computerId)) {
      throw new TollgateError('unknown-computer', `computer ${computerId} is unknown`);
    }
    const token = `token-${computerId}-${Math.random().toString(36).slice(2)}`;
    this.track(computerId).token = token;
    return { token };
  }

  authenticate(computerId: string, token: string): boolean {
    return this.tracked.get(computerId)?.token === token;
  }

  addPolicy(input: PolicyInput): { policy: Policy; changes: ViewChanges } {
    this.calls.push('addPolicy');
    let id = input.id;
    while (id === undefined || this.current.policies.some((p) => p.id === id)) {
      if (input.id !== undefined) throw new TollgateError('conflict', `policy ${input.id} exists`);
      id = `policy-${this.nextPolicy++}`;
    }
    const policy = withoutUndefined<Policy>({ ...input, id, enabled: input.enabled ?? true });
    const changes = this.commit({ ...this.current, policies: [...this.current.policies, policy] });
    return { policy, changes };
  }

  updatePolicy(id: string, patch: PolicyPatch): { policy: Policy; changes: ViewChanges } {
    this.calls.push('updatePolicy');
    const old = this.current.policies.find((p) => p.id === id);
    if (old === undefined) throw new TollgateError('not-found', `policy ${id} is unknown`);
    const policy = withoutUndefined({ ...old, ...patch, id });
    const changes = this.commit({
      ...this.current,
      policies: this.current.policies.map((p) => (p.id === id ? policy : p)),
    });
    return { policy, changes };
  }

  deletePolicy(id: string): { changes: ViewChanges } {
    this.calls.push('deletePolicy');
    if (!this.current.policies.some((p) => p.id === id))
      throw new TollgateError('not-found', `policy ${id} is unknown`);
    return { changes: this.commit({ ...this.current, policies: this.current.policies.filter((p) => p.id !== id) }) };
  }

  private rootOrgs(): string[] {
    return this.current.organizations.filter((o) => o.parent === undefined).map((o) => o.id);
  }

  private isAt(setting: AgentSetting, scope: SettingScope, type: string): boolean {
    const targets = scopeAppliesTo(scope, this.rootOrgs()).map((a) => JSON.stringify(a));
    return setting.type === type && targets.includes(JSON.stringify(setting.appliesTo));
  }

  setSetting(
    scope: SettingScope,
    type: string,
    value: SettingValue,
  ): { settings: AgentSetting[]; changes: ViewChanges } {
    this.calls.push('setSetting');
    const settings = scopeAppliesTo(scope, this.rootOrgs()).map((appliesTo): AgentSetting => ({
      id: `admin-${type}-${JSON.stringify(appliesTo).replace(/[^A-Za-z0-9-]+/g, '-')}`,
      type,
      value,
      appliesTo,
      order: ADMIN_SETTING_ORDER[scope.kind],
    }));
    const kept = this.current.agentSettings.filter((s) => !this.isAt(s, scope, type));
    const changes = this.commit({ ...this.current, agentSettings: [...kept, ...settings] });
    return { settings, changes };
  }

  clearSetting(scope: SettingScope, type: string): { changes: ViewChanges } {
    this.calls.push('clearSetting');
    return {
      changes: this.commit({
        ...this.current,
        agentSettings: this.current.agentSettings.filter((s) => !this.isAt(s, scope, type)),
      }),
    };
  }

  settings(): AgentSetting[] {
    return this.current.agentSettings;
  }

  upgradeToFlat(
    orgId: string,
    options: { acknowledge: boolean; dryRun: boolean },
  ): { plan: UpgradePlan; changes: ViewChanges } {
    this.calls.push('upgradeToFlat');
    const plan = upgradeToFlat(this.current, orgId, { acknowledge: options.acknowledge });
    if (!plan.ok || options.dryRun) return { plan, changes: { snapshots: [], settings: [] } };
    return { plan, changes: this.commit(plan.world) };
  }

  lint(): LintWarning[] {
    return lintWorld(this.current);
  }

  snapshotFor(computerId: string): SignedMessage {
    return { version: this.track(computerId).snapshotVersion, bytes: new Uint8Array() };
  }

  settingsFor(computerId: string): SignedMessage {
    return { version: this.track(computerId).settingsVersion, bytes: new Uint8Array() };
  }

  computers(): ComputerState[] {
    return this.current.computers.map((c) => this.computerState(c.id));
  }

  computerState(computerId: string): ComputerState {
    const computer = this.current.computers.find((c) => c.id === computerId);
    if (computer === undefined) throw new TollgateError('unknown-computer', `computer ${computerId} is unknown`);
    const group = this.current.groups.find((g) => g.id === computer.group);
    const { token, ...rest } = this.track(computerId);
    return { id: computer.id, group: computer.group, org: group?.org ?? '', enrolled: token !== null, ...rest };
  }

  recordHello(computerId: string, info: { agentVersion: string; os: OsName; nowMs: number }): void {
    const t = this.track(computerId);
    t.reportedAgentVersion = info.agentVersion;
    t.reportedOs = info.os;
    t.lastSeenMs = info.nowMs;
  }

  recordAck(
    computerId: string,
    ack: { snapshotVersion: number; settingsVersion: number; error: string; nowMs: number },
  ): void {
    const t = this.track(computerId);
    t.ackedSnapshotVersion = ack.snapshotVersion;
    t.ackedSettingsVersion = ack.settingsVersion;
    t.lastError = ack.error === '' ? null : ack.error;
    t.lastSeenMs = ack.nowMs;
  }

  setConnected(computerId: string, connected: boolean, nowMs: number): void {
    const t = this.track(computerId);
    t.connected = connected;
    t.lastSeenMs = nowMs;
  }

  publicKeyPem(): string {
    return this.publicKey;
  }

  close(): void {}
}

/** A sync hub that records pushes and waits, and answers from a fixed set of connected computers. */
export class FakeHub {
  readonly pushes: ViewChanges[] = [];
  readonly waits: { kind: 'settings' | 'snapshots'; ids: string[]; timeoutMs: number }[] = [];
  /** Connected computers that acknowledge; `pending` are connected but silent; the rest are offline. */
  connected = new Set<string>();
  pending = new Set<string>();

  push(changes: ViewChanges): void {
    this.pushes.push(structuredClone(changes));
  }

  private report(ids: readonly string[]): { applied: string[]; pending: string[]; offline: string[] } {
    return {
      applied: ids.filter((id) => this.connected.has(id) && !this.pending.has(id)),
      pending: ids.filter((id) => this.pending.has(id)),
      offline: ids.filter((id) => !this.connected.has(id) && !this.pending.has(id)),
    };
  }

  awaitSettingsApplied(
    ids: readonly string[],
    timeoutMs: number,
  ): Promise<{ applied: string[]; pending: string[]; offline: string[] }> {
    this.waits.push({ kind: 'settings', ids: [...ids], timeoutMs });
    return Promise.resolve(this.report(ids));
  }

  awaitSnapshotsApplied(
    ids: readonly string[],
    timeoutMs: number,
  ): Promise<{ applied: string[]; pending: string[]; offline: string[] }> {
    this.waits.push({ kind: 'snapshots', ids: [...ids], timeoutMs });
    return Promise.resolve(this.report(ids));
  }
}

/**
 * A small world for admin API and CLI tests:
 *
 *   msp      flat, root
 *   └─ shop  hierarchical, windows on 10.6.0: ready for the flat upgrade
 *   acme     flat, root
 *   old      hierarchical, root
 *   └─ school  hierarchical under a hierarchical parent, windows on 10.4.0: every upgrade condition unmet
 */
export function adminWorld(): World {
  return {
    organizations: [
      { id: 'msp', name: 'MSP', structure: 'flat', modules: [] },
      { id: 'shop', name: 'Shop', parent: 'msp', structure: 'hierarchical', modules: [] },
      { id: 'acme', name: 'Acme', structure: 'flat', modules: [] },
      { id: 'old', name: 'Old MSP', structure: 'hierarchical', modules: [] },
      { id: 'school', name: 'School', parent: 'old', structure: 'hierarchical', modules: [] },
    ],
    groups: [
      { id: 'shop-pcs', org: 'shop', name: 'Shop PCs', os: 'windows', agentVersion: '10.6.0' },
      { id: 'acme-pcs', org: 'acme', name: 'Acme PCs', os: 'windows', agentVersion: '10.6.0' },
      { id: 'school-labs', org: 'school', name: 'Labs', os: 'windows', agentVersion: '10.4.0' },
    ],
    computers: [
      { id: 'pc-1', group: 'shop-pcs' },
      { id: 'pc-2', group: 'shop-pcs' },
      { id: 'a-1', group: 'acme-pcs' },
      { id: 'lab-1', group: 'school-labs' },
    ],
    applications: [
      { id: 'chrome', name: 'Chrome', builtIn: true, rules: [{ path: 'C:\\Chrome\\chrome.exe' }] },
      { id: 'notepad', name: 'Notepad++', builtIn: false, org: 'shop', rules: [{ path: 'C:\\Notepad\\*.exe' }] },
    ],
    policies: [
      { id: 'p-chrome', app: 'chrome', appliesTo: { organization: 'shop' }, action: 'permit', order: 1, enabled: true },
      { id: 'p-notepad', app: 'notepad', appliesTo: { group: 'shop-pcs' }, action: 'deny', order: 2, enabled: true },
      {
        id: 'p-acme-chrome',
        app: 'chrome',
        appliesTo: { group: 'acme-pcs' },
        action: 'permit',
        order: 5,
        enabled: true,
      },
      {
        id: 'p-acme-default',
        default: true,
        appliesTo: { organization: 'acme' },
        action: 'deny',
        order: 1000,
        enabled: true,
      },
    ],
    agentSettings: [],
    approvalPolicies: [],
    approvalSettings: [],
  };
}
