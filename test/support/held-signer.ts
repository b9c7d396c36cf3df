/**
 * A delta signer for the sync hub's ordering tests: the real signing thread,
 * whose first batch waits to be signed until the test releases it; the
 * batches after it are signed at once.
 */
import { type DeltaSigner, WorkerDeltaSigner } from '../../src/server/delta-signer.js';

export interface HeldSigner {
  signer: DeltaSigner;
  /** Whether the first batch has come and waits. */
  holding(): boolean;
  /** Signs the first batch (it must be holding). */
  release(): void;
}

export function firstBatchHeld(): HeldSigner {
  const real = new WorkerDeltaSigner();
  let release: (() => void) | null = null;
  return {
    signer: {
      sign: (payloads, key) => {
        if (release !== null) return real.sign(payloads, key);
        return new Promise((resolve, reject) => {
          release = () => void real.sign(payloads, key).then(resolve, reject);
        });
      },
      close: () => real.close(),
    },
    holding: () => release !== null,
    release: () => {
      if (release === null) throw new Error('no batch is held');
      release();
    },
  };
}
