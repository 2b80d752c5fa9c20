/** The intent's tests: unique names, known controls, well-formed requests. */
import { closestNames, didYouMean } from '../../diagnostics/index.js';
import { hasWildcard } from '../../reference/action-pattern.js';
import { ARN_PATTERN } from '../formats.js';
import { isObject, type CheckContext } from './context.js';

const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/;
const PRINCIPAL_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso(-[a-z])?|aws-eusc):(iam|sts)::\d{12}:(root|user\/.+|role\/.+|assumed-role\/.+|federated-user\/.+)$/;

export function checkTests(ctx: CheckContext): void {
  const names = new Set<string>();
  const controlIds = ctx.intent.controls.map((c) => c.id);
  ctx.intent.tests.forEach((t) => {
    if (!isObject(t)) return;
    const name = String(t.name);
    if (names.has(name)) ctx.error('duplicate-test', `test "${name}" is defined twice`, ctx.at(t, 'name'), 'test names identify results in reports; make them unique');
    names.add(name);
    if (typeof t.decidedBy === 'string' && !controlIds.includes(t.decidedBy)) {
      ctx.error('unknown-control', `test "${name}": decidedBy names no control "${t.decidedBy}"`, ctx.at(t, 'decidedBy'), didYouMean(closestNames(t.decidedBy, controlIds)));
    }
    if (t.decidedBy !== undefined && t.expect === 'allow') ctx.warn('decided-by-allow', `test "${name}": decidedBy names the control expected to deny; an allowed request is decided by no guardrail`, ctx.at(t, 'decidedBy'));
    const r = t.request;
    if (!isObject(r)) return;
    const what = `test "${name}"`;
    if (typeof r.principal === 'string' && !SERVICE_PRINCIPAL.test(r.principal) && !PRINCIPAL_ARN.test(r.principal)) {
      ctx.error('bad-principal', `${what}: principal "${r.principal}" is neither a principal ARN nor an AWS service principal`, ctx.at(r, 'principal'), 'for example arn:aws:iam::123456789012:role/Dev or s3.amazonaws.com');
    }
    if (typeof r.resource === 'string' && r.resource !== '*' && !ARN_PATTERN.test(r.resource)) {
      ctx.error('bad-arn', `${what}: resource "${r.resource}" is not an ARN`, ctx.at(r, 'resource'), 'for example arn:aws:s3:::bucket/key');
    }
    if (typeof r.action === 'string') {
      if (hasWildcard(r.action) || r.action.includes('{')) {
        ctx.error('bad-request', `${what}: a request names one action, not a pattern ("${r.action}")`, ctx.at(r, 'action'));
      } else if (ctx.reference) {
        const e = ctx.reference.expandList([r.action]);
        for (const p of e.problems) ctx.error(p.code, `${what}: ${p.message}`, ctx.at(r, 'action'), p.hint);
      }
    }
  });
}
