/**
 * The process commands of the `tollgate` command line: `daemon` and
 * `server` (with its subcommands), added to the program of src/cli/main.ts.
 * Loaded by daemon/main.ts for every command line except the plain
 * `tollgate daemon --config FILE`, which starts without the command line.
 */
import { join } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { loadDaemonConfig, readPinnedKeys } from '../src/agent/config.js';
import { printEffectiveConfig } from '../src/cli/check-config.js';
import { ValidationError } from '../src/engine/errors.js';
import { readCaFile } from '../src/scenario/ca-file.js';
import { daemonFolders, othersDirectoryProblems, refuseOthersDirectoryAsRoot } from '../src/store/directory-owner.js';
import { parseTimeMs, timeProblem } from '../src/engine/validate.js';
import { EXIT_OK, type CliIo } from '../src/cli/io.js';
import { extendProgram, outputOf } from '../src/cli/main.js';
import { createLogger } from './log.js';
import { daemonMachineProblems } from './machine-problems.js';
import { runAgentDaemon, stopSignal } from './main.js';
import type { ServerFaultPoint } from './server-daemon.js';

/** Test-only: `TOLLGATE_FAULT=server-disk-full` or `server-read-only` makes the server's database writes fail. */
function serverFaultPoint(): ServerFaultPoint | undefined {
  const value = process.env['TOLLGATE_FAULT'];
  return value === 'server-disk-full' ? 'disk-full' : value === 'server-read-only' ? 'read-only' : undefined;
}

/**
 * Diagnostics: `TOLLGATE_STALL_LOG_MS=50` logs every event-loop stall of
 * the server of 50 ms or more, with the phases of work it ran through.
 */
function stallLogMs(): number | undefined {
  const value = Number(process.env['TOLLGATE_STALL_LOG_MS']);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

extendProgram((program, io: CliIo, setExit) => {
  program
    .command('daemon')
    .summary('run the agent daemon')
    .description(
      'Runs the agent: serves decisions on the local socket from the cached snapshot, applies the seed snapshot ' +
        'and, when a server is configured, syncs from it. Stops cleanly on SIGTERM, SIGINT and SIGHUP. See docs/DAEMON.md.',
    )
    .option('--config <file>', 'the daemon configuration (JSON or YAML)')
    .option(
      '--check-config <file>',
      'validate the configuration (and read the pinned keys) as the daemon does, print the effective ' +
        'configuration and exit: 0 valid, 2 invalid (each problem names the field); starts nothing',
    )
    .action(async (opts: { config?: string; checkConfig?: string }) => {
      if (opts.checkConfig !== undefined) {
        const config = await loadDaemonConfig(opts.checkConfig);
        await readPinnedKeys(config, opts.checkConfig);
        const caFile = config.server?.caFile;
        if (caFile !== undefined) {
          await readCaFile(caFile).catch((error: Error) => {
            throw new ValidationError([`${opts.checkConfig}: server.caFile: ${caFile}: ${error.message}`]);
          });
        }
        // What the start needs of the machine: its sockets' folders and groups, a data directory it can make.
        const problems = await daemonMachineProblems(config, opts.checkConfig);
        // Refused at start as root: the folders another user controls.
        for (const problem of othersDirectoryProblems(daemonFolders(config))) {
          problems.push(`${opts.checkConfig}: ${problem}`);
        }
        if (problems.length > 0) throw new ValidationError(problems);
        // Socket modes as the file writes them ("0660"), not as the decimal numbers they are.
        const octal = (mode: number): string => mode.toString(8).padStart(4, '0');
        const shown = {
          ...config,
          socket: { ...config.socket, mode: octal(config.socket.mode) },
          adminSocket: { ...config.adminSocket, mode: octal(config.adminSocket.mode) },
        };
        setExit(printEffectiveConfig(io, opts.checkConfig, shown));
        return;
      }
      if (opts.config === undefined) throw new InvalidArgumentError('daemon needs --config <file>');
      setExit(await runAgentDaemon(opts.config));
    });
});

extendProgram((program, io: CliIo, setExit) => {
  const server = program
    .command('server')
    .summary('run the reference policy server')
    .description(
      "Runs the policy server: the admin API (HTTP JSON with a bearer token) and the agents' WebSocket endpoint " +
        '(/agent) on one listener, 127.0.0.1:7443 by default; https and wss when a certificate is configured. ' +
        'Creates its Ed25519 signing key on first start. See docs/SERVER.md.',
    )
    .option('--config <file>', 'the server configuration (JSON or YAML)')
    .option(
      '--check-config <file>',
      'validate the configuration as the server does, print the effective configuration and exit: 0 valid, ' +
        '2 invalid (each problem names the field); starts nothing',
    )
    .action(async (opts: { config?: string; checkConfig?: string }) => {
      if (opts.checkConfig !== undefined) {
        const { effectiveServerConfig, loadServerConfig, serverFileProblems, serverFolders } =
          await import('../src/server/config.js');
        const config = await loadServerConfig(opts.checkConfig);
        const problems = await serverFileProblems(config, opts.checkConfig);
        for (const problem of othersDirectoryProblems(serverFolders(config))) {
          problems.push(`${opts.checkConfig}: ${problem}`);
        }
        if (problems.length > 0) throw new ValidationError(problems);
        setExit(printEffectiveConfig(io, opts.checkConfig, effectiveServerConfig(config)));
        return;
      }
      if (opts.config === undefined) throw new InvalidArgumentError('server needs --config <file>');
      const { loadServerConfig } = await import('../src/server/config.js');
      const { startServer } = await import('./server-daemon.js');
      const config = await loadServerConfig(opts.config);
      const logger = createLogger(config.logLevel);
      const stopped = stopSignal((signal) => logger.info({ signal }, 'already stopping'));
      const stallMs = stallLogMs();
      const running = await startServer(
        config,
        logger,
        serverFaultPoint(),
        stallMs === undefined ? {} : { stallLogMs: stallMs },
      );
      const signal = await stopped;
      logger.info({ signal }, 'stopping');
      await running.close();
      logger.info('stopped');
      setExit(EXIT_OK);
    });
  server
    .command('public-key')
    .summary('print the public key agents pin (creating the key pair on first use)')
    .description("Prints the server's public key: `tollgate server public-key --config FILE`.")
    .action(async () => {
      // --config belongs to `server`, whichever side of `public-key` it is written on.
      const { config: file } = server.opts<{ config?: string }>();
      if (file === undefined) throw new InvalidArgumentError('server public-key needs --config <file>');
      const { loadServerConfig } = await import('../src/server/config.js');
      const { openServerState } = await import('./server-daemon.js');
      const config = await loadServerConfig(file);
      const state = await openServerState(config);
      try {
        io.stdout(state.publicKeyPem());
      } finally {
        await state.close();
      }
      setExit(EXIT_OK);
    });
  server
    .command('migrate')
    .summary("bring the configured store's schema up to date")
    .description(
      "Applies the schema steps the configured store (store.kind: sqlite, the data directory's server.db; or " +
        'postgres) has not had yet, each once, and prints what it did; --dry-run only lists the pending steps. ' +
        'Servers migrate at start too; see docs/SERVER.md, "tollgate server migrate".',
    )
    .option('--dry-run', 'list the pending steps without applying them')
    .action(async (opts: { dryRun?: boolean }) => {
      const { config: file } = server.opts<{ config?: string }>();
      if (file === undefined) throw new InvalidArgumentError('server migrate needs --config <file>');
      const { loadServerConfig } = await import('../src/server/config.js');
      const { migrateConfiguredStore } = await import('../src/server/store/migrate-store.js');
      const config = await loadServerConfig(file);
      for (const line of await migrateConfiguredStore(config, opts.dryRun === true)) io.stdout(`${line}\n`);
      setExit(EXIT_OK);
    });
  server
    .command('rotate-key')
    .summary('prepare the next signing key and the time the server switches to it')
    .description(
      'Creates the next Ed25519 signing key in the data directory (or keeps the one already waiting), sets when ' +
        'the server switches to it (--at, an RFC 3339 time; default: now) and prints its public key for agents to ' +
        'pin. The running server switches at that time (or at its next start), signs with the new key from then ' +
        'on and issues a new snapshot version to every computer. See docs/SERVER.md, "Rotating the signing key".',
    )
    .option(
      '--at <time>',
      'when the server switches to the next key, e.g. 2026-12-01T09:00:00Z (default, for a key already waiting: now)',
    )
    .option(
      '--now',
      'make a new next key due at once, with no time for agents to pin it (a key that must go now): every agent ' +
        'that does not pin it refuses what it is sent from then on',
    )
    .action(async (opts: { at?: string; now?: boolean }) => {
      const { config: file } = server.opts<{ config?: string }>();
      if (file === undefined) throw new InvalidArgumentError('server rotate-key needs --config <file>');
      if (opts.now === true && opts.at !== undefined) throw new InvalidArgumentError('give --at or --now, not both');
      const nowMs = io.nowMs();
      const atMs = opts.at === undefined ? nowMs : switchTime(opts.at);
      const { loadServerConfig } = await import('../src/server/config.js');
      const { nextSigningKeyWaits, prepareNextSigningKey, NEXT_SIGNING_PUBLIC_KEY_FILE } =
        await import('../src/server/signing-key.js');
      const config = await loadServerConfig(file);
      // As a server start: root never writes key files in a folder another user controls.
      refuseOthersDirectoryAsRoot(config.dataDir);
      // A new key due now leaves agents no time to pin it: every one would refuse what it is sent. Only a key
      // already waiting (pinned meanwhile) is switched to early without --now.
      if (!nextSigningKeyWaits(config.dataDir) && atMs <= nowMs && opts.now !== true) {
        throw new InvalidArgumentError(
          'no next key waits, so this makes a new one: give --at with a time to come (agents must pin the new key ' +
            'before it signs: they refuse what it signs until then), or --now to switch to it at once',
        );
      }
      const next = prepareNextSigningKey(config.dataDir, atMs);
      io.stdout(next.publicKeyPem);
      io.stderr(
        `${next.created ? 'new' : 'waiting'} next signing key ${next.keyId} ` +
          `(${join(config.dataDir, NEXT_SIGNING_PUBLIC_KEY_FILE)}): the server signs with it from ` +
          `${new Date(next.atMs).toISOString()}` +
          (next.atMs <= nowMs
            ? ': now; agents that do not pin it refuse what it signs\n'
            : '; pin it on every agent before then\n'),
      );
      setExit(EXIT_OK);
    });
});

/** `tollgate server backup`: registered with the other server subcommands. */
extendProgram((program, io: CliIo, setExit) => {
  const server = program.commands.find((c) => c.name() === 'server');
  if (server === undefined) throw new Error('server backup: the server command is not registered');
  server
    .command('backup')
    .summary("copy the server's database while it runs (SQLite online backup; pg_dump for PostgreSQL)")
    .description(
      "Copies DATA_DIR/server.db with SQLite's online backup through a connection of its own, so it works " +
        'beside a running server; never overwrites a file. For a PostgreSQL store it prints the pg_dump command ' +
        'instead. Restore steps: docs/SERVER.md, "Backup and restore".',
    )
    .option('--output <file>', 'the backup file to write (required)')
    .addOption(new Option('--out <file>', 'the same as --output').hideHelp())
    .action(async (opts: { output?: string; out?: string }) => {
      const { config: file } = server.opts<{ config?: string }>();
      if (file === undefined) throw new InvalidArgumentError('server backup needs --config <file>');
      const output = outputOf(opts, true) as string;
      const { loadServerConfig } = await import('../src/server/config.js');
      const { backupServer } = await import('../src/cli/server-backup.js');
      const config = await loadServerConfig(file);
      setExit(await backupServer(io, config, output));
    });
});

/** An RFC 3339 time with its offset, to the millisecond: the rule of every time tollgate takes (docs/SCENARIOS.md). */
function switchTime(text: string): number {
  const problem = timeProblem(text);
  if (problem !== null) throw new InvalidArgumentError(`--at ${problem}, not "${text}"`);
  const atMs = parseTimeMs(text);
  // Stored as RFC 3339 in UTC (signing-next.at): a time whose UTC year passes 9999 cannot be written so.
  if (new Date(atMs).getUTCFullYear() > 9999) throw new InvalidArgumentError(`--at is past the year 9999: "${text}"`);
  return atMs;
}
