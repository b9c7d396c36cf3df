/**
 * The agent endpoint URLs a daemon syncs from (`server.url`, `server.urls`):
 * checked where the configuration is read, so that a URL the WebSocket
 * client cannot open (a port past 65535, a host that is not one) is an
 * error naming the key, not a daemon that stops when it first connects.
 */

/** Why `text` is not a `ws://` or `wss://` URL the sync client can open, or null when it is one. */
export function serverUrlProblem(text: string): string | null {
  if (!/^wss?:\/\/[^/\s]/i.test(text)) return 'must be a ws:// or wss:// URL';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL (a host, then an optional port from 0 to 65535, then a path)';
  }
  if (url.hostname === '') return 'names no host';
  // The WebSocket client refuses a URL with a fragment.
  if (url.hash !== '') return 'must not hold a fragment (#...)';
  return null;
}
