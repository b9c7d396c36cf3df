// examples/contract/example-scenario.yaml (the contract example) written out as a World, for unit tests (which do no I/O).
import type { World } from '../../src/engine/model.js';

const CONTRACT: World = {
  organizations: [
    { id: 'parent', name: 'Parent MSP', structure: 'flat', modules: [] },
    { id: 'shop', name: 'Corner Shop', parent: 'parent', structure: 'flat', modules: ['cyberHeroApprovals'] },
    { id: 'school', name: 'School', parent: 'parent', structure: 'hierarchical', modules: [] },
  ],
  groups: [
    { id: 'shop-pcs', org: 'shop', name: 'Tills', os: 'windows', agentVersion: '10.6.2' },
    { id: 'shop-old', org: 'shop', name: 'Back Office', os: 'windows', agentVersion: '10.4.0' },
    { id: 'school-labs', org: 'school', name: 'Labs', os: 'windows', agentVersion: '10.6.2' },
  ],
  computers: [
    { id: 'till-1', group: 'shop-pcs' },
    { id: 'office-1', group: 'shop-old' },
    { id: 'lab-7', group: 'school-labs' },
  ],
  applications: [
    {
      id: 'chrome',
      name: 'Google Chrome',
      builtIn: true,
      rules: [{ path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', certSubject: 'CN=Google LLC' }],
    },
    {
      id: 'chrome-custom',
      name: 'Chrome (custom path rule)',
      builtIn: false,
      rules: [{ path: 'C:\\Program Files\\Google\\**' }],
    },
    {
      id: 'notepadpp',
      name: 'Notepad++',
      builtIn: false,
      rules: [{ sha256: 'AA11BB22CC33DD44EE55FF6600112233445566778899AABBCCDDEEFF00112233' }],
    },
    {
      id: 'fastcart',
      name: 'FastCart',
      builtIn: false,
      category: 'Shopping',
      primaryCompanyInfluence: ['CN'],
      developmentInfluence: ['SG'],
      rules: [{ path: 'C:\\Apps\\fastcart.exe' }],
    },
  ],
  policies: [
    { id: 'chrome-ok', app: 'chrome', appliesTo: { global: 'parent' }, action: 'permit', order: 101, enabled: true },
    {
      id: 'chrome-block',
      app: 'chrome-custom',
      appliesTo: { organization: 'shop' },
      action: 'deny',
      order: 20,
      enabled: true,
    },
    { id: 'npp-lab', app: 'notepadpp', appliesTo: { group: 'school-labs' }, action: 'permit', order: 1, enabled: true },
    {
      id: 'npp-school',
      app: 'notepadpp',
      appliesTo: { organization: 'school' },
      action: 'deny',
      order: 50,
      enabled: true,
    },
    {
      id: 'shop-default',
      default: true,
      appliesTo: { group: 'shop-pcs' },
      action: 'denyWithRequest',
      order: 1000000,
      enabled: true,
    },
  ],
  approvalPolicies: [
    {
      id: 'shopping',
      org: 'shop',
      order: 1,
      active: true,
      action: 'approve',
      category: 'Shopping',
      appliesTo: { organization: 'shop' },
      countries: { mode: 'deny', list: ['CN'] },
    },
  ],
  approvalSettings: [
    {
      org: 'shop',
      guidelines: { useParent: false, permitTarget: 'computer', instructions: 'Approve till software only.' },
      escalation: { useParent: false, emails: ['owner@shop.example'] },
    },
  ],
  agentSettings: [],
};

/** A fresh copy of the contract world: tests may change it freely. */
export function contractWorld(): World {
  return structuredClone(CONTRACT);
}
