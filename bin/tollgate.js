#!/usr/bin/env node
// The `tollgate` command: runs the compiled entry point (built by `npm ci` through the prepare script).
import { run } from '../dist/daemon/main.js';

process.exitCode = await run(process.argv.slice(2));
