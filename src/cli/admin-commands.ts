/**
 * `tollgate admin ...`: the policy server's admin API from the command line
 * (docs/ADMIN.md). Scenario files are read and checked here, so problems name
 * the file; the server checks everything again and names the field at fault.
 */
import { extname } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { oneLine } from '../engine/display-text.js';
import { TollgateError } from '../engine/errors.js';
import {
  POLICY_ACTIONS,
  type AgentSetting,
  type AppliesTo,
  type Policy,
  type SettingValue,
  type World,
} from '../engine/model.js';
import { type BoundedFile, readBoundedFile, utf8Text } from '../scenario/bounded-read.js';
import { readCaFile } from '../scenario/ca-file.js';
import { loadScenario, serializeScenario } from '../scenario/load.js';
import {
  ROUTES,
  WORLD_DIFF_LISTS,
  type ApplyReport,
  type ListDiff,
  type PolicyInput,
  type PolicyPatch,
  type SettingScope,
  type ViewChanges,
  type WorldDiff,
} from '../contract/index.js';
import { AdminApiError, AdminClient, UNREACHABLE } from './admin-client.js';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, type CliIo } from './io.js';
import { addOutputOption, integerOption, outputOf } from './main.js';
import { resolveAdminTarget } from './profile.js';
import { writeOutputFile } from './output-file.js';

/** Where `tollgate admin` looks for the server unless told: the server's default listen address. */
export const DEFAULT_ADMIN_SERVER = 'http://127.0.0.1:7443';

/** How much longer than the server's wait the client waits for the answer. */
const WAIT_MARGIN_MS = 10_000;

interface AdminGlobalOptions {
  server?: string;
  token?: string;
  tokenFile?: string;
  ca?: string;
  json: boolean;
}

/** What an admin action works with. */
export interface AdminContext {
  io: CliIo;
  client: AdminClient;
  json: boolean;
}

/** An admin action: resolves to the exit code. */
export type Action = (ctx: AdminContext) => Promise<number>;

/** An integer that may be negative (hierarchical order numbers may be). */
function signedIntegerOption(name: string): (value: string) => number {
  return (value) => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`${name} takes an integer, not "${value}"`);
    return Number(value);
  };
}

/** `true` or `false`, or a usage error naming the option. */
export function booleanOption(name: string): (value: string) => boolean {
  return (value) => {
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new InvalidArgumentError(`${name} takes true or false, not "${value}"`);
  };
}

/** `KIND=ID` as an Applies To: global, global-group (ORG:KEYWORD), organization (or org), group, computer. */
export function parseAppliesTo(text: string): AppliesTo {
  const eq = text.indexOf('=');
  const kind = eq < 0 ? text : text.slice(0, eq);
  const id = eq < 0 ? '' : text.slice(eq + 1);
  const usage = '--applies-to takes KIND=ID with KIND one of global, global-group, organization, group, computer';
  if (id === '') throw new InvalidArgumentError(`${usage}, not "${text}"`);
  switch (kind) {
    case 'global':
      return { global: id };
    case 'global-group':
    case 'globalGroup': {
      const colon = id.indexOf(':');
      if (colon <= 0) throw new InvalidArgumentError(`--applies-to global-group takes ORG:KEYWORD, not "${id}"`);
      return { globalGroup: { org: id.slice(0, colon), keyword: id.slice(colon + 1) } };
    }
    case 'organization':
    case 'org':
      return { organization: id };
    case 'group':
      return { group: id };
    case 'computer':
      return { computer: id };
    default:
      throw new InvalidArgumentError(`${usage}, not "${text}"`);
  }
}

/** An Applies To as the `KIND=ID` text `--applies-to` takes. */
export function formatAppliesTo(appliesTo: AppliesTo): string {
  if ('global' in appliesTo) return `global=${appliesTo.global}`;
  if ('globalGroup' in appliesTo) return `global-group=${appliesTo.globalGroup.org}:${appliesTo.globalGroup.keyword}`;
  if ('organization' in appliesTo) return `organization=${appliesTo.organization}`;
  if ('group' in appliesTo) return `group=${appliesTo.group}`;
  return `computer=${appliesTo.computer}`;
}

/** A setting's value from the command line: true/false, a number, or else the text itself. */
export function parseSettingValue(text: string): SettingValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

function parseAssignment(text: string): { name: string; value: SettingValue } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`settings set takes NAME=VALUE, not "${text}"`);
  return { name: text.slice(0, eq), value: parseSettingValue(text.slice(eq + 1)) };
}

interface ScopeOptions {
  computer?: string;
  group?: string;
  org?: string;
  global?: boolean;
}

function scopeOf(opts: ScopeOptions): SettingScope {
  const scopes: SettingScope[] = [];
  if (opts.computer !== undefined) scopes.push({ kind: 'computer', id: opts.computer });
  if (opts.group !== undefined) scopes.push({ kind: 'group', id: opts.group });
  if (opts.org !== undefined) scopes.push({ kind: 'organization', id: opts.org });
  if (opts.global === true) scopes.push({ kind: 'global' });
  const [scope] = scopes;
  if (scopes.length !== 1 || scope === undefined) {
    throw new InvalidArgumentError('give exactly one scope: --computer ID, --group ID, --org ID or --global');
  }
  return scope;
}

function scopeText(scope: SettingScope): string {
  return scope.kind === 'global' ? 'every computer (global)' : `${scope.kind} ${scope.id}`;
}

function addScopeOptions(command: Command): Command {
  return command
    .option('--computer <id>', 'one computer')
    .option('--group <id>', 'every computer of a group')
    .option('--org <id>', 'every computer of an organization')
    .option('--global', 'every computer of every organization');
}

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => rows.reduce((w, row) => Math.max(w, (row[c] ?? '').length), h.length));
  return (
    [header, ...rows]
      .map((row) =>
        row
          .map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c] ?? 0)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function list(ids: readonly string[]): string {
  return ids.length === 0 ? 'none' : ids.join(', ');
}

/**
 * Which agents applied a change, which have not yet, which refused it (each
 * with its error, a line of its own, and not listed as pending again), which
 * are offline: the answer to "did it reach them?".
 */
export function formatApplyReport(report: ApplyReport & { affected: string[] }): string {
  if (report.affected.length === 0) return 'no computer is affected\n';
  const refused = report.refused ?? [];
  const refusing = new Set(refused.map((r) => r.computer));
  const pending = report.pending.filter((id) => !refusing.has(id));
  const lines = [
    `affected ${report.affected.length} computer${report.affected.length === 1 ? '' : 's'}`,
    `  applied  ${list(report.applied)}`,
    `  pending  ${list(pending)}${pending.length > 0 ? ' (connected; not acknowledged in time)' : ''}`,
    // An agent's words, shown on one line with every character that would act on a terminal escaped.
    ...refused.map((r) => `  refused  ${r.computer}: ${oneLine(r.error)}`),
    `  offline  ${list(report.offline)}${report.offline.length > 0 ? ' (they get it when they reconnect)' : ''}`,
  ];
  return lines.join('\n') + '\n';
}

/** How many computers get a new snapshot and new settings. */
export function changesText(changes: ViewChanges): string {
  return `${changes.snapshots.length} computer(s) get a new snapshot, ${changes.settings.length} new settings`;
}

/** Prints the server's answer as JSON. */
export function json(ctx: AdminContext, value: unknown): number {
  ctx.io.stdout(JSON.stringify(value, null, 2) + '\n');
  return EXIT_OK;
}

/** The most read of a token file (a token is a few dozen bytes). */
const SMALL_FILE_BYTES = 64 * 1024;

/** Permission bits of a token file that let its group or others at it (ssh refuses such a key; this warns). */
const TOKEN_FILE_OPEN_BITS = 0o077;

async function readToken(io: CliIo, opts: { token?: string; tokenFile?: string }): Promise<string> {
  if (opts.token !== undefined && opts.tokenFile !== undefined) {
    throw new InvalidArgumentError('give --token or --token-file, not both');
  }
  if (opts.token !== undefined) return checkedToken(opts.token, '--token');
  if (opts.tokenFile === undefined) {
    throw new InvalidArgumentError('admin commands need the admin token: --token TOKEN or --token-file FILE');
  }
  let file: BoundedFile;
  let text: string;
  try {
    file = await readBoundedFile(
      opts.tokenFile,
      SMALL_FILE_BYTES,
      `is larger than a token file may be (${SMALL_FILE_BYTES} bytes)`,
    );
    text = utf8Text(file.bytes);
  } catch (error) {
    throw new TollgateError('invalid-input', `${opts.tokenFile}: ${(error as Error).message}`, { cause: error });
  }
  // Refusing it would break setups that work: the command goes on, once told.
  if ((file.mode & TOKEN_FILE_OPEN_BITS) !== 0) io.stderr(tokenFileModeWarning(opts.tokenFile, file.mode));
  const token = text.trim();
  if (token === '') throw new TollgateError('invalid-input', `${opts.tokenFile}: the token file is empty`);
  return checkedToken(token, opts.tokenFile);
}

/** The warning line for a token file its group or others may read or change. */
export function tokenFileModeWarning(file: string, mode: number): string {
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  return (
    `warning: ${file}: the admin token file is open to its group or others (mode ${octal}); ` +
    `make it its owner's alone: chmod 600 ${shellWord(file)}\n`
  );
}

/** `text` as one word of a shell command line: as it is when it holds nothing the shell reads, else single-quoted. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A bearer token as an HTTP header carries it (RFC 6750: printable ASCII, no spaces); `from` names its source. */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

function checkedToken(token: string, from: string): string {
  if (!TOKEN_PATTERN.test(token)) {
    throw new TollgateError(
      'invalid-input',
      `${from}: the admin token must be printable ASCII without spaces (the server's token is), not ${token.length} characters of other text`,
    );
  }
  return token;
}

async function contextOf(io: CliIo, command: Command): Promise<AdminContext> {
  const flags = command.optsWithGlobals<AdminGlobalOptions>();
  return { io, client: await connectAdmin(io, flags), json: flags.json };
}

/** An admin API client from the flags, the environment and the profile (flags win). */
export async function connectAdmin(
  io: CliIo,
  flags: { server?: string; token?: string; tokenFile?: string; ca?: string },
): Promise<AdminClient> {
  const target = resolveAdminTarget(io, flags, DEFAULT_ADMIN_SERVER);
  // A --token flag wins over a token file from the environment or the profile.
  const opts = {
    ...flags,
    server: target.server,
    ...(flags.token === undefined && target.tokenFile !== undefined ? { tokenFile: target.tokenFile } : {}),
    ...(target.ca === undefined ? {} : { ca: target.ca }),
  };
  const token = await readToken(io, opts);
  let ca: Buffer | undefined;
  if (opts.ca !== undefined) {
    try {
      ca = Buffer.from(await readCaFile(opts.ca));
    } catch (error) {
      throw new TollgateError('invalid-input', `${opts.ca}: ${(error as Error).message}`, { cause: error });
    }
  }
  return new AdminClient({ baseUrl: target.server, token, ...(ca === undefined ? {} : { ca }) });
}

/** Runs an admin action: server errors print every problem and exit 2 (1 when the server failed or is unreachable). */
export async function runAdmin(io: CliIo, command: Command, action: Action): Promise<number> {
  const ctx = await contextOf(io, command);
  return withAdminErrors(io, () => action(ctx));
}

/** Runs a call of the admin API, printing its errors as the admin commands do. */
export async function withAdminErrors(io: CliIo, call: () => Promise<number>): Promise<number> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof TollgateError) io.reportError?.(error.code);
    if (error instanceof AdminApiError) {
      if (error.problems.length > 0) for (const problem of error.problems) io.stderr(`error: ${problem}\n`);
      else io.stderr(`error: ${error.message}\n`);
      return error.status >= 500 ? EXIT_FAILED : EXIT_INVALID;
    }
    if (error instanceof TollgateError && (error.code === UNREACHABLE || error.code === 'bad-response')) {
      io.stderr(`error: ${error.message}\n`);
      return EXIT_FAILED;
    }
    throw error;
  }
}

// ---- The actions

/** `+1 ~0 -2 (removed: a, b)` for one list of a world diff. */
function listDiffText(diff: ListDiff): string {
  const parts = [`+${diff.added.length} ~${diff.changed.length} -${diff.removed.length}`];
  if (diff.removed.length > 0) parts.push(`(removed: ${diff.removed.join(', ')})`);
  return parts.join(' ');
}

async function importWorld(
  ctx: AdminContext,
  file: string,
  options: { dryRun: boolean; allowRemovals: boolean },
): Promise<number> {
  const world = await loadScenario(file);
  let result: { dryRun: boolean; stored: boolean; changes: ViewChanges; diff: WorldDiff };
  try {
    result = await ctx.client.call(ROUTES.replaceWorld, {
      body: { ...world },
      query: {
        dryRun: options.dryRun ? 'true' : undefined,
        allowRemovals: options.allowRemovals ? 'true' : undefined,
      },
    });
  } catch (error) {
    if (error instanceof AdminApiError && error.code === 'removal-refused') {
      throw new AdminApiError(
        error.status,
        error.code,
        error.message,
        [...error.problems, 'nothing was imported: pass --allow-removals to remove these computers'],
        { ...error.details },
      );
    }
    throw error;
  }
  if (ctx.json) return json(ctx, result);
  const lines = WORLD_DIFF_LISTS.filter((list) => {
    const d = result.diff[list];
    return d.added.length + d.changed.length + d.removed.length > 0;
  }).map((list) => `  ${list}: ${listDiffText(result.diff[list])}\n`);
  const counts =
    `${world.organizations.length} organizations, ${world.computers.length} computers, ` +
    `${world.policies.length} policies`;
  if (options.dryRun) {
    ctx.io.stdout(`dry run of ${file} (${counts}): nothing stored\n${lines.join('')}`);
    ctx.io.stdout(`would change: ${changesText(result.changes)}\n`);
    return EXIT_OK;
  }
  ctx.io.stdout(`imported ${file}: ${counts}; ${changesText(result.changes)}\n${lines.join('')}`);
  return EXIT_OK;
}

async function exportWorld(ctx: AdminContext, out: string | undefined): Promise<number> {
  const world: World = await ctx.client.call(ROUTES.getWorld);
  if (out === undefined) {
    ctx.io.stdout(serializeScenario(world, ctx.json ? 'json' : 'yaml'));
    return EXIT_OK;
  }
  await writeOutputFile(out, serializeScenario(world, extname(out).toLowerCase() === '.json' ? 'json' : 'yaml'), []);
  ctx.io.stdout(`world written to ${out}\n`);
  return EXIT_OK;
}

async function enroll(ctx: AdminContext, computer: string): Promise<number> {
  const result = await ctx.client.call(ROUTES.enrollComputer, { params: { id: computer } });
  if (ctx.json) return json(ctx, result);
  // Only the token on standard output, so a script can capture it.
  ctx.io.stdout(`${result.token}\n`);
  return EXIT_OK;
}

function versionPair(issued: number, acked: number): string {
  return `${issued}/${acked}${issued === acked ? '' : ' *'}`;
}

async function computers(ctx: AdminContext): Promise<number> {
  const result = await ctx.client.call(ROUTES.listComputers);
  if (ctx.json) return json(ctx, result);
  const rows = result.computers.map((c) => [
    c.id,
    c.group,
    c.enrolled ? 'yes' : 'no',
    c.reportedAgentVersion ?? '-',
    c.reportedTollgateVersion ?? '-',
    c.connected ? 'yes' : 'no',
    versionPair(c.snapshotVersion, c.ackedSnapshotVersion),
    versionPair(c.settingsVersion, c.ackedSettingsVersion),
    // An agent's words (its last refusal): escape sequences and line breaks are shown, not acted on.
    oneLine(c.lastError ?? ''),
  ]);
  ctx.io.stdout(
    formatTable(
      ['computer', 'group', 'enrolled', 'agent', 'tollgate', 'connected', 'snapshot', 'settings', 'last error'],
      rows,
    ),
  );
  ctx.io.stdout('snapshot and settings: issued/acknowledged; * marks an agent that has not applied the newest\n');
  return EXIT_OK;
}

function policyRow(p: Policy): string[] {
  return [
    String(p.order),
    p.id,
    p.action,
    p.default === true ? '(default)' : (p.app ?? '-'),
    formatAppliesTo(p.appliesTo),
    p.enabled ? 'yes' : 'no',
    p.name ?? '',
  ];
}

function printPolicy(ctx: AdminContext, verb: string, result: { policy: Policy; changes: ViewChanges }): number {
  if (ctx.json) return json(ctx, result);
  ctx.io.stdout(
    formatTable(
      ['order', 'policy', 'action', 'application', 'applies to', 'enabled', 'name'],
      [policyRow(result.policy)],
    ),
  );
  ctx.io.stdout(`${verb}; ${changesText(result.changes)}\n`);
  return EXIT_OK;
}

async function listPolicies(ctx: AdminContext): Promise<number> {
  const result = await ctx.client.call(ROUTES.listPolicies);
  if (ctx.json) return json(ctx, result);
  ctx.io.stdout(
    formatTable(
      ['order', 'policy', 'action', 'application', 'applies to', 'enabled', 'name'],
      result.policies.map(policyRow),
    ),
  );
  return EXIT_OK;
}

interface PolicyAddOptions {
  app?: string;
  appliesTo: AppliesTo;
  action: Policy['action'];
  order: number;
  id?: string;
  name?: string;
  default: boolean;
  disabled: boolean;
  expiresAt?: string;
  ringfence?: Record<string, unknown>;
}

function parseRingfence(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`--ringfence takes a JSON object, not ${JSON.stringify(text)}`);
  }
  return value as Record<string, unknown>;
}

async function addPolicy(ctx: AdminContext, opts: PolicyAddOptions): Promise<number> {
  const input: PolicyInput = { appliesTo: opts.appliesTo, action: opts.action, order: opts.order };
  if (opts.id !== undefined) input.id = opts.id;
  if (opts.name !== undefined) input.name = opts.name;
  if (opts.app !== undefined) input.app = opts.app;
  if (opts.default) input.default = true;
  if (opts.disabled) input.enabled = false;
  if (opts.expiresAt !== undefined) input.expiresAt = opts.expiresAt;
  if (opts.ringfence !== undefined) input.ringfence = opts.ringfence;
  const result = await ctx.client.call(ROUTES.addPolicy, { body: input });
  return printPolicy(ctx, `policy ${result.policy.id} added`, result);
}

interface PolicySetOptions {
  order?: number;
  action?: Policy['action'];
  enabled?: boolean;
  name?: string;
  app?: string;
  appliesTo?: AppliesTo;
  expiresAt?: string;
}

async function updatePolicy(ctx: AdminContext, id: string, patch: PolicyPatch, verb: string): Promise<number> {
  if (Object.keys(patch).length === 0) {
    throw new InvalidArgumentError(
      'nothing to change: give at least one of --order, --action, --enabled, --name, --app, --applies-to, --expires-at',
    );
  }
  const result = await ctx.client.call(ROUTES.updatePolicy, { params: { id }, body: patch });
  return printPolicy(ctx, `policy ${id} ${verb}`, result);
}

async function deletePolicy(ctx: AdminContext, id: string): Promise<number> {
  const result = await ctx.client.call(ROUTES.deletePolicy, { params: { id } });
  if (ctx.json) return json(ctx, result);
  ctx.io.stdout(`policy ${id} deleted; ${changesText(result.changes)}\n`);
  return EXIT_OK;
}

type SettingsAnswer = ApplyReport & { settings: AgentSetting[]; changes: ViewChanges };

/** The `waitMs` query and a client timeout that outlasts it. */
export function waitQuery(waitMs: number | undefined): { query: { waitMs?: number }; timeoutMs?: number } {
  return waitMs === undefined ? { query: {} } : { query: { waitMs }, timeoutMs: waitMs + WAIT_MARGIN_MS };
}

async function setSetting(
  ctx: AdminContext,
  scope: SettingScope,
  assignment: string,
  waitMs?: number,
): Promise<number> {
  const { name, value } = parseAssignment(assignment);
  const result: SettingsAnswer = await ctx.client.call(ROUTES.setSetting, {
    body: { scope, type: name, value },
    ...waitQuery(waitMs),
  });
  if (ctx.json) return json(ctx, result);
  ctx.io.stdout(`${name}=${JSON.stringify(value)} set for ${scopeText(scope)}\n`);
  ctx.io.stdout(formatApplyReport(result));
  return EXIT_OK;
}

async function clearSetting(ctx: AdminContext, scope: SettingScope, name: string, waitMs?: number): Promise<number> {
  const result: SettingsAnswer = await ctx.client.call(ROUTES.clearSetting, {
    body: { scope, type: name },
    ...waitQuery(waitMs),
  });
  if (ctx.json) return json(ctx, result);
  ctx.io.stdout(`${name} cleared for ${scopeText(scope)}\n`);
  ctx.io.stdout(formatApplyReport(result));
  return EXIT_OK;
}

async function listSettings(ctx: AdminContext): Promise<number> {
  const result = await ctx.client.call(ROUTES.listSettings);
  if (ctx.json) return json(ctx, result);
  const rows = result.settings.map((s) => [
    s.id,
    s.type,
    JSON.stringify(s.value),
    formatAppliesTo(s.appliesTo),
    String(s.order),
  ]);
  ctx.io.stdout(formatTable(['id', 'setting', 'value', 'applies to', 'order'], rows));
  return EXIT_OK;
}

interface UpgradeAnswer extends ApplyReport {
  text: string;
  dryRun: boolean;
  affected: string[];
}

async function upgrade(
  ctx: AdminContext,
  org: string,
  opts: { acknowledge: boolean; dryRun: boolean; waitMs?: number },
): Promise<number> {
  let result: UpgradeAnswer;
  try {
    result = await ctx.client.call(ROUTES.upgradeOrganization, {
      params: { id: org },
      body: { acknowledge: opts.acknowledge, dryRun: opts.dryRun },
      ...waitQuery(opts.waitMs),
    });
  } catch (error) {
    // A refusal prints like `tollgate upgrade`: the heading and every unmet condition (with --json, as any error).
    if (
      !ctx.json &&
      error instanceof AdminApiError &&
      error.code === 'upgrade-refused' &&
      typeof error.details['text'] === 'string'
    ) {
      ctx.io.stderr(error.details['text']);
      return EXIT_INVALID;
    }
    throw error;
  }
  if (ctx.json) return json(ctx, result);
  ctx.io.stdout(result.text);
  if (!result.dryRun) ctx.io.stdout(formatApplyReport(result));
  return EXIT_OK;
}

async function lint(ctx: AdminContext): Promise<number> {
  const result = await ctx.client.call(ROUTES.lint);
  if (ctx.json) return json(ctx, { warnings: result.warnings });
  ctx.io.stdout(result.text);
  return EXIT_OK;
}

async function publicKey(ctx: AdminContext): Promise<number> {
  const result = await ctx.client.call(ROUTES.publicKey);
  if (ctx.json) return json(ctx, result);
  ctx.io.stdout(result.publicKey.endsWith('\n') ? result.publicKey : `${result.publicKey}\n`);
  return EXIT_OK;
}

/**
 * `--enabled` and its alias `--active` as one value: `enabled` is the
 * canonical word of the CLI; both given with different values is an error.
 */
export function enabledOf(enabled: boolean | undefined, active: boolean | undefined): { enabled?: boolean } {
  if (enabled !== undefined && active !== undefined && enabled !== active) {
    throw new InvalidArgumentError('give --enabled or --active (the same option), not both');
  }
  const value = enabled ?? active;
  return value === undefined ? {} : { enabled: value };
}

/** Adds `tollgate admin ...`, the client of the policy server's admin API (docs/ADMIN.md). */
export function registerAdminCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const run = async (command: Command, action: Action): Promise<void> => setExit(await runAdmin(io, command, action));

  const admin = program
    .command('admin')
    .summary('manage a policy server: world, enrollment, policies, settings, upgrade')
    .description(
      'Talks to the admin API of a running policy server (docs/ADMIN.md). Exit 0 on success, 2 when the input is ' +
        'invalid or the server refuses (the message names the field), 1 when the server cannot be reached.',
    )
    .option(
      '--server <url>',
      `the policy server (default: TOLLGATE_SERVER, the profile's server, ${DEFAULT_ADMIN_SERVER})`,
    )
    .option('--token <token>', 'the admin token')
    .option(
      '--token-file <file>',
      'a file holding the admin token (the server writes DATA_DIR/admin-token; default: TOLLGATE_TOKEN_FILE, ' +
        "the profile's tokenFile)",
    )
    .option(
      '--ca <file>',
      "the CA certificate (PEM) of an https server's certificate (default: TOLLGATE_CA, the profile's ca)",
    )
    .option('--json', "print the server's JSON answer", false);

  admin
    .command('import')
    .summary("replace the server's world with a scenario file (enrollment is kept)")
    .argument('<scenario>', 'the scenario file (YAML or JSON)')
    .option('--dry-run', 'show what would be added, changed and removed, and which computers it affects; store nothing')
    .option('--allow-removals', 'import even though computers of the current world are missing from the file')
    .action(async (scenario: string, opts: { dryRun?: boolean; allowRemovals?: boolean }, command: Command) =>
      run(command, (ctx) =>
        importWorld(ctx, scenario, { dryRun: opts.dryRun === true, allowRemovals: opts.allowRemovals === true }),
      ),
    );

  addOutputOption(
    admin.command('world').summary("the server's world").command('export').summary('write the world as a scenario'),
    'the file to write (.json or .yaml; default: YAML on standard output)',
  ).action(async (opts: { output?: string; out?: string }, command: Command) =>
    run(command, (ctx) => exportWorld(ctx, outputOf(opts))),
  );

  admin
    .command('enroll')
    .summary("create (or replace) a computer's enrollment token and print it")
    .argument('<computer>', 'the computer id')
    .action(async (computer: string, _opts: unknown, command: Command) => run(command, (ctx) => enroll(ctx, computer)));

  admin
    .command('computers')
    .summary('every computer: enrollment, agent, connection, snapshot and settings versions issued and applied')
    .action(async (_opts: unknown, command: Command) => run(command, computers));

  const policies = admin.command('policies').summary('list, add, change, reorder and delete policies');
  policies
    .command('list')
    .summary('every policy')
    .action(async (_opts: unknown, command: Command) => run(command, listPolicies));
  policies
    .command('add')
    .summary('add a policy')
    .option('--app <id>', 'the application (not on the default policy)')
    .requiredOption(
      '--applies-to <kind=id>',
      'global=ORG, global-group=ORG:KEYWORD, organization=ORG, group=GROUP or computer=COMPUTER',
      parseAppliesTo,
    )
    .addOption(new Option('--action <action>', 'what the policy does').choices(POLICY_ACTIONS).makeOptionMandatory())
    .requiredOption(
      '--order <n>',
      'the order number (never negative in a flat organization)',
      signedIntegerOption('--order'),
    )
    .option('--id <id>', 'the policy id (default: generated)')
    .option('--name <name>', 'the policy name')
    .option('--default', 'the catch-all default policy (matches every file; no --app)', false)
    .option('--disabled', 'add it disabled', false)
    .addOption(new Option('--inactive', 'the same as --disabled').hideHelp())
    .option('--expires-at <time>', 'RFC 3339 expiry, e.g. 2026-12-31T23:59:59Z')
    .option('--ringfence <json>', 'the ringfence restrictions (a JSON object)', parseRingfence)
    .action(async (opts: PolicyAddOptions & { inactive?: boolean }, command: Command) =>
      run(command, (ctx) => addPolicy(ctx, { ...opts, disabled: opts.disabled || opts.inactive === true })),
    );
  policies
    .command('set')
    .summary('change fields of a policy')
    .argument('<id>', 'the policy id')
    .option('--order <n>', 'a new order number', signedIntegerOption('--order'))
    .addOption(new Option('--action <action>', 'a new action').choices(POLICY_ACTIONS))
    .option('--enabled <bool>', 'true or false', booleanOption('--enabled'))
    .addOption(new Option('--active <bool>', 'the same as --enabled').hideHelp().argParser(booleanOption('--active')))
    .option('--name <name>', 'a new name')
    .option('--app <id>', 'a new application')
    .option('--applies-to <kind=id>', 'a new Applies To (as for add)', parseAppliesTo)
    .option('--expires-at <time>', 'a new RFC 3339 expiry')
    .action(async (id: string, opts: PolicySetOptions & { active?: boolean }, command: Command) =>
      run(command, (ctx) => {
        const { active, ...patch } = opts;
        return updatePolicy(ctx, id, { ...patch, ...enabledOf(patch.enabled, active) }, 'changed');
      }),
    );
  policies
    .command('enable')
    .summary('enable a policy (alias: activate)')
    .alias('activate')
    .argument('<id>', 'the policy id')
    .action(async (id: string, _opts: unknown, command: Command) =>
      run(command, (ctx) => updatePolicy(ctx, id, { enabled: true }, 'enabled')),
    );
  policies
    .command('disable')
    .summary('disable a policy: kept, not used (alias: deactivate)')
    .alias('deactivate')
    .argument('<id>', 'the policy id')
    .action(async (id: string, _opts: unknown, command: Command) =>
      run(command, (ctx) => updatePolicy(ctx, id, { enabled: false }, 'disabled')),
    );
  policies
    .command('move')
    .summary('reorder a policy: give it a new order number')
    .argument('<id>', 'the policy id')
    .requiredOption('--order <n>', 'the new order number', signedIntegerOption('--order'))
    .action(async (id: string, opts: { order: number }, command: Command) =>
      run(command, (ctx) => updatePolicy(ctx, id, { order: opts.order }, `moved to order ${opts.order}`)),
    );
  policies
    .command('delete')
    .summary('delete a policy')
    .argument('<id>', 'the policy id')
    .action(async (id: string, _opts: unknown, command: Command) => run(command, (ctx) => deletePolicy(ctx, id)));

  const settings = admin.command('settings').summary('agent settings pushed to computers');
  addScopeOptions(
    settings
      .command('set')
      .summary('set an agent setting and report which agents applied it')
      .argument('<assignment>', 'NAME=VALUE, e.g. prioritizeBuiltInApplications=false (true/false, numbers, text)'),
  )
    .option(
      '--wait-ms <n>',
      'how long to wait for agents to acknowledge (server default 2000, at most 30000)',
      integerOption('--wait-ms'),
    )
    .action(async (assignment: string, opts: ScopeOptions & { waitMs?: number }, command: Command) =>
      run(command, (ctx) => setSetting(ctx, scopeOf(opts), assignment, opts.waitMs)),
    );
  addScopeOptions(
    settings
      .command('clear')
      .summary('remove an agent setting from a scope; the next one that applies (or the default) takes over')
      .argument('<name>', 'the setting, e.g. prioritizeBuiltInApplications'),
  )
    .option('--wait-ms <n>', 'how long to wait for agents to acknowledge', integerOption('--wait-ms'))
    .action(async (name: string, opts: ScopeOptions & { waitMs?: number }, command: Command) =>
      run(command, (ctx) => clearSetting(ctx, scopeOf(opts), name, opts.waitMs)),
    );
  settings
    .command('list')
    .summary('every agent setting entry')
    .action(async (_opts: unknown, command: Command) => run(command, listSettings));

  admin
    .command('upgrade')
    .summary('upgrade an organization to the flat policy structure (cannot be undone)')
    .argument('<org>', 'the organization')
    .option('--acknowledge', 'acknowledge that the order of policies may be affected', false)
    .option('--dry-run', 'only show the renumbering and the discrepancies', false)
    .option('--wait-ms <n>', 'how long to wait for agents to apply the new snapshots', integerOption('--wait-ms'))
    .action(async (org: string, opts: { acknowledge: boolean; dryRun: boolean; waitMs?: number }, command: Command) =>
      run(command, (ctx) => upgrade(ctx, org, opts)),
    );

  admin
    .command('lint')
    .summary("lint the server's world")
    .action(async (_opts: unknown, command: Command) => run(command, lint));

  admin
    .command('public-key')
    .summary('the public key agents pin (PEM)')
    .action(async (_opts: unknown, command: Command) => run(command, publicKey));
}
