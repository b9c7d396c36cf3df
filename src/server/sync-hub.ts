import type { KeyObject } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { TollgateError } from '../engine/errors.js';
import { isStorageFailure } from '../store/storage-error.js';
import {
  checkAgentSuggestion,
  checkApprovalQueryGiven,
  checkApprovalRequestFields,
  checkSubmissionBytes,
} from '../wire/approval-limits.js';
import { rawDataBytes } from '../wire/raw-data.js';
import {
  decodeAgentMessage,
  encodeServerMessage,
  type AgentMessage,
  type ApprovalSubmission,
  type ServerMessage,
  UnreadableSubmission,
} from '../wire/sync-messages.js';
import { hashHex } from '../wire/delta.js';
import { WarningLimits } from '../wire/log-limit.js';
import {
  DELTA_FALLBACK_PREFIX,
  RECEIPT_REFUSAL_CODES,
  REFUSAL_CLOSE_CODES,
  SYNC_CLOSE_CODES,
  SYNC_REFUSAL_CODES,
  type SyncRefusalCode,
} from '../wire/protocol-codes.js';
import { signBytes } from '../wire/signing.js';
import type { EncodedBody } from '../wire/view-splice.js';
import { DeltaIssuer, finishDelta, type HeldView, type UnsignedDelta, type ViewMessage } from './delta.js';
import type { DeltaSigner } from './delta-signer.js';
import { DEFAULT_SLICE_MS, Pacer } from './pacer.js';
import { NO_PHASE_MARKS, type PhaseMarks } from './stall-monitor.js';
import { tokenHash } from './tokens.js';
import type { CurrentView, ServerStateApi, ViewChanges } from './types.js';

/** The path agents connect to. */
export const AGENT_PATH = '/agent';

/** WebSocket close codes of the sync endpoint (wire/protocol-codes.ts). */
export const CLOSE_CODES = SYNC_CLOSE_CODES;

/** The hub's default bounds (docs/SERVER.md, "Bounds"). */
export const SYNC_HUB_DEFAULTS = Object.freeze({
  /** Bytes waiting to be sent to one agent, at most, before the connection is closed (4429). */
  maxBufferedBytes: 16 * 1024 * 1024,
  /**
   * Bytes waiting to be sent to all agents together, at most: past it a
   * connection that has not read what it was sent before is closed (4429).
   */
  maxTotalBufferedBytes: 1024 * 1024 * 1024,
  /** Connections that have not said hello yet, at most; more are refused at upgrade (HTTP 503). */
  maxPendingHellos: 1000,
  /** Pending approval requests per computer, at most; more are answered with a refusing receipt. */
  maxPendingApprovalsPerComputer: 100,
  /** Messages of one connection received but not handled yet, at most; then it is not read until they are. */
  maxQueuedMessages: 64,
});

/** Warnings of one kind that peers can set off, logged one by one each second (see SyncHub.warnLimited). */
export const WARNINGS_LOGGED_PER_SECOND = 20;

/**
 * How many pong deadlines (sync.pongTimeoutMs) a ping may wait to be written
 * behind what is queued on its socket before the agent is dropped: one
 * that reads nothing is not kept for ever.
 */
export const PONG_WRITE_ALLOWANCE = 6;

/** Why the server refuses an approval request for good: its receipt carries the code, and the agent forgets it. */
const REFUSED_FOR_GOOD: ReadonlySet<string> = new Set(RECEIPT_REFUSAL_CODES);

export interface HubLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface SyncHubOptions {
  state: ServerStateApi;
  logger: HubLogger;
  clock: () => number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  /** Largest message an agent may send; larger ones close the connection (1009). */
  maxMessageBytes: number;
  /** A connection that has not said hello by then is closed. */
  helloTimeoutMs: number;
  /** Default SYNC_HUB_DEFAULTS.maxBufferedBytes. */
  maxBufferedBytes?: number;
  /** Default SYNC_HUB_DEFAULTS.maxTotalBufferedBytes. */
  maxTotalBufferedBytes?: number;
  /** Default SYNC_HUB_DEFAULTS.maxPendingHellos. */
  maxPendingHellos?: number;
  /** Default SYNC_HUB_DEFAULTS.maxPendingApprovalsPerComputer. */
  maxPendingApprovalsPerComputer?: number;
  /** Bytes of recently sent views kept as delta bases (default DEFAULT_DELTA_VIEW_CACHE_BYTES; 0: no deltas). */
  deltaViewCacheBytes?: number;
  /** Default SYNC_HUB_DEFAULTS.maxQueuedMessages. */
  maxQueuedMessages?: number;
  /** Where agents connected to other server processes sharing the store are known (PostgreSQL); none: this one only. */
  presence?: HubPresence;
  /** Told of what is sent and acknowledged, for metrics; none: nothing is counted. */
  metrics?: SyncHubMetrics;
  /** Where the phases of long work are marked (see StallMonitor); default none. */
  phases?: PhaseMarks;
  /** How long the hub's long work (a push, a heartbeat round) runs before it yields (default DEFAULT_SLICE_MS). */
  sliceMs?: number;
  /**
   * Signs the deltas of a push in batches off the event loop (WorkerDeltaSigner); closed with the hub.
   * None: every delta is signed on the event loop as it is sent.
   */
  deltaSigner?: DeltaSigner;
  /** Deltas of a push signed in one batch by `deltaSigner`, at most (default PUSH_SIGN_BATCH). */
  signBatch?: number;
  /**
   * Whether a push takes back batches the signer has not answered yet and signs them on the event loop
   * rather than wait (default true); false waits for every answer (tests of the signer's path).
   */
  takeBackFromSigner?: boolean;
}

/** Deltas of a push handed to the delta signer in one batch, by default. */
export const PUSH_SIGN_BATCH = 128;

/**
 * How long a connection the server closes (a refusal, a replaced or
 * non-reading agent) has to answer the close handshake before it is cut:
 * ws would wait 30 s, and a connection still waiting for its hello holds a
 * `maxPendingHellos` slot meanwhile.
 */
export const CLOSE_GRACE_MS = 1000;

/** Batches of a push left with the signer while the push goes on, at most; more are taken back and signed here. */
const PUSH_BATCHES_QUEUED = 3;

/** Computers of a push whose view hashes one request to the signing thread asks for, at most. */
const PUSH_HASH_VIEWS = 512;

/** Bytes of bodies and records in one view hash request of a push, at most (the first: a quarter of it). */
const PUSH_HASH_BYTES = 4 * 1024 * 1024;

/** View hash requests of a push ahead of its sending, at most. */
const PUSH_HASHES_AHEAD = 2;

/** A view hash request of a push: the computers from `start` to `end` (indexes in its list), settled when answered. */
interface HashAhead {
  start: number;
  end: number;
  answered: Promise<void>;
}

/** A batch of a push's deltas handed to the signer. */
interface SignBatch {
  items: PendingSend[];
  key: KeyObject;
  /** The signer's answer, once it came (and unless the batch was taken back). */
  signatures: Uint8Array[] | null;
  failed: boolean;
  /** Taken back: signed on the event loop; the signer's answer, if it comes, is dropped. */
  taken: boolean;
  /** Settles when the signer answered (or failed). */
  settled: Promise<void>;
}

/** A delta of a push waiting for its signature. */
interface PendingSend {
  conn: Connection;
  computerId: string;
  unsigned: UnsignedDelta;
  /** The view it was made from: the pushes it covers and the settings version it carries (see ViewSent). */
  from: ViewSent;
}

/** What a view message sent to an agent brings it up to: the newest push made when its view was read, and the settings version the view carries. */
interface ViewSent {
  atPush: number;
  settingsVersion: number;
}

/** What the hub pushes: a full snapshot, a delta from the agent's view, or new settings. */
export type PushKind = 'snapshot' | 'delta' | 'settings';

/** The hub's events that metrics count (server metrics.ts). */
export interface SyncHubMetrics {
  /** A snapshot, delta or settings message was handed to an agent's connection. */
  pushed(kind: PushKind): void;
  /** An agent acknowledged applying what was sent `seconds` after it was sent (a delta counts as a snapshot). */
  acknowledged(kind: 'snapshot' | 'settings', seconds: number): void;
}

/** Which agents are connected to which server process, when several share one store. */
export interface HubPresence {
  /** Records that an agent is connected to this process now, or no longer. */
  markConnected(computerId: string, connected: boolean): Promise<void>;
  /** Which of these computers are connected to another running process. */
  connectedElsewhere(ids: readonly string[]): Promise<Set<string>>;
}

/** A connected agent whose last acknowledgement during a wait refused what it was sent, with the error it gave. */
export interface RefusedAgent {
  computer: string;
  error: string;
}

/**
 * Who applied a change: connected agents that acknowledged applying it,
 * those that have not applied it (silent, or refusing: those are in
 * `refused` too, with their error), and those offline.
 */
export interface ApplyReport {
  applied: string[];
  pending: string[];
  refused: RefusedAgent[];
  offline: string[];
}

interface Connection {
  ws: WebSocket;
  computerId: string | null;
  pongTimer: NodeJS.Timeout | null;
  /**
   * Whether a message came from the agent since the last heartbeat round: the connection is alive, and the
   * round skips its ping (a push to thousands of agents, each acknowledging, would otherwise add as many
   * pings and pongs to it).
   */
  heard: boolean;
  helloTimer: NodeJS.Timeout | null;
  /** The snapshot version and view hash the agent holds, or will once it applied what was sent. */
  held: HeldView;
  /**
   * The settings version the agent holds, or will once it applied what was sent (a settings message, or a
   * view, which carries its settings): newer settings are sent only above it, so that an acknowledgement of
   * an older version, heard after newer settings went, or two pushes of one version, send nothing twice.
   */
  heldSettings: number;
  /** The version of the last full snapshot sent because the agent could not apply a delta. */
  fullSentFor: number;
  /**
   * A push's delta to this agent that waits for its signature (prepareView), until it is sent. `held` counts it
   * already, so whatever is sent to the agent after it was prepared sends it first (sendWaitingDelta).
   */
  waitingDelta: PendingSend | null;
  /**
   * The number of the newest push made (SyncHub.pushCount) when a hello or an acknowledgement last caught
   * the agent up to a new snapshot version: that push and those before it have nothing more to send it.
   */
  caughtUpAtPush: number;
  /** The connection's messages are handled one after the other, in order. */
  handled: Promise<void>;
  queued: number;
  /** The newest snapshot and settings versions sent and not acknowledged yet, with when they were sent (clock ms). */
  unacked: { snapshot: { version: number; atMs: number } | null; settings: { version: number; atMs: number } | null };
  /** The sha256 of the token its hello gave (set once authenticated): the connection ends when it is no longer current. */
  tokenHash: Buffer | null;
}

interface Waiter {
  /** The computers that have not applied the change yet, each with the version that applies it. */
  remaining: Map<string, number>;
  /** Computers of `remaining` whose last acknowledgement refused what they were sent, with its error. */
  refused: Map<string, string>;
  field: 'ackedSnapshotVersion' | 'ackedSettingsVersion';
  done: () => void;
}

/** What an acknowledgement says to the waits (SyncHub.settle). */
interface AckHeard {
  computerId: string;
  snapshotVersion: number;
  settingsVersion: number;
  /** The refusal's error; null: applied. */
  error: string | null;
  /** Whether the server answered the refusal by sending the agent something again (a full snapshot, a version issued above). */
  sentAgain: boolean;
}

/**
 * The server end of sync: authenticates agents by hello, sends each the
 * newest signed snapshot or settings it lacks, pushes changes to connected
 * agents at once, records their acknowledgements, and drops dead peers by
 * heartbeat.
 */
export class SyncHub {
  private readonly options: SyncHubOptions;
  private readonly wss: WebSocketServer;
  private readonly byComputer = new Map<string, Connection>();
  private readonly connections = new Set<Connection>();
  private readonly waiters = new Set<Waiter>();
  private readonly pingTimer: NodeJS.Timeout;
  private readonly bounds: { [K in keyof typeof SYNC_HUB_DEFAULTS]: number };
  private readonly deltas: DeltaIssuer;
  /** Connections that have not said hello yet. */
  private pendingHellos = 0;
  /** Bytes handed to the connections' sockets and not yet written to the system: every agent's together. */
  private unsentBytes = 0;
  /** The bound of each message of warnLimited. */
  private readonly warnings: WarningLimits;
  private closed = false;
  private readonly unwatch: () => void;
  private pushing: Promise<void> = Promise.resolve();
  /** Pushes made so far: each push is numbered, from 1. */
  private pushCount = 0;
  /** Whether a heartbeat round is under way. */
  private beating = false;
  private readonly sliceMs: number;
  private readonly phases: PhaseMarks;

  constructor(options: SyncHubOptions) {
    this.options = options;
    this.warnings = new WarningLimits(WARNINGS_LOGGED_PER_SECOND, (fields, msg) => options.logger.warn(fields, msg));
    this.phases = options.phases ?? NO_PHASE_MARKS;
    this.sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    this.bounds = {
      maxBufferedBytes: options.maxBufferedBytes ?? SYNC_HUB_DEFAULTS.maxBufferedBytes,
      maxTotalBufferedBytes: options.maxTotalBufferedBytes ?? SYNC_HUB_DEFAULTS.maxTotalBufferedBytes,
      maxPendingHellos: options.maxPendingHellos ?? SYNC_HUB_DEFAULTS.maxPendingHellos,
      maxPendingApprovalsPerComputer:
        options.maxPendingApprovalsPerComputer ?? SYNC_HUB_DEFAULTS.maxPendingApprovalsPerComputer,
      maxQueuedMessages: options.maxQueuedMessages ?? SYNC_HUB_DEFAULTS.maxQueuedMessages,
    };
    this.deltas = new DeltaIssuer({
      ...(options.deltaViewCacheBytes === undefined ? {} : { maxViewBytes: options.deltaViewCacheBytes }),
      signingKey: () => options.state.deltaSigningKey(),
      clock: options.clock,
    });
    // Another server process sharing the store changed views, or heard acknowledgements.
    this.unwatch = options.state.watch({
      onViewChanges: (changes) => this.push(changes),
      onAcks: (acks) => {
        // The process the agent is connected to sends what a refusal asks for: here it is the agent's answer.
        for (const ack of acks) this.settle({ ...ack, sentAgain: false });
      },
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
    this.wss.on('connection', (ws) => this.accept(ws));
    this.pingTimer = setInterval(() => this.heartbeat(), options.pingIntervalMs);
    this.pingTimer.unref();
  }

  /** Takes over WebSocket upgrades on AGENT_PATH of an HTTP(S) server; other paths are refused. */
  attach(server: HttpServer | HttpsServer): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      // A refusal is written, then the socket destroyed: ending it closes only this side, and a peer that never
      // closes its own would keep it (and a file descriptor) for good.
      const refuse = (status: string, headers = ''): void => {
        socket.once('finish', () => socket.destroy());
        socket.end(`HTTP/1.1 ${status}\r\n${headers}Connection: close\r\n\r\n`);
      };
      let path: string | undefined;
      try {
        path = new URL(request.url ?? '/', 'http://localhost').pathname;
      } catch {
        path = undefined;
      }
      if (path !== AGENT_PATH || this.closed) {
        refuse('404 Not Found');
        return;
      }
      if (this.pendingHellos >= this.bounds.maxPendingHellos) {
        this.warnLimited('agent connection refused: too many connections waiting for their hello', {
          pendingHellos: this.pendingHellos,
          maxPendingHellos: this.bounds.maxPendingHellos,
        });
        refuse('503 Service Unavailable', 'Retry-After: 10\r\n');
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => this.wss.emit('connection', ws, request));
    });
  }

  get connectedCount(): number {
    return this.byComputer.size;
  }

  /** Connections that have not said hello yet (at most `maxPendingHellos`). */
  get pendingHelloCount(): number {
    return this.pendingHellos;
  }

  /** The bytes of views kept as delta bases (at most `deltaViewCacheBytes`). */
  get deltaViewCacheBytes(): number {
    return this.deltas.cachedBytes;
  }

  isConnected(computerId: string): boolean {
    return this.byComputer.has(computerId);
  }

  private accept(ws: WebSocket): void {
    const conn: Connection = {
      ws,
      computerId: null,
      pongTimer: null,
      heard: false,
      helloTimer: null,
      held: { version: 0 },
      heldSettings: 0,
      fullSentFor: 0,
      waitingDelta: null,
      caughtUpAtPush: 0,
      handled: Promise.resolve(),
      queued: 0,
      unacked: { snapshot: null, settings: null },
      tokenHash: null,
    };
    this.connections.add(conn);
    this.pendingHellos++;
    conn.helloTimer = setTimeout(
      () => this.refuse(conn, SYNC_REFUSAL_CODES.helloTimeout, 'no hello in time'),
      this.options.helloTimeoutMs,
    );
    conn.helloTimer.unref();
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(conn, data, isBinary));
    ws.on('pong', () => {
      if (conn.pongTimer !== null) clearTimeout(conn.pongTimer);
      conn.pongTimer = null;
    });
    ws.on('error', (error) =>
      this.warnLimited('agent connection error', { computerId: conn.computerId, err: error.message }),
    );
    ws.on('close', () => this.drop(conn));
  }

  private drop(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    if (conn.computerId === null) this.pendingHellos--;
    if (conn.pongTimer !== null) clearTimeout(conn.pongTimer);
    // A deadline judged after this (its check was already queued) finds none: no drop of a connection gone.
    conn.pongTimer = null;
    if (conn.helloTimer !== null) clearTimeout(conn.helloTimer);
    const id = conn.computerId;
    if (id !== null && this.byComputer.get(id) === conn) {
      this.byComputer.delete(id);
      this.options.logger.info({ computerId: id }, 'agent disconnected');
      // A close handler must never throw: that would take the whole server down.
      const failed = (error: unknown): void =>
        this.options.logger.error(
          { computerId: id, code: codeOf(error), err: (error as Error).message },
          'cannot record that an agent disconnected',
        );
      try {
        this.options.state.setConnected(id, false, this.options.clock()).catch(failed);
      } catch (error) {
        failed(error);
      }
      this.markPresence(id, false);
    }
  }

  /** Tells the other server processes where an agent is connected; a failure is logged (they count it offline). */
  private markPresence(computerId: string, connected: boolean): void {
    const presence = this.options.presence;
    if (presence === undefined) return;
    presence
      .markConnected(computerId, connected)
      .catch((error: unknown) =>
        this.options.logger.warn(
          { computerId, connected, code: codeOf(error), err: (error as Error).message },
          'cannot record where an agent is connected',
        ),
      );
  }

  /**
   * Sends unless the agent is not reading: when what waits to be sent to it
   * would go over maxBufferedBytes (one message always goes onto an empty
   * buffer), the connection is closed (4429) instead. The agent reconnects
   * and resumes from the versions it holds, so nothing is lost.
   */
  private send(conn: Connection, message: ServerMessage, encoded?: Uint8Array): void {
    // What was decided before this message leaves before it.
    this.sendWaitingDelta(conn);
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    const bytes = encoded ?? encodeServerMessage(message);
    const buffered = conn.ws.bufferedAmount;
    // A WebSocket frame adds at most 10 bytes of header to a server's message.
    const size = bytes.length + 10;
    if (buffered > 0 && buffered + size > this.bounds.maxBufferedBytes) {
      this.warnLimited('agent does not read what it is sent: closing its connection', {
        computerId: conn.computerId,
        bufferedBytes: buffered,
        maxBufferedBytes: this.bounds.maxBufferedBytes,
      });
      this.closeSoon(conn.ws, CLOSE_CODES.sendBufferFull, 'send-buffer-full');
      return;
    }
    // Every agent's buffers together: an agent that has not read what it was sent gets no more while they are
    // full (one that has read everything still gets its message).
    if (buffered > 0 && this.unsentBytes + size > this.bounds.maxTotalBufferedBytes) {
      this.warnLimited('agents do not read what they are sent: closing a connection that has not read its own', {
        computerId: conn.computerId,
        bufferedBytes: buffered,
        unsentBytes: this.unsentBytes,
        maxTotalBufferedBytes: this.bounds.maxTotalBufferedBytes,
      });
      this.closeSoon(conn.ws, CLOSE_CODES.sendBufferFull, 'send-buffer-full');
      return;
    }
    this.unsentBytes += size;
    conn.ws.send(bytes, () => {
      // Written, or the connection closed first: either way it holds it no longer.
      this.unsentBytes -= size;
    });
  }

  /**
   * Logs a warning that peers can set off at will (a refusal), at most
   * WARNINGS_LOGGED_PER_SECOND a second of each message; past it they are
   * counted, and the count logged a second later.
   */
  private warnLimited(msg: string, fields: object): void {
    this.warnings.log(msg, fields);
  }

  /** Bytes handed to agents' connections and not yet written (every agent's together). */
  get unsentByteCount(): number {
    return this.unsentBytes;
  }

  /** Sends a Refusal and closes the connection with the close code that goes with it. */
  private refuse(conn: Connection, code: SyncRefusalCode, message: string): void {
    this.warnLimited('agent refused', { computerId: conn.computerId, code, reason: message });
    this.send(conn, { kind: 'refusal', code, message });
    this.closeSoon(conn.ws, REFUSAL_CLOSE_CODES[code], code);
  }

  /** Starts the close handshake, and cuts the connection if it is not done within CLOSE_GRACE_MS. */
  private closeSoon(ws: WebSocket, code: number, reason: string): void {
    ws.close(code, reason);
    const cut = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    cut.unref();
    ws.once('close', () => clearTimeout(cut));
  }

  /**
   * Queues a message behind the connection's earlier ones; while
   * maxQueuedMessages wait, the connection is not read (TCP backpressure)
   * until they are handled.
   */
  private receive(conn: Connection, data: RawData, isBinary: boolean): void {
    conn.heard = true;
    conn.queued++;
    if (conn.queued >= this.bounds.maxQueuedMessages) conn.ws.pause();
    conn.handled = conn.handled
      .then(() => this.handle(conn, data, isBinary))
      .catch((error: unknown) =>
        this.options.logger.error(
          { computerId: conn.computerId, err: (error as Error).message },
          'agent message failed',
        ),
      )
      .finally(() => {
        conn.queued--;
        if (conn.queued < this.bounds.maxQueuedMessages && conn.ws.isPaused) conn.ws.resume();
      });
  }

  private async handle(conn: Connection, data: RawData, isBinary: boolean): Promise<void> {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    let message: AgentMessage;
    try {
      if (!isBinary) throw new TollgateError('bad-message', 'text frames are not part of the protocol');
      message = decodeAgentMessage(rawDataBytes(data));
    } catch (error) {
      if (error instanceof UnreadableSubmission && conn.computerId !== null) {
        // Its id can be read: a refusing receipt, so the agent lets it go rather than send it at each connection.
        this.warnLimited('approval request refused', {
          computerId: conn.computerId,
          requestId: error.requestId,
          code: error.code,
          reason: error.message,
        });
        this.send(conn, {
          kind: 'receipt',
          requestId: error.requestId,
          refused: { code: error.code, message: error.message },
        });
        return;
      }
      this.refuse(conn, SYNC_REFUSAL_CODES.badMessage, (error as Error).message);
      return;
    }
    this.phases.mark(message.kind);
    try {
      if (message.kind === 'hello') await this.hello(conn, message);
      else if (conn.computerId === null) this.refuse(conn, SYNC_REFUSAL_CODES.unauthorized, 'say hello first');
      else if (message.kind === 'approval') {
        await this.approval(conn, conn.computerId, message.submission, rawDataBytes(data).length);
      } else await this.ack(conn, conn.computerId, message);
    } catch (error) {
      if (isStorageFailure(error)) this.storageFailed(conn, message.kind, error);
      else if (error instanceof TollgateError && error.code === 'busy') {
        // The change the hello needs (versions issued above an agent's) cannot queue now: nothing of the agent's.
        this.refuse(conn, SYNC_REFUSAL_CODES.busy, (error as Error).message);
      } else this.refuse(conn, SYNC_REFUSAL_CODES.badMessage, (error as Error).message);
    }
  }

  /**
   * The server could not record what the agent said: logged, and answered
   * with a Refusal 'storage-unavailable' and close code 4503, so the agent
   * keeps what it holds and tries again with its backoff.
   */
  private storageFailed(conn: Connection, what: string, error: unknown): void {
    this.options.logger.error(
      { computerId: conn.computerId, message: what, err: (error as Error).message },
      'cannot use the server database',
    );
    this.refuse(
      conn,
      SYNC_REFUSAL_CODES.storageUnavailable,
      `the server cannot use its database, try again later: ${(error as Error).message}`,
    );
  }

  private async hello(conn: Connection, hello: Extract<AgentMessage, { kind: 'hello' }>): Promise<void> {
    const { state, clock } = this.options;
    if (conn.computerId !== null && conn.computerId !== hello.computerId) {
      this.refuse(conn, SYNC_REFUSAL_CODES.unauthorized, 'a connection speaks for one computer');
      return;
    }
    if (!state.authenticate(hello.computerId, hello.token)) {
      this.refuse(
        conn,
        SYNC_REFUSAL_CODES.unauthorized,
        `computer ${hello.computerId} is unknown or its token is wrong`,
      );
      return;
    }
    if (conn.helloTimer !== null) clearTimeout(conn.helloTimer);
    conn.helloTimer = null;
    conn.tokenHash = tokenHash(hello.token);
    if (conn.computerId === null) {
      const previous = this.byComputer.get(hello.computerId);
      if (previous !== undefined && previous !== conn) {
        this.closeSoon(previous.ws, CLOSE_CODES.replaced, 'replaced by a newer connection');
      }
      conn.computerId = hello.computerId;
      this.pendingHellos--;
      this.byComputer.set(hello.computerId, conn);
      await state.setConnected(hello.computerId, true, clock());
      this.markPresence(hello.computerId, true);
      this.options.logger.info(
        {
          computerId: hello.computerId,
          agentVersion: hello.agentVersion,
          tollgateVersion: hello.tollgateVersion ?? null,
          os: hello.os,
          snapshotVersion: hello.snapshotVersion,
        },
        'agent connected',
      );
    }
    await state.recordHello(hello.computerId, {
      agentVersion: hello.agentVersion,
      ...(hello.tollgateVersion === undefined ? {} : { tollgateVersion: hello.tollgateVersion }),
      os: hello.os,
      nowMs: clock(),
      snapshotVersion: hello.snapshotVersion,
      settingsVersion: hello.settingsVersion,
    });
    await this.recordHeldAsAcked(hello.computerId, hello.snapshotVersion, hello.settingsVersion, clock());
    conn.held = { version: hello.snapshotVersion, hash: hello.viewHash };
    conn.heldSettings = hello.settingsVersion;
    this.sync(conn, hello.computerId, hello.snapshotVersion, hello.settingsVersion);
  }

  /**
   * A hello that holds the newest versions issued to its computer stands for
   * their acknowledgement, when the one the agent sent was lost (the
   * database could not take it, or the connection ended before it arrived):
   * recorded as an acknowledgement without an error. Nothing is written
   * when they are acknowledged already, or when the agent holds older ones
   * (it is sent the newer, and acknowledges them).
   */
  private async recordHeldAsAcked(
    computerId: string,
    snapshotVersion: number,
    settingsVersion: number,
    nowMs: number,
  ): Promise<void> {
    const state = this.options.state;
    const issued = state.issuedVersions(computerId);
    if (snapshotVersion !== issued.snapshotVersion || settingsVersion !== issued.settingsVersion) return;
    const known = state.computerState(computerId);
    if (known.ackedSnapshotVersion === snapshotVersion && known.ackedSettingsVersion === settingsVersion) return;
    await state.recordAck(computerId, { snapshotVersion, settingsVersion, error: '', nowMs });
  }

  /**
   * Sends what the agent lacks: a newer snapshot version first (it carries
   * the settings), as a delta from the view the agent holds when the server
   * can (see sendView), else newer settings, else `upToDate`. True when it
   * sent a view or settings (the agent acknowledges them).
   */
  private sync(
    conn: Connection,
    computerId: string,
    heldSnapshot: number,
    heldSettings: number,
    full = false,
  ): boolean {
    const state = this.options.state.issuedVersions(computerId);
    if (state.snapshotVersion > heldSnapshot) {
      this.sendView(conn, computerId, full);
      return true;
    }
    // The agent holds the newest view (after a restart of this server, say): keep it as the next delta's base.
    if (conn.held.version === state.snapshotVersion && conn.held.hash !== undefined && state.snapshotVersion > 0) {
      try {
        this.deltas.holds(conn.held, this.options.state.currentView(computerId));
      } catch (error) {
        // Only an optimisation: the next change is then a full snapshot.
        this.options.logger.warn({ computerId, err: (error as Error).message }, 'cannot keep the view an agent holds');
      }
    }
    if (state.settingsVersion > Math.max(heldSettings, conn.heldSettings)) {
      this.sendSettings(conn, computerId);
      return true;
    }
    this.send(conn, {
      kind: 'upToDate',
      snapshotVersion: state.snapshotVersion,
      settingsVersion: state.settingsVersion,
    });
    return false;
  }

  /**
   * Records an approval request (once per id) and answers with its receipt,
   * also for an id recorded before: the agent may then forget it. A request
   * refused for good (another computer's id, a field over its limit, too
   * many pending requests of this computer) gets a receipt carrying the
   * refusal, so the agent forgets it too. When it cannot be recorded for
   * now (storage), no receipt: the agent sends it again on its next
   * connection.
   */
  private async approval(
    conn: Connection,
    computerId: string,
    submission: ApprovalSubmission,
    bytes: number,
  ): Promise<void> {
    const { requestId } = submission;
    try {
      checkSubmissionBytes(bytes);
      checkApprovalRequestFields(submission);
      checkApprovalQueryGiven(submission.query);
      checkAgentSuggestion(submission.suggestion);
      const { recorded } = await this.options.state.recordApprovalRequest(
        computerId,
        submission,
        this.options.clock(),
        {
          maxPendingPerComputer: this.bounds.maxPendingApprovalsPerComputer,
        },
      );
      this.options.logger.info(
        { computerId, requestId, recorded, file: submission.file.path, user: submission.user },
        recorded ? 'approval request received' : 'approval request received again: already recorded',
      );
    } catch (error) {
      // Not recorded: no receipt, so the agent keeps it and sends it again.
      if (isStorageFailure(error)) throw error;
      if (!(error instanceof TollgateError) || !REFUSED_FOR_GOOD.has(error.code)) {
        this.options.logger.error(
          { computerId, requestId, err: (error as Error).message },
          'approval request not recorded',
        );
        return;
      }
      // Never recorded; the refusing receipt stops this agent from sending it forever.
      this.warnLimited('approval request refused', { computerId, requestId, code: error.code, reason: error.message });
      this.send(conn, { kind: 'receipt', requestId, refused: { code: error.code, message: error.message } });
      return;
    }
    this.send(conn, { kind: 'receipt', requestId });
  }

  /**
   * Sends the computer's newest snapshot version: a delta from what the
   * agent holds when the server still has that view and the delta is the
   * smaller message, else (or with `full`) the signed snapshot.
   */
  private sendView(conn: Connection, computerId: string, full: boolean): void {
    const { state } = this.options;
    const current = state.currentView(computerId);
    const chosen = this.deltas.messageFor(computerId, conn.held, current, () => state.snapshotFor(computerId), full);
    this.sendChosen(conn, computerId, chosen, full, {
      atPush: this.pushCount,
      settingsVersion: current.settingsVersion,
    });
  }

  /**
   * As sendView, for a push with a delta signer: a snapshot is sent at once,
   * a delta is returned unsigned, for the push to sign in a batch and send
   * (sendSigned). What the agent will hold is noted now, so that an
   * acknowledgement heard meanwhile does not send the same version again.
   */
  private prepareView(conn: Connection, computerId: string): PendingSend | null {
    this.sendWaitingDelta(conn);
    const { state } = this.options;
    const current = state.currentView(computerId);
    const chosen = this.deltas.prepare(computerId, conn.held, current, () => state.snapshotFor(computerId));
    const from: ViewSent = { atPush: this.pushCount, settingsVersion: current.settingsVersion };
    if (chosen.kind !== 'unsigned-delta') {
      this.sendChosen(conn, computerId, chosen, false, from);
      return null;
    }
    // Noted now, as sendChosen notes it: an acknowledgement or push heard while the batch is signed sends
    // nothing the delta brings, and what it does send is built on the view the delta brings, so it sends the
    // delta first (sendWaitingDelta).
    this.willHold(conn, chosen.produces, from);
    const pending: PendingSend = { conn, computerId, unsigned: chosen, from };
    conn.waitingDelta = pending;
    return pending;
  }

  /**
   * Sends the connection's delta that waits for its signature, signed here,
   * when something else is to be sent to it first: what was sent since it
   * was prepared (a catch-up, the next version's delta) is built on the
   * view it brings, and an agent refuses a delta whose base it does not
   * hold. The push's batch then skips it.
   */
  private sendWaitingDelta(conn: Connection): void {
    const pending = conn.waitingDelta;
    if (pending === null) return;
    if (this.byComputer.get(pending.computerId) !== conn) {
      // Replaced by a newer connection: sendSigned would not send it.
      conn.waitingDelta = null;
      return;
    }
    const key = this.options.state.deltaSigningKey();
    this.sendSigned(pending, signBytes(pending.unsigned.payload, key), key);
  }

  /** Sends a push's delta with its signature, unless its connection is no longer the computer's. */
  private sendSigned(pending: PendingSend, signature: Uint8Array, key: KeyObject): void {
    if (pending.conn.waitingDelta === pending) pending.conn.waitingDelta = null;
    const message = finishDelta(pending.unsigned, signature, key);
    // Sent only while the connection is still the computer's: one that replaced it said in its hello what it holds.
    if (this.byComputer.get(pending.computerId) !== pending.conn) return;
    this.sendChosen(pending.conn, pending.computerId, message, false, pending.from);
  }

  /**
   * Notes what the agent will hold once it applied a view message: its
   * snapshot version and view hash (the next change is a delta from there),
   * its settings version, and that the pushes made before its view was read
   * (queued, or under way and not at this agent yet) have nothing more to
   * send it.
   */
  private willHold(conn: Connection, produces: HeldView, from: ViewSent): void {
    conn.held = produces;
    conn.heldSettings = Math.max(conn.heldSettings, from.settingsVersion);
    conn.caughtUpAtPush = Math.max(conn.caughtUpAtPush, from.atPush);
  }

  /** Sends a view message and notes what the agent will hold once it applied it (willHold). */
  private sendChosen(conn: Connection, computerId: string, chosen: ViewMessage, full: boolean, from: ViewSent): void {
    // The delta waiting for its signature goes first (send would send it too, but logged after this one).
    this.sendWaitingDelta(conn);
    if (chosen.kind === 'delta') {
      this.options.logger.debug(
        {
          computerId,
          baseVersion: chosen.baseVersion,
          snapshotVersion: chosen.produces.version,
          bytes: chosen.signed.length,
          snapshotBytes: chosen.snapshotBytes,
        },
        'delta sent',
      );
    } else {
      this.options.logger.debug(
        { computerId, snapshotVersion: chosen.produces.version, bytes: chosen.signed.length, reason: chosen.reason },
        'snapshot sent',
      );
      // A base the bound let go of: each agent that held it gets its whole view instead of a delta (one lost
      // otherwise, by a restart or never sent, is not the bound's doing). conn.held is what the agent held until
      // now: willHold, below, notes what it will hold.
      const heldHash = conn.held.hash;
      if (chosen.reason === 'base-unknown' && heldHash !== undefined && this.deltas.evictedView(heldHash)) {
        this.warnLimited(
          'full snapshot sent: the delta cache let go of views agents hold (raise sync.deltaViewCacheBytes)',
          {
            computerId,
            deltaViewCacheBytes: this.deltas.maxViewBytes,
            cachedBytes: this.deltas.cachedBytes,
            evictedViews: this.deltas.evictedViews,
          },
        );
      }
      if (full) conn.fullSentFor = chosen.produces.version;
    }
    this.send(conn, { kind: chosen.kind, signed: chosen.signed }, chosen.kind === 'delta' ? chosen.message : undefined);
    this.sent(conn, chosen.kind, 'snapshot', chosen.produces.version);
    this.willHold(conn, chosen.produces, from);
  }

  /** Hands a batch of a push's deltas to the delta signer; its signatures are kept unless it was taken back. */
  private dispatch(items: PendingSend[]): SignBatch {
    const key = this.options.state.deltaSigningKey();
    const batch: SignBatch = { items, key, signatures: null, failed: false, taken: false, settled: Promise.resolve() };
    let signing: Promise<Uint8Array[]>;
    try {
      signing = this.options.deltaSigner!.sign(
        items.map((p) => p.unsigned.payload),
        key,
      );
    } catch (error) {
      // A signer that throws instead of rejecting: the batch is signed on the event loop all the same.
      signing = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    batch.settled = signing.then(
      (signatures) => {
        if (!batch.taken) batch.signatures = signatures;
      },
      (error: unknown) => {
        batch.failed = true;
        if (batch.taken) return;
        // Busy is the signer's bound at work (batches taken back are still being signed there): no warning.
        const fields = { code: codeOf(error), err: (error as Error).message, deltas: items.length };
        const message = 'the delta signer did not sign a batch: signing it on the event loop';
        if (codeOf(error) === 'signer-busy') this.options.logger.debug(fields, message);
        else this.options.logger.warn(fields, message);
      },
    );
    return batch;
  }

  /**
   * Sends a batch's deltas not sent already (sendWaitingDelta): with the
   * signer's signatures, or (taken back from a signer that has not
   * answered, or that failed) signed here, in slices. A push is never lost
   * to the signer.
   */
  private async sendBatch(batch: SignBatch, pacer: Pacer): Promise<void> {
    const signatures = batch.signatures;
    if (signatures === null) batch.taken = true;
    for (const [i, pending] of batch.items.entries()) {
      await pacer.pace();
      // Sent already: something else was sent to its agent meanwhile, after it (sendWaitingDelta).
      if (pending.conn.waitingDelta !== pending) continue;
      this.sendSigned(pending, signatures?.[i] ?? signBytes(pending.unsigned.payload, batch.key), batch.key);
    }
  }

  /**
   * Sends the batches the signer answered, from the oldest; then, while
   * more than `keep` wait, takes back the newest (the signer reaches it
   * last) and signs it here: the event loop never waits for the signer,
   * and the two share the work as fast as each goes. With `takeBack`
   * false (tests), it waits for the signer's answer instead.
   */
  private async drain(queue: SignBatch[], keep: number, pacer: Pacer): Promise<void> {
    for (;;) {
      const head = queue[0];
      if (head !== undefined && (head.signatures !== null || head.failed)) {
        queue.shift();
        await this.sendBatch(head, pacer);
        continue;
      }
      if (queue.length <= keep) return;
      if (this.options.takeBackFromSigner === false) await head!.settled;
      else await this.sendBatch(queue.pop()!, pacer);
    }
  }

  /**
   * Asks the signing thread for the view hashes of the computers of a push
   * from `start` on whose hash is not known: their bodies (each once) and
   * `computer` records, up to PUSH_HASH_VIEWS computers or PUSH_HASH_BYTES
   * (`first`: a quarter, so that the push starts soon). The answer is noted
   * with the delta issuer; a request refused or failed is not (the push then
   * hashes on the event loop, as without a thread).
   */
  private async hashAhead(
    signer: DeltaSigner,
    ids: readonly string[],
    start: number,
    first: boolean,
    pacer: Pacer,
  ): Promise<HashAhead> {
    const budget = Math.min(signer.maxBatchBytes ?? PUSH_HASH_BYTES, first ? PUSH_HASH_BYTES / 4 : PUSH_HASH_BYTES);
    const jobs = new Map<EncodedBody, CurrentView[]>();
    let bytes = 0;
    let end = start;
    for (; end < ids.length && end - start < PUSH_HASH_VIEWS; end++) {
      await pacer.pace();
      const id = ids[end]!;
      if (!this.byComputer.has(id) || !this.options.state.hasComputer(id)) continue;
      const current = this.options.state.currentView(id);
      if (this.deltas.knowsViewHash(current)) continue;
      const body = current.view.body;
      const more = current.view.computer.length + (jobs.has(body) ? 0 : body.length);
      if (bytes + more > budget && jobs.size > 0) break;
      bytes += more;
      const views = jobs.get(body);
      if (views === undefined) jobs.set(body, [current]);
      else views.push(current);
    }
    if (jobs.size === 0) return { start, end, answered: Promise.resolve() };
    const groups = [...jobs.values()];
    let hashing: Promise<Buffer[][]>;
    try {
      hashing = signer.hashViews!(
        groups.map((views) => ({ body: views[0]!.view.body.slices, computers: views.map((v) => v.view.computer) })),
      );
    } catch (error) {
      hashing = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const answered = hashing.then(
      (hashes) => {
        for (const [g, views] of groups.entries()) {
          for (const [v, current] of views.entries()) this.deltas.noteViewHash(current, hashes[g]![v]!);
        }
      },
      (error: unknown) =>
        this.options.logger.debug(
          { code: codeOf(error), err: (error as Error).message, views: end - start },
          'the signing thread did not hash views: hashing them on the event loop',
        ),
    );
    return { start, end, answered };
  }

  /** Sends a computer's newest signed settings. */
  private sendSettings(conn: Connection, computerId: string): void {
    const signed = this.options.state.settingsFor(computerId);
    const version = this.options.state.issuedVersions(computerId).settingsVersion;
    this.send(conn, { kind: 'settings', signed: signed.bytes });
    this.sent(conn, 'settings', 'settings', version);
    conn.heldSettings = Math.max(conn.heldSettings, version);
  }

  /** Counts a push, and notes when it went for the acknowledgement latency. */
  private sent(conn: Connection, kind: PushKind, acked: 'snapshot' | 'settings', version: number): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    this.options.metrics?.pushed(kind);
    conn.unacked[acked] = { version, atMs: this.options.clock() };
  }

  /** Observes the acknowledgement latency of what an acknowledgement covers. */
  private observeAck(conn: Connection, snapshotVersion: number, settingsVersion: number): void {
    const metrics = this.options.metrics;
    const now = this.options.clock();
    const { snapshot, settings } = conn.unacked;
    if (snapshot !== null && snapshotVersion >= snapshot.version) {
      metrics?.acknowledged('snapshot', Math.max(0, now - snapshot.atMs) / 1000);
      conn.unacked.snapshot = null;
    }
    if (settings !== null && settingsVersion >= settings.version) {
      metrics?.acknowledged('settings', Math.max(0, now - settings.atMs) / 1000);
      conn.unacked.settings = null;
    }
  }

  private async ack(from: Connection, computerId: string, sent: Extract<AgentMessage, { kind: 'ack' }>): Promise<void> {
    // Refused when either the text or the code says so: a code without a text is a refusal too, recorded as
    // `refused (CODE)` so the admin sees it.
    const ack =
      sent.error === '' && sent.errorCode !== undefined ? { ...sent, error: `refused (${sent.errorCode})` } : sent;
    const issued = this.options.state.issuedVersions(computerId);
    await this.options.state.recordAck(computerId, { ...ack, nowMs: this.options.clock() });
    // Whether a refusal was answered by sending the agent something again.
    let sentAgain = false;
    // The connection the acknowledgement came on, while it is still the computer's: one that replaced it
    // since (the agent reconnected while this was recorded) said in its own hello what it holds.
    const conn = this.byComputer.get(computerId) === from ? from : undefined;
    // Acknowledged: what it holds (unless what was sent since takes it further). Refused: what it holds now.
    if (conn !== undefined && (ack.error !== '' || ack.snapshotVersion >= conn.held.version)) {
      conn.held = { version: ack.snapshotVersion, hash: ack.viewHash };
    }
    // The same for settings: a refusal says what it holds now; an acknowledgement of less than was sent
    // since leaves what it will hold as it was.
    if (conn !== undefined && (ack.error !== '' || ack.settingsVersion >= conn.heldSettings)) {
      conn.heldSettings = ack.settingsVersion;
    }
    if (ack.error !== '' && ack.errorCode?.startsWith(DELTA_FALLBACK_PREFIX) === true && conn !== undefined) {
      this.warnLimited('agent could not apply a delta: sending the full snapshot', {
        computerId,
        error: ack.error,
        code: ack.errorCode,
        snapshotVersion: ack.snapshotVersion,
        viewHash: ack.viewHash === undefined ? null : hashHex(ack.viewHash),
      });
      const now = this.options.state.issuedVersions(computerId);
      if (now.snapshotVersion > ack.snapshotVersion && conn.fullSentFor < now.snapshotVersion) {
        sentAgain = this.sync(conn, computerId, ack.snapshotVersion, ack.settingsVersion, true);
      }
    } else if (ack.error !== '') {
      this.warnLimited('agent refused what it was sent', { computerId, error: ack.error, code: ack.errorCode });
      // Refused as older than what the agent holds (installed offline): versions above it were issued, send them.
      const now = this.options.state.issuedVersions(computerId);
      if (
        conn !== undefined &&
        (now.snapshotVersion > issued.snapshotVersion || now.settingsVersion > issued.settingsVersion)
      ) {
        sentAgain = this.sync(conn, computerId, ack.snapshotVersion, ack.settingsVersion);
      }
    } else {
      this.options.logger.debug(
        { computerId, snapshotVersion: ack.snapshotVersion, settingsVersion: ack.settingsVersion },
        'agent acknowledged',
      );
      // A change may have landed while the agent was applying: catch it up (past what is already on its way).
      if (conn !== undefined) {
        this.observeAck(conn, ack.snapshotVersion, ack.settingsVersion);
        const state = this.options.state.issuedVersions(computerId);
        const heldSnapshot = Math.max(ack.snapshotVersion, conn.held.version);
        const heldSettings = Math.max(ack.settingsVersion, conn.heldSettings);
        if (state.snapshotVersion > heldSnapshot || state.settingsVersion > heldSettings) {
          this.sync(conn, computerId, heldSnapshot, heldSettings);
        }
      }
    }
    this.settle({
      computerId,
      snapshotVersion: ack.snapshotVersion,
      settingsVersion: ack.settingsVersion,
      error: ack.error === '' ? null : ack.error,
      sentAgain,
    });
  }

  /**
   * Tells the waits what an acknowledgement says: one without an error of
   * the versions a wait wants completes it for that computer; a refusal
   * never does, whatever versions it reports (an agent refuses a version
   * equal to the one it holds, installed offline), and marks the computer
   * refused until a later acknowledgement says otherwise, unless the server
   * answered it by sending the agent something again (then it is pending).
   */
  private settle(heard: AckHeard): void {
    const { computerId } = heard;
    for (const waiter of [...this.waiters]) {
      const want = waiter.remaining.get(computerId);
      if (want === undefined) continue;
      if (heard.error !== null) {
        if (heard.sentAgain) waiter.refused.delete(computerId);
        else waiter.refused.set(computerId, heard.error);
        continue;
      }
      waiter.refused.delete(computerId);
      const got = waiter.field === 'ackedSnapshotVersion' ? heard.snapshotVersion : heard.settingsVersion;
      if (got >= want) {
        waiter.remaining.delete(computerId);
        if (waiter.remaining.size === 0) waiter.done();
      }
    }
  }

  /**
   * Pushes changes to the connected agents they affect, in order after the
   * pushes before it. Signing a snapshot for each of thousands of agents is
   * long work: it runs in slices (see Pacer) so that pings, hellos and admin
   * reads are answered meanwhile.
   */
  push(changes: ViewChanges): void {
    // A change may have removed computers.
    this.revokeStale();
    const snapshots = [...changes.snapshots];
    const sending = new Set(snapshots);
    const settings = changes.settings.filter((id) => !sending.has(id));
    const number = ++this.pushCount;
    this.pushing = this.pushing
      .then(() => this.pushNow(number, snapshots, settings))
      .catch((error: unknown) =>
        this.options.logger.error({ err: (error as Error).message }, 'pushing a change to the agents failed'),
      );
  }

  /** Settles once every push made so far was sent. */
  pushed(): Promise<void> {
    return this.pushing;
  }

  private async pushNow(number: number, snapshots: readonly string[], settings: readonly string[]): Promise<void> {
    // The change that is pushed (its commit, the swap of the world, the admin's answer) ends its turn of the
    // event loop first: the push's first slice is a turn of its own.
    if (snapshots.length + settings.length > 0) await new Promise((resolve) => setImmediate(resolve));
    this.phases.mark('push');
    const pacer = new Pacer(this.sliceMs, this.phases, 'push');
    const signer = this.options.deltaSigner;
    const batchSize = Math.max(1, this.options.signBatch ?? PUSH_SIGN_BATCH);
    const batchBytes = signer?.maxBatchBytes ?? Number.POSITIVE_INFINITY;
    let items: PendingSend[] = [];
    let itemsBytes = 0;
    // Batches handed to the signer, oldest first (bounded: see drain).
    const queue: SignBatch[] = [];
    // View hashes asked of the signing thread ahead of the computers' turn, oldest first.
    const ahead: HashAhead[] = [];
    let askedUpTo = 0;
    try {
      for (const [i, id] of snapshots.entries()) {
        await pacer.pace();
        if (signer?.hashViews !== undefined) {
          while (ahead.length > 0 && ahead[0]!.end <= i) ahead.shift();
          while (ahead.length < PUSH_HASHES_AHEAD && askedUpTo < snapshots.length) {
            const asked = await this.hashAhead(signer, snapshots, askedUpTo, askedUpTo === 0, pacer);
            ahead.push(asked);
            askedUpTo = asked.end;
          }
          // This computer's hash (its body's) is on its way: waiting for it leaves the event loop free.
          if (ahead[0] !== undefined && ahead[0].start <= i) await ahead[0].answered;
        }
        const conn = this.byComputer.get(id);
        // A change committed after this push was made may have removed the computer (its connection is refused).
        if (conn === undefined || !this.options.state.hasComputer(id) || this.caughtUpSince(conn, id, number)) continue;
        if (signer === undefined) {
          this.sendView(conn, id, false);
          continue;
        }
        const pending = this.prepareView(conn, id);
        if (pending === null) continue;
        const bytes = pending.unsigned.payload.length;
        if (items.length > 0 && itemsBytes + bytes > batchBytes) {
          // Large deltas: the batch closes at the signer's byte bound rather than being refused by it.
          queue.push(this.dispatch(items));
          items = [];
          itemsBytes = 0;
          await this.drain(queue, PUSH_BATCHES_QUEUED, pacer);
        }
        items.push(pending);
        itemsBytes += bytes;
        if (items.length < batchSize) continue;
        queue.push(this.dispatch(items));
        items = [];
        itemsBytes = 0;
        await this.drain(queue, PUSH_BATCHES_QUEUED, pacer);
      }
      if (items.length > 0) queue.push(this.dispatch(items));
    } finally {
      // Every batch begun is sent before the push is done (and before the next push begins).
      await this.drain(queue, 0, pacer);
    }
    for (const id of settings) {
      await pacer.pace();
      const conn = this.byComputer.get(id);
      // Sent already (by a catch-up, or a push of the same version), or removed from the world since: nothing.
      if (
        conn !== undefined &&
        this.options.state.hasComputer(id) &&
        conn.heldSettings < this.options.state.issuedVersions(id).settingsVersion
      ) {
        this.sendSettings(conn, id);
      }
    }
  }

  /**
   * Whether a hello or an acknowledgement heard after push `number` was made
   * already sent the agent its computer's newest snapshot version: the push
   * would send the same version again, whole (a late acknowledgement of the
   * change before, racing the push). A push made after that catch-up (the
   * same version pushed again) still sends it.
   */
  private caughtUpSince(conn: Connection, computerId: string, number: number): boolean {
    return (
      conn.caughtUpAtPush >= number &&
      conn.held.version >= this.options.state.issuedVersions(computerId).snapshotVersion
    );
  }

  /** Waits until every connected computer of `ids` acknowledged its newest settings, or the time is up. */
  awaitSettingsApplied(ids: readonly string[], timeoutMs: number): Promise<ApplyReport> {
    return this.awaitApplied(ids, timeoutMs, 'ackedSettingsVersion', 'settingsVersion');
  }

  /** Waits until every connected computer of `ids` acknowledged its newest snapshot, or the time is up. */
  awaitSnapshotsApplied(ids: readonly string[], timeoutMs: number): Promise<ApplyReport> {
    return this.awaitApplied(ids, timeoutMs, 'ackedSnapshotVersion', 'snapshotVersion');
  }

  private async awaitApplied(
    ids: readonly string[],
    timeoutMs: number,
    field: Waiter['field'],
    issuedField: 'settingsVersion' | 'snapshotVersion',
  ): Promise<ApplyReport> {
    const elsewhere = await this.connectedElsewhere([...new Set(ids)].filter((id) => !this.byComputer.has(id)));
    // A computer removed meanwhile (a change committed while this waited) is waited for no more.
    const known = [...new Set(ids)].filter((id) => this.options.state.hasComputer(id));
    const offline: string[] = [];
    const remaining = new Map<string, number>();
    const refused = new Map<string, string>();
    for (const id of known) {
      const state = this.options.state.computerState(id);
      if (!this.byComputer.has(id) && !elsewhere.has(id)) offline.push(id);
      else if (state[field] < state[issuedField]) remaining.set(id, state[issuedField]);
      else if (state.lastError !== null) {
        // Its last acknowledgement (heard before this wait) reported these versions, refusing: not applied.
        remaining.set(id, state[issuedField]);
        refused.set(id, state.lastError);
      }
    }
    // A set: a fleet may have thousands of computers offline (includes() per id would be quadratic).
    const offlineSet = new Set(offline);
    const targets = known.filter((id) => !offlineSet.has(id));
    const report = (): ApplyReport => {
      const pending = targets.filter((id) => remaining.has(id));
      return {
        applied: targets.filter((id) => !remaining.has(id)),
        pending,
        refused: pending.flatMap((id) => {
          const error = refused.get(id);
          return error === undefined ? [] : [{ computer: id, error }];
        }),
        offline,
      };
    };
    if (remaining.size === 0) return Promise.resolve(report());
    return new Promise((resolve) => {
      const waiter: Waiter = {
        remaining,
        refused,
        field,
        done: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(report());
        },
      };
      const timer = setTimeout(() => waiter.done(), timeoutMs);
      timer.unref();
      this.waiters.add(waiter);
    });
  }

  /**
   * Which of these computers (not connected here) are connected to another
   * server process: their acknowledgements are waited for as well, heard
   * through the store. None when that cannot be read (logged): they count as offline.
   */
  private async connectedElsewhere(ids: readonly string[]): Promise<Set<string>> {
    const presence = this.options.presence;
    if (presence === undefined || ids.length === 0) return new Set();
    try {
      return await presence.connectedElsewhere(ids);
    } catch (error) {
      this.options.logger.warn(
        { code: codeOf(error), err: (error as Error).message },
        'cannot read which agents are connected to other server processes: counted as offline',
      );
      return new Set();
    }
  }

  /**
   * Pings every connection that is not waiting for a pong already, in
   * slices (see Pacer): a socket write each, which for 10,000 agents would
   * hold the event loop for a long time at once. A round still under way
   * when the next is due is left to finish.
   */
  private heartbeat(): void {
    if (this.beating) return;
    this.beating = true;
    this.beat()
      .catch((error: unknown) => this.options.logger.error({ err: (error as Error).message }, 'heartbeat failed'))
      .finally(() => {
        this.beating = false;
      });
  }

  /**
   * Refuses (`unauthorized`) and closes every connection whose computer was
   * enrolled again or removed since its hello: the token it gave is no
   * longer the computer's. Called after an enrollment and a change made
   * here, and at every heartbeat round (for those made by another server
   * process, once this one has caught up with them).
   */
  revokeStale(): void {
    const { state } = this.options;
    for (const [computerId, conn] of this.byComputer) {
      if (conn.tokenHash === null || conn.ws.readyState !== WebSocket.OPEN) continue;
      const current = state.tokenHashOf(computerId);
      if (current !== null && conn.tokenHash.equals(current)) continue;
      this.refuse(
        conn,
        SYNC_REFUSAL_CODES.unauthorized,
        `computer ${computerId} was removed or enrolled again: the token this connection gave no longer works`,
      );
    }
  }

  private async beat(): Promise<void> {
    this.revokeStale();
    const pacer = new Pacer(this.sliceMs, this.phases, 'heartbeat');
    for (const conn of [...this.connections]) {
      await pacer.pace();
      if (this.closed) return;
      this.ping(conn);
    }
  }

  /**
   * Pings a connection, unless it has not answered the last ping yet or a
   * message came from it since the last round (it is alive: the next round
   * pings it unless it is heard again); no pong in time drops it.
   */
  private ping(conn: Connection): void {
    if (conn.heard) {
      conn.heard = false;
      return;
    }
    if (conn.pongTimer !== null || conn.ws.readyState !== WebSocket.OPEN) return;
    // The deadline runs from when the ping is written: behind a push of megabytes still queued on this socket,
    // it goes out when they have, and an agent that reads them is not dropped for the time they took. One
    // that does not read at all is dropped after PONG_WRITE_ALLOWANCE deadlines.
    const timeoutMs = this.options.pongTimeoutMs;
    const arm = (ms: number): void => {
      if (conn.pongTimer !== null) clearTimeout(conn.pongTimer);
      const timer = setTimeout(() => {
        // Decided after this turn's I/O is read: after a long turn of the event loop the pong may have come
        // while the deadline passed, and wait unread behind this timer.
        setImmediate(() => {
          if (conn.pongTimer !== timer) return;
          conn.pongTimer = null;
          this.warnLimited('agent missed its pong: dropping it', { computerId: conn.computerId });
          conn.ws.terminate();
        });
      }, ms);
      timer.unref();
      conn.pongTimer = timer;
    };
    arm(timeoutMs * PONG_WRITE_ALLOWANCE);
    const queued = conn.pongTimer;
    conn.ws.ping(undefined, undefined, (error?: Error | null) => {
      // Still waiting for this ping's pong (not answered, not dropped): its deadline starts now.
      if ((error === undefined || error === null) && conn.pongTimer === queued) arm(timeoutMs);
    });
  }

  /** Closes every agent connection and stops the heartbeat; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unwatch();
    await this.options.deltaSigner?.close();
    clearInterval(this.pingTimer);
    for (const waiter of [...this.waiters]) waiter.done();
    // An agent that does not answer its close frame (a stopped process) is cut off after CLOSE_GRACE_MS, not
    // after the WebSocket library's own 30 s: one such agent held the server's stop that long.
    for (const conn of this.connections) this.closeSoon(conn.ws, CLOSE_CODES.shuttingDown, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const conn of this.connections) conn.ws.terminate();
  }
}

function codeOf(error: unknown): string | undefined {
  return error instanceof TollgateError ? error.code : undefined;
}
