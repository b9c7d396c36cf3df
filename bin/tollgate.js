#!/usr/bin/env node
// The `tollgate` command: runs the compiled entry point (built by `npm ci` through the prepare script).
if (process.argv[2] === 'daemon') {
  // The daemon's heap settings go first: loading the other modules would already grow the young generation.
  (await import('../dist/daemon/heap.js')).tuneDaemonHeap();
}
const { run } = await import('../dist/daemon/main.js');

process.exitCode = await run(process.argv.slice(2));
