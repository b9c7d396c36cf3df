/**
 * tollgate's benchmark: `npm run bench` (builds, then runs
 * dist/scripts/bench.js). Runs each section in turn and prints Markdown
 * tables, or one JSON document with --json. Progress goes to stderr.
 *
 *   node dist/scripts/bench.js [--sections engine,daemon,sync,delta,fleet] [--sizes 1000,10000,100000]
 *                              [--seed N] [--requests N] [--budget-ms N] [--json] ...
 *
 * A section is a function returning a Section (see bench/section.ts):
 * engine (bench/engine.ts, in this process), daemon (bench/daemon.ts: the
 * real daemon process and its local socket), sync (bench/sync.ts: the
 * real policy server and agents on loopback), delta (bench/delta.ts: a
 * one-policy change sent to one agent as a delta) and fleet (bench/fleet.ts:
 * the policy server at MSP size over SQLite and PostgreSQL), added to
 * SECTIONS below.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { DAEMON_GLIBC_TUNABLES, daemonEnvironment } from '../daemon/allocator.js';
import { DEFAULT_DAEMON_POLICIES, benchDaemon } from './bench/daemon.js';
import { ALLOCATOR_ADDED_ENV } from './bench/processes.js';

/** Policies of the snapshot of the sync and delta sections (--snapshot-policies). */
export const DEFAULT_SNAPSHOT_POLICIES = 100_000;
import { DEFAULT_SHAPE_REQUESTS, DEFAULT_SHAPE_SIZES, DEFAULT_SIZES, benchEngine } from './bench/engine.js';
import { type Section, renderSection } from './bench/section.js';
import { type FleetStoreKind, benchFleet } from './bench/fleet.js';
import { SYNC_TARGET_AGENTS, benchSync } from './bench/sync.js';
import { benchDelta } from './bench/delta.js';

/** Every section, in the order they run. */
export const SECTION_NAMES = ['engine', 'daemon', 'sync', 'delta', 'fleet'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

const USAGE = `usage: node dist/scripts/bench.js [options]

  --sections LIST   sections to run, comma separated (default ${SECTION_NAMES.join(',')})
  --sizes LIST      engine: policy counts to measure, comma separated (default ${DEFAULT_SIZES.join(',')})
  --engine-policies LIST
                    engine: policy counts of the per-shape latency table, comma separated
                    (default ${DEFAULT_SHAPE_SIZES.join(',')}; 0 for none). At 500,000 and more the
                    benchmark runs itself again with a larger heap
  --shape-requests N
                    engine: requests of each rule shape in that table (default ${DEFAULT_SHAPE_REQUESTS})
  --seed N          seed of the synthetic worlds (default 1)
  --requests N      synthetic requests per world (default 10000)
  --budget-ms N     wall-clock budget of each throughput or latency run (default 1000)
  --compile-runs N  builds of each view and evaluator; the median is reported (default 3)
  --daemon-policies LIST
                    daemon: view sizes (policies) of the daemon's snapshot, comma separated
                    (default ${DEFAULT_DAEMON_POLICIES.join(',')})
  --snapshot-policies N
                    sync and delta: policies of the view synced to one agent
                    (default ${DEFAULT_SNAPSHOT_POLICIES})
  --rounds N        daemon: rounds of daemon and echo runs, alternating, below 1,000,000
                    policies; delta: one-policy changes timed (default 3)
  --large-rounds N  daemon: rounds at 1,000,000 policies and more (default 3)
  --agents N        sync: simulated agents acknowledging a settings change (default ${SYNC_TARGET_AGENTS})
  --toggles N       sync: settings changes timed (default 5)
  --fleet-agents N  fleet: simulated agents a global change is pushed to (default 10000, every computer)
  --fleet-stores LIST
                    fleet: stores to measure, comma separated: sqlite, postgres (default both;
                    PostgreSQL at TOLLGATE_BENCH_PG_URL, by default the local test database)
  --json            print one JSON document instead of Markdown tables
  -h, --help        show this help`;

function positiveInt(name: string, text: string): number {
  const value = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a positive integer, not "${text}"`);
  return value;
}

function parseStores(text: string): FleetStoreKind[] {
  const stores = text.split(',').map((s) => s.trim());
  for (const store of stores) {
    if (store !== 'sqlite' && store !== 'postgres') {
      throw new Error(`--fleet-stores takes sqlite and postgres, not "${store}"`);
    }
  }
  return stores as FleetStoreKind[];
}

function parseSizes(text: string, name = 'sizes'): number[] {
  const sizes = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => positiveInt(name, s.replace(/_/g, '')));
  if (sizes.length === 0) throw new Error(`--${name} needs at least one policy count`);
  return sizes;
}

export interface BenchOptions {
  sections: SectionName[];
  sizes: number[];
  shapeSizes: number[];
  shapeRequests: number;
  seed: number;
  requests: number;
  budgetMs: number;
  compileRuns: number;
  daemonPolicies: number[];
  snapshotPolicies: number;
  rounds: number;
  largeRounds: number;
  agents: number;
  toggles: number;
  fleetAgents: number;
  fleetStores: FleetStoreKind[];
  json: boolean;
}

function parseSections(text: string): SectionName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const name of names) {
    if (!(SECTION_NAMES as readonly string[]).includes(name)) {
      throw new Error(`--sections: unknown section "${name}" (known: ${SECTION_NAMES.join(', ')})`);
    }
  }
  if (names.length === 0) throw new Error('--sections needs at least one section');
  // Run in the canonical order, each once.
  return SECTION_NAMES.filter((name) => names.includes(name));
}

export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      sections: { type: 'string' },
      sizes: { type: 'string' },
      'engine-policies': { type: 'string' },
      'shape-requests': { type: 'string' },
      seed: { type: 'string' },
      requests: { type: 'string' },
      'budget-ms': { type: 'string' },
      'compile-runs': { type: 'string' },
      'daemon-policies': { type: 'string' },
      'snapshot-policies': { type: 'string' },
      rounds: { type: 'string' },
      'large-rounds': { type: 'string' },
      agents: { type: 'string' },
      toggles: { type: 'string' },
      'fleet-agents': { type: 'string' },
      'fleet-stores': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help === true) return 'help';
  return {
    sections: values.sections === undefined ? [...SECTION_NAMES] : parseSections(values.sections),
    // --sizes takes a comma list; a plain count is not split on thousands commas.
    sizes: values.sizes === undefined ? [...DEFAULT_SIZES] : parseSizes(values.sizes),
    shapeSizes:
      values['engine-policies'] === undefined
        ? [...DEFAULT_SHAPE_SIZES]
        : values['engine-policies'].trim() === '0'
          ? []
          : parseSizes(values['engine-policies']),
    shapeRequests:
      values['shape-requests'] === undefined
        ? DEFAULT_SHAPE_REQUESTS
        : positiveInt('shape-requests', values['shape-requests']),
    seed: values.seed === undefined ? 1 : Number.parseInt(values.seed, 10) || 0,
    requests: values.requests === undefined ? 10_000 : positiveInt('requests', values.requests),
    budgetMs: values['budget-ms'] === undefined ? 1_000 : positiveInt('budget-ms', values['budget-ms']),
    compileRuns: values['compile-runs'] === undefined ? 3 : positiveInt('compile-runs', values['compile-runs']),
    daemonPolicies:
      values['daemon-policies'] === undefined
        ? [...DEFAULT_DAEMON_POLICIES]
        : parseSizes(values['daemon-policies'], 'daemon-policies'),
    snapshotPolicies:
      values['snapshot-policies'] === undefined
        ? DEFAULT_SNAPSHOT_POLICIES
        : positiveInt('snapshot-policies', values['snapshot-policies']),
    rounds: values.rounds === undefined ? 3 : positiveInt('rounds', values.rounds),
    largeRounds: values['large-rounds'] === undefined ? 3 : positiveInt('large-rounds', values['large-rounds']),
    agents: values.agents === undefined ? SYNC_TARGET_AGENTS : positiveInt('agents', values.agents),
    toggles: values.toggles === undefined ? 5 : positiveInt('toggles', values.toggles),
    fleetAgents: values['fleet-agents'] === undefined ? 10_000 : positiveInt('fleet-agents', values['fleet-agents']),
    fleetStores: parseStores(values['fleet-stores'] ?? 'sqlite,postgres'),
    json: values.json === true,
  };
}

type SectionRunner = (options: BenchOptions, log: (message: string) => void) => Promise<Section>;

/** The sections, by name; they run in SECTION_NAMES order. */
const SECTIONS: Record<SectionName, SectionRunner> = {
  engine: (o, log) =>
    benchEngine({
      sizes: o.sizes,
      seed: o.seed,
      requests: o.requests,
      budgetMs: o.budgetMs,
      compileRuns: o.compileRuns,
      shapeSizes: o.shapeSizes,
      shapeRequests: o.shapeRequests,
      log,
    }),
  daemon: (o, log) =>
    benchDaemon({
      sizes: o.daemonPolicies,
      seed: o.seed,
      requests: o.requests,
      budgetMs: o.budgetMs,
      rounds: o.rounds,
      largeRounds: o.largeRounds,
      shapeRequests: o.shapeRequests,
      log,
    }),
  sync: (o, log) =>
    benchSync({
      agents: o.agents,
      policies: o.snapshotPolicies,
      seed: o.seed,
      toggles: o.toggles,
      log,
    }),
  delta: (o, log) => benchDelta({ policies: o.snapshotPolicies, seed: o.seed, changes: o.rounds, log }),
  fleet: (o, log) => benchFleet({ agents: o.fleetAgents, stores: o.fleetStores, log }),
};

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}/${process.arch}`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
  };
}

/** The heap the engine section needs for its largest view (MiB): 0 when the default does. */
function requiredHeapMiB(options: BenchOptions): number {
  if (!options.sections.includes('engine')) return 0;
  const largest = Math.max(0, ...options.shapeSizes, ...options.sizes);
  return largest >= 500_000 ? Math.ceil((largest / 1_000_000) * 10_240) : 0;
}

export async function main(argv: string[]): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = (message: string): void => {
    process.stderr.write(`[bench] ${message}\n`);
  };
  // Runs itself again, once, for what a process cannot change after its start.
  const again: string[] = [];
  let env: NodeJS.ProcessEnv = process.env;
  if (process.env['GLIBC_TUNABLES'] === undefined) {
    // Every process of the run (the daemon, its baselines, the engine in this process) with the allocator
    // settings the daemon's systemd unit starts it with: glibc reads them before any code runs. Policy
    // servers, whose unit does not set them, are started without them (bench/processes.ts).
    log(`running again with GLIBC_TUNABLES=${DAEMON_GLIBC_TUNABLES}, the daemon's (daemon/allocator.ts)`);
    env = { ...daemonEnvironment(process.env), [ALLOCATOR_ADDED_ENV]: '1' };
  }
  const heapMiB = requiredHeapMiB(options);
  if (heapMiB > getHeapStatistics().heap_size_limit / 1024 ** 2) {
    // A million-policy world, its view and the linear reference do not fit the default heap.
    log(`running again with --max-old-space-size=${heapMiB} for the largest engine views`);
    again.push(`--max-old-space-size=${heapMiB}`);
  }
  if (env !== process.env || again.length > 0) {
    const child = spawnSync(process.execPath, [...process.execArgv, ...again, process.argv[1] as string, ...argv], {
      stdio: 'inherit',
      env,
    });
    return child.status ?? 1;
  }
  const host = machine();
  log(`${host.cpu}, ${host.cores} cores, Node ${host.node}`);

  const machineLine = `${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, Node ${host.node} (V8 ${host.v8}), ${host.platform}`;
  const tunables = process.env['GLIBC_TUNABLES'] === '' ? "(empty: glibc's defaults)" : process.env['GLIBC_TUNABLES'];
  if (!options.json) {
    process.stdout.write(
      `# tollgate benchmark\n\nMachine: ${machineLine}\n\nEvery process: GLIBC_TUNABLES=${tunables}\n\n`,
    );
  }

  const sections: Section[] = [];
  for (const name of options.sections) {
    const started = performance.now();
    log(`section ${name}`);
    const section = await SECTIONS[name](options, log);
    log(`section ${name} took ${Math.round((performance.now() - started) / 1000)} s`);
    sections.push(section);
    if (!options.json) process.stdout.write(`${renderSection(section)}\n\n`);
  }
  if (options.json) {
    const doc = {
      machine: host,
      glibcTunables: process.env['GLIBC_TUNABLES'] ?? null,
      options,
      sections: Object.fromEntries(sections.map((s) => [s.id, { targets: s.targets, data: s.data }])),
    };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  }
  return 0;
}

// Run when started as a program, not when imported (the tests import the argument parser).
if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  });
}
