/**
 * The agent's compiled view image (engine/view-image.ts): compiled once
 * when a verified snapshot is accepted, stored beside it in the cache, and
 * opened again at a warm start. The image file is the image's bytes after a
 * small binding record, so that an image is used only for the snapshot it
 * was compiled from (its SHA-256 and the image format version, in the
 * image's own header), for this agent (its computer id, and the agent
 * version and os configured, which the gates look at) and for the tollgate
 * release that compiled it (an upgrade compiles the image again).
 *
 * File layout: "TGIB" (4 bytes), the binding's length (Uint32, little-
 * endian), the binding as JSON (UTF-8), zeros up to a multiple of 8 bytes,
 * then the image (which is read in place: it must start 8-byte aligned).
 */
import { TollgateError } from '../engine/errors.js';
import type { OsName } from '../engine/model.js';
import { asAgentSees, type ComputerView } from '../engine/view.js';
import {
  IMAGE_ERROR_CODES,
  type ImageBinding,
  compileViewImage,
  openViewImage,
  type ViewImage,
} from '../engine/view-image.js';
import { type PayloadView, compileViewImageFromPayload } from '../wire/view-image-payload.js';

/** What an image is compiled for: the snapshot (version and SHA-256 of its stored bytes) and the agent. */
export interface ActiveBinding {
  snapshotVersion: number;
  snapshotHash: Uint8Array;
  computerId: string;
  /** The configured agent version and os (undefined: the snapshot's own are used). */
  agentVersion: string | undefined;
  os: OsName | undefined;
  /** The tollgate release compiling it (the daemon's version); undefined: none named. */
  release?: string | undefined;
}

const FILE_MAGIC = Buffer.from('TGIB', 'latin1');
const PREFIX_BYTES = 8;
/** The binding record is small; a longer one is damage. */
const MAX_BINDING_BYTES = 64 * 1024;

/**
 * The one place the agent compiles a view: the view with this agent's
 * version and os (which the gates look at) compiled into an image bound to
 * its snapshot. The view can be let go once this returns.
 */
export function compileActiveImage(view: ComputerView, binding: ActiveBinding): ViewImage {
  if (view.computer.id !== binding.computerId) {
    throw new TollgateError(
      'wrong-computer',
      `the snapshot's view is of computer ${view.computer.id}, this agent is ${binding.computerId}`,
    );
  }
  return compileViewImage(asAgentSees(view, binding), {
    snapshotVersion: binding.snapshotVersion,
    snapshotHash: binding.snapshotHash,
  });
}

/** What compileActiveImageFromPayload is also given. */
export interface PayloadCompileOptions {
  /** As compileViewImageFromPayload's `onView`. */
  onView?: (view: PayloadView) => void;
  /** As compileViewImageFromPayload's `onViewFound`. */
  onViewFound?: (view: PayloadView) => void;
  /** As compileViewImageFromPayload's `recycle`. */
  recycle?: ArrayBuffer;
}

/**
 * An ActiveBinding whose snapshot hash may be worked out when asked: the
 * agent's worker may still be hashing the snapshot while it is compiled.
 */
export type PendingBinding = Omit<ActiveBinding, 'snapshotHash'> & { snapshotHash: Uint8Array | (() => Uint8Array) };

/**
 * Compiles a verified snapshot's payload (its SignedSnapshot's signed bytes)
 * straight into the active image, without decoding its view into objects:
 * the same image compileActiveImage makes of the decoded view. The caller
 * has checked the snapshot's computer from its header. A snapshot hash
 * given as a function is asked for once, when the image's header is
 * written at the end of the compile.
 */
export function compileActiveImageFromPayload(
  payload: Uint8Array,
  binding: PendingBinding,
  options: PayloadCompileOptions = {},
): ViewImage {
  const { snapshotVersion, snapshotHash } = binding;
  const imageBinding: ImageBinding =
    typeof snapshotHash === 'function'
      ? {
          snapshotVersion,
          get snapshotHash() {
            return snapshotHash();
          },
        }
      : { snapshotVersion, snapshotHash };
  return compileViewImageFromPayload(
    payload,
    imageBinding,
    (meta) => asAgentSees(meta, binding),
    options.onView,
    options.recycle,
    options.onViewFound,
  );
}

function bindingRecord(binding: ActiveBinding): string {
  return JSON.stringify({
    computerId: binding.computerId,
    agentVersion: binding.agentVersion ?? null,
    os: binding.os ?? null,
    // The release that compiled it: a later one (a new matcher, index or gate rule) compiles its own.
    tollgate: binding.release ?? null,
  });
}

/** The parts of the image file of `image` (written one after the other). */
export function imageFileParts(image: ViewImage, binding: ActiveBinding): Uint8Array[] {
  const record = Buffer.from(bindingRecord(binding), 'utf8');
  const head = Buffer.alloc((PREFIX_BYTES + record.length + 7) & ~7);
  FILE_MAGIC.copy(head, 0);
  head.writeUInt32LE(record.length, 4);
  record.copy(head, PREFIX_BYTES);
  return [head, image.bytes];
}

function damaged(what: string): TollgateError {
  return new TollgateError(IMAGE_ERROR_CODES.damaged, `view image file damaged: ${what}`);
}

/**
 * Opens an image file for `binding`: throws TollgateError 'image-damaged'
 * or 'image-mismatch' naming what is wrong (another snapshot, another
 * format version, another computer, agent version or os, damaged bytes).
 * `ownsBuffer`: `file`'s buffer holds nothing else anyone reads (an image
 * file read for it: ImageFiles.read), so the image's buffer may be written
 * over once it is retired (ViewImage.ownsBuffer).
 */
export function openActiveImage(file: Buffer, binding: ActiveBinding, ownsBuffer = false): ViewImage {
  if (file.length < PREFIX_BYTES || !file.subarray(0, 4).equals(FILE_MAGIC)) {
    throw damaged('not an image file (magic)');
  }
  const length = file.readUInt32LE(4);
  if (length > MAX_BINDING_BYTES || PREFIX_BYTES + length > file.length) {
    throw damaged(`binding record of ${length} bytes`);
  }
  const record = file.subarray(PREFIX_BYTES, PREFIX_BYTES + length).toString('utf8');
  if (record !== bindingRecord(binding)) {
    throw new TollgateError(
      IMAGE_ERROR_CODES.mismatch,
      `view image compiled for ${record}, this agent is ${bindingRecord(binding)}`,
    );
  }
  const image = openViewImage(file.subarray((PREFIX_BYTES + length + 7) & ~7), {
    snapshotHash: binding.snapshotHash,
    ownsBuffer,
  });
  if (image.snapshotVersion !== binding.snapshotVersion) {
    throw new TollgateError(
      IMAGE_ERROR_CODES.mismatch,
      `view image of snapshot version ${image.snapshotVersion}, expected ${binding.snapshotVersion}`,
    );
  }
  if (image.meta.computer.id !== binding.computerId) {
    throw new TollgateError(
      IMAGE_ERROR_CODES.mismatch,
      `view image of computer ${image.meta.computer.id}, this agent is ${binding.computerId}`,
    );
  }
  return image;
}
