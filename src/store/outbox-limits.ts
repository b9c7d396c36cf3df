/** The outbox's default bounds: a full outbox refuses new requests ('outbox-full'); it never drops one. */
export const DEFAULT_OUTBOX_LIMITS = Object.freeze({ maxItems: 1000, maxBytes: 4 * 1024 * 1024 });
