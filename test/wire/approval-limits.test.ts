// The limits of an approval request's fields: a request is refused exactly
// when a field is over its limit or an influence entry is not a country
// code, naming that field; and every request within
// the limits, encoded as the agent delivers it, is one the server decodes and
// takes (within the byte bound, below the server's default message size).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCountryCode } from '../../src/engine/countries.js';
import { TollgateError } from '../../src/engine/errors.js';
import { APPROVAL_REQUEST_LIMITS, checkApprovalRequestFields } from '../../src/wire/approval-limits.js';
import { decodeAgentMessage, encodeAgentMessage, type ApprovalSubmission } from '../../src/wire/sync-messages.js';

const L = APPROVAL_REQUEST_LIMITS;
const SERVER_DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** A string of one-, two- or three-byte characters, often exactly at its limit or one over. */
const text = (max: number): fc.Arbitrary<string> =>
  fc
    .tuple(fc.oneof(fc.integer({ min: 1, max }), fc.constantFrom(max, max + 1)), fc.constantFrom('a', 'é', '€', '/'))
    .map(([length, char]) => char.repeat(length));

/** Lengths near the limits: mostly within, sometimes one or two over. */
const request = fc.record({
  user: text(L.userChars),
  reason: text(L.reasonChars),
  path: text(L.pathChars),
  sha256: fc.option(text(L.hashChars), { nil: undefined }),
  certSubject: fc.option(text(L.certSubjectChars), { nil: undefined }),
  category: text(L.queryTextChars),
  influence: fc.option(
    fc.oneof(
      fc.array(fc.oneof(fc.constantFrom('GB', 'us', 'Cn'), text(L.influenceEntryChars)), { maxLength: 4 }),
      fc.array(fc.constant('GB'), { minLength: L.influenceEntries, maxLength: L.influenceEntries + 1 }),
    ),
    { nil: undefined },
  ),
});

type Drawn = typeof request extends fc.Arbitrary<infer T> ? T : never;

function fields(r: Drawn) {
  const file: ApprovalSubmission['file'] = { path: r.path };
  if (r.sha256 !== undefined) file.sha256 = r.sha256;
  if (r.certSubject !== undefined) file.certSubject = r.certSubject;
  const query: ApprovalSubmission['query'] = { category: r.category };
  if (r.influence !== undefined) query.primaryCompanyInfluence = r.influence;
  return { file, user: r.user, reason: r.reason, query };
}

function overLimit(r: Drawn): string[] {
  const over: string[] = [];
  if (r.user.length > L.userChars) over.push('approval.user');
  if (r.reason.length > L.reasonChars) over.push('approval.reason');
  if (r.path.length > L.pathChars) over.push('approval.file.path');
  if ((r.sha256?.length ?? 0) > L.hashChars) over.push('approval.file.sha256');
  if ((r.certSubject?.length ?? 0) > L.certSubjectChars) over.push('approval.file.certSubject');
  if (r.category.length > L.queryTextChars) over.push('approval.category');
  if ((r.influence?.length ?? 0) > L.influenceEntries) over.push('approval.primaryCompanyInfluence');
  r.influence?.forEach((entry, i) => {
    if (entry.length > L.influenceEntryChars) over.push(`approval.primaryCompanyInfluence[${i}]`);
  });
  // Within their limits, the entries must be country codes.
  if (over.length === 0) {
    r.influence?.forEach((entry, i) => {
      if (!isCountryCode(entry)) over.push(`approval.primaryCompanyInfluence[${i}]:`);
    });
  }
  return over;
}

describe('approval request limits', () => {
  it('refuse a blank file path, user or reason, naming it', () => {
    const good = { file: { path: '/opt/x' }, user: 'al', reason: 'work', query: { category: 'Business' } };
    expect(() => checkApprovalRequestFields(good)).not.toThrow();
    for (const [field, changed] of [
      ['approval.file.path', { ...good, file: { path: ' \t ' } }],
      ['approval.user', { ...good, user: '   ' }],
      ['approval.reason', { ...good, reason: '' }],
    ] as const) {
      expect(() => checkApprovalRequestFields(changed)).toThrow(
        expect.objectContaining({
          code: 'invalid-field',
          message: `${field} is blank: it is required to submit an approval request`,
        }),
      );
    }
  });

  it('refuse a request exactly when a field is over its limit, naming a field that is', () => {
    fc.assert(
      fc.property(request, (r) => {
        const over = overLimit(r);
        let refused: TollgateError | null = null;
        try {
          checkApprovalRequestFields(fields(r));
        } catch (error) {
          if (!(error instanceof TollgateError)) throw error;
          refused = error;
        }
        if (over.length === 0) {
          expect(refused).toBeNull();
        } else {
          expect(refused?.code).toBe('invalid-field');
          expect(over.some((field) => refused!.message.startsWith(field.endsWith(':') ? field : `${field} `))).toBe(
            true,
          );
        }
      }),
      { numRuns: 200 },
    );
  });

  it('let through only requests the server can take: within the byte bound, they decode as sent', () => {
    fc.assert(
      fc.property(request, (r) => {
        const f = fields(r);
        try {
          checkApprovalRequestFields(f);
        } catch {
          return; // refused at the agent: never stored
        }
        const submission: ApprovalSubmission = {
          requestId: 'req-1',
          submittedAtMs: 1,
          ...f,
          suggestion: {
            suggestion: 'escalate',
            policy: null,
            reason: 'no matching approval policy',
            permitTarget: 'computer',
            instructions: '',
            escalationEmails: [],
            warnings: [],
          },
        };
        const bytes = encodeAgentMessage({ kind: 'approval', submission });
        if (bytes.length > L.submissionBytes) return; // refused at the agent as request-too-large
        expect(bytes.length).toBeLessThan(SERVER_DEFAULT_MAX_MESSAGE_BYTES);
        expect(decodeAgentMessage(bytes)).toEqual({ kind: 'approval', submission });
      }),
      { numRuns: 100 },
    );
  });

  it('keep the byte bound below the server default message size', () => {
    expect(L.submissionBytes).toBeLessThan(SERVER_DEFAULT_MAX_MESSAGE_BYTES);
  });
});
