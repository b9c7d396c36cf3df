import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../daemon/main.js';
import { LocalClient } from '../../src/local/client.js';
import { ScenarioTarget } from '../../src/engine/replay.js';
import { loadScenario } from '../../src/scenario/load.js';
import { encodeFrame, FRAME_HEADER_BYTES } from '../../src/wire/framing.js';
import { decodeResponse, encodeRequest, type LocalResponse } from '../../src/wire/local-api.js';
import { FrameDecoder } from '../../src/wire/framing.js';
import {
  CONTRACT_CASES,
  CONTRACT_SCENARIO,
  cli,
  startDaemon,
  workspace,
  writeConfig,
  type DaemonHandle,
  type Workspace,
} from '../support/daemon-process.js';

const CHROME = { path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', certSubject: 'CN=Google LLC' };
const SOLITAIRE = { path: 'C:\\Games\\solitaire.exe' };

async function ask(socket: string, file: { path: string; certSubject?: string }): Promise<LocalResponse> {
  const client = await LocalClient.connect(socket);
  try {
    return await client.request({ kind: 'evaluateFile', file });
  } finally {
    client.close();
  }
}

async function status(socket: string) {
  const client = await LocalClient.connect(socket);
  try {
    const response = await client.call({ kind: 'status' });
    if (response.kind !== 'status') throw new Error(`unexpected ${response.kind}`);
    return response.status;
  } finally {
    client.close();
  }
}

/** Reads raw response frames from a socket until it closes. */
function collectFrames(socket: Socket): Promise<LocalResponse[]> {
  const decoder = new FrameDecoder(1 << 20);
  const responses: LocalResponse[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) responses.push(decodeResponse(frame));
  });
  return new Promise((resolve) => socket.on('close', () => resolve(responses)));
}

/** A raw connection; with `allowHalfOpen` it stays open after the daemon ends its side, until it is ended here. */
function connectRaw(path: string, options: { allowHalfOpen?: boolean } = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path, allowHalfOpen: options.allowHalfOpen ?? false });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('the daemon as a real process', () => {
  let ws: Workspace;
  let daemon: DaemonHandle;
  let socket: string;
  let v1: string;

  beforeAll(async () => {
    ws = await workspace();
    v1 = await ws.snapshot('till-1', 1);
    const config = writeConfig(ws, 'main', { seedSnapshot: v1 });
    socket = join(ws.dir, 'main.sock');
    daemon = await startDaemon(config, socket);
    await daemon.waitForLog((l) => l['msg'] === 'seed snapshot applied');
  });

  afterAll(async () => {
    await daemon?.stop();
    ws?.cleanup();
  });

  it('answers with the seeded snapshot, as the scenario does', async () => {
    const world = await loadScenario(CONTRACT_SCENARIO);
    const local = new ScenarioTarget(world, () => Date.now());
    for (const file of [CHROME, SOLITAIRE]) {
      const response = await ask(socket, file);
      expect(response.kind).toBe('decision');
      if (response.kind !== 'decision') return;
      expect({ ...response.decision, snapshotVersion: null }).toEqual(local.decide('till-1', file, {}));
      expect(response.decision.snapshotVersion).toBe(1);
    }
  });

  it('creates the client socket with mode 0660 and the admin socket beside it with mode 0600', async () => {
    const { statSync } = await import('node:fs');
    expect(statSync(socket).mode & 0o777).toBe(0o660);
    expect(daemon.adminSocket).toBe(join(ws.dir, 'main.admin.sock'));
    expect(statSync(daemon.adminSocket).mode & 0o777).toBe(0o600);
  });

  it('refuses snapshot apply and decision export on the client socket, naming the admin socket', async () => {
    const v3 = await ws.snapshot('till-1', 3, { name: 'client-socket-v3.bin' });
    const applied = await cli(['snapshot', 'apply', v3, '--socket', socket]);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(/admin socket/);
    const exported = await cli(['decisions', 'export', '--socket', socket, '--out', join(ws.dir, 'refused.yaml')]);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toMatch(/exportDecisions is served on the admin socket only/);
    expect(existsSync(join(ws.dir, 'refused.yaml'))).toBe(false);
    expect((await status(socket)).snapshotVersion).toBe(1);
  });

  it('refuses a snapshot signed with another key and an old version, and keeps serving the last good one', async () => {
    const other = await cli(['keygen', '--out', join(ws.dir, 'other-keys')]);
    expect(other.code).toBe(0);
    const forged = await ws.snapshot('till-1', 5, {
      key: join(ws.dir, 'other-keys', 'tollgate-signing.key'),
      name: 'forged.bin',
    });
    const refusedForged = await cli(['snapshot', 'apply', forged, '--socket', daemon.adminSocket]);
    expect(refusedForged.code).toBe(1);
    expect(refusedForged.stderr).toMatch(/signed by key [0-9a-f]{16}, which is not pinned/);

    const v2 = await ws.snapshot('till-1', 2);
    expect((await cli(['snapshot', 'apply', v2, '--socket', daemon.adminSocket])).code).toBe(0);
    const refusedOld = await cli(['snapshot', 'apply', v1, '--socket', daemon.adminSocket]);
    expect(refusedOld.code).toBe(1);
    expect(refusedOld.stderr).toMatch(/not newer/);

    const decision = await ask(socket, CHROME);
    expect(decision.kind === 'decision' && decision.decision.snapshotVersion).toBe(2);
    expect((await status(socket)).snapshotVersion).toBe(2);
  });

  it('answers garbage, a 100 MiB length prefix and a half frame with errors and keeps answering', async () => {
    const garbage = await connectRaw(socket);
    const garbageDone = collectFrames(garbage);
    const junk = Buffer.from('this is not a protobuf request at all');
    garbage.write(encodeFrame(junk));
    const garbageResponses = await garbageDone;
    expect(garbageResponses).toHaveLength(1);
    expect(garbageResponses[0]?.kind).toBe('error');

    const huge = await connectRaw(socket);
    const hugeDone = collectFrames(huge);
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32BE(100 * 1024 * 1024);
    huge.write(header);
    const hugeResponses = await hugeDone;
    expect(hugeResponses).toHaveLength(1);
    expect(hugeResponses[0]).toMatchObject({ kind: 'error', code: 'frame-too-large' });

    const half = await connectRaw(socket);
    const full = encodeFrame(encodeRequest({ id: 7, kind: 'status' }));
    half.write(full.subarray(0, full.length - 3));
    half.end();
    await new Promise((resolve) => half.on('close', resolve));

    const decision = await ask(socket, CHROME);
    expect(decision.kind).toBe('decision');
    expect(daemon.child.exitCode).toBeNull();
  });

  it('logs refused requests one by one up to 20 a second and counts the rest', async () => {
    const before = daemon.logs.length;
    const conn = await connectRaw(socket);
    const refusals = 200;
    const answered = collectFrames(conn);
    const thumbprint = 'a'.repeat(129);
    conn.write(
      Buffer.concat(
        Array.from({ length: refusals }, (_, i) =>
          encodeFrame(
            encodeRequest({ id: i + 1, kind: 'evaluateFile', file: { path: 'C:\\x.exe', certThumbprint: thumbprint } }),
          ),
        ),
      ),
    );
    conn.end();
    const responses = await answered;
    expect(responses).toHaveLength(refusals);
    expect(responses.every((r) => r.kind === 'error' && r.code === 'field-too-long')).toBe(true);
    const counted = await daemon.waitForLog(
      (l) => l['msg'] === 'bad input from local clients (more, not logged one by one)',
    );
    const lines = daemon.logs.slice(before).filter((l) => l['msg'] === 'bad input from a local client');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(40);
    expect(Object.keys(counted['codes'] as object)).toEqual(['field-too-long']);
    expect(lines.length + (counted['count'] as number)).toBeGreaterThanOrEqual(refusals - 20);
  });

  it('answers 1,000 pipelined requests on one connection, each once and in order', async () => {
    const client = await LocalClient.connect(socket);
    try {
      const files = Array.from({ length: 1000 }, (_, i) =>
        i % 2 === 0 ? CHROME : { path: `C:\\Games\\game-${i}.exe` },
      );
      const responses = await Promise.all(files.map((file) => client.request({ kind: 'evaluateFile', file })));
      expect(responses).toHaveLength(1000);
      const ids = new Set(responses.map((r) => r.id));
      expect(ids.size).toBe(1000);
      responses.forEach((r, i) => {
        expect(r.kind).toBe('decision');
        if (r.kind === 'decision') expect(r.decision.action).toBe(i % 2 === 0 ? 'permit' : 'denyWithRequest');
      });
    } finally {
      client.close();
    }
  });

  it('answers a pipelined mix of repeated, what-if and status requests in request order', async () => {
    const raw = await connectRaw(socket);
    const done = collectFrames(raw);
    const requests = Array.from({ length: 300 }, (_, i): Parameters<typeof encodeRequest>[0] => {
      const id = 10_000 + i * 997; // ids of one to three varint bytes
      switch (i % 5) {
        case 0:
        case 1:
          return { id, kind: 'evaluateFile', file: CHROME };
        case 2:
          return { id, kind: 'evaluateFile', file: SOLITAIRE, settings: { prioritizeBuiltInApplications: false } };
        case 3:
          return { id, kind: 'status' };
        default:
          return { id, kind: 'evaluateFile', file: { path: `C:\\Games\\game-${i % 7}.exe` } };
      }
    });
    raw.end(Buffer.concat(requests.map((r) => encodeFrame(encodeRequest(r)))));
    const responses = await done;
    expect(responses.map((r) => r.id)).toEqual(requests.map((r) => r.id));
    responses.forEach((response, i) => {
      const request = requests[i] as (typeof requests)[number];
      expect(response.kind).toBe(request.kind === 'status' ? 'status' : 'decision');
      if (response.kind !== 'decision' || request.kind !== 'evaluateFile') return;
      expect(response.decision.action).toBe(request.file === CHROME ? 'permit' : 'denyWithRequest');
    });
  });

  it('serves 50 connections at once', async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => LocalClient.connect(socket)));
    try {
      const responses = await Promise.all(
        clients.map((c, i) => c.request({ kind: 'evaluateFile', file: i % 2 === 0 ? CHROME : SOLITAIRE })),
      );
      expect(responses.every((r) => r.kind === 'decision')).toBe(true);
      expect(new Set(responses.map((r) => r.id)).size).toBe(1);
      expect(responses.filter((r) => r.kind === 'decision' && r.decision.action === 'permit')).toHaveLength(25);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('replays a fixture for its computer and exports a decision log that replays green', async () => {
    const fixture = join(ws.dir, 'till-cases.yaml');
    writeFileSync(
      fixture,
      [
        'cases:',
        '  - name: chrome is permitted',
        '    computer: till-1',
        `    file: {path: '${CHROME.path}', certSubject: '${CHROME.certSubject}'}`,
        '    expect: {action: permit, policy: chrome-ok, structure: flat, builtInsFirst: true}',
        '  - name: prioritization off',
        '    computer: till-1',
        '    settings: {prioritizeBuiltInApplications: false}',
        `    file: {path: '${CHROME.path}', certSubject: '${CHROME.certSubject}'}`,
        '    expect: {action: deny, policy: chrome-block}',
        '  - name: shopping from CN is rejected',
        '    computer: till-1',
        '    approval: {app: fastcart}',
        '    expect: {suggestion: reject, policy: shopping}',
        '',
      ].join('\n'),
    );
    const replayed = await cli(['replay', '--socket', socket, fixture]);
    expect(replayed.stdout).toContain('3 passed, 0 failed');
    expect(replayed.code).toBe(0);

    // Cases of other computers are not run, and counted: the daemon's own still decide the exit code.
    const mixed = await cli(['replay', '--socket', socket, CONTRACT_CASES]);
    expect(mixed.stdout).toMatch(/^4 not run\n5 passed, 0 failed\n$/m);
    expect(mixed.stdout).toMatch(/^NOT RUN .+: computer lab-7 is not this daemon's computer \(till-1\)$/m);
    expect(mixed.code).toBe(0);
    const junit = await cli(['replay', '--socket', socket, CONTRACT_CASES, '--format', 'junit']);
    expect(junit.stdout).toContain('skipped="4"');
    expect(junit.stdout).toMatch(/<testcase classname="lab-7" [^>]*>\s*<skipped message=/);
    const filtered = await cli(['replay', '--socket', socket, CONTRACT_CASES, '--filter', 'till-1']);
    expect(filtered.stdout).toBe('5 passed, 0 failed\n');
    const byName = await cli(['replay', '--socket', socket, fixture, '--filter', 'shopping']);
    expect(byName.stdout).toBe('1 passed, 0 failed\n');

    // Two cases with one name, one of another computer and one of this daemon's that fails: the latter is run.
    const twins = join(ws.dir, 'twins.yaml');
    writeFileSync(
      twins,
      [
        'cases:',
        '  - name: same',
        '    computer: office-1',
        `    file: {path: '${CHROME.path}'}`,
        '    expect: {action: permit}',
        '  - name: same',
        '    computer: till-1',
        `    file: {path: '${CHROME.path}', certSubject: '${CHROME.certSubject}'}`,
        '    expect: {action: deny}',
        '',
      ].join('\n'),
    );
    const twinsRun = await cli(['replay', '--socket', socket, twins]);
    expect(twinsRun.stdout).toMatch(/^1 not run\n0 passed, 1 failed\n$/m);
    expect(twinsRun.code).toBe(1);

    // A case whose request the daemon answers by closing the connection (past its 1 MiB frame limit) fails
    // alone: the cases after it are asked on a new connection.
    const oversized = join(ws.dir, 'oversized.yaml');
    writeFileSync(
      oversized,
      [
        'cases:',
        '  - name: too large to send',
        '    computer: till-1',
        `    file: {path: 'C:\\${'a'.repeat(1_100_000)}.exe'}`,
        '    expect: {action: denyWithRequest}',
        '  - name: chrome after it',
        '    computer: till-1',
        `    file: {path: '${CHROME.path}', certSubject: '${CHROME.certSubject}'}`,
        '    expect: {action: permit, policy: chrome-ok}',
        '',
      ].join('\n'),
    );
    const afterOversized = await cli(['replay', '--socket', socket, oversized]);
    expect(afterOversized.stdout).toMatch(/^FAIL too large to send: .*frame/m);
    expect(afterOversized.stdout).toMatch(/^1 passed, 1 failed$/m);
    expect(afterOversized.code).toBe(1);

    await ask(socket, { path: 'C:\\Tools\\exported.exe' });
    const exported = join(ws.dir, 'exported.yaml');
    const exportRun = await cli([
      'decisions',
      'export',
      '--socket',
      daemon.adminSocket,
      '--out',
      exported,
      '--limit',
      '200',
    ]);
    expect(exportRun.code).toBe(0);
    const replayExport = await cli(['replay', '--socket', socket, exported]);
    expect(replayExport.stdout).toMatch(/^(\d+) passed, 0 failed$/m);
    expect(Number(/(\d+) passed/.exec(replayExport.stdout)?.[1])).toBeGreaterThan(0);
    expect(replayExport.code).toBe(0);

    // The export records the settings in force: it replays green after Prioritize Built-In is switched off.
    const exportedText = readFileSync(exported, 'utf8');
    expect(exportedText).toContain('prioritizeBuiltInApplications: true');
    expect(exportedText).toContain('policy: chrome-ok');
    const toggled = join(ws.dir, 'toggled-scenario.yaml');
    writeFileSync(
      toggled,
      readFileSync(CONTRACT_SCENARIO, 'utf8') +
        'agentSettings:\n  - {id: s-off, type: prioritizeBuiltInApplications, value: false, appliesTo: {computer: till-1}, order: 1}\n',
    );
    const chromeAfterToggle = await cli(['replay', toggled, fixture, '--filter', 'chrome is permitted']);
    expect(chromeAfterToggle.code).toBe(1);
    const afterToggle = await cli(['replay', toggled, exported]);
    expect(afterToggle.stdout).toMatch(/^\d+ passed, 0 failed$/m);
    expect(afterToggle.code).toBe(0);
  });

  it('query hashes a real file, --exit-code says deny, and the socket comes from TOLLGATE_SOCKET', async () => {
    const file = join(ws.dir, 'unknown-tool.exe');
    writeFileSync(file, 'not a known application');
    const sha256 = createHash('sha256').update('not a known application').digest('hex');
    const asked = await cli(['query', '--socket', socket, '--file', file, '--path', 'C:\\Tools\\tool.exe']);
    expect(asked.stdout).toMatch(/^denyWithRequest {2}denyWithRequest by policy shop-default/);
    expect(asked.code).toBe(0);
    const denied = await cli(['query', '--socket', socket, '--file', file, '--exit-code']);
    expect(denied.code).toBe(3);
    const permitted = await cli([
      'query',
      '--socket',
      socket,
      '--exit-code',
      '--path',
      CHROME.path,
      '--cert-subject',
      CHROME.certSubject,
    ]);
    expect(permitted.code).toBe(0);
    const exported = join(ws.dir, 'hashed.yaml');
    expect((await cli(['decisions', 'export', '--socket', daemon.adminSocket, '--output', exported])).code).toBe(0);
    expect(readFileSync(exported, 'utf8')).toContain(`sha256: ${sha256}`);
    expect(readFileSync(exported, 'utf8')).toContain(`path: ${file}`);

    const tooLarge = await cli(['query', '--socket', socket, '--file', file, '--max-file-bytes', '4', '--json']);
    expect(tooLarge.code).toBe(2);
    expect(JSON.parse(tooLarge.stderr)).toEqual({
      error: { code: 'file-too-large', message: `--file ${file}: 23 bytes, more than --max-file-bytes (4) allows` },
    });

    let stdout = '';
    const io = {
      stdout: (t: string) => void (stdout += t),
      stderr: () => {},
      nowMs: () => Date.now(),
      env: { TOLLGATE_SOCKET: socket },
    };
    expect(await run(['status'], io)).toBe(0);
    expect(stdout).toMatch(/^tollgate {9}\d+\.\d+\.\d+$/m);
    // The version of the tollgate the daemon runs, from the daemon itself (the same package here).
    expect(stdout).toMatch(/^daemon {11}tollgate \d+\.\d+\.\d+$/m);
    expect(stdout).toContain('computer         till-1');
  });

  it('never takes the socket of a live daemon', async () => {
    const second = writeConfig(ws, 'second', { socket: { path: socket } });
    await expect(startDaemon(second, socket)).rejects.toThrow(/another daemon is answering/);
    expect((await ask(socket, CHROME)).kind).toBe('decision');
  });

  it('never shares its data directory with a second daemon', async () => {
    const dataDir = join(ws.dir, 'main-data');
    const before = readdirSync(dataDir).sort();
    const { snapshotVersion } = await status(socket);
    const second = writeConfig(ws, 'same-dir', { dataDir, seedSnapshot: await ws.snapshot('till-1', 90) });
    await expect(startDaemon(second, join(ws.dir, 'same-dir.sock'))).rejects.toThrow(
      new RegExp(`another tollgate daemon is using ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    // Refused before it read or changed anything there: the first daemon's files and snapshot are as they were.
    expect(existsSync(join(ws.dir, 'same-dir.sock'))).toBe(false);
    expect(readdirSync(dataDir).sort()).toEqual(before);
    expect(await status(socket)).toMatchObject({ snapshotVersion });
  });
});

describe('the daemon across restarts and crashes', () => {
  let ws: Workspace;

  beforeAll(async () => {
    ws = await workspace();
  });

  afterAll(() => ws?.cleanup());

  it('stops cleanly on SIGHUP (its terminal closed), its cache stamped clean, as on SIGTERM', async () => {
    // Left to Node.js, SIGHUP ended the process at once: no stop, the decision log not written, no clean stamp.
    const config = writeConfig(ws, 'hangup', { seedSnapshot: await ws.snapshot('till-1', 6) });
    const socket = join(ws.dir, 'hangup.sock');
    const daemon = await startDaemon(config, socket);
    await daemon.waitForLog((l) => l['msg'] === 'seed snapshot applied');
    daemon.child.kill('SIGHUP');
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    expect(daemon.logs.map((l) => l['msg'])).toContain('stopped');
    expect(existsSync(socket)).toBe(false);
    expect(readdirSync(join(ws.dir, 'hangup-data'))).toContain('agent.db.clean');
  });

  it('refuses a FIFO named as its seed snapshot at once, serves, and stops when told', async () => {
    // Read as it was, the FIFO held the start (and so the stop) until something wrote to it.
    const fifo = join(ws.dir, 'seed.fifo');
    execFileSync('mkfifo', [fifo]);
    const config = writeConfig(ws, 'seed-fifo', { seedSnapshot: fifo });
    const daemon = await startDaemon(config, join(ws.dir, 'seed-fifo.sock'));
    const refused = await daemon.waitForLog((l) => l['msg'] === 'seed snapshot not applied');
    expect(refused['reason']).toBe('cannot be read: it is a FIFO (named pipe), not a regular file');
    expect(await daemon.stop()).toEqual({ code: 0, signal: null });
  });

  it('serves the cached snapshot after a restart with no seed', async () => {
    const seeded = writeConfig(ws, 'restart', { seedSnapshot: await ws.snapshot('till-1', 3) });
    const socket = join(ws.dir, 'restart.sock');
    const first = await startDaemon(seeded, socket);
    await first.waitForLog((l) => l['msg'] === 'seed snapshot applied');
    const before = await ask(socket, CHROME);
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    expect(existsSync(socket)).toBe(false);

    const unseeded = writeConfig(ws, 'restart', {});
    const second = await startDaemon(unseeded, socket);
    try {
      const serving = await second.waitForLog((l) => l['msg'] === 'serving');
      expect(serving['snapshotVersion']).toBe(3);
      expect(await ask(socket, CHROME)).toEqual(before);
    } finally {
      await second.stop();
    }
  });

  it('answers deny with "no policy snapshot" before any snapshot', async () => {
    const config = writeConfig(ws, 'empty', {});
    const socket = join(ws.dir, 'empty.sock');
    const daemon = await startDaemon(config, socket);
    try {
      const response = await ask(socket, CHROME);
      expect(response).toMatchObject({
        kind: 'decision',
        decision: { action: 'deny', policy: null, reason: 'no policy snapshot' },
      });
    } finally {
      await daemon.stop();
    }
  });

  it('comes back on the previous snapshot after SIGKILL in the middle of applying a large one', async () => {
    const large = join(ws.dir, 'large.json');
    const { syntheticScenarioText, LARGE_COMPUTER } = await import('../support/large-scenario.js');
    writeFileSync(large, syntheticScenarioText(20_000));
    const config = writeConfig(ws, 'crash', {
      computerId: LARGE_COMPUTER,
      seedSnapshot: await ws.snapshot(LARGE_COMPUTER, 1, { scenario: large }),
    });
    const socket = join(ws.dir, 'crash.sock');
    const first = await startDaemon(config, socket);
    await first.waitForLog((l) => l['msg'] === 'seed snapshot applied');
    await first.stop();

    // Large snapshots need a larger frame limit than the 1 MiB default to travel over the socket.
    const faulty = writeConfig(ws, 'crash', {
      computerId: LARGE_COMPUTER,
      socket: { path: socket, maxFrameBytes: 64 << 20 },
    });
    const crashing = await startDaemon(faulty, socket, { TOLLGATE_FAULT: 'kill-before-snapshot-commit' });
    try {
      const v2 = await ws.snapshot(LARGE_COMPUTER, 2, { scenario: large });
      const applied = await cli(['snapshot', 'apply', v2, '--socket', crashing.adminSocket]);
      expect(applied.code).not.toBe(0);
      expect(await crashing.exited).toEqual({ code: null, signal: 'SIGKILL' });
    } finally {
      // Never leave a daemon behind when an assertion above fails.
      await crashing.stop();
    }

    const restarted = await startDaemon(faulty, socket);
    try {
      expect((await status(socket)).snapshotVersion).toBe(1);
      expect((await status(socket)).policyCount).toBeGreaterThan(10_000);
    } finally {
      await restarted.stop();
    }
  });

  it('moves a corrupt cache aside, recreates it and keeps running', async () => {
    const config = writeConfig(ws, 'corrupt', { seedSnapshot: await ws.snapshot('till-1', 4) });
    const dataDir = join(ws.dir, 'corrupt-data');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'agent.db'), Buffer.alloc(8192, 0x5a));
    const socket = join(ws.dir, 'corrupt.sock');
    const daemon = await startDaemon(config, socket);
    try {
      await daemon.waitForLog((l) => typeof l['msg'] === 'string' && /moved aside/.test(l['msg']));
      await daemon.waitForLog((l) => l['msg'] === 'seed snapshot applied');
      expect(readdirSync(dataDir).some((f) => f.startsWith('agent.db.corrupt-'))).toBe(true);
      expect((await status(socket)).snapshotVersion).toBe(4);
    } finally {
      await daemon.stop();
    }
  });

  it('stops cleanly on SIGTERM with every connection slot taken and one more refused', async () => {
    const socket = join(ws.dir, 'full.sock');
    const config = writeConfig(ws, 'full', {
      seedSnapshot: await ws.snapshot('till-1', 5),
      socket: { path: socket, maxConnections: 2 },
      shutdownTimeoutMs: 300,
    });
    const daemon = await startDaemon(config, socket);
    const held: Socket[] = [];
    try {
      // A status request answered, then a frame header and no payload: these connections are busy, so none
      // is evicted for the newcomer.
      await daemon.waitForLog((l) => l['msg'] === 'seed snapshot applied');
      for (let i = 0; i < 2; i++) {
        const busy = await connectRaw(socket);
        busy.on('error', () => {});
        held.push(busy);
        const header = Buffer.alloc(FRAME_HEADER_BYTES);
        header.writeUInt32BE(100);
        const answered = new Promise((resolve) => busy.once('data', resolve));
        busy.write(Buffer.concat([encodeFrame(encodeRequest({ id: 1, kind: 'status' })), header]));
        await answered;
      }
      const refused = await connectRaw(socket);
      held.push(refused);
      refused.on('error', () => {});
      const responses = await collectFrames(refused);
      expect(responses).toEqual([expect.objectContaining({ kind: 'error', code: 'too-many-connections' })]);

      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toEqual({ code: 0, signal: null });
      expect(existsSync(socket)).toBe(false);
      expect(existsSync(daemon.adminSocket)).toBe(false);
    } finally {
      for (const s of held) s.destroy();
      await daemon.stop();
    }
  });

  it('finishes its stop when a second SIGTERM arrives during it, leaving the cache intact', async () => {
    const socket = join(ws.dir, 'twice.sock');
    const config = writeConfig(ws, 'twice', { seedSnapshot: await ws.snapshot('till-1', 6) });
    const daemon = await startDaemon(config, socket);
    await daemon.waitForLog((l) => l['msg'] === 'seed snapshot applied');
    await ask(socket, CHROME);
    // A client that keeps its side open: the daemon waits (within its shutdown deadline) for it to close.
    const lingering = await connectRaw(socket, { allowHalfOpen: true });
    try {
      daemon.child.kill('SIGTERM');
      await daemon.waitForLog((l) => l['msg'] === 'closing the local connections');
      daemon.child.kill('SIGTERM');
      await daemon.waitForLog((l) => l['msg'] === 'already stopping' && l['signal'] === 'SIGTERM');
      lingering.end();
      expect(await daemon.exited).toEqual({ code: 0, signal: null });
    } finally {
      lingering.destroy();
      await daemon.stop();
    }
    expect(existsSync(socket)).toBe(false);
    const { AgentStore } = await import('../../src/store/agent-store.js');
    const store = AgentStore.open(join(ws.dir, 'twice-data', 'agent.db'));
    try {
      expect(store.integrityCheck()).toEqual([]);
      expect(store.activeSnapshot()?.version).toBe(6);
      expect(store.decisionCount()).toBeGreaterThan(0);
    } finally {
      store.close();
    }
    expect(readdirSync(join(ws.dir, 'twice-data')).filter((f) => f.endsWith('-wal') || f.includes('corrupt'))).toEqual(
      [],
    );
  });

  it('refuses an invalid config with the key at fault and exit code 2', async () => {
    const config = writeConfig(ws, 'bad', {
      socket: { path: join(ws.dir, 'bad.sock'), mode: 'rw-rw----' },
      logLevel: 'loud',
    });
    const result = await import('node:child_process').then(({ spawnSync }) =>
      spawnSync(process.execPath, [join(import.meta.dirname, '../../bin/tollgate.js'), 'daemon', '--config', config], {
        encoding: 'utf8',
      }),
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/socket\.mode/);
    expect(result.stderr).toMatch(/logLevel/);
  });

  it("as root, refuses a data directory another user owns, exit 2, and makes nothing there; its owner's is taken", async () => {
    const { spawnSync } = await import('node:child_process');
    const { chownSync, mkdirSync, readdirSync, statSync } = await import('node:fs');
    const config = writeConfig(ws, 'owned', {});
    const dataDir = join(ws.dir, 'owned-data');
    mkdirSync(dataDir);
    const root = statSync(dataDir).uid === 0;
    // Started by root (with sudo) in the service user's directory (nobody's, here).
    if (root) chownSync(dataDir, 65534, 65534);
    const result = spawnSync(
      process.execPath,
      [join(import.meta.dirname, '../../bin/tollgate.js'), 'daemon', '--config', config],
      { encoding: 'utf8', timeout: root ? 20_000 : 3_000 },
    );
    if (root) {
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`${dataDir} belongs to user 65534 and this process runs as root`);
      expect(readdirSync(dataDir)).toEqual([]);
      // --check-config says so too.
      const checked = spawnSync(
        process.execPath,
        [join(import.meta.dirname, '../../bin/tollgate.js'), 'daemon', '--check-config', config],
        { encoding: 'utf8', timeout: 20_000 },
      );
      expect(checked.status).toBe(2);
      expect(checked.stderr).toContain(`dataDir ${dataDir}: ${dataDir} belongs to user 65534`);
    } else {
      // Its owner's directory: the daemon starts (and is stopped by the time limit), its files its owner's.
      expect(result.stderr).not.toContain('belongs to user');
      for (const file of readdirSync(dataDir)) expect(statSync(join(dataDir, file)).uid).toBe(statSync(dataDir).uid);
    }
  });
});
