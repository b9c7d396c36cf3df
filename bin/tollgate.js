#!/usr/bin/env node
// The `tollgate` command: runs the compiled entry point (built by `npm ci` through the prepare script).
import v8 from 'node:v8';

// A `regex:` pattern with nested quantifiers (`(a+)+`) backtracks for a time exponential in the path on V8's
// default engine. With this, V8 finishes such a match on its linear-time engine instead (after 50,000
// backtracks), with the same result, for every expression that engine takes: all but those with the `i` flag,
// backreferences or lookarounds, which tollgate never compiles (src/engine/linear-regex.ts). Set before any
// expression is made.
v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
// And the `l` flag, with which tollgate asks whether that engine takes an expression at all: counts past 16 are
// written out in pieces it takes, and what it still does not take (counts of counts) is refused.
v8.setFlagsFromString('--enable-experimental-regexp-engine');
if (process.features.require_module !== true) {
  // The generated protobuf code is loaded at its first use with require (dist/src/wire/proto.js), which
  // loads an ES module from Node.js 20.19 on; an older Node.js loads it here, before any command runs.
  await (await import('../dist/src/wire/proto.js')).loadProto();
}
// A reader that stops early (`tollgate admin computers | head -2`) closes the pipe: the command stops there,
// quietly, as `ls | head` does, not with an unhandled EPIPE.
process.stdout.on('error', (error) => {
  if (Reflect.get(error, 'code') !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});
const { run } = await import('../dist/daemon/main.js');

process.exitCode = await run(process.argv.slice(2));
