/**
 * The most decisions `decisionLog.maxEntries` may keep. The log's ring
 * takes its slots when the daemon starts (about 46 bytes each: ten million
 * are 460 MB before a decision is made), so a larger figure would take the
 * heap at start (100,000,000 did, and 5,000,000,000 is more than a typed
 * array may hold); its table is held to `decisionLog.maxBytes` (64 MiB)
 * anyway.
 */
export const MAX_DECISION_LOG_ENTRIES = 10_000_000;
