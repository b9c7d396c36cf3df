/**
 * The limits of an approval request's fields, checked where a request enters
 * (the agent's local socket) and again where it is delivered (the server's
 * agent endpoint), so that a request the agent stored is one the server
 * takes. Lengths are in UTF-16 code units (JavaScript string length).
 */
import { type ApprovalQuery, checkCountries } from '../engine/approvals.js';
import { TollgateError } from '../engine/errors.js';
import type { FileRequest } from '../engine/model.js';

/** The limits of an approval request (docs/APPROVALS.md, "Bounds"). */
export const APPROVAL_REQUEST_LIMITS = Object.freeze({
  /** `user`: who asks. */
  userChars: 256,
  /** `reason`: why. */
  reasonChars: 4000,
  /** `file.path`, `file.processPath`, `file.createdBy`: the longest Windows path. */
  pathChars: 32_767,
  /** `file.sha256`, `file.certThumbprint`. */
  hashChars: 128,
  /** `file.certSubject`. */
  certSubjectChars: 1024,
  /** `query.app`, `query.category`, `query.subcategory`. */
  queryTextChars: 256,
  /** Entries of `query.primaryCompanyInfluence` and `query.developmentInfluence` each. */
  influenceEntries: 256,
  /** One entry of an influence list. */
  influenceEntryChars: 16,
  /**
   * The whole encoded request as the agent delivers it (AgentMessage bytes,
   * the agent's suggestion included): well below the server's default
   * `sync.maxMessageBytes`, so that a stored request never breaks sync.
   */
  submissionBytes: 256 * 1024,
});

/** The fields of an approval request that the limits apply to. */
export interface ApprovalRequestFields {
  file: FileRequest;
  user: string;
  reason: string;
  query: ApprovalQuery;
}

function checkLength(value: string | undefined, field: string, maxChars: number): void {
  if (value !== undefined && value.length > maxChars) {
    throw new TollgateError('invalid-field', `${field} is longer than ${maxChars} characters (${value.length})`);
  }
}

function checkList(values: readonly string[] | undefined, field: string): void {
  if (values === undefined) return;
  const { influenceEntries, influenceEntryChars } = APPROVAL_REQUEST_LIMITS;
  if (values.length > influenceEntries) {
    throw new TollgateError('invalid-field', `${field} has more than ${influenceEntries} entries (${values.length})`);
  }
  values.forEach((value, i) => checkLength(value, `${field}[${i}]`, influenceEntryChars));
  checkCountries(field, values);
}

/**
 * Throws TollgateError 'invalid-field' naming a blank file path, user or
 * reason, or the first field of `request` (as `approval.FIELD`) over its
 * limit (a code the server's receipt refuses with: the agent drops it).
 */
export function checkApprovalRequestFields(request: ApprovalRequestFields): void {
  const l = APPROVAL_REQUEST_LIMITS;
  const { file, query } = request;
  // What an agent requires (it trims the user and the reason): a request from elsewhere is held to it too.
  for (const [value, field] of [
    [file.path, 'approval.file.path'],
    [request.user, 'approval.user'],
    [request.reason, 'approval.reason'],
  ] as const) {
    if (value.trim() === '') {
      throw new TollgateError('invalid-field', `${field} is blank: it is required to submit an approval request`);
    }
  }
  checkLength(request.user, 'approval.user', l.userChars);
  checkLength(request.reason, 'approval.reason', l.reasonChars);
  checkLength(file.path, 'approval.file.path', l.pathChars);
  checkLength(file.processPath, 'approval.file.processPath', l.pathChars);
  checkLength(file.createdBy, 'approval.file.createdBy', l.pathChars);
  checkLength(file.sha256, 'approval.file.sha256', l.hashChars);
  checkLength(file.certThumbprint, 'approval.file.certThumbprint', l.hashChars);
  checkLength(file.certSubject, 'approval.file.certSubject', l.certSubjectChars);
  checkLength(query.app, 'approval.app', l.queryTextChars);
  checkLength(query.category, 'approval.category', l.queryTextChars);
  checkLength(query.subcategory, 'approval.subcategory', l.queryTextChars);
  checkList(query.primaryCompanyInfluence, 'approval.primaryCompanyInfluence');
  checkList(query.developmentInfluence, 'approval.developmentInfluence');
}

/**
 * Throws 'invalid-field' when a submitted query names neither an
 * application nor a category: an agent refuses such a request itself
 * (missing-field) before it stores it, so one that reaches the server is
 * refused for good.
 */
export function checkApprovalQueryGiven(query: ApprovalRequestFields['query']): void {
  if ((query.category ?? '').trim() === '' && (query.app ?? '').trim() === '') {
    throw new TollgateError(
      'invalid-field',
      'approval.category is blank and approval.app is not given: a request names an application or a category',
    );
  }
}

/** Throws TollgateError 'request-too-large' when an encoded request is over `APPROVAL_REQUEST_LIMITS.submissionBytes`. */
export function checkSubmissionBytes(bytes: number): void {
  const max = APPROVAL_REQUEST_LIMITS.submissionBytes;
  if (bytes > max) {
    throw new TollgateError('request-too-large', `the approval request is ${bytes} bytes encoded, above ${max}`);
  }
}

/**
 * The bounds of the suggestion an agent delivers with a request (docs/APPROVALS.md, "Bounds"): what its
 * snapshot can give it (instructions within a world's bound, a reason naming ids), so that no request
 * holds more text than a world could have put there.
 */
export const AGENT_SUGGESTION_LIMITS = Object.freeze({
  /**
   * `suggestion.instructions`: a world's guideline instructions (TEXT_LIMITS.instructions, 16,384) with
   * every link replaced by `[link removed]`, which can be longer than a short link (`a.co/x`): twice that.
   */
  instructionsChars: 32_768,
  /** `suggestion.reason`. */
  reasonChars: 4_000,
  /** `suggestion.warnings`: entries, and characters each. */
  warnings: 32,
  warningChars: 1_000,
  /** `suggestion.escalationEmails`: entries, and characters each. */
  escalationEmails: 100,
  escalationEmailChars: 320,
});

/** The suggestion fields AGENT_SUGGESTION_LIMITS applies to. */
export interface SuggestionTexts {
  reason: string;
  instructions: string;
  warnings: readonly string[];
  escalationEmails: readonly string[];
}

/**
 * Throws TollgateError 'invalid-field' naming the first field of an agent's
 * suggestion (as `approval.suggestion.FIELD`) over its bound.
 */
export function checkAgentSuggestion(suggestion: SuggestionTexts): void {
  const l = AGENT_SUGGESTION_LIMITS;
  checkLength(suggestion.instructions, 'approval.suggestion.instructions', l.instructionsChars);
  checkLength(suggestion.reason, 'approval.suggestion.reason', l.reasonChars);
  const lists = [
    ['warnings', suggestion.warnings, l.warnings, l.warningChars],
    ['escalationEmails', suggestion.escalationEmails, l.escalationEmails, l.escalationEmailChars],
  ] as const;
  for (const [name, values, entries, chars] of lists) {
    const field = `approval.suggestion.${name}`;
    if (values.length > entries) {
      throw new TollgateError('invalid-field', `${field} has more than ${entries} entries (${values.length})`);
    }
    values.forEach((value, i) => checkLength(value, `${field}[${i}]`, chars));
  }
}
