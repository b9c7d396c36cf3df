import { platform } from 'node:os';
import type { ScheduledTask } from 'node-cron';
import { Agent } from '../src/agent/agent.js';
import { ValidationError } from '../src/engine/errors.js';
import type { FileRequest, OsName } from '../src/engine/model.js';
import type { DaemonConfig } from '../src/agent/config-load.js';
import { cacheFile, parseLoopbackAddress, readPinnedKeys } from '../src/agent/config-load.js';
import { nodeCron } from '../src/agent/cron.js';
import type { MetricsListener } from '../src/local/metrics-listener.js';
import { DecisionRecorder } from '../src/agent/decision-recorder.js';
import { handleLocalRequest } from '../src/agent/local-handler.js';
import { tollgateVersion } from '../src/cli/version.js';
import { LocalServer, type LocalServerOptions } from '../src/local/server.js';
import { resolveGroupId } from '../src/local/socket-group.js';
import { LogLimit } from '../src/wire/log-limit.js';
import { readBounded } from '../src/scenario/bounded-read.js';
import { readCaFile } from '../src/scenario/ca-file.js';
import { AgentStore } from '../src/store/agent-store.js';
import { DataDirLock } from '../src/store/data-dir-lock.js';
import { daemonFolders, refuseOthersDirectoryAsRoot } from '../src/store/directory-owner.js';
import type { PrefetchedImage } from '../src/store/image-files.js';
import type { SyncClient } from '../src/sync/client.js';
import type { ApplyHooks } from '../src/agent/core.js';
import { restoreDaemonHeap, tuneDaemonHeap } from './heap.js';
import type { DaemonLogger } from './log.js';
import { makeDirs } from '../src/scenario/make-dirs.js';
import { listenFailure } from './listen-failure.js';
import { daemonMachineProblems } from './machine-problems.js';

/** The largest seed snapshot read, unless `server.maxMessageBytes` takes larger snapshots from the server: its default. */
const MAX_SEED_SNAPSHOT_BYTES = 256 * 1024 * 1024;
/** The operating system this process runs on, in SPEC.md's terms. */
function hostOs(): OsName {
  const p = platform();
  return p === 'win32' ? 'windows' : p === 'darwin' ? 'macos' : 'linux';
}

/**
 * Test-only fault points, named by the TOLLGATE_FAULT environment variable:
 * the daemon kills itself (SIGKILL) while applying a snapshot or delta,
 * just before the snapshot's transaction commits, just after it has, or
 * half way through writing its view image file (after the commit, once the
 * apply has been answered).
 */
export type FaultPoint = 'kill-during-image-write' | 'kill-before-snapshot-commit' | 'kill-after-snapshot-commit';

function faultHooks(fault: FaultPoint | undefined): ApplyHooks | undefined {
  const kill = (): void => void process.kill(process.pid, 'SIGKILL');
  switch (fault) {
    case 'kill-during-image-write':
      return { duringImageWrite: kill };
    case 'kill-before-snapshot-commit':
      return { beforeCommit: kill };
    case 'kill-after-snapshot-commit':
      return { afterCommit: kill };
    case undefined:
      return undefined;
  }
}

/**
 * What a warm start left until the sockets serve, run in the background
 * (store/background-check.ts, on a worker thread): the full quick_check of
 * the cache after an unclean stop, and the hash of the stored snapshot whose
 * image was served. A damaged cache is then moved aside and recreated (its
 * legible outbox salvaged) and the agent reloads from it, which leaves it
 * without a snapshot until the server sends one: the state a check at open
 * would have left, reached after the first answers (what was written to the
 * damaged file meanwhile is on it; the server is greeted again, so it sends
 * the snapshot again, and the salvaged requests are sent). A stored snapshot that
 * no longer hashes to its image's binding is reported; the image keeps
 * serving (Agent.storedSnapshotHashed). Never rejects.
 */
async function runDeferredChecks(
  store: AgentStore,
  agent: Agent,
  logger: DaemonLogger,
  hooks: { stopping: () => boolean; recovered: () => void },
): Promise<void> {
  const unchecked = agent.uncheckedSnapshot;
  if (!store.checkOwed && unchecked === null) return;
  // The worker's start resets the daemon's young-generation setting for the whole process: set again.
  const result = await store.backgroundCheck(unchecked, restoreDaemonHeap);
  if (hooks.stopping()) return;
  try {
    if (result.failed !== null) {
      logger.error({ err: result.failed }, 'the background check of the cache could not run');
      return;
    }
    if (result.problems.length > 0) {
      logger.error({ problems: result.problems }, 'the background check found the cache database damaged');
      store.recoverFromDamage(`quick_check failed: ${result.problems.join('; ')}`);
      const reloaded = agent.loadFromStore();
      for (const problem of reloaded.problems) logger.error(problem);
      logger.warn({ snapshotVersion: reloaded.snapshotVersion }, 'serving from the recreated cache');
      hooks.recovered();
      return;
    }
    const hash = result.hash;
    if (hash !== null) {
      const problem = agent.storedSnapshotHashed(hash.version, hash.sha256, hash.problem);
      if (problem !== null) logger.error({ problem }, 'stored snapshot damaged');
    }
    logger.debug({ quickCheck: result.checked, snapshotHashed: hash?.version ?? null }, 'background check passed');
  } catch (error) {
    logger.error({ err: (error as Error).message }, 'the background check of the cache failed');
  }
}

/**
 * How long after the sockets serve the periodic jobs and the background
 * check start when no request has been answered yet (docs/DAEMON.md,
 * Start-up order, step 6): after the first answer they start at once.
 */
export const AFTER_SERVING_IDLE_MS = 100;

/** Local clients' refused requests and dropped connections logged one by one each second, at most (then counted). */
export const LOCAL_CLIENT_ERRORS_LOGGED_PER_SECOND = 20;

export interface RunningDaemon {
  agent: Agent;
  /**
   * Resolves one turn of the event loop after the first answer (or
   * AFTER_SERVING_IDLE_MS after serving without one, or at a stop): where
   * the work not needed to answer starts.
   */
  served: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the agent daemon: opens the cache, serves the local socket from the
 * cached snapshot at once, then applies the seed snapshot and schedules the
 * periodic jobs.
 */
export async function startAgentDaemon(
  config: DaemonConfig,
  logger: DaemonLogger,
  fault: FaultPoint | undefined,
  image?: Promise<PrefetchedImage | null>,
  configFile?: string,
): Promise<RunningDaemon> {
  // Before anything is made there: root in a folder another user owns would make it root's.
  for (const [key, folder] of daemonFolders(config)) refuseOthersDirectoryAsRoot(folder, key);
  // As --check-config reports them (naming the file and the key), not as the system call that would fail.
  const problems = await daemonMachineProblems(config, configFile);
  if (problems.length > 0) throw new ValidationError(problems);
  makeDirs(config.dataDir, 0o750);
  // Before anything in the data directory is read or changed: one daemon per directory (docs/DAEMON.md, Start-up
  // order, step 2).
  const lock = DataDirLock.take(config.dataDir);
  // The cache, once opened: a start that fails closes it before it lets the lock go.
  const opened: { store: AgentStore | null } = { store: null };
  let daemon: RunningDaemon;
  try {
    daemon = await startHolding(config, logger, fault, image, configFile, opened);
  } catch (error) {
    const store = opened.store;
    if (store !== null) {
      // As a stop does: the image file being written is finished for at most the grace time, then given up.
      await withinMs(store.imagesWritten(), config.shutdownTimeoutMs);
      store.close();
    }
    lock.release();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    ...daemon,
    close: () => (closing ??= daemon.close().finally(() => lock.release())),
  };
}

/** Waits for `promise` at most `ms`. */
async function withinMs(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** startAgentDaemon once the data directory's lock is held; `opened` is given the cache once it is open. */
async function startHolding(
  config: DaemonConfig,
  logger: DaemonLogger,
  fault: FaultPoint | undefined,
  image: Promise<PrefetchedImage | null> | undefined,
  configFile: string | undefined,
  opened: { store: AgentStore | null },
): Promise<RunningDaemon> {
  // A key's problem names the configuration file, as --check-config and the file's other problems do.
  const publicKey = await readPinnedKeys(config, configFile);
  const store = AgentStore.open(cacheFile(config), {
    maxDecisionLog: config.decisionLog.maxEntries,
    maxDecisionLogBytes: config.decisionLog.maxBytes,
    maxOutboxItems: config.outbox.maxRequests,
    maxOutboxBytes: config.outbox.maxBytes,
    onRecovered: (info) => logger.warn(info, 'the cache database was damaged: moved aside and recreated'),
    // After an unclean stop the full quick_check runs once the sockets serve (runDeferredChecks).
    deferCheck: true,
  });
  opened.store = store;
  const recorder = new DecisionRecorder(
    store,
    config.computerId,
    config.decisionLog.maxEntries,
    config.decisionLog.maxPendingBytes,
  );
  const hooks = faultHooks(fault);

  // Made once the agent is: the agent tells it of queued approval requests, status asks it of the connection.
  let sync: SyncClient | null = null;
  let metricsListener: MetricsListener | null = null;
  const agent = new Agent({
    store,
    publicKey,
    computerId: config.computerId,
    ...(config.agent.version === undefined ? {} : { agentVersion: config.agent.version }),
    ...(config.agent.os === undefined ? {} : { os: config.agent.os }),
    release: tollgateVersion(),
    noSnapshotAction: config.noSnapshotAction,
    decisionCache: config.decisionCache,
    clock: () => Date.now(),
    onImageProblem: (problem) => logger.warn({ problem }, 'view image not used or not stored'),
    onWorkerOnline: restoreDaemonHeap,
    onSnapshotLost: (problem) =>
      logger.error({ problem }, 'no snapshot in force: the previous one could not be restored'),
    onStoredSnapshotRemoved: (problem) => logger.error({ problem }, 'a cached snapshot cannot be used: removed'),
    onDecision:
      config.decisionLog.maxEntries > 0
        ? (atMs, file, decision, cached, fileBytes) => recorder.record(atMs, file, decision, cached, fileBytes)
        : undefined,
    onDecisionNumber:
      config.decisionLog.maxEntries > 0
        ? (atMs, file, image, n, key, keyStart, keyEnd) =>
            recorder.recordNumber(atMs, file, image, n, key, keyStart, keyEnd)
        : undefined,
    onImageRetired: (image) => recorder.settle(image),
    // A request stored in the outbox goes out at once when connected; otherwise after the next hello.
    onQueued: () => sync?.flushOutbox(),
    // The stored image serves first; the stored snapshot's bytes are hashed once the sockets serve.
    deferSnapshotHash: true,
  });
  // The stored image's bytes, when read ahead (daemon/main.ts): the agent checks them as any it reads.
  if (image !== undefined) store.images.offer(await image);
  // From here on (a stored snapshot compiled again, the seed, every apply) the young generation keeps the
  // size the modules' loading grew it to: held from the process's start, it made many short collections
  // while they loaded (daemon/heap.ts).
  tuneDaemonHeap();
  const loaded = agent.loadFromStore();
  // Image bytes read ahead and not used (another snapshot's, or none stored) are let go.
  store.images.offer(null);
  for (const problem of loaded.problems) logger.error(problem);
  for (const warning of loaded.warnings) logger.warn(warning);

  // The work left until after the first answer (the periodic jobs, the background check) starts once a
  // request has been answered, or AFTER_SERVING_IDLE_MS after the sockets serve if none comes first.
  let answered: (() => void) | null = null;
  const firstAnswer = new Promise<void>((resolve) => {
    answered = resolve;
  });
  const noteAnswer = (): void => {
    if (answered === null) return;
    const resolve = answered;
    answered = null;
    resolve();
  };
  const handler = (request: Parameters<typeof handleLocalRequest>[1]) => {
    noteAnswer();
    return handleLocalRequest(agent, request, {
      computerId: config.computerId,
      exportDecisions: (limit) => recorder.export(limit),
      daemonVersion: tollgateVersion(),
      syncStatus: () => ({
        syncState: sync?.state ?? 'disabled',
        serverUrl: sync?.currentUrl ?? null,
        lastSyncAtMs: sync?.lastSyncAtMs ?? null,
        syncDownSinceMs: sync?.syncDownSinceMs ?? null,
      }),
      metricsAddress: () => metricsListener?.address ?? null,
      applyHooks: hooks,
      onApplied: (version) => {
        logger.info({ snapshotVersion: version }, 'snapshot applied');
        // A snapshot applied offline: the server hears of it now (and issues above it), not at the next check-in.
        if (sync?.state === 'connected') sync.checkIn();
      },
      onRefused: (error) => logger.warn({ err: error }, 'snapshot refused'),
    });
  };
  // The client socket and the admin socket share the timeouts; each has its own path, mode, group and slots.
  const shared = {
    idleTimeoutMs: config.socket.idleTimeoutMs,
    frameTimeoutMs: config.socket.frameTimeoutMs,
    firstFrameTimeoutMs: config.socket.firstFrameTimeoutMs,
    maxUnsentBytes: config.socket.maxUnsentBytes,
    evaluate: (file: FileRequest, atMs: number | undefined, missedKeyHash?: number) => {
      if (answered !== null) noteAnswer();
      if (atMs !== undefined) return agent.decide(file, { atMs });
      return missedKeyHash === undefined ? agent.decide(file) : agent.decideMissed(file, missedKeyHash);
    },
    decisionImage: () => agent.activeImage,
    evaluateMissed: (file: FileRequest, keyHash: number, key: Buffer, keyStart: number, keyEnd: number) => {
      if (answered !== null) noteAnswer();
      return agent.decideMissedNumber(file, keyHash, key, keyStart, keyEnd);
    },
    evaluateCached: (key: Buffer, start: number, end: number, hash: number) => {
      if (answered !== null) noteAnswer();
      return agent.answerCached(key, start, end, hash);
    },
  } satisfies Partial<LocalServerOptions>;
  // Clients set these off at will: logged one by one up to LOCAL_CLIENT_ERRORS_LOGGED_PER_SECOND, counted past it.
  const clientErrors = new LogLimit(LOCAL_CLIENT_ERRORS_LOGGED_PER_SECOND, (counts, count) =>
    logger.warn({ count, codes: counts }, 'bad input from local clients (more, not logged one by one)'),
  );
  const clientError = (socket: 'client' | 'admin') => (info: { code: string; message: string }) => {
    if (clientErrors.allow(info.code)) logger.warn({ ...info, socket }, 'bad input from a local client');
  };
  const server = new LocalServer(handler, {
    ...shared,
    socketPath: config.socket.path,
    mode: config.socket.mode,
    gid: config.socket.group === undefined ? undefined : await resolveGroupId(config.socket.group),
    maxFrameBytes: config.socket.maxFrameBytes,
    maxConnections: config.socket.maxConnections,
    onClientError: clientError('client'),
  });
  const adminServer = new LocalServer(handler, {
    ...shared,
    admin: true,
    socketPath: config.adminSocket.path,
    mode: config.adminSocket.mode,
    gid: config.adminSocket.group === undefined ? undefined : await resolveGroupId(config.adminSocket.group),
    maxFrameBytes: config.adminSocket.maxFrameBytes,
    maxConnections: config.adminSocket.maxConnections,
    onClientError: clientError('admin'),
  });
  await server.listen();
  try {
    await adminServer.listen();
  } catch (error) {
    await server.close();
    store.close();
    throw error;
  }
  if (config.metrics !== undefined) {
    const address = parseLoopbackAddress(config.metrics.listen);
    // The config was validated: a problem here is a bug, not input.
    if (typeof address === 'string') throw new Error(`metrics.listen: ${address}`);
    // Loaded only when configured, and after the sockets serve (prom-client is not needed to answer).
    const [{ AgentMetrics }, { MetricsListener }] = await Promise.all([
      import('../src/agent/metrics.js'),
      import('../src/local/metrics-listener.js'),
    ]);
    const metrics = new AgentMetrics({
      counts: () => agent.metrics(),
      sync: () => ({ state: sync?.state ?? 'disabled', lastSyncAtMs: sync?.lastSyncAtMs ?? null }),
      clock: () => Date.now(),
      processMetrics: config.metrics.processMetrics,
    });
    const listener = new MetricsListener({
      ...address,
      metrics: async () => ({ contentType: metrics.contentType, text: await metrics.text() }),
      notReady: () => (agent.held().snapshotVersion === null ? 'no policy snapshot' : null),
      onError: (error) => logger.error({ err: error.message }, 'answering a metrics scrape failed'),
    });
    try {
      logger.info({ metrics: await listener.listen() }, 'metrics listener serving /metrics, /healthz, /readyz');
    } catch (error) {
      await Promise.all([server.close(), adminServer.close()]);
      store.close();
      throw listenFailure(error, `metrics.listen ${config.metrics.listen}`);
    }
    metricsListener = listener;
  }
  logger.info(
    {
      socket: config.socket.path,
      adminSocket: config.adminSocket.path,
      computerId: config.computerId,
      snapshotVersion: loaded.snapshotVersion,
      pinnedKeys: publicKey.ids,
      // glibc's malloc settings the process started with (daemon/allocator.ts), null for none.
      glibcTunables: process.env['GLIBC_TUNABLES'] ?? null,
    },
    'serving',
  );

  if (config.seedSnapshot !== undefined) {
    try {
      // Only a regular file, up to the largest snapshot: a FIFO named here would hold the start (and its stop).
      const maxBytes = Math.max(MAX_SEED_SNAPSHOT_BYTES, config.server?.maxMessageBytes ?? 0);
      const seed = await readBounded(
        config.seedSnapshot,
        maxBytes,
        `is larger than a snapshot can be (${maxBytes} bytes)`,
      );
      const applied = agent.applySnapshot(seed, hooks);
      logger.info({ snapshotVersion: applied.version, file: config.seedSnapshot }, 'seed snapshot applied');
    } catch (error) {
      logger.info({ file: config.seedSnapshot, reason: (error as Error).message }, 'seed snapshot not applied');
    }
  }

  // The certificates to trust for wss://: one that cannot be read leaves the daemon serving from its cache, unsynced.
  let ca: string | undefined;
  let caProblem: string | null = null;
  if (config.server?.caFile !== undefined) {
    try {
      ca = await readCaFile(config.server.caFile);
    } catch (error) {
      caProblem = (error as Error).message;
      logger.error(
        { file: config.server.caFile, err: caProblem },
        'server.caFile cannot be used: the daemon does not sync, and serves from its cache',
      );
    }
  }
  if (config.server !== undefined && caProblem === null) {
    const server = config.server;
    // Loaded only when a server is configured, and after the sockets serve (ws is not needed to answer).
    const { SyncClient } = await import('../src/sync/client.js');
    sync = new SyncClient({
      urls: server.urls,
      token: server.token,
      computerId: config.computerId,
      agent,
      fallbackAgentVersion: config.agent.version ?? '0',
      tollgateVersion: tollgateVersion(),
      fallbackOs: config.agent.os ?? hostOs(),
      pingIntervalMs: server.pingIntervalMs,
      pongTimeoutMs: server.pongTimeoutMs,
      backoffInitialMs: server.backoffInitialMs,
      backoffMaxMs: server.backoffMaxMs,
      maxMessageBytes: server.maxMessageBytes,
      maxBufferedBytes: server.maxBufferedBytes,
      ...(ca === undefined ? {} : { ca }),
      logger,
      random: Math.random,
      applySnapshot: (bytes) => agent.applySnapshot(bytes, hooks),
      applyDelta: (bytes) => agent.applyDelta(bytes, hooks),
      outbox: store,
    });
    sync.start();
  }

  // Background work never takes the daemon down: a failure is logged and tried again next time.
  const guarded =
    (what: string, job: () => void): (() => void) =>
    () => {
      try {
        job();
      } catch (error) {
        logger.error({ err: (error as Error).message }, `${what} failed`);
      }
    };
  const flushTimer = setInterval(
    guarded('decision log write', () => recorder.flush()),
    config.decisionLog.flushIntervalMs,
  );
  flushTimer.unref();
  let closing: Promise<void> | null = null;
  // The periodic jobs (node-cron) and the background check start one turn of the event loop after the
  // first answer (its bytes are written by then), or AFTER_SERVING_IDLE_MS after serving without one (or
  // at a stop): node-cron is not loaded, nor the worker thread started, on the way to the first answer.
  const jobs: ScheduledTask[] = [];
  const idle = setTimeout(noteAnswer, AFTER_SERVING_IDLE_MS);
  const served = firstAnswer.then(() => {
    clearTimeout(idle);
    return new Promise<void>((resolve) => setImmediate(resolve));
  });
  const afterServing = served
    .then(() => {
      if (closing !== null) return;
      const cron = nodeCron();
      jobs.push(
        cron.schedule(
          config.jobs.integrityCheck,
          guarded('cache integrity check', () => {
            const problems = store.integrityCheck();
            if (problems.length > 0) logger.error({ problems }, 'cache integrity check failed');
            else logger.debug('cache integrity check passed');
          }),
        ),
        cron.schedule(
          config.jobs.pruneDecisionLog,
          // Writing the log trims it to its bound, so pruning is a write of what is pending.
          guarded('decision log pruning', () => recorder.flush()),
        ),
      );
      if (sync !== null) {
        const client = sync;
        jobs.push(
          cron.schedule(
            config.jobs.checkIn,
            guarded('check-in', () => client.checkIn()),
          ),
        );
      }
      // Not awaited by a stop: its worker does not hold the process, and a result after the stop is dropped.
      void runDeferredChecks(store, agent, logger, {
        stopping: () => closing !== null,
        // The server is told what is held now (no snapshot: it sends one), and the salvaged requests go out.
        recovered: () => sync?.checkIn(),
      });
    })
    .catch((error: unknown) => {
      logger.error({ err: (error as Error).message }, 'starting the periodic jobs failed');
    });
  const stop = async (): Promise<void> => {
    noteAnswer();
    await afterServing;
    for (const job of jobs) await job.stop();
    sync?.close();
    clearInterval(flushTimer);
    // Clients get a bounded time to take their last answers; then the remaining connections are closed.
    const graceMs = config.shutdownTimeoutMs;
    const open = server.connectionCount + adminServer.connectionCount;
    if (open > 0) logger.info({ connections: open, graceMs }, 'closing the local connections');
    await Promise.all([server.close(graceMs), adminServer.close(graceMs), metricsListener?.close()]);
    try {
      recorder.flush();
    } catch (error) {
      logger.error({ err: (error as Error).message }, 'the last decision log write failed');
    }
    // The active snapshot's image file, when still being written, is finished (one file): the next start opens it.
    // At most for the grace time: the image is a cache, and a write given up by the close leaves no file (the
    // next start compiles the snapshot again), so a slow or hung disk does not hold the stop.
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      store.imagesWritten(),
      new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(graceTimer);
    store.close();
  };
  return {
    agent,
    served,
    // Every call waits for the one stop: a second signal neither starts another nor cuts this one short.
    close: () => (closing ??= stop()),
  };
}
