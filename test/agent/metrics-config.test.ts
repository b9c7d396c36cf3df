// The daemon's metrics listener is opt-in and loopback only: the config
// refuses any other address, naming the field.
import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_LISTEN, parseDaemonConfig, parseLoopbackAddress } from '../../src/agent/config.js';
import { ValidationError } from '../../src/engine/errors.js';

const BASE = { dataDir: 'data', computerId: 'pc-1', serverPublicKey: 'key.pub', socket: { path: 'agent.sock' } };

function parse(config: Record<string, unknown>) {
  return parseDaemonConfig(JSON.stringify({ ...BASE, ...config }), 'agent.json', '/etc/tollgate');
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('metrics listener config', () => {
  it('is off unless configured', () => {
    expect(parse({}).metrics).toBeUndefined();
  });

  it('takes the default address and process figures when turned on with an empty object', () => {
    expect(parse({ metrics: {} }).metrics).toEqual({ listen: DEFAULT_METRICS_LISTEN, processMetrics: true });
    expect(DEFAULT_METRICS_LISTEN).toBe('127.0.0.1:9464');
  });

  it.each(['127.0.0.1:9464', '127.0.0.1:0', '127.1.2.3:65535', '[::1]:9464'])('accepts %s', (listen) => {
    expect(parse({ metrics: { listen } }).metrics?.listen).toBe(listen);
  });

  it.each([
    ['0.0.0.0:9464', /0\.0\.0\.0 is not a loopback address/],
    ['10.0.0.5:9464', /10\.0\.0\.5 is not a loopback address/],
    ['[::]:9464', /:: is not a loopback address/],
    ['localhost:9464', /localhost is not a loopback address/],
    ['127.0.0.256:9464', /is not a loopback address/],
    ['127.0.0.1:65536', /port 65536 is above 65535/],
    ['127.0.0.1', /must be HOST:PORT/],
    ['::1:9464', /must be HOST:PORT/],
    ['', /must be HOST:PORT/],
  ])('refuses %s, naming metrics.listen', (listen, message) => {
    const problems = problemsOf(() => parse({ metrics: { listen } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('metrics.listen');
    expect(problems[0]).toMatch(message);
  });

  it('refuses unknown keys and a non-boolean processMetrics, naming them', () => {
    expect(problemsOf(() => parse({ metrics: { port: 9464 } })).join('\n')).toMatch(/metrics.*port/);
    expect(problemsOf(() => parse({ metrics: { processMetrics: 'yes' } })).join('\n')).toContain(
      'metrics.processMetrics',
    );
  });

  it('parses loopback addresses into host and port', () => {
    expect(parseLoopbackAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseLoopbackAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(typeof parseLoopbackAddress('192.168.1.1:80')).toBe('string');
  });
});
