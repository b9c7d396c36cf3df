/**
 * An agent over a real WebSocket that applies what the server sends as
 * tollgate's agent does (src/agent/agent.ts), with the wire code: a snapshot
 * or delta is verified with the server's key and applied only when its
 * version is newer than the one held (else refused `stale-version`); a
 * delta only to the exact base it names (else refused
 * `delta-base-mismatch`), the view it produces hashing to its signed view
 * hash. Each snapshot, delta and settings message is acknowledged with
 * what the agent then holds; with `holdAcks`, the acknowledgements wait
 * until `sendHeldAcks` (an agent whose acknowledgement is late). Every
 * message is recorded, in the order it came, in `got`.
 */
import type { KeyObject } from 'node:crypto';
import { WebSocket } from 'ws';
import {
  applyDeltaToParts,
  openDelta,
  partsHash,
  sameHash,
  signedSnapshotViewBytes,
  signedSnapshotViewHash,
  viewParts,
  type ViewParts,
} from '../../src/wire/delta.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { openSettings, openSnapshot } from '../../src/wire/signed.js';
import { decodeServerMessage, encodeAgentMessage } from '../../src/wire/sync-messages.js';

/** A message the agent got: its kind, the versions it names, and the code the agent refused it with (null: applied). */
export interface Received {
  kind: string;
  version?: number;
  baseVersion?: number;
  refused: string | null;
}

export class ApplyingAgent {
  /** Every message received, in order. */
  readonly got: Received[] = [];
  /** Whether acknowledgements wait for sendHeldAcks. */
  holdAcks = false;
  private readonly heldAcks: Uint8Array[] = [];
  private version = 0;
  private settingsVersion = 0;
  private hash: Buffer | null = null;
  private parts: ViewParts | null = null;
  private readonly watchers: (() => void)[] = [];

  private constructor(
    readonly ws: WebSocket,
    private readonly key: KeyObject,
  ) {
    ws.on('message', (data) => {
      this.receive(rawDataBytes(data));
      for (const watcher of this.watchers.splice(0)) watcher();
    });
  }

  /** Connects to the server's agent endpoint (`url`: ws://host:port/agent) and says hello holding nothing. */
  static async connect(url: string, computerId: string, token: string, key: KeyObject): Promise<ApplyingAgent> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(
      encodeAgentMessage({
        kind: 'hello',
        computerId,
        token,
        agentVersion: '10.6.2',
        os: 'linux',
        snapshotVersion: 0,
        settingsVersion: 0,
      }),
    );
    return new ApplyingAgent(ws, key);
  }

  /** The snapshot version held. */
  get heldVersion(): number {
    return this.version;
  }

  /** The view hash held. */
  get heldHash(): Buffer | null {
    return this.hash;
  }

  /** Sends the acknowledgements held back, in order, and holds no more. */
  sendHeldAcks(): void {
    this.holdAcks = false;
    for (const ack of this.heldAcks.splice(0)) this.ws.send(ack);
  }

  /** Resolves once `count` messages have been received. */
  async received(count: number): Promise<void> {
    while (this.got.length < count) await new Promise<void>((resolve) => this.watchers.push(resolve));
  }

  /** Resolves once it holds `version` or newer. */
  async holds(version: number): Promise<void> {
    while (this.version < version) await new Promise<void>((resolve) => this.watchers.push(resolve));
  }

  /** Resolves once every message the server sent before this was received (a ping's pong comes after them). */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.once('pong', () => resolve());
      this.ws.ping();
    });
  }

  close(): void {
    this.ws.terminate();
  }

  private receive(bytes: Uint8Array): void {
    const message = decodeServerMessage(bytes);
    if (message.kind === 'snapshot') {
      const snapshot = openSnapshot(message.signed, this.key);
      const refused = snapshot.version <= this.version ? 'stale-version' : null;
      this.got.push({ kind: 'snapshot', version: snapshot.version, refused });
      if (refused === null) {
        this.version = snapshot.version;
        this.settingsVersion = Math.max(this.settingsVersion, snapshot.settingsVersion);
        this.hash = signedSnapshotViewHash(message.signed);
        this.parts = viewParts(signedSnapshotViewBytes(message.signed));
      }
      this.ack(refused);
    } else if (message.kind === 'delta') {
      const delta = openDelta(message.signed, this.key);
      let refused: string | null = null;
      if (delta.version <= this.version) refused = 'stale-version';
      else if (this.parts === null || delta.baseVersion !== this.version || !sameHash(this.hash, delta.baseViewHash)) {
        refused = 'delta-base-mismatch';
      }
      this.got.push({ kind: 'delta', version: delta.version, baseVersion: delta.baseVersion, refused });
      if (refused === null) {
        const parts = applyDeltaToParts(this.parts!, delta);
        if (!partsHash(parts).equals(delta.viewHash)) throw new Error('the delta produced another view');
        this.version = delta.version;
        this.settingsVersion = Math.max(this.settingsVersion, delta.settingsVersion);
        this.hash = Buffer.from(delta.viewHash);
        this.parts = parts;
      }
      this.ack(refused);
    } else if (message.kind === 'settings') {
      const settings = openSettings(message.signed, this.key);
      const refused = settings.settingsVersion <= this.settingsVersion ? 'stale-version' : null;
      this.got.push({ kind: 'settings', version: settings.settingsVersion, refused });
      if (refused === null) this.settingsVersion = settings.settingsVersion;
      this.ack(refused);
    } else {
      this.got.push({ kind: message.kind, refused: null });
    }
  }

  private ack(refused: string | null): void {
    const ack = encodeAgentMessage({
      kind: 'ack',
      snapshotVersion: this.version,
      settingsVersion: this.settingsVersion,
      error: refused === null ? '' : `refused: ${refused}`,
      ...(refused === null ? {} : { errorCode: refused }),
      ...(this.hash === null ? {} : { viewHash: this.hash }),
    });
    if (this.holdAcks) this.heldAcks.push(ack);
    else this.ws.send(ack);
  }
}
