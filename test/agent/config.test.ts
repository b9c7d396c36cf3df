// The daemon's config: an old config with only socket.path still works and
// gains an admin socket beside it; every new bound has its documented default.
import { describe, expect, it } from 'vitest';
import { defaultAdminSocketPath, parseDaemonConfig } from '../../src/agent/config.js';
import { MAX_DECISION_LOG_ENTRIES } from '../../src/agent/decision-log-limits.js';
import { MAX_TIMER_MS } from '../../src/scenario/config-file.js';

const BASE = { dataDir: 'data', computerId: 'pc-1', serverPublicKey: 'key.pub' };

function parse(config: Record<string, unknown>) {
  return parseDaemonConfig(JSON.stringify({ ...BASE, ...config }), 'agent.json', '/etc/tollgate');
}

describe('daemon config', () => {
  it('gives a config with only socket.path an admin socket beside it, 0600, and the default bounds', () => {
    const config = parse({ socket: { path: '/run/tollgate/agent.sock' } });
    expect(config.socket).toEqual({
      path: '/run/tollgate/agent.sock',
      mode: 0o660,
      maxFrameBytes: 1024 * 1024,
      maxConnections: 256,
      idleTimeoutMs: 30_000,
      frameTimeoutMs: 10_000,
      firstFrameTimeoutMs: 5_000,
      maxUnsentBytes: 1024 * 1024,
    });
    // Its frames may hold a snapshot as large as one taken from the server.
    expect(config.adminSocket).toEqual({
      path: '/run/tollgate/agent.admin.sock',
      mode: 0o600,
      maxConnections: 16,
      maxFrameBytes: 256 * 1024 * 1024,
    });
    expect(config.decisionLog).toEqual({
      maxEntries: 10_000,
      maxBytes: 64 * 1024 * 1024,
      maxPendingBytes: 4 * 1024 * 1024,
      flushIntervalMs: 5_000,
    });
    expect(config.decisionCache).toEqual({ maxBytes: 16 * 1024 * 1024 });
    expect(config.shutdownTimeoutMs).toBe(10_000);
  });

  it('still loads a file that sets decisionCache.maxAnswerBytes, which is no longer used', () => {
    const socket = { path: '/run/tollgate/agent.sock' };
    const config = parse({ socket, decisionCache: { maxBytes: 1024, maxAnswerBytes: 2048 } });
    expect(config.decisionCache.maxBytes).toBe(1024);
    expect(() => parse({ socket, decisionCache: { maxAnswerBytes: -1 } })).toThrow(/maxAnswerBytes/);
  });

  it('names the admin socket with .admin before the extension, or after a name without one', () => {
    expect(defaultAdminSocketPath('/run/t/agent.sock')).toBe('/run/t/agent.admin.sock');
    expect(defaultAdminSocketPath('/run/t/agent')).toBe('/run/t/agent.admin');
    expect(defaultAdminSocketPath('/run/t.d/.hidden')).toBe('/run/t.d/.hidden.admin');
  });

  it('takes groups by name or gid and resolves a relative admin socket path', () => {
    const config = parse({
      socket: { path: 'agent.sock', group: 'tollgate-users' },
      adminSocket: { path: 'admin.sock', group: 0, mode: '0660' },
    });
    expect(config.socket.group).toBe('tollgate-users');
    expect(config.adminSocket).toMatchObject({ path: '/etc/tollgate/admin.sock', group: 0, mode: 0o660 });
  });

  it('refuses an admin socket at the client socket path, and a bad group', () => {
    expect(() => parse({ socket: { path: 'a.sock' }, adminSocket: { path: 'a.sock' } })).toThrow(
      /adminSocket\.path must differ from socket\.path/,
    );
    expect(() => parse({ socket: { path: 'a.sock', group: 'no spaces' } })).toThrow(/socket\.group/);
  });

  it('refuses a socket path longer than a Unix socket can be bound to, resolved; and a computer id that is no id', () => {
    const long = `/run/${'d'.repeat(100)}/agent.sock`;
    expect(() => parse({ socket: { path: long } })).toThrow(
      `agent.json: socket.path: ${long} is 116 bytes; a Unix socket path holds at most 107: choose a shorter one`,
    );
    expect(() => parse({ socket: { path: long } })).toThrow(/adminSocket\.path: .+ is 122 bytes/);
    // Relative: measured once resolved from the file's folder (/etc/tollgate/ adds 14 bytes).
    expect(() => parse({ socket: { path: 'a.sock' }, adminSocket: { path: 'x'.repeat(94) } })).toThrow(
      /adminSocket\.path: \/etc\/tollgate\/x+ is 108 bytes/,
    );
    expect(parse({ socket: { path: 'x'.repeat(87) }, adminSocket: { path: 'a.sock' } }).socket.path).toHaveLength(101);
    expect(parse({ socket: { path: 'a.sock' }, adminSocket: { path: 'x'.repeat(93) } }).adminSocket.path).toHaveLength(
      107,
    );
    expect(() => parse({ socket: { path: 'a.sock' }, computerId: 'a/b' })).toThrow(/computerId.*"\/"/);
  });
});

describe('daemon config server URLs', () => {
  const socket = { path: '/run/tollgate/agent.sock' };

  it('keeps server.url working as a list of one', () => {
    const config = parse({ socket, server: { url: 'wss://policy.example/agent', token: 't' } });
    expect(config.server?.urls).toEqual(['wss://policy.example/agent']);
    expect(config.server).not.toHaveProperty('url');
  });

  it('takes server.urls in their order', () => {
    const urls = ['wss://a.example/agent', 'wss://b.example/agent'];
    expect(parse({ socket, server: { urls, token: 't' } }).server?.urls).toEqual(urls);
  });

  it.each([
    [{ urls: ['wss://a.example/agent', 'http://b.example/agent'] }, 'server.urls.1: must be a ws:// or wss:// URL'],
    [{ urls: [] }, 'server.urls'],
    [{ url: 'wss://a.example/agent', urls: ['wss://b.example/agent'] }, 'server.urls: give the server URL as url'],
    [{}, 'server.urls: give the server URL as url'],
    [{ urls: ['wss://a.example/agent', 'wss://a.example/agent'] }, 'server.urls: lists a URL twice'],
    [{ url: 'ftp://a.example' }, 'server.url: must be a ws:// or wss:// URL'],
    // What the WebSocket client cannot open stopped the daemon at its first connect.
    [{ url: 'ws://127.0.0.1:74430/agent' }, 'server.url: is not a URL'],
    [{ url: 'ws://[zz]/agent' }, 'server.url: is not a URL'],
    [{ url: 'ws://exa mple/agent' }, 'server.url: is not a URL'],
    [{ urls: ['wss://a.example/agent', 'wss://b.example/agent#x'] }, 'server.urls.1: must not hold a fragment'],
  ])('refuses %j, naming the field', (server, message) => {
    expect(() => parse({ socket, server: { token: 't', ...server } })).toThrow(message);
  });

  it.each([
    [
      { socket: { path: '/run/t.sock', idleTimeoutMs: 2_147_483_648 } },
      'socket.idleTimeoutMs: must be at most 2147483647 ms',
    ],
    [
      { socket: { path: '/run/t.sock' }, server: { url: 'wss://a.example/agent', token: 't', pingIntervalMs: 3e9 } },
      'server.pingIntervalMs: must be at most 2147483647 ms',
    ],
    [{ socket: { path: '/run/t.sock' }, decisionLog: { flushIntervalMs: 1e12 } }, 'decisionLog.flushIntervalMs'],
    [{ socket: { path: '/run/t.sock' }, shutdownTimeoutMs: 0 }, 'shutdownTimeoutMs'],
  ])('refuses a timer key %j past what a timer can wait, naming it', (config, message) => {
    expect(() => parse(config)).toThrow(message);
  });

  it('refuses a decision log larger than its ring may be made, naming the key; takes the largest', () => {
    // The ring's slots are made at start: 5e9 was past a typed array's length, 1e8 took the heap.
    for (const maxEntries of [5e9, 1e8, MAX_DECISION_LOG_ENTRIES + 1]) {
      expect(() => parse({ socket: { path: '/run/t.sock' }, decisionLog: { maxEntries } })).toThrow(
        'decisionLog.maxEntries',
      );
    }
    const largest = parse({ socket: { path: '/run/t.sock' }, decisionLog: { maxEntries: MAX_DECISION_LOG_ENTRIES } });
    expect(largest.decisionLog.maxEntries).toBe(MAX_DECISION_LOG_ENTRIES);
  });

  it('takes a timer key of the longest delay a timer can wait', () => {
    expect(parse({ socket: { path: '/run/t.sock', idleTimeoutMs: MAX_TIMER_MS } }).socket.idleTimeoutMs).toBe(
      MAX_TIMER_MS,
    );
  });
});
