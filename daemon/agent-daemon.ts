import { mkdir, readFile } from 'node:fs/promises';
import { platform } from 'node:os';
import { join } from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { Agent } from '../src/agent/agent.js';
import type { OsName } from '../src/engine/model.js';
import type { DaemonConfig } from '../src/agent/config.js';
import { readPinnedKey } from '../src/agent/config.js';
import { DecisionRecorder } from '../src/agent/decision-recorder.js';
import { handleLocalRequest } from '../src/agent/local-handler.js';
import { LocalServer } from '../src/local/server.js';
import { AgentStore } from '../src/store/agent-store.js';
import { SyncClient } from '../src/sync/client.js';
import { collectGarbage, tuneDaemonHeap } from './heap.js';
import { readFileLarge } from '../src/wire/large-buffer.js';
import { parsePublicKey } from '../src/wire/signing.js';

/** The operating system this process runs on, in SPEC.md's terms. */
function hostOs(): OsName {
  const p = platform();
  return p === 'win32' ? 'windows' : p === 'darwin' ? 'macos' : 'linux';
}

/** When the garbage of start-up is collected: after the first answers, not before them. */
const SETTLE_AFTER_START_MS = 1_000;

/** Test-only fault points, named by the TOLLGATE_FAULT environment variable. */
export type FaultPoint = 'kill-before-snapshot-commit';

export interface RunningDaemon {
  agent: Agent;
  close(): Promise<void>;
}

/**
 * Starts the agent daemon: opens the cache, serves the local socket from the
 * cached snapshot at once, then applies the seed snapshot and schedules the
 * periodic jobs.
 */
export async function startAgentDaemon(
  config: DaemonConfig,
  logger: Logger,
  fault: FaultPoint | undefined,
): Promise<RunningDaemon> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o750 });
  const publicKey = parsePublicKey(await readPinnedKey(config));
  const store = AgentStore.open(join(config.dataDir, 'agent.db'), {
    maxDecisionLog: config.decisionLog.maxEntries,
    maxOutboxItems: config.outbox.maxRequests,
    maxOutboxBytes: config.outbox.maxBytes,
    onRecovered: (info) => logger.warn(info, 'the cache database was damaged: moved aside and recreated'),
  });
  const recorder = new DecisionRecorder(store, config.computerId, config.decisionLog.maxEntries);
  const hooks =
    fault === 'kill-before-snapshot-commit'
      ? { beforeCommit: () => void process.kill(process.pid, 'SIGKILL') }
      : undefined;

  tuneDaemonHeap();
  const agent = new Agent({
    store,
    publicKey,
    computerId: config.computerId,
    ...(config.agent.version === undefined ? {} : { agentVersion: config.agent.version }),
    ...(config.agent.os === undefined ? {} : { os: config.agent.os }),
    noSnapshotAction: config.noSnapshotAction,
    clock: () => Date.now(),
    reclaimMemory: collectGarbage,
    onSnapshotLost: (problem) =>
      logger.error({ problem }, 'no snapshot in force: the previous one could not be restored'),
    onDecision:
      config.decisionLog.maxEntries > 0 ? (atMs, file, decision) => recorder.record(atMs, file, decision) : undefined,
  });
  // After a snapshot is applied, what compiling it left and the bytes it came in are garbage once the
  // request that brought them is answered: collected then, before another snapshot can arrive.
  let collectionScheduled = false;
  const collectAfterApply = (): void => {
    if (collectionScheduled) return;
    collectionScheduled = true;
    setImmediate(() => {
      collectionScheduled = false;
      collectGarbage();
    });
  };
  const loaded = agent.loadFromStore();
  for (const problem of loaded.problems) logger.error(problem);

  const server = new LocalServer(
    (request) =>
      handleLocalRequest(agent, request, {
        exportDecisions: (limit) => recorder.export(limit),
        applyHooks: hooks,
        onApplied: (version) => {
          logger.info({ snapshotVersion: version }, 'snapshot applied');
          collectAfterApply();
        },
        onRefused: (error) => logger.warn({ err: error }, 'snapshot refused'),
      }),
    {
      socketPath: config.socket.path,
      mode: config.socket.mode,
      maxFrameBytes: config.socket.maxFrameBytes,
      maxConnections: config.socket.maxConnections,
      answerEncoded: (buffer, start, end) => agent.answerEncoded(buffer, start, end),
      onClientError: (info) => logger.warn(info, 'bad input from a local client'),
    },
  );
  await server.listen();
  // What loading the cached snapshot left behind, collected once the daemon is answering.
  const settle = setTimeout(collectGarbage, SETTLE_AFTER_START_MS);
  settle.unref();
  logger.info(
    { socket: config.socket.path, computerId: config.computerId, snapshotVersion: loaded.snapshotVersion },
    'serving',
  );

  if (config.seedSnapshot !== undefined) {
    try {
      const applied = agent.applySnapshot(await readFileLarge(config.seedSnapshot), hooks);
      logger.info({ snapshotVersion: applied.version, file: config.seedSnapshot }, 'seed snapshot applied');
      collectAfterApply();
    } catch (error) {
      logger.info({ file: config.seedSnapshot, reason: (error as Error).message }, 'seed snapshot not applied');
    }
  }

  let sync: SyncClient | null = null;
  if (config.server !== undefined) {
    const server = config.server;
    agent.serverUrl = server.url;
    sync = new SyncClient({
      url: server.url,
      token: server.token,
      computerId: config.computerId,
      agent,
      fallbackAgentVersion: config.agent.version ?? '0',
      fallbackOs: config.agent.os ?? hostOs(),
      pingIntervalMs: server.pingIntervalMs,
      pongTimeoutMs: server.pongTimeoutMs,
      backoffInitialMs: server.backoffInitialMs,
      backoffMaxMs: server.backoffMaxMs,
      maxMessageBytes: server.maxMessageBytes,
      maxBufferedBytes: server.maxBufferedBytes,
      ...(server.caFile === undefined ? {} : { ca: await readFile(server.caFile, 'utf8') }),
      logger,
      random: Math.random,
      applySnapshot: (bytes) => {
        const applied = agent.applySnapshot(bytes, hooks);
        collectAfterApply();
        return applied;
      },
      outbox: store,
    });
    // A request stored in the outbox goes out at once when connected; otherwise after the next hello.
    agent.onApprovalQueued = () => sync?.flushOutbox();
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
  const jobs: ScheduledTask[] = [
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
  ];
  if (sync !== null) {
    const client = sync;
    jobs.push(
      cron.schedule(
        config.jobs.checkIn,
        guarded('check-in', () => client.checkIn()),
      ),
    );
  }

  let closed = false;
  return {
    agent,
    async close() {
      if (closed) return;
      closed = true;
      for (const job of jobs) await job.stop();
      sync?.close();
      clearInterval(flushTimer);
      clearTimeout(settle);
      await server.close();
      recorder.flush();
      store.close();
    },
  };
}
