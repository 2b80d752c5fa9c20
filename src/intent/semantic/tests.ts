/** The intent's tests: unique names, known controls, well-formed requests; no waiver names one. */
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

/**
 * A waiver that names a declared test: a test states what the author expects, so a wrong expectation
 * is fixed in the test. Validate knows the test names; the generated scenario names are known only
 * when simulate generates them, so a waiver naming none of those is simulate's to report.
 */
export function checkWaivedTests(ctx: CheckContext): void {
  const names = new Set(ctx.intent.tests.filter(isObject).map((t) => String(t.name)));
  for (const w of ctx.intent.simulate?.waive ?? []) {
    if (!isObject(w) || typeof w.scenario !== 'string' || !names.has(w.scenario)) continue;
    ctx.error('waived-test', `simulate.waive: "${w.scenario}" is a test of the intent: change its expectation instead of waiving it`, ctx.at(w, 'scenario') ?? ctx.at(w), 'a waiver names a generated scenario (guardrails simulate --all prints them)');
  }
}
