/**
 * The process entry point of the `tollgate` command (bin/tollgate.js).
 *
 * `tollgate daemon --config FILE`, the command line an endpoint starts at
 * boot, runs the agent daemon without loading the command line (commander
 * and the modules of every other command): what the daemon does not need
 * before its first answer is not loaded before it. Every other command line
 * goes through the full program: src/cli/main.ts plus the process commands
 * of daemon/commands.ts.
 */
import { createRequire } from 'node:module';
import type * as ConfigLoadModule from '../src/agent/config-load.js';
import { EXIT_OK, processIo, type CliIo } from '../src/cli/io.js';
import type * as ImageFilesModule from '../src/store/image-files.js';
import type * as DirectoryOwnerModule from '../src/store/directory-owner.js';
import type * as AgentDaemonModule from './agent-daemon.js';
import type { FaultPoint, RunningDaemon } from './agent-daemon.js';
import { HeldLog, MAX_HELD_LINES, createLogger } from './log.js';

const load = createRequire(import.meta.url);

/**
 * One of the daemon's modules (and all it imports), loaded with `require`:
 * Node.js 20.19 and newer load an ES module so, the same instance an
 * `import` of it gets, reading and compiling its whole graph at once, where
 * `import` takes a turn of the event loop and a read on the thread pool per
 * file (measured at a warm start: some 10 ms less CPU, and on a loaded
 * machine some 50 ms less to the first answer). Where `require` cannot load
 * it (a loader that compiles the TypeScript sources as they are imported,
 * as the tests run), `imported` does.
 */
async function daemonModule<T>(file: string, imported: () => Promise<T>): Promise<T> {
  try {
    return load(file) as T;
  } catch {
    return imported();
  }
}

/**
 * Resolves when the process is asked to stop (SIGTERM or SIGINT; or SIGHUP,
 * its terminal closed, which Node.js would otherwise end the process on at
 * once: nothing is reloaded on it). The handlers stay: a signal during the
 * stop is passed to `onRepeat` (logged) instead of killing the process
 * halfway through closing its files.
 */
export function stopSignal(onRepeat: (signal: NodeJS.Signals) => void = () => {}): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        onRepeat(signal);
        return;
      }
      stopping = true;
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('SIGHUP', onSignal);
  });
}

/** After a stop, what could still hold the event loop (a connection that would not close) does not keep the process. */
const EXIT_AFTER_STOP_MS = 2_000;

function exitSoon(code: number): void {
  setTimeout(() => process.exit(code), EXIT_AFTER_STOP_MS).unref();
}

/** The daemon's fault points (agent-daemon.ts), listed here so that the server never loads the daemon's modules. */
const AGENT_FAULT_POINTS: readonly FaultPoint[] = [
  'kill-during-image-write',
  'kill-before-snapshot-commit',
  'kill-after-snapshot-commit',
];

function faultPoint(): FaultPoint | undefined {
  const value = process.env['TOLLGATE_FAULT'];
  return AGENT_FAULT_POINTS.find((point) => point === value);
}

/**
 * Runs the agent daemon of a configuration file until SIGTERM, SIGINT or SIGHUP,
 * then stops it cleanly; resolves to the exit code. Each process loads only
 * its own side: the agent never loads the server's modules.
 */
export async function runAgentDaemon(configFile: string): Promise<number> {
  const { cacheFile, loadDaemonConfig } = await daemonModule<typeof ConfigLoadModule>(
    '../src/agent/config-load.js',
    () => import('../src/agent/config-load.js'),
  );
  const { imageFolder, prefetchImage } = await daemonModule<typeof ImageFilesModule>(
    '../src/store/image-files.js',
    () => import('../src/store/image-files.js'),
  );
  const config = await loadDaemonConfig(configFile);
  // Before anything there is read or made: root never works in folders another user controls.
  const { daemonFolders, refuseOthersDirectoryAsRoot } = await daemonModule<typeof DirectoryOwnerModule>(
    '../src/store/directory-owner.js',
    () => import('../src/store/directory-owner.js'),
  );
  for (const [key, folder] of daemonFolders(config)) refuseOthersDirectoryAsRoot(folder, key);
  // The stored view image is read ahead (off the main thread) while the daemon's other modules load.
  const image = prefetchImage(imageFolder(cacheFile(config)));
  const { startAgentDaemon } = await daemonModule<typeof AgentDaemonModule>(
    './agent-daemon.js',
    () => import('./agent-daemon.js'),
  );
  // pino is loaded once the first request is answered (or at a failure or a stop): until then the
  // lines are held, each with its time (daemon/log.ts).
  const logger = new HeldLog(
    (time, atExit) => createLogger(config.logLevel, { time, sync: atExit }),
    Date.now,
    MAX_HELD_LINES,
    config.logLevel,
  );
  const stopped = stopSignal((signal) => logger.info({ signal }, 'already stopping'));
  let daemon: RunningDaemon;
  try {
    daemon = await startAgentDaemon(config, logger, faultPoint(), image, configFile);
  } catch (error) {
    logger.release();
    throw error;
  }
  void daemon.served.then(() => logger.release());
  const signal = await stopped;
  logger.release();
  logger.info({ signal }, 'stopping');
  await daemon.close();
  logger.info('stopped');
  exitSoon(EXIT_OK);
  return EXIT_OK;
}

/**
 * The configuration file of exactly `daemon --config FILE` (or
 * `daemon --config=FILE`); null for any other command line, which the full
 * program parses (help, --check-config, --json, a missing or extra word).
 */
export function plainDaemonConfig(argv: readonly string[]): string | null {
  if (argv[0] !== 'daemon') return null;
  const [, option, value] = argv;
  if (argv.length === 3 && option === '--config' && value !== undefined && value !== '' && !value.startsWith('-')) {
    return value;
  }
  if (
    argv.length === 2 &&
    option !== undefined &&
    option.startsWith('--config=') &&
    option.length > '--config='.length
  ) {
    return option.slice('--config='.length);
  }
  return null;
}

/** `tollgate daemon --config FILE` without the command line: a bad configuration is reported as the program would. */
async function runPlainDaemon(configFile: string, io: CliIo): Promise<number> {
  try {
    return await runAgentDaemon(configFile);
  } catch (error) {
    const { reportInvalid } = await import('../src/cli/errors.js');
    return reportInvalid(io, error);
  }
}

/** The process entry point of the `tollgate` command. */
export async function run(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const configFile = plainDaemonConfig(argv);
  if (configFile !== null) return runPlainDaemon(configFile, io);
  // Registers `daemon` and `server` (and their subcommands) with the program before it parses.
  await import('./commands.js');
  const { main } = await import('../src/cli/main.js');
  // The CLI's defaults (TOLLGATE_SERVER, TOLLGATE_TOKEN_FILE, TOLLGATE_SOCKET, the profile) come from here.
  return main(argv, io.env === undefined ? { ...io, env: process.env } : io);
}
