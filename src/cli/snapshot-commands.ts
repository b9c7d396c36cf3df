import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TollgateError } from '../engine/errors.js';
import { effectiveMode } from '../engine/evaluate.js';
import { buildView } from '../engine/view.js';
import { readBounded, readBoundedText } from '../scenario/bounded-read.js';
import { loadScenario } from '../scenario/load.js';
import {
  openSnapshot,
  peekSnapshot,
  sealSnapshot,
  signedKeyId,
  type SnapshotContent,
  type SnapshotHeader,
} from '../wire/signed.js';
import { generateSigningKeys, keyId, parsePrivateKey, parsePublicKey } from '../wire/signing.js';
import { EXIT_OK, type CliIo } from './io.js';
import { writeOutputFile } from './output-file.js';
import { makeDirs } from '../scenario/make-dirs.js';

/**
 * The largest snapshot file the commands read: the most a daemon takes, from
 * its server (`server.maxMessageBytes`) or on its admin socket.
 */
export const MAX_SNAPSHOT_FILE_BYTES = 256 * 1024 * 1024;

/**
 * A snapshot file's bytes, read up to MAX_SNAPSHOT_FILE_BYTES (a device or
 * a file that keeps growing is not read without end); TollgateError naming
 * the file when it cannot be read or is larger.
 */
export async function readSnapshotFile(file: string): Promise<Buffer> {
  return await named(file, () =>
    readBounded(file, MAX_SNAPSHOT_FILE_BYTES, `is larger than a snapshot can be (${MAX_SNAPSHOT_FILE_BYTES} bytes)`),
  );
}

/** The largest key file read (a PEM key is a few hundred bytes). */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/** `read`'s TollgateError with `file` before its message. */
async function named<T>(file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    throw new TollgateError(error.code, `${file} ${error.message}`, { cause: error });
  }
}

/** Runs `read` over a snapshot file's bytes; its TollgateError names the file. */
function inFile<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    throw new TollgateError(error.code, `${file}: ${error.message}`, { cause: error });
  }
}

export const PRIVATE_KEY_FILE = 'tollgate-signing.key';
export const PUBLIC_KEY_FILE = 'tollgate-signing.pub';

async function readText(file: string, what: string): Promise<string> {
  return await named(`${what} ${file}`, () =>
    readBoundedText(file, MAX_KEY_FILE_BYTES, `is larger than a key file may be (${MAX_KEY_FILE_BYTES} bytes)`),
  );
}

/** `tollgate keygen --out DIR`: an Ed25519 key pair; the private key file is readable by its owner only. */
export async function keygen(io: CliIo, outDir: string): Promise<number> {
  makeDirs(outDir);
  const keys = generateSigningKeys();
  const privatePath = join(outDir, PRIVATE_KEY_FILE);
  const publicPath = join(outDir, PUBLIC_KEY_FILE);
  await writeFile(privatePath, keys.privateKeyPem, { mode: 0o600, flag: 'wx' }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST')
        throw new TollgateError('exists', `${privatePath} already exists: refusing to overwrite a key`);
      throw error;
    },
  );
  try {
    // As any output: a regular file (a FIFO or device in its place is refused), written whole.
    await writeOutputFile(publicPath, keys.publicKeyPem, [privatePath]);
  } catch (error) {
    // A pair or nothing: a private key without its public key would block the next try ('exists').
    await unlink(privatePath).catch(() => undefined);
    throw error;
  }
  io.stdout(
    `private key ${privatePath}\npublic key  ${publicPath} (key id ${keyId(parsePublicKey(keys.publicKeyPem))})\n`,
  );
  return EXIT_OK;
}

export interface BuildOptions {
  computer: string;
  key: string;
  version: number;
  out: string;
  settingsVersion?: number;
}

/** `tollgate snapshot build SCENARIO --computer ID --key PRIVATE_KEY --version N --out FILE`. */
export async function buildSnapshot(io: CliIo, scenarioPath: string, options: BuildOptions): Promise<number> {
  const world = await loadScenario(scenarioPath);
  if (!world.computers.some((c) => c.id === options.computer)) {
    throw new TollgateError(
      'unknown-reference',
      `--computer: "${options.computer}" is not a computer of ${scenarioPath}`,
    );
  }
  if (options.version < 1) throw new TollgateError('bad-version', '--version must be at least 1');
  const privateKey = parsePrivateKey(await readText(options.key, 'private key'));
  const view = buildView(world, options.computer);
  const bytes = sealSnapshot(
    {
      computerId: options.computer,
      version: options.version,
      issuedAtMs: io.nowMs(),
      settingsVersion: options.settingsVersion ?? 0,
      view,
    },
    privateKey,
  );
  await writeOutputFile(options.out, bytes, [scenarioPath, options.key]);
  io.stdout(
    `snapshot version ${options.version} of ${options.computer}: ${view.policies.length} policies, ${bytes.length} bytes, written to ${options.out}\n`,
  );
  return EXIT_OK;
}

/** `tollgate snapshot inspect FILE [--key PUBLIC_KEY]`: the content, verified when a key is given. */
export async function inspectSnapshot(
  io: CliIo,
  file: string,
  options: { key?: string; json: boolean },
): Promise<number> {
  const bytes = await readSnapshotFile(file);
  let verified = false;
  let content: SnapshotContent | SnapshotHeader;
  if (options.key !== undefined) {
    const keyFile = options.key;
    const keyText = await readText(keyFile, 'public key');
    const publicKey = inFile(keyFile, () => parsePublicKey(keyText));
    content = inFile(file, () => openSnapshot(bytes, publicKey));
    verified = true;
  } else {
    // Without a key the signature cannot be checked: read the header only, and say so.
    const { keyId: _named, ...header } = inFile(file, () => peekSnapshot(bytes));
    content = header;
  }
  const signedBy = inFile(file, () => signedKeyId('snapshot', bytes));
  if (options.json) {
    io.stdout(JSON.stringify({ verified, keyId: signedBy, ...content }, null, 2) + '\n');
    return EXIT_OK;
  }
  const lines = [
    `computer     ${content.computerId}`,
    `version      ${content.version} (settings ${content.settingsVersion})`,
    `issued       ${new Date(content.issuedAtMs).toISOString()}`,
    `signature    ${verified ? 'valid' : 'not checked (give --key PUBLIC_KEY)'}, key id ${signedBy || 'none'}`,
  ];
  if ('view' in content) {
    const view = content.view;
    const mode = effectiveMode(view);
    lines.push(
      `organization ${view.computer.org} (${view.orgStructure}), group ${view.computer.group}, ${view.computer.os} agent ${view.computer.agentVersion}`,
      `structure    ${mode.structure}, built-ins first: ${mode.builtInsFirst ? 'yes' : 'no'}, gated: ${mode.gated.join(', ') || 'none'}`,
      `policies     ${view.policies.length}, applications ${view.applications.length}, approval policies ${view.approvalPolicies.length}`,
    );
  }
  io.stdout(lines.join('\n') + '\n');
  return EXIT_OK;
}
