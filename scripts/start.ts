// `npm start`: the embedded default. A local policy server seeded with the
// example world, one computer enrolled, and one daemon synced to it with its
// socket under .tollgate/ (or TOLLGATE_HOME). Prints how to query it and how
// to toggle a setting; Ctrl-C stops both cleanly, and the script exits 0 once
// both stopped with exit code 0 (1 otherwise).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { daemonEnvironment } from '../daemon/allocator.js';
import { LOG_LEVEL_VALUES } from '../daemon/log.js';
import { atLeast, formatLogLine } from './log-format.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const home = resolve(process.env['TOLLGATE_HOME'] ?? join(root, '.tollgate'));
const computer = process.env['TOLLGATE_COMPUTER'] ?? 'till-1';
const port = Number(process.env['TOLLGATE_PORT'] ?? 7443);
const cli = join(root, 'bin', 'tollgate.js');
const serverData = join(home, 'server');
const socket = join(home, `${computer}.sock`);
const adminSocket = join(home, `${computer}.admin.sock`);
const show = (p: string): string => relative(process.cwd(), p) || '.';
/** The children's log lines shown on the terminal, readable: those at this pino level and above (30 info, 40 warn). */
const terminalLevel = LOG_LEVEL_VALUES[process.env['TOLLGATE_START_LOG_LEVEL'] ?? 'info'] ?? 30;

/** Every child started: in groups of their own, they are stopped here should this script end first. */
const started: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});

/** Starts `tollgate ARGS`, logging to a file, and resolves once it logs `ready`. */
function start(
  args: string[],
  logFile: string,
  ready: (line: Record<string, unknown>) => boolean,
): Promise<{ child: ChildProcess; line: Record<string, unknown> }> {
  // In a process group of its own: Ctrl-C reaches this script only, which then stops each child with one
  // signal and waits for it (a second signal from the terminal would cut the child's clean-up short).
  // The daemon with the allocator settings its systemd unit gives it (daemon/allocator.ts).
  const env = args[0] === 'daemon' ? daemonEnvironment(process.env) : process.env;
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env });
  started.push(child);
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stderr?.pipe(log);
  const source = args[0] === 'daemon' ? computer : (args[0] ?? 'tollgate');
  return new Promise((resolveReady, reject) => {
    createInterface({ input: child.stdout }).on('line', (text) => {
      // The file keeps the JSON lines for tools; the terminal shows them for people.
      log.write(text + '\n');
      if (atLeast(text, terminalLevel)) process.stdout.write(formatLogLine(source, text) + '\n');
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        if (ready(line)) resolveReady({ child, line });
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`tollgate ${args[0] ?? ''} exited (${code}); see ${show(logFile)}`)));
  });
}

async function enroll(url: string, token: string): Promise<string> {
  const response = await fetch(`${url}/api/computers/${computer}/enroll`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as { token?: string; error?: { message: string } };
  if (!response.ok || body.token === undefined)
    throw new Error(`enrolling ${computer} failed: ${body.error?.message ?? response.status}`);
  return body.token;
}

// A Ctrl-C before both are ready ends the script; its exit handler stops what was started.
const endDuringStartUp = (): void => {
  process.exitCode = 130;
  process.exit();
};
process.on('SIGINT', endDuringStartUp);
process.on('SIGTERM', endDuringStartUp);
// Its terminal closed: the children (in process groups of their own) are stopped too, not left running.
process.on('SIGHUP', endDuringStartUp);

await mkdir(serverData, { recursive: true });
const serverConfig = join(home, 'server.json');
await writeFile(
  serverConfig,
  JSON.stringify(
    {
      dataDir: serverData,
      listen: { host: '127.0.0.1', port },
      seedScenario: join(root, 'examples', 'world.yaml'),
      logLevel: 'info',
    },
    null,
    2,
  ),
);
const server = await start(
  ['server', '--config', serverConfig],
  join(home, 'server.log'),
  (l) => l['msg'] === 'listening',
);
const url = String(server.line['url']);
const adminTokenFile = join(serverData, 'admin-token');
const agentToken = await enroll(url, (await readFile(adminTokenFile, 'utf8')).trim());

const daemonConfig = join(home, `${computer}.json`);
await writeFile(
  daemonConfig,
  JSON.stringify(
    {
      dataDir: join(home, `${computer}-data`),
      computerId: computer,
      serverPublicKey: join(serverData, 'signing.pub'),
      socket: { path: socket },
      adminSocket: { path: adminSocket },
      logLevel: 'info',
      server: { url: `${url.replace(/^http/, 'ws')}/agent`, token: agentToken },
    },
    null,
    2,
  ),
);
const daemon = await start(
  ['daemon', '--config', daemonConfig],
  join(home, `${computer}.log`),
  (l) => l['msg'] === 'snapshot applied' || (l['msg'] === 'serving' && l['snapshotVersion'] !== null),
);

const tokenFlag = `--token-file ${show(adminTokenFile)} --server ${url}`;
process.stdout.write(`
tollgate is running: a policy server at ${url} (example world: examples/world.yaml)
and the agent of computer ${computer} synced to it, answering on ${show(socket)}
(client socket: decisions, approvals, status) and ${show(adminSocket)} (admin socket: also snapshot apply and
decisions export).

  may this file run?   npx tollgate query --socket ${show(socket)} --path 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe' --cert-subject 'CN=Google LLC' --json
  agent status:        npx tollgate status --socket ${show(socket)}
  toggle a setting:    npx tollgate admin ${tokenFlag} settings set --group bakery-tills prioritizeBuiltInApplications=false
  and back:            npx tollgate admin ${tokenFlag} settings clear --group bakery-tills prioritizeBuiltInApplications
  computers:           npx tollgate admin ${tokenFlag} computers
  replay fixtures:     npx tollgate replay --socket ${show(socket)} examples/cases-${computer}.yaml
  export decisions:    npx tollgate decisions export --socket ${show(adminSocket)} --output decisions.yaml

Logs: ${show(join(home, 'server.log'))}, ${show(join(home, `${computer}.log`))}.
Processes: the server ${String(server.child.pid)}, the daemon ${String(daemon.child.pid)}. Ctrl-C stops both.
`);

const children = [daemon.child, server.child];
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping the daemon and the server...\n');
  for (const child of children) child.kill('SIGTERM');
};
process.off('SIGINT', endDuringStartUp);
process.off('SIGTERM', endDuringStartUp);
process.off('SIGHUP', endDuringStartUp);
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('SIGHUP', stop);
const exits = await Promise.all(
  children.map(
    (child) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
        child.exitCode !== null || child.signalCode !== null
          ? resolveExit({ code: child.exitCode, signal: child.signalCode })
          : child.once('exit', (code, signal) => resolveExit({ code, signal })),
      ),
  ),
);
const failed = exits
  .map((exit, i) => ({ ...exit, name: i === 0 ? 'the daemon' : 'the server' }))
  .filter((exit) => exit.code !== 0);
for (const exit of failed)
  process.stdout.write(`${exit.name} exited with ${exit.signal ?? `code ${String(exit.code)}`}; see its log.\n`);
process.stdout.write('stopped.\n');
if (failed.length > 0) process.exitCode = 1;
