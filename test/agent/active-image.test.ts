/**
 * The agent's two ways of compiling its image (src/agent/active-image.ts):
 * from a decoded view and straight from a verified snapshot's payload. With
 * the agent version and os the config sets (which the gates read), both
 * must make the same image, and it must carry the configured values.
 */
import { describe, expect, it } from 'vitest';
import { compileActiveImage, compileActiveImageFromPayload, type ActiveBinding } from '../../src/agent/active-image.js';
import { buildView } from '../../src/engine/view.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey } from '../../src/wire/signing.js';
import { syntheticWorld } from '../../scripts/lib/synthetic-world.js';

const privateKey = parsePrivateKey(generateSigningKeys().privateKeyPem);
const SYNTHETIC = syntheticWorld({ policies: 500, seed: 11, requests: 0 });
const VIEW = buildView(SYNTHETIC.world, SYNTHETIC.computer);
const PAYLOAD = tollgate.v1.SignedSnapshot.decode(
  sealSnapshot(
    { computerId: VIEW.computer.id, version: 7, issuedAtMs: 1_763_900_000_000, settingsVersion: 1, view: VIEW },
    privateKey,
  ),
).payload;
const HASH = Uint8Array.from({ length: 32 }, (_, i) => i * 7);

function binding(agentVersion: string | undefined, os: ActiveBinding['os']): ActiveBinding {
  return { snapshotVersion: 7, snapshotHash: HASH, computerId: VIEW.computer.id, agentVersion, os };
}

describe('the active image from the payload', () => {
  it.each([
    ['the snapshot’s own version and os', undefined, undefined],
    ['a configured agent version', '10.5.2', undefined],
    ['a configured os', undefined, 'macos'],
    ['both configured', '11.0.0', 'linux'],
  ] as const)('is the image of the decoded view with %s', (_name, agentVersion, os) => {
    const fromPayload = compileActiveImageFromPayload(PAYLOAD, binding(agentVersion, os));
    const fromView = compileActiveImage(VIEW, binding(agentVersion, os));
    expect(Buffer.from(fromPayload.bytes).equals(Buffer.from(fromView.bytes))).toBe(true);
    expect(fromPayload.meta.computer.agentVersion).toBe(agentVersion ?? VIEW.computer.agentVersion);
    expect(fromPayload.meta.computer.os).toBe(os ?? VIEW.computer.os);
  });

  it('differs from the unconfigured image when the config sets another agent version', () => {
    const other = VIEW.computer.agentVersion === '9.0.0' ? '9.0.1' : '9.0.0';
    const configured = compileActiveImageFromPayload(PAYLOAD, binding(other, undefined));
    const plain = compileActiveImageFromPayload(PAYLOAD, binding(undefined, undefined));
    expect(Buffer.from(configured.bytes).equals(Buffer.from(plain.bytes))).toBe(false);
  });
});
