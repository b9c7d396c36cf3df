/**
 * `tollgate admin` commands of approvals (docs/APPROVALS.md): organizations
 * and their modules, approval policies, guidelines and escalation, and the
 * queue of approval requests. The server checks every rule and names the
 * field at fault; these commands only shape what they send.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { TollgateError } from '../engine/errors.js';
import { linesOf, oneLine } from '../engine/display-text.js';
import { readBoundedText } from '../scenario/bounded-read.js';
import {
  APPROVALS_MODULE,
  APPROVAL_ACTIONS,
  PERMIT_TARGETS,
  type ApprovalAction,
  type ApprovalAppliesTo,
  type ApprovalPolicy,
  type CountryRestriction,
  type PermitTarget,
} from '../engine/model.js';
import { COUNTRY_MODES } from '../engine/validate.js';
import {
  MAX_REQUEST_PAGE,
  REQUEST_STATUSES,
  ROUTES,
  type ApplyReport,
  type ApprovalPolicyInput,
  type ApprovalPolicyPatch,
  type ApprovalRequestAnswer as ApprovalRequestRecord,
  type ApprovalSettingsChange,
  type OrgApprovalsAnswer as OrgApprovals,
  type RequestPermitAnswer as RequestPermit,
  type ViewChanges,
} from '../contract/index.js';
import {
  type Action,
  type AdminContext,
  booleanOption,
  changesText,
  enabledOf,
  formatApplyReport,
  formatTable,
  json,
  runAdmin,
  waitQuery,
} from './admin-commands.js';
import { EXIT_OK, type CliIo } from './io.js';
import { integerOption } from './main.js';

/** The most read of an instructions file (guidelines are a few paragraphs). */
const INSTRUCTIONS_FILE_BYTES = 1024 * 1024;

/** An integer option that may be negative, so that the server, not the parser, explains the rule. */
function orderOption(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`--order takes an integer, not "${value}"`);
  return Number(value);
}

/** `A,B, C` as a list; an empty text is an empty list. */
export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Repeatable list option: every occurrence adds its comma-separated items. */
function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...parseList(value)];
}

/**
 * `--applies-to` of an approval policy: `organization` (the policy's own),
 * `groups=G1,G2` or `computers=C1,C2`.
 */
export function parseApprovalAppliesTo(text: string, org: string): ApprovalAppliesTo {
  const eq = text.indexOf('=');
  const kind = eq < 0 ? text : text.slice(0, eq);
  const ids = eq < 0 ? [] : parseList(text.slice(eq + 1));
  switch (kind) {
    case 'organization':
    case 'org':
      return { organization: ids[0] ?? org };
    case 'groups':
    case 'group':
      return { groups: ids };
    case 'computers':
    case 'computer':
      return { computers: ids };
    default:
      throw new InvalidArgumentError(`--applies-to takes organization, groups=G1,G2 or computers=C1,C2, not "${text}"`);
  }
}

/** An approval policy's Applies To as `--applies-to` takes it. */
export function formatApprovalAppliesTo(appliesTo: ApprovalAppliesTo): string {
  if ('organization' in appliesTo) return 'organization';
  if ('groups' in appliesTo) return `groups=${appliesTo.groups.join(',')}`;
  return `computers=${appliesTo.computers.join(',')}`;
}

function countriesText(countries: CountryRestriction): string {
  return `${countries.mode} ${countries.list.length === 0 ? 'none' : countries.list.join(',')}`;
}

function policyRows(policies: readonly ApprovalPolicy[]): string[][] {
  return policies.map((p) => [
    p.org,
    String(p.order),
    p.id,
    p.active ? 'yes' : 'no',
    p.action,
    p.category,
    p.subcategory ?? '',
    formatApprovalAppliesTo(p.appliesTo),
    countriesText(p.countries),
  ]);
}

function printPolicies(ctx: AdminContext, policies: readonly ApprovalPolicy[]): void {
  ctx.io.stdout(
    formatTable(
      ['org', 'order', 'policy', 'enabled', 'action', 'category', 'subcategory', 'applies to', 'countries'],
      policyRows(policies),
    ),
  );
}

interface PolicyAnswer {
  policy: ApprovalPolicy;
  policies: ApprovalPolicy[];
  changes: ViewChanges;
}

function printPolicyAnswer(ctx: AdminContext, verb: string, answer: PolicyAnswer): number {
  if (ctx.json) return json(ctx, answer);
  printPolicies(ctx, answer.policies);
  ctx.io.stdout(`approval policy ${answer.policy.id} ${verb}; ${changesText(answer.changes)}\n`);
  return EXIT_OK;
}

async function fetchPolicy(ctx: AdminContext, id: string): Promise<ApprovalPolicy> {
  const { policies } = await ctx.client.call(ROUTES.listApprovalPolicies);
  const policy = policies.find((p) => p.id === id);
  if (policy === undefined) throw new TollgateError('invalid-input', `approval policy ${id} is unknown`);
  return policy;
}

// ---- Organizations and modules

function approvalsText(approvals: OrgApprovals): string {
  if (!approvals.module) return 'off';
  return approvals.misconfigured === null ? 'on' : `on, MISCONFIGURED: ${approvals.misconfigured}`;
}

async function organizations(ctx: AdminContext): Promise<number> {
  const answer = await ctx.client.call(ROUTES.listOrganizations);
  if (ctx.json) return json(ctx, answer);
  const rows = answer.organizations.map((o) => [
    o.id,
    o.name,
    o.parent ?? '',
    o.structure,
    o.modules.join(',') || '-',
    approvalsText(o.approvals),
  ]);
  ctx.io.stdout(formatTable(['organization', 'name', 'parent', 'structure', 'modules', 'approvals'], rows));
  return EXIT_OK;
}

interface ModuleAnswer {
  org: string;
  module: string;
  enabled: boolean;
  changed: boolean;
  created: ApprovalPolicy[];
  changes: ViewChanges;
  warnings: string[];
}

async function setModule(ctx: AdminContext, org: string, module: string, enabled: boolean): Promise<number> {
  const answer: ModuleAnswer = await ctx.client.call(enabled ? ROUTES.enableModule : ROUTES.disableModule, {
    params: { id: org, module },
  });
  if (ctx.json) return json(ctx, answer);
  const state = enabled ? 'enabled' : 'disabled';
  ctx.io.stdout(
    answer.changed
      ? `module ${module} ${state} on ${org}; ${changesText(answer.changes)}\n`
      : `module ${module} was already ${state} on ${org}\n`,
  );
  if (answer.created.length > 0) {
    ctx.io.stdout(`${answer.created.length} default approval policies created:\n`);
    printPolicies(ctx, answer.created);
  }
  for (const warning of answer.warnings) ctx.io.stderr(`warning: ${warning}\n`);
  return EXIT_OK;
}

// ---- Approval policies

interface AddOptions {
  org: string;
  category: string;
  subcategory?: string;
  action?: ApprovalAction;
  appliesTo?: string;
  countryMode?: 'deny' | 'allow';
  countries?: string[];
  order?: number;
  id?: string;
  disabled: boolean;
  inactive?: boolean;
}

async function addPolicy(ctx: AdminContext, opts: AddOptions): Promise<number> {
  const body: ApprovalPolicyInput = { org: opts.org, category: opts.category };
  if (opts.id !== undefined) body['id'] = opts.id;
  if (opts.subcategory !== undefined) body['subcategory'] = opts.subcategory;
  if (opts.action !== undefined) body['action'] = opts.action;
  if (opts.appliesTo !== undefined) body['appliesTo'] = parseApprovalAppliesTo(opts.appliesTo, opts.org);
  if (opts.countryMode !== undefined || opts.countries !== undefined) {
    body['countries'] = { mode: opts.countryMode ?? 'deny', list: opts.countries ?? [] };
  }
  if (opts.order !== undefined) body['order'] = opts.order;
  if (opts.disabled || opts.inactive === true) body['active'] = false;
  const answer: PolicyAnswer = await ctx.client.call(ROUTES.addApprovalPolicy, { body });
  return printPolicyAnswer(ctx, 'added', answer);
}

interface SetOptions {
  action?: ApprovalAction;
  category?: string;
  subcategory?: string | false;
  appliesTo?: string;
  countryMode?: 'deny' | 'allow';
  countries?: string[];
  enabled?: boolean;
  active?: boolean;
  order?: number;
}

async function changePolicy(ctx: AdminContext, id: string, patch: ApprovalPolicyPatch, verb: string): Promise<number> {
  if (Object.keys(patch).length === 0) {
    throw new InvalidArgumentError(
      'nothing to change: give at least one of --action, --category, --subcategory, --no-subcategory, --applies-to, --country-mode, --countries, --enabled, --order',
    );
  }
  const answer: PolicyAnswer = await ctx.client.call(ROUTES.updateApprovalPolicy, { params: { id }, body: patch });
  return printPolicyAnswer(ctx, verb, answer);
}

async function setPolicy(ctx: AdminContext, id: string, opts: SetOptions): Promise<number> {
  const patch: ApprovalPolicyPatch = {};
  if (opts.action !== undefined) patch['action'] = opts.action;
  if (opts.category !== undefined) patch['category'] = opts.category;
  if (opts.subcategory === false) patch['subcategory'] = null;
  else if (opts.subcategory !== undefined) patch['subcategory'] = opts.subcategory;
  const { enabled } = enabledOf(opts.enabled, opts.active);
  if (enabled !== undefined) patch['active'] = enabled;
  if (opts.order !== undefined) patch['order'] = opts.order;
  if (opts.appliesTo !== undefined || opts.countryMode !== undefined || opts.countries !== undefined) {
    const existing = await fetchPolicy(ctx, id);
    if (opts.appliesTo !== undefined) patch['appliesTo'] = parseApprovalAppliesTo(opts.appliesTo, existing.org);
    if (opts.countryMode !== undefined || opts.countries !== undefined) {
      patch['countries'] = {
        mode: opts.countryMode ?? existing.countries.mode,
        list: opts.countries ?? existing.countries.list,
      };
    }
  }
  return changePolicy(ctx, id, patch, 'changed');
}

async function listPolicies(ctx: AdminContext, org: string | undefined): Promise<number> {
  const answer = await ctx.client.call(ROUTES.listApprovalPolicies, { query: { org } });
  if (ctx.json) return json(ctx, answer);
  printPolicies(ctx, answer.policies);
  return EXIT_OK;
}

async function deletePolicy(ctx: AdminContext, id: string): Promise<number> {
  const answer = await ctx.client.call(ROUTES.deleteApprovalPolicy, { params: { id } });
  if (ctx.json) return json(ctx, answer);
  ctx.io.stdout(`approval policy ${id} deleted; ${changesText(answer.changes)}\n`);
  return EXIT_OK;
}

// ---- Guidelines and escalation

/** An organization's approvals settings as text: stored, resolved, and whether it is misconfigured. */
export function formatOrgApprovals(a: OrgApprovals): string {
  const stored = (value: Record<string, unknown> | null): string =>
    value === null
      ? 'not set'
      : Object.entries(value)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(' ');
  const lines = [
    `organization     ${a.org}`,
    `module           ${APPROVALS_MODULE} ${a.module ? 'on' : 'off'}`,
    `approval policies ${a.policies}`,
    `guidelines       ${stored(a.guidelines)}`,
    `escalation       ${stored(a.escalation)}`,
  ];
  if (a.resolved !== null) {
    lines.push(
      'resolved (what the approvals team gets):',
      `  permit target  ${a.resolved.permitTarget}`,
      `  instructions   ${a.resolved.instructions === '' ? '(none)' : a.resolved.instructions}`,
      `  escalation to  ${a.resolved.escalationEmails.length === 0 ? '(nobody)' : a.resolved.escalationEmails.join(', ')}`,
      ...a.resolved.warnings.map((w) => `  note           ${w}`),
    );
  }
  lines.push(`status           ${a.misconfigured === null ? 'ok' : `MISCONFIGURED: ${a.misconfigured}`}`);
  return lines.join('\n') + '\n';
}

async function showSettings(ctx: AdminContext, org: string): Promise<number> {
  const answer = await ctx.client.call(ROUTES.getApprovalSettings, { params: { id: org } });
  if (ctx.json) return json(ctx, answer);
  ctx.io.stdout(formatOrgApprovals(answer));
  return EXIT_OK;
}

async function changeSettings(ctx: AdminContext, org: string, body: ApprovalSettingsChange): Promise<number> {
  const answer = await ctx.client.call(ROUTES.changeApprovalSettings, { params: { id: org }, body });
  if (ctx.json) return json(ctx, answer);
  ctx.io.stdout(formatOrgApprovals(answer));
  ctx.io.stdout(`saved; ${changesText(answer.changes)}\n`);
  return EXIT_OK;
}

interface GuidelinesOptions {
  useParent?: boolean;
  permitTarget?: PermitTarget;
  instructions?: string;
  instructionsFile?: string;
}

async function setGuidelines(ctx: AdminContext, org: string, opts: GuidelinesOptions): Promise<number> {
  if (opts.instructions !== undefined && opts.instructionsFile !== undefined) {
    throw new InvalidArgumentError('give --instructions or --instructions-file, not both');
  }
  const guidelines: NonNullable<ApprovalSettingsChange['guidelines']> = {};
  if (opts.useParent !== undefined) guidelines['useParent'] = opts.useParent;
  if (opts.permitTarget !== undefined) guidelines['permitTarget'] = opts.permitTarget;
  if (opts.instructions !== undefined) guidelines['instructions'] = opts.instructions;
  if (opts.instructionsFile !== undefined) {
    try {
      guidelines['instructions'] = await readBoundedText(
        opts.instructionsFile,
        INSTRUCTIONS_FILE_BYTES,
        `is larger than an instructions file may be (${INSTRUCTIONS_FILE_BYTES} bytes)`,
      );
    } catch (error) {
      throw new TollgateError('invalid-input', `${opts.instructionsFile}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (Object.keys(guidelines).length === 0) {
    throw new InvalidArgumentError(
      'nothing to change: give --use-parent, --permit-target, --instructions or --instructions-file',
    );
  }
  return changeSettings(ctx, org, { guidelines });
}

async function setEscalation(
  ctx: AdminContext,
  org: string,
  opts: { useParent?: boolean; email?: string[] },
): Promise<number> {
  const escalation: NonNullable<ApprovalSettingsChange['escalation']> = {};
  if (opts.useParent !== undefined) escalation['useParent'] = opts.useParent;
  if (opts.email !== undefined) escalation['emails'] = opts.email;
  if (Object.keys(escalation).length === 0)
    throw new InvalidArgumentError('nothing to change: give --use-parent or --email');
  return changeSettings(ctx, org, { escalation });
}

// ---- The requests queue

function when(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function askedFor(r: ApprovalRequestRecord): string {
  const q = r.query;
  const parts: string[] = [];
  if (q.app !== undefined) parts.push(`application ${q.app}`);
  if (q.category !== undefined)
    parts.push(`category ${q.category}${q.subcategory === undefined ? '' : ` / ${q.subcategory}`}`);
  const countries = [...(q.primaryCompanyInfluence ?? []), ...(q.developmentInfluence ?? [])];
  if (countries.length > 0) parts.push(`influenced by ${[...new Set(countries)].join(', ')}`);
  return oneLine(parts.join(', '));
}

function permitText(p: RequestPermit): string {
  const where =
    'group' in p.appliesTo
      ? `group ${p.appliesTo.group}`
      : 'computer' in p.appliesTo
        ? `computer ${p.appliesTo.computer}`
        : p.target;
  return `permit policy ${p.policy} (order ${p.order}) for application ${p.application}${p.applicationCreated ? ' (created from the file)' : ''} on ${where}`;
}

/**
 * One request as a block of text: the request, the suggestion with its
 * policy, reason, permit target and instructions, and what was done. Every
 * text an agent or a person gave is shown on its own lines with its control
 * and bidirectional characters written as `\uXXXX` (oneLine): a request's
 * reason cannot print lines of its own, drive the terminal, or read backwards.
 */
export function formatRequest(r: ApprovalRequestRecord): string {
  const s = r.suggestion;
  const t = oneLine;
  const lines = [
    `${t(r.id)}  ${r.status.toUpperCase()}  ${t(r.computer)} (group ${t(r.group)}, organization ${t(r.org)})  received ${when(r.receivedAtMs)}`,
    `  file           ${t(r.file.path)}${r.file.sha256 === undefined ? '' : `  sha256 ${t(r.file.sha256)}`}`,
    `  user           ${t(r.user)}`,
    `  user's reason  ${r.reason === '' ? '(none)' : t(r.reason)}`,
    `  asked for      ${askedFor(r)}`,
    `  suggestion     ${t(s.suggestion)}${s.policy === null ? '' : ` (approval policy ${t(s.policy)})`}`,
    `  why            ${t(s.reason)}`,
    `  permit target  ${t(s.permitTarget)}`,
    `  instructions   ${s.instructions === '' ? '(none)' : linesOf(s.instructions, '                 ')}`,
    `  escalation to  ${s.escalationEmails.length === 0 ? '(nobody)' : t(s.escalationEmails.join(', '))}`,
    ...s.warnings.map((w) => `  note           ${t(w)}`),
    ...r.warnings.map((w) => `  note           ${t(w)}`),
  ];
  if (r.agentSuggestion.suggestion !== s.suggestion || r.agentSuggestion.policy !== s.policy) {
    lines.push(
      `  agent said     ${t(r.agentSuggestion.suggestion)}${r.agentSuggestion.policy === null ? '' : ` (approval policy ${t(r.agentSuggestion.policy)})`}`,
    );
  }
  for (const e of r.history) {
    const detail =
      e.permit !== undefined
        ? `: ${t(permitText(e.permit))}`
        : e.notice !== undefined
          ? `: notice to ${t(e.notice.to.join(', '))} via ${t(e.notice.via)}`
          : '';
    lines.push(
      `  ${e.action.padEnd(13)}${when(e.atMs)}${detail}${e.note === undefined ? '' : ` (note: ${t(e.note)})`}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Every page of the queue in turn (the server answers a page of at most MAX_REQUEST_PAGE). */
async function forEachRequestPage(
  ctx: AdminContext,
  status: string,
  page: (requests: ApprovalRequestRecord[]) => void,
): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const answer = await ctx.client.call(ROUTES.listRequests, {
      query: { status, limit: String(MAX_REQUEST_PAGE), ...(after === undefined ? {} : { after }) },
    });
    page(answer.requests);
    if (answer.next === null) return;
    after = answer.next;
  }
}

async function listRequests(ctx: AdminContext, status: string): Promise<number> {
  let n = 0;
  if (ctx.json) {
    // Written a page at a time: the whole queue need not fit one JSON text.
    ctx.io.stdout('{\n  "requests": [');
    await forEachRequestPage(ctx, status, (page) => {
      for (const request of page) {
        ctx.io.stdout(`${n === 0 ? '' : ','}\n    ${JSON.stringify(request)}`);
        n++;
      }
    });
    ctx.io.stdout(`${n === 0 ? '' : '\n  '}],\n  "next": null\n}\n`);
    return EXIT_OK;
  }
  await forEachRequestPage(ctx, status, (page) => {
    // One blank line between requests, across pages too.
    if (page.length > 0) ctx.io.stdout((n > 0 ? '\n' : '') + page.map(formatRequest).join('\n'));
    n += page.length;
  });
  ctx.io.stdout(`${n === 0 ? 'no' : n} ${status === 'all' ? '' : `${status} `}request${n === 1 ? '' : 's'}\n`);
  return EXIT_OK;
}

/**
 * A request id from an id or an unambiguous prefix of one: an exact id is
 * itself; a prefix of exactly one request is that request; a prefix of
 * several is an error listing them; a prefix of none is sent as it is (the
 * server answers that the request does not exist).
 */
export async function resolveRequestId(ctx: AdminContext, given: string): Promise<string> {
  const ids: string[] = [];
  await forEachRequestPage(ctx, 'all', (page) => ids.push(...page.map((r) => r.id)));
  if (ids.includes(given)) return given;
  const candidates = ids.filter((id) => id.startsWith(given));
  const [only] = candidates;
  if (candidates.length === 1 && only !== undefined) return only;
  if (candidates.length > 1) {
    throw new TollgateError(
      'ambiguous-id',
      `request id prefix "${given}" matches ${candidates.length} requests: ${candidates.sort().join(', ')}`,
    );
  }
  return given;
}

async function showRequest(ctx: AdminContext, given: string): Promise<number> {
  const id = await resolveRequestId(ctx, given);
  const answer = await ctx.client.call(ROUTES.getRequest, { params: { id } });
  if (ctx.json) return json(ctx, answer);
  ctx.io.stdout(formatRequest(answer));
  return EXIT_OK;
}

interface ApproveAnswer extends ApplyReport {
  request: ApprovalRequestRecord;
  permit: RequestPermit;
  computers: string[];
  warnings: string[];
  affected: string[];
  changes: ViewChanges;
}

async function approve(
  ctx: AdminContext,
  given: string,
  opts: { target?: PermitTarget; note?: string; waitMs?: number },
): Promise<number> {
  const id = await resolveRequestId(ctx, given);
  const body: { target?: PermitTarget; note?: string } = {};
  if (opts.target !== undefined) body['target'] = opts.target;
  if (opts.note !== undefined) body['note'] = opts.note;
  const answer: ApproveAnswer = await ctx.client.call(ROUTES.approveRequest, {
    params: { id },
    body,
    ...waitQuery(opts.waitMs),
  });
  if (ctx.json) return json(ctx, answer);
  ctx.io.stdout(`request ${id} approved: ${permitText(answer.permit)}\n`);
  ctx.io.stdout(formatApplyReport(answer));
  for (const warning of answer.warnings) ctx.io.stderr(`warning: ${warning}\n`);
  return EXIT_OK;
}

async function reject(ctx: AdminContext, given: string, note: string | undefined): Promise<number> {
  const id = await resolveRequestId(ctx, given);
  const answer = await ctx.client.call(ROUTES.rejectRequest, {
    params: { id },
    body: note === undefined ? {} : { note },
  });
  if (ctx.json) return json(ctx, answer);
  ctx.io.stdout(`request ${id} rejected\n`);
  return EXIT_OK;
}

async function escalate(ctx: AdminContext, given: string, note: string | undefined): Promise<number> {
  const id = await resolveRequestId(ctx, given);
  const answer = await ctx.client.call(ROUTES.escalateRequest, {
    params: { id },
    body: note === undefined ? {} : { note },
  });
  if (ctx.json) return json(ctx, answer);
  ctx.io.stdout(`request ${id} escalated: notice sent to ${answer.notice.to.join(', ')} (via ${answer.notice.via})\n`);
  return EXIT_OK;
}

/** Adds the approvals commands to `tollgate admin` (registerAdminCommands must have run). */
export function registerApprovalCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const admin = program.commands.find((c) => c.name() === 'admin');
  if (admin === undefined) throw new Error('registerApprovalCommands: the admin command is not registered');
  const run = async (command: Command, action: Action): Promise<void> => setExit(await runAdmin(io, command, action));

  admin
    .command('organizations')
    .summary('every organization: parent, structure, modules, and whether approvals are misconfigured')
    .action(async (_opts: unknown, command: Command) => run(command, organizations));

  const modules = admin.command('modules').summary('enable or disable a module on an organization');
  modules
    .command('enable')
    .summary(`enable a module (default ${APPROVALS_MODULE}: creates the default approval policies)`)
    .argument('<org>', 'the organization')
    .argument('[module]', 'the module', APPROVALS_MODULE)
    .action(async (org: string, module: string, _opts: unknown, command: Command) =>
      run(command, (ctx) => setModule(ctx, org, module, true)),
    );
  modules
    .command('disable')
    .summary('disable a module (approval policies are kept, unused)')
    .argument('<org>', 'the organization')
    .argument('[module]', 'the module', APPROVALS_MODULE)
    .action(async (org: string, module: string, _opts: unknown, command: Command) =>
      run(command, (ctx) => setModule(ctx, org, module, false)),
    );

  const approvals = admin
    .command('approvals')
    .summary('approval policies, guidelines and escalation (Cyber Hero approvals)');
  approvals
    .command('list')
    .summary('approval policies, by organization and order')
    .option('--org <id>', 'only this organization')
    .action(async (opts: { org?: string }, command: Command) => run(command, (ctx) => listPolicies(ctx, opts.org)));
  const countryOptions = (c: Command): Command =>
    c
      .addOption(
        new Option(
          '--country-mode <mode>',
          'deny: countries that meet the list are rejected; allow: only they match',
        ).choices(COUNTRY_MODES),
      )
      .option('--countries <codes>', 'ISO 3166-1 alpha-2 codes, comma-separated (repeatable)', collectList);
  countryOptions(
    approvals
      .command('add')
      .summary('add an approval policy (at the top: order 1, the others move down by one)')
      .requiredOption('--org <id>', 'the organization')
      .requiredOption('--category <category>', 'the application category (required)')
      .option('--subcategory <subcategory>', 'only requests with this subcategory')
      .addOption(new Option('--action <action>', 'the suggestion (default approve)').choices(APPROVAL_ACTIONS))
      .option('--applies-to <scope>', 'organization (default), groups=G1,G2 or computers=C1,C2'),
  )
    .option('--order <n>', 'put it at this order instead of the top', orderOption)
    .option('--id <id>', 'the policy id (default: generated)')
    .option('--disabled', 'add it disabled (kept, not used)', false)
    .addOption(new Option('--inactive', 'the same as --disabled').hideHelp())
    .action(async (opts: AddOptions, command: Command) => run(command, (ctx) => addPolicy(ctx, opts)));
  countryOptions(
    approvals
      .command('set')
      .summary('change an approval policy')
      .argument('<id>', 'the approval policy')
      .addOption(new Option('--action <action>', 'a new action').choices(APPROVAL_ACTIONS))
      .option('--category <category>', 'a new category')
      .option('--subcategory <subcategory>', 'a new subcategory')
      .option('--no-subcategory', 'remove the subcategory')
      .option('--applies-to <scope>', 'organization, groups=G1,G2 or computers=C1,C2'),
  )
    .option('--enabled <bool>', 'true or false', booleanOption('--enabled'))
    .addOption(new Option('--active <bool>', 'the same as --enabled').hideHelp().argParser(booleanOption('--active')))
    .option('--order <n>', 'a new order (as move)', orderOption)
    .action(async (id: string, opts: SetOptions, command: Command) => run(command, (ctx) => setPolicy(ctx, id, opts)));
  approvals
    .command('move')
    .summary('reorder an approval policy (those from that number on move down by one when it is taken)')
    .argument('<id>', 'the approval policy')
    .requiredOption('--order <n>', 'the new order number (0 or more)', orderOption)
    .action(async (id: string, opts: { order: number }, command: Command) =>
      run(command, (ctx) => changePolicy(ctx, id, { order: opts.order }, `moved to order ${opts.order}`)),
    );
  approvals
    .command('enable')
    .alias('activate')
    .summary('enable an approval policy (alias: activate)')
    .argument('<id>', 'the approval policy')
    .action(async (id: string, _opts: unknown, command: Command) =>
      run(command, (ctx) => changePolicy(ctx, id, { active: true }, 'enabled')),
    );
  approvals
    .command('disable')
    .alias('deactivate')
    .summary('disable an approval policy: kept, not used (alias: deactivate)')
    .argument('<id>', 'the approval policy')
    .action(async (id: string, _opts: unknown, command: Command) =>
      run(command, (ctx) => changePolicy(ctx, id, { active: false }, 'disabled')),
    );
  approvals
    .command('delete')
    .summary('delete an approval policy')
    .argument('<id>', 'the approval policy')
    .action(async (id: string, _opts: unknown, command: Command) => run(command, (ctx) => deletePolicy(ctx, id)));
  approvals
    .command('settings')
    .summary("an organization's guidelines and escalation, as stored and as resolved, and whether it is misconfigured")
    .argument('<org>', 'the organization')
    .action(async (org: string, _opts: unknown, command: Command) => run(command, (ctx) => showSettings(ctx, org)));
  approvals
    .command('guidelines')
    .summary("change an organization's guidelines for the approvals team")
    .argument('<org>', 'the organization')
    .option('--use-parent <bool>', "use the parent's guidelines (true or false)", booleanOption('--use-parent'))
    .addOption(new Option('--permit-target <target>', 'where an approval permits the file').choices(PERMIT_TARGETS))
    .option('--instructions <text>', 'the instructions (links are removed from what is handed on)')
    .option('--instructions-file <file>', 'read the instructions from a file')
    .action(async (org: string, opts: GuidelinesOptions, command: Command) =>
      run(command, (ctx) => setGuidelines(ctx, org, opts)),
    );
  approvals
    .command('escalation')
    .summary("change an organization's escalation addresses")
    .argument('<org>', 'the organization')
    .option('--use-parent <bool>', "use the parent's addresses (true or false)", booleanOption('--use-parent'))
    .option(
      '--email <address>',
      'an escalation address (repeatable, or comma-separated); replaces the list',
      collectList,
    )
    .action(async (org: string, opts: { useParent?: boolean; email?: string[] }, command: Command) =>
      run(command, (ctx) => setEscalation(ctx, org, opts)),
    );

  const requests = admin
    .command('requests')
    .summary('the approval requests users submitted: list, approve, reject, escalate');
  requests
    .command('list')
    .summary('requests with their suggestion, matched policy, reason, permit target and instructions')
    .addOption(
      new Option('--status <status>', 'only requests in this state; all for every request')
        .choices([...REQUEST_STATUSES, 'all'])
        .default('pending'),
    )
    .action(async (opts: { status: string }, command: Command) =>
      run(command, (ctx) => listRequests(ctx, opts.status)),
    );
  requests
    .command('show')
    .summary('one request')
    .argument('<id>', 'the request id, or an unambiguous prefix of it')
    .action(async (id: string, _opts: unknown, command: Command) => run(command, (ctx) => showRequest(ctx, id)));
  requests
    .command('approve')
    .summary("approve: a permit policy for the file's application at the permit target, pushed at once")
    .argument('<id>', 'the request id, or an unambiguous prefix of it')
    .addOption(
      new Option('--target <target>', 'permit on the computer or its whole group (default: the guidelines)').choices(
        PERMIT_TARGETS,
      ),
    )
    .option('--note <text>', 'a note kept with the request')
    .option('--wait-ms <n>', 'how long to wait for the agents to apply the permit', integerOption('--wait-ms'))
    .action(async (id: string, opts: { target?: PermitTarget; note?: string; waitMs?: number }, command: Command) =>
      run(command, (ctx) => approve(ctx, id, opts)),
    );
  requests
    .command('reject')
    .summary('reject a request')
    .argument('<id>', 'the request id, or an unambiguous prefix of it')
    .option('--note <text>', 'a note kept with the request')
    .action(async (id: string, opts: { note?: string }, command: Command) =>
      run(command, (ctx) => reject(ctx, id, opts.note)),
    );
  requests
    .command('escalate')
    .summary("escalate a request: a notice to the organization's escalation addresses")
    .argument('<id>', 'the request id, or an unambiguous prefix of it')
    .option('--note <text>', 'a note for the recipients, kept with the request')
    .action(async (id: string, opts: { note?: string }, command: Command) =>
      run(command, (ctx) => escalate(ctx, id, opts.note)),
    );
}
