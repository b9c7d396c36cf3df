// Approval requests end to end, between real processes on loopback: a policy
// server mailing through an SMTP server started here, agents that answer
// requests with their local suggestion and deliver them through a durable
// outbox, and admins approving, rejecting and escalating from the CLI.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClient } from '../../src/local/client.js';
import type { ApprovalRequestRecord } from '../../src/server/types.js';
import type { AgentStatus } from '../../src/wire/local-api.js';
import {
  cli,
  startDaemon,
  startTollgate,
  workspace,
  type DaemonHandle,
  type ProcessHandle,
  type Workspace,
} from '../support/daemon-process.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const WORLD = `
organizations:
  - {id: msp, name: MSP, structure: flat, modules: [cyberHeroApprovals]}
  - {id: shop, name: Shop, parent: msp, structure: flat, modules: [cyberHeroApprovals]}
  - {id: plain, name: Plain, structure: flat}
groups:
  - {id: tills, org: shop, name: Tills, os: linux, agentVersion: "10.6.2"}
  - {id: office, org: shop, name: Office, os: linux, agentVersion: "10.6.2"}
  - {id: plain-pcs, org: plain, name: Plain PCs, os: linux, agentVersion: "10.6.2"}
computers:
  - {id: till-1, group: tills, name: Till one}
  - {id: till-2, group: tills}
  - {id: office-1, group: office}
  - {id: plain-1, group: plain-pcs}
applications:
  - id: fastcart
    name: FastCart
    builtIn: false
    org: shop
    category: Shopping
    primaryCompanyInfluence: [CN]
    rules: [{path: /opt/fastcart/fastcart}]
policies:
  - {id: shop-default, default: true, appliesTo: {organization: shop}, action: denyWithRequest, order: 1000000}
  - {id: plain-default, default: true, appliesTo: {organization: plain}, action: denyWithRequest, order: 1000000}
approvalPolicies:
  - {id: ch-shopping, org: shop, order: 1, action: escalate, category: Shopping, appliesTo: {organization: shop}, countries: {mode: deny, list: [CN]}}
  - {id: ch-remote, org: shop, order: 2, action: approve, category: Remote Access, appliesTo: {organization: shop}, countries: {mode: allow, list: [GB, US]}}
approvalSettings:
  - org: msp
    guidelines: {permitTarget: computer, instructions: "Check the vendor first. Our list: https://wiki.msp.example/apps"}
    escalation: {emails: [it@msp.example]}
  - {org: shop, guidelines: {useParent: true}, escalation: {useParent: true}}
`;

const FASTCART = '/opt/fastcart/fastcart';
const HELPER_SHA = 'ab'.repeat(32);

interface Submitted {
  requestId: string;
  suggestion: string;
  policy: string | null;
  reason: string;
  permitTarget: string;
  instructions: string;
  escalationEmails: string[];
  warnings: string[];
}

async function local<T>(socket: string, fn: (client: LocalClient) => Promise<T>): Promise<T> {
  const client = await LocalClient.connect(socket);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

async function decide(socket: string, file: { path: string; sha256?: string }) {
  return local(socket, async (client) => {
    const response = await client.call({ kind: 'evaluateFile', file });
    if (response.kind !== 'decision') throw new Error(`unexpected ${response.kind}`);
    return response.decision;
  });
}

async function status(socket: string): Promise<AgentStatus> {
  return local(socket, async (client) => {
    const response = await client.call({ kind: 'status' });
    if (response.kind !== 'status') throw new Error(`unexpected ${response.kind}`);
    return response.status;
  });
}

/** `tollgate request --json`, in this process. */
async function request(socket: string, args: string[]): Promise<Submitted> {
  const result = await cli([
    'request',
    '--socket',
    socket,
    '--user',
    'alice',
    '--reason',
    'I need it for the stock count',
    ...args,
    '--json',
  ]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Submitted;
}

/** Only the log lines written from now on. */
function from(
  handle: ProcessHandle,
): (predicate: (line: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>> {
  const start = handle.logs.length;
  return (predicate) => handle.waitForLog((line) => handle.logs.indexOf(line) >= start && predicate(line));
}

describe('approval requests end to end, as real processes', () => {
  let ws: Workspace;
  let smtp: SmtpSink;
  let serverConfig: string;
  let server: ProcessHandle & { ready: Record<string, unknown> };
  let serverUrl: string;
  let tokenFile: string;
  let publicKey: string;
  const daemons = new Map<string, DaemonHandle>();
  const tokens = new Map<string, string>();

  async function startServerProcess(): Promise<void> {
    server = await startTollgate(['server', '--config', serverConfig], 'listening');
    serverUrl = String(server.ready['url']);
    // A restart must come back on the same port: the agents know this URL.
    const config = JSON.parse(readFileSync(serverConfig, 'utf8')) as { listen: { port: number } };
    config.listen.port = Number(new URL(serverUrl).port);
    writeFileSync(serverConfig, JSON.stringify(config));
  }

  function admin(...args: string[]) {
    return cli(['admin', '--server', serverUrl, '--token-file', tokenFile, ...args]);
  }

  async function adminJson<T>(...args: string[]): Promise<T> {
    const result = await admin('--json', ...args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as T;
  }

  async function startAgent(computer: string): Promise<DaemonHandle> {
    const file = join(ws.dir, `${computer}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        dataDir: join(ws.dir, `${computer}-data`),
        computerId: computer,
        serverPublicKey: publicKey,
        socket: { path: join(ws.dir, `${computer}.sock`) },
        logLevel: 'debug',
        server: {
          url: serverUrl.replace(/^http/, 'ws') + '/agent',
          token: tokens.get(computer),
          backoffInitialMs: 50,
          backoffMaxMs: 300,
        },
      }),
    );
    const daemon = await startDaemon(file, join(ws.dir, `${computer}.sock`));
    daemons.set(computer, daemon);
    return daemon;
  }

  /** Resolves once the server logged that it recorded each of the ids. */
  async function received(...ids: string[]): Promise<void> {
    for (const id of ids)
      await server.waitForLog((l) => l['msg'] === 'approval request received' && l['requestId'] === id);
  }

  beforeAll(async () => {
    ws = await workspace();
    smtp = await startSmtpSink();
    const scenario = join(ws.dir, 'world.yaml');
    writeFileSync(scenario, WORLD);
    serverConfig = join(ws.dir, 'server.json');
    writeFileSync(
      serverConfig,
      JSON.stringify({
        dataDir: join(ws.dir, 'server-data'),
        listen: { port: 0 },
        seedScenario: scenario,
        logLevel: 'debug',
        smtp: { host: '127.0.0.1', port: smtp.port, from: 'tollgate@msp.example' },
      }),
    );
    tokenFile = join(ws.dir, 'server-data', 'admin-token');
    const key = await cli(['server', 'public-key', '--config', serverConfig]);
    expect(key.code).toBe(0);
    publicKey = key.stdout;
    await startServerProcess();
    for (const computer of ['till-1', 'till-2', 'office-1', 'plain-1']) {
      const enrolled = await adminJson<{ token: string }>('enroll', computer);
      tokens.set(computer, enrolled.token);
    }
    const started = await Promise.all(['till-1', 'till-2', 'office-1', 'plain-1'].map((c) => startAgent(c)));
    await Promise.all(started.map((d) => d.waitForLog((l) => l['msg'] === 'snapshot applied')));
  });

  afterAll(async () => {
    for (const daemon of daemons.values()) await daemon.stop();
    await server?.stop();
    await smtp?.close();
    ws?.cleanup();
  });

  const ids: Record<string, string> = {};

  it('answers each request at once with the suggestion the approval policies dictate, and the server records it', async () => {
    const till1 = daemons.get('till-1')!.socket;
    expect(await decide(till1, { path: FASTCART })).toMatchObject({
      action: 'denyWithRequest',
      policy: 'shop-default',
    });

    const deniedCountry = await request(till1, ['--path', FASTCART, '--app', 'fastcart']);
    expect(deniedCountry).toMatchObject({
      suggestion: 'reject',
      policy: 'ch-shopping',
      permitTarget: 'computer',
      escalationEmails: ['it@msp.example'],
    });
    expect(deniedCountry.reason).toContain('CN');
    expect(deniedCountry.instructions).toBe('Check the vendor first. Our list: [link removed]');
    expect(deniedCountry.warnings.join(' ')).toMatch(/link removed/);

    const otherCountry = await request(till1, [
      '--path',
      '/opt/shopnow/shopnow',
      '--category',
      'Shopping',
      '--primary-company-influence',
      'GB',
    ]);
    expect(otherCountry).toMatchObject({ suggestion: 'escalate', policy: 'ch-shopping' });

    const allowed = await request(till1, [
      '--path',
      '/opt/rdesk/rdesk',
      '--category',
      'Remote Access',
      '--development-influence',
      'US',
    ]);
    expect(allowed).toMatchObject({ suggestion: 'approve', policy: 'ch-remote' });

    const notAllowed = await request(till1, [
      '--path',
      '/opt/rdesk/rdesk-de',
      '--category',
      'Remote Access',
      '--development-influence',
      'DE',
    ]);
    expect(notAllowed).toMatchObject({ suggestion: 'escalate', policy: null, reason: 'no matching approval policy' });

    const moduleOff = await request(daemons.get('plain-1')!.socket, [
      '--path',
      '/opt/shopnow/shopnow',
      '--category',
      'Shopping',
    ]);
    expect(moduleOff).toMatchObject({ suggestion: 'none', policy: null });

    Object.assign(ids, {
      deniedCountry: deniedCountry.requestId,
      otherCountry: otherCountry.requestId,
      allowed: allowed.requestId,
      notAllowed: notAllowed.requestId,
      moduleOff: moduleOff.requestId,
    });
    expect(new Set(Object.values(ids)).size).toBe(5);
    await received(...Object.values(ids));

    const { requests } = await adminJson<{ requests: ApprovalRequestRecord[] }>('requests', 'list', '--status', 'all');
    const byId = new Map(requests.map((r) => [r.id, r]));
    expect(byId.get(ids['deniedCountry']!)).toMatchObject({
      computer: 'till-1',
      status: 'pending',
      user: 'alice',
      reason: 'I need it for the stock count',
      file: { path: FASTCART },
      suggestion: {
        suggestion: 'reject',
        policy: 'ch-shopping',
        permitTarget: 'computer',
        instructions: 'Check the vendor first. Our list: [link removed]',
      },
    });
    expect(byId.get(ids['moduleOff']!)?.suggestion.suggestion).toBe('none');

    const text = await admin('requests', 'list', '--status', 'pending');
    expect(text.code).toBe(0);
    for (const expected of [
      ids['allowed']!,
      'approve (approval policy ch-remote)',
      'permit target  computer',
      '[link removed]',
      'I need it for the stock count',
      'no matching approval policy',
    ]) {
      expect(text.stdout).toContain(expected);
    }
    // Delivered means receipted: nothing is left waiting on the agents.
    await daemons
      .get('till-1')!
      .waitForLog((l) => l['msg'] === 'approval request delivered' && l['requestId'] === ids['notAllowed']);
    expect((await status(till1)).outboxDepth).toBe(0);
  });

  it('approving makes the next decision for that file permit on that computer only', async () => {
    const till1 = daemons.get('till-1')!.socket;
    const till2 = daemons.get('till-2')!.socket;
    const file = { path: '/opt/rdesk/rdesk' };
    expect(await decide(till1, file)).toMatchObject({ action: 'denyWithRequest' });

    const answer = await adminJson<{
      applied: string[];
      permit: { policy: string; application: string; target: string };
    }>('requests', 'approve', ids['allowed']!, '--wait-ms', '5000');
    expect(answer.applied).toEqual(['till-1']);
    expect(answer.permit).toMatchObject({
      policy: `permit-${ids['allowed']!}`,
      application: `app-${ids['allowed']!}`,
      target: 'computer',
    });
    expect(await decide(till1, file)).toMatchObject({ action: 'permit', policy: `permit-${ids['allowed']!}` });
    expect(await decide(till2, file)).toMatchObject({ action: 'denyWithRequest', policy: 'shop-default' });

    const again = await admin('requests', 'approve', ids['allowed']!);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is approved/);
    const rejected = await admin('requests', 'reject', ids['deniedCountry']!, '--note', 'made in a denied country');
    expect(rejected.code).toBe(0);
    expect((await adminJson<ApprovalRequestRecord>('requests', 'show', ids['deniedCountry']!)).status).toBe('rejected');
  });

  it('with the permit target group, approving permits the file on every computer of the group', async () => {
    const waitTill2 = from(daemons.get('till-2')!);
    const guidelines = await admin(
      'approvals',
      'guidelines',
      'shop',
      '--use-parent',
      'false',
      '--permit-target',
      'group',
    );
    expect(guidelines.code).toBe(0);
    expect(guidelines.stdout).toContain('permit target  group');
    await waitTill2((l) => l['msg'] === 'snapshot applied');

    const till2 = daemons.get('till-2')!.socket;
    const submitted = await request(till2, [
      '--path',
      '/home/bob/tool.bin',
      '--sha256',
      HELPER_SHA,
      '--category',
      'Business',
    ]);
    expect(submitted).toMatchObject({ suggestion: 'escalate', permitTarget: 'group' });
    await received(submitted.requestId);

    const answer = await adminJson<{ applied: string[]; permit: { target: string } }>(
      'requests',
      'approve',
      submitted.requestId,
      '--wait-ms',
      '5000',
    );
    expect(answer.permit.target).toBe('group');
    expect(answer.applied.sort()).toEqual(['till-1', 'till-2']);
    // The custom application is the file's hash: a copy under another name runs too.
    const copy = { path: '/tmp/renamed.bin', sha256: HELPER_SHA };
    for (const computer of ['till-1', 'till-2']) {
      expect(await decide(daemons.get(computer)!.socket, copy)).toMatchObject({
        action: 'permit',
        policy: `permit-${submitted.requestId}`,
      });
    }
    expect(await decide(daemons.get('office-1')!.socket, copy)).toMatchObject({
      action: 'denyWithRequest',
      policy: 'shop-default',
    });
  });

  it('escalating mails the escalation addresses with the request details', async () => {
    const result = await admin('requests', 'escalate', ids['otherCountry']!, '--note', 'please check the vendor');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('it@msp.example');
    const mail = await smtp.waitForMail((m) => m.message.includes(ids['otherCountry']!));
    expect(mail.to).toEqual(['it@msp.example']);
    expect(mail.from).toBe('tollgate@msp.example');
    for (const expected of [
      '/opt/shopnow/shopnow',
      'alice',
      'I need it for the stock count',
      'till-1 (Till one)',
      'Shopping',
      'GB',
      'ch-shopping',
      'please check the vendor',
      `tollgate admin requests approve ${ids['otherCountry']!}`,
    ]) {
      expect(mail.message).toContain(expected);
    }
    const shown = await adminJson<ApprovalRequestRecord>('requests', 'show', ids['otherCountry']!);
    expect(shown.status).toBe('escalated');
    expect(shown.history.at(-1)?.notice).toMatchObject({ to: ['it@msp.example'], via: 'smtp' });
  });

  it('replays approval cases against a live daemon without storing anything', async () => {
    const fixtures = join(ws.dir, 'approval-cases.yaml');
    writeFileSync(
      fixtures,
      `cases:
  - {name: a CN shopping app is rejected, computer: till-1, approval: {app: fastcart}, expect: {suggestion: reject, policy: ch-shopping}}
  - {name: remote access from the US is approved, computer: till-1, approval: {category: Remote Access, developmentInfluence: [US]}, expect: {suggestion: approve, policy: ch-remote}}
  - {name: no policy covers games, computer: till-1, approval: {category: Games}, expect: {suggestion: escalate, policy: null, reason: no matching approval policy}}
  - {name: the denied file, computer: till-1, file: {path: ${FASTCART}}, expect: {action: denyWithRequest, policy: shop-default}}
`,
    );
    const till1 = daemons.get('till-1')!.socket;
    const result = await cli(['replay', '--socket', till1, fixtures]);
    expect(result.stdout).toContain('4 passed, 0 failed');
    expect(result.code).toBe(0);
    expect((await status(till1)).outboxDepth).toBe(0);
  });

  it('requests made while the server is down, across a kill -9 and a restart of the daemon, arrive exactly once', async () => {
    let till1 = daemons.get('till-1')!;
    const disconnected = from(till1);
    await server.stop();
    await disconnected((l) => l['msg'] === 'disconnected from the server');

    const early = [
      await request(till1.socket, ['--path', '/opt/a/a', '--category', 'Games']),
      await request(till1.socket, ['--path', '/opt/b/b', '--category', 'Games']),
    ];
    expect((await status(till1.socket)).outboxDepth).toBe(2);

    till1.child.kill('SIGKILL');
    expect((await till1.exited).signal).toBe('SIGKILL');
    till1 = await startAgent('till-1');
    expect((await status(till1.socket)).outboxDepth).toBe(2);
    const late = await request(till1.socket, ['--path', '/opt/c/c', '--category', 'Games']);
    expect((await status(till1.socket)).outboxDepth).toBe(3);

    const delivered = from(till1);
    await startServerProcess();
    const sent = [...early, late].map((s) => s.requestId);
    for (const id of sent) await delivered((l) => l['msg'] === 'approval request delivered' && l['requestId'] === id);
    expect((await status(till1.socket)).outboxDepth).toBe(0);

    const { requests } = await adminJson<{ requests: ApprovalRequestRecord[] }>('requests', 'list', '--status', 'all');
    for (const id of sent) expect(requests.filter((r) => r.id === id)).toHaveLength(1);
    expect(requests.filter((r) => r.computer === 'till-1')).toHaveLength(7);
    expect(
      server.logs.filter((l) => l['msg'] === 'approval request received' && sent.includes(String(l['requestId']))),
    ).toHaveLength(3);
  });
});
