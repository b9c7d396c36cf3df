/**
 * The policy server's state (SPEC.md section 9): the world, enrollment and
 * what each computer was issued and acknowledged, kept in memory and
 * persisted in `DATA_DIR/server.db`, with the Ed25519 key that signs every
 * snapshot and settings message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { evaluateApproval, resolveApprovalQuery } from '../engine/approvals.js';
import { TollgateError, ValidationError } from '../engine/errors.js';
import { MAX_ID_CHARS } from '../engine/limits.js';
import { lintWorld, type LintWarning } from '../engine/lint.js';
import type { AgentSetting, OsName, Policy, SettingValue, World } from '../engine/model.js';
import { upgradeToFlat, type UpgradePlan } from '../engine/upgrade.js';
import { validateWorld } from '../engine/validate.js';
import { buildView, resolveSettings } from '../engine/view.js';
import { WorldIndex } from '../engine/world.js';
import { type DeltaContent, sealDelta } from '../wire/delta.js';
import { MAX_VERSION, sealSettings, sealSnapshot } from '../wire/signed.js';
import type { ApprovalSubmission } from '../wire/sync-messages.js';
import type { StorageFault } from '../store/storage-error.js';
import { type ComputerRow, type IssuedVersions, ServerDb } from './server-db.js';
import { SealedCache } from './sealed-cache.js';
import {
  type ServerSigningKey,
  loadOrCreateSigningKey,
  readNextSigningKey,
  switchToNextSigningKey,
} from './signing-key.js';
import { newEnrollmentToken, tokenHash, tokenMatches } from './tokens.js';
import {
  ADMIN_SETTING_ORDER,
  type ApprovalRequestRecord,
  type ComputerState,
  type PolicyInput,
  type PolicyPatch,
  type RequestStatus,
  type ServerStateApi,
  type SettingScope,
  type SignedMessage,
  type ViewChanges,
  type WorldReplacement,
  scopeAppliesTo,
} from './types.js';
import { viewEncodingProblem } from './view-encoding.js';
import { viewHashes } from './view-hash.js';
import { RemovalRefusedError, diffWorlds } from './world-diff.js';
import { type StoredWorld, diffWorldRows, worldFromRows } from './world-rows.js';

/** The database file in the data directory. */
export const SERVER_DB_FILE = 'server.db';

/** The prefix of generated policy ids, followed by 8 random hex digits. */
export const POLICY_ID_PREFIX = 'pol-';

/** Options of `ServerState.open`. */
export interface ServerStateOptions {
  /** Holds server.db, signing.key and signing.pub; created (mode 0700) when missing. */
  dataDir: string;
  /** Stamps `issuedAtMs` of signed messages. */
  clock: () => number;
}

interface SealedSnapshot {
  snapshotVersion: number;
  settingsVersion: number;
  bytes: Uint8Array;
}

interface SealedSettings {
  settingsVersion: number;
  bytes: Uint8Array;
}

/** How many computers a refused change names whose view cannot be encoded (the rest are counted). */
export const MAX_ENCODING_PROBLEMS = 10;

/** A checked commit, ready to write. */
interface PreparedCommit {
  candidate: World;
  rowChanges: ReturnType<typeof diffWorldRows>;
  index: WorldIndex;
  issued: IssuedVersions[];
  changes: ViewChanges;
}

function noChanges(): ViewChanges {
  return { snapshots: [], settings: [] };
}

/** Freezes an object graph; objects already frozen (shared with the previous world) are not walked again. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** A copy without the members set to undefined: a patch member set to undefined removes the field. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as T;
}

/**
 * The ids of the entries a setting set at a scope is stored as; `orgs` are
 * the global scope's organizations. `admin-KIND-ID-TYPE`, or, when that would
 * be longer than an id may be, `admin-KIND-h` and a hash of ID and TYPE: the
 * same scope and type always give the same id.
 */
function adminSettingIds(scope: SettingScope, type: string, orgs: readonly string[]): string[] {
  const idOf = (kind: string, target: string): string => {
    const plain = `admin-${kind}-${target}-${type}`;
    if (plain.length <= MAX_ID_CHARS) return plain;
    return `admin-${kind}-h${createHash('sha256').update(`${target}\0${type}`).digest('hex').slice(0, 40)}`;
  };
  if (scope.kind === 'global') return orgs.map((org) => idOf('global', org));
  return [idOf(scope.kind, scope.id)];
}

/** Whether a settings entry was set through the admin API (see adminSettingIds). */
function isAdminSetting(entry: AgentSetting): boolean {
  return entry.id.startsWith('admin-');
}

/**
 * Orders the admin's entries of a setting type before every other entry of
 * that type (an admin's explicit action wins on the computers it names),
 * keeping computer before group before organization before global among them.
 */
function placeAdminSettings(entries: AgentSetting[], type: string): AgentSetting[] {
  const others = entries.filter((e) => e.type === type && !isAdminSetting(e)).map((e) => e.order);
  const globalOrder = ADMIN_SETTING_ORDER.global;
  const offset = Math.min(0, Math.min(...others, globalOrder + 1) - (globalOrder + 1));
  return entries.map((e) => {
    if (e.type !== type || !isAdminSetting(e)) return e;
    const kind = e.id.slice('admin-'.length, e.id.indexOf('-', 'admin-'.length)) as SettingScope['kind'];
    const order = ADMIN_SETTING_ORDER[kind] + offset;
    return order === e.order ? e : { ...e, order };
  });
}

function checkAckVersion(name: string, version: number): void {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new TollgateError('invalid-argument', `${name} must be a non-negative integer, got ${version}`);
  }
}

/**
 * The policy server's state behind `ServerStateApi`. The world lives in
 * memory (deeply frozen: everything returned is read-only) and in SQLite,
 * one row per entity; a mutation validates the whole candidate world,
 * writes the rows that changed and the versions it issued in one
 * transaction, then swaps the world in. Versions start at 1, never go down
 * and survive restarts and re-imports. A computer removed from the world
 * keeps its state row (token, versions): it cannot authenticate or be
 * listed while it is absent, and continues from its versions if it returns.
 */
export class ServerState implements ServerStateApi {
  private readonly db: ServerDb;
  private readonly clock: () => number;
  private readonly dataDir: string;
  private signingKey: ServerSigningKey;
  private current: World;
  private index: WorldIndex;
  private stored: StoredWorld;
  private readonly rows = new Map<string, ComputerRow>();
  private readonly connected = new Set<string>();
  private readonly sealedSnapshots = new SealedCache<SealedSnapshot>();
  private readonly sealedSettings = new SealedCache<SealedSettings>();
  /** The next key the versions of a switch were issued for, should the switch of its files fail: not issued twice. */
  private issuedForKeyId: string | null = null;

  private constructor(db: ServerDb, dataDir: string, signingKey: ServerSigningKey, clock: () => number) {
    this.db = db;
    this.dataDir = dataDir;
    this.signingKey = signingKey;
    this.clock = clock;
    const { world, stored } = worldFromRows(db.entityRows());
    this.current = deepFreeze(world);
    this.stored = stored;
    this.index = new WorldIndex(this.current);
    for (const row of db.computerRows()) this.rows.set(row.computerId, row);
    // Views built by this release may differ from those the stored hashes
    // describe (a newer engine): issue new versions for those now.
    const { issued } = this.planVersions(this.index);
    if (issued.length > 0) {
      db.commit([], [], issued);
      this.applyIssued(issued);
    }
  }

  /**
   * Opens the state of `dataDir`: creates the directory, the signing key
   * pair and the database on first use, and loads them afterwards.
   */
  static open(options: ServerStateOptions): ServerState {
    fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const signingKey = loadOrCreateSigningKey(options.dataDir);
    const db = ServerDb.open(path.join(options.dataDir, SERVER_DB_FILE));
    try {
      return new ServerState(db, options.dataDir, signingKey, options.clock);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** The current world (frozen: copy it before changing it). */
  world(): World {
    return this.current;
  }

  /** Replaces the world with a copy of `world`; enrollment and issued versions are kept. */
  importWorld(world: World): ViewChanges {
    return this.commit(structuredClone(world));
  }

  /**
   * Replaces the world with a copy of `world` after the same checks as
   * importWorld (validation, every changed view encodable), reporting the
   * difference. A dry run checks everything and stores nothing; otherwise
   * removing computers is refused (RemovalRefusedError, nothing stored)
   * unless `allowRemovals`.
   */
  replaceWorld(world: World, options: { dryRun: boolean; allowRemovals: boolean }): WorldReplacement {
    const candidate = structuredClone(world);
    const prepared = this.prepare(candidate);
    const diff = diffWorlds(this.current, candidate);
    if (options.dryRun) return { diff, changes: prepared?.changes ?? noChanges(), stored: false };
    const removed = diff.computers.removed;
    if (removed.length > 0 && !options.allowRemovals) throw new RemovalRefusedError(removed);
    if (prepared === null) return { diff, changes: noChanges(), stored: false };
    return { diff, changes: this.write(prepared), stored: true };
  }

  /**
   * Commits a world built from the current one; its unchanged entries are
   * shared with it. With `request`, that approval request is stored in the
   * same transaction (both or neither).
   */
  applyWorld(candidate: World, request?: ApprovalRequestRecord): ViewChanges {
    const prepared = this.prepare(candidate);
    if (prepared === null) {
      if (request !== undefined) this.updateApprovalRequest(request);
      return noChanges();
    }
    return this.write(prepared, request === undefined ? undefined : () => this.updateApprovalRequest(request));
  }

  /** A new token for a known computer (TollgateError 'unknown-reference' otherwise); the old one stops working. */
  enroll(computerId: string): { token: string } {
    this.index.computer(computerId);
    const row = this.requireRow(computerId);
    const token = newEnrollmentToken();
    const hash = tokenHash(token);
    this.db.setTokenHash(computerId, hash);
    row.tokenHash = hash;
    return { token };
  }

  /** Whether `token` is the current token of a computer of the world (timing-safe). */
  authenticate(computerId: string, token: string): boolean {
    if (!this.index.computers.has(computerId)) return false;
    return tokenMatches(this.rows.get(computerId)?.tokenHash ?? null, token);
  }

  /**
   * Adds a policy: `id` defaults to `pol-` and 8 random hex digits, `enabled`
   * to true. An id already in use is TollgateError 'exists'.
   */
  addPolicy(input: PolicyInput): { policy: Policy; changes: ViewChanges } {
    const { id: givenId, ...rest } = structuredClone(input);
    const id = givenId ?? this.newPolicyId();
    if (this.index.policies.has(id)) throw new TollgateError('exists', `policy "${id}" already exists`);
    const policy = withoutUndefined<Policy>({ id, ...rest, enabled: rest.enabled ?? true });
    const changes = this.commit({ ...this.current, policies: [...this.current.policies, policy] });
    return { policy: this.requirePolicy(id), changes };
  }

  /**
   * Changes the fields the patch sets (a member set to undefined removes an
   * optional field). TollgateError 'not-found' for an unknown id; a patch
   * that sets another id is refused.
   */
  updatePolicy(id: string, patch: PolicyPatch): { policy: Policy; changes: ViewChanges } {
    const existing = this.requirePolicy(id);
    const given: unknown = (patch as { id?: unknown }).id;
    if (given !== undefined && given !== id) {
      throw new ValidationError([
        `policies[${id}]: id cannot be changed (the patch sets it to ${JSON.stringify(given)})`,
      ]);
    }
    const updated = withoutUndefined<Policy>({ ...existing, ...structuredClone(patch), id });
    const policies = this.current.policies.map((p) => (p === existing ? updated : p));
    const changes = this.commit({ ...this.current, policies });
    return { policy: this.requirePolicy(id), changes };
  }

  /** Deletes a policy; TollgateError 'not-found' for an unknown id. */
  deletePolicy(id: string): { changes: ViewChanges } {
    const existing = this.requirePolicy(id);
    return { changes: this.commit({ ...this.current, policies: this.current.policies.filter((p) => p !== existing) }) };
  }

  /**
   * Sets a setting at a scope with the entries `admin-KIND-ID-TYPE` (global:
   * `admin-global-ROOTORG-TYPE`, one per root organization), replacing them
   * in place. An unknown target is TollgateError 'unknown-reference'; a bad
   * type or value is a ValidationError naming the entry and field.
   */
  setSetting(
    scope: SettingScope,
    type: string,
    value: SettingValue,
  ): { settings: AgentSetting[]; changes: ViewChanges } {
    this.checkScopeTarget(scope);
    const rootOrgs = this.current.organizations.filter((o) => o.parent === undefined).map((o) => o.id);
    const ids = adminSettingIds(scope, type, rootOrgs);
    const entries: AgentSetting[] = scopeAppliesTo(scope, rootOrgs).map((appliesTo, i) => ({
      id: ids[i] as string,
      type,
      value,
      appliesTo,
      order: ADMIN_SETTING_ORDER[scope.kind],
    }));
    const byId = new Map(entries.map((e) => [e.id, e]));
    const kept = this.current.agentSettings.map((s) => byId.get(s.id) ?? s);
    const added = entries.filter((e) => !this.current.agentSettings.some((s) => s.id === e.id));
    const changes = this.commit({ ...this.current, agentSettings: placeAdminSettings([...kept, ...added], type) });
    return { settings: this.current.agentSettings.filter((s) => byId.has(s.id)), changes };
  }

  /** Removes what `setSetting` set at the scope; nothing there is no error (and no change). */
  clearSetting(scope: SettingScope, type: string): { changes: ViewChanges } {
    this.checkScopeTarget(scope);
    // Every organization, not just today's roots: a root may have been given a parent since.
    const ids = new Set(
      adminSettingIds(
        scope,
        type,
        this.current.organizations.map((o) => o.id),
      ),
    );
    const agentSettings = this.current.agentSettings.filter((s) => !ids.has(s.id));
    if (agentSettings.length === this.current.agentSettings.length) return { changes: noChanges() };
    return { changes: this.commit({ ...this.current, agentSettings }) };
  }

  /** Every agent setting entry of the world. */
  settings(): AgentSetting[] {
    return this.current.agentSettings;
  }

  /**
   * Plans the flat upgrade of an organization (SPEC.md section 4) and, unless
   * it is refused or a dry run, stores the renumbered world.
   */
  upgradeToFlat(
    orgId: string,
    options: { acknowledge: boolean; dryRun: boolean },
  ): { plan: UpgradePlan; changes: ViewChanges } {
    const plan = upgradeToFlat(this.current, orgId, { acknowledge: options.acknowledge });
    if (!plan.ok || options.dryRun) return { plan, changes: noChanges() };
    return { plan, changes: this.commit(plan.world) };
  }

  /** The lint warnings of the current world (SPEC.md section 6). */
  lint(): LintWarning[] {
    return lintWorld(this.current);
  }

  /** The computer's snapshot at its current versions, signed; re-signed only when a version changes. */
  snapshotFor(computerId: string): SignedMessage {
    this.index.computer(computerId);
    const row = this.requireRow(computerId);
    let sealed = this.sealedSnapshots.get(computerId);
    if (sealed?.snapshotVersion !== row.snapshotVersion || sealed.settingsVersion !== row.settingsVersion) {
      const content = {
        computerId,
        version: row.snapshotVersion,
        issuedAtMs: this.clock(),
        settingsVersion: row.settingsVersion,
        view: buildView(this.index, computerId),
      };
      sealed = {
        snapshotVersion: row.snapshotVersion,
        settingsVersion: row.settingsVersion,
        bytes: sealSnapshot(content, this.signingKey.privateKey),
      };
      this.sealedSnapshots.set(computerId, sealed);
    }
    return { version: sealed.snapshotVersion, bytes: sealed.bytes };
  }

  /** Signs a delta (server/delta.ts builds it from the snapshots) with the key that signs now. */
  sealDelta(delta: DeltaContent): Uint8Array {
    return sealDelta(delta, this.signingKey.privateKey);
  }

  /** The computer's effective settings (values and sources) at its current settings version, signed. */
  settingsFor(computerId: string): SignedMessage {
    this.index.computer(computerId);
    const row = this.requireRow(computerId);
    let sealed = this.sealedSettings.get(computerId);
    if (sealed?.settingsVersion !== row.settingsVersion) {
      const resolved = resolveSettings(this.index, computerId);
      const content = {
        computerId,
        settingsVersion: row.settingsVersion,
        issuedAtMs: this.clock(),
        settings: resolved.values,
        sources: resolved.sources,
      };
      sealed = { settingsVersion: row.settingsVersion, bytes: sealSettings(content, this.signingKey.privateKey) };
      this.sealedSettings.set(computerId, sealed);
    }
    return { version: sealed.settingsVersion, bytes: sealed.bytes };
  }

  /** The state of every computer of the world, enrolled or not, in world order. */
  computers(): ComputerState[] {
    return this.current.computers.map((c) => this.computerState(c.id));
  }

  /** One computer's state; TollgateError 'unknown-reference' for a computer not in the world. */
  computerState(computerId: string): ComputerState {
    const group = this.index.computerGroup(computerId);
    const row = this.requireRow(computerId);
    return {
      id: computerId,
      group: group.id,
      org: group.org,
      enrolled: row.tokenHash !== null,
      reportedAgentVersion: row.reportedAgentVersion,
      reportedOs: row.reportedOs,
      connected: this.connected.has(computerId),
      lastSeenMs: row.lastSeenMs,
      snapshotVersion: row.snapshotVersion,
      settingsVersion: row.settingsVersion,
      ackedSnapshotVersion: row.ackedSnapshotVersion,
      ackedSettingsVersion: row.ackedSettingsVersion,
      lastError: row.lastError,
    };
  }

  /**
   * Records the agent version and os an agent reported, and when. When the
   * agent holds a snapshot or settings version above what was issued for its
   * computer (a snapshot installed offline), the next version is issued
   * above it, stored before this returns, so that the agent converges.
   */
  recordHello(
    computerId: string,
    info: { agentVersion: string; os: OsName; nowMs: number; snapshotVersion?: number; settingsVersion?: number },
  ): void {
    const row = this.requireRow(computerId);
    this.db.recordHello(computerId, info.agentVersion, info.os, info.nowMs);
    row.reportedAgentVersion = info.agentVersion;
    row.reportedOs = info.os;
    row.lastSeenMs = info.nowMs;
    this.issueAbove(row, info.snapshotVersion ?? 0, info.settingsVersion ?? 0);
  }

  /** Issues versions above those an agent holds, when it holds more than was issued; see recordHello. */
  private issueAbove(row: ComputerRow, heldSnapshot: number, heldSettings: number): void {
    if (heldSnapshot <= row.snapshotVersion && heldSettings <= row.settingsVersion) return;
    if (heldSnapshot >= MAX_VERSION || heldSettings >= MAX_VERSION) {
      throw new TollgateError(
        'version-exhausted',
        `computer ${row.computerId} holds snapshot version ${heldSnapshot} and settings version ${heldSettings}: ` +
          `no version above ${MAX_VERSION} can be issued; clear the agent's cache (agent.db)`,
      );
    }
    const issued: IssuedVersions = {
      computerId: row.computerId,
      snapshotVersion: heldSnapshot > row.snapshotVersion ? heldSnapshot + 1 : row.snapshotVersion,
      settingsVersion: heldSettings > row.settingsVersion ? heldSettings + 1 : row.settingsVersion,
      viewHash: row.viewHash,
      settingsHash: row.settingsHash,
    };
    // A higher snapshot alone is answered with a snapshot, which carries the settings: no settings version is needed.
    this.db.commit([], [], [issued]);
    this.applyIssued([issued]);
  }

  /**
   * Records the versions an agent acknowledged and its error ('' is none).
   * Versions above those issued (installed offline) are issued above first,
   * as for recordHello, so what is recorded never exceeds what was issued.
   */
  recordAck(
    computerId: string,
    ack: { snapshotVersion: number; settingsVersion: number; error: string; nowMs: number },
  ): void {
    checkAckVersion('snapshotVersion', ack.snapshotVersion);
    checkAckVersion('settingsVersion', ack.settingsVersion);
    const row = this.requireRow(computerId);
    this.issueAbove(row, ack.snapshotVersion, ack.settingsVersion);
    const recorded = {
      snapshotVersion: Math.min(ack.snapshotVersion, row.snapshotVersion),
      settingsVersion: Math.min(ack.settingsVersion, row.settingsVersion),
      error: ack.error === '' ? null : ack.error,
      nowMs: ack.nowMs,
    };
    this.db.recordAck(computerId, recorded);
    row.ackedSnapshotVersion = recorded.snapshotVersion;
    row.ackedSettingsVersion = recorded.settingsVersion;
    row.lastError = recorded.error;
    row.lastSeenMs = recorded.nowMs;
  }

  /**
   * Marks a computer connected or not (kept in memory only) and records it as
   * last seen now. The mark holds even when that record cannot be written
   * (TollgateError 'storage-unavailable' is thrown after it).
   */
  setConnected(computerId: string, connected: boolean, nowMs: number): void {
    const row = this.requireRow(computerId);
    if (connected) this.connected.add(computerId);
    else this.connected.delete(computerId);
    this.db.setLastSeen(computerId, nowMs);
    row.lastSeenMs = nowMs;
  }

  /**
   * Records an approval request once per id, with the suggestion worked out
   * from the server's world now (the agent's own when that fails, noted in
   * `warnings`). A repeated id answers the stored request, `recorded: false`.
   * A new id is refused with TollgateError 'too-many-pending' when the
   * computer already has `limits.maxPendingPerComputer` pending requests.
   */
  recordApprovalRequest(
    computerId: string,
    submission: ApprovalSubmission,
    nowMs: number,
    limits: { maxPendingPerComputer?: number } = {},
  ): { request: ApprovalRequestRecord; recorded: boolean } {
    const stored = this.approvalRequest(submission.requestId);
    if (stored !== undefined) {
      if (stored.computer !== computerId) {
        throw new TollgateError(
          'conflict',
          `approval request id ${submission.requestId} is already used by computer ${stored.computer}, not ${computerId}`,
        );
      }
      return { request: stored, recorded: false };
    }
    const maxPending = limits.maxPendingPerComputer;
    if (maxPending !== undefined) {
      const pending = this.db.pendingRequestCount(computerId);
      if (pending >= maxPending) {
        throw new TollgateError(
          'too-many-pending',
          `computer ${computerId} already has ${pending} pending approval requests (at most ${maxPending}): request ${submission.requestId} is not recorded`,
        );
      }
    }
    const group = this.index.computerGroup(computerId);
    const warnings: string[] = [];
    let suggestion = submission.suggestion;
    try {
      const view = buildView(this.index, computerId);
      suggestion = evaluateApproval(view, resolveApprovalQuery(view, submission.query));
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      warnings.push(`the server could not evaluate the request (${error.message}): the agent's suggestion is kept`);
    }
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
      suggestion,
      agentSuggestion: submission.suggestion,
      warnings,
      status: 'pending',
      history: [],
    };
    const recorded = this.db.insertRequest({
      id: request.id,
      computerId,
      receivedAtMs: nowMs,
      status: request.status,
      body: JSON.stringify(request),
    });
    return { request, recorded };
  }

  /** The requests in arrival order, optionally only those with `status`. */
  approvalRequests(status?: RequestStatus): ApprovalRequestRecord[] {
    return this.db.requestBodies(status).map((body) => JSON.parse(body) as ApprovalRequestRecord);
  }

  /** One request, or undefined. */
  approvalRequest(id: string): ApprovalRequestRecord | undefined {
    const body = this.db.requestBody(id);
    return body === undefined ? undefined : (JSON.parse(body) as ApprovalRequestRecord);
  }

  /** Stores a request's new status and history; TollgateError 'not-found' for an unknown id. */
  updateApprovalRequest(request: ApprovalRequestRecord): void {
    if (!this.db.updateRequest(request.id, request.status, JSON.stringify(request))) {
      throw new TollgateError('not-found', `approval request ${request.id} not found`);
    }
  }

  /** The PEM (SPKI) public key agents pin. */
  publicKeyPem(): string {
    return this.signingKey.publicKeyPem;
  }

  /** The id of the key that signs now (see keyId). */
  signingKeyId(): string {
    return this.signingKey.keyId;
  }

  /**
   * Switches signing to the next key once its time has come (see
   * prepareNextSigningKey), and issues a new snapshot version to every
   * computer, so that every agent receives a snapshot signed with it; the
   * returned changes name the computers of the world, to push to. Nothing
   * (no changes) when no next key waits or its time has not come. The new
   * versions are stored before the key files are switched: a crash between
   * the two switches (and issues) again at the next start. The server calls
   * it at start, before it serves, and then periodically; nothing else does,
   * so that a command opening the state beside a running server never
   * switches under it.
   */
  rotateSigningKeyIfDue(): ViewChanges & { keyId?: string; retiredKeyId?: string } {
    const next = readNextSigningKey(this.dataDir);
    if (next === undefined || next.atMs > this.clock()) return noChanges();
    if (this.issuedForKeyId !== next.keyId) {
      const issued: IssuedVersions[] = [...this.rows.values()].map((row) => ({
        computerId: row.computerId,
        snapshotVersion: row.snapshotVersion + 1,
        settingsVersion: row.settingsVersion,
        viewHash: row.viewHash,
        settingsHash: row.settingsHash,
      }));
      this.db.commit([], [], issued);
      this.applyIssued(issued);
      this.issuedForKeyId = next.keyId;
    }
    const retiredKeyId = this.signingKey.keyId;
    this.signingKey = switchToNextSigningKey(this.dataDir, this.signingKey);
    this.sealedSnapshots.clear();
    this.sealedSettings.clear();
    return {
      snapshots: this.current.computers.map((c) => c.id),
      settings: [],
      keyId: this.signingKey.keyId,
      retiredKeyId,
    };
  }

  /** Closes the database; later calls do nothing. */
  close(): void {
    this.db.close();
  }

  /** Test-only: makes later database writes fail as on a full disk or a read-only file system. */
  simulateStorageFault(fault: StorageFault): void {
    this.db.simulateStorageFault(fault);
  }

  /**
   * Validates the candidate world and proves every changed view encodable
   * (ValidationError, nothing changed, on any problem), writes what changed
   * and the versions issued in one transaction, then makes it the current
   * world.
   */
  private commit(candidate: World): ViewChanges {
    const prepared = this.prepare(candidate);
    return prepared === null ? noChanges() : this.write(prepared);
  }

  /**
   * Everything a commit of `candidate` would write, checked but not stored:
   * null when nothing would change. Throws ValidationError naming the
   * entity and field for a world that fails validation or a view that could
   * not be encoded for its agent.
   */
  private prepare(candidate: World): PreparedCommit | null {
    const problems = validateWorld(candidate);
    if (problems.length > 0) throw new ValidationError(problems);
    const rowChanges = diffWorldRows(this.stored, candidate);
    if (rowChanges.writes.length === 0 && rowChanges.deletes.length === 0) return null;
    const index = new WorldIndex(candidate);
    const { issued, changes, encodingProblems } = this.planVersions(index);
    if (encodingProblems.length > 0) {
      // One bad entity can reach thousands of computers: name a few, count the rest.
      const named = encodingProblems.slice(0, MAX_ENCODING_PROBLEMS);
      const more = encodingProblems.length - named.length;
      throw new ValidationError(
        more === 0 ? named : [...named, `and ${more} more computer(s) whose view cannot be encoded for its agent`],
      );
    }
    return { candidate, rowChanges, index, issued, changes };
  }

  /** Writes a prepared commit (and `alsoWrite`'s writes) in one transaction, then swaps the world in. */
  private write(prepared: PreparedCommit, alsoWrite?: () => void): ViewChanges {
    const { candidate, rowChanges, index, issued, changes } = prepared;
    this.db.atomically(() => {
      this.db.commit(rowChanges.writes, rowChanges.deletes, issued);
      alsoWrite?.();
    });
    this.current = deepFreeze(candidate);
    this.index = index;
    this.stored = rowChanges.stored;
    this.applyIssued(issued);
    for (const cache of [this.sealedSnapshots, this.sealedSettings]) {
      for (const id of cache.keys()) if (!index.computers.has(id)) cache.delete(id);
    }
    return changes;
  }

  /**
   * The versions to issue for the world of `index`: a changed view (without
   * settings) is a new snapshot version, after a new settings version when
   * the settings changed too; changed settings alone are a new settings
   * version. A computer's first view is version 1 of both.
   */
  private planVersions(index: WorldIndex): {
    issued: IssuedVersions[];
    changes: ViewChanges;
    encodingProblems: string[];
  } {
    const issued: IssuedVersions[] = [];
    const changes = noChanges();
    const encodingProblems: string[] = [];
    for (const computer of index.world.computers) {
      const view = buildView(index, computer.id);
      const hashes = viewHashes(view);
      const row = this.rows.get(computer.id);
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

  private applyIssued(issued: readonly IssuedVersions[]): void {
    for (const versions of issued) {
      const row = this.rows.get(versions.computerId);
      if (row !== undefined) {
        Object.assign(row, versions);
        continue;
      }
      this.rows.set(versions.computerId, {
        ...versions,
        tokenHash: null,
        ackedSnapshotVersion: 0,
        ackedSettingsVersion: 0,
        reportedAgentVersion: null,
        reportedOs: null,
        lastSeenMs: null,
        lastError: null,
      });
    }
  }

  /** The state row of a computer that is or was in the world. */
  private requireRow(computerId: string): ComputerRow {
    const row = this.rows.get(computerId);
    if (row === undefined) throw new TollgateError('unknown-reference', `unknown computer "${computerId}"`);
    return row;
  }

  private requirePolicy(id: string): Policy {
    const policy = this.index.policies.get(id);
    if (policy === undefined) throw new TollgateError('not-found', `policy "${id}" not found`);
    return policy;
  }

  private newPolicyId(): string {
    for (;;) {
      const id = `${POLICY_ID_PREFIX}${randomBytes(4).toString('hex')}`;
      if (!this.index.policies.has(id)) return id;
    }
  }

  /** Throws TollgateError 'unknown-reference' naming a scope target not in the world. */
  private checkScopeTarget(scope: SettingScope): void {
    switch (scope.kind) {
      case 'computer':
        this.index.computer(scope.id);
        return;
      case 'group':
        this.index.group(scope.id);
        return;
      case 'organization':
        this.index.org(scope.id);
        return;
      case 'global':
        return;
    }
  }
}
