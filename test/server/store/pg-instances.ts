/**
 * Server instances over one schema of the real PostgreSQL, for the tests of
 * several instances: each test gets a schema and a folder of its own, and
 * what it opened is closed (newest first) and the schema dropped after it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { ServerState } from '../../../src/server/state.js';
import { PgStore } from '../../../src/server/store/pg-store.js';
import type { SyncHub } from '../../../src/server/sync-hub.js';
import { type TestSchema, createTestSchema } from '../../support/postgres.js';

export interface PgInstances {
  /** Closed after the test, newest first. */
  closing: (() => Promise<void>)[];
  /** An instance's state over the test's schema, in a data folder of its own (`name`). */
  openState(name: string): Promise<{ state: ServerState; store: PgStore }>;
  /** Serves `hub`'s agent WebSockets on a port of its own; the port. */
  serve(hub: SyncHub): Promise<number>;
}

/** Registers the hooks of a test file of several instances; `prefix` names its temporary folders. */
export function pgInstances(prefix: string): PgInstances {
  let schema: TestSchema;
  let dir: string;
  const closing: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    schema = await createTestSchema();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });

  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
    await schema.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  return {
    closing,
    async openState(name) {
      const store = await PgStore.open({ url: schema.url, schema: schema.schema, poolSize: 4 });
      const state = await ServerState.open({ dataDir: path.join(dir, name), clock: () => 1_000, store });
      closing.push(() => state.close());
      return { state, store };
    },
    async serve(hub) {
      const server = createServer();
      hub.attach(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closing.push(async () => {
        await hub.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });
      return (server.address() as AddressInfo).port;
    },
  };
}
