#!/usr/bin/env node
// The `tollgate` command: runs the compiled entry point (built by `npm ci` through the prepare script).
if (process.features.require_module !== true) {
  // The generated protobuf code is loaded at its first use with require (dist/src/wire/proto.js), which
  // loads an ES module from Node.js 20.19 on; an older Node.js loads it here, before any command runs.
  await (await import('../dist/src/wire/proto.js')).loadProto();
}
const { run } = await import('../dist/daemon/main.js');

process.exitCode = await run(process.argv.slice(2));
