import type { World } from '../../src/engine/model.js';

/**
 * A shop with two tills whose view holds `count` applications, each named
 * with `nameChars` filler characters, and a permit policy for each: a view
 * as large as a test needs.
 */
export function paddedWorld(count: number, nameChars: number): World {
  return {
    organizations: [{ id: 'shop', name: 'Shop', structure: 'flat', modules: [] }],
    groups: [{ id: 'tills', org: 'shop', name: 'Tills', os: 'linux', agentVersion: '10.6.2' }],
    computers: [
      { id: 'till-1', group: 'tills' },
      { id: 'till-2', group: 'tills' },
    ],
    applications: Array.from({ length: count }, (_, i) => ({
      id: `app-${i}`,
      name: `application ${i} ${'x'.repeat(nameChars)}`,
      builtIn: false,
      rules: [{ path: `/opt/app-${i}/**` }],
    })),
    policies: Array.from({ length: count }, (_, i) => ({
      id: `pol-${i}`,
      app: `app-${i}`,
      appliesTo: { organization: 'shop' },
      action: 'permit' as const,
      order: i + 1,
      enabled: true,
    })),
    agentSettings: [],
    approvalPolicies: [],
    approvalSettings: [],
  };
}
