/**
 * node-cron, loaded on first use: the daemon's config names cron expressions
 * only when it overrides a default (defaults are not validated again), and
 * the periodic jobs start after the sockets serve, so a daemon answers its
 * first request without it (docs/DAEMON.md, Start-up order). Loaded through
 * `require` so that the config's validation, which is synchronous, and the
 * daemon's jobs share one copy.
 */
import { createRequire } from 'node:module';
import type NodeCron from 'node-cron';

export type Cron = typeof NodeCron;

let loaded: Cron | undefined;

/** The node-cron module (loaded at the first call). */
export function nodeCron(): Cron {
  loaded ??= (createRequire(import.meta.url)('node-cron') as { default: Cron }).default;
  return loaded;
}
