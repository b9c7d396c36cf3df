// `npm start`: the embedded default. Builds a signing key and a signed
// snapshot of the example world under .tollgate/, starts one daemon seeded
// with it, and prints how to ask it questions. Ctrl-C stops it cleanly.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { processIo } from '../src/cli/io.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const home = join(root, '.tollgate');
const computer = process.env['TOLLGATE_COMPUTER'] ?? 'till-1';
const world = join(root, 'examples', 'world.yaml');
const keys = join(home, 'keys');
const snapshot = join(home, 'snapshot.bin');
const config = join(home, 'daemon.yaml');
const socket = join(home, 'tollgate.sock');
const cli = join(root, 'bin', 'tollgate.js');

async function run(args: string[]): Promise<void> {
  const code = await main(args, processIo);
  if (code !== 0) throw new Error(`tollgate ${args.join(' ')} exited with ${code}`);
}

await mkdir(home, { recursive: true });
if (!existsSync(join(keys, 'tollgate-signing.key'))) await run(['keygen', '--out', keys]);
// Each start signs a newer snapshot (by time), so edits to the example world take effect.
const version = Math.floor(Date.now() / 1000);
await run(['snapshot', 'build', world, '--computer', computer, '--key', join(keys, 'tollgate-signing.key'), '--version', String(version), '--out', snapshot]);
await writeFile(
  config,
  [
    `dataDir: ${JSON.stringify(join(home, 'data'))}`,
    `computerId: ${computer}`,
    `serverPublicKey: ${JSON.stringify(join(keys, 'tollgate-signing.pub'))}`,
    `socket: {path: ${JSON.stringify(socket)}}`,
    `seedSnapshot: ${JSON.stringify(snapshot)}`,
    'logLevel: info',
    '',
  ].join('\n'),
);

const daemon = spawn(process.execPath, [cli, 'daemon', '--config', config], { stdio: ['ignore', 'inherit', 'inherit'] });
const stop = (): void => void daemon.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

process.stdout.write(`
tollgate daemon for computer ${computer}, serving ${socket}

  ask it:      npx tollgate query --socket ${socket} --path 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe' --cert-subject 'CN=Google LLC' --json
  status:      npx tollgate status --socket ${socket}
  replay:      npx tollgate replay --socket ${socket} examples/cases-${computer}.yaml
  what-if:     edit examples/world.yaml and run npm start again (a newer snapshot is signed and applied)

Ctrl-C stops it.
`);

daemon.on('exit', (code, signal) => {
  process.exitCode = signal === 'SIGTERM' || code === 0 ? 0 : (code ?? 1);
});
