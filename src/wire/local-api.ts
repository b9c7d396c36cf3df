/**
 * The daemon's local API (SPEC.md section 9) in domain terms: requests and
 * responses as tagged unions, and their protobuf encodings (the Request and
 * Response messages). Framing is framing.ts's business.
 */
import type { ApprovalQuery } from '../engine/approvals.js';
import { TollgateError } from '../engine/errors.js';
import type { ApprovalSuggestion, Decision, FileRequest, OsName, SettingValue, Structure } from '../engine/model.js';
import {
  approvalQueryFromWire,
  approvalQueryToWire,
  badMessage,
  checkUint32,
  decisionFromWire,
  decisionToWire,
  fileFromWire,
  fileToWire,
  osCodec,
  requireMessage,
  requireText,
  setEntry,
  settingsFromWire,
  settingsToWire,
  structureCodec,
  suggestionFromWire,
  suggestionToWire,
} from './codec.js';
import { APPROVAL_REQUEST_LIMITS } from './approval-limits.js';
import type { tollgate } from './generated/tollgate.js';
import { pb } from './proto.js';
import { putVarint, varintBytes } from './file-key.js';
import { LOCAL_CONNECTION_ERRORS, LOCAL_REQUEST_ERRORS } from './protocol-codes.js';
import { checkRequestCounts, findInvalidText, readField, type ScanField, type ScanShape } from './request-scan.js';

/** The states of the agent's connection to the policy server, as status reports them. */
export const SYNC_STATES = ['disconnected', 'connecting', 'connected', 'disabled'] as const;
/** One of SYNC_STATES. */
export type SyncState = (typeof SYNC_STATES)[number];

/**
 * A request to the daemon; `id` (uint32) is repeated in the response. An
 * empty `settings` override travels as no override: the two mean the same.
 */
export type LocalRequest =
  | {
      id: number;
      kind: 'evaluateFile';
      file: FileRequest;
      atMs?: number;
      settings?: Record<string, SettingValue>;
      /**
       * Read, not sent: why the what-if settings cannot be taken (a name
       * missing or repeated, a value missing), answered `invalid-field`
       * where the request is answered, the connection carrying on.
       */
      settingsProblem?: string;
    }
  | {
      id: number;
      kind: 'evaluateApproval';
      query: ApprovalQuery;
      /** Store the request in the outbox and deliver it to the server. */
      submit: boolean;
      file?: FileRequest;
      user?: string;
      reason?: string;
    }
  | { id: number; kind: 'status' }
  | { id: number; kind: 'exportDecisions'; limit: number }
  /** A SignedSnapshot (as sealSnapshot made it) to verify and apply, for offline installs. */
  | { id: number; kind: 'applySnapshot'; snapshot: Uint8Array };

/** One entry of the daemon's decision log. */
export interface DecisionLogEntry {
  atMs: number;
  file: FileRequest;
  decision: Decision;
}

/** The daemon's answer to the request with the same `id`. */
export type LocalResponse =
  | { id: number; kind: 'decision'; decision: Decision }
  | { id: number; kind: 'suggestion'; suggestion: ApprovalSuggestion; requestId?: string }
  | { id: number; kind: 'status'; status: AgentStatus }
  | { id: number; kind: 'error'; code: string; message: string }
  | { id: number; kind: 'decisions'; computerId: string; entries: DecisionLogEntry[] }
  | { id: number; kind: 'applied'; snapshotVersion: number; settingsVersion: number };

/** What `tollgate status` shows: the agent, its snapshot, its settings and its counters. */
export interface AgentStatus {
  computerId: string;
  agentVersion: string;
  os: OsName;
  snapshotVersion: number | null;
  snapshotIssuedAtMs: number | null;
  snapshotAppliedAtMs: number | null;
  /** The structure configured for the organization; null before the first snapshot. */
  orgStructure: Structure | null;
  /** The effective structure, after gates. */
  structure: Structure;
  builtInsFirst: boolean;
  /** The gate features this agent fails. */
  gated: string[];
  settings: Record<string, SettingValue>;
  /** Per setting: the agent setting entry its value came from; null for a default. */
  settingSources: Record<string, string | null>;
  settingsVersion: number;
  policyCount: number;
  /** Decisions answered since start, by action. */
  decisions: Record<string, number>;
  latencyP50Us: number;
  latencyP99Us: number;
  outboxDepth: number;
  uptimeMs: number;
  syncState: SyncState;
  serverUrl: string | null;
  /** The tollgate software version the daemon runs; absent when the daemon does not say. */
  daemonVersion?: string;
  /** When the server last confirmed this agent holds the newest versions (applied or up to date); null before that. */
  lastSyncAtMs: number | null;
  /** Since when the agent has had no working connection to the server; null while it has one or when sync is disabled. */
  syncDownSinceMs: number | null;
  /** The metrics listener's bound address (host:port); null when it is off. */
  metricsAddress: string | null;
}

/** Request kinds served only on the admin socket (SPEC.md section 9); the client socket refuses them. */
/**
 * How many decisions an export with `limit` 0 returns: protobuf cannot tell 0
 * from an unset field, so 0 means "the default", never "none".
 */
export const DEFAULT_DECISION_EXPORT_LIMIT = 1_000;

/** The number of decisions an export request asks for, with 0 (unset) as the default. */
export function decisionExportLimit(limit: number): number {
  return limit === 0 ? DEFAULT_DECISION_EXPORT_LIMIT : limit;
}

export const ADMIN_REQUEST_KINDS: readonly LocalRequest['kind'][] = ['applySnapshot', 'exportDecisions'];

/** Whether a request is one only the admin socket serves. */
export function isAdminRequest(request: LocalRequest): boolean {
  return ADMIN_REQUEST_KINDS.includes(request.kind);
}

/**
 * The longest text each request field may carry, in UTF-16 code units, and
 * the most items a list may hold (docs/DAEMON.md, "Bounds"). A path is at
 * most 32,767 units on Windows and 4,096 bytes on Linux: the larger bound
 * applies whatever the computer's os (`createdBy` is a path too). A request
 * past a limit gets the error 'field-too-long' naming the field. The fields
 * an approval request shares take APPROVAL_REQUEST_LIMITS' bounds, so a
 * request those limits allow is never refused here first.
 */
const A = APPROVAL_REQUEST_LIMITS;
export const REQUEST_FIELD_LIMITS = {
  path: A.pathChars,
  processPath: A.pathChars,
  certSubject: 4_096,
  certThumbprint: A.hashChars,
  sha256: A.hashChars,
  createdBy: A.pathChars,
  app: A.queryTextChars,
  category: A.queryTextChars,
  subcategory: A.queryTextChars,
  influence: 256,
  influenceItems: A.influenceEntries,
  user: A.userChars,
  reason: A.reasonChars,
  settingName: 128,
  settingValue: 4_096,
  settings: 64,
} as const;

function tooLong(field: string, what: string, limit: number): TollgateError {
  return new TollgateError(LOCAL_REQUEST_ERRORS.fieldTooLong, `${field} ${what}; the limit is ${limit}`);
}

function limitText(value: string | undefined, field: string, limit: number): void {
  if (value !== undefined && value.length > limit) {
    throw tooLong(field, `is ${value.length} UTF-16 code units long`, limit);
  }
}

function limitList(values: readonly string[] | undefined, field: string): void {
  if (values === undefined) return;
  if (values.length > REQUEST_FIELD_LIMITS.influenceItems) {
    throw tooLong(field, `has ${values.length} items`, REQUEST_FIELD_LIMITS.influenceItems);
  }
  values.forEach((value, i) => limitText(value, `${field}[${i}]`, REQUEST_FIELD_LIMITS.influence));
}

/** Throws 'field-too-long' naming the first field of a file (at `at`) past REQUEST_FIELD_LIMITS. */
export function checkFileLimits(file: FileRequest | undefined, at: string): void {
  if (file === undefined) return;
  const L = REQUEST_FIELD_LIMITS;
  limitText(file.path, `${at}.path`, L.path);
  limitText(file.processPath, `${at}.processPath`, L.processPath);
  limitText(file.certSubject, `${at}.certSubject`, L.certSubject);
  limitText(file.certThumbprint, `${at}.certThumbprint`, L.certThumbprint);
  limitText(file.sha256, `${at}.sha256`, L.sha256);
  limitText(file.createdBy, `${at}.createdBy`, L.createdBy);
}

/** Throws 'field-too-long' naming the first field of a decoded request past REQUEST_FIELD_LIMITS. */
export function checkRequestLimits(r: LocalRequest): void {
  const L = REQUEST_FIELD_LIMITS;
  switch (r.kind) {
    case 'evaluateFile': {
      checkFileLimits(r.file, 'request.evaluateFile.file');
      const names = Object.keys(r.settings ?? {});
      if (names.length > L.settings)
        throw tooLong('request.evaluateFile.settings', `has ${names.length} items`, L.settings);
      // Named by their place in the request, as the other settings problems are (a name may be the long text).
      names.forEach((name, i) => {
        limitText(name, `request.evaluateFile.settings[${i}].name`, L.settingName);
        const value = r.settings?.[name];
        if (typeof value === 'string') limitText(value, `request.evaluateFile.settings[${i}].value`, L.settingValue);
      });
      return;
    }
    case 'evaluateApproval': {
      const at = 'request.evaluateApproval';
      limitText(r.query.app, `${at}.query.app`, L.app);
      limitText(r.query.category, `${at}.query.category`, L.category);
      limitText(r.query.subcategory, `${at}.query.subcategory`, L.subcategory);
      limitList(r.query.primaryCompanyInfluence, `${at}.query.primaryCompanyInfluence`);
      limitList(r.query.developmentInfluence, `${at}.query.developmentInfluence`);
      checkFileLimits(r.file, `${at}.file`);
      limitText(r.user, `${at}.user`, L.user);
      limitText(r.reason, `${at}.reason`, L.reason);
      return;
    }
    case 'status':
    case 'exportDecisions':
    case 'applySnapshot':
      return;
  }
}

// ----------------------------------------------------------------- requests

function requestToWire(r: LocalRequest): tollgate.v1.Request.$Properties {
  const id = checkUint32(r.id, 'request.id');
  switch (r.kind) {
    case 'evaluateFile': {
      const body: tollgate.v1.EvaluateFileRequest.$Properties = { file: fileToWire(r.file), atMs: r.atMs };
      if (r.settings !== undefined) {
        body.settings = settingsToWire(r.settings, undefined, 'request.evaluateFile.settings');
      }
      return { id, evaluateFile: body };
    }
    case 'evaluateApproval':
      return {
        id,
        evaluateApproval: {
          query: approvalQueryToWire(r.query),
          submit: r.submit,
          file: r.file === undefined ? undefined : fileToWire(r.file),
          user: r.user,
          reason: r.reason,
        },
      };
    case 'status':
      return { id, status: {} };
    case 'exportDecisions':
      return { id, exportDecisions: { limit: checkUint32(r.limit, 'request.exportDecisions.limit') } };
    case 'applySnapshot':
      return { id, applySnapshot: { signedSnapshot: r.snapshot } };
  }
}

function requestFromWire(m: tollgate.v1.Request): LocalRequest {
  const id = m.id;
  switch (m.body) {
    case 'evaluateFile': {
      const body = requireMessage(m.evaluateFile, 'request.evaluateFile');
      const file = fileFromWire(requireMessage(body.file, 'request.evaluateFile.file'), 'request.evaluateFile.file');
      const out: LocalRequest = { id, kind: 'evaluateFile', file };
      if (body.atMs !== null && body.atMs !== undefined) out.atMs = body.atMs;
      try {
        const settings = settingsFromWire(body.settings, 'request.evaluateFile.settings').values;
        if (Object.keys(settings).length > 0) out.settings = settings;
      } catch (error) {
        if (!(error instanceof TollgateError)) throw error;
        out.settingsProblem = error.message;
      }
      return out;
    }
    case 'evaluateApproval': {
      const body = requireMessage(m.evaluateApproval, 'request.evaluateApproval');
      const query = requireMessage(body.query, 'request.evaluateApproval.query');
      const out: LocalRequest = {
        id,
        kind: 'evaluateApproval',
        query: approvalQueryFromWire(query),
        submit: body.submit ?? false,
      };
      if (body.file !== null && body.file !== undefined) {
        // A file without its path is the submit's missing-field (Agent.submit), not a message that cannot be
        // read; a suggestion does not look at the file.
        const path = body.file.path;
        out.file =
          path === null || path === undefined || path === ''
            ? { path: '' }
            : fileFromWire(body.file, 'request.evaluateApproval.file');
      }
      if (body.user !== null && body.user !== undefined) out.user = body.user;
      if (body.reason !== null && body.reason !== undefined) out.reason = body.reason;
      return out;
    }
    case 'status':
      return { id, kind: 'status' };
    case 'exportDecisions':
      return { id, kind: 'exportDecisions', limit: m.exportDecisions?.limit ?? 0 };
    case 'applySnapshot': {
      // An empty one is refused where it is answered (an apply on the admin socket; on the client socket, that
      // it is not served there), not as a request that cannot be read.
      const bytes = m.applySnapshot?.signedSnapshot ?? new Uint8Array(0);
      // A plain Uint8Array view, whatever the decoder handed out (a Buffer, in Node).
      return { id, kind: 'applySnapshot', snapshot: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    }
    case undefined:
      throw new TollgateError(
        LOCAL_REQUEST_ERRORS.badRequest,
        `request ${id} has no body (none of its fields is one, with the wire type of one)`,
      );
  }
}

/** Encodes a request for the local socket (without the frame header). */
export function encodeRequest(r: LocalRequest): Uint8Array {
  return pb().Request.encode(requestToWire(r)).finish();
}

/** Request.id (field 1, varint), Request.apply_snapshot (field 6, length-delimited), its signed_snapshot (field 1). */
const REQUEST_ID_TAG = 0x08;
const REQUEST_APPLY_SNAPSHOT_TAG = 0x32;
const APPLY_SIGNED_SNAPSHOT_TAG = 0x0a;

/**
 * The frame of an applySnapshot request in two parts, the snapshot's bytes
 * not copied: the frame header with the Request's fields up to the
 * snapshot, then the snapshot itself. Written one after the other they are
 * the bytes of `encodeFrame(encodeRequest({id, kind: 'applySnapshot',
 * snapshot}))`; a snapshot of hundreds of MB is not copied twice to be sent.
 */
export function applySnapshotFrameParts(id: number, snapshot: Uint8Array): [Uint8Array, Uint8Array] {
  checkUint32(id, 'request.id');
  // As protobuf writes them: a field at its default (id 0, no bytes) is left out.
  const inner = snapshot.length === 0 ? 0 : 1 + varintBytes(snapshot.length) + snapshot.length;
  const payload = (id === 0 ? 0 : 1 + varintBytes(id)) + 1 + varintBytes(inner) + inner;
  if (payload > 0xffff_ffff) {
    throw new TollgateError(
      LOCAL_CONNECTION_ERRORS.frameTooLarge,
      `a frame carries at most ${0xffff_ffff} bytes, not ${payload}`,
    );
  }
  const head = new Uint8Array(4 + payload - snapshot.length);
  new DataView(head.buffer).setUint32(0, payload);
  let at = 4;
  if (id !== 0) {
    head[at++] = REQUEST_ID_TAG;
    at = putVarint(head, at, id);
  }
  head[at++] = REQUEST_APPLY_SNAPSHOT_TAG;
  at = putVarint(head, at, inner);
  if (snapshot.length > 0) {
    head[at++] = APPLY_SIGNED_SNAPSHOT_TAG;
    putVarint(head, at, snapshot.length);
  }
  return [head, snapshot];
}

const message = (fields: [number, ScanField][]): ScanShape => ({ fields: new Map(fields) });
const text = (name: string): ScanField => ({ shape: null, name, text: true });
const STRING_LIST = message([[1, { shape: null, item: true, name: 'values', repeated: true, text: true }]]);
const FILE_INFO = message([
  [1, text('path')],
  [2, text('sha256')],
  [3, text('certSubject')],
  [4, text('certThumbprint')],
  [5, text('processPath')],
  [6, text('createdBy')],
]);
const SETTING = message([
  [1, text('name')],
  [2, { shape: message([[3, text('stringValue')]]), name: 'value' }],
  [3, text('source')],
]);
const influence = (list: string): ScanField => ({
  shape: STRING_LIST,
  name: list,
  itemsOf: { name: `request.evaluateApproval.query.${list}`, limit: REQUEST_FIELD_LIMITS.influenceItems },
});

/**
 * What checkRequestCounts counts of a Request (the lists REQUEST_FIELD_LIMITS
 * bounds by their number of items), and the text fields findInvalidText
 * names when the decoder finds one that is not UTF-8.
 */
const REQUEST_SCAN = message([
  [
    2, // evaluate_file
    {
      name: 'evaluateFile',
      shape: message([
        [1, { shape: FILE_INFO, name: 'file' }],
        [
          3,
          {
            shape: SETTING,
            name: 'settings',
            repeated: true,
            // Counted as items; their fields (and what protobufjs skips in them) are left to the decoder.
            countInside: false,
            counts: { name: 'request.evaluateFile.settings', limit: REQUEST_FIELD_LIMITS.settings },
          },
        ],
      ]),
    },
  ],
  [
    3, // evaluate_approval: its query's texts and influence lists, its file, user and reason
    {
      name: 'evaluateApproval',
      shape: message([
        [
          1,
          {
            name: 'query',
            shape: message([
              [1, text('app')],
              [2, text('category')],
              [3, text('subcategory')],
              [6, influence('primaryCompanyInfluence')],
              [7, influence('developmentInfluence')],
            ]),
          },
        ],
        [3, { shape: FILE_INFO, name: 'file' }],
        [4, text('user')],
        [5, text('reason')],
      ]),
    },
  ],
  [4, { shape: { fields: new Map(), refusesGroups: 'request.status' } }], // status: a group in it is refused
]);

/**
 * Decodes a request. Undecodable bytes, a request without a body or a bad
 * field throw TollgateError 'bad-request' naming the field, a field past
 * REQUEST_FIELD_LIMITS 'field-too-long'; the id, when it can be read, comes
 * from tryReadRequestId.
 */
export function decodeRequest(bytes: Uint8Array): LocalRequest {
  // Lists past their limits are refused from the bytes, before half a million objects are made of them.
  checkRequestCounts(
    bytes,
    REQUEST_SCAN,
    (name, count, limit) => tooLong(name, name === 'request' ? `has ${count} fields` : `has ${count} items`, limit),
    (message) => new TollgateError(LOCAL_REQUEST_ERRORS.badRequest, message),
  );
  let message: tollgate.v1.Request;
  try {
    message = pb().Request.decode(bytes);
  } catch (error) {
    // The generated code's string reader refuses text that is not UTF-8 without naming its field: find it.
    const field = findInvalidText(bytes, REQUEST_SCAN, 'request');
    const problem =
      field === null ? `undecodable request: ${(error as Error).message}` : `${field}: is not valid UTF-8`;
    throw new TollgateError(LOCAL_REQUEST_ERRORS.badRequest, problem, { cause: error });
  }
  let request: LocalRequest;
  try {
    request = requestFromWire(message);
  } catch (error) {
    if (error instanceof TollgateError && error.code === 'bad-message') {
      throw new TollgateError(LOCAL_REQUEST_ERRORS.badRequest, error.message, { cause: error });
    }
    throw error;
  }
  checkRequestLimits(request);
  return request;
}

const REQUEST_ID_FIELD = 1;
const WIRE_VARINT = 0;

/**
 * The id of a request that may not decode as a whole: the value of its
 * last field 1 sent as a varint (its low 32 bits, as the decoder reads a
 * uint32), its top-level fields read as the decoder reads or skips them
 * (readField: groups too), without looking inside the others. Returns the
 * id read so far when the bytes cannot be read further, 0 when none.
 */
export function tryReadRequestId(bytes: Uint8Array): number {
  let id = 0;
  for (let at = 0; at < bytes.length;) {
    const read = readField(bytes, at, bytes.length);
    if (read === null) return id;
    if (read.field === REQUEST_ID_FIELD && read.wire === WIRE_VARINT) {
      let value = 0;
      // The low 32 bits: 7 from each of the first four bytes, 4 from the fifth.
      for (let i = 0; i < 5 && read.from + i < read.to; i++) {
        value += ((bytes[read.from + i] as number) & (i === 4 ? 0x0f : 0x7f)) * 2 ** (7 * i);
      }
      id = value;
    }
    at = read.to;
  }
  return id;
}

// ---------------------------------------------------------------- responses

/** A status's settings and their sources, as read from the wire. */
function settingsAndSources(read: { values: Record<string, SettingValue>; sources: Record<string, string | null> }): {
  settings: Record<string, SettingValue>;
  settingSources: Record<string, string | null>;
} {
  return { settings: read.values, settingSources: read.sources };
}

function statusToWire(s: AgentStatus): tollgate.v1.Status.$Properties {
  const at = 'response.status';
  return {
    computerId: s.computerId,
    agentVersion: s.agentVersion,
    os: osCodec.toWire(s.os, `${at}.os`),
    snapshotVersion: s.snapshotVersion === null ? undefined : checkUint32(s.snapshotVersion, `${at}.snapshotVersion`),
    snapshotIssuedAtMs: s.snapshotIssuedAtMs ?? undefined,
    snapshotAppliedAtMs: s.snapshotAppliedAtMs ?? undefined,
    orgStructure: s.orgStructure === null ? undefined : structureCodec.toWire(s.orgStructure, `${at}.orgStructure`),
    structure: structureCodec.toWire(s.structure, `${at}.structure`),
    builtInsFirst: s.builtInsFirst,
    gated: [...s.gated],
    settings: settingsToWire(s.settings, s.settingSources, `${at}.settings`),
    settingsVersion: checkUint32(s.settingsVersion, `${at}.settingsVersion`),
    policyCount: checkUint32(s.policyCount, `${at}.policyCount`),
    decisions: Object.entries(s.decisions).map(([action, count]) => ({ action, count })),
    latencyP50Us: s.latencyP50Us,
    latencyP99Us: s.latencyP99Us,
    outboxDepth: checkUint32(s.outboxDepth, `${at}.outboxDepth`),
    uptimeMs: s.uptimeMs,
    syncState: s.syncState,
    serverUrl: s.serverUrl ?? undefined,
    tollgateVersion: s.daemonVersion,
    lastSyncAtMs: s.lastSyncAtMs ?? undefined,
    syncDownSinceMs: s.syncDownSinceMs ?? undefined,
    metricsAddress: s.metricsAddress ?? undefined,
  };
}

function isSyncState(value: string): value is SyncState {
  return (SYNC_STATES as readonly string[]).includes(value);
}

function statusFromWire(s: tollgate.v1.Status.$Properties): AgentStatus {
  const at = 'response.status';
  const decisions: Record<string, number> = {};
  (s.decisions ?? []).forEach((entry, i) => {
    const action = requireText(entry.action, `${at}.decisions[${i}].action`);
    if (Object.hasOwn(decisions, action)) throw badMessage(`${at}.decisions[${i}].action`, `${action} appears twice`);
    setEntry(decisions, action, entry.count ?? 0);
  });
  const syncState = s.syncState ?? '';
  if (!isSyncState(syncState)) {
    throw badMessage(
      `${at}.syncState`,
      `unknown sync state ${JSON.stringify(syncState)} (known: ${SYNC_STATES.join(', ')})`,
    );
  }
  const out: AgentStatus = {
    computerId: requireText(s.computerId, `${at}.computerId`),
    agentVersion: s.agentVersion ?? '',
    os: osCodec.fromWire(s.os, `${at}.os`),
    snapshotVersion: s.snapshotVersion ?? null,
    snapshotIssuedAtMs: s.snapshotIssuedAtMs ?? null,
    snapshotAppliedAtMs: s.snapshotAppliedAtMs ?? null,
    orgStructure:
      s.orgStructure === null || s.orgStructure === undefined
        ? null
        : structureCodec.fromWire(s.orgStructure, `${at}.orgStructure`),
    structure: structureCodec.fromWire(s.structure, `${at}.structure`),
    builtInsFirst: s.builtInsFirst ?? false,
    gated: [...(s.gated ?? [])],
    ...settingsAndSources(settingsFromWire(s.settings, `${at}.settings`)),
    settingsVersion: s.settingsVersion ?? 0,
    policyCount: s.policyCount ?? 0,
    decisions,
    latencyP50Us: s.latencyP50Us ?? 0,
    latencyP99Us: s.latencyP99Us ?? 0,
    outboxDepth: s.outboxDepth ?? 0,
    uptimeMs: s.uptimeMs ?? 0,
    syncState,
    serverUrl: s.serverUrl ?? null,
    lastSyncAtMs: s.lastSyncAtMs ?? null,
    syncDownSinceMs: s.syncDownSinceMs ?? null,
    metricsAddress: s.metricsAddress ?? null,
  };
  if (s.tollgateVersion !== null && s.tollgateVersion !== undefined && s.tollgateVersion !== '') {
    out.daemonVersion = s.tollgateVersion;
  }
  return out;
}

function responseToWire(r: LocalResponse): tollgate.v1.Response.$Properties {
  const id = checkUint32(r.id, 'response.id');
  switch (r.kind) {
    case 'decision':
      return { id, decision: decisionToWire(r.decision, 'response.decision') };
    case 'suggestion':
      return { id, suggestion: { ...suggestionToWire(r.suggestion, 'response.suggestion'), requestId: r.requestId } };
    case 'status':
      return { id, status: statusToWire(r.status) };
    case 'error':
      return { id, error: { code: r.code, message: r.message } };
    case 'decisions':
      return {
        id,
        decisions: {
          computerId: r.computerId,
          entries: r.entries.map((e, i) => ({
            atMs: e.atMs,
            file: fileToWire(e.file),
            decision: decisionToWire(e.decision, `response.decisions.entries[${i}].decision`),
          })),
        },
      };
    case 'applied':
      return {
        id,
        applied: {
          snapshotVersion: checkUint32(r.snapshotVersion, 'response.applied.snapshotVersion'),
          settingsVersion: checkUint32(r.settingsVersion, 'response.applied.settingsVersion'),
        },
      };
  }
}

function responseFromWire(m: tollgate.v1.Response): LocalResponse {
  const id = m.id;
  switch (m.body) {
    case 'decision':
      return {
        id,
        kind: 'decision',
        decision: decisionFromWire(requireMessage(m.decision, 'response.decision'), 'response.decision'),
      };
    case 'suggestion': {
      const s = requireMessage(m.suggestion, 'response.suggestion');
      const out: LocalResponse = { id, kind: 'suggestion', suggestion: suggestionFromWire(s, 'response.suggestion') };
      if (s.requestId !== null && s.requestId !== undefined) out.requestId = s.requestId;
      return out;
    }
    case 'status':
      return { id, kind: 'status', status: statusFromWire(requireMessage(m.status, 'response.status')) };
    case 'error': {
      const e = requireMessage(m.error, 'response.error');
      return { id, kind: 'error', code: requireText(e.code, 'response.error.code'), message: e.message ?? '' };
    }
    case 'decisions': {
      const log = requireMessage(m.decisions, 'response.decisions');
      return {
        id,
        kind: 'decisions',
        computerId: requireText(log.computerId, 'response.decisions.computerId'),
        entries: (log.entries ?? []).map((e, i) => {
          const at = `response.decisions.entries[${i}]`;
          return {
            atMs: e.atMs ?? 0,
            file: fileFromWire(requireMessage(e.file, `${at}.file`), `${at}.file`),
            decision: decisionFromWire(requireMessage(e.decision, `${at}.decision`), `${at}.decision`),
          };
        }),
      };
    }
    case 'applied': {
      const applied = requireMessage(m.applied, 'response.applied');
      return {
        id,
        kind: 'applied',
        snapshotVersion: applied.snapshotVersion ?? 0,
        settingsVersion: applied.settingsVersion ?? 0,
      };
    }
    case undefined:
      throw badMessage('response', `response ${id} has no body`);
  }
}

/** Encodes a response for the local socket (without the frame header). */
export function encodeResponse(r: LocalResponse): Uint8Array {
  return pb().Response.encode(responseToWire(r)).finish();
}

/** Decodes a response; anything malformed throws TollgateError 'bad-message' naming the field. */
export function decodeResponse(bytes: Uint8Array): LocalResponse {
  let message: tollgate.v1.Response;
  try {
    message = pb().Response.decode(bytes);
  } catch (error) {
    throw badMessage('response', `undecodable: ${(error as Error).message}`, error);
  }
  return responseFromWire(message);
}
