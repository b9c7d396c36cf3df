// The daemon's periodic job schedules: node-cron judges an expression only when the config gives one
// (src/agent/cron.ts loads it then); a default schedule is taken as it is, and a bad one names its field.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDaemonConfig } from '../../src/agent/config.js';
import { nodeCron } from '../../src/agent/cron.js';
import { ROOT } from '../support/daemon-process.js';

const BASE = { dataDir: 'data', computerId: 'pc-1', serverPublicKey: 'key.pub', socket: { path: 'a.sock' } };

function parse(config: Record<string, unknown>) {
  return parseDaemonConfig(JSON.stringify({ ...BASE, ...config }), 'agent.json', '/etc/tollgate');
}

describe('daemon config: job schedules', () => {
  it('keeps the default schedules, which node-cron accepts', () => {
    const { jobs } = parse({});
    expect(jobs).toEqual({ integrityCheck: '17 * * * *', pruneDecisionLog: '*/5 * * * *', checkIn: '*/10 * * * *' });
    for (const schedule of Object.values(jobs)) expect(nodeCron().validate(schedule)).toBe(true);
  });

  it('takes a valid schedule and refuses a bad one, naming the field', () => {
    expect(parse({ jobs: { integrityCheck: '0 3 * * *' } }).jobs.integrityCheck).toBe('0 3 * * *');
    expect(() => parse({ jobs: { checkIn: '61 * * * *' } })).toThrow(
      'agent.json: jobs.checkIn: is not a valid cron expression',
    );
    expect(() => parse({ jobs: { pruneDecisionLog: 'every minute' } })).toThrow(
      'agent.json: jobs.pruneDecisionLog: is not a valid cron expression',
    );
  });

  it('loads node-cron for a config that gives a schedule, and not for one that does not', () => {
    // A process of its own (the built module, dist/): node-cron is loaded once per process.
    const configModule = JSON.stringify(join(ROOT, 'dist', 'src', 'agent', 'config.js'));
    const loadsCron = (config: Record<string, unknown>): boolean => {
      const script = `
        import { createRequire } from 'node:module';
        const { parseDaemonConfig } = await import(${configModule});
        parseDaemonConfig(process.argv[1], 'agent.json', '/etc/tollgate');
        const cache = createRequire(import.meta.url).cache;
        process.stdout.write(String(Object.keys(cache).some((file) => file.includes('node-cron'))));`;
      return (
        execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify({ ...BASE, ...config })], {
          encoding: 'utf8',
        }) === 'true'
      );
    };
    expect(loadsCron({})).toBe(false);
    expect(loadsCron({ jobs: { checkIn: '*/15 * * * *' } })).toBe(true);
  });
});
