/**
 * Simulated agents for the fleet section, in a child process of their own
 * (forked with an IPC channel), so that they do not share the server's
 * event loop or the benchmark's. Each agent speaks the protocol as a daemon
 * does: hello with the snapshot version, settings version and view hash it
 * holds, and an acknowledgement of every snapshot, delta and settings
 * message with the versions and view hash it then holds. They do NOT verify
 * signatures nor apply deltas to a view: they take the header's versions
 * and view hash as given (the protocol's correctness is the tests' job).
 * A delta is read for those header fields alone, without decoding the
 * message (deltaHeader): the agents share the machine's cores with the
 * servers they measure, and a real agent runs on a computer of its own.
 * What they send is what a daemon sends.
 *
 * Commands (IPC): `connect` the agents; `mark` the versions each holds;
 * `await` until the agents listed acknowledged something newer than at the
 * mark (reports the time of the last such acknowledgement); `ping` start or
 * stop a WebSocket ping every `intervalMs` from one agent, reporting the
 * worst round trip; `close`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { openStoredDeltaUnverified, signedSnapshotViewHash } from '../../src/wire/delta.js';
import { openStoredSettingsUnverified, peekSnapshot } from '../../src/wire/signed.js';
import { decodeServerMessage, encodeAgentMessage } from '../../src/wire/sync-messages.js';

/** One agent as the parent describes it: who it is and what it holds. */
export interface AgentSpec {
  id: string;
  token: string;
  snapshotVersion: number;
  settingsVersion: number;
  /** The view hash it holds, hex; '' for none. */
  viewHash: string;
}

export type AgentCommand =
  | { kind: 'connect'; url: string; agents: AgentSpec[]; concurrency: number }
  | { kind: 'mark' }
  | { kind: 'await'; ids: string[]; timeoutMs: number }
  | { kind: 'ping'; on: boolean; intervalMs: number }
  | { kind: 'close' };

export type AgentReport =
  | { kind: 'connected'; agents: number; firstMessages: Record<string, number>; refusals: string[] }
  | { kind: 'marked' }
  | { kind: 'acked'; waited: number; acked: number; lastAckAtMs: number; kinds: Record<string, number> }
  | { kind: 'pinged'; worstMs: number; pings: number; ownLoopDelayMaxMs: number }
  | { kind: 'error'; message: string };

/** A clock shared by the processes of the machine: ms since the epoch, sub-millisecond. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

interface Agent {
  spec: AgentSpec;
  ws: WebSocket;
  snapshotVersion: number;
  settingsVersion: number;
  viewHash: Uint8Array | undefined;
  /** Versions at the last mark. */
  markSnapshot: number;
  markSettings: number;
  lastAckAtMs: number;
  /** What it received since the mark, by kind. */
  received: Record<string, number>;
}

const agents = new Map<string, Agent>();
/** The agents an `await` waits for; those before `next` acknowledged something newer than at the mark. */
let waiting: { ids: string[]; next: number; done: () => void } | null = null;

function send(report: AgentReport): void {
  process.send?.(report);
}

function newer(a: Agent): boolean {
  return a.snapshotVersion > a.markSnapshot || a.settingsVersion > a.markSettings;
}

function checkWaiting(): void {
  if (waiting === null) return;
  // An agent stays newer until the next mark: each is passed over once, not at every acknowledgement.
  for (; waiting.next < waiting.ids.length; waiting.next++) {
    const agent = agents.get(waiting.ids[waiting.next]!);
    if (agent !== undefined && !newer(agent)) return;
  }
  const done = waiting.done;
  waiting = null;
  done();
}

function ack(agent: Agent): void {
  agent.ws.send(
    encodeAgentMessage({
      kind: 'ack',
      snapshotVersion: agent.snapshotVersion,
      settingsVersion: agent.settingsVersion,
      error: '',
      ...(agent.viewHash === undefined ? {} : { viewHash: agent.viewHash }),
    }),
  );
  agent.lastAckAtMs = nowMs();
}

/** A protobuf record read by readRecord: its field, and its value (a varint's number, or a LEN record's bytes). */
interface WireRecord {
  field: number;
  value: number | Uint8Array;
  next: number;
}

/** The record of `buf` at `at`: varint and LEN records only (what a delta's header is made of); null for others. */
function readRecord(buf: Uint8Array, at: number): WireRecord | null {
  const varint = (from: number): { value: number; next: number } => {
    let value = 0;
    let scale = 1;
    let i = from;
    for (;;) {
      if (i >= buf.length || i - from > 9) throw new Error('a malformed varint');
      const byte = buf[i++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return { value, next: i };
      scale *= 128;
    }
  };
  const key = varint(at);
  const wireType = key.value % 8;
  const field = Math.floor(key.value / 8);
  if (wireType === 0) {
    const v = varint(key.next);
    return { field, value: v.value, next: v.next };
  }
  if (wireType !== 2) return null;
  const length = varint(key.next);
  const end = length.next + length.value;
  if (end > buf.length) throw new Error('a record past the end of its message');
  return { field, value: buf.subarray(length.next, end), next: end };
}

/**
 * The versions and view hash a delta's header carries, read from the
 * ServerMessage without decoding the rest of it (the entries it puts, the
 * signature): null when the message is not a delta. What the agent then
 * takes as given, as it would from openStoredDeltaUnverified.
 */
export function deltaHeader(
  data: Uint8Array,
): { version: number; settingsVersion: number; viewHash: Uint8Array } | null {
  const outer = readRecord(data, 0);
  if (outer?.field !== 6 || !(outer.value instanceof Uint8Array) || outer.next !== data.length) return null;
  let payload: Uint8Array | null = null;
  for (let at = 0; at < outer.value.length;) {
    const r = readRecord(outer.value, at);
    if (r === null) return null;
    if (r.field === 1 && r.value instanceof Uint8Array) payload = r.value;
    at = r.next;
  }
  if (payload === null) return null;
  let version = 0;
  let settingsVersion = 0;
  let viewHash: Uint8Array | null = null;
  // The header's fields come first (1 to 8); the entries after them are not needed.
  for (let at = 0; at < payload.length;) {
    const r = readRecord(payload, at);
    if (r === null) {
      // issuedAtMs (field 6) is a fixed 64-bit record: passed over.
      if (payload[at] === ((6 << 3) | 1)) {
        at += 9;
        continue;
      }
      return null;
    }
    if (r.field === 4 && typeof r.value === 'number') version = r.value;
    else if (r.field === 5 && typeof r.value === 'number') settingsVersion = r.value;
    else if (r.field === 7 && r.value instanceof Uint8Array) viewHash = r.value;
    else if (r.field > 8) break;
    at = r.next;
  }
  return viewHash === null ? null : { version, settingsVersion, viewHash };
}

/** Handles one server message; returns its kind. */
function receive(agent: Agent, data: Uint8Array): string {
  // A delta (the bulk of a global change) is read for its header alone: see deltaHeader.
  const header = deltaHeader(data);
  if (header !== null) {
    agent.received['delta'] = (agent.received['delta'] ?? 0) + 1;
    agent.snapshotVersion = header.version;
    agent.settingsVersion = header.settingsVersion;
    // A copy: the message's bytes (and the read buffer under them) are not kept.
    agent.viewHash = Buffer.from(header.viewHash);
    ack(agent);
    if (agent.snapshotVersion > agent.markSnapshot || agent.settingsVersion > agent.markSettings) checkWaiting();
    return 'delta';
  }
  const message = decodeServerMessage(data);
  agent.received[message.kind] = (agent.received[message.kind] ?? 0) + 1;
  switch (message.kind) {
    case 'snapshot': {
      const header = peekSnapshot(message.signed);
      agent.snapshotVersion = header.version;
      agent.settingsVersion = header.settingsVersion;
      agent.viewHash = signedSnapshotViewHash(message.signed);
      ack(agent);
      break;
    }
    case 'delta': {
      const delta = openStoredDeltaUnverified(message.signed);
      agent.snapshotVersion = delta.version;
      agent.settingsVersion = delta.settingsVersion;
      agent.viewHash = delta.viewHash;
      ack(agent);
      break;
    }
    case 'settings': {
      agent.settingsVersion = openStoredSettingsUnverified(message.signed).settingsVersion;
      ack(agent);
      break;
    }
    case 'refusal':
      throw new Error(`${agent.spec.id} refused: ${message.code} ${message.message}`);
    case 'upToDate':
    case 'receipt':
      break;
  }
  if (agent.snapshotVersion > agent.markSnapshot || agent.settingsVersion > agent.markSettings) checkWaiting();
  return message.kind;
}

async function connectAll(url: string, specs: AgentSpec[], concurrency: number): Promise<AgentReport> {
  const firstMessages: Record<string, number> = {};
  const refusals: string[] = [];
  let next = 0;
  const connectOne = (spec: AgentSpec): Promise<void> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const agent: Agent = {
        spec,
        ws,
        snapshotVersion: spec.snapshotVersion,
        settingsVersion: spec.settingsVersion,
        viewHash: spec.viewHash === '' ? undefined : Buffer.from(spec.viewHash, 'hex'),
        markSnapshot: 0,
        markSettings: 0,
        lastAckAtMs: 0,
        received: {},
      };
      agents.set(spec.id, agent);
      let first = true;
      ws.on('error', (error) => (first ? reject(error) : send({ kind: 'error', message: error.message })));
      ws.on('open', () =>
        ws.send(
          encodeAgentMessage({
            kind: 'hello',
            computerId: spec.id,
            token: spec.token,
            agentVersion: '4.2.0',
            os: 'windows',
            snapshotVersion: spec.snapshotVersion,
            settingsVersion: spec.settingsVersion,
            ...(agent.viewHash === undefined ? {} : { viewHash: agent.viewHash }),
          }),
        ),
      );
      ws.on('message', (data) => {
        let kind: string;
        try {
          kind = receive(agent, rawDataBytes(data));
        } catch (error) {
          refusals.push((error as Error).message);
          kind = 'refusal';
        }
        if (first) {
          first = false;
          firstMessages[kind] = (firstMessages[kind] ?? 0) + 1;
          resolve();
        }
      });
    });
  const worker = async (): Promise<void> => {
    while (next < specs.length) await connectOne(specs[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
  return { kind: 'connected', agents: agents.size, firstMessages, refusals: refusals.slice(0, 5) };
}

let pinging: { stop: () => void; done: Promise<AgentReport> } | null = null;

function startPinging(intervalMs: number): void {
  const pinger = agents.values().next().value;
  if (pinger === undefined) return;
  let on = true;
  let worstMs = 0;
  let pings = 0;
  // This process's own event-loop delay meanwhile: the part of a slow round trip that is not the server's.
  const ownDelay = monitorEventLoopDelay({ resolution: 5 });
  ownDelay.enable();
  const done = (async (): Promise<AgentReport> => {
    while (on) {
      const sent = performance.now();
      await new Promise<void>((resolve) => {
        pinger.ws.once('pong', () => resolve());
        pinger.ws.ping();
      });
      worstMs = Math.max(worstMs, performance.now() - sent);
      pings++;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    ownDelay.disable();
    return { kind: 'pinged', worstMs, pings, ownLoopDelayMaxMs: ownDelay.max / 1e6 };
  })();
  pinging = { stop: () => (on = false), done };
}

async function handle(command: AgentCommand): Promise<void> {
  switch (command.kind) {
    case 'connect':
      send(await connectAll(command.url, command.agents, command.concurrency));
      break;
    case 'mark':
      for (const agent of agents.values()) {
        agent.markSnapshot = agent.snapshotVersion;
        agent.markSettings = agent.settingsVersion;
        agent.received = {};
      }
      send({ kind: 'marked' });
      break;
    case 'await': {
      const mine = command.ids.filter((id) => agents.has(id));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          waiting = null;
          resolve();
        }, command.timeoutMs);
        waiting = {
          ids: mine,
          next: 0,
          done: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        checkWaiting();
      });
      let acked = 0;
      let lastAckAtMs = 0;
      const kinds: Record<string, number> = {};
      for (const id of mine) {
        const agent = agents.get(id)!;
        if (!newer(agent)) continue;
        acked++;
        lastAckAtMs = Math.max(lastAckAtMs, agent.lastAckAtMs);
        for (const [kind, n] of Object.entries(agent.received)) kinds[kind] = (kinds[kind] ?? 0) + n;
      }
      send({ kind: 'acked', waited: mine.length, acked, lastAckAtMs, kinds });
      break;
    }
    case 'ping':
      if (command.on) startPinging(command.intervalMs);
      else if (pinging !== null) {
        pinging.stop();
        send(await pinging.done);
        pinging = null;
      } else send({ kind: 'pinged', worstMs: 0, pings: 0, ownLoopDelayMaxMs: 0 });
      break;
    case 'close':
      for (const agent of agents.values()) agent.ws.terminate();
      process.disconnect?.();
      break;
  }
}

process.on('message', (command: AgentCommand) => {
  handle(command).catch((error: unknown) => send({ kind: 'error', message: (error as Error).message }));
});
