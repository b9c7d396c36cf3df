/**
 * A small client of the policy server's admin API (docs/ADMIN.md), on
 * node:http and node:https so an https server's CA can be given per call.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type AnswerOf, type BodyOf, type ParamsOf, type QueryOf, type RouteContract } from '../contract/index.js';
import { TollgateError } from '../engine/errors.js';

/** The code of the error thrown when the server cannot be reached at all (refused, timed out, TLS failure). */
export const UNREACHABLE = 'server-unreachable';

/** How long a request may take unless the caller says. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export interface AdminClientOptions {
  /** `http://host:port` or `https://host:port`, optionally with a path prefix. */
  baseUrl: string;
  token: string;
  /** Trusted CA certificates (PEM) for an https server with a private CA. */
  ca?: string | Buffer;
  timeoutMs?: number;
}

/** The server answered with an error: its status, code, message and the problems naming each field at fault. */
export class AdminApiError extends TollgateError {
  readonly status: number;
  readonly problems: readonly string[];
  /** The whole error object the server sent (e.g. `text` with an upgrade refusal). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    status: number,
    code: string,
    message: string,
    problems: readonly string[],
    details: Record<string, unknown>,
  ) {
    super(code, message);
    this.name = 'AdminApiError';
    this.status = status;
    this.problems = problems;
    this.details = details;
  }
}

export interface RequestOptionsOf {
  body?: unknown;
  query?: Readonly<Record<string, string | number | undefined>>;
  timeoutMs?: number;
}

/** What a call of a contract route sends: its path parameters, query and body. */
export interface CallOptions<R extends RouteContract> {
  params?: ParamsOf<R>;
  /** Query values; numbers are sent as their text. */
  query?: { [K in keyof NonNullable<QueryOf<R>>]?: string | number | undefined };
  body?: BodyOf<R>;
  timeoutMs?: number;
}

/** A route's path with its parameters filled in, each percent-encoded. */
export function pathOf(route: RouteContract, params: Readonly<Record<string, string>> | undefined): string {
  return route.path.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => {
    const value = params?.[name];
    if (value === undefined)
      throw new TollgateError('invalid-input', `${route.operationId} needs the ${name} parameter`);
    return encodeURIComponent(value);
  });
}

function errorOf(status: number, text: string): AdminApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const error = (parsed as { error?: unknown } | undefined)?.error;
  if (typeof error === 'object' && error !== null) {
    const e = error as Record<string, unknown>;
    const problems = Array.isArray(e['problems']) ? e['problems'].map(String) : [];
    const message = typeof e['message'] === 'string' ? e['message'] : `HTTP ${status}`;
    return new AdminApiError(
      status,
      typeof e['code'] === 'string' ? e['code'] : `http-${status}`,
      message,
      problems,
      e,
    );
  }
  const snippet = text.trim().slice(0, 200);
  return new AdminApiError(
    status,
    `http-${status}`,
    `the server answered HTTP ${status}${snippet === '' ? '' : `: ${snippet}`}`,
    [],
    {},
  );
}

/** The admin API over HTTP(S): each call resolves to the parsed JSON body, or throws AdminApiError or UNREACHABLE. */
export class AdminClient {
  private readonly base: URL;
  private readonly token: string;
  private readonly ca: string | Buffer | undefined;
  private readonly timeoutMs: number;

  constructor(options: AdminClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch (error) {
      throw new TollgateError('invalid-input', `--server ${JSON.stringify(options.baseUrl)} is not a URL`, {
        cause: error,
      });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TollgateError('invalid-input', `--server ${options.baseUrl} must be an http:// or https:// URL`);
    }
    this.base = base;
    this.token = options.token;
    this.ca = options.ca;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** The server's base URL as given. */
  get url(): string {
    return this.base.origin + this.base.pathname.replace(/\/$/, '');
  }

  private urlOf(path: string, query: RequestOptionsOf['query']): URL {
    const url = new URL(this.base.href);
    url.pathname = this.base.pathname.replace(/\/$/, '') + path;
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /**
   * Calls one route of the admin API's contract: its method and path, and the
   * answer checked against the route's answer schema (a mismatch is
   * TollgateError 'bad-response' naming the field), returned as sent.
   */
  async call<R extends RouteContract>(route: R, options: CallOptions<R> = {}): Promise<AnswerOf<R>> {
    const path = pathOf(route, options.params as Record<string, string> | undefined);
    const answer = await this.request<unknown>(route.method, path, {
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.query === undefined ? {} : { query: options.query }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    const schemas = Object.values(route.responses);
    if (!schemas.some((schema) => schema.safeParse(answer).success)) {
      const first = schemas[0]?.safeParse(answer);
      const issue = first === undefined || first.success ? undefined : first.error.issues[0];
      const where = issue === undefined ? '' : `: ${issue.path.join('.') || 'the answer'} ${issue.message}`;
      throw new TollgateError(
        'bad-response',
        `the server's answer to ${route.method} ${path} is not what the API says${where}`,
      );
    }
    return answer as AnswerOf<R>;
  }

  /** Sends one request; `path` starts with `/api/`, its ids already encoded. */
  request<T>(method: string, path: string, options: RequestOptionsOf = {}): Promise<T> {
    const url = this.urlOf(path, options.query);
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8');
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const requestOptions: RequestOptions & { ca?: string | Buffer } = { method, headers };
    const https = url.protocol === 'https:';
    if (https && this.ca !== undefined) requestOptions.ca = this.ca;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;

    return new Promise<T>((resolve, reject) => {
      const unreachable = (error: Error): void => {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        const hint =
          https && /CERT|SIGNATURE|TLS/.test(code) ? " (is the server's CA certificate given with --ca FILE?)" : '';
        reject(
          new TollgateError(UNREACHABLE, `cannot reach the server at ${this.url}: ${error.message}${hint}`, {
            cause: error,
          }),
        );
      };
      const onResponse = (response: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', unreachable);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(errorOf(status, text));
            return;
          }
          try {
            resolve((text === '' ? {} : JSON.parse(text)) as T);
          } catch (error) {
            reject(new TollgateError('bad-response', `the server sent a response that is not JSON`, { cause: error }));
          }
        });
      };
      const req = https ? httpsRequest(url, requestOptions, onResponse) : httpRequest(url, requestOptions, onResponse);
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', unreachable);
      req.end(payload);
    });
  }
}
