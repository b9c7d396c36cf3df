/**
 * The generated protobuf code (generated/tollgate.js) and protobufjs's
 * runtime, loaded at their first use rather than with the modules that use
 * them: loading the two costs a process some 50 to 60 ms of CPU, and the
 * daemon answers an evaluate request without either (evaluate-codec.ts,
 * file-key.ts), so a warm start answers its first request before they are
 * loaded (docs/DAEMON.md, Start-up order). The first message encoded or
 * decoded in another way loads them, synchronously: the generated code is an
 * ES module, which `require` loads on Node.js 20.19 and newer (the same
 * module instance as an `import` of it). On an older Node.js, where it
 * cannot, the `tollgate` command loads it before anything else
 * (bin/tollgate.js, `loadProto`), as every command did before.
 */
import { createRequire } from 'node:module';
import type $Protobuf from 'protobufjs/minimal.js';
import type { tollgate } from './generated/tollgate.js';

type Messages = typeof tollgate.v1;

const load = createRequire(import.meta.url);
let messages: Messages | undefined;
let runtime: typeof $Protobuf | undefined;

/** The generated message classes and enums of package tollgate.v1 (loaded at the first call). */
export function pb(): Messages {
  messages ??= (load('./generated/tollgate.js') as { tollgate: typeof tollgate }).tollgate.v1;
  return messages;
}

/** protobufjs's runtime: Reader and Writer (loaded at the first call). */
export function protobuf(): typeof $Protobuf {
  runtime ??= load('protobufjs/minimal.js') as typeof $Protobuf;
  return runtime;
}

/** Whether the generated code is loaded yet. */
export function protoLoaded(): boolean {
  return messages !== undefined;
}

/** Loads the generated code with `import` (for a Node.js whose `require` cannot load an ES module). */
export async function loadProto(): Promise<void> {
  messages ??= (await import('./generated/tollgate.js')).tollgate.v1;
}

/**
 * The enums of proto/tollgate.proto by number, without loading the generated
 * code (test/wire/proto.test.ts checks them against it).
 */
export const WIRE = {
  Os: { OS_UNSPECIFIED: 0, OS_WINDOWS: 1, OS_MACOS: 2, OS_LINUX: 3 },
  Structure: { STRUCTURE_UNSPECIFIED: 0, STRUCTURE_HIERARCHICAL: 1, STRUCTURE_FLAT: 2 },
  PolicyAction: {
    POLICY_ACTION_UNSPECIFIED: 0,
    POLICY_ACTION_PERMIT: 1,
    POLICY_ACTION_DENY: 2,
    POLICY_ACTION_DENY_WITH_REQUEST: 3,
    POLICY_ACTION_RINGFENCE: 4,
  },
  ApprovalAction: {
    APPROVAL_ACTION_UNSPECIFIED: 0,
    APPROVAL_ACTION_APPROVE: 1,
    APPROVAL_ACTION_ESCALATE: 2,
    APPROVAL_ACTION_REJECT: 3,
    APPROVAL_ACTION_NONE: 4,
  },
  CountryMode: { COUNTRY_MODE_UNSPECIFIED: 0, COUNTRY_MODE_DENY: 1, COUNTRY_MODE_ALLOW: 2 },
  PermitTarget: { PERMIT_TARGET_UNSPECIFIED: 0, PERMIT_TARGET_COMPUTER: 1, PERMIT_TARGET_GROUP: 2 },
  PayloadKind: {
    PAYLOAD_KIND_UNSPECIFIED: 0,
    PAYLOAD_KIND_SNAPSHOT: 1,
    PAYLOAD_KIND_SETTINGS: 2,
    PAYLOAD_KIND_DELTA: 3,
  },
} as const;
