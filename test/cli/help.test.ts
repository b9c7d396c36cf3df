// Every command and subcommand of the command line answers --help with a
// description, and every top-level command is in the README. The commands
// are read from the program itself, so a new one is covered at once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import '../../daemon/commands.js';
import { run } from '../../daemon/main.js';
import { createProgram } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

const ROOT = join(import.meta.dirname, '..', '..');

function quietIo(): CliIo {
  return { stdout: () => {}, stderr: () => {}, nowMs: () => 0, env: {} };
}

/** Every command under `command`, as the words that name it on the command line. */
function commandPaths(command: Command, prefix: string[] = []): { path: string[]; command: Command }[] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return [{ path, command: sub }, ...commandPaths(sub, path)];
  });
}

// daemon/commands.js adds `daemon` and `server` to the program when it is loaded (imported above).
const program = createProgram(quietIo(), () => {});
const commands = commandPaths(program);

async function help(path: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run([...path, '--help'], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    nowMs: () => 0,
    env: {},
  });
  return { code, stdout, stderr };
}

describe('the command tree', () => {
  it('holds the commands of SPEC.md section 8 and the process commands', () => {
    const names = commands.map((c) => c.path.join(' '));
    for (const name of ['replay', 'upgrade', 'lint', 'daemon', 'server', 'query', 'status', 'admin']) {
      expect(names).toContain(name);
    }
    expect(commands.length).toBeGreaterThan(40);
  });

  it('answers --help of every command and subcommand with exit 0, its usage and its description', async () => {
    const failures: string[] = [];
    for (const { path, command } of commands) {
      const described = command.description() || command.summary();
      const { code, stdout, stderr } = await help(path);
      const name = path.join(' ');
      if (described.trim() === '') failures.push(`${name}: no description`);
      else if (code !== 0) failures.push(`${name}: exit ${code} ${stderr}`);
      else if (!stdout.includes(`Usage: tollgate ${name}`)) failures.push(`${name}: no usage line`);
      // Help wraps long lines: compare the first words only.
      else if (!stdout.replace(/\s+/g, ' ').includes(described.replace(/\s+/g, ' ').slice(0, 40))) {
        failures.push(`${name}: the description is not in its help`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('names every top-level command in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const missing = program.commands.map((c) => c.name()).filter((name) => !readme.includes(`tollgate ${name}`));
    expect(missing).toEqual([]);
  });
});
