// `tollgate status --check`: every outcome judged from a status, and the
// command against a real Unix socket answering a given status.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main, parseDurationMs } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import {
  DEFAULT_MAX_DISCONNECTED_MS,
  STATUS_CHECK_EXIT,
  checkStatus,
  formatStatus,
} from '../../src/cli/socket-commands.js';
import { LocalServer } from '../../src/local/server.js';
import type { AgentStatus } from '../../src/wire/local-api.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const MIN = 60_000;

const HEALTHY: AgentStatus = {
  computerId: 'till-1',
  agentVersion: '10.6.2',
  os: 'windows',
  snapshotVersion: 7,
  snapshotIssuedAtMs: NOW - 3 * 24 * 60 * MIN,
  snapshotAppliedAtMs: NOW - 2 * 24 * 60 * MIN,
  orgStructure: 'flat',
  structure: 'flat',
  builtInsFirst: true,
  gated: [],
  settings: {},
  settingSources: {},
  settingsVersion: 2,
  policyCount: 3,
  decisions: { permit: 1, deny: 0, denyWithRequest: 0, ringfence: 0 },
  latencyP50Us: 2,
  latencyP99Us: 9,
  outboxDepth: 0,
  uptimeMs: 60 * MIN,
  syncState: 'connected',
  serverUrl: 'wss://policy.example/agent',
  lastSyncAtMs: NOW - 2 * MIN,
  syncDownSinceMs: null,
  metricsAddress: null,
};

const OPTIONS = { maxDisconnectedMs: DEFAULT_MAX_DISCONNECTED_MS };

describe('checkStatus', () => {
  it('is healthy when a snapshot is held and the server is connected', () => {
    expect(checkStatus(HEALTHY, NOW, OPTIONS)).toEqual({ healthy: true, exitCode: 0, problems: [] });
  });

  it('exits 3 without a snapshot', () => {
    const check = checkStatus({ ...HEALTHY, snapshotVersion: null, snapshotAppliedAtMs: null }, NOW, OPTIONS);
    expect(check.exitCode).toBe(STATUS_CHECK_EXIT.noSnapshot);
    expect(check.problems.map((p) => p.code)).toEqual(['no-snapshot']);
  });

  it('counts the age from the later of applied and last confirmed current, and checks it only with maxAgeMs', () => {
    // Applied two days ago, confirmed current by the server two minutes ago: not stale at 5 minutes.
    expect(checkStatus(HEALTHY, NOW, { ...OPTIONS, maxAgeMs: 5 * MIN }).healthy).toBe(true);
    const unsynced = { ...HEALTHY, lastSyncAtMs: null };
    expect(checkStatus(unsynced, NOW, OPTIONS).healthy).toBe(true);
    const stale = checkStatus(unsynced, NOW, { ...OPTIONS, maxAgeMs: 24 * 60 * MIN });
    expect(stale.exitCode).toBe(STATUS_CHECK_EXIT.staleSnapshot);
    expect(stale.problems[0]?.message).toMatch(/snapshot version 7 was last known current 48 h ago/);
    const justInside = { ...HEALTHY, lastSyncAtMs: NOW - 5 * MIN };
    expect(checkStatus(justInside, NOW, { ...OPTIONS, maxAgeMs: 5 * MIN }).healthy).toBe(true);
    expect(checkStatus(justInside, NOW, { ...OPTIONS, maxAgeMs: 5 * MIN - 1 }).exitCode).toBe(4);
  });

  it('exits 5 when the server connection is down for longer than maxDisconnectedMs, not before', () => {
    const down = { ...HEALTHY, syncState: 'connecting' as const, syncDownSinceMs: NOW - 6 * MIN };
    const check = checkStatus(down, NOW, OPTIONS);
    expect(check.exitCode).toBe(STATUS_CHECK_EXIT.serverUnreachable);
    expect(check.problems[0]?.message).toMatch(
      /no working connection to the server \(wss:\/\/policy.example\/agent\) for 6 min, now connecting/,
    );
    expect(checkStatus(down, NOW, { maxDisconnectedMs: 10 * MIN }).healthy).toBe(true);
    // An open connection whose hello is refused (a wrong token) is no working connection either.
    const refused = { ...HEALTHY, syncState: 'connected' as const, syncDownSinceMs: NOW - 6 * MIN };
    expect(checkStatus(refused, NOW, OPTIONS).exitCode).toBe(5);
    // A daemon without a server is never unreachable.
    const alone = { ...HEALTHY, syncState: 'disabled' as const, serverUrl: null, syncDownSinceMs: null };
    expect(checkStatus(alone, NOW, { maxDisconnectedMs: 0 }).healthy).toBe(true);
  });

  it('reports every problem, the first deciding the exit code', () => {
    const check = checkStatus(
      { ...HEALTHY, snapshotVersion: null, syncState: 'disconnected', syncDownSinceMs: NOW - 60 * MIN },
      NOW,
      { maxAgeMs: MIN, maxDisconnectedMs: MIN },
    );
    expect(check.problems.map((p) => p.code)).toEqual(['no-snapshot', 'server-unreachable']);
    expect(check.exitCode).toBe(3);
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['30m', 30 * MIN],
    ['2h', 120 * MIN],
    ['1d', 24 * 60 * MIN],
  ])('%s is %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['', '5', '5x', '-1s', '1.5h', 'm'])('refuses %j', (text) => expect(parseDurationMs(text)).toBeNull());
});

describe('tollgate status --check against a socket', () => {
  let dir: string;
  let server: LocalServer;
  let answer: AgentStatus;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-check-'));
    answer = HEALTHY;
    server = new LocalServer((request) => ({ id: request.id, kind: 'status', status: answer }), {
      socketPath: join(dir, 'agent.sock'),
      mode: 0o600,
      maxFrameBytes: 1024 * 1024,
      maxConnections: 4,
    });
    await server.listen();
  });

  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), nowMs: () => NOW };
    const code = await main(['status', '--socket', join(dir, 'agent.sock'), ...args], io);
    return { code, stdout, stderr };
  }

  it('prints one line and exits 0 when healthy', async () => {
    const result = await run('--check', '--max-age', '10m');
    expect(result).toEqual({ code: 0, stdout: 'healthy: snapshot version 7, sync connected\n', stderr: '' });
  });

  it('prints what is wrong and exits with its code; JSON with --json', async () => {
    answer = { ...HEALTHY, lastSyncAtMs: NOW - 20 * MIN, snapshotAppliedAtMs: NOW - 30 * MIN };
    const text = await run('--check', '--max-age', '10m');
    expect(text.code).toBe(4);
    expect(text.stdout).toBe('unhealthy: snapshot version 7 was last known current 20 min ago (--max-age 10 min)\n');
    const json = await run('--check', '--max-age', '10m', '--json');
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toEqual({
      healthy: false,
      exitCode: 4,
      problems: [{ code: 'stale-snapshot', message: expect.stringMatching(/20 min ago/) as unknown }],
      computerId: 'till-1',
      snapshotVersion: 7,
      syncState: 'connected',
    });
  });

  it('uses --max-disconnected, 5 minutes by default', async () => {
    answer = { ...HEALTHY, syncState: 'connecting', syncDownSinceMs: NOW - 4 * MIN };
    expect((await run('--check')).code).toBe(0);
    expect((await run('--check', '--max-disconnected', '3m')).code).toBe(5);
  });

  it('exits 1 with one line when the daemon does not answer', async () => {
    await server.close();
    const result = await run('--check');
    expect(result.code).toBe(STATUS_CHECK_EXIT.daemonUnreachable);
    expect(result.stdout).toMatch(/^unhealthy: cannot ask the daemon: cannot connect to .*agent\.sock/);
  });

  it('refuses a bad duration and the check options without --check, exit 2', async () => {
    const bad = await run('--check', '--max-age', '10 minutes');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-age takes a duration/);
    const without = await run('--max-age', '10m');
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/--max-age and --max-disconnected go with --check/);
  });
});

describe('formatStatus', () => {
  it('says what a status without an agent version or settings holds, rather than leaving blanks', () => {
    const fresh = { ...HEALTHY, agentVersion: '', snapshotVersion: null, settingsVersion: 0 };
    const text = formatStatus(fresh, NOW);
    expect(text).toContain('computer         till-1 (agent version unknown on windows)\n');
    expect(text).toContain('settings         v0 (every setting at its default)\n');
    expect(text).toContain('snapshot         none (answering without a policy snapshot)\n');
    const set = formatStatus({ ...HEALTHY, settings: { prioritizeBuiltInApplications: false } }, NOW);
    expect(set).toContain('computer         till-1 (agent 10.6.2 on windows)\n');
    expect(set).toContain('settings         v2 prioritizeBuiltInApplications=false\n');
  });
});
