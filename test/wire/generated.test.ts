import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const generatedDir = 'src/wire/generated/';

/** The `proto:gen` script's commands, with their output paths moved to `outDir`. */
function protoGenCommands(outDir: string): { tool: string; args: string[] }[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const script = pkg.scripts['proto:gen'];
  if (script === undefined) throw new Error('package.json has no proto:gen script');
  return script.split('&&').map((command) => {
    const [tool, ...args] = command.trim().split(/\s+/);
    if (tool !== 'pbjs' && tool !== 'pbts') throw new Error(`unexpected command in proto:gen: ${command}`);
    return {
      tool,
      args: args.map((arg) => (arg.startsWith(generatedDir) ? join(outDir, arg.slice(generatedDir.length)) : arg)),
    };
  });
}

describe('generated protobuf code', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'tollgate-proto-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('is what `npm run proto:gen` makes from proto/tollgate.proto (run it and commit the result)', () => {
    for (const { tool, args } of protoGenCommands(outDir)) {
      execFileSync(join(root, 'node_modules', '.bin', tool), args, { cwd: root, stdio: 'pipe' });
    }
    const committed = readdirSync(join(root, generatedDir)).sort();
    expect(readdirSync(outDir).sort()).toEqual(committed);
    for (const file of committed) {
      const fresh = readFileSync(join(outDir, file));
      const current = readFileSync(join(root, generatedDir, file));
      expect(fresh.equals(current), `${generatedDir}${file} is out of date: run npm run proto:gen`).toBe(true);
    }
  });
});
