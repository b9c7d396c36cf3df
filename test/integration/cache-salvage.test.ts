// A damaged agent.db with approval requests still waiting in its outbox, as
// real processes: the daemon moves the file aside, queues again what can
// still be read of the outbox, and delivers each of those requests to the
// policy server, which records each once.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClient } from '../../src/local/client.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { readOutbox } from '../../src/store/outbox-salvage.js';
import type { ApprovalRequestRecord } from '../../src/server/types.js';
import { encodeAgentMessage } from '../../src/wire/sync-messages.js';
import { startDaemon, startTollgate, workspace, type Workspace } from '../support/daemon-process.js';

const WORLD = `
organizations: [{id: shop, name: Shop, modules: [cyberHeroApprovals]}]
groups: [{id: tills, org: shop, name: Tills, os: linux, agentVersion: "10.6.2"}]
computers: [{id: till-1, group: tills}]
applications: []
policies: []
approvalSettings: [{org: shop, escalation: {emails: [it@shop.example]}}]
`;

function approval(id: string): Uint8Array {
  return encodeAgentMessage({
    kind: 'approval',
    submission: {
      requestId: id,
      submittedAtMs: 1_000,
      file: { path: `/opt/${id}` },
      user: 'alice',
      // About 4 KB (near the limit of a reason): the requests span several of the database's 16 KiB pages.
      reason: `needed for the stock count ${'.'.repeat(3_900)}`,
      query: { category: 'Shopping' },
      suggestion: {
        suggestion: 'escalate',
        policy: null,
        reason: 'no matching approval policy',
        permitTarget: 'computer',
        instructions: '',
        escalationEmails: [],
        warnings: [],
      },
    },
  });
}

describe('a damaged cache with queued approval requests, as real processes', () => {
  let ws: Workspace;
  let serverConfig: string;

  beforeAll(async () => {
    ws = await workspace();
    writeFileSync(join(ws.dir, 'world.yaml'), WORLD);
    serverConfig = join(ws.dir, 'server.json');
    writeFileSync(
      serverConfig,
      JSON.stringify({
        dataDir: join(ws.dir, 'server-data'),
        listen: { port: 0 },
        seedScenario: join(ws.dir, 'world.yaml'),
        logLevel: 'debug',
      }),
    );
  });

  afterAll(() => ws.cleanup());

  it('delivers every request still legible in the damaged file, each once', async () => {
    const server = await startTollgate(['server', '--config', serverConfig], 'listening');
    const url = String(server.ready['url']);
    const adminToken = readFileSync(join(ws.dir, 'server-data', 'admin-token'), 'utf8').trim();
    const admin = async (method: string, path: string): Promise<unknown> => {
      const response = await fetch(url + path, { method, headers: { authorization: `Bearer ${adminToken}` } });
      expect(response.status).toBe(200);
      return response.json();
    };
    try {
      const { token } = (await admin('POST', '/api/computers/till-1/enroll')) as { token: string };
      const { publicKey } = (await admin('GET', '/api/public-key')) as { publicKey: string };

      // A cache with 120 requests queued, its last pages then overwritten with garbage.
      const dataDir = join(ws.dir, 'till-1-data');
      mkdirSync(dataDir, { recursive: true });
      const cache = join(dataDir, 'agent.db');
      const store = AgentStore.open(cache);
      for (let n = 1; n <= 120; n++) {
        store.enqueueOutbox({ id: `req-${n}`, payload: approval(`req-${n}`), createdAtMs: 10_000 + n });
      }
      store.close();
      const bytes = readFileSync(cache);
      // The outbox's rows fill the last pages of the file: its last quarter goes.
      const page = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
      bytes.fill(0x5a, Math.floor((bytes.length / page) * 0.75) * page);
      writeFileSync(cache, bytes);
      const legible = readOutbox(cache).map((item) => item.id);
      expect(legible.length).toBeGreaterThan(0);
      expect(legible.length).toBeLessThan(120);

      const config = join(ws.dir, 'till-1.json');
      const socket = join(ws.dir, 'till-1.sock');
      writeFileSync(
        config,
        JSON.stringify({
          dataDir,
          computerId: 'till-1',
          serverPublicKey: publicKey,
          socket: { path: socket },
          logLevel: 'debug',
          server: { url: url.replace(/^http/, 'ws') + '/agent', token, backoffInitialMs: 50, backoffMaxMs: 300 },
        }),
      );
      const daemon = await startDaemon(config, socket);
      try {
        const moved = await daemon.waitForLog((l) => typeof l['msg'] === 'string' && /moved aside/.test(l['msg']));
        // The daemon serves, syncs and delivers before the background check finds the damage: what was delivered
        // (its row deleted) before the file was moved aside is not salvaged, and every other legible request is.
        const deliveredBefore = daemon.logs
          .slice(0, daemon.logs.indexOf(moved))
          .filter((l) => l['msg'] === 'approval request delivered').length;
        expect(moved['salvagedOutbox']).toBe(legible.length - deliveredBefore);
        // Found by the full check, which a start after an unclean stop runs once the sockets serve.
        expect(daemon.logs.some((l) => l['msg'] === 'the background check found the cache database damaged')).toBe(
          true,
        );
        for (const id of legible) {
          await daemon.waitForLog((l) => l['msg'] === 'approval request delivered' && l['requestId'] === id);
        }
        const client = await LocalClient.connect(socket);
        try {
          const response = await client.call({ kind: 'status' });
          expect(response.kind === 'status' && response.status.outboxDepth).toBe(0);
        } finally {
          client.close();
        }
      } finally {
        expect(await daemon.stop()).toEqual({ code: 0, signal: null });
      }
      const { requests } = (await admin('GET', '/api/requests')) as { requests: ApprovalRequestRecord[] };
      expect(requests.map((r) => r.id).sort()).toEqual([...legible].sort());
      expect(server.logs.filter((l) => l['msg'] === 'approval request received').length).toBe(legible.length);
    } finally {
      await server.stop();
    }
  });
});
