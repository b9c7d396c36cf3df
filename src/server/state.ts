/**
 * The policy server's state (SPEC.md section 9): the world, enrollment and
 * what each computer was issued and acknowledged, kept in memory and
 * persisted in `DATA_DIR/server.db`, with the Ed25519 key that signs every
 * snapshot and settings message.
 */
import { type KeyObject, createHash, randomBytes } from 'node:crypto';
import { authoritativeQuery, evaluateApproval, resolveApprovalQuery } from '../engine/approvals.js';
import { TollgateError, ValidationError } from '../engine/errors.js';
import { MAX_ID_CHARS, SETTING_ORDER_MIN } from '../engine/limits.js';
import { lintWorld, type LintWarning } from '../engine/lint.js';
import type { AgentSetting, Computer, ComputerGroup, OsName, Policy, SettingValue, World } from '../engine/model.js';
import { upgradeToFlat, type UpgradePlan } from '../engine/upgrade.js';
import { validateChange, validateWorld } from '../engine/validate.js';
import { resolveSettings } from '../engine/view.js';
import { WorldIndex } from '../engine/world.js';
import { MAX_VERSION, sealSettings } from '../wire/signed.js';
import { ViewSplicer, sealSplicedSnapshot, type SplicedView } from '../wire/view-splice.js';
import { LATEST_TIME_MS, type ApprovalSubmission } from '../wire/sync-messages.js';
import type { StorageFault } from '../store/storage-error.js';
import type { ComputerRow, IssuedVersions } from './server-db.js';
import { SealedCache } from './sealed-cache.js';
import {
  type ServerStore,
  type StoreChanges,
  type StoreContents,
  StaleWorldError,
  requestUpdateRefused,
} from './store/server-store.js';
import { SERVER_DB_FILE, SqliteStore } from './store/sqlite-store.js';
import { countStorageFailures } from './store/counted-store.js';
import { ChangeQueue, DEFAULT_MAX_QUEUED_CHANGES } from './change-queue.js';
import { ViewPlanner, affectedComputers, computerPart } from './view-planner.js';
import { DEFAULT_SLICE_MS, Pacer } from './pacer.js';
import { NO_PHASE_MARKS, type PhaseMarks } from './stall-monitor.js';
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
  type CurrentView,
  type PolicyInput,
  type PolicyPatch,
  type RequestStatus,
  type RequestUpdate,
  type Readiness,
  type ReadinessCheck,
  type ServerStateApi,
  type SettingScope,
  type SignedMessage,
  type StateListener,
  type ViewChanges,
  type WorldReplacement,
  scopeAppliesTo,
} from './types.js';
import { RemovalRefusedError, diffWorlds, inCurrentOrder } from './world-diff.js';
import { type StoredWorld, applyRowChanges, diffWorldRows, worldFromRows } from './world-rows.js';
import { makeDirs } from '../scenario/make-dirs.js';

/**
 * The most stored JSON one page of the approval queue holds (its answer is
 * about as long), whatever its `limit`: far below what one JSON text can be.
 */
export const MAX_REQUEST_PAGE_CHARS = 64 * 1024 * 1024;

/**
 * The highest version an agent may report holding and have the server issue
 * above (recordHello). Versions are 32-bit and only ever rise, one per
 * change or key rotation: the 16,777,216 above it are kept for the server's
 * own issues, so that an agent reporting a version near the top (a
 * compromised one, or a corrupt cache) cannot leave its computer with no
 * version left for the next change.
 */
export const MAX_ADOPTED_VERSION = MAX_VERSION - 2 ** 24;

export { SERVER_DB_FILE };

/** The prefix of generated policy ids, followed by 8 random hex digits. */
export const POLICY_ID_PREFIX = 'pol-';

/** Options of `ServerState.open`. */
export interface ServerStateOptions {
  /** Holds server.db, signing.key and signing.pub; created (mode 0700) when missing. */
  dataDir: string;
  /** Stamps `issuedAtMs` of signed messages. */
  clock: () => number;
  /** The store to use instead of SQLite in `dataDir` (PostgreSQL); closed by `close`. */
  store?: ServerStore;
  /** How many changes may wait for the one being made (default DEFAULT_MAX_QUEUED_CHANGES); more are 'busy'. */
  maxQueuedChanges?: number;
  /**
   * Whether open returns once the world is loaded, before the views are
   * checked against the stored hashes (see `settled`); default false: open
   * returns after that check.
   */
  planInBackground?: boolean;
  /** Where the phases of long work are marked (a StallMonitor, to find what holds the event loop); default none. */
  phases?: PhaseMarks;
  /** How long long work runs before it yields to the event loop (default DEFAULT_SLICE_MS; 0: at every step). */
  sliceMs?: number;
}

/** How many times a change is prepared again on a newer world after another process committed first. */
export const MAX_COMMIT_ATTEMPTS = 5;

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
  /** The candidate's validation problems (only ones the world before had too: a change adds none). */
  problems: string[];
  rowChanges: ReturnType<typeof diffWorldRows>;
  index: WorldIndex;
  issued: IssuedVersions[];
  changes: ViewChanges;
}

/**
 * The problems of `candidate` that `known` does not hold. An entry without
 * an id is named by its place (`gates[#2]`), which moves when an entry
 * before it is removed: a problem is matched with the place left out, and
 * each known problem matches once, so that removing an entry does not turn
 * the problems after it into new ones, while a second entry with the same
 * problem is still one more.
 */
export function addedProblems(known: ReadonlySet<string>, candidate: readonly string[]): string[] {
  if (known.size === 0) return [...candidate];
  const placeless = (problem: string): string => problem.replace(/\[#\d+\]/g, '[#]');
  const left = new Map<string, number>();
  for (const problem of known) left.set(placeless(problem), (left.get(placeless(problem)) ?? 0) + 1);
  return candidate.filter((problem) => {
    const key = placeless(problem);
    const count = left.get(key) ?? 0;
    if (count === 0) return true;
    left.set(key, count - 1);
    return false;
  });
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
  const others = entries.filter((e) => e.type === type && !isAdminSetting(e));
  const globalOrder = ADMIN_SETTING_ORDER.global;
  const lowest = others.reduce<AgentSetting | null>((low, e) => (low === null || e.order < low.order ? e : low), null);
  const offset = Math.min(0, Math.min(lowest?.order ?? globalOrder + 1, globalOrder + 1) - (globalOrder + 1));
  // The admin's entries take the orders just before the lowest other one: none are left below it.
  if (lowest !== null && ADMIN_SETTING_ORDER.computer + offset < SETTING_ORDER_MIN) {
    throw new ValidationError([
      `agentSettings[${lowest.id}]: order ${lowest.order} leaves no order before it for the settings set through ` +
        `the admin API, which come before every other ${type} entry: give it an order above ` +
        `${SETTING_ORDER_MIN + (globalOrder - ADMIN_SETTING_ORDER.computer)}`,
    ]);
  }
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
 * memory (deeply frozen: everything returned is read-only) and in a
 * ServerStore (SQLite, or PostgreSQL shared by several server processes),
 * one row per entity. Changes are made one at a time (a bounded queue): a
 * change validates its candidate world, plans the versions it issues,
 * and commits the rows that changed and those versions in one transaction
 * at the next revision of the store; when another process committed
 * first, the state catches up and prepares the change again (at most
 * MAX_COMMIT_ATTEMPTS times, then TollgateError 'conflict'). Versions start
 * at 1, never go down and survive restarts and re-imports. A computer
 * removed from the world keeps its state row (token, versions): it cannot
 * authenticate or be listed while it is absent, and continues from its
 * versions if it returns.
 */
export class ServerState implements ServerStateApi {
  private readonly store: ServerStore;
  private readonly clock: () => number;
  private readonly dataDir: string;
  private signingKey: ServerSigningKey;
  private current: World;
  private index: WorldIndex;
  private stored: StoredWorld;
  /**
   * Whether the current world passed validation, so that a change is checked
   * by what it changed (validateChange): true once this process committed
   * it or checked it; unknown (false) for a world read from the store until
   * the check at open, and after other processes' rows are applied.
   */
  private currentValid = false;
  /**
   * The validation problems of the current world when it is not valid (a
   * world stored before this release checked what it checks now), worked
   * out when first needed: a change that adds none to them is taken, so
   * that admins can mend such a world a change at a time.
   */
  private currentProblems: ReadonlySet<string> | null = null;
  private revision: number;
  private readonly rows = new Map<string, ComputerRow>();
  private readonly connected = new Set<string>();
  /** The stored text each approval request object handed out was read from (updateApprovalRequest compares it). */
  private readonly requestBodies = new WeakMap<ApprovalRequestRecord, string>();
  private readonly sealedSnapshots = new SealedCache<SealedSnapshot>();
  private readonly sealedSettings = new SealedCache<SealedSettings>();
  private readonly queue: ChangeQueue;
  private readonly listeners = new Set<StateListener>();
  private readonly planner = new ViewPlanner();
  // The views of stored worlds, which are validated: no id is listed twice.
  private readonly splicer = new ViewSplicer({ uniqueIds: true });
  /** Each computer's `computer` record, with the group it was made with (a computer's own part depends on both). */
  private readonly computerRecords = new WeakMap<Computer, { group: ComputerGroup; record: Buffer }>();
  private unsubscribe: () => void = () => undefined;
  private storeFailures = { count: 0 };
  private phases: PhaseMarks = NO_PHASE_MARKS;
  private sliceMs = DEFAULT_SLICE_MS;
  /**
   * Settles once the views of the world loaded at open are checked against
   * the hashes stored for them, with the changes it issued (to push).
   */
  settled: Promise<ViewChanges> = Promise.resolve({ snapshots: [], settings: [] });
  /** The next key the versions of a switch were issued for, should the switch of its files fail: not issued twice. */
  private issuedForKeyId: string | null = null;

  private constructor(
    store: ServerStore,
    dataDir: string,
    signingKey: ServerSigningKey,
    clock: () => number,
    contents: StoreContents,
    maxQueuedChanges: number,
  ) {
    this.store = store;
    this.dataDir = dataDir;
    this.signingKey = signingKey;
    this.clock = clock;
    this.queue = new ChangeQueue(maxQueuedChanges);
    const { world, stored } = worldFromRows(contents.entities);
    this.current = deepFreeze(world);
    this.stored = stored;
    this.index = new WorldIndex(this.current);
    this.revision = contents.revision;
    for (const row of contents.computers) this.rows.set(row.computerId, row);
  }

  /**
   * Opens the state of `dataDir`: creates the directory and the signing key
   * pair on first use, opens the store (SQLite `server.db` in `dataDir`
   * unless one is given) and loads the world. Views built by this release
   * may differ from those the stored hashes describe (a newer engine): new
   * versions are issued for those before this returns.
   */
  static async open(options: ServerStateOptions): Promise<ServerState> {
    makeDirs(options.dataDir, 0o700);
    const signingKey = loadOrCreateSigningKey(options.dataDir);
    const failures = { count: 0 };
    const store = countStorageFailures(options.store ?? SqliteStore.open(options.dataDir), () => failures.count++);
    try {
      const contents = await store.load();
      const state = new ServerState(
        store,
        options.dataDir,
        signingKey,
        options.clock,
        contents,
        options.maxQueuedChanges ?? DEFAULT_MAX_QUEUED_CHANGES,
      );
      state.storeFailures = failures;
      if (options.phases !== undefined) state.phases = options.phases;
      if (options.sliceMs !== undefined) state.sliceMs = options.sliceMs;
      state.settled = state.queue.run(() => state.reissueAll());
      if (options.planInBackground !== true) await state.settled;
      else state.settled.catch(() => undefined);
      state.unsubscribe = store.subscribe({
        onCommit: (revision) => {
          if (revision > state.revision) state.catchUp().catch(() => undefined);
        },
        onAcks: (ids) => {
          state.refreshAcks(ids).catch(() => undefined);
        },
      });
      return state;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /** The kind of store the state runs over. */
  get storeKind(): ServerStore['kind'] {
    return this.store.kind;
  }

  /** Calls to the store that failed for storage reasons (disk, network, database down) since open. */
  get storeErrorCount(): number {
    return this.storeFailures.count;
  }

  /**
   * Whether the server can serve: the store answers a round trip within
   * `timeoutMs`, and the signing key is loaded. Every check is reported,
   * passed or not.
   */
  async checkReady(timeoutMs: number): Promise<Readiness> {
    const checks: ReadinessCheck[] = [];
    try {
      await this.store.ping(timeoutMs);
      checks.push({ name: 'store', ok: true, detail: `${this.store.kind} answered` });
    } catch (error) {
      checks.push({ name: 'store', ok: false, detail: (error as Error).message });
    }
    const key = this.signingKey.privateKey;
    const keyOk = key.type === 'private' && key.asymmetricKeyType === 'ed25519';
    checks.push({
      name: 'signingKey',
      ok: keyOk,
      detail: keyOk ? `key ${this.signingKey.keyId} loaded` : 'no Ed25519 private signing key is loaded',
    });
    return { ready: checks.every((check) => check.ok), checks };
  }

  /** The store revision the in-memory world is at. */
  get storeRevision(): number {
    return this.revision;
  }

  /** The current world (frozen: copy it before changing it). */
  world(): World {
    return this.current;
  }

  /** Replaces the world with a copy of `world`; enrollment and issued versions are kept. */
  async importWorld(world: World): Promise<ViewChanges> {
    const candidate = structuredClone(world);
    return (await this.change(() => ({ candidate, result: undefined, whole: true }))).changes;
  }

  /**
   * Replaces the world with a copy of `world` after the same checks as
   * importWorld (validation, every changed view encodable), reporting the
   * difference. A dry run checks everything and stores nothing; otherwise
   * removing computers is refused (RemovalRefusedError, nothing stored)
   * unless `allowRemovals`.
   */
  replaceWorld(world: World, options: { dryRun: boolean; allowRemovals: boolean }): Promise<WorldReplacement> {
    const candidate = structuredClone(world);
    return this.queue.run(async () => {
      for (let attempt = 1; ; attempt++) {
        // Lists in the current world's order: a reordered list is no change (docs/ADMIN.md). A reordered world with
        // problems is judged as given (validated once more), so that each problem names the places sent.
        const reordered = inCurrentOrder(this.current, candidate);
        const ordered =
          reordered === candidate ||
          (this.currentValid ? validateChange(this.current, this.index, candidate) : validateWorld(candidate))
            .length === 0
            ? reordered
            : candidate;
        const prepared = await this.prepare(ordered, false);
        const diff = diffWorlds(this.current, ordered);
        if (options.dryRun) return { diff, changes: prepared?.changes ?? noChanges(), stored: false };
        const removed = diff.computers.removed;
        if (removed.length > 0 && !options.allowRemovals) throw new RemovalRefusedError(removed);
        if (prepared === null) return { diff, changes: noChanges(), stored: false };
        if (await this.write(prepared)) return { diff, changes: prepared.changes, stored: true };
        await this.afterStale(attempt);
      }
    });
  }

  /**
   * Commits a world built from the current one by `build` (called again on
   * the newer world when another process committed first); its unchanged
   * entries are shared with the current world. With `request`, that
   * approval request is stored in the same transaction (both or neither).
   */
  async applyWorld(
    build: (current: World) => World,
    request?: RequestUpdate | (() => RequestUpdate),
  ): Promise<ViewChanges> {
    return (await this.change((current) => ({ candidate: build(current), result: undefined }), request)).changes;
  }

  /** A new token for a known computer (TollgateError 'unknown-reference' otherwise); the old one stops working. */
  enroll(computerId: string): Promise<{ token: string }> {
    return this.queue.run(async () => {
      this.index.computer(computerId);
      const row = this.requireRow(computerId);
      const token = newEnrollmentToken();
      const hash = tokenHash(token);
      const { revision } = await this.store.setTokenHash(computerId, hash);
      if (revision === this.revision + 1) this.revision = revision;
      row.tokenHash = hash;
      return { token };
    });
  }

  /** Whether `token` is the current token of a computer of the world (timing-safe). */
  authenticate(computerId: string, token: string): boolean {
    return tokenMatches(this.tokenHashOf(computerId), token);
  }

  /** The sha256 stored for the current token of a computer of the world; null when it has none or is not in it. */
  hasComputer(computerId: string): boolean {
    return this.index.computers.has(computerId);
  }

  tokenHashOf(computerId: string): Uint8Array | null {
    if (!this.index.computers.has(computerId)) return null;
    return this.rows.get(computerId)?.tokenHash ?? null;
  }

  /**
   * Adds a policy: `id` defaults to `pol-` and 8 random hex digits, `enabled`
   * to true. An id already in use is TollgateError 'exists'.
   */
  async addPolicy(input: PolicyInput): Promise<{ policy: Policy; changes: ViewChanges }> {
    const { id: givenId, ...rest } = structuredClone(input);
    const { result: id, changes } = await this.change((current) => {
      const id = givenId ?? this.newPolicyId();
      if (this.index.policies.has(id)) throw new TollgateError('exists', `policy "${id}" already exists`);
      const policy = withoutUndefined<Policy>({ id, ...rest, enabled: rest.enabled ?? true });
      return { candidate: { ...current, policies: [...current.policies, policy] }, result: id };
    });
    return { policy: this.requirePolicy(id), changes };
  }

  /**
   * Changes the fields the patch sets (a member set to undefined removes an
   * optional field). TollgateError 'not-found' for an unknown id; a patch
   * that sets another id is refused.
   */
  async updatePolicy(id: string, patch: PolicyPatch): Promise<{ policy: Policy; changes: ViewChanges }> {
    const given: unknown = (patch as { id?: unknown }).id;
    if (given !== undefined && given !== id) {
      throw new ValidationError([
        `policies[${id}]: id cannot be changed (the patch sets it to ${JSON.stringify(given)})`,
      ]);
    }
    const copy = structuredClone(patch);
    const { changes } = await this.change((current) => {
      const existing = this.requirePolicy(id);
      const updated = withoutUndefined<Policy>({ ...existing, ...copy, id });
      const policies = current.policies.map((p) => (p === existing ? updated : p));
      return { candidate: { ...current, policies }, result: undefined };
    });
    return { policy: this.requirePolicy(id), changes };
  }

  /** Deletes a policy; TollgateError 'not-found' for an unknown id. */
  async deletePolicy(id: string): Promise<{ changes: ViewChanges }> {
    const { changes } = await this.change((current) => {
      const existing = this.requirePolicy(id);
      return { candidate: { ...current, policies: current.policies.filter((p) => p !== existing) }, result: undefined };
    });
    return { changes };
  }

  /**
   * Sets a setting at a scope with the entries `admin-KIND-ID-TYPE` (global:
   * `admin-global-ROOTORG-TYPE`, one per root organization), replacing them
   * in place. An unknown target is TollgateError 'unknown-reference'; a bad
   * type or value is a ValidationError naming the entry and field.
   */
  async setSetting(
    scope: SettingScope,
    type: string,
    value: SettingValue,
  ): Promise<{ settings: AgentSetting[]; changes: ViewChanges }> {
    let ids: Set<string> = new Set();
    const { changes } = await this.change((current) => {
      this.checkScopeTarget(scope);
      const rootOrgs = current.organizations.filter((o) => o.parent === undefined).map((o) => o.id);
      const entryIds = adminSettingIds(scope, type, rootOrgs);
      const entries: AgentSetting[] = scopeAppliesTo(scope, rootOrgs).map((appliesTo, i) => ({
        id: entryIds[i] as string,
        type,
        value,
        appliesTo,
        order: ADMIN_SETTING_ORDER[scope.kind],
      }));
      const byId = new Map(entries.map((e) => [e.id, e]));
      ids = new Set(byId.keys());
      const kept = current.agentSettings.map((s) => byId.get(s.id) ?? s);
      const existing = new Set(current.agentSettings.map((s) => s.id));
      const added = entries.filter((e) => !existing.has(e.id));
      return {
        candidate: { ...current, agentSettings: placeAdminSettings([...kept, ...added], type) },
        result: undefined,
      };
    });
    return { settings: this.current.agentSettings.filter((s) => ids.has(s.id)), changes };
  }

  /** Removes what `setSetting` set at the scope; nothing there is no error (and no change). */
  async clearSetting(scope: SettingScope, type: string): Promise<{ changes: ViewChanges; cleared: boolean }> {
    const { changes, result: cleared } = await this.change((current) => {
      this.checkScopeTarget(scope);
      // Every organization, not just today's roots: a root may have been given a parent since.
      const ids = new Set(
        adminSettingIds(
          scope,
          type,
          current.organizations.map((o) => o.id),
        ),
      );
      const agentSettings = current.agentSettings.filter((s) => !ids.has(s.id));
      if (agentSettings.length === current.agentSettings.length) return { candidate: null, result: false };
      return { candidate: { ...current, agentSettings }, result: true };
    });
    return { changes, cleared };
  }

  /** Every agent setting entry of the world. */
  settings(): AgentSetting[] {
    return this.current.agentSettings;
  }

  /**
   * Plans the flat upgrade of an organization (SPEC.md section 4) and, unless
   * it is refused or a dry run, stores the renumbered world.
   */
  async upgradeToFlat(
    orgId: string,
    options: { acknowledge: boolean; dryRun: boolean },
  ): Promise<{ plan: UpgradePlan; changes: ViewChanges }> {
    let plan: UpgradePlan | undefined;
    const { changes } = await this.change((current) => {
      plan = upgradeToFlat(current, orgId, { acknowledge: options.acknowledge });
      if (!plan.ok || options.dryRun) return { candidate: null, result: undefined };
      return { candidate: plan.world, result: undefined };
    });
    return { plan: plan as UpgradePlan, changes };
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
      const current = this.currentView(computerId);
      sealed = {
        snapshotVersion: row.snapshotVersion,
        settingsVersion: row.settingsVersion,
        bytes: sealSplicedSnapshot(
          {
            computerId,
            version: current.version,
            issuedAtMs: this.clock(),
            settingsVersion: current.settingsVersion,
          },
          current.view,
          this.signingKey.privateKey,
        ),
      };
      this.sealedSnapshots.set(computerId, sealed);
    }
    return { version: sealed.snapshotVersion, bytes: sealed.bytes };
  }

  /** The computer's newest view, encoded from its shared body (the body's encoding is made once per body). */
  currentView(computerId: string): CurrentView {
    const computer = this.index.computer(computerId);
    const row = this.requireRow(computerId);
    const body = this.planner.bodyOf(this.index, computer).view;
    const view: SplicedView = {
      computer: this.computerRecord(computer),
      // A body derived from another (a change to some policies) is encoded from that one's encoding.
      body: this.splicer.body(body, 'snapshot.view', () => this.planner.takeSource(body)),
    };
    return { computerId, version: row.snapshotVersion, settingsVersion: row.settingsVersion, view };
  }

  /** A computer's `computer` record, encoded once while the computer and its group stay the same objects. */
  private computerRecord(computer: Computer): Buffer {
    const group = this.index.group(computer.group);
    const known = this.computerRecords.get(computer);
    if (known?.group === group) return known.record;
    const record = this.splicer.computerRecord(computerPart(this.index, computer), 'snapshot.view');
    this.computerRecords.set(computer, { group, record });
    return record;
  }

  /** The private key that signs now: deltas (server/delta.ts builds them from the snapshots) are signed with it. */
  deltaSigningKey(): KeyObject {
    return this.signingKey.privateKey;
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

  /** The state of every computer of the world, enrolled or not, in world order, as this process knows it. */
  computers(): ComputerState[] {
    return this.current.computers.map((c) => this.computerState(c.id));
  }

  /** One computer's state as this process knows it; TollgateError 'unknown-reference' for a computer not in the world. */
  computerState(computerId: string): ComputerState {
    return this.stateOf(computerId, this.requireRow(computerId));
  }

  /** The versions issued to one computer; TollgateError 'unknown-reference' for a computer not in the world. */
  issuedVersions(computerId: string): { snapshotVersion: number; settingsVersion: number } {
    // A computer removed from the world keeps its row: refused as computerState refuses it.
    this.index.computer(computerId);
    const { snapshotVersion, settingsVersion } = this.requireRow(computerId);
    return { snapshotVersion, settingsVersion };
  }

  /**
   * The state of every computer of the world as stored now: with a shared
   * store, the acknowledgements and last-seen times other processes
   * recorded; with SQLite, what computers() answers.
   */
  async readComputers(): Promise<ComputerState[]> {
    if (this.store.kind === 'sqlite') return this.computers();
    const stored = new Map((await this.store.computerRows()).map((row) => [row.computerId, row]));
    return this.current.computers.map((c) => this.stateOf(c.id, this.mergeStored(c.id, stored.get(c.id))));
  }

  /**
   * The states of at most `limit` computers (every one when undefined) after
   * computer `after` in the world's order, as readComputers reads them;
   * `next` is the last of them when more follow, else null. Null when
   * `after` is not a computer of the world.
   */
  async readComputerPage(
    after: string | undefined,
    limit: number | undefined,
  ): Promise<{ computers: ComputerState[]; next: string | null } | null> {
    const all = this.current.computers;
    let from = 0;
    if (after !== undefined) {
      const at = all.findIndex((c) => c.id === after);
      if (at < 0) return null;
      from = at + 1;
    }
    const to = limit === undefined ? all.length : Math.min(all.length, from + limit);
    const ids = all.slice(from, to).map((c) => c.id);
    let computers: ComputerState[];
    if (this.store.kind === 'sqlite') computers = ids.map((id) => this.computerState(id));
    else {
      const stored = new Map((await this.store.computerRows(ids)).map((row) => [row.computerId, row]));
      computers = ids.map((id) => this.stateOf(id, this.mergeStored(id, stored.get(id))));
    }
    return { computers, next: to < all.length && ids.length > 0 ? (ids.at(-1) as string) : null };
  }

  /** One computer's state as stored now (see readComputers). */
  async readComputerState(computerId: string): Promise<ComputerState> {
    if (this.store.kind === 'sqlite') return this.computerState(computerId);
    this.index.computerGroup(computerId);
    const [row] = await this.store.computerRows([computerId]);
    return this.stateOf(computerId, this.mergeStored(computerId, row));
  }

  /**
   * Records the agent version, tollgate version and os an agent reported, and when. When the
   * agent holds a snapshot or settings version above what was issued for its
   * computer (a snapshot installed offline), the next version is issued
   * above it, stored before this returns, so that the agent converges.
   */
  async recordHello(
    computerId: string,
    info: {
      agentVersion: string;
      tollgateVersion?: string;
      os: OsName;
      nowMs: number;
      snapshotVersion?: number;
      settingsVersion?: number;
    },
  ): Promise<void> {
    const row = this.requireRow(computerId);
    const tollgateVersion = info.tollgateVersion ?? null;
    await this.store.recordHello(computerId, {
      agentVersion: info.agentVersion,
      tollgateVersion,
      os: info.os,
      nowMs: info.nowMs,
    });
    row.reportedAgentVersion = info.agentVersion;
    row.reportedTollgateVersion = tollgateVersion;
    row.reportedOs = info.os;
    row.lastSeenMs = info.nowMs;
    await this.issueAbove(row, info.snapshotVersion ?? 0, info.settingsVersion ?? 0);
  }

  /** Issues versions above those an agent holds, when it holds more than was issued; see recordHello. */
  private async issueAbove(row: ComputerRow, heldSnapshot: number, heldSettings: number): Promise<void> {
    if (heldSnapshot <= row.snapshotVersion && heldSettings <= row.settingsVersion) return;
    // Only a version to be issued above is checked (one the server issued past the cap itself is not).
    const above = (held: number, issued: number): boolean => held > issued && held > MAX_ADOPTED_VERSION;
    if (above(heldSnapshot, row.snapshotVersion) || above(heldSettings, row.settingsVersion)) {
      throw new TollgateError(
        'version-exhausted',
        `version-exhausted: computer ${row.computerId} holds snapshot version ${heldSnapshot} and settings version ${heldSettings}: ` +
          `versions above ${MAX_ADOPTED_VERSION} are not issued above (the rest, up to ${MAX_VERSION}, is kept for ` +
          "the server's own changes); clear the agent's cache (agent.db)",
      );
    }
    await this.queue.run(async () => {
      for (let attempt = 1; ; attempt++) {
        if (heldSnapshot <= row.snapshotVersion && heldSettings <= row.settingsVersion) return;
        const issued: IssuedVersions = {
          computerId: row.computerId,
          snapshotVersion: heldSnapshot > row.snapshotVersion ? heldSnapshot + 1 : row.snapshotVersion,
          settingsVersion: heldSettings > row.settingsVersion ? heldSettings + 1 : row.settingsVersion,
          viewHash: row.viewHash,
          settingsHash: row.settingsHash,
        };
        // A higher snapshot alone is answered with a snapshot, which carries the settings: no settings version is needed.
        if (await this.commitIssued([issued])) return;
        await this.afterStale(attempt);
      }
    });
  }

  /**
   * Records the versions an agent acknowledged and its error ('' is none).
   * Versions above those issued (installed offline) are issued above first,
   * as for recordHello, so what is recorded never exceeds what was issued.
   */
  async recordAck(
    computerId: string,
    ack: { snapshotVersion: number; settingsVersion: number; error: string; nowMs: number },
  ): Promise<void> {
    checkAckVersion('snapshotVersion', ack.snapshotVersion);
    checkAckVersion('settingsVersion', ack.settingsVersion);
    const row = this.requireRow(computerId);
    await this.issueAbove(row, ack.snapshotVersion, ack.settingsVersion);
    const recorded = {
      snapshotVersion: Math.min(ack.snapshotVersion, row.snapshotVersion),
      settingsVersion: Math.min(ack.settingsVersion, row.settingsVersion),
      error: ack.error === '' ? null : ack.error,
      nowMs: ack.nowMs,
    };
    await this.store.recordAck(computerId, recorded);
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
  async setConnected(computerId: string, connected: boolean, nowMs: number): Promise<void> {
    const row = this.requireRow(computerId);
    if (connected) this.connected.add(computerId);
    else this.connected.delete(computerId);
    await this.store.setLastSeen(computerId, nowMs);
    row.lastSeenMs = nowMs;
  }

  /**
   * Records an approval request once per id, with the suggestion worked out
   * from the server's world now (the agent's own when that fails, noted in
   * `warnings`). A repeated id answers the stored request, `recorded: false`.
   * A new id is refused with TollgateError 'too-many-pending' when the
   * computer already has `limits.maxPendingPerComputer` pending requests.
   */
  async recordApprovalRequest(
    computerId: string,
    submission: ApprovalSubmission,
    nowMs: number,
    limits: { maxPendingPerComputer?: number } = {},
  ): Promise<{ request: ApprovalRequestRecord; recorded: boolean }> {
    const stored = await this.approvalRequest(submission.requestId);
    if (stored !== undefined) {
      if (stored.computer !== computerId) {
        throw new TollgateError(
          'conflict',
          `approval request id ${submission.requestId} is already used by another computer`,
        );
      }
      return { request: stored, recorded: false };
    }
    const maxPending = limits.maxPendingPerComputer;
    if (maxPending !== undefined) {
      const pending = await this.store.pendingRequestCount(computerId);
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
      const view = this.planner.viewOf(this.index, computerId);
      const { query, overridden } = authoritativeQuery(view, submission.query);
      if (overridden) {
        warnings.push(
          `the request gave its own attributes for application ${query.app}: the application's in the world are used`,
        );
      }
      suggestion = evaluateApproval(view, resolveApprovalQuery(view, query));
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      if (suggestion.suggestion === 'approve') {
        // An approval the server cannot confirm is not passed on as one: a person decides.
        suggestion = {
          ...suggestion,
          suggestion: 'escalate',
          policy: null,
          reason: `the server could not evaluate the request (${error.message}), and the agent suggested approve`,
        };
        warnings.push(
          `the server could not evaluate the request (${error.message}): the agent's suggestion approve is shown as escalate`,
        );
      } else {
        warnings.push(`the server could not evaluate the request (${error.message}): the agent's suggestion is kept`);
      }
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
    const recorded = await this.store.insertRequest({
      id: request.id,
      computerId,
      receivedAtMs: nowMs,
      status: request.status,
      body: JSON.stringify(request),
    });
    return { request, recorded };
  }

  /** The requests in arrival order, optionally only those with `status`. */
  async approvalRequests(status?: RequestStatus): Promise<ApprovalRequestRecord[]> {
    return (await this.store.requestBodies(status)).map((body) => this.readRequest(body));
  }

  /**
   * At most `limit` requests in arrival order (only those with `status`,
   * when given), after request `after`; `next` is the id to ask after for
   * the following ones, null when these are the last. Null when `after` is
   * not stored.
   */
  async approvalRequestPage(
    status: RequestStatus | undefined,
    after: string | undefined,
    limit: number,
    maxChars = MAX_REQUEST_PAGE_CHARS,
  ): Promise<{ requests: ApprovalRequestRecord[]; next: string | null } | null> {
    const bodies = await this.store.requestBodyPage(status, after, limit + 1);
    if (bodies === null) return null;
    // Also at most `maxChars` of stored JSON (about what the answer is), at least one request.
    let taken = 0;
    let chars = 0;
    while (taken < Math.min(limit, bodies.length)) {
      const length = (bodies[taken] as string).length;
      if (taken > 0 && chars + length > maxChars) break;
      chars += length;
      taken++;
    }
    const requests = bodies.slice(0, taken).map((body) => this.readRequest(body));
    return { requests, next: bodies.length > taken ? (requests[requests.length - 1]?.id ?? null) : null };
  }

  /** One request, or undefined. */
  async approvalRequest(id: string): Promise<ApprovalRequestRecord | undefined> {
    const body = await this.store.requestBody(id);
    return body === undefined ? undefined : this.readRequest(body);
  }

  /** Deletes the requests approved or rejected more than `retentionMs` ago (never a pending or escalated one); returns how many. */
  async pruneDecidedApprovalRequests(retentionMs: number): Promise<number> {
    return this.store.pruneDecidedRequests(this.clock() - retentionMs);
  }

  /**
   * Stores a request's new status and history, made from `previous` (as
   * read): TollgateError 'conflict' when the stored request is no longer
   * that one (another action came first), 'not-found' when it is gone.
   */
  async updateApprovalRequest(request: ApprovalRequestRecord, previous: ApprovalRequestRecord): Promise<void> {
    const { id, status } = request;
    if (!(await this.store.updateRequest(id, status, JSON.stringify(request), this.bodyOf(previous)))) {
      throw requestUpdateRefused(id, (await this.store.requestBody(id)) !== undefined);
    }
  }

  /** The stored text a request was read from (the same as JSON.stringify gives for one not read). */
  private bodyOf(request: ApprovalRequestRecord): string {
    return this.requestBodies.get(request) ?? JSON.stringify(request);
  }

  /** Parses a stored request, remembering the text it was read from. */
  private readRequest(body: string): ApprovalRequestRecord {
    const request = JSON.parse(body) as ApprovalRequestRecord;
    // A time stored before agents' times were checked: not a number (written as null) or not a date's.
    const at: unknown = request.submittedAtMs;
    if (typeof at !== 'number' || !Number.isFinite(at) || at < 0 || at > LATEST_TIME_MS) request.submittedAtMs = 0;
    this.requestBodies.set(request, body);
    return request;
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
  async rotateSigningKeyIfDue(): Promise<ViewChanges & { keyId?: string; retiredKeyId?: string }> {
    // Nothing due: answered at once, not behind the changes waiting (such as the check at start). Async, so that
    // a file the system refuses to read (EMFILE, EACCES) is a rejection the caller logs, never a throw.
    const due = readNextSigningKey(this.dataDir);
    if (due === undefined || due.atMs > this.clock()) return noChanges();
    return await this.queue.run(async () => {
      const next = readNextSigningKey(this.dataDir);
      if (next === undefined || next.atMs > this.clock()) return noChanges();
      if (this.issuedForKeyId !== next.keyId) {
        for (let attempt = 1; ; attempt++) {
          const issued: IssuedVersions[] = [...this.rows.values()].map((row) => ({
            computerId: row.computerId,
            snapshotVersion: row.snapshotVersion + 1,
            settingsVersion: row.settingsVersion,
            viewHash: row.viewHash,
            settingsHash: row.settingsHash,
          }));
          if (await this.commitIssued(issued)) break;
          await this.afterStale(attempt);
        }
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
    });
  }

  /**
   * Calls `listener` with what other processes committed and acknowledged
   * (a shared store only): the view changes of the computers whose issued
   * versions changed, to push to the agents connected here, and the
   * acknowledgements recorded. Returns the function that stops the calls.
   */
  watch(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Catches up with what other processes committed: applies the entity and
   * computer rows changed since this state's revision, and reports (to the
   * watchers, and as the result) the computers whose issued versions changed.
   */
  catchUp(): Promise<ViewChanges> {
    return this.queue.run(() => this.catchUpNow());
  }

  /** Closes the store; later calls that need it fail with 'storage-unavailable'. */
  async close(): Promise<void> {
    this.unsubscribe();
    this.listeners.clear();
    await this.store.close();
  }

  /** Test-only: makes later database writes fail as on a full disk or a read-only file system. */
  simulateStorageFault(fault: StorageFault): void {
    this.store.simulateStorageFault(fault);
  }

  /**
   * Makes one change in the queue: `build` gives the candidate world from
   * the current one (null: nothing to change) and a result; it is called
   * again on the newer world when another process committed first.
   */
  private change<T>(
    build: (current: World) => { candidate: World | null; result: T; whole?: boolean },
    requestOf?: RequestUpdate | (() => RequestUpdate),
  ): Promise<{ result: T; changes: ViewChanges }> {
    return this.queue.run(async () => {
      for (let attempt = 1; ; attempt++) {
        const { candidate, result, whole } = build(this.current);
        const request = typeof requestOf === 'function' ? requestOf() : requestOf;
        // A whole new world takes no problem along; a change of the world may keep those it had.
        const prepared = candidate === null ? null : await this.prepare(candidate, whole !== true);
        if (prepared === null) {
          if (request !== undefined) await this.updateApprovalRequest(request.record, request.previous);
          return { result, changes: noChanges() };
        }
        if (await this.write(prepared, request)) return { result, changes: prepared.changes };
        await this.afterStale(attempt);
      }
    });
  }

  /** After a commit refused as stale: catches up, or gives up with 'conflict' after the last attempt. */
  private async afterStale(attempt: number): Promise<void> {
    if (attempt >= MAX_COMMIT_ATTEMPTS) {
      throw new TollgateError(
        'conflict',
        `other server processes kept changing the world while this change was prepared (${attempt} attempts): try again`,
      );
    }
    await this.catchUpNow();
  }

  /**
   * What the current world fails of this release's checks: nothing for a
   * world this release stored; for one an earlier release stored, what it
   * did not check (the world is served as it is; a change is refused only
   * for problems it adds).
   */
  worldProblems(): string[] {
    return [...this.knownProblems()];
  }

  /** The current world's validation problems (none when it is valid), worked out once per world. */
  private knownProblems(): ReadonlySet<string> {
    if (this.currentValid) return new Set();
    this.currentProblems ??= new Set(validateWorld(this.current));
    return this.currentProblems;
  }

  /**
   * Everything a commit of `candidate` would write, checked but not stored:
   * null when nothing would change. Throws ValidationError naming the
   * entity and field for a world that fails validation or a view that could
   * not be encoded for its agent. With `keepKnownProblems` (a change, not a
   * replacement of the whole world), problems the current world has already
   * (it was stored by an earlier release, which checked less) are not the
   * change's: only those it adds are refused.
   */
  private async prepare(candidate: World, keepKnownProblems: boolean): Promise<PreparedCommit | null> {
    // Each step below is one piece of synchronous work; the event loop gets a turn between them.
    const pacer = new Pacer(this.sliceMs, this.phases, 'change');
    this.phases.mark('change: validate');
    const problems = this.currentValid ? validateChange(this.current, this.index, candidate) : validateWorld(candidate);
    // A change of a world that was not valid (stored by an earlier release) may keep the problems it had.
    const known = !this.currentValid && keepKnownProblems ? this.knownProblems() : new Set<string>();
    const added = addedProblems(known, problems);
    if (added.length > 0) throw new ValidationError(added);
    await pacer.pace();
    // Frozen before its lookups are made, so that they are kept with its lists for the changes after it.
    this.phases.mark('change: row diff');
    deepFreeze(candidate);
    const rowChanges = diffWorldRows(this.stored, candidate);
    if (rowChanges.writes.length === 0 && rowChanges.deletes.length === 0) return null;
    await pacer.pace();
    this.phases.mark('change: index');
    const index = new WorldIndex(candidate);
    await pacer.pace();
    this.phases.mark('change: lookups');
    this.planner.prepareLookups(index);
    await pacer.pace();
    this.phases.mark('change: affected computers');
    const affected = affectedComputers(this.index, index, [...rowChanges.writes, ...rowChanges.deletes]);
    this.phases.mark('change: plan');
    const { issued, changes, encodingProblems } = await this.planner.plan(
      index,
      this.rows,
      affected,
      new Pacer(this.sliceMs, this.phases, 'change: plan'),
    );
    if (encodingProblems.length > 0) {
      // One bad entity can reach thousands of computers: name a few, count the rest.
      const named = encodingProblems.slice(0, MAX_ENCODING_PROBLEMS);
      const more = encodingProblems.length - named.length;
      throw new ValidationError(
        more === 0 ? named : [...named, `and ${more} more computer(s) whose view cannot be encoded for its agent`],
      );
    }
    return { candidate, problems, rowChanges, index, issued, changes };
  }

  /**
   * Commits a prepared change (and `request`) in one transaction, then swaps
   * the world in; false (nothing stored) when another process committed first.
   */
  private async write(prepared: PreparedCommit, update?: RequestUpdate): Promise<boolean> {
    const { candidate, rowChanges, index, issued } = prepared;
    this.phases.mark('change: commit');
    try {
      this.revision = (
        await this.store.commitWorld({
          baseRevision: this.revision,
          writes: rowChanges.writes,
          deletes: rowChanges.deletes,
          issued,
          ...(update === undefined
            ? {}
            : {
                request: {
                  id: update.record.id,
                  status: update.record.status,
                  body: JSON.stringify(update.record),
                  previousBody: this.bodyOf(update.previous),
                },
              }),
        })
      ).revision;
    } catch (error) {
      if (error instanceof StaleWorldError) return false;
      throw error;
    }
    this.phases.mark('change: committed');
    this.current = deepFreeze(candidate);
    this.currentValid = prepared.problems.length === 0;
    this.currentProblems = this.currentValid ? null : new Set(prepared.problems);
    this.index = index;
    this.stored = rowChanges.stored;
    this.applyIssued(issued);
    this.dropSealedOfRemoved();
    return true;
  }

  /** Commits issued versions alone; false (nothing stored) when another process committed first. */
  private async commitIssued(issued: IssuedVersions[]): Promise<boolean> {
    try {
      this.revision = (
        await this.store.commitWorld({ baseRevision: this.revision, writes: [], deletes: [], issued })
      ).revision;
    } catch (error) {
      if (error instanceof StaleWorldError) return false;
      throw error;
    }
    this.applyIssued(issued);
    return true;
  }

  /** Issues new versions for every view that differs from what its stored hashes describe (at open). */
  private async reissueAll(): Promise<ViewChanges> {
    this.phases.mark('start check: validate');
    // Worked out once: a start that asked for worldProblems first has them already.
    const problems = this.knownProblems();
    this.currentValid = problems.size === 0;
    this.currentProblems = this.currentValid ? null : problems;
    for (let attempt = 1; ; attempt++) {
      this.phases.mark('start check: plan');
      const { issued, changes } = await this.planner.plan(
        this.index,
        this.rows,
        'all',
        new Pacer(this.sliceMs, this.phases, 'start check: plan'),
      );
      if (issued.length === 0) return noChanges();
      if (await this.commitIssued(issued)) return changes;
      await this.afterStale(attempt);
    }
  }

  private async catchUpNow(): Promise<ViewChanges> {
    this.phases.mark('catch-up: read');
    const changes: StoreChanges = await this.store.changesSince(this.revision);
    if (changes.revision <= this.revision) return noChanges();
    if (changes.entities.length > 0 || changes.deletes.length > 0) {
      // The new world and its lookups are made step by step, the event loop getting a turn between the
      // steps (hellos and acknowledgements meanwhile see the world before), then swapped in at once.
      const pacer = new Pacer(this.sliceMs, this.phases, 'catch-up');
      await pacer.pace();
      this.phases.mark('catch-up: rows');
      const { world, stored } = applyRowChanges(this.stored, changes.entities, changes.deletes);
      deepFreeze(world);
      await pacer.pace();
      this.phases.mark('catch-up: index');
      const index = new WorldIndex(world);
      await pacer.pace();
      this.phases.mark('catch-up: lookups');
      this.planner.prepareLookups(index);
      await pacer.pace();
      // Checked as a change of the world before when that checks only what it changed (the lists of the
      // structure kept), so that the next change here is too; otherwise the next change is checked whole.
      this.phases.mark('catch-up: validate');
      const before = this.current;
      const structureKept =
        world.organizations === before.organizations &&
        world.groups === before.groups &&
        world.computers === before.computers &&
        world.approvalSettings === before.approvalSettings &&
        world.gates === before.gates;
      const valid = this.currentValid && structureKept && validateChange(before, this.index, world).length === 0;
      await pacer.pace();
      this.phases.mark('catch-up: apply');
      this.current = world;
      this.currentValid = valid;
      this.currentProblems = null;
      this.stored = stored;
      this.index = index;
      this.dropSealedOfRemoved();
    }
    this.phases.mark('catch-up: computers');
    const viewChanges = noChanges();
    for (const row of changes.computers) {
      const known = this.rows.get(row.computerId);
      if (known === undefined) {
        this.rows.set(row.computerId, row);
        viewChanges.snapshots.push(row.computerId);
        continue;
      }
      if (row.snapshotVersion > known.snapshotVersion) viewChanges.snapshots.push(row.computerId);
      else if (row.settingsVersion > known.settingsVersion) viewChanges.settings.push(row.computerId);
      Object.assign(known, row);
    }
    this.revision = changes.revision;
    // Only now does the store count the caller as holding these rows (a catch-up dropped before is read again).
    this.store.adopt(changes);
    this.phases.mark('catch-up: applied');
    if (viewChanges.snapshots.length > 0 || viewChanges.settings.length > 0) {
      for (const listener of this.listeners) listener.onViewChanges(viewChanges);
    }
    return viewChanges;
  }

  /** Reads the acknowledgements another process recorded and tells the watchers. */
  private async refreshAcks(ids: readonly string[]): Promise<void> {
    const rows = await this.store.computerRows(ids);
    for (const row of rows) {
      const known = this.rows.get(row.computerId);
      if (known === undefined) continue;
      known.ackedSnapshotVersion = Math.max(known.ackedSnapshotVersion, row.ackedSnapshotVersion);
      known.ackedSettingsVersion = Math.max(known.ackedSettingsVersion, row.ackedSettingsVersion);
      known.lastError = row.lastError;
      if (row.lastSeenMs !== null) known.lastSeenMs = Math.max(known.lastSeenMs ?? 0, row.lastSeenMs);
    }
    const acks = rows.map((row) => ({
      computerId: row.computerId,
      snapshotVersion: row.ackedSnapshotVersion,
      settingsVersion: row.ackedSettingsVersion,
      error: row.lastError,
    }));
    for (const listener of this.listeners) listener.onAcks(acks);
  }

  private dropSealedOfRemoved(): void {
    for (const cache of [this.sealedSnapshots, this.sealedSettings]) {
      for (const id of cache.keys()) if (!this.index.computers.has(id)) cache.delete(id);
    }
  }

  private stateOf(computerId: string, row: ComputerRow): ComputerState {
    const group = this.index.computerGroup(computerId);
    return {
      id: computerId,
      group: group.id,
      org: group.org,
      enrolled: row.tokenHash !== null,
      reportedAgentVersion: row.reportedAgentVersion,
      reportedTollgateVersion: row.reportedTollgateVersion,
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

  /** The stored row of a computer, its issued versions no older than those known here. */
  private mergeStored(computerId: string, stored: ComputerRow | undefined): ComputerRow {
    const known = this.requireRow(computerId);
    if (stored === undefined) return known;
    if (stored.snapshotVersion >= known.snapshotVersion && stored.settingsVersion >= known.settingsVersion) {
      return stored;
    }
    return { ...stored, snapshotVersion: known.snapshotVersion, settingsVersion: known.settingsVersion };
  }

  private applyIssued(issued: readonly IssuedVersions[]): void {
    for (const versions of issued) {
      const row = this.rows.get(versions.computerId);
      if (row !== undefined) {
        // Field by field (the same as Object.assign of IssuedVersions): thousands of rows within one turn of the loop.
        row.snapshotVersion = versions.snapshotVersion;
        row.settingsVersion = versions.settingsVersion;
        row.viewHash = versions.viewHash;
        row.settingsHash = versions.settingsHash;
        continue;
      }
      this.rows.set(versions.computerId, {
        ...versions,
        tokenHash: null,
        ackedSnapshotVersion: 0,
        ackedSettingsVersion: 0,
        reportedAgentVersion: null,
        reportedTollgateVersion: null,
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
