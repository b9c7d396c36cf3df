/**
 * tollgate's benchmark: `npm run bench` (builds, then runs
 * dist/scripts/bench.js). Runs each section in turn and prints Markdown
 * tables, or one JSON document with --json. Progress goes to stderr.
 *
 *   node dist/scripts/bench.js [--sizes 1000,10000,100000] [--seed N]
 *                              [--requests N] [--budget-ms N] [--json]
 *
 * A section is a function returning a Section (see bench/section.ts); the
 * engine section is the only one so far. Daemon socket round trips and
 * snapshot sync belong in their own modules, added to SECTIONS below.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_SIZES, benchEngine } from './bench/engine.js';
import { type Section, renderSection } from './bench/section.js';

const USAGE = `usage: node dist/scripts/bench.js [options]

  --sizes LIST      policy counts to measure, comma separated (default ${DEFAULT_SIZES.join(',')})
  --seed N          seed of the synthetic worlds (default 1)
  --requests N      synthetic requests per world (default 10000)
  --budget-ms N     wall-clock budget of each throughput or latency run (default 1000)
  --compile-runs N  builds of each view and evaluator; the median is reported (default 3)
  --json            print one JSON document instead of Markdown tables
  -h, --help        show this help`;

function positiveInt(name: string, text: string): number {
  const value = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a positive integer, not "${text}"`);
  return value;
}

function parseSizes(text: string): number[] {
  const sizes = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => positiveInt('sizes', s.replace(/_/g, '')));
  if (sizes.length === 0) throw new Error('--sizes needs at least one policy count');
  return sizes;
}

export interface BenchOptions {
  sizes: number[];
  seed: number;
  requests: number;
  budgetMs: number;
  compileRuns: number;
  json: boolean;
}

export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      sizes: { type: 'string' },
      seed: { type: 'string' },
      requests: { type: 'string' },
      'budget-ms': { type: 'string' },
      'compile-runs': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help === true) return 'help';
  return {
    // --sizes takes a comma list; a plain count is not split on thousands commas.
    sizes: values.sizes === undefined ? [...DEFAULT_SIZES] : parseSizes(values.sizes),
    seed: values.seed === undefined ? 1 : Number.parseInt(values.seed, 10) || 0,
    requests: values.requests === undefined ? 10_000 : positiveInt('requests', values.requests),
    budgetMs: values['budget-ms'] === undefined ? 1_000 : positiveInt('budget-ms', values['budget-ms']),
    compileRuns: values['compile-runs'] === undefined ? 3 : positiveInt('compile-runs', values['compile-runs']),
    json: values.json === true,
  };
}

type SectionRunner = (options: BenchOptions, log: (message: string) => void) => Promise<Section>;

/** The sections, in the order they run. */
const SECTIONS: SectionRunner[] = [
  (o, log) =>
    benchEngine({
      sizes: o.sizes,
      seed: o.seed,
      requests: o.requests,
      budgetMs: o.budgetMs,
      compileRuns: o.compileRuns,
      log,
    }),
];

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
  const host = machine();
  log(`${host.cpu}, ${host.cores} cores, Node ${host.node}`);

  const machineLine = `${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, Node ${host.node} (V8 ${host.v8}), ${host.platform}`;
  if (!options.json) process.stdout.write(`# tollgate benchmark\n\nMachine: ${machineLine}\n\n`);

  const sections: Section[] = [];
  for (const run of SECTIONS) {
    const section = await run(options, log);
    sections.push(section);
    if (!options.json) process.stdout.write(`${renderSection(section)}\n\n`);
  }
  if (options.json) {
    const doc = {
      machine: host,
      options,
      sections: Object.fromEntries(sections.map((s) => [s.id, { targets: s.targets, data: s.data }])),
    };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
});
