import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { loadScenario } from '../src/scenario/load.js';
import { tollgateVersion } from '../src/cli/version.js';
import { buildAdminApi } from '../src/server/admin-api.js';
import {
  DECIDED_REQUEST_PRUNE_INTERVAL_MS,
  type ServerConfig,
  type StoreConfig,
  adminTokenPath,
  serverFolders,
  connectionBoundProblem,
  defaultPoliciesPath,
  readPasswordFile,
  readTlsFiles,
  softOpenFileLimit,
} from '../src/server/config.js';
import { WorkerDeltaSigner } from '../src/server/delta-signer.js';
import { PgStore, describePgUrl } from '../src/server/store/pg-store.js';
import { ServerState } from '../src/server/state.js';
import { type HubPresence, SyncHub } from '../src/server/sync-hub.js';
import { loadDefaultApprovalPolicies } from '../src/server/default-approval-policies.js';
import { LogNotifier, type Notifier } from '../src/server/notifier.js';
import { SmtpNotifier } from '../src/server/smtp-notifier.js';
import { ServerMetrics } from '../src/server/metrics.js';
import { refuseOthersDirectoryAsRoot } from '../src/store/directory-owner.js';
import { NO_PHASE_MARKS, type PhaseMarks, StallMonitor } from '../src/server/stall-monitor.js';
import type { StorageFault } from '../src/store/storage-error.js';
import { makeDirs } from '../src/scenario/make-dirs.js';
import { listenFailure } from './listen-failure.js';
import { readBoundedText } from '../src/scenario/bounded-read.js';
import { TollgateError } from '../src/engine/errors.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Test-only: a storage fault put on the server database once the server is listening (see TOLLGATE_FAULT). */
export type ServerFaultPoint = Exclude<StorageFault, 'none'>;

export interface RunningServer {
  url: string;
  state: ServerState;
  hub: SyncHub;
  close(): Promise<void>;
}

/** The most read of the admin token file (a token is a few dozen bytes). */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/** The admin token: read from its file, or created there (mode 0600) on first start. */
async function adminToken(config: ServerConfig): Promise<{ token: string; file: string; created: boolean }> {
  const file = adminTokenPath(config);
  // An empty file is written over; a missing one is made new, never written through a link put in its place.
  let empty = false;
  try {
    const token = (
      await readBoundedText(
        file,
        MAX_TOKEN_FILE_BYTES,
        `is larger than a token file may be (${MAX_TOKEN_FILE_BYTES} bytes)`,
      )
    ).trim();
    if (token.length > 0) return { token, file, created: false };
    empty = true;
  } catch (error) {
    if ((error as { cause?: NodeJS.ErrnoException }).cause?.code !== 'ENOENT') {
      throw new TollgateError((error as TollgateError).code, `${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  const token = randomBytes(32).toString('base64url');
  await writeFile(file, token + '\n', { mode: 0o600, flag: empty ? 'w' : 'wx' });
  return { token, file, created: true };
}

/** The escalation notifier of the config: SMTP when a mail server is configured, else the log. */
async function notifierOf(config: ServerConfig, logger: Logger): Promise<Notifier> {
  const smtp = config.smtp;
  if (smtp === undefined) return new LogNotifier(logger);
  const pass = smtp.passwordFile === undefined ? undefined : await readPasswordFile(smtp.passwordFile);
  return new SmtpNotifier({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTls: smtp.requireTls,
    from: smtp.from,
    timeoutMs: smtp.timeoutMs,
    ...(smtp.user === undefined || pass === undefined ? {} : { auth: { user: smtp.user, pass } }),
  });
}

/** Opens the server's state (creating its signing key on first start) without serving. */
export async function openServerState(config: ServerConfig, planInBackground = false): Promise<ServerState> {
  return (await openStateAndStore(config, planInBackground, NO_PHASE_MARKS)).state;
}

/** Problems of a stored world named one by one in the start's warning (the count says how many in all). */
const MAX_LOGGED_WORLD_PROBLEMS = 20;

/** The state and, with PostgreSQL, the store that knows where agents of other instances are connected. */
async function openStateAndStore(
  config: ServerConfig,
  planInBackground: boolean,
  phases: PhaseMarks,
  logger?: Logger,
): Promise<{ state: ServerState; presence?: HubPresence }> {
  // Before anything is made there: root in a folder another user owns would make it root's.
  for (const [key, folder] of serverFolders(config)) refuseOthersDirectoryAsRoot(folder, key);
  makeDirs(config.dataDir, 0o750);
  const store = config.store.kind === 'postgres' ? await openPgStore(config.store, logger) : undefined;
  const state = await ServerState.open({
    dataDir: config.dataDir,
    clock: () => Date.now(),
    maxQueuedChanges: config.changes.maxQueued,
    planInBackground,
    phases,
    ...(store === undefined ? {} : { store }),
  });
  const problems = state.worldProblems();
  if (problems.length > 0) {
    logger?.warn(
      { count: problems.length, problems: problems.slice(0, MAX_LOGGED_WORLD_PROBLEMS) },
      'the stored world fails checks of this release: it is served as it is, and changes that add no problem are taken',
    );
  }
  return store === undefined ? { state } : { state, presence: store };
}

/** Opens (and migrates) the configured PostgreSQL store; its LISTEN connection's events and writes run again are logged. */
async function openPgStore(store: Extract<StoreConfig, { kind: 'postgres' }>, logger?: Logger): Promise<PgStore> {
  const opened = await PgStore.open({
    url: store.url,
    schema: store.schema,
    poolSize: store.poolSize,
    connectTimeoutMs: store.connectTimeoutMs,
    log: ({ event, reason }) => {
      if (event === 'listen-restored') logger?.info({ event }, 'PostgreSQL announcements heard again: caught up');
      else if (event === 'storage-retry') {
        logger?.warn(
          { event, reason },
          'PostgreSQL rolled back a write (a deadlock or serialization failure): run again',
        );
      } else if (event === 'instance-not-removed') {
        logger?.warn(
          { event, reason },
          "PostgreSQL store: the instance's row could not be deleted at the stop: the other instances count its " +
            'agents as connected to it until its last beat is 15 s old',
        );
      } else logger?.warn({ event, reason }, 'PostgreSQL store: announcements or the instance beat failed, retried');
    },
  });
  logger?.info(
    { database: describePgUrl(store.url), schema: store.schema, instanceId: opened.instanceId },
    'PostgreSQL store opened',
  );
  return opened;
}

/**
 * Starts the reference policy server: the admin API (HTTP JSON, bearer
 * token) and the agents' WebSocket endpoint on one listener, https/wss when
 * a certificate is configured.
 */
export async function startServer(
  config: ServerConfig,
  logger: Logger,
  fault?: ServerFaultPoint,
  diagnostics: { stallLogMs?: number } = {},
): Promise<RunningServer> {
  const stalls =
    diagnostics.stallLogMs === undefined
      ? undefined
      : new StallMonitor({
          thresholdMs: diagnostics.stallLogMs,
          onStall: (stall) => logger.warn(stall, 'event loop stalled'),
        }).start();
  const phases = stalls ?? NO_PHASE_MARKS;
  // A bad data file stops the server before anything is opened, naming the file and the entry.
  const defaultPoliciesFile = defaultPoliciesPath(config);
  const defaultApprovalPolicies = await loadDefaultApprovalPolicies(defaultPoliciesFile);
  logger.info(
    { file: defaultPoliciesFile, policies: defaultApprovalPolicies.length },
    'default approval policies loaded',
  );
  // The views are checked against the stored hashes while the server already serves (see below).
  const { state, presence } = await openStateAndStore(config, true, phases, logger);
  // A next signing key whose time came while the server was stopped takes over before anything is served.
  // A next key that cannot be read (damaged, not a regular file) does not stop the start: the current key still
  // signs, and the check below names the problem again every signing.checkIntervalMs until it is mended.
  type Rotated = Awaited<ReturnType<typeof state.rotateSigningKeyIfDue>>;
  const rotatedAtStart: Rotated = await state.rotateSigningKeyIfDue().catch((error: unknown): Rotated => {
    if (!(error instanceof TollgateError) || (error.code !== 'bad-key' && error.code !== 'unreadable')) throw error;
    logger.error(
      { err: error.message },
      'the next signing key cannot be used: the server signs with its current key; tried again later',
    );
    return { snapshots: [], settings: [] };
  });
  if (rotatedAtStart.keyId !== undefined) {
    logger.info({ keyId: rotatedAtStart.keyId, retiredKeyId: rotatedAtStart.retiredKeyId }, 'signing key rotated');
  }
  if (config.seedScenario !== undefined && state.world().organizations.length === 0) {
    await state.importWorld(await loadScenario(config.seedScenario));
    logger.info({ scenario: config.seedScenario }, 'seed scenario imported');
  }
  const token = await adminToken(config);
  if (token.created) logger.info({ file: token.file }, 'admin token created');
  logger.info({ keyId: state.signingKeyId() }, 'signing key');

  // The hub is made with the metrics it reports to; the metrics read it once it is made.
  const made: { hub?: SyncHub } = {};
  const metrics = new ServerMetrics({
    state,
    hub: () => made.hub,
    processMetrics: config.metrics.processMetrics,
  });
  const hub = new SyncHub({
    metrics,
    state,
    logger,
    clock: () => Date.now(),
    pingIntervalMs: config.sync.pingIntervalMs,
    pongTimeoutMs: config.sync.pongTimeoutMs,
    helloTimeoutMs: config.sync.helloTimeoutMs,
    maxMessageBytes: config.sync.maxMessageBytes,
    maxBufferedBytes: config.sync.maxBufferedBytes,
    maxTotalBufferedBytes: config.sync.maxTotalBufferedBytes,
    maxPendingHellos: config.sync.maxPendingHellos,
    deltaViewCacheBytes: config.sync.deltaViewCacheBytes,
    maxQueuedMessages: config.sync.maxQueuedMessages,
    maxPendingApprovalsPerComputer: config.approvals.maxPendingPerComputer,
    phases,
    ...(presence === undefined ? {} : { presence }),
    // Deltas of a push are signed on a thread of their own; the hub signs a batch itself if the thread fails.
    ...(config.sync.signDeltasInWorker
      ? {
          deltaSigner: new WorkerDeltaSigner({
            onWorkerFailure: (error) => logger.error({ err: error.message }, 'the delta signing thread failed'),
          }),
        }
      : {}),
  });
  made.hub = hub;
  const https = config.tls === undefined ? undefined : await readTlsFiles(config.tls);
  const notifier = await notifierOf(config, logger);
  // Aborted as the stop begins: from then on the admin API answers every request 503 stopping.
  const stopping = new AbortController();
  const app = buildAdminApi({
    stopping: stopping.signal,
    state,
    adminToken: token.token,
    hub,
    logger,
    notifier,
    defaultApprovalPolicies,
    readyTimeoutMs: config.readyTimeoutMs,
    ...(config.metrics.enabled ? { metrics, metricsRequireToken: config.metrics.requireToken } : {}),
    version: tollgateVersion(),
    ...(https === undefined ? {} : { https }),
    maxConnections: config.listen.maxConnections,
  });
  hub.attach(app.server);
  // Connections past listen.maxConnections are closed by Node.js as they come: said once per 10 s, with a count.
  let dropped = 0;
  let dropLogTimer: NodeJS.Timeout | undefined;
  app.server.on('drop', () => {
    dropped++;
    if (dropLogTimer !== undefined) return;
    logger.warn({ maxConnections: config.listen.maxConnections }, 'connection refused: too many connections');
    dropLogTimer = setTimeout(() => {
      dropLogTimer = undefined;
      if (dropped > 1) {
        logger.warn(
          { refused: dropped - 1, maxConnections: config.listen.maxConnections },
          'connections refused: too many connections',
        );
      }
      dropped = 0;
    }, 10_000);
    dropLogTimer.unref();
  });
  state.settled
    .then((changes) => {
      logger.info({ snapshots: changes.snapshots.length, settings: changes.settings.length }, 'views checked at start');
      if (changes.snapshots.length + changes.settings.length === 0) return;
      logger.info(
        { snapshots: changes.snapshots.length, settings: changes.settings.length },
        'views re-issued at start',
      );
      hub.push(changes);
    })
    .catch((error: unknown) => logger.error({ err: (error as Error).message }, 'checking the views at start failed'));
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw listenFailure(error, `listen.host ${config.listen.host}, listen.port ${config.listen.port}`);
  }
  // Linux says the process's open-file limit: a connection bound at or above it never engages.
  const limits = await readFile('/proc/self/limits', 'utf8').catch(() => '');
  const boundProblem = connectionBoundProblem(config.listen.maxConnections, softOpenFileLimit(limits));
  if (boundProblem !== null) logger.warn({ maxConnections: config.listen.maxConnections }, boundProblem);
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.listen.port;
  const scheme = https === undefined ? 'http' : 'https';
  const url = `${scheme}://${config.listen.host}:${port}`;
  logger.info(
    { url, agents: `${https === undefined ? 'ws' : 'wss'}://${config.listen.host}:${port}/agent` },
    'listening',
  );

  if (fault !== undefined) {
    state.simulateStorageFault(fault);
    logger.warn({ fault }, 'test fault: server database writes fail from now on');
  }

  // Stopping always runs every step, whatever failed before or fails now: the database is closed last.
  const step = async (what: string, run: () => unknown): Promise<void> => {
    try {
      await run();
    } catch (error) {
      logger.error({ err: (error as Error).message }, `${what} failed while stopping`);
    }
  };

  // A next signing key prepared by `tollgate server rotate-key` takes over at its time, here or at the next start.
  const rotationTimer = setInterval(() => {
    state
      .rotateSigningKeyIfDue()
      .then((rotated) => {
        if (rotated.keyId === undefined) return;
        logger.info(
          { keyId: rotated.keyId, retiredKeyId: rotated.retiredKeyId, computers: rotated.snapshots.length },
          'signing key rotated',
        );
        hub.push(rotated);
      })
      .catch((error: unknown) => {
        logger.error({ err: (error as Error).message }, 'signing key rotation failed: tried again later');
      });
  }, config.signing.checkIntervalMs);
  rotationTimer.unref();

  // Approved and rejected requests age out: at start, then every hour (each instance; deleting twice is harmless).
  const retentionDays = config.approvals.decidedRetentionDays;
  const pruneDecided = (): Promise<void> =>
    state
      .pruneDecidedApprovalRequests(retentionDays * DAY_MS)
      .then((deleted) => {
        if (deleted > 0)
          logger.info({ deleted, retentionDays }, 'decided approval requests past their retention deleted');
      })
      .catch((error: unknown) => {
        logger.error({ err: (error as Error).message }, 'deleting decided approval requests failed: tried again later');
      });
  await pruneDecided();
  const pruneTimer = setInterval(() => void pruneDecided(), DECIDED_REQUEST_PRUNE_INTERVAL_MS);
  pruneTimer.unref();

  let closed = false;
  return {
    url,
    state,
    hub,
    async close() {
      if (closed) return;
      closed = true;
      stopping.abort();
      clearInterval(rotationTimer);
      clearInterval(pruneTimer);
      await step('closing the agent connections', () => hub.close());
      await step('closing the notifier', () => notifier.close());
      await step('closing the admin API', () => app.close());
      await step('closing the database', () => state.close());
      stalls?.close();
    },
  };
}
