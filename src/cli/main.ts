import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { registerAdminCommands } from './admin-commands.js';
import { parseList, registerApprovalCommands } from './approval-commands.js';
import type { SettingValue, World } from '../engine/model.js';
import { parseTimeMs, timeProblem } from '../engine/validate.js';
import { reportInvalid } from './errors.js';
import { settingOverride } from './explain.js';
import type { QueryOptions, RequestApprovalOptions } from './socket-commands.js';
import { lintScenario, replayScenario, upgradeScenario } from './file-commands.js';
import { EXIT_INVALID, processIo, type CliIo } from './io.js';
import { REPORT_FORMATS, type ReportFormat } from './report.js';
import { tollgateVersion } from './version.js';

/** Adds commands that need the process layer (daemon, server) to the program. */
export type ProgramExtension = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

const extensions: ProgramExtension[] = [];

/** Registers more commands; the process entry point adds `daemon` and `server`. */
export function extendProgram(extension: ProgramExtension): void {
  extensions.push(extension);
}

/** A whole number option value, or a usage error naming the option. */
export function integerOption(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} takes a whole number, not "${value}"`);
    return Number(value);
  };
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration such as 500ms, 90s, 30m, 2h or 1d; null when it is not one. */
export function parseDurationMs(text: string): number | null {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim());
  if (match === null) return null;
  return Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number);
}

/** A duration option value in milliseconds, or a usage error naming the option. */
export function durationOption(name: string): (value: string) => number {
  return (value) => {
    const ms = parseDurationMs(value);
    if (ms === null) {
      throw new InvalidArgumentError(`${name} takes a duration such as 90s, 30m, 2h or 1d, not "${value}"`);
    }
    return ms;
  };
}

/** The default bound of the file `query --file` hashes: 4 GiB. */
export const DEFAULT_MAX_HASH_BYTES = 4 * 1024 ** 3;

/** `--output FILE`, the canonical spelling, with `--out FILE` accepted as a hidden alias. */
export function addOutputOption(command: Command, description: string): Command {
  return command
    .option('--output <file>', description)
    .addOption(new Option('--out <file>', 'the same as --output').hideHelp());
}

/** The file of `--output` or its alias `--out`; both with different files is a usage error. */
export function outputOf(opts: { output?: string; out?: string }, required = false): string | undefined {
  if (opts.output !== undefined && opts.out !== undefined && opts.output !== opts.out) {
    throw new InvalidArgumentError('give --output or --out (the same option), not both');
  }
  const file = opts.output ?? opts.out;
  if (required && file === undefined) throw new InvalidArgumentError("required option '--output <file>' not specified");
  return file;
}

const SOCKET_HELP = "the daemon's socket (default: TOLLGATE_SOCKET, then socket in the profile)";
const ADMIN_SOCKET_HELP =
  "the daemon's admin socket (adminSocket.path, e.g. tollgate.admin.sock; default: TOLLGATE_ADMIN_SOCKET, the " +
  "profile's adminSocket, or the admin path next to TOLLGATE_SOCKET)";

/** Builds the command-line program; `setExit` records the exit code of the command that ran. */
export function createProgram(
  io: CliIo,
  setExit: (code: number) => void,
  options: { helpAfterError?: boolean } = {},
): Command {
  const program = new Command('tollgate')
    .description(
      'Application-control policy evaluator: replay fixtures, upgrade and lint scenarios, run the agent daemon.',
    )
    // `--version` is only tollgate's own when it comes first: `snapshot build --version N` is that command's.
    .addHelpText('after', "\nOptions before a command:\n  -V, --version  print tollgate's version (from package.json)")
    .showHelpAfterError(options.helpAfterError ?? true)
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .exitOverride();

  program
    .command('replay')
    .summary('evaluate fixture cases against a scenario or a running daemon')
    .description(
      'Evaluates every case of FIXTURES against SCENARIO (or, with --socket, against a running daemon), prints one ' +
        'line per failing case and ends with "N passed, N failed". Exit 0 when all pass, 1 when any fails, 2 when an input is invalid.',
    )
    .argument('[files...]', 'SCENARIO FIXTURES, or only FIXTURES with --socket')
    .addOption(new Option('--format <format>', 'report format').choices(REPORT_FORMATS).default('text'))
    .option('--output <file>', 'write the report to a file (the summary line still goes to standard output)')
    .addOption(new Option('--out <file>', 'the same as --output').hideHelp())
    .option(
      '--socket <path>',
      "a running daemon's socket: replay the cases of its own computer (the others are reported as not run)",
    )
    .option('--filter <text>', 'only the cases whose name contains TEXT or whose computer is TEXT')
    .action(
      async (
        files: string[],
        opts: { format: ReportFormat; output?: string; out?: string; socket?: string; filter?: string },
      ) => {
        const output = outputOf(opts);
        const replayOptions = {
          format: opts.format,
          ...(output === undefined ? {} : { output }),
          ...(opts.filter === undefined ? {} : { filter: opts.filter }),
        };
        if (opts.socket !== undefined) {
          const [fixtures] = files;
          if (files.length !== 1 || fixtures === undefined) {
            throw new InvalidArgumentError('with --socket, replay takes exactly one argument: FIXTURES');
          }
          const { replaySocket } = await import('./socket-commands.js');
          setExit(await replaySocket(io, opts.socket, fixtures, replayOptions));
          return;
        }
        const [scenario, fixtures] = files;
        if (files.length !== 2 || scenario === undefined || fixtures === undefined) {
          throw new InvalidArgumentError('replay takes two arguments: SCENARIO FIXTURES');
        }
        setExit(await replayScenario(io, scenario, fixtures, replayOptions));
      },
    );

  program
    .command('upgrade')
    .summary('upgrade an organization of a scenario to the flat policy structure')
    .description(
      "Checks the conditions of the flat upgrade, renumbers the organization's policies (built-ins 101..., others " +
        '100001..., default policies 1000000) and prints the renumbering and the discrepancies. Without --dry-run it ' +
        'writes the upgraded scenario (default: standard output). Refusal: exit 2 with every unmet condition.',
    )
    .argument('<scenario>', 'the scenario file')
    .requiredOption('--org <id>', 'the organization to upgrade')
    .option('--acknowledge', 'acknowledge that the order of policies may be affected', false)
    .option('--dry-run', 'only print the renumbering and the discrepancies', false)
    .option('--output <file>', 'where to write the upgraded scenario (.json or .yaml)')
    .addOption(new Option('--out <file>', 'the same as --output').hideHelp())
    .action(
      async (
        scenario: string,
        opts: { org: string; acknowledge: boolean; dryRun: boolean; output?: string; out?: string },
      ) => {
        const output = outputOf(opts);
        setExit(
          await upgradeScenario(io, scenario, {
            org: opts.org,
            acknowledge: opts.acknowledge,
            dryRun: opts.dryRun,
            ...(output === undefined ? {} : { output }),
          }),
        );
      },
    );

  program
    .command('lint')
    .summary('warn about order ties, shadowed policies and misconfigured organizations')
    .argument('<scenario>', 'the scenario file')
    .option('--json', 'print the warnings as JSON', false)
    .action(async (scenario: string, opts: { json: boolean }) => {
      setExit(await lintScenario(io, scenario, opts));
    });

  addOutputOption(
    program.command('keygen').summary('create an Ed25519 signing key pair'),
    'the folder for tollgate-signing.key and tollgate-signing.pub (required)',
  ).action(async (opts: { output?: string; out?: string }) => {
    const { keygen } = await import('./snapshot-commands.js');
    setExit(await keygen(io, outputOf(opts, true) as string));
  });

  const snapshot = program.command('snapshot').summary('build, inspect and apply signed snapshots');
  snapshot
    .command('build')
    .summary("sign one computer's view of a scenario")
    .argument('<scenario>', 'the scenario file')
    .requiredOption('--computer <id>', 'the computer whose view to build')
    .requiredOption('--key <file>', 'the private signing key (PEM)')
    .requiredOption(
      '--version <n>',
      'the snapshot version (newer than what the daemon holds)',
      integerOption('--version'),
    )
    .option('--output <file>', 'where to write the signed snapshot (required)')
    .addOption(new Option('--out <file>', 'the same as --output').hideHelp())
    .option('--settings-version <n>', 'the settings version the snapshot carries', integerOption('--settings-version'))
    .action(
      async (
        scenario: string,
        opts: {
          computer: string;
          key: string;
          version: number;
          output?: string;
          out?: string;
          settingsVersion?: number;
        },
      ) => {
        const { buildSnapshot } = await import('./snapshot-commands.js');
        const out = outputOf(opts, true) as string;
        setExit(
          await buildSnapshot(io, scenario, {
            computer: opts.computer,
            key: opts.key,
            version: opts.version,
            out,
            ...(opts.settingsVersion === undefined ? {} : { settingsVersion: opts.settingsVersion }),
          }),
        );
      },
    );
  snapshot
    .command('inspect')
    .summary('show what a snapshot holds, verifying it with --key')
    .argument('<file>', 'the signed snapshot')
    .option('--key <file>', 'the public key to verify the signature with')
    .option('--json', 'print JSON', false)
    .action(async (file: string, opts: { key?: string; json: boolean }) => {
      const { inspectSnapshot } = await import('./snapshot-commands.js');
      setExit(await inspectSnapshot(io, file, opts));
    });
  snapshot
    .command('apply')
    .summary('hand a signed snapshot file to a running daemon')
    .argument('<file>', 'the signed snapshot')
    .option('--socket <path>', ADMIN_SOCKET_HELP)
    .action(async (file: string, opts: { socket?: string }) => {
      const { applySnapshotFile } = await import('./socket-commands.js');
      const { resolveAdminSocket } = await import('./profile.js');
      setExit(await applySnapshotFile(io, resolveAdminSocket(io, opts.socket), file));
    });

  program
    .command('query')
    .summary('ask a running daemon whether a file may run')
    .description(
      'Asks a running daemon for the decision on a file: described with --path and its fields, or read from disk ' +
        'with --file (tollgate hashes it). Exit 0 with the decision; with --exit-code, 3 when the decision is deny ' +
        'or denyWithRequest; 2 on invalid input; 1 when the daemon cannot be reached.',
    )
    .option('--socket <path>', SOCKET_HELP)
    .option('--path <path>', 'the file path (with --file: the path reported instead of the absolute path of FILE)')
    .option('--file <path>', 'a file on disk: its SHA-256 is computed (streaming) and its absolute path is the path')
    .option(
      '--max-file-bytes <n>',
      'the largest file --file hashes (default 4 GiB)',
      integerOption('--max-file-bytes'),
      DEFAULT_MAX_HASH_BYTES,
    )
    .option('--exit-code', 'exit 3 when the decision denies the file (deny, denyWithRequest)', false)
    .option('--sha256 <hex>', "the file's SHA-256")
    .option('--cert-subject <subject>', "the signing certificate's subject")
    .option('--cert-thumbprint <hex>', "the signing certificate's thumbprint")
    .option('--process-path <path>', 'the parent process')
    .option('--created-by <path>', 'the process that wrote the file')
    .option('--json', 'print the decision as JSON (SPEC.md field names)', false)
    .action(async (opts: QueryOptions & { socket?: string }) => {
      const { queryDaemon } = await import('./socket-commands.js');
      const { resolveSocket } = await import('./profile.js');
      setExit(await queryDaemon(io, { ...opts, socket: resolveSocket(io, opts.socket) }));
    });

  program
    .command('status')
    .summary("a running daemon's snapshot, structure, gates, settings and counters, and tollgate's version")
    .description(
      "Shows a running daemon's computer, snapshot, structure, gates, settings, decision counts, latency, outbox and " +
        'sync state, with the version of this tollgate (the first line) and of the tollgate the daemon runs ' +
        '(`daemon`). With --json: the same as one object (tollgateVersion, daemonVersion, ...).',
    )
    .option('--socket <path>', SOCKET_HELP)
    .option('--json', 'print JSON', false)
    .option(
      '--check',
      'print one line, healthy or what is wrong; exit 0 healthy, 1 the daemon does not answer, 3 no snapshot, ' +
        '4 snapshot older than --max-age, 5 server unreachable longer than --max-disconnected',
      false,
    )
    .option(
      '--max-age <duration>',
      'with --check: the snapshot must have been applied or confirmed current by the server within this time ' +
        '(e.g. 90s, 30m, 2h, 1d; default: not checked)',
      durationOption('--max-age'),
    )
    .option(
      '--max-disconnected <duration>',
      'with --check: how long the connection to the server may be down (default: 5m)',
      durationOption('--max-disconnected'),
    )
    .action(
      async (opts: { socket?: string; json: boolean; check: boolean; maxAge?: number; maxDisconnected?: number }) => {
        const { checkDaemon, statusOfDaemon, DEFAULT_MAX_DISCONNECTED_MS } = await import('./socket-commands.js');
        const { resolveSocket } = await import('./profile.js');
        const socket = resolveSocket(io, opts.socket);
        if (!opts.check) {
          if (opts.maxAge !== undefined || opts.maxDisconnected !== undefined) {
            throw new InvalidArgumentError('--max-age and --max-disconnected go with --check');
          }
          setExit(await statusOfDaemon(io, socket, opts.json));
          return;
        }
        setExit(
          await checkDaemon(io, socket, opts.json, {
            ...(opts.maxAge === undefined ? {} : { maxAgeMs: opts.maxAge }),
            maxDisconnectedMs: opts.maxDisconnected ?? DEFAULT_MAX_DISCONNECTED_MS,
          }),
        );
      },
    );

  program
    .command('decisions')
    .summary("a running daemon's decision log")
    .command('export')
    .summary('write the decision log as a fixture file that replays against the daemon')
    .option('--socket <path>', ADMIN_SOCKET_HELP)
    .option('--output <file>', 'the fixture file to write (.yaml or .json; required)')
    .addOption(new Option('--out <file>', 'the same as --output').hideHelp())
    .option(
      '--limit <n>',
      "the newest N decisions (default and 0: the daemon's default, 1000)",
      integerOption('--limit'),
    )
    .action(async (opts: { socket?: string; output?: string; out?: string; limit?: number }) => {
      const { exportDecisions } = await import('./socket-commands.js');
      const { resolveAdminSocket } = await import('./profile.js');
      const out = outputOf(opts, true) as string;
      setExit(await exportDecisions(io, resolveAdminSocket(io, opts.socket), out, opts.limit ?? 0));
    });

  program
    .command('request')
    .summary('ask for approval of a denied file: the daemon answers with its suggestion and delivers the request')
    .description(
      'Submits an approval request to a running daemon: the file that was denied, who asks and why, and the ' +
        'application (--app ID, or its --category and country influences). The daemon answers at once with the ' +
        'local suggestion (approve, escalate, reject or none) and stores the request, which it delivers to the ' +
        'policy server when connected. See docs/APPROVALS.md.',
    )
    .option('--socket <path>', SOCKET_HELP)
    .requiredOption('--path <path>', 'the file that was denied')
    .option('--sha256 <hex>', "the file's SHA-256")
    .option('--cert-subject <subject>', "the signing certificate's subject")
    .option('--cert-thumbprint <hex>', "the signing certificate's thumbprint")
    .requiredOption('--user <user>', 'who asks')
    .requiredOption('--reason <text>', 'why they need it')
    .option('--app <id>', 'the application, when it is known')
    .option('--category <category>', "the application's category")
    .option('--subcategory <subcategory>', "the application's subcategory")
    .option('--primary-company-influence <codes>', 'ISO 3166-1 alpha-2 codes, comma-separated', parseList)
    .option('--development-influence <codes>', 'ISO 3166-1 alpha-2 codes, comma-separated', parseList)
    .option('--json', 'print the suggestion and the request id as JSON', false)
    .action(async (opts: RequestApprovalOptions & { socket?: string }) => {
      const { requestApproval } = await import('./socket-commands.js');
      const { resolveSocket } = await import('./profile.js');
      setExit(await requestApproval(io, { ...opts, socket: resolveSocket(io, opts.socket) }));
    });

  program
    .command('explain')
    .summary("a computer's policies in processing order, and why each stands where it does")
    .description(
      'Lists the enabled policies that apply to a computer in the order its agent processes them (flat or ' +
        'hierarchical, Prioritize Built-In Applications on or off, version gates applied), each with its order ' +
        'number, Applies To level, organization depth and built-in tier, and the key that puts it after the one ' +
        'before. From a scenario file (--scenario) or from the policy server (its world, via the admin API: ' +
        '--server, --token/--token-file, --ca as for admin, or their environment and profile defaults).',
    )
    .requiredOption('--computer <id>', 'the computer')
    .option('--scenario <file>', 'explain from a scenario file instead of the policy server')
    .option('--at <time>', 'the time expiry is judged at (RFC 3339; default: now)')
    .option(
      '--setting <name=value>',
      'a setting value in place of the effective one, e.g. prioritizeBuiltInApplications=false (repeatable)',
      (value: string, previous: Record<string, SettingValue> | undefined) => settingOverride(value, previous),
    )
    .option('--server <url>', 'the policy server (default: TOLLGATE_SERVER, the profile, http://127.0.0.1:7443)')
    .option('--token <token>', 'the admin token')
    .option('--token-file <file>', 'a file holding the admin token (default: TOLLGATE_TOKEN_FILE, the profile)')
    .option('--ca <file>', "the CA certificate (PEM) of an https server's certificate")
    .option('--json', 'print JSON', false)
    .action(
      async (opts: {
        computer: string;
        scenario?: string;
        at?: string;
        setting?: Record<string, SettingValue>;
        server?: string;
        token?: string;
        tokenFile?: string;
        ca?: string;
        json: boolean;
      }) => {
        const { explainComputer, printExplanation } = await import('./explain.js');
        let atMs = io.nowMs();
        if (opts.at !== undefined) {
          const problem = timeProblem(opts.at);
          if (problem !== null) throw new InvalidArgumentError(`--at ${problem}, not "${opts.at}"`);
          atMs = parseTimeMs(opts.at);
        }
        let world: World;
        if (opts.scenario !== undefined) {
          const { loadScenario } = await import('../scenario/load.js');
          world = await loadScenario(opts.scenario);
        } else {
          const { connectAdmin, withAdminErrors } = await import('./admin-commands.js');
          const client = await connectAdmin(io, opts);
          let fetched: World | undefined;
          const code = await withAdminErrors(io, async () => {
            fetched = await client.request<World>('GET', '/api/world');
            return 0;
          });
          if (fetched === undefined) {
            setExit(code);
            return;
          }
          world = fetched;
        }
        setExit(printExplanation(io, explainComputer(world, opts.computer, atMs, opts.setting), opts.json));
      },
    );

  registerAdminCommands(program, io, setExit);
  registerApprovalCommands(program, io, setExit);
  for (const extension of extensions) extension(program, io, setExit);
  describeFromSummaries(program);
  return program;
}

/** Gives every command described only by its summary that summary as its description, so its own --help shows it. */
function describeFromSummaries(command: Command): void {
  for (const sub of command.commands) {
    if (sub.description() === '' && sub.summary() !== '') sub.description(sub.summary());
    describeFromSummaries(sub);
  }
}

async function runProgram(argv: readonly string[], io: CliIo, helpAfterError: boolean): Promise<number> {
  let exitCode = 0;
  const program = createProgram(io, (code) => (exitCode = code), { helpAfterError });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      // Thrown by an action: commander has not printed it.
      io.reportError?.('invalid-usage');
      io.stderr(`error: ${error.message}\n`);
      return EXIT_INVALID;
    }
    if (error instanceof CommanderError) {
      // Help and version are successful exits; usage errors were already printed.
      if (error.exitCode !== 0) io.reportError?.('invalid-usage');
      return error.exitCode === 0 ? 0 : EXIT_INVALID;
    }
    return reportInvalid(io, error);
  }
}

/** The code of a `--json` error when the command reported none: by its exit code. */
function defaultErrorCode(exitCode: number): string {
  return exitCode === EXIT_INVALID ? 'invalid-input' : 'failed';
}

/**
 * Runs the command line; resolves to the exit code. With `--json`, a command
 * that fails prints one JSON object on standard error instead of its error
 * lines: `{"error":{"code","message","problems","warnings"}}` (same exit codes).
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.stdout(`${tollgateVersion()}\n`);
    return 0;
  }
  if (!argv.includes('--json')) return runProgram(argv, io, true);
  const errors: string[] = [];
  let code: string | undefined;
  const jsonIo: CliIo = {
    ...io,
    stderr: (text) => void errors.push(text),
    reportError: (reported) => void (code ??= reported),
  };
  const exitCode = await runProgram(argv, jsonIo, false);
  const text = errors.join('');
  if (exitCode === 0 || text.trim() === '') {
    if (text !== '') io.stderr(text);
    return exitCode;
  }
  const lines = text.split('\n').map((line) => line.trimEnd());
  // A warning printed before the failure (a token file others can read) is kept apart from the problems.
  const warnings = lines.filter((line) => line.startsWith('warning: ')).map((line) => line.slice('warning: '.length));
  const problems = lines
    .filter((line) => line !== '' && !line.startsWith('warning: '))
    .map((line) => line.replace(/^(error|refused): /, ''));
  const error = {
    code: code ?? defaultErrorCode(exitCode),
    message: problems[0] ?? '',
    ...(problems.length > 1 ? { problems } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
  io.stderr(JSON.stringify({ error }) + '\n');
  return exitCode;
}
