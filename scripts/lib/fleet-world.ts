/**
 * A managed service provider's fleet as a world: one MSP organization with
 * `orgs` customer organizations below it, each with `computersPerOrg`
 * computers in two groups (workstations, four in five; servers), and
 * `globalPolicies` built-in policies that apply to every customer, plus
 * `policiesPerOrg` policies per customer over its own applications: most
 * for the organization, some for one group, a couple for one computer. Rule
 * shapes are those of real application control: install paths, publisher
 * certificates, hashes. Deterministic: the same options, the same world.
 */
import type {
  AgentSetting,
  Application,
  Computer,
  ComputerGroup,
  Organization,
  Policy,
  World,
} from '../../src/engine/model.js';

export interface FleetOptions {
  orgs: number;
  computersPerOrg: number;
  globalPolicies: number;
  policiesPerOrg: number;
}

/** The MSP fleet of the benchmark: 200 customers of 50 computers, 2,000 global and 50 per-customer policies. */
export const MSP_FLEET: FleetOptions = { orgs: 200, computersPerOrg: 50, globalPolicies: 2000, policiesPerOrg: 50 };
/** The same shape at 100 computers (2 customers). */
export const SMALL_FLEET: FleetOptions = { ...MSP_FLEET, orgs: 2 };

export const MSP_ORG = 'msp';

function pad(n: number, width = 4): string {
  return String(n).padStart(width, '0');
}

function hex64(seed: number): string {
  let out = '';
  let x = seed * 2654435761 + 1;
  while (out.length < 64) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += x.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

export function orgId(i: number): string {
  return `cust-${pad(i)}`;
}

export function groupId(org: number, kind: 'ws' | 'srv'): string {
  return `${orgId(org)}-${kind}`;
}

export function computerId(org: number, n: number): string {
  return `${orgId(org)}-pc-${pad(n, 3)}`;
}

export function fleetWorld(options: FleetOptions): World {
  const organizations: Organization[] = [{ id: MSP_ORG, name: 'Managed Services', structure: 'flat', modules: [] }];
  const groups: ComputerGroup[] = [];
  const computers: Computer[] = [];
  const applications: Application[] = [];
  const policies: Policy[] = [];
  const agentSettings: AgentSetting[] = [];
  const categories = ['browsers', 'office', 'developer-tools', 'remote-access', 'utilities'];

  for (let i = 0; i < options.globalPolicies; i++) {
    const id = `builtin-${pad(i, 5)}`;
    applications.push({
      id,
      name: `Vendor ${i % 300} Product ${i}`,
      builtIn: true,
      ...(i % 4 === 0 ? { category: categories[i % categories.length] } : {}),
      rules: [
        { path: `C:\\Program Files\\Vendor ${i % 300}\\Product ${i}\\*.exe`, certSubject: `CN=Vendor ${i % 300} Inc.` },
        { sha256: hex64(i) },
      ],
    });
    policies.push({
      id: `global-${pad(i, 5)}`,
      name: `Built-in ${i}`,
      app: id,
      appliesTo: { global: MSP_ORG },
      action: i % 10 === 0 ? 'deny' : 'permit',
      order: i + 1,
      enabled: true,
    });
  }

  for (let o = 0; o < options.orgs; o++) {
    const org = orgId(o);
    organizations.push({ id: org, name: `Customer ${o}`, parent: MSP_ORG, structure: 'flat', modules: [] });
    const ws = groupId(o, 'ws');
    const srv = groupId(o, 'srv');
    groups.push({ id: ws, org, name: 'Workstations', os: 'windows', agentVersion: '4.2.0' });
    groups.push({ id: srv, org, name: 'Servers', os: 'windows', agentVersion: '4.2.0' });
    for (let n = 0; n < options.computersPerOrg; n++) {
      computers.push({
        id: computerId(o, n),
        group: n % 5 === 4 ? srv : ws,
        name: `${org.toUpperCase()}-${n % 5 === 4 ? 'SRV' : 'WS'}-${pad(n, 3)}`,
      });
    }
    for (let p = 0; p < options.policiesPerOrg; p++) {
      const app = `${org}-app-${pad(p, 3)}`;
      applications.push({
        id: app,
        name: `Customer ${o} line-of-business ${p}`,
        builtIn: false,
        org,
        rules: [{ path: `C:\\Apps\\${org}\\lob-${p}\\*.exe`, sha256: hex64(o * 1000 + p) }],
      });
      // Most for the whole customer; every tenth for one group; two for one computer each.
      const appliesTo =
        p < 2
          ? { computer: computerId(o, p) }
          : p % 10 === 0
            ? { group: p % 20 === 0 ? srv : ws }
            : { organization: org };
      policies.push({
        id: `${org}-pol-${pad(p, 3)}`,
        name: `LOB ${p}`,
        app,
        appliesTo,
        action: p % 7 === 0 ? 'deny' : 'permit',
        order: 10_000 + p,
        enabled: true,
      });
    }
  }
  agentSettings.push({
    id: 'fleet-prioritize',
    type: 'prioritizeBuiltInApplications',
    value: true,
    appliesTo: { global: MSP_ORG },
    order: 500,
  });
  return {
    organizations,
    groups,
    computers,
    applications,
    policies,
    agentSettings,
    approvalPolicies: [],
    approvalSettings: [],
  };
}
