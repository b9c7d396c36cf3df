import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  ACK_ERROR_CODES,
  DELTA_ERROR_CODES,
  DELTA_FALLBACK_PREFIX,
  LOCAL_ERROR_CODES,
  RECEIPT_REFUSAL_CODES,
  REFUSAL_CLOSE_CODES,
  SYNC_CLOSE_CODES,
  SYNC_REFUSAL_CODES,
} from '../../src/wire/protocol-codes.js';

const root = join(import.meta.dirname, '..', '..');
const guide = readFileSync(join(root, 'docs', 'PROTOCOL.md'), 'utf8');
const lines = guide.split('\n');

/** The text of the guide's section under `heading` (a whole heading line, without its #s), to the next heading of its level or above. */
function section(heading: string): string {
  const start = lines.findIndex((line) => /^#{2,4} /.test(line) && line.replace(/^#+ /, '') === heading);
  if (start < 0) throw new Error(`docs/PROTOCOL.md has no section "${heading}"`);
  const level = (lines[start]!.match(/^#+/) ?? [''])[0].length;
  let end = start + 1;
  while (end < lines.length && !new RegExp(`^#{1,${level}} `).test(lines[end]!)) end++;
  return lines.slice(start, end).join('\n');
}

/** The cells of the Markdown table rows of `text`, trimmed. */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, line.endsWith('|') ? -1 : undefined)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

const proto = protobuf.loadSync(join(root, 'proto', 'tollgate.proto'));
const pkg = proto.lookup('tollgate.v1') as protobuf.Namespace;
const messages: protobuf.Type[] = [];
const enums: protobuf.Enum[] = [];
function walk(ns: protobuf.NamespaceBase): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) messages.push(nested);
    else if (nested instanceof protobuf.Enum) enums.push(nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested);
  }
}
walk(pkg);

const headings = lines.filter((line) => /^#{2,4} /.test(line));

describe('docs/PROTOCOL.md', () => {
  it('reads the proto file it documents', () => {
    // Guards the walk itself: the file has dozens of messages and several enums.
    expect(messages.length).toBeGreaterThan(40);
    expect(enums.map((e) => e.name)).toContain('PayloadKind');
  });

  it('gives every message of proto/tollgate.proto a heading of its own', () => {
    const missing = messages
      .map((m) => m.name)
      .filter((name) => !headings.some((heading) => heading.includes(`\`${name}\``)));
    expect(missing).toEqual([]);
  });

  it('lists every enum value with its number', () => {
    const rows = tableRows(section('Enums'));
    const missing: string[] = [];
    for (const e of enums) {
      for (const [name, number] of Object.entries(e.values)) {
        const row = rows.find((cells) => cells.includes(`\`${name}\``));
        if (row === undefined || !row.includes(String(number))) missing.push(`${e.name}.${name} = ${number}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('describes every close code of the sync endpoint in the close code table', () => {
    const rows = tableRows(section('Close codes'));
    const documented = new Set(rows.map((cells) => cells[0]));
    const missing = Object.entries(SYNC_CLOSE_CODES).filter(([, code]) => !documented.has(String(code)));
    expect(missing).toEqual([]);
  });

  it('pairs every refusal code with its close code', () => {
    const text = section('Refusal codes');
    for (const code of Object.values(SYNC_REFUSAL_CODES)) {
      expect(text).toContain(`\`${code}\` (${REFUSAL_CLOSE_CODES[code]})`);
    }
  });

  it('describes every local socket error code in the local error code table', () => {
    const cells = new Set(tableRows(section('Local error codes')).flatMap((row) => row[0]!.split(/,\s*/)));
    const missing = LOCAL_ERROR_CODES.filter((code) => !cells.has(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('describes every receipt refusal code, Ack error code and delta refusal code in its table', () => {
    const firstColumn = (heading: string): Set<string> =>
      new Set(tableRows(section(heading)).map((row) => row[0] ?? ''));
    const receipts = firstColumn('Receipt refusal codes');
    expect(RECEIPT_REFUSAL_CODES.filter((code) => !receipts.has(`\`${code}\``))).toEqual([]);
    const acks = firstColumn('Ack error codes');
    expect(ACK_ERROR_CODES.filter((code) => !acks.has(`\`${code}\``))).toEqual([]);
    const deltas = firstColumn('When it is refused');
    expect(DELTA_ERROR_CODES.filter((code) => !deltas.has(`\`${code}\``))).toEqual([]);
  });
});

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.parentPath.includes('generated'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the protocol code lists', () => {
  const files = sources(join(root, 'src')).map((file) => ({ file, text: readFileSync(file, 'utf8') }));

  it('hold every delta refusal code the code throws', () => {
    const used = new Set<string>();
    for (const { text } of files) {
      for (const match of text.matchAll(/'(delta-[a-z-]+)'/g)) used.add(match[1]!);
    }
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((code) => !(DELTA_ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
    expect(DELTA_ERROR_CODES.every((code) => code.startsWith(DELTA_FALLBACK_PREFIX))).toBe(true);
    expect(DELTA_ERROR_CODES.every((code) => (ACK_ERROR_CODES as readonly string[]).includes(code))).toBe(true);
  });

  it('are where the code takes its close codes and local error codes from', () => {
    const literal: string[] = [];
    for (const { file, text } of files) {
      // A WebSocket closed with a number written on the spot, or a local error response with a code written on the spot.
      if (/\.close\(\s*\d/.test(text) || /kind: 'error',\s*code: '/.test(text)) literal.push(file);
    }
    expect(literal).toEqual([]);
  });
});
