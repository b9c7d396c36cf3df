import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { ApprovalQuery } from '../engine/approvals.js';
import { TollgateError } from '../engine/errors.js';
import type { ApprovalSuggestion, Decision, FileRequest, SettingValue } from '../engine/model.js';
import type { CaseTarget } from '../engine/replay.js';
import { PRIORITIZE_SETTING } from '../engine/settings.js';
import { SHA256_PATTERN, THUMBPRINT_PATTERN } from '../engine/validate.js';
import { LocalClient, type RequestBody } from '../local/client.js';
import { fileKind, READ_FLAGS } from '../scenario/bounded-read.js';
import { loadFixtures } from '../scenario/load.js';
import type { AgentStatus, LocalResponse } from '../wire/local-api.js';
import { filterCases, replayCases, type ReplayOptions } from './file-commands.js';
import { EXIT_DENIED, EXIT_FAILED, EXIT_OK, type CliIo } from './io.js';
import { readSnapshotFile } from './snapshot-commands.js';
import { tollgateVersion } from './version.js';
import { writeOutputFile } from './output-file.js';

/**
 * How long a command waits for the daemon to connect and to answer each
 * request: a daemon that is stopped (SIGSTOP), or another program listening
 * on the path, must not hang a health check. An apply waits longer (a
 * snapshot of a million policies takes seconds).
 */
export const CLI_ANSWER_TIMEOUT_MS = 30_000;
export const CLI_APPLY_TIMEOUT_MS = 600_000;

async function withClient<T>(
  socketPath: string,
  fn: (client: LocalClient) => Promise<T>,
  timeoutMs: number = CLI_ANSWER_TIMEOUT_MS,
): Promise<T> {
  const client = await LocalClient.connect(socketPath, { timeoutMs });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

function expectKind<K extends LocalResponse['kind']>(
  response: LocalResponse,
  kind: K,
): Extract<LocalResponse, { kind: K }> {
  if (response.kind !== kind)
    throw new TollgateError('bad-response', `expected a ${kind} response, got ${response.kind}`);
  return response as Extract<LocalResponse, { kind: K }>;
}

/**
 * Answers fixture cases from a running daemon; cases for other computers
 * fail with a clear error. A case the daemon answers by closing the
 * connection (a request past its frame limit, say) fails with that error,
 * and the next case is asked on a new connection (`reconnect`), not failed
 * with the same error.
 */
export class SocketTarget implements CaseTarget {
  private client: LocalClient;
  private readonly computerId: string;
  private readonly reconnect: (() => Promise<LocalClient>) | undefined;
  /** The connections this target made itself, closed by close(). */
  private readonly own: LocalClient[] = [];

  constructor(client: LocalClient, computerId: string, reconnect?: () => Promise<LocalClient>) {
    this.client = client;
    this.computerId = computerId;
    this.reconnect = reconnect;
  }

  /** The connection to ask on: a new one when the last has failed and a reconnect was given. */
  private async connection(): Promise<LocalClient> {
    if (this.client.failed && this.reconnect !== undefined) {
      this.client = await this.reconnect();
      this.own.push(this.client);
    }
    return this.client;
  }

  /** Closes the connections this target made (not the one it was given). */
  close(): void {
    for (const client of this.own) client.close();
  }

  private checkComputer(computer: string): void {
    if (computer !== this.computerId) {
      throw new TollgateError(
        'wrong-computer',
        `the daemon is computer ${this.computerId}, the case is for ${computer}`,
      );
    }
  }

  async decide(
    computer: string,
    file: FileRequest,
    options: { at?: string; settings?: Record<string, SettingValue> },
  ): Promise<Decision> {
    this.checkComputer(computer);
    const body: RequestBody = { kind: 'evaluateFile', file };
    if (options.at !== undefined) body.atMs = Date.parse(options.at);
    if (options.settings !== undefined) body.settings = options.settings;
    return expectKind(await (await this.connection()).call(body), 'decision').decision;
  }

  async suggest(computer: string, approval: ApprovalQuery): Promise<ApprovalSuggestion> {
    this.checkComputer(computer);
    return expectKind(
      await (await this.connection()).call({ kind: 'evaluateApproval', query: approval, submit: false }),
      'suggestion',
    ).suggestion;
  }
}

/**
 * `tollgate replay --socket PATH FIXTURES`: the cases of the daemon's own
 * computer run; the others are reported as not run (counted in the summary).
 */
export async function replaySocket(
  io: CliIo,
  socketPath: string,
  fixturesPath: string,
  options: ReplayOptions,
): Promise<number> {
  const cases = filterCases(await loadFixtures(fixturesPath), options.filter);
  return withClient(socketPath, async (client) => {
    const status = expectKind(await client.call({ kind: 'status' }), 'status').status;
    const notRun = new Map<(typeof cases)[number], string>();
    for (const c of cases) {
      if (c.computer !== status.computerId) {
        notRun.set(c, `computer ${c.computer} is not this daemon's computer (${status.computerId})`);
      }
    }
    const target = new SocketTarget(client, status.computerId, () =>
      LocalClient.connect(socketPath, { timeoutMs: CLI_ANSWER_TIMEOUT_MS }),
    );
    try {
      return await replayCases(io, target, cases, fixturesPath, options, notRun);
    } finally {
      target.close();
    }
  });
}

export interface QueryOptions extends Partial<FileRequest> {
  socket: string;
  json: boolean;
  /** A file on disk to hash (SHA-256); its absolute path is the path unless `path` is given. */
  file?: string;
  /** The largest file `file` may be. */
  maxFileBytes?: number;
  /** Exit EXIT_DENIED when the decision denies the file. */
  exitCode?: boolean;
}

/** How much of a hashed file is read at a time. */
const HASH_CHUNK_BYTES = 1024 * 1024;

/** The SHA-256 of a file, read in chunks; a file past `maxBytes` (or not a regular file) is refused. */
export async function hashFile(file: string, maxBytes: number): Promise<string> {
  const cannotRead = (error: unknown): TollgateError =>
    new TollgateError('invalid-input', `--file ${file}: cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  let handle: FileHandle;
  let size: number;
  try {
    // Looked at before it is opened (a device is not opened), and opened without waiting (a FIFO would wait for a
    // writer); what was opened is looked at again, in case the path was given another file in between.
    const before = await stat(file);
    if (!before.isFile()) throw notRegular(file, before);
    handle = await open(file, READ_FLAGS);
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    throw cannotRead(error);
  }
  try {
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw notRegular(file, info);
      size = info.size;
    } catch (error) {
      if (error instanceof TollgateError) throw error;
      throw cannotRead(error);
    }
    if (size > maxBytes) {
      throw new TollgateError(
        'file-too-large',
        `--file ${file}: ${size} bytes, more than --max-file-bytes (${maxBytes}) allows`,
      );
    }
    const hash = createHash('sha256');
    const chunk = Buffer.allocUnsafe(HASH_CHUNK_BYTES);
    let read = 0;
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, chunk.length, null));
      } catch (error) {
        throw cannotRead(error);
      }
      if (bytesRead === 0) break;
      read += bytesRead;
      // The file may grow while it is read: the bound holds for what is read.
      if (read > maxBytes) {
        throw new TollgateError('file-too-large', `--file ${file}: grew past --max-file-bytes (${maxBytes})`);
      }
      hash.update(chunk.subarray(0, bytesRead));
    }
    return hash.digest('hex');
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function notRegular(file: string, info: Stats): TollgateError {
  return new TollgateError('invalid-input', `--file ${file}: is ${fileKind(info)}, not a regular file`);
}

/** Whether a decision keeps the file from running (`query --exit-code`). */
export function denies(decision: Decision): boolean {
  return decision.action === 'deny' || decision.action === 'denyWithRequest';
}

export interface RequestApprovalOptions extends Pick<
  FileRequest,
  'path' | 'sha256' | 'certSubject' | 'certThumbprint'
> {
  socket: string;
  user: string;
  reason: string;
  app?: string;
  category?: string;
  subcategory?: string;
  primaryCompanyInfluence?: string[];
  developmentInfluence?: string[];
  json: boolean;
}

/** An argument as an error quotes it: at most 100 characters of it. */
function shownArgument(value: string): string {
  return value.length <= 100
    ? JSON.stringify(value)
    : `${JSON.stringify(value.slice(0, 100))}... (${value.length} characters)`;
}

/** The file fields of command-line options (absent options stay absent). */
function fileOf(options: FileRequest): FileRequest {
  // A hash given by hand is checked here: the daemon answers one that is not hex as a file no hash rule matches.
  if (options.sha256 !== undefined && !SHA256_PATTERN.test(options.sha256)) {
    throw new TollgateError('invalid-input', `--sha256 ${shownArgument(options.sha256)} is not 64 hex digits`);
  }
  if (options.certThumbprint !== undefined && !THUMBPRINT_PATTERN.test(options.certThumbprint)) {
    throw new TollgateError(
      'invalid-input',
      `--cert-thumbprint ${shownArgument(options.certThumbprint)} is not 40 or 64 hex digits`,
    );
  }
  const file: FileRequest = { path: options.path };
  for (const key of ['sha256', 'certSubject', 'certThumbprint', 'processPath', 'createdBy'] as const) {
    const value = options[key];
    if (value !== undefined) file[key] = value;
  }
  return file;
}

/** A suggestion as text: the suggestion and why, then what the approvals team is handed. */
export function formatSuggestion(suggestion: ApprovalSuggestion, requestId: string | undefined): string {
  const lines = [`${suggestion.suggestion}  ${suggestion.reason}`];
  if (requestId !== undefined)
    lines.push(`request ${requestId} stored: it is delivered to the policy server when connected`);
  lines.push(`permit target  ${suggestion.permitTarget}`);
  if (suggestion.instructions !== '') lines.push(`instructions   ${suggestion.instructions}`);
  lines.push(
    `escalation to  ${suggestion.escalationEmails.length === 0 ? '(nobody)' : suggestion.escalationEmails.join(', ')}`,
  );
  for (const warning of suggestion.warnings) lines.push(`note           ${warning}`);
  return lines.join('\n') + '\n';
}

/** `tollgate request`: submits an approval request; the daemon answers with its suggestion and stores the request. */
export async function requestApproval(io: CliIo, options: RequestApprovalOptions): Promise<number> {
  if (options.app === undefined && options.category === undefined) {
    throw new TollgateError('invalid-input', 'request needs --app ID or --category CATEGORY');
  }
  const file = fileOf(options);
  const query: ApprovalQuery = {};
  for (const key of ['app', 'category', 'subcategory', 'primaryCompanyInfluence', 'developmentInfluence'] as const) {
    const value = options[key];
    if (value !== undefined) (query as Record<string, unknown>)[key] = value;
  }
  const response = await withClient(options.socket, async (client) =>
    expectKind(
      await client.call({
        kind: 'evaluateApproval',
        query,
        submit: true,
        file,
        user: options.user,
        reason: options.reason,
      }),
      'suggestion',
    ),
  );
  if (options.json) {
    io.stdout(JSON.stringify({ requestId: response.requestId ?? null, ...response.suggestion }, null, 2) + '\n');
  } else {
    io.stdout(formatSuggestion(response.suggestion, response.requestId));
  }
  return EXIT_OK;
}

/** `tollgate query`: one decision from a running daemon. */
export async function queryDaemon(io: CliIo, options: QueryOptions): Promise<number> {
  let request: FileRequest;
  if (options.file !== undefined) {
    if (options.sha256 !== undefined) {
      throw new TollgateError('invalid-input', 'give --file (tollgate hashes it) or --sha256, not both');
    }
    const sha256 = await hashFile(options.file, options.maxFileBytes ?? Number.MAX_SAFE_INTEGER);
    request = { ...options, path: options.path ?? resolve(options.file), sha256 };
  } else if (options.path !== undefined) {
    request = { ...options, path: options.path };
  } else {
    throw new TollgateError('invalid-input', 'query needs --path PATH or --file FILE');
  }
  const file = fileOf(request);
  const decision = await withClient(
    options.socket,
    async (client) => expectKind(await client.call({ kind: 'evaluateFile', file }), 'decision').decision,
  );
  if (options.json) {
    io.stdout(JSON.stringify(decision, null, 2) + '\n');
  } else {
    io.stdout(`${decision.action}  ${decision.reason}\n`);
  }
  return options.exitCode === true && denies(decision) ? EXIT_DENIED : EXIT_OK;
}

function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/** Human text for a status. */
export function formatStatus(status: AgentStatus, nowMs: number): string {
  const lines = [
    `tollgate         ${tollgateVersion()}`,
    `daemon           ${status.daemonVersion === undefined ? 'unknown (it does not report its version)' : `tollgate ${status.daemonVersion}`}`,
    `computer         ${status.computerId} (agent ${status.agentVersion === '' ? 'version unknown' : status.agentVersion} on ${status.os})`,
    status.snapshotVersion === null
      ? 'snapshot         none (answering without a policy snapshot)'
      : `snapshot         version ${status.snapshotVersion}, issued ${formatAge(nowMs - (status.snapshotIssuedAtMs ?? nowMs))} ago, ${status.policyCount} policies`,
    `structure        ${status.structure}${status.orgStructure !== null && status.orgStructure !== status.structure ? ` (organization is ${status.orgStructure})` : ''}`,
    `built-ins first  ${status.builtInsFirst ? 'yes' : 'no'}`,
    `gated features   ${status.gated.length === 0 ? 'none' : status.gated.join(', ')}`,
    `settings         v${status.settingsVersion} ${
      Object.keys(status.settings).length === 0
        ? '(every setting at its default)'
        : Object.entries(status.settings)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(' ')
    }`,
    `decisions        ${Object.entries(status.decisions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `latency          p50 ${status.latencyP50Us.toFixed(1)} µs, p99 ${status.latencyP99Us.toFixed(1)} µs`,
    `outbox           ${status.outboxDepth} waiting`,
    `sync             ${status.syncState}${status.serverUrl === null ? '' : ` (${status.serverUrl})`}${
      status.syncDownSinceMs === null ? '' : `, no working connection for ${formatAge(nowMs - status.syncDownSinceMs)}`
    }${status.lastSyncAtMs === null ? '' : `, last sync ${formatAge(nowMs - status.lastSyncAtMs)} ago`}`,
    `uptime           ${formatAge(status.uptimeMs)}`,
  ];
  if (status.metricsAddress !== null) lines.push(`metrics          http://${status.metricsAddress}/metrics`);
  return lines.join('\n') + '\n';
}

/** `tollgate status`. */
export async function statusOfDaemon(io: CliIo, socketPath: string, json: boolean): Promise<number> {
  const status = await withClient(
    socketPath,
    async (client) => expectKind(await client.call({ kind: 'status' }), 'status').status,
  );
  io.stdout(
    json
      ? JSON.stringify({ tollgateVersion: tollgateVersion(), ...status }, null, 2) + '\n'
      : formatStatus(status, io.nowMs()),
  );
  return EXIT_OK;
}

/** Exit codes of `tollgate status --check` (docs/DAEMON.md, "Health checks"). */
export const STATUS_CHECK_EXIT = Object.freeze({
  healthy: EXIT_OK,
  daemonUnreachable: EXIT_FAILED,
  noSnapshot: 3,
  staleSnapshot: 4,
  serverUnreachable: 5,
});

/** How long the connection to the server may be down before `status --check` fails, by default (5 minutes). */
export const DEFAULT_MAX_DISCONNECTED_MS = 5 * 60_000;

export interface StatusCheckOptions {
  /** The snapshot must have been applied or confirmed current by the server within this time; absent: not checked. */
  maxAgeMs?: number;
  /** The connection to the server may be down this long at most (when a server is configured). */
  maxDisconnectedMs: number;
}

/** One problem `status --check` found. */
export interface StatusProblem {
  code: 'daemon-unreachable' | 'no-snapshot' | 'stale-snapshot' | 'server-unreachable';
  message: string;
}

/** What `status --check` concludes: the exit code, and every problem (the first decides the code). */
export interface StatusCheck {
  healthy: boolean;
  exitCode: number;
  problems: StatusProblem[];
}

const PROBLEM_EXIT: Record<StatusProblem['code'], number> = {
  'daemon-unreachable': STATUS_CHECK_EXIT.daemonUnreachable,
  'no-snapshot': STATUS_CHECK_EXIT.noSnapshot,
  'stale-snapshot': STATUS_CHECK_EXIT.staleSnapshot,
  'server-unreachable': STATUS_CHECK_EXIT.serverUnreachable,
};

/**
 * Judges a daemon's status at `nowMs`: no snapshot; a snapshot not known to
 * be current for longer than `maxAgeMs` (it counts from when it was
 * applied, or from the last time the server confirmed it holds the newest
 * versions, whichever is later: a snapshot that did not change because the
 * policies did not is not stale); the connection to the server down for
 * longer than `maxDisconnectedMs`.
 */
export function checkStatus(status: AgentStatus, nowMs: number, options: StatusCheckOptions): StatusCheck {
  const problems: StatusProblem[] = [];
  if (status.snapshotVersion === null) {
    problems.push({ code: 'no-snapshot', message: 'the daemon holds no policy snapshot' });
  } else if (options.maxAgeMs !== undefined) {
    const currentAt = Math.max(status.snapshotAppliedAtMs ?? 0, status.lastSyncAtMs ?? 0);
    const ageMs = nowMs - currentAt;
    if (ageMs > options.maxAgeMs) {
      problems.push({
        code: 'stale-snapshot',
        message: `snapshot version ${status.snapshotVersion} was last known current ${formatAge(ageMs)} ago (--max-age ${formatAge(options.maxAgeMs)})`,
      });
    }
  }
  if (status.syncState !== 'disabled' && status.syncDownSinceMs !== null) {
    const downMs = nowMs - status.syncDownSinceMs;
    if (downMs > options.maxDisconnectedMs) {
      problems.push({
        code: 'server-unreachable',
        message: `no working connection to the server${status.serverUrl === null ? '' : ` (${status.serverUrl})`} for ${formatAge(downMs)}, now ${status.syncState} (--max-disconnected ${formatAge(options.maxDisconnectedMs)})`,
      });
    }
  }
  const first = problems[0];
  return {
    healthy: first === undefined,
    exitCode: first === undefined ? STATUS_CHECK_EXIT.healthy : PROBLEM_EXIT[first.code],
    problems,
  };
}

/** `tollgate status --check`: one line (or JSON) saying healthy or what is wrong; the exit code says which. */
export async function checkDaemon(
  io: CliIo,
  socketPath: string,
  json: boolean,
  options: StatusCheckOptions,
): Promise<number> {
  let status: AgentStatus;
  try {
    status = await withClient(
      socketPath,
      async (client) => expectKind(await client.call({ kind: 'status' }), 'status').status,
    );
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    // A daemon that does not answer is the plainest unhealthy daemon: reported like the other problems.
    const problem: StatusProblem = { code: 'daemon-unreachable', message: `cannot ask the daemon: ${error.message}` };
    const exitCode = STATUS_CHECK_EXIT.daemonUnreachable;
    io.stdout(
      json
        ? JSON.stringify({ healthy: false, exitCode, problems: [problem] }) + '\n'
        : `unhealthy: ${problem.message}\n`,
    );
    return exitCode;
  }
  const check = checkStatus(status, io.nowMs(), options);
  if (json) {
    io.stdout(
      JSON.stringify({
        healthy: check.healthy,
        exitCode: check.exitCode,
        problems: check.problems,
        computerId: status.computerId,
        snapshotVersion: status.snapshotVersion,
        syncState: status.syncState,
      }) + '\n',
    );
  } else if (check.healthy) {
    io.stdout(`healthy: snapshot version ${String(status.snapshotVersion)}, sync ${status.syncState}\n`);
  } else {
    io.stdout(`unhealthy: ${check.problems.map((p) => p.message).join('; ')}\n`);
  }
  return check.exitCode;
}

/** What an admin request on the client socket is told: where the admin socket is. */
export const ADMIN_SOCKET_HINT =
  'give --socket the admin socket (adminSocket.path; by default the client socket path with .admin before its extension)';

/** `tollgate decisions export`: the decision log as a fixture file a tester can replay (admin socket). */
export async function exportDecisions(io: CliIo, socketPath: string, outFile: string, limit: number): Promise<number> {
  const response = await withClient(
    socketPath,
    (client) => client.request({ kind: 'exportDecisions', limit }),
    CLI_APPLY_TIMEOUT_MS,
  );
  if (response.kind === 'error') {
    const hint = response.code === 'admin-socket-required' ? `: ${ADMIN_SOCKET_HINT}` : '';
    io.reportError?.(response.code);
    io.stderr(`refused: ${response.message}${hint}\n`);
    return EXIT_FAILED;
  }
  const log = expectKind(response, 'decisions');
  const cases = log.entries.map((entry, i) => ({
    name: `#${i + 1} ${entry.file.path} at ${new Date(entry.atMs).toISOString()}`,
    computer: log.computerId,
    at: new Date(entry.atMs).toISOString(),
    // The settings in force when the daemon decided: the case replays the same after a settings toggle.
    settings: { [PRIORITIZE_SETTING]: entry.decision.builtInsFirst },
    file: entry.file,
    expect: { action: entry.decision.action, policy: entry.decision.policy },
  }));
  const text =
    extname(outFile).toLowerCase() === '.json' ? JSON.stringify({ cases }, null, 2) + '\n' : toYaml({ cases });
  await writeOutputFile(outFile, text, []);
  io.stdout(`${cases.length} decisions written to ${outFile}\n`);
  return EXIT_OK;
}

/** `tollgate snapshot apply --socket ADMIN-SOCKET FILE`: hands a signed snapshot file to a running daemon. */
export async function applySnapshotFile(io: CliIo, socketPath: string, file: string): Promise<number> {
  const snapshot = await readSnapshotFile(file);
  const response = await withClient(
    socketPath,
    (client) => client.request({ kind: 'applySnapshot', snapshot }),
    CLI_APPLY_TIMEOUT_MS,
  );
  if (response.kind === 'error') {
    const hint = response.code === 'admin-socket-required' ? `: ${ADMIN_SOCKET_HINT}` : '';
    io.reportError?.(response.code);
    io.stderr(`refused: ${response.message}${hint}\n`);
    return EXIT_FAILED;
  }
  const applied = expectKind(response, 'applied');
  io.stdout(`snapshot version ${applied.snapshotVersion} applied\n`);
  return EXIT_OK;
}
