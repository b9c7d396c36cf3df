// The agent core's interface as the other layers use it: a decision is
// counted and logged once, a repeated one with the file the cache keeps;
// what-ifs are neither cached nor logged; status takes the connection to the
// server from whoever knows it (the sync client), and is 'disabled' without.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { DecisionRecorder } from '../../src/agent/decision-recorder.js';
import { handleLocalRequest } from '../../src/agent/local-handler.js';
import type { TollgateError } from '../../src/engine/errors.js';
import type { Decision, FileRequest } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import type { ViewImage } from '../../src/engine/view-image.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { fileKey, keyHash } from '../../src/wire/file-key.js';
import {
  DEFAULT_DECISION_EXPORT_LIMIT,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../src/wire/local-api.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { sealSettings, sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';
import { contractWorld } from '../support/contract-world.js';

const keys = generateSigningKeys();

/** The contract world's view for till-1, sealed as snapshot `version`. */
function sealContract(version: number): Uint8Array {
  return sealSnapshot(
    { computerId: 'till-1', version, issuedAtMs: 0, settingsVersion: 0, view: buildView(contractWorld(), 'till-1') },
    parsePrivateKey(keys.privateKeyPem),
  );
}
const NOW = Date.parse('2026-11-01T00:00:00Z');

describe('the agent core', () => {
  let dir: string;
  let store: AgentStore;
  let logged: { atMs: number; file: FileRequest; decision: Decision }[];
  let agent: Agent;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-core-'));
    store = AgentStore.open(path.join(dir, 'agent.db'));
    logged = [];
    agent = new Agent({
      store,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: 'till-1',
      noSnapshotAction: 'deny',
      clock: () => NOW,
      onDecision: (atMs, file, decision) => logged.push({ atMs, file, decision }),
    });
    agent.applySnapshot(sealContract(1));
  });

  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts and logs every plain decision; a repeated one is logged with the file it was cached with', () => {
    const first: FileRequest = { path: 'C:\\Users\\kim\\Downloads\\fastcart.exe' };
    const second: FileRequest = { ...first };
    const again: FileRequest = { ...first };
    const decision = agent.decide(first);
    const missesBefore = agent.metrics().cacheMisses;
    // The second ask is decided again and cached; the third is a hit, logged with the second's file.
    expect(agent.decide(second)).toBe(decision);
    expect(agent.metrics().cacheMisses).toBe(missesBefore + 1);
    expect(agent.decide(again)).toBe(decision);
    expect(agent.metrics().cacheMisses).toBe(missesBefore + 1);
    expect(logged).toHaveLength(3);
    expect(logged[0]?.file).toBe(first);
    expect(logged[2]?.file).toBe(second);
    expect(logged.every((entry) => entry.atMs === NOW && entry.decision === decision)).toBe(true);
    // What-ifs: answered, counted, not logged and not cached (neither a hit nor a miss of the cache).
    const cacheBefore = { hits: agent.metrics().cacheHits, misses: agent.metrics().cacheMisses };
    const whatIf = agent.decide(first, { atMs: NOW + 1 });
    expect(whatIf).toEqual(decision);
    expect({ hits: agent.metrics().cacheHits, misses: agent.metrics().cacheMisses }).toEqual(cacheBefore);
    expect(logged).toHaveLength(3);
    const counted = Object.values(agent.status().decisions).reduce((a, b) => a + b, 0);
    expect(counted).toBe(4);
  });

  it("reports each effective setting's source: the snapshot's, then that of pushed settings", () => {
    const view = buildView(contractWorld(), 'till-1');
    const status = agent.status();
    expect(Object.keys(status.settingSources).sort()).toEqual(Object.keys(status.settings).sort());
    expect(status.settingSources).toEqual(view.settingSources);
    const name = 'prioritizeBuiltInApplications';
    agent.applySettings(
      sealSettings(
        {
          computerId: 'till-1',
          settingsVersion: 5,
          issuedAtMs: 0,
          settings: { [name]: false },
          sources: { [name]: 'admin-computer-till-1-prioritizeBuiltInApplications' },
        },
        parsePrivateKey(keys.privateKeyPem),
      ),
    );
    expect(agent.status().settings[name]).toBe(false);
    expect(agent.status().settingSources[name]).toBe('admin-computer-till-1-prioritizeBuiltInApplications');
    // Through the wire as a client reads it.
    const response = handleLocalRequest(agent, decodeRequest(encodeRequest({ id: 1, kind: 'status' })), {
      computerId: 'till-1',
      exportDecisions: () => [],
    });
    const read = decodeResponse(encodeResponse(response));
    if (read.kind !== 'status') throw new Error(`unexpected ${read.kind}`);
    expect(read.status.settingSources[name]).toBe('admin-computer-till-1-prioritizeBuiltInApplications');
  });

  it('refuses a what-if setting it does not know, or of the wrong type, naming it', () => {
    const context = { computerId: 'till-1', exportDecisions: () => [] };
    const ask = (settings: Record<string, boolean | number | string>) => () =>
      handleLocalRequest(
        agent,
        decodeRequest(encodeRequest({ id: 4, kind: 'evaluateFile', file: { path: 'C:\\a.exe' }, settings })),
        context,
      );
    const failure = (fn: () => unknown): { code: string; message: string } => {
      try {
        fn();
      } catch (error) {
        return { code: (error as TollgateError).code, message: (error as Error).message };
      }
      throw new Error('expected a failure');
    };
    const unknown = failure(ask({ prioritizeBuiltInApplication: false }));
    expect(unknown.code).toBe('invalid-field');
    expect(unknown.message).toMatch(/^request\.evaluateFile\.settings\.prioritizeBuiltInApplication: unknown/);
    const mistyped = failure(ask({ prioritizeBuiltInApplications: 'false' }));
    expect(mistyped.code).toBe('invalid-field');
    expect(mistyped.message).toContain('takes a boolean');
    // An evaluation time that is no time.
    for (const atMs of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const notATime = failure(() => agent.decide({ path: 'C:\\a.exe' }, { atMs }));
      expect(notATime).toEqual({ code: 'invalid-field', message: `request.evaluateFile.atMs: ${atMs} is not a time` });
    }
    const answered = ask({ prioritizeBuiltInApplications: false })();
    expect(answered).toMatchObject({ id: 4, kind: 'decision' });
    // What-if settings a client can send but no record holds: a repeated name, a name or a value missing.
    const raw = (settings: object[]) => () =>
      handleLocalRequest(
        agent,
        decodeRequest(
          tollgate.v1.Request.encode({ id: 5, evaluateFile: { file: { path: 'C:\\a.exe' }, settings } }).finish(),
        ),
        context,
      );
    const name = 'prioritizeBuiltInApplications';
    expect(
      failure(
        raw([
          { name, value: { boolValue: true } },
          { name, value: { boolValue: false } },
        ]),
      ),
    ).toEqual({
      code: 'invalid-field',
      message: `request.evaluateFile.settings[1].name: setting ${name} appears twice`,
    });
    const nameless = failure(raw([{ value: { boolValue: true } }]));
    expect(nameless.code).toBe('invalid-field');
    expect(nameless.message).toMatch(/^request\.evaluateFile\.settings\[0\]\.name: /);
    const valueless = failure(raw([{ name }]));
    expect(valueless.code).toBe('invalid-field');
    expect(valueless.message).toMatch(/^request\.evaluateFile\.settings\[0\]\.value: /);
  });

  it('answers a submit whose file has no path missing-field, and a suggestion whatever its file', () => {
    const context = { computerId: 'till-1', exportDecisions: () => [] };
    const ask = (submit: boolean, file: object) =>
      handleLocalRequest(
        agent,
        decodeRequest(
          tollgate.v1.Request.encode({
            id: 9,
            evaluateApproval: { query: { category: 'Games' }, submit, file, user: 'u', reason: 'r' },
          }).finish(),
        ),
        context,
      );
    for (const file of [{}, { path: '', sha256: 'ab' }]) {
      expect(() => ask(true, file)).toThrow(
        expect.objectContaining({
          code: 'missing-field',
          message: 'approval.file.path is required to submit an approval request',
        }),
      );
      expect(ask(false, file)).toMatchObject({ id: 9, kind: 'suggestion' });
    }
  });

  it('refuses an apply without its snapshot as a snapshot that cannot be read, naming the field', () => {
    let refused: Error | undefined;
    const context = { computerId: 'till-1', exportDecisions: () => [], onRefused: (e: Error) => (refused = e) };
    const request = decodeRequest(encodeRequest({ id: 7, kind: 'applySnapshot', snapshot: new Uint8Array(0) }));
    expect(() => handleLocalRequest(agent, request, context)).toThrow(
      'request.applySnapshot.signedSnapshot: is missing',
    );
    expect((refused as TollgateError | undefined)?.code).toBe('bad-message');
    expect(agent.held().snapshotVersion).toBe(1);
  });

  it('reports the held versions the sync client says hello with', () => {
    expect(agent.held()).toEqual({
      snapshotVersion: 1,
      settingsVersion: agent.status().settingsVersion,
      agentVersion: agent.status().agentVersion,
      os: agent.status().os,
      viewHash: agent.viewHash,
    });
    // The base a delta must name: the SHA-256 of the snapshot's view.
    expect(agent.held().viewHash).toHaveLength(32);
  });

  it('exports the default number of newest decisions for a limit of 0 (unset on the wire), else the limit', () => {
    const recorder = new DecisionRecorder(store, 'till-1', 2_000);
    const total = DEFAULT_DECISION_EXPORT_LIMIT + 7;
    for (let n = 0; n < total; n++) {
      const file = { path: `C:\\apps\\tool-${n}.exe` };
      recorder.record(NOW + n, file, agent.decide(file));
    }
    const context = { computerId: 'till-1', exportDecisions: (limit: number) => recorder.export(limit) };
    const exported = (limit: number): string[] => {
      // Through the wire, where 0 and an unset limit are the same bytes.
      const request = decodeRequest(encodeRequest({ id: 9, kind: 'exportDecisions', limit }));
      const response = handleLocalRequest(agent, request, context);
      if (response.kind !== 'decisions') throw new Error(`unexpected ${response.kind}`);
      return response.entries.map((e) => e.file.path);
    };
    const unset = exported(0);
    expect(unset).toHaveLength(DEFAULT_DECISION_EXPORT_LIMIT);
    expect(unset[0]).toBe('C:\\apps\\tool-7.exe');
    expect(unset.at(-1)).toBe(`C:\\apps\\tool-${total - 1}.exe`);
    expect(exported(3)).toEqual(
      [`tool-${total - 3}`, `tool-${total - 2}`, `tool-${total - 1}`].map((t) => `C:\\apps\\${t}.exe`),
    );
    expect(exported(total + 50)).toHaveLength(total);
  });

  it('answers status with the sync state and server the handler is given, or disabled without', () => {
    const context = { computerId: 'till-1', exportDecisions: () => [] };
    const plain = handleLocalRequest(agent, { id: 1, kind: 'status' }, context);
    expect(plain).toMatchObject({
      kind: 'status',
      status: { syncState: 'disabled', serverUrl: null, lastSyncAtMs: null, metricsAddress: null },
    });
    const synced = handleLocalRequest(
      agent,
      { id: 2, kind: 'status' },
      {
        ...context,
        syncStatus: () => ({
          syncState: 'connected',
          serverUrl: 'wss://policy.example/agents',
          lastSyncAtMs: 1_700_000_000_000,
          syncDownSinceMs: null,
        }),
        metricsAddress: () => '127.0.0.1:9464',
      },
    );
    expect(synced).toMatchObject({
      kind: 'status',
      status: {
        computerId: 'till-1',
        snapshotVersion: 1,
        syncState: 'connected',
        serverUrl: 'wss://policy.example/agents',
        lastSyncAtMs: 1_700_000_000_000,
        syncDownSinceMs: null,
        metricsAddress: '127.0.0.1:9464',
      },
    });
  });

  it('leaves out of the decision log a decision its image cannot make, and goes on; an apply is not stopped by what is told of the image it retires', () => {
    const own = AgentStore.open(path.join(dir, 'damaged-texts.db'));
    const recorder = new DecisionRecorder(own, 'till-1', 1_000);
    const made = new Agent({
      store: own,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: 'till-1',
      noSnapshotAction: 'deny',
      clock: () => NOW,
      onDecisionNumber: (atMs: number, file: FileRequest, image: ViewImage, n: number) =>
        recorder.recordNumber(atMs, file, image, n),
      onImageRetired: () => {
        throw new Error('retirement failed');
      },
    });
    made.applySnapshot(sealContract(1));
    const image = made.activeImage as ViewImage;
    const chrome = { path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe' };
    const n = made.decideMissedNumber({ ...chrome }, keyHash(fileKey(chrome) as Buffer));
    // The image's texts are checked for bounds when it is opened, not parsed: a stored image whose
    // ringfence JSON was damaged (the checksum made over the damage) decides but cannot make the decision.
    const damaged = Object.create(image, {
      decisionAt: {
        value: () => {
          throw new SyntaxError('Unexpected token in JSON');
        },
      },
    }) as ViewImage;
    recorder.recordNumber(NOW, { path: 'C:\\a.exe' }, damaged, n);
    recorder.recordNumber(NOW + 1, chrome, image, n);
    recorder.flush();
    recorder.recordNumber(NOW + 2, { path: 'C:\\b.exe' }, damaged, n);
    expect(() => recorder.settle(damaged)).not.toThrow();
    recorder.flush();
    // The decision decideMissedNumber recorded and the one recorded after it; neither damaged one.
    const logged = own.exportDecisions(1_000).map((row) => JSON.parse(row.request) as FileRequest);
    expect(logged).toEqual([chrome, chrome]);
    // The apply goes on whatever the retirement callback throws.
    expect(() => made.applySnapshot(sealContract(2))).not.toThrow();
    expect(made.status().snapshotVersion).toBe(2);
    own.close();
  });

  it('decides a file the cache missed by number as by Decision: same decisions, counts, cache and decision log', () => {
    const retired: ViewImage[] = [];
    const agents = [0, 1].map((k) => {
      const own = AgentStore.open(path.join(dir, `agent-${k}.db`));
      const recorder = new DecisionRecorder(own, 'till-1', 1_000);
      const made = new Agent({
        store: own,
        publicKey: parsePublicKey(keys.publicKeyPem),
        computerId: 'till-1',
        noSnapshotAction: 'deny',
        clock: () => NOW,
        onDecision: (atMs, file, decision, cached) => recorder.record(atMs, file, decision, cached),
        ...(k === 1
          ? {
              onDecisionNumber: (atMs: number, file: FileRequest, image: ViewImage, n: number) =>
                recorder.recordNumber(atMs, file, image, n),
              onImageRetired: (image: ViewImage) => {
                retired.push(image);
                recorder.settle(image);
              },
            }
          : {}),
      });
      made.applySnapshot(sealContract(1));
      return { agent: made, recorder, store: own };
    });
    const files: FileRequest[] = [
      { path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', certSubject: 'CN=Google LLC' },
      { path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe' },
      { path: 'C:\\Program Files\\Google\\Drive\\drive.exe' },
      { path: 'C:\\Temp\\x.exe', sha256: 'AA11BB22CC33DD44EE55FF6600112233445566778899AABBCCDDEEFF00112233' },
      { path: 'C:\\Apps\\fastcart.exe' },
      { path: 'C:\\Users\\kim\\Downloads\\unknown.exe' },
    ];
    const ask = (k: number, file: FileRequest): Decision => {
      const { agent: one } = agents[k] as (typeof agents)[number];
      const key = fileKey(file) as Buffer;
      const hash = keyHash(key);
      const cached = one.decideCached(key, key.length, hash);
      if (cached !== undefined) return cached;
      if (k === 0) return one.decideMissed({ ...file }, hash);
      const image = one.activeImage as ViewImage;
      return image.decisionAt(one.decideMissedNumber({ ...file }, hash));
    };
    // Each file asked once, twice (cached from the second ask) and three times (a hit), around an apply.
    for (let round = 0; round < 3; round++) {
      for (const file of files.slice(0, 2 + 2 * round)) expect(ask(1, file)).toEqual(ask(0, file));
    }
    const before = (agents[1] as (typeof agents)[number]).agent.activeImage;
    for (const { agent: one } of agents) one.applySnapshot(sealContract(2));
    expect(retired).toEqual([before]);
    for (const file of files) expect(ask(1, file)).toEqual(ask(0, file));
    const [a, b] = agents as [(typeof agents)[number], (typeof agents)[number]];
    expect(b.agent.metrics().decisions).toEqual(a.agent.metrics().decisions);
    expect([b.agent.metrics().cacheHits, b.agent.metrics().cacheMisses]).toEqual([
      a.agent.metrics().cacheHits,
      a.agent.metrics().cacheMisses,
    ]);
    const rows = (store: AgentStore): unknown[] =>
      store.exportDecisions(1_000).map(({ atMs, request, decision, action, policy }) => ({
        atMs,
        request,
        decision,
        action,
        policy,
      }));
    a.recorder.flush();
    b.recorder.flush();
    expect(rows(b.store)).toEqual(rows(a.store));
    expect(rows(b.store)).toHaveLength(2 + 4 + 6 + files.length);
    for (const { store: own } of agents) own.close();
  });
});
