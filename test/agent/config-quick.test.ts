// The daemon's start path validates its config without zod when the file is
// plainly valid (src/agent/config-load.ts). Whatever the quick check accepts,
// the schema must accept with exactly the same value; what the schema
// accepts, the quick check should accept too (or the start loads zod for
// nothing); and a bad file is still reported by the schema, key by key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/agent/config-load.js';
import { MAX_DECISION_LOG_ENTRIES } from '../../src/agent/decision-log-limits.js';
import { checkDaemonConfig, parseDaemonConfig, quickDaemonConfig } from '../../src/agent/config.js';
import { ValidationError } from '../../src/engine/errors.js';
import { MAX_TIMER_MS } from '../../src/scenario/config-file.js';

/** Values of every type, for keys given something they should not take. */
const junk = fc.oneof(
  fc.constantFrom(null, true, false, '', 'x', 0, -1, 1.5, -0, 2 ** 53, Number.NaN, Infinity, [], {}, ['a']),
  fc.string(),
  fc.integer(),
  fc.double(),
);

/** Mostly `valid`, sometimes anything. */
function maybe<T>(valid: fc.Arbitrary<T>, validOnly: boolean): fc.Arbitrary<unknown> {
  return validOnly ? valid : fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: junk });
}

/** An object of optional keys (absent when the arbitrary gives undefined), sometimes with a stray key. */
function record(
  fields: Record<string, fc.Arbitrary<unknown>>,
  validOnly: boolean,
): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(fields);
  const optional = Object.fromEntries(
    keys.map((k) => [k, fc.option(fields[k] as fc.Arbitrary<unknown>, { nil: undefined })]),
  );
  const stray = validOnly
    ? fc.constant(undefined)
    : fc.option(fc.constantFrom('typo', 'Path', 'extra'), { freq: 8, nil: undefined });
  return fc.tuple(fc.record(optional), stray).map(([value, extra]) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
    if (extra !== undefined) out[extra] = 1;
    return out;
  });
}

function configs(validOnly: boolean): fc.Arbitrary<Record<string, unknown>> {
  const m = <T>(a: fc.Arbitrary<T>) => maybe(a, validOnly);
  const nonEmpty = fc.string({ minLength: 1, maxLength: 12 });
  // Ids: every id character, and (when invalid input is wanted) any text.
  const id = validOnly
    ? fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,12}$/)
    : fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,12}$/), nonEmpty);
  const positive = fc.oneof(fc.integer({ min: 1, max: 2 ** 31 }), fc.constant(Number.MAX_SAFE_INTEGER));
  const timer = fc.oneof(fc.integer({ min: 1, max: MAX_TIMER_MS }), fc.constant(MAX_TIMER_MS));
  const badTimer = validOnly ? timer : fc.oneof(timer, fc.constant(MAX_TIMER_MS + 1));
  const mode = validOnly
    ? fc.oneof(fc.integer({ min: 0, max: 0o777 }), fc.constantFrom('0660', '600', '0777', '000'))
    : fc.oneof(fc.integer({ min: -2, max: 0o1000 }), fc.constantFrom('0660', '600', '0800', '66', '00660', 'rw'));
  const group = fc.oneof(
    fc.nat(70_000),
    fc.constantFrom('tollgate', 'wheel', '_app.x-y', 'sam$', ...(validOnly ? [] : ['-x', 'a b', ''])),
  );
  const socket = record(
    {
      path: m(nonEmpty),
      mode: mode,
      maxFrameBytes: m(positive),
      maxConnections: m(positive),
      group: m(group),
      idleTimeoutMs: m(badTimer),
      frameTimeoutMs: m(badTimer),
      firstFrameTimeoutMs: m(badTimer),
      maxUnsentBytes: m(positive),
    },
    validOnly,
  ).map((s) => (validOnly && s['path'] === undefined ? { ...s, path: '/run/t.sock' } : s));
  const url = fc.constantFrom(
    'ws://a:1/agent',
    'wss://b.example/agent',
    'wss://c',
    ...(validOnly ? [] : ['http://x', 'ws:///x', 'ws:// x']),
  );
  const server = fc
    .tuple(
      record(
        {
          token: m(nonEmpty),
          caFile: m(fc.string({ maxLength: 5 })),
          pingIntervalMs: m(badTimer),
          pongTimeoutMs: m(timer),
          backoffInitialMs: m(timer),
          backoffMaxMs: m(timer),
          maxMessageBytes: m(positive),
          maxBufferedBytes: m(positive),
        },
        validOnly,
      ),
      fc.oneof(
        url.map((u) => ({ url: u })),
        fc
          .array(url, { minLength: validOnly ? 1 : 0, maxLength: validOnly ? 3 : 18 })
          .map((urls) => ({ urls: validOnly ? [...new Set(urls)] : urls })),
        ...(validOnly ? [] : [url.map((u) => ({ url: u, urls: [u] })), fc.constant({})]),
      ),
    )
    .map(([s, where]) => ({ ...(validOnly ? { token: 't' } : {}), ...s, ...where }));
  const cron = fc.constantFrom(
    '17 * * * *',
    '*/5 * * * *',
    '0 0 * * 0',
    ...(validOnly ? [] : ['not cron', '61 * * * *', '']),
  );
  return record(
    {
      dataDir: m(nonEmpty),
      computerId: m(id),
      serverPublicKey: m(nonEmpty),
      serverPublicKeys: m(fc.array(nonEmpty, { maxLength: validOnly ? 16 : 18 })),
      socket: m(socket),
      adminSocket: m(
        record(
          { path: m(nonEmpty), mode: mode, group: m(group), maxConnections: m(positive), maxFrameBytes: m(positive) },
          validOnly,
        ),
      ),
      shutdownTimeoutMs: m(timer),
      seedSnapshot: m(nonEmpty),
      agent: m(
        record(
          {
            version: m(fc.constantFrom('10.5.3', '1', '1.2.3.4', ...(validOnly ? [] : ['1.2.3.4.5', 'v1', '']))),
            os: m(fc.constantFrom('windows', 'macos', 'linux', ...(validOnly ? [] : ['Windows', 'bsd']))),
          },
          validOnly,
        ),
      ),
      noSnapshotAction: m(fc.constantFrom('deny', 'permit')),
      logLevel: m(fc.constantFrom('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent')),
      decisionLog: m(
        record(
          {
            maxEntries: m(fc.nat({ max: MAX_DECISION_LOG_ENTRIES })),
            maxBytes: m(positive),
            maxPendingBytes: m(positive),
            flushIntervalMs: m(timer),
          },
          validOnly,
        ),
      ),
      decisionCache: m(record({ maxBytes: m(positive), maxAnswerBytes: m(positive) }, validOnly)),
      outbox: m(record({ maxRequests: m(positive), maxBytes: m(positive) }, validOnly)),
      jobs: m(record({ integrityCheck: cron, pruneDecisionLog: cron, checkIn: cron }, validOnly)),
      server: m(server),
      metrics: m(
        record(
          {
            listen: m(
              fc.constantFrom(
                '127.0.0.1:9464',
                '[::1]:0',
                '127.1.2.3:65535',
                ...(validOnly ? [] : ['0.0.0.0:1', '127.0.0.1:70000', '::1:5']),
              ),
            ),
            processMetrics: m(fc.boolean()),
          },
          validOnly,
        ),
      ),
    },
    validOnly,
  ).map((c) => (validOnly ? { dataDir: 'd', computerId: 'pc', socket: { path: '/run/t.sock' }, ...c } : c));
}

/** Every place in a parsed file: each object with each of its keys. */
function places(value: unknown, out: [Record<string, unknown>, string][] = []): [Record<string, unknown>, string][] {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      out.push([object, key]);
      places(object[key], out);
    }
  }
  return out;
}

/** A valid configuration with a few changes: a value replaced by anything, a key removed, a stray key added. */
const changedConfigs = fc
  .tuple(
    configs(true),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('replace', 'remove', 'add'), junk), { minLength: 1, maxLength: 3 }),
  )
  .map(([raw, changes]) => {
    const copy = structuredClone(raw);
    for (const [at, how, value] of changes) {
      const all = places(copy);
      if (all.length === 0) break;
      const [object, key] = all[at % all.length] as [Record<string, unknown>, string];
      if (how === 'replace') object[key] = value;
      else if (how === 'remove') delete object[key];
      else object[`${key}X`] = value;
    }
    return copy;
  });

/** What the schema gives, or null when it refuses. */
function bySchema(raw: unknown): unknown {
  try {
    return checkDaemonConfig(raw, 'daemon.json');
  } catch (error) {
    if (error instanceof ValidationError) return null;
    throw error;
  }
}

describe('the quick config check', () => {
  it('accepts exactly what the schema accepts, with the same value', () => {
    let quick = 0;
    fc.assert(
      fc.property(fc.oneof(configs(false), changedConfigs), (raw) => {
        const fast = quickDaemonConfig(raw);
        // A file the quick check leaves to the schema is one the schema refuses (it says why).
        if (fast === null) {
          expect(bySchema(raw)).toBeNull();
          return;
        }
        quick++;
        expect(bySchema(raw)).toStrictEqual(fast);
      }),
      { numRuns: 3000 },
    );
    // Some of the generated files are plainly valid, so the property above was tested.
    expect(quick).toBeGreaterThan(10);
  });

  it('accepts every configuration the schema accepts, with the same value', () => {
    fc.assert(
      fc.property(configs(true), (raw) => {
        const schema = bySchema(raw);
        expect(schema).not.toBeNull();
        expect(quickDaemonConfig(raw)).toStrictEqual(schema);
      }),
      { numRuns: 1500 },
    );
  });

  it('reads null as an empty file, which lacks the required keys', () => {
    expect(quickDaemonConfig(null)).toBeNull();
    expect(bySchema(null)).toBeNull();
  });

  const dir = mkdtempSync(join(tmpdir(), 'tollgate-config-quick-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a valid file to the same configuration as the schema, paths resolved', async () => {
    const text = JSON.stringify({
      dataDir: 'data',
      computerId: 'pc-1',
      serverPublicKey: 'key.pub',
      socket: { path: 'agent.sock', mode: '0660' },
      server: { url: 'wss://server.example/agent', token: 'secret', caFile: 'ca.pem' },
      metrics: {},
    });
    const file = join(dir, 'daemon.json');
    writeFileSync(file, text);
    expect(quickDaemonConfig(JSON.parse(text))).not.toBeNull();
    const loaded = await loadDaemonConfig(file);
    expect(loaded).toStrictEqual(parseDaemonConfig(text, file, dir));
    expect(loaded.dataDir).toBe(join(dir, 'data'));
    expect(loaded.server?.caFile).toBe(join(dir, 'ca.pem'));
  });

  it('reports a bad file with the schema, naming every key at fault', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'dataDir: data',
        'computerId: pc-1',
        'serverPublicKey: key.pub',
        'socket:',
        '  path: a.sock',
        '  mode: "0800"',
        'logLevel: loud',
        'typo: 1',
        '',
      ].join('\n'),
    );
    const error = await loadDaemonConfig(file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    const problems = (error as ValidationError).problems;
    expect(problems).toContain(`${file}: socket.mode: must be an octal file mode such as "0660"`);
    expect(problems.some((p) => p.startsWith(`${file}: logLevel: `))).toBe(true);
    expect(problems.some((p) => p.startsWith(`${file}: (top level): `) && p.includes('typo'))).toBe(true);
  });

  it('still refuses a file that pins no key and one whose two sockets share a path', async () => {
    const noKey = join(dir, 'nokey.json');
    writeFileSync(noKey, JSON.stringify({ dataDir: 'd', computerId: 'pc', socket: { path: 'a.sock' } }));
    await expect(loadDaemonConfig(noKey)).rejects.toThrow(/serverPublicKeys: pin at least one server key/);
    const same = join(dir, 'same.json');
    writeFileSync(
      same,
      JSON.stringify({
        dataDir: 'd',
        computerId: 'pc',
        serverPublicKey: 'k',
        socket: { path: 'a.sock' },
        adminSocket: { path: 'a.sock' },
      }),
    );
    await expect(loadDaemonConfig(same)).rejects.toThrow(/adminSocket.path must differ from socket.path/);
  });
});
