/**
 * The admin API of the reference policy server: JSON over HTTP, every route
 * behind a bearer token but the probes (/healthz, /readyz) and, unless
 * configured otherwise, /metrics. It changes the world through ServerStateApi, pushes
 * the view changes to the sync hub and, for settings and upgrades, reports
 * which agents applied the change (SPEC.md section 9).
 */
import type { Duplex } from 'node:stream';
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import * as z from 'zod';
import { TollgateError, ValidationError } from '../engine/errors.js';
import { formatLint } from '../engine/lint.js';
import { invalidTextIn } from '../engine/limits.js';
import type { World } from '../engine/model.js';
import { settingValueProblem } from '../engine/settings.js';
import { formatUpgradePlan, type UpgradePlan } from '../engine/upgrade.js';
import { scenarioIssueProblem } from '../scenario/load.js';
import { utf8Text } from '../scenario/bounded-read.js';
import { scenarioSchema } from '../scenario/schema.js';
import {
  ADMIN_BODY_LIMIT_BYTES,
  DEFAULT_WAIT_MS,
  ERROR_STATUS,
  MAX_PARAM_CHARS,
  MAX_COMPUTER_PAGE,
  MAX_WAIT_MS,
  ROUTES,
  type ErrorBody,
  type ErrorCode,
} from '../contract/index.js';
import { schemaProblems } from './admin-schemas.js';
import { registerApiDocs } from './api-docs.js';
import type { ApprovalPolicyTemplate } from './approval-admin.js';
import { SILENT_NOTIFIER, registerApprovalRoutes } from './approval-routes.js';
import { addRoute, requireContracts } from './contract-routes.js';
import { HttpError, apiCodeOf, notFound } from './http-errors.js';
import { MAX_JSON_DEPTH, jsonDepthOver } from '../engine/json-depth.js';
import type { Notifier } from './notifier.js';
import {
  type PolicyInput,
  type PolicyPatch,
  type ServerStateApi,
  type SettingScope,
  type ViewChanges,
  type WorldReplacement,
} from './types.js';
import { RemovalRefusedError } from './world-diff.js';
import type { ServerMetrics } from './metrics.js';
import { DEFAULT_MAX_CONNECTIONS } from './config.js';
import { LogLimit } from '../wire/log-limit.js';

/**
 * Which of the affected computers applied a change in time, which are
 * connected but have not applied it (silent, or refusing: those are in
 * `refused` too, with their error), which are offline.
 */
export interface ApplyReport {
  applied: string[];
  pending: string[];
  refused: { computer: string; error: string }[];
  offline: string[];
}

/** What the admin API needs from the sync hub: push view changes, and wait for agents to acknowledge them. */
export interface AdminHub {
  push(changes: ViewChanges): void;
  /** Closes the connections whose computer's token is no longer the one they gave (after an enrollment). */
  revokeStale(): void;
  awaitSettingsApplied(computerIds: readonly string[], timeoutMs: number): Promise<ApplyReport>;
  awaitSnapshotsApplied(computerIds: readonly string[], timeoutMs: number): Promise<ApplyReport>;
}

export interface AdminApiOptions {
  state: ServerStateApi;
  /** The bearer token every request must carry. */
  adminToken: string;
  hub: AdminHub;
  /**
   * Where refused and failed requests are logged (4xx at info, 5xx at error,
   * with the request id, route and cause); false or absent logs nothing.
   * Requests that succeed are not logged.
   */
  logger?: FastifyBaseLogger | false;
  /** Serve https with this certificate and key (PEM) instead of http. */
  https?: { cert: string | Buffer; key: string | Buffer };
  /** Connections the listener holds at most, agents' WebSockets included (`listen.maxConnections`). */
  maxConnections?: number;
  /** HTTP_TIMEOUTS, some replaced (tests). */
  httpTimeouts?: Partial<Record<keyof typeof HTTP_TIMEOUTS, number>>;
  /** Sends escalation notices (default: none sent; the request still records the notice). */
  notifier?: Notifier;
  /** The approval policies created when an organization gets the approvals module (default: none). */
  defaultApprovalPolicies?: readonly ApprovalPolicyTemplate[];
  /** Stamps actions on approval requests and evaluates files (default Date.now). */
  clock?: () => number;
  /** The registry `GET /metrics` serves and admin requests are counted in; absent: no /metrics route. */
  metrics?: ServerMetrics;
  /** Whether `GET /metrics` needs the admin token (default false: scrapers need no secret). */
  metricsRequireToken?: boolean;
  /** How long `/readyz` waits for the store's round trip (default READY_TIMEOUT_MS). */
  readyTimeoutMs?: number;
  /**
   * Check every successful answer against the contract's schema of the route
   * and answer 500 `internal` naming the field when one does not match
   * (tests and development; default false).
   */
  checkAnswers?: boolean;
  /** The version the API document states (the daemon passes tollgate's; default 0.0.0). */
  version?: string;
  /**
   * Aborted when the server begins to stop: from then on every request is
   * answered `503 stopping` (and its connection closed), as it is once the
   * API itself closes. The server aborts it before it closes the agents'
   * connections, so that no change is taken while it stops.
   */
  stopping?: AbortSignal;
}

/** How long `/readyz` waits for the store's `SELECT 1` by default. */
export const READY_TIMEOUT_MS = 2_000;

/** The body of every error response (the contract's). */
export type AdminErrorBody = ErrorBody;

/**
 * Why the default JSON parser refused a body, said precisely: where the JSON
 * is malformed, or which key it refuses (`__proto__`, or `constructor` with
 * a `prototype`: keys that would change an object's prototype when copied).
 * Null when neither is found (the parser's own error stands: an empty body).
 */
/**
 * Why a JSON body is refused for how it is sent, or null: the admin API
 * reads UTF-8 JSON as it is, so a body declared compressed
 * (`Content-Encoding` other than identity) or in another character set
 * would be read as something it is not.
 */
function bodyEncodingProblem(headers: Record<string, string | string[] | undefined>): string | null {
  const encoding = headers['content-encoding'];
  const encodings = (Array.isArray(encoding) ? encoding.join(',') : (encoding ?? ''))
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '' && e !== 'identity');
  if (encodings.length > 0) {
    return `Content-Encoding ${encodings.join(', ')} is not taken: send the JSON body uncompressed`;
  }
  const type = headers['content-type'];
  const charset = mediaTypeParameter(Array.isArray(type) ? (type[0] ?? '') : (type ?? ''), 'charset');
  if (charset !== null && !UTF8_CHARSETS.has(charset.toLowerCase())) {
    return `charset ${JSON.stringify(charset)} is not taken: a JSON body is UTF-8`;
  }
  return null;
}

/** Character sets a JSON body may declare: UTF-8, and ASCII, which is UTF-8 too. */
const UTF8_CHARSETS: ReadonlySet<string> = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

/**
 * The value of parameter `name` of a media type (`type/sub; name=value`,
 * RFC 9110 section 5.6.6: a token or a quoted string), or null when it has
 * none. A parameter's name is compared ignoring case; a `;` or `=` inside a
 * quoted value is part of it.
 */
function mediaTypeParameter(mediaType: string, name: string): string | null {
  const pattern = /;\s*([^\s;=]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]*))/g;
  for (let match = pattern.exec(mediaType); match !== null; match = pattern.exec(mediaType)) {
    if ((match[1] as string).toLowerCase() !== name) continue;
    return match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] as string);
  }
  return null;
}

function jsonBodyError(text: string): HttpError | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (text.trim() === '') return null;
    return new HttpError('invalid-json', `the body is not valid JSON: ${(error as Error).message}`);
  }
  const at = prototypeKeyAt(value, '');
  if (at === null) return null;
  return new HttpError('invalid-input', 'the body holds a key the admin API refuses; nothing was changed', [
    `${at}: a key that sets an object's prototype (__proto__, or constructor.prototype) is refused`,
  ]);
}

/** The path of the first `__proto__` key (or `constructor` holding `prototype`) in a parsed JSON value, or null. */
function prototypeKeyAt(value: unknown, path: string): string | null {
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = prototypeKeyAt(value[i], `${path}[${i}]`);
      if (at !== null) return at;
    }
    return null;
  }
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const here = path === '' ? key : `${path}.${key}`;
    if (key === '__proto__') return here;
    if (key === 'constructor' && typeof inner === 'object' && inner !== null && Object.hasOwn(inner, 'prototype')) {
      return `${here}.prototype`;
    }
    const at = prototypeKeyAt(inner, here);
    if (at !== null) return at;
  }
  return null;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares digests, so neither the token's content nor its length leaks through timing. */
function tokenMatches(header: string | undefined, expectedDigest: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (match === null) return false;
  return timingSafeEqual(sha256(match[1] as string), expectedDigest);
}

function union(changes: ViewChanges): string[] {
  return [...new Set([...changes.settings, ...changes.snapshots])].sort();
}

function waitMsOf(query: { waitMs?: string }): number {
  if (query.waitMs === undefined) return DEFAULT_WAIT_MS;
  const waitMs = Number(query.waitMs);
  if (waitMs > MAX_WAIT_MS) throw new ValidationError([`waitMs ${waitMs} is above the maximum of ${MAX_WAIT_MS}`]);
  return waitMs;
}

function scopeLabel(scope: SettingScope): string {
  return scope.kind === 'global' ? 'global' : `${scope.kind} ${scope.id}`;
}

/** A scope's shape beyond JSON schema: an id for every kind but global, and that id must be known. */
function checkScope(raw: { kind: SettingScope['kind']; id?: string }, world: World): SettingScope {
  if (raw.kind === 'global') {
    if (raw.id !== undefined) throw new ValidationError(['scope.id must not be set when scope.kind is global']);
    return { kind: 'global' };
  }
  if (raw.id === undefined) throw new ValidationError([`scope.id is required when scope.kind is ${raw.kind}`]);
  const known =
    raw.kind === 'computer'
      ? world.computers.some((c) => c.id === raw.id)
      : raw.kind === 'group'
        ? world.groups.some((g) => g.id === raw.id)
        : world.organizations.some((o) => o.id === raw.id);
  if (!known) throw new ValidationError([`scope.id ${JSON.stringify(raw.id)} is not a known ${raw.kind}`]);
  return { kind: raw.kind, id: raw.id };
}

/** A patch with `null` turned into "remove this optional field". */
function patchOf(body: Record<string, unknown>): PolicyPatch {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) patch[key] = value === null ? undefined : value;
  return patch;
}

/** The plan without the upgraded world (the caller can fetch it), with the dry-run text. */
function planBody(plan: Extract<UpgradePlan, { ok: true }>, dryRun: boolean): Record<string, unknown> {
  return {
    org: plan.org,
    dryRun,
    renumbered: plan.renumbered,
    discrepancies: plan.discrepancies,
    text: formatUpgradePlan(plan),
  };
}

/**
 * Refused requests logged one by one per second, at most; past it they are
 * counted and logged once a second, by code (a client sending thousands of
 * requests without a token cannot fill the log).
 */
export const REFUSALS_LOGGED_PER_SECOND = 20;
const refusalLimits = new WeakMap<object, LogLimit>();

/** The refusal bound of the server answering `reply` (one per server, the count logged through its logger). */
function refusalLimit(reply: FastifyReply): LogLimit {
  let limit = refusalLimits.get(reply.server);
  if (limit === undefined) {
    const log = reply.server.log;
    limit = new LogLimit(REFUSALS_LOGGED_PER_SECOND, (byCode, refused) =>
      log.warn({ refused, byCode }, 'admin requests refused (not logged one by one)'),
    );
    refusalLimits.set(reply.server, limit);
  }
  return limit;
}

/**
 * Answers an error, and logs it: 4xx at info, 5xx at error, with the
 * request id (also bound by the request's logger), route and cause.
 */
function sendError(reply: FastifyReply, body: AdminErrorBody, cause?: unknown): FastifyReply {
  const request = reply.request;
  capErrorBody(body);
  const status = ERROR_STATUS[body.error.code];
  // The request's logger names its reqId already.
  const fields = {
    method: request.method,
    route: request.routeOptions.url ?? request.url,
    status,
    code: body.error.code,
    // A client's error is logged as answered (bounded above), a server's whole.
    ...(cause instanceof Error && status >= 500 ? { err: cause } : {}),
  };
  // A stopping server's refusals are expected: logged as refusals (bounded), not as failures.
  if (status >= 500 && body.error.code !== 'stopping') request.log.error(fields, 'admin request failed');
  else if (refusalLimit(reply).allow(body.error.code)) {
    request.log.info({ ...fields, reason: body.error.message }, 'admin request refused');
  }
  return reply.code(status).type('application/json').send(body);
}

/** The most problems an error answer lists, and the longest problem or message it carries (docs/ADMIN.md, Errors). */
export const ERROR_BOUNDS = Object.freeze({ problems: 100, problemChars: 1_000, messageChars: 16_384 });

function capText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

/**
 * Bounds an error answer, whatever the request made of it: a world of 200,000 bad ids would otherwise be
 * answered (and logged) with every problem, twice (in `message` and `problems`).
 */
function capErrorBody(body: AdminErrorBody): void {
  const error = body.error;
  const problems = error.problems;
  if (problems !== undefined) {
    const kept = capList(problems).map((p) => capText(p, ERROR_BOUNDS.problemChars));
    // A message made of the problems (a validation's) is made of the ones kept; another (with a hint) stays.
    if (error.message === problems.join('\n')) error.message = kept.join('\n');
    error.problems = kept;
  }
  error.message = capText(error.message, ERROR_BOUNDS.messageChars);
  // The computers a world would remove: the first ones, and how many.
  const removed = error.removed;
  if (removed !== undefined && removed.length > ERROR_BOUNDS.problems) {
    error.removed = removed.slice(0, ERROR_BOUNDS.problems);
    error.removedCount = removed.length;
  }
}

/** The first ERROR_BOUNDS.problems lines, and one counting the rest. */
function capList(lines: readonly string[]): string[] {
  if (lines.length <= ERROR_BOUNDS.problems) return [...lines];
  return [...lines.slice(0, ERROR_BOUNDS.problems), `and ${lines.length - ERROR_BOUNDS.problems} more problems`];
}

/**
 * A request Node.js's HTTP parser refuses before any route sees it (a bad or
 * repeated Content-Length, headers over the limit, a malformed request
 * line): answered in the API's error shape, `400 bad-request` naming the
 * cause, then closed. A connection that is gone or too slow is just closed.
 */
function answerClientError(error: Error, socket: Duplex): void {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (!socket.writable || code === 'ECONNRESET' || code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.destroy();
    return;
  }
  const why =
    code === 'HPE_HEADER_OVERFLOW'
      ? "the request's headers are larger than the server takes (16 KiB)"
      : `the request cannot be read: ${error.message}${code === '' ? '' : ` (${code})`}`;
  const body = JSON.stringify({ error: { code: 'bad-request', message: why } });
  socket.once('finish', () => socket.destroy());
  socket.end(
    'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * How long the listener waits for what a connection owes (docs/SERVER.md, Bounds): a request's headers
 * (a connection that sends nothing is closed after this too), its whole body, the next request on an idle
 * kept-alive connection, and a TLS handshake. Node.js's defaults (60 s, 300 s, 5 s, 120 s, checked every 30 s)
 * let connections that send nothing pile up for a minute and more each.
 */
export const HTTP_TIMEOUTS = Object.freeze({
  headersMs: 10_000,
  requestMs: 120_000,
  keepAliveMs: 10_000,
  tlsHandshakeMs: 10_000,
  checkIntervalMs: 1_000,
});

/** The admin API's own codes for fastify's client errors, so clients need not know the framework's. */
const FASTIFY_CLIENT_ERRORS: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-request',
};

/**
 * Builds the admin API (not listening: the caller listens, or injects requests in tests) from the contract's
 * route table. Every route but the API document and its page, the probes and /metrics (see the onRequest hook) needs
 * `Authorization: Bearer <adminToken>`; errors are `{error: {code, message, problems?}}` (docs/ADMIN.md, "Errors").
 */
export function buildAdminApi(options: AdminApiOptions): FastifyInstance {
  const { state, hub } = options;
  if (options.adminToken === '') throw new TollgateError('invalid-config', 'the admin token must not be empty');
  const tokenDigest = sha256(options.adminToken);

  const timeouts = { ...HTTP_TIMEOUTS, ...options.httpTimeouts };
  const serverTimeouts = {
    headersTimeout: timeouts.headersMs,
    connectionsCheckingInterval: timeouts.checkIntervalMs,
  };
  const app = Fastify({
    ...(options.https === undefined
      ? { http: serverTimeouts }
      : { https: { ...options.https, ...serverTimeouts, handshakeTimeout: timeouts.tlsHandshakeMs } }),
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    clientErrorHandler: answerClientError,
    bodyLimit: ADMIN_BODY_LIMIT_BYTES,
    // The router's own options (Fastify 5 deprecates them at the top level).
    routerOptions: { maxParamLength: MAX_PARAM_CHARS },
    // A request that comes while the API closes is answered in the API's error shape (the onRequest hook
    // below), not with Fastify's own 503 body.
    return503OnClosing: false,
    // The router's own refusals (a path parameter too long, a malformed URL) answer in the API's error shape too.
    frameworkErrors: (error, _request, reply): void => {
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        const message = `a path parameter is longer than ${MAX_PARAM_CHARS} characters`;
        void sendError(reply, { error: { code: 'uri-too-long', message } }, error);
        return;
      }
      void sendError(reply, { error: { code: 'bad-request', message: error.message } }, error);
    },
    ...(options.logger === undefined || options.logger === false
      ? { logger: false }
      : {
          loggerInstance: options.logger,
          // No line per request (Fastify 5 deprecates the top-level disableRequestLogging, FSTDEP023).
          logController: new LogController({ disableRequestLogging: true }),
        }),
    // Bodies are checked as sent: no type coercion, no silently dropped fields, every problem at once.
    // The schemas are small and bounded, so collecting every error costs little.
    ajv: {
      customOptions: {
        coerceTypes: false,
        removeAdditional: false,
        allErrors: true,
        useDefaults: false,
        allowUnionTypes: true,
      },
    },
  });
  app.server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  requireContracts(app);
  // Answers are sent as JSON.stringify makes them: the contract's answer schemas document them (and, with
  // checkAnswers, check them), but never strip or coerce a field.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  // JSON bodies are measured for depth before they are parsed: a deeply nested body would overflow the
  // stack of every recursive walk after the parse (prototype-poisoning scan, schema, validation).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  // Only JSON is taken: a text body (Fastify parses text/plain by default) is an unsupported media type.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const refused = bodyEncodingProblem(request.headers);
    if (refused !== null) {
      done(new HttpError('unsupported-media-type', refused), undefined);
      return;
    }
    // Bytes that are not UTF-8 are refused, not read as U+FFFD (a name or a path the admin never wrote).
    let text: string;
    try {
      text = typeof body === 'string' ? body : utf8Text(body);
    } catch (error) {
      done(new HttpError('invalid-input', `the body ${(error as Error).message}; nothing was changed`), undefined);
      return;
    }
    const depth = jsonDepthOver(text, MAX_JSON_DEPTH);
    if (depth !== null) {
      done(
        new HttpError(
          'body-too-deep',
          `the body nests deeper than ${MAX_JSON_DEPTH} levels (at character ${depth}); nothing was changed`,
        ),
        undefined,
      );
      return;
    }
    void parseJson(request, text, (error, value) => {
      if (error !== null) {
        done(jsonBodyError(text) ?? error, undefined);
        return;
      }
      // A text with a lone surrogate has no UTF-8 form: no agent could be sent it, nor any log read it.
      const invalid = invalidTextIn(value, 'body');
      if (invalid !== null) {
        done(
          new HttpError('invalid-input', 'the body holds text that is not valid Unicode; nothing was changed', [
            invalid,
          ]),
        );
        return;
      }
      done(null, value);
    });
  });

  // Probes, scrapes and the API document come from machines that hold no admin token: routes whose contract
  // says `auth: none` answer without one, but for /metrics when metrics.requireToken is set.
  const metricsNeedToken = options.metricsRequireToken === true;

  // From the start of a stop (options.stopping) or of the API's close, nothing more is taken: every request,
  // probes included, is answered 503 stopping and its connection closed, so a client or load balancer
  // goes to another instance or comes back later.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing && options.stopping?.aborted !== true) return;
    void reply.header('connection', 'close');
    return sendError(reply, {
      error: { code: 'stopping', message: 'the server is stopping: the request was not taken; try again' },
    });
  });

  app.addHook('onRequest', async (request, reply) => {
    const contract = request.routeOptions.config.contract;
    if (contract?.auth === 'none' && !(contract === ROUTES.metrics && metricsNeedToken)) return;
    if (tokenMatches(request.headers.authorization, tokenDigest)) return;
    void reply.header('www-authenticate', 'Bearer');
    return sendError(reply, {
      error: { code: 'unauthorized', message: 'missing or wrong admin token (Authorization: Bearer TOKEN)' },
    });
  });

  const metrics = options.metrics;
  if (metrics !== undefined) {
    // The route pattern, never the raw URL: the label set stays bounded whatever clients ask for.
    app.addHook('onResponse', async (request, reply) => {
      metrics.adminRequest(request.method, request.routeOptions.url, reply.statusCode);
    });
  }

  // ---- Health, readiness and metrics (no admin token needed, see the onRequest hook)

  addRoute(app, ROUTES.health, () => ({ status: 'ok' }) as const);

  addRoute(app, ROUTES.readiness, async (_request, reply) => {
    const readiness = await state.checkReady(options.readyTimeoutMs ?? READY_TIMEOUT_MS);
    const failed = readiness.checks.filter((check) => !check.ok).map((check) => check.name);
    return reply
      .code(readiness.ready ? 200 : 503)
      .send({ status: readiness.ready ? 'ready' : 'not-ready', failed, checks: readiness.checks });
  });

  if (metrics !== undefined) {
    addRoute(app, ROUTES.metrics, async (_request, reply) =>
      reply.type(metrics.contentType).send(await metrics.text()),
    );
  }

  app.setNotFoundHandler(async (request, reply) =>
    sendError(reply, { error: { code: 'not-found', message: `no route ${request.method} ${request.url}` } }),
  );

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error.validation !== undefined) {
      const problems = schemaProblems(error.validation, error.validationContext);
      return sendError(reply, { error: { code: 'invalid-input', message: problems.join('\n'), problems } });
    }
    if (error instanceof HttpError) {
      const body: AdminErrorBody = { error: { code: error.code, message: error.message, ...error.extra } };
      if (error.problems !== undefined) body.error.problems = [...error.problems];
      return sendError(reply, body, error);
    }
    if (error instanceof ValidationError) {
      return sendError(
        reply,
        { error: { code: 'invalid-input', message: error.message, problems: [...error.problems] } },
        error,
      );
    }
    if (error instanceof TollgateError) {
      return sendError(reply, { error: { code: apiCodeOf(error.code), message: error.message } }, error);
    }
    // Fastify's own client errors: malformed JSON, a body over the limit, an unsupported media type.
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      const code = FASTIFY_CLIENT_ERRORS[error.code] ?? 'bad-request';
      return sendError(reply, { error: { code, message: error.message } }, error);
    }
    return sendError(
      reply,
      { error: { code: 'internal', message: `internal server error (request ${request.id})` } },
      error,
    );
  });

  /** Pushes a mutation's changes; every route that changes the world goes through here. */
  const push = (changes: ViewChanges): void => {
    if (changes.snapshots.length === 0 && changes.settings.length === 0) {
      // A change that sends nothing may have removed computers: their connections are closed.
      hub.revokeStale();
      return;
    }
    try {
      hub.push(changes);
    } catch (error) {
      // The change is stored: an agent that missed the push catches up on its next hello.
      app.log.error({ err: error, changes }, 'pushing a stored change to the connected agents failed');
    }
  };

  const policyExists = (id: string): boolean => state.world().policies.some((p) => p.id === id);

  // ---- The world

  addRoute(app, ROUTES.replaceWorld, async (request) => {
    const parsed = scenarioSchema.safeParse(request.body, { reportInput: true });
    if (!parsed.success) {
      throw new ValidationError(parsed.error.issues.map((issue) => scenarioIssueProblem(issue, request.body)));
    }
    const dryRun = request.query.dryRun === 'true';
    const allowRemovals = request.query.allowRemovals === 'true';
    let replaced: WorldReplacement;
    try {
      replaced = await state.replaceWorld(parsed.data, { dryRun, allowRemovals });
    } catch (error) {
      if (!(error instanceof RemovalRefusedError)) throw error;
      throw new HttpError(
        'removal-refused',
        error.message,
        error.removed.map((id) => `computers[${id}]: would be removed`),
        { removed: error.removed },
      );
    }
    const { diff, changes, stored } = replaced;
    if (stored) push(changes);
    return { dryRun, stored, changes, diff };
  });

  addRoute(app, ROUTES.getWorld, () => state.world());

  // ---- Computers and enrollment

  addRoute(app, ROUTES.listComputers, async (request) => {
    const { after } = request.query;
    const limit = request.query.limit === undefined ? undefined : Number(request.query.limit);
    if (limit !== undefined && (limit < 1 || limit > MAX_COMPUTER_PAGE)) {
      throw new ValidationError([`limit ${limit} is not from 1 to ${MAX_COMPUTER_PAGE}`]);
    }
    const page = await state.readComputerPage(after, limit);
    if (page === null) throw notFound(`computer ${after ?? ''} (after) is unknown`);
    return page;
  });

  addRoute(app, ROUTES.getComputer, async (request) => {
    const { id } = request.params;
    if (!state.world().computers.some((c) => c.id === id)) throw notFound(`computer ${id} is unknown`);
    return state.readComputerState(id);
  });

  addRoute(app, ROUTES.enrollComputer, async (request) => {
    const { id } = request.params;
    if (!state.world().computers.some((c) => c.id === id)) throw notFound(`computer ${id} is unknown`);
    const { token } = await state.enroll(id);
    hub.revokeStale();
    return { computerId: id, token };
  });

  // ---- Policies

  addRoute(app, ROUTES.listPolicies, () => ({ policies: state.world().policies }));

  addRoute(app, ROUTES.addPolicy, async (request, reply) => {
    const input = request.body as PolicyInput;
    if (input.id !== undefined && policyExists(input.id)) {
      throw new HttpError(
        'conflict',
        `policies[${input.id}]: id ${JSON.stringify(input.id)} is already used by a policy`,
      );
    }
    const { policy, changes } = await state.addPolicy(input);
    push(changes);
    return reply.code(201).send({ policy, changes });
  });

  addRoute(app, ROUTES.updatePolicy, async (request) => {
    const { id } = request.params;
    if (!policyExists(id)) throw notFound(`policy ${id} is unknown`);
    const { policy, changes } = await state.updatePolicy(id, patchOf(request.body));
    push(changes);
    return { policy, changes };
  });

  addRoute(app, ROUTES.deletePolicy, async (request) => {
    const { id } = request.params;
    if (!policyExists(id)) throw notFound(`policy ${id} is unknown`);
    const { changes } = await state.deletePolicy(id);
    push(changes);
    return { deleted: id, changes };
  });

  // ---- Agent settings

  addRoute(app, ROUTES.listSettings, () => ({ settings: state.settings() }));

  addRoute(app, ROUTES.setSetting, async (request) => {
    const waitMs = waitMsOf(request.query);
    const { type, value } = request.body;
    const scope = checkScope(request.body.scope, state.world());
    const problem = settingValueProblem(type, value);
    if (problem !== null) {
      const field = problem.startsWith('unknown setting type') ? 'type' : 'value';
      throw new ValidationError([`${field} is invalid: ${problem}`]);
    }
    const { settings, changes } = await state.setSetting(scope, type, value);
    push(changes);
    const affected = union(changes);
    const report = affected.length === 0 ? emptyReport() : await hub.awaitSettingsApplied(affected, waitMs);
    return { settings, changes, affected, ...report };
  });

  addRoute(app, ROUTES.clearSetting, async (request) => {
    const waitMs = waitMsOf(request.query);
    const scope = checkScope(request.body.scope, state.world());
    const { type } = request.body;
    const { changes, cleared } = await state.clearSetting(scope, type);
    // Clearing what is not there changes nothing: say so, rather than report success.
    if (!cleared) throw notFound(`no ${type} setting is set at ${scopeLabel(scope)}`);
    push(changes);
    const affected = union(changes);
    const report = affected.length === 0 ? emptyReport() : await hub.awaitSettingsApplied(affected, waitMs);
    return { settings: state.settings(), changes, affected, ...report };
  });

  // ---- The flat upgrade

  addRoute(app, ROUTES.upgradeOrganization, async (request) => {
    const waitMs = waitMsOf(request.query);
    const { id } = request.params;
    const dryRun = request.body.dryRun === true;
    if (!state.world().organizations.some((o) => o.id === id)) throw notFound(`organization ${id} is unknown`);
    const { plan, changes } = await state.upgradeToFlat(id, { acknowledge: request.body.acknowledge, dryRun });
    if (!plan.ok) {
      throw new HttpError(
        'upgrade-refused',
        `upgrade of organization ${id} to the flat policy structure refused`,
        plan.problems,
        { text: formatUpgradePlan(plan) },
      );
    }
    if (dryRun)
      return { ...planBody(plan, true), changes: { snapshots: [], settings: [] }, affected: [], ...emptyReport() };
    push(changes);
    const affected = union(changes);
    const report = affected.length === 0 ? emptyReport() : await hub.awaitSnapshotsApplied(affected, waitMs);
    return { ...planBody(plan, false), changes, affected, ...report };
  });

  // ---- Read-only views

  addRoute(app, ROUTES.lint, () => {
    const warnings = state.lint();
    return { warnings, text: formatLint(warnings) };
  });

  addRoute(app, ROUTES.publicKey, () => ({ publicKey: state.publicKeyPem() }));

  registerApprovalRoutes(app, {
    state,
    push,
    awaitSnapshotsApplied: (ids, timeoutMs) => hub.awaitSnapshotsApplied(ids, timeoutMs),
    waitMsOf,
    notifier: options.notifier ?? SILENT_NOTIFIER,
    defaultApprovalPolicies: options.defaultApprovalPolicies ?? [],
    clock: options.clock ?? Date.now,
  });

  registerApiDocs(app, { version: options.version ?? '0.0.0' });

  if (options.checkAnswers === true) {
    app.addHook('preSerialization', async (request, reply, payload) => {
      const contract = request.routeOptions.config.contract;
      const schema = contract?.responses[reply.statusCode];
      if (contract === undefined || schema === undefined) return payload;
      const checked = schema.safeParse(payload);
      if (!checked.success) {
        throw new TollgateError(
          'internal',
          `the answer of ${contract.operationId} breaks the contract: ${z.prettifyError(checked.error)}`,
        );
      }
      return payload;
    });
  }

  return app;
}

function emptyReport(): ApplyReport {
  return { applied: [], pending: [], refused: [], offline: [] };
}
