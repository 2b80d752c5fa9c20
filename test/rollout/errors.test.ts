import { describe, expect, it } from 'vitest';
import type { OrgOperation } from '../../src/org/index.js';
import { classifyOrgError } from '../../src/rollout/errors.js';
import { awsError } from './scripted-org.js';

const target = { id: 'ou-a', label: 'OU A' };
const OPS: Record<OrgOperation['op'], OrgOperation> = {
  create: { op: 'create', policy: 'guardrails-x', type: 'scp', content: '{}', description: '', tags: { 'managed-by': 'guardrails' } },
  update: { op: 'update', policy: 'guardrails-x', type: 'scp', content: '{}' },
  attach: { op: 'attach', policy: 'guardrails-x', type: 'scp', target },
  detach: { op: 'detach', policy: 'guardrails-x', type: 'scp', target },
  delete: { op: 'delete', policy: 'guardrails-x', type: 'scp' },
  tag: { op: 'tag', policy: 'guardrails-x', type: 'scp', tags: { a: 'b' } },
};
const ALL = Object.keys(OPS) as OrgOperation['op'][];

/** Error, the operations it is classified for, and its class for them (every other operation: `otherwise`). */
const TABLE: { what: string; error: unknown; code: string; when?: OrgOperation['op'][]; then?: 'retry' | 'already-done' | 'halt'; otherwise: 'retry' | 'already-done' | 'halt' }[] = [
  { what: 'throttling', error: awsError('TooManyRequestsException', 'Rate exceeded', 400), code: 'TooManyRequestsException', otherwise: 'retry' },
  { what: 'throttling by status', error: awsError('SomethingThrottled', 'slow down', 429), code: 'SomethingThrottled', otherwise: 'retry' },
  { what: 'a 500', error: awsError('ServiceException', 'internal', 500), code: 'ServiceException', otherwise: 'retry' },
  { what: 'a 503 without a modeled name', error: Object.assign(new Error('Service Unavailable'), { $metadata: { httpStatusCode: 503 } }), code: 'HTTP 503', otherwise: 'retry' },
  { what: 'a 500 the SDK could not read', error: Object.assign(new Error('Unknown'), { name: 'Unknown', $metadata: { httpStatusCode: 500 } }), code: 'HTTP 500', otherwise: 'retry' },
  { what: 'a reset connection', error: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), code: 'ECONNRESET', otherwise: 'retry' },
  { what: 'socket hang up', error: new Error('socket hang up'), code: 'ECONNRESET', otherwise: 'retry' },
  { what: 'a network error as cause', error: Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) }), code: 'ETIMEDOUT', otherwise: 'retry' },
  { what: 'a timeout', error: Object.assign(new Error('timed out'), { name: 'TimeoutError' }), code: 'TimeoutError', otherwise: 'retry' },
  { what: 'ConcurrentModification', error: awsError('ConcurrentModificationException', 'try again', 400), code: 'ConcurrentModificationException', otherwise: 'retry' },
  { what: 'PolicyChangesInProgress', error: awsError('PolicyChangesInProgressException', 'try again', 400), code: 'PolicyChangesInProgressException', otherwise: 'retry' },
  { what: 'PolicyTypeNotEnabled', error: awsError('PolicyTypeNotEnabledException', 'not enabled', 400), code: 'PolicyTypeNotEnabledException', otherwise: 'retry' },
  { what: 'DuplicatePolicyAttachment', error: awsError('DuplicatePolicyAttachmentException', 'dup', 400), code: 'DuplicatePolicyAttachmentException', when: ['attach'], then: 'already-done', otherwise: 'halt' },
  { what: 'PolicyNotAttached', error: awsError('PolicyNotAttachedException', 'absent', 400), code: 'PolicyNotAttachedException', when: ['detach'], then: 'already-done', otherwise: 'halt' },
  { what: 'PolicyNotFound', error: awsError('PolicyNotFoundException', 'gone', 400), code: 'PolicyNotFoundException', when: ['delete'], then: 'already-done', otherwise: 'halt' },
  { what: 'DuplicatePolicy', error: awsError('DuplicatePolicyException', 'taken', 400), code: 'DuplicatePolicyException', when: ['create'], then: 'already-done', otherwise: 'halt' },
  { what: 'ConstraintViolation', error: awsError('ConstraintViolationException', 'limit', 400, 'r-1', 'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED'), code: 'ConstraintViolationException', otherwise: 'halt' },
  { what: 'PolicyInUse', error: awsError('PolicyInUseException', 'attached', 400), code: 'PolicyInUseException', otherwise: 'halt' },
  { what: 'TargetNotFound', error: awsError('TargetNotFoundException', 'no target', 400), code: 'TargetNotFoundException', otherwise: 'halt' },
  { what: 'AccessDenied', error: awsError('AccessDeniedException', 'denied', 403), code: 'AccessDeniedException', otherwise: 'halt' },
  { what: 'MalformedPolicyDocument', error: awsError('MalformedPolicyDocumentException', 'bad', 400), code: 'MalformedPolicyDocumentException', otherwise: 'halt' },
  { what: 'an unknown 4xx', error: awsError('InvalidInputException', 'bad input', 400), code: 'InvalidInputException', otherwise: 'halt' },
  { what: 'a thrown string', error: 'boom', code: 'Error', otherwise: 'halt' },
];

describe('classifyOrgError', () => {
  for (const row of TABLE) {
    for (const op of ALL) {
      const expected = row.when?.includes(op) ? row.then! : row.otherwise;
      it(`${row.what} on ${op}: ${expected}`, () => {
        const c = classifyOrgError(row.error, OPS[op]);
        expect(c.errorClass).toBe(expected);
        expect(c.code).toBe(row.code);
      });
    }
  }

  it('keeps the request id and the ConstraintViolation reason, on one inert line', () => {
    const c = classifyOrgError(awsError('ConstraintViolationException', 'too many\n\u001b[31mpolicies', 400, 'req-42', 'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED'), OPS.attach);
    expect(c.requestId).toBe('req-42');
    expect(c.message).toContain('MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED');
    expect(c.message).not.toMatch(/[\n\u001b]/);
  });
});
