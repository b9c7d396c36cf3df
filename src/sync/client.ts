import { WebSocket, type RawData } from 'ws';
import { TollgateError } from '../engine/errors.js';
import { WarningLimits } from '../wire/log-limit.js';
import type { OsName } from '../engine/model.js';
import { APPROVAL_REQUEST_LIMITS } from '../wire/approval-limits.js';
import type { SyncState } from '../wire/local-api.js';
import {
  ACK_ERROR_CODES,
  ACK_INTERNAL_ERROR,
  type AckErrorCode,
  SYNC_CLOSE_CODES,
  SYNC_REFUSAL_CODES,
} from '../wire/protocol-codes.js';
import { rawDataBytes } from '../wire/raw-data.js';
import {
  ackErrorText,
  decodeServerMessage,
  encodeAgentMessage,
  type ReceiptRefusal,
  type ServerMessage,
} from '../wire/sync-messages.js';

export interface SyncLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Where the approval requests waiting for delivery live (the agent's store). */
export interface OutboxSource {
  /** Up to `limit` undelivered items, oldest first; `payload` is an encoded AgentMessage. */
  pendingOutbox(limit: number): { id: string; payload: Uint8Array }[];
  markOutboxAttempt(id: string): void;
  markOutboxDelivered(id: string): void;
}

/**
 * What the sync client needs of the agent (the daemon gives it the agent
 * core): what it holds, for hello and acknowledgements, and where to apply
 * what the server sends.
 */
export interface SyncAgentPort {
  held(): {
    snapshotVersion: number | null;
    settingsVersion: number;
    agentVersion: string;
    os: OsName | null;
    /** The view hash of the snapshot held (the base of a delta); null when none or unknown. */
    viewHash: Uint8Array | null;
  };
  applySnapshot(bytes: Uint8Array): { version: number };
  applyDelta(bytes: Uint8Array): { version: number };
  applySettings(bytes: Uint8Array): { settingsVersion: number };
}

/** The close code of a connection the server refused for its credentials (docs/PROTOCOL.md). */
export const UNAUTHORIZED_CLOSE_CODE = SYNC_CLOSE_CODES.unauthorized;

/** How many approval requests may await their receipt at once on one connection (by default). */
export const DEFAULT_MAX_IN_FLIGHT = 64;

/** Ack codes of a message whose signature did not verify: its sender is not known to be the server. */
const UNVERIFIED_CODES: ReadonlySet<string> = new Set(['bad-signature', 'unknown-key']);

/** Warnings of one kind the server can set off (refusals, messages refused) logged one by one each second. */
export const SERVER_WARNINGS_LOGGED_PER_SECOND = 20;

/** Bytes waiting to be sent to the server, at most (by default): see SyncClientOptions.maxBufferedBytes. */
export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/** How soon the outbox is looked at again after its delivery paused for a full send buffer. */
const OUTBOX_RETRY_MS = 1000;

export interface SyncClientOptions {
  /** The server's agent endpoint; or `urls`. */
  url?: string;
  /**
   * The agent endpoints of several server instances: a failed connect or a
   * dropped connection moves on to the next one at once, and the backoff
   * applies once every one of them failed in turn.
   */
  urls?: readonly string[];
  token: string;
  computerId: string;
  agent: SyncAgentPort;
  /** Stamps the last successful sync and since when the connection is down (default Date.now). */
  clock?: () => number;
  /** What the agent reports in hello when the agent has no snapshot yet. */
  fallbackAgentVersion: string;
  /** The tollgate software version reported in hello (Hello.tollgate_version); none: not sent. */
  tollgateVersion?: string;
  fallbackOs: OsName;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  maxMessageBytes: number;
  /** PEM certificates to trust for wss://. */
  ca?: string;
  logger: SyncLogger;
  /** Uniform in [0, 1): the jitter of the backoff (injected for tests). */
  random: () => number;
  /** Applies a snapshot; the daemon passes its fault hooks through here. */
  applySnapshot?: (bytes: Uint8Array) => { version: number };
  /** Applies a delta; the daemon passes its fault hooks through here. */
  applyDelta?: (bytes: Uint8Array) => { version: number };
  /** The approval outbox to deliver; none: nothing is delivered. */
  outbox?: OutboxSource;
  /** Requests sent and not yet receipted, at most, per connection (default DEFAULT_MAX_IN_FLIGHT). */
  maxInFlight?: number;
  /**
   * Bytes waiting to be sent, at most (default DEFAULT_MAX_BUFFERED_BYTES):
   * outbox delivery pauses at it until the server has read, and any other
   * message that would go over it drops the connection (it is made again),
   * instead of buffering for a server that does not read.
   */
  maxBufferedBytes?: number;
}

/**
 * The reason and code an agent acknowledges a failure to apply with: a
 * TollgateError's own when its code is one of ACK_ERROR_CODES, else
 * 'internal' with a message that never is empty (an empty `error` would
 * read as "applied").
 */
export function ackRefusal(error: unknown): { reason: string; code: AckErrorCode } {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof TollgateError && (ACK_ERROR_CODES as readonly string[]).includes(error.code)) {
    return { reason: message === '' ? error.code : message, code: error.code as AckErrorCode };
  }
  const kind = error instanceof TollgateError ? error.code : error instanceof Error ? error.name : typeof error;
  return {
    reason: `unexpected failure (${kind})${message === '' ? '' : `: ${message}`}`,
    code: ACK_INTERNAL_ERROR,
  };
}

/** The view hash field of a hello or ack: the agent's, when it holds one. */
function viewHashOf(held: { viewHash: Uint8Array | null }): { viewHash?: Uint8Array } {
  const hash = held.viewHash;
  return hash === null ? {} : { viewHash: hash };
}

/** Full jitter: a uniform delay up to min(max, initial * 2^attempt). */
export function backoffDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * The agent end of sync: connects, says hello with the versions it holds,
 * applies and acknowledges what the server sends, delivers the approval
 * outbox, detects a dead server by heartbeat and reconnects with jittered
 * exponential backoff.
 *
 * Delivery is at least once, by id: once the server has answered the hello
 * (so it accepted this agent), every pending outbox item is sent, and sent
 * again on every new connection until its receipt arrives; only then is it
 * removed from the outbox. The server records each id once.
 */
export class SyncClient {
  private readonly options: SyncClientOptions;
  private readonly urls: readonly string[];
  private ws: WebSocket | null = null;
  private attempt = 0;
  /** The URL connected to, or tried next. */
  private urlIndex = 0;
  /** Connections that failed or dropped since one was last of use (a round is one per URL). */
  private failuresInRound = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private pongTimer: NodeJS.Timeout | null = null;
  /** Runs from the hello until the server answers it: a server that never answers is given up like a dead one. */
  private answerTimer: NodeJS.Timeout | null = null;
  private outboxRetryTimer: NodeJS.Timeout | null = null;
  /** Warnings the server can set off at will (refusals, messages refused), each kind up to a bound a second. */
  private readonly warnings: WarningLimits;
  /** When this connection became of use (useful); null before, or after it ended. */
  private usefulSinceMs: number | null = null;
  /** Undecodable messages dropped since their last log line (logged at most once a second, with the count). */
  private dropped = 0;
  private droppedLoggedAtMs = Number.NEGATIVE_INFINITY;
  private closed = false;
  /** This connection's credentials were refused: retrying harder will not help, so its retry waits the maximum. */
  private unauthorized = false;
  /** The server answered this connection's hello: it accepts what this agent sends. */
  private accepted = false;
  /** Outbox ids sent on this connection and not yet receipted. */
  private readonly inFlight = new Set<string>();
  private reportedVersion: string | null = null;
  private connectionState: SyncState = 'disconnected';
  private readonly clock: () => number;
  /** When the server last confirmed the agent holds the newest versions; null before that. */
  private lastSyncMs: number | null = null;
  /** Since when the agent has had no working connection (one whose hello the server answered); null while it has. */
  private downSinceMs: number | null;

  constructor(options: SyncClientOptions) {
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.downSinceMs = this.clock();
    this.urls = options.urls ?? (options.url === undefined ? [] : [options.url]);
    if (this.urls.length === 0) throw new TypeError('SyncClient needs url or urls');
    this.warnings = new WarningLimits(SERVER_WARNINGS_LOGGED_PER_SECOND, (fields, msg) =>
      this.options.logger.warn(fields, msg),
    );
  }

  /**
   * A warning the server can set off at will: logged one by one up to
   * SERVER_WARNINGS_LOGGED_PER_SECOND a second of each message (one kind
   * flooding does not hide another), counted past it, and the count logged
   * a second later.
   */
  private warnLimited(fields: object, msg: string): void {
    this.warnings.log(msg, fields);
  }

  /** The URL connected to, or being tried. */
  get currentUrl(): string {
    return this.urls[this.urlIndex] as string;
  }

  /** A connection was of use (the server answered and this agent applied or was up to date): a new round starts. */
  private useful(): void {
    this.lastSyncMs = this.clock();
    this.downSinceMs = null;
    this.unauthorized = false;
    this.usefulSinceMs ??= this.lastSyncMs;
  }

  /** The state of the connection to the server, for status ('disabled' once closed). */
  get state(): SyncState {
    return this.connectionState;
  }

  /** When the server last confirmed the agent holds the newest versions (applied, or up to date); null before. */
  get lastSyncAtMs(): number | null {
    return this.lastSyncMs;
  }

  /**
   * Since when the agent has had no working connection, one whose hello the
   * server answered with what it applied or an up-to-date (since the start,
   * before the first); null while it has one, and once closed.
   */
  get syncDownSinceMs(): number | null {
    return this.connectionState === 'disabled' ? null : this.downSinceMs;
  }

  start(): void {
    this.connect();
  }

  private setState(state: 'connecting' | 'connected' | 'disconnected'): void {
    // Down from the moment a working connection ends; an open socket whose hello is refused does not end it.
    if (state !== 'connected' && this.downSinceMs === null) this.downSinceMs = this.clock();
    this.connectionState = state;
  }

  private connect(): void {
    if (this.closed) return;
    this.retryTimer = null;
    this.setState('connecting');
    const url = this.currentUrl;
    if (this.urls.length > 1) this.options.logger.debug({ url }, 'connecting to the server');
    const ws = new WebSocket(url, {
      maxPayload: this.options.maxMessageBytes,
      ...(this.options.ca === undefined ? {} : { ca: this.options.ca }),
    });
    this.ws = ws;
    this.accepted = false;
    this.unauthorized = false;
    this.usefulSinceMs = null;
    this.inFlight.clear();
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => {
      this.setState('connected');
      if (this.urls.length > 1) this.options.logger.info({ url }, 'connected to the server');
      this.hello();
      this.answerTimer = setTimeout(() => {
        this.options.logger.warn(
          { url, waitedMs: this.answerWaitMs() },
          'the server did not answer the hello: trying again',
        );
        ws.terminate();
      }, this.answerWaitMs());
      this.answerTimer.unref();
      this.pingTimer = setInterval(() => this.ping(), this.options.pingIntervalMs);
      this.pingTimer.unref();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(data, isBinary));
    ws.on('pong', () => this.clearPong());
    // The error that ended the connection (a refused connect, a message over maxMessageBytes) goes in the close's log line.
    let failure: string | undefined;
    ws.on('error', (error) => {
      failure = error.message;
      this.options.logger.debug({ err: error.message }, 'sync connection error');
    });
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString(), failure));
  }

  private onClose(ws: WebSocket, code: number, reason: string, failure: string | undefined): void {
    if (this.ws !== ws) return;
    this.ws = null;
    this.accepted = false;
    this.inFlight.clear();
    this.stopTimers();
    if (this.closed) return;
    this.setState('disconnected');
    // Refused credentials, whether or not the refusal message arrived before the close.
    if (code === UNAUTHORIZED_CLOSE_CODE) this.unauthorized = true;
    // A connection of use that held for a while starts the backoff afresh; one that ended soon after its hello
    // was answered counts as a failure, so a server that answers and drops is not asked again several times a second.
    const usefulSince = this.usefulSinceMs;
    this.usefulSinceMs = null;
    if (usefulSince !== null && this.clock() - usefulSince >= this.stableAfterMs()) {
      this.attempt = 0;
      this.failuresInRound = 0;
    }
    const url = this.currentUrl;
    // Fail over: the next URL at once, until every one failed in this round; then the backoff.
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    this.failuresInRound++;
    let delay: number;
    if (this.failuresInRound < this.urls.length && !this.unauthorized) delay = 0;
    else {
      this.failuresInRound = 0;
      delay = this.unauthorized
        ? this.options.backoffMaxMs
        : backoffDelayMs(this.attempt, this.options.backoffInitialMs, this.options.backoffMaxMs, this.options.random);
      this.attempt++;
    }
    this.options.logger.info(
      {
        code,
        reason,
        ...(failure === undefined ? {} : { err: failure }),
        retryInMs: delay,
        ...(this.urls.length > 1 ? { url, nextUrl: this.currentUrl } : {}),
      },
      'disconnected from the server',
    );
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.retryTimer.unref();
  }

  /** How long a connection of use must last to start the backoff afresh when it ends: a hello's wait for its answer. */
  private stableAfterMs(): number {
    return this.answerWaitMs();
  }

  /** How long a hello may wait for its answer: a ping interval and a pong's wait (25 s by default). */
  private answerWaitMs(): number {
    return this.options.pingIntervalMs + this.options.pongTimeoutMs;
  }

  private stopTimers(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
    if (this.answerTimer !== null) clearTimeout(this.answerTimer);
    this.answerTimer = null;
    if (this.outboxRetryTimer !== null) clearTimeout(this.outboxRetryTimer);
    this.outboxRetryTimer = null;
    this.clearPong();
  }

  private clearPong(): void {
    if (this.pongTimer !== null) clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  private ping(): void {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN || this.pongTimer !== null) return;
    this.pongTimer = setTimeout(() => {
      this.options.logger.warn({}, 'the server missed its pong: reconnecting');
      ws.terminate();
    }, this.options.pongTimeoutMs);
    this.pongTimer.unref();
    ws.ping();
  }

  /**
   * Sends unless that would take what waits to be sent over
   * maxBufferedBytes: then the server is not reading, and the connection is
   * dropped instead; the next one resumes from what this agent holds.
   */
  private send(bytes: Uint8Array): void {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return;
    if (this.hasRoom(ws, bytes.length)) {
      ws.send(bytes);
      return;
    }
    this.options.logger.warn(
      { bufferedBytes: ws.bufferedAmount, maxBufferedBytes: this.maxBufferedBytes() },
      'the server does not read what it is sent: reconnecting',
    );
    ws.terminate();
  }

  private maxBufferedBytes(): number {
    return this.options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  }

  /** Whether `bytes` more may be sent on `ws` now (one message always goes onto an empty buffer). */
  private hasRoom(ws: WebSocket, bytes: number): boolean {
    const buffered = ws.bufferedAmount;
    // A WebSocket frame adds at most 14 bytes of header to the message.
    return buffered === 0 || buffered + bytes + 14 <= this.maxBufferedBytes();
  }

  /** The version this agent reports: its own, or, until a snapshot says which, the configured fallback. */
  private agentVersion(): string {
    const version = this.options.agent.held().agentVersion;
    return version === '' ? this.options.fallbackAgentVersion : version;
  }

  private hello(): void {
    const held = this.options.agent.held();
    this.reportedVersion = this.agentVersion();
    this.send(
      encodeAgentMessage({
        kind: 'hello',
        computerId: this.options.computerId,
        token: this.options.token,
        agentVersion: this.reportedVersion,
        os: held.os ?? this.options.fallbackOs,
        snapshotVersion: held.snapshotVersion ?? 0,
        settingsVersion: held.settingsVersion,
        ...viewHashOf(held),
        ...(this.options.tollgateVersion === undefined ? {} : { tollgateVersion: this.options.tollgateVersion }),
      }),
    );
  }

  /** Acknowledges with the versions (and view hash) held; `errorCode` says why it refused ('delta-...' asks for the full snapshot). */
  private ack(error: string, errorCode = ''): void {
    const held = this.options.agent.held();
    this.send(
      encodeAgentMessage({
        kind: 'ack',
        snapshotVersion: held.snapshotVersion ?? 0,
        settingsVersion: held.settingsVersion,
        error: ackErrorText(error),
        ...(errorCode === '' ? {} : { errorCode }),
        ...viewHashOf(held),
      }),
    );
  }

  private receive(data: RawData, isBinary: boolean): void {
    let message: ServerMessage;
    try {
      if (!isBinary) throw new Error('text frames are not part of the protocol');
      message = decodeServerMessage(rawDataBytes(data));
    } catch (error) {
      // A stream of them is logged once a second, with how many were dropped.
      this.dropped++;
      const now = this.clock();
      if (now - this.droppedLoggedAtMs >= 1000) {
        this.options.logger.warn(
          { err: (error as Error).message, dropped: this.dropped },
          'undecodable message from the server: dropped',
        );
        this.dropped = 0;
        this.droppedLoggedAtMs = now;
      }
      return;
    }
    // Only what a hello is answered with answers it (a refusal does not, nor a receipt: nothing was sent yet, nor
    // an up-to-date naming versions this agent does not hold, which is ignored).
    const firstAnswer =
      !this.accepted && message.kind !== 'refusal' && message.kind !== 'receipt' && !this.claimsUnheld(message);
    // A snapshot, settings or delta whose signature does not verify is no answer of this agent's server either:
    // the hello's wait goes on (and with it the failover), and no approval request is sent to whoever sent it.
    let signedByServer = true;
    switch (message.kind) {
      case 'snapshot':
        signedByServer = this.apply('snapshot', () => {
          const applied = (this.options.applySnapshot ?? ((b: Uint8Array) => this.options.agent.applySnapshot(b)))(
            message.signed,
          );
          this.options.logger.info({ snapshotVersion: applied.version, via: 'snapshot' }, 'snapshot applied');
        });
        break;
      case 'delta':
        signedByServer = this.apply('delta', () => {
          const applied = (this.options.applyDelta ?? ((b: Uint8Array) => this.options.agent.applyDelta(b)))(
            message.signed,
          );
          this.options.logger.info(
            { snapshotVersion: applied.version, via: 'delta', bytes: message.signed.length },
            'snapshot applied',
          );
        });
        break;
      case 'settings':
        signedByServer = this.apply('settings', () => {
          const applied = this.options.agent.applySettings(message.signed);
          this.options.logger.info({ settingsVersion: applied.settingsVersion }, 'settings applied');
        });
        break;
      case 'upToDate': {
        // Up to date with versions newer than those held says something wrong (it is not signed): not of use.
        if (this.claimsUnheld(message)) {
          const held = this.options.agent.held();
          this.warnLimited(
            {
              snapshotVersion: message.snapshotVersion,
              settingsVersion: message.settingsVersion,
              heldSnapshotVersion: held.snapshotVersion,
              heldSettingsVersion: held.settingsVersion,
            },
            'the server says this agent is up to date with versions it does not hold: ignored',
          );
          break;
        }
        this.useful();
        this.options.logger.debug(
          { snapshotVersion: message.snapshotVersion, settingsVersion: message.settingsVersion },
          'up to date',
        );
        break;
      }
      case 'refusal':
        this.unauthorized = message.code === SYNC_REFUSAL_CODES.unauthorized;
        // Busy or its storage failing: the server's state, not this agent's fault; it tries again with its backoff.
        if (message.code === SYNC_REFUSAL_CODES.busy || message.code === SYNC_REFUSAL_CODES.storageUnavailable) {
          this.warnLimited(
            { code: message.code, reason: message.message },
            'the server cannot answer now: trying again later',
          );
        } else {
          this.warnLimited({ code: message.code, reason: message.message }, 'the server refused this agent');
        }
        // The server closes a connection it refuses; should it not, this agent does, and tries again as after a close.
        this.ws?.close(SYNC_CLOSE_CODES.normal, 'refused');
        break;
      case 'receipt':
        this.receipt(message.requestId, message.refused);
        break;
    }
    if (firstAnswer && signedByServer) {
      this.accepted = true;
      if (this.answerTimer !== null) clearTimeout(this.answerTimer);
      this.answerTimer = null;
      this.flushOutbox();
    }
  }

  /** Whether `message` is an up-to-date naming a version newer than this agent holds. */
  private claimsUnheld(message: ServerMessage): boolean {
    if (message.kind !== 'upToDate') return false;
    const held = this.options.agent.held();
    return message.snapshotVersion > (held.snapshotVersion ?? 0) || message.settingsVersion > held.settingsVersion;
  }

  /** A receipt: the request leaves the outbox, recorded by the server or, with `refused`, refused for good. */
  private receipt(requestId: string, refused: ReceiptRefusal | undefined): void {
    const outbox = this.options.outbox;
    if (outbox === undefined) return;
    // Only a request sent on this connection is receipted: any other stays in the outbox, to be sent and receipted.
    if (!this.inFlight.has(requestId)) {
      this.options.logger.debug({ requestId }, 'receipt for a request not sent on this connection: ignored');
      return;
    }
    try {
      outbox.markOutboxDelivered(requestId);
    } catch (error) {
      // Still pending, and no longer awaiting a receipt: it is sent again at the next flush (a receipt, a check-in,
      // the cache recreated after damage, a new connection), and the server records it once.
      this.inFlight.delete(requestId);
      this.options.logger.warn(
        { requestId, err: (error as Error).message },
        'cannot mark an approval request delivered',
      );
      return;
    }
    this.inFlight.delete(requestId);
    if (refused === undefined) this.options.logger.info({ requestId }, 'approval request delivered');
    else {
      this.warnLimited(
        { requestId, code: refused.code, reason: refused.message },
        'approval request refused by the server: not recorded there, removed from the outbox',
      );
    }
    this.flushOutbox();
  }

  /**
   * Sends the pending outbox items not already awaiting a receipt on this
   * connection, up to the in-flight limit and while the send buffer has room. Does nothing until the server has
   * answered the hello; call it whenever an item was queued.
   */
  flushOutbox(): void {
    const outbox = this.options.outbox;
    const ws = this.ws;
    if (outbox === undefined || ws === null || !this.accepted || ws.readyState !== WebSocket.OPEN) return;
    const maxInFlight = this.options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    const room = maxInFlight - this.inFlight.size;
    if (room <= 0) return;
    try {
      const pending = outbox.pendingOutbox(this.inFlight.size + room).filter((item) => !this.inFlight.has(item.id));
      for (const item of pending.slice(0, room)) {
        if (item.payload.length > APPROVAL_REQUEST_LIMITS.submissionBytes) {
          // Stored by an older agent without the bound: the server would close the connection on it every time.
          outbox.markOutboxDelivered(item.id);
          this.options.logger.warn(
            { requestId: item.id, bytes: item.payload.length, maxBytes: APPROVAL_REQUEST_LIMITS.submissionBytes },
            'approval request too large to deliver: removed from the outbox',
          );
          continue;
        }
        if (!this.hasRoom(ws, item.payload.length)) {
          // Paused until the server has read: a receipt, or this timer, looks again.
          this.outboxRetryTimer ??= setTimeout(() => {
            this.outboxRetryTimer = null;
            this.flushOutbox();
          }, OUTBOX_RETRY_MS);
          this.outboxRetryTimer.unref();
          return;
        }
        outbox.markOutboxAttempt(item.id);
        this.inFlight.add(item.id);
        ws.send(item.payload);
        this.options.logger.debug({ requestId: item.id }, 'approval request sent');
      }
    } catch (error) {
      this.options.logger.warn(
        { err: (error as Error).message },
        'cannot read the approval outbox: delivery retried later',
      );
    }
  }

  /**
   * Applies what the server sent and acknowledges it, or acknowledges the
   * refusal with its reason. Returns false when its signature did not
   * verify (not signed by a key this agent pins): whoever sent it is not
   * known to be this agent's server.
   */
  private apply(what: string, fn: () => void): boolean {
    try {
      fn();
      this.useful();
      this.ack('');
      // The first snapshot may be what tells an unconfigured agent its version: report it.
      if (this.agentVersion() !== this.reportedVersion) this.hello();
      return true;
    } catch (error) {
      const { reason, code } = ackRefusal(error);
      this.warnLimited({ reason, code }, `${what} from the server refused`);
      this.ack(reason, code);
      return !UNVERIFIED_CODES.has(code);
    }
  }

  /** The periodic check-in: says hello again on an open connection, or reconnects now. */
  checkIn(): void {
    if (this.closed) return;
    if (this.ws !== null && this.ws.readyState === WebSocket.OPEN) {
      this.hello();
      this.flushOutbox();
    } else if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.connect();
    }
  }

  /** Stops syncing; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.stopTimers();
    this.ws?.close(SYNC_CLOSE_CODES.normal, 'agent stopping');
    this.ws = null;
    this.connectionState = 'disabled';
  }
}
