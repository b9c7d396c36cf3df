/**
 * The decision cache alone, in process: how much of a set of files asked
 * again and again it keeps, by the set's size, for one or more builds:
 *
 *   node dist/scripts/bench/decision-cache.js [--files N,N,...] [--lookups N] [--build DIR]...
 *
 * For each size, a cache of the daemon's default bounds is given that many
 * distinct files (of about 700 counted bytes each: a 70-character install
 * path, a SHA-256, a certificate subject and a parent process), each asked
 * twice (cached from its second ask), then the whole set is asked in turn
 * until --lookups asks were made, by key as the socket layer asks. Prints
 * the asks that missed (decided again), the CPU per ask, and the bytes the
 * cache counts. Each --build is the root of a built checkout; without one,
 * this checkout. Builds run one after another, each in a process of its own.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type * as CacheModule from '../../src/agent/decision-cache.js';
import type { Decision, FileRequest } from '../../src/engine/model.js';
import type * as KeyModule from '../../src/wire/file-key.js';
import { ROOT } from './processes.js';

interface Row {
  files: number;
  countedBytesPerFile: number;
  lookups: number;
  missed: number;
  cpuUsPerLookup: number;
  heldMiB: number;
}

/** One build's rows, measured in this process over the build's own modules. */
async function measure(root: string, sizes: number[], lookups: number): Promise<Row[]> {
  const cacheModule = (await import(
    pathToFileURL(resolve(root, 'dist/src/agent/decision-cache.js')).href
  )) as typeof CacheModule;
  const keyModule = (await import(pathToFileURL(resolve(root, 'dist/src/wire/file-key.js')).href)) as typeof KeyModule;
  const { DecisionCache, fileBytes } = cacheModule;
  const { fileKey, keyHash } = keyModule;
  const decision = Object.freeze({ action: 'permit' }) as unknown as Decision;
  const rows: Row[] = [];
  for (const n of sizes) {
    const cache = new DecisionCache({});
    const files: FileRequest[] = [];
    const keys: Buffer[] = [];
    const hashes: number[] = [];
    for (let i = 0; i < n; i++) {
      const name = `${i.toString(36)}${'x'.repeat(40)}`.slice(0, 40);
      const file: FileRequest = {
        path: `C:\\Program Files\\Vendor${i % 50}\\${name}\\app${i}.exe`,
        sha256: `${(i * 7).toString(16)}${'0'.repeat(64)}`.slice(0, 64),
        certSubject: `CN=Vendor ${i % 50}, O=Vendor, C=US`,
        processPath: 'C:\\Windows\\explorer.exe',
      };
      const key = fileKey(file) as Buffer;
      files.push(file);
      keys.push(key);
      hashes.push(keyHash(key, 0, key.length));
    }
    let missed = 0;
    const decide = (): Decision => {
      missed++;
      return decision;
    };
    const never = (): number => Infinity;
    const ask = (i: number): void => {
      const key = keys[i] as Buffer;
      const hash = hashes[i] as number;
      if (cache.lookupKey(key, 0, key.length, hash, 0, never) === null) {
        cache.decideMissed(files[i] as FileRequest, hash, 0, never, decide);
      }
    };
    for (let round = 0; round < 2; round++) for (let i = 0; i < n; i++) ask(i);
    missed = 0;
    const passes = Math.max(1, Math.ceil(lookups / n));
    const before = process.cpuUsage();
    for (let p = 0; p < passes; p++) for (let i = 0; i < n; i++) ask(i);
    const cpu = process.cpuUsage(before);
    rows.push({
      files: n,
      countedBytesPerFile: fileBytes(files[0] as FileRequest) + (keys[0] as Buffer).length,
      lookups: passes * n,
      missed,
      cpuUsPerLookup: (cpu.user + cpu.system) / (passes * n),
      heldMiB: cache.heldBytes / 1024 / 1024,
    });
  }
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      files: { type: 'string', default: '8000,14000,20000,28000' },
      lookups: { type: 'string', default: '600000' },
      build: { type: 'string', multiple: true },
      child: { type: 'string' },
    },
  });
  const sizes = (values.files ?? '').split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--files: ${s} is not a positive integer`);
    return n;
  });
  const lookups = Number(values.lookups);
  if (!Number.isInteger(lookups) || lookups < 1)
    throw new Error(`--lookups: ${values.lookups} is not a positive integer`);
  if (values.child !== undefined) {
    process.stdout.write(JSON.stringify(await measure(values.child, sizes, lookups)));
    return;
  }
  const builds = values.build ?? [ROOT];
  for (const build of builds) {
    const root = resolve(build);
    const child = spawnSync(
      process.execPath,
      [process.argv[1] as string, '--child', root, '--files', sizes.join(','), '--lookups', String(lookups)],
      { encoding: 'utf8' },
    );
    if (child.status !== 0) throw new Error(`${root}: ${child.stderr}`);
    console.log(root);
    console.log(
      '| files asked again and again | counted bytes each | asks | decided again | CPU µs per ask | MiB counted |',
    );
    console.log('| --: | --: | --: | --: | --: | --: |');
    for (const r of JSON.parse(child.stdout) as Row[]) {
      console.log(
        `| ${r.files} | ${r.countedBytesPerFile} | ${r.lookups} | ${r.missed} | ${r.cpuUsPerLookup.toFixed(3)} | ${r.heldMiB.toFixed(1)} |`,
      );
    }
  }
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
