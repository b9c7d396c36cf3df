// The daemon config's outbox bounds: documented defaults, refused when not a positive integer.
import { describe, expect, it } from 'vitest';
import { parseDaemonConfig } from '../../src/agent/config.js';
import { DEFAULT_OUTBOX_LIMITS } from '../../src/store/agent-store.js';
import { DEFAULT_MAX_BUFFERED_BYTES } from '../../src/sync/client.js';

const BASE = 'dataDir: data\ncomputerId: till-1\nserverPublicKey: key.pem\nsocket: {path: tollgate.sock}\n';
const parse = (extra: string) => parseDaemonConfig(BASE + extra, 'daemon.yaml', '/etc/tollgate');

describe('daemon config: outbox and sync bounds', () => {
  it('defaults to 1,000 requests and 4 MiB', () => {
    expect(parse('').outbox).toEqual({ maxRequests: 1000, maxBytes: 4 * 1024 * 1024 });
    expect(DEFAULT_OUTBOX_LIMITS).toEqual({ maxItems: 1000, maxBytes: 4 * 1024 * 1024 });
  });

  it('takes the keys', () => {
    expect(parse('outbox: {maxRequests: 10, maxBytes: 65536}\n').outbox).toEqual({ maxRequests: 10, maxBytes: 65536 });
  });

  it.each(['outbox: {maxRequests: 0}', 'outbox: {maxBytes: -5}', 'outbox: {maxItems: 5}'])(
    'refuses %s, naming the key',
    (line) => {
      const key = line.slice(line.indexOf('{') + 1, line.indexOf(':', line.indexOf('{')));
      expect(() => parse(`${line}\n`)).toThrow(key);
    },
  );

  it('bounds the sync send buffer at 32 MiB by default', () => {
    const server = 'server: {url: "wss://policy.example/agent", token: t}\n';
    expect(parse(server).server?.maxBufferedBytes).toBe(32 * 1024 * 1024);
    expect(DEFAULT_MAX_BUFFERED_BYTES).toBe(32 * 1024 * 1024);
    expect(() => parse('server: {url: "wss://policy.example/agent", token: t, maxBufferedBytes: 0}\n')).toThrow(
      'maxBufferedBytes',
    );
  });
});
