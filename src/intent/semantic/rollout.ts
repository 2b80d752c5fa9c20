/** The rollout section: canaries name declared waves and real principals; actions exist. */
import { closestNames, didYouMean } from '../../diagnostics/index.js';
import { hasWildcard } from '../../reference/action-pattern.js';
import { OrgTree } from '../../model/org-tree.js';
import type { Canary } from '../types.js';
import { isObject, type CheckContext } from './context.js';

/** IAM's simulator takes one principal and plain action names: no wildcards in either. */
const CONCRETE_PRINCIPAL = /^arn:(aws|aws-cn|aws-us-gov|aws-iso(-[a-z])?|aws-eusc):iam::\d{12}:(user|role)\/[^*?]+$/;

export function checkRollout(ctx: CheckContext): void {
  const { rollout, waves } = ctx.intent;
  const waveNames = waves.filter(isObject).map((w) => String(w.name));
  for (const rule of rollout.protect) {
    if (!isObject(rule) || rule.defaultActions) continue;
    checkActions(ctx, rule.actions, `rollout.protect ${rule.principal}`, true);
  }
  for (const canary of rollout.canaries) {
    if (!isObject(canary)) continue;
    const what = `rollout.canaries (wave ${canary.wave})`;
    if (!waveNames.includes(canary.wave)) {
      ctx.error(
        'unknown-wave',
        `rollout.canaries: "${canary.wave}" is not a wave of this intent`,
        ctx.at(canary, 'wave'),
        didYouMean(closestNames(canary.wave, waveNames)) ?? (waveNames.length ? `waves: ${waveNames.join(', ')}` : 'declare the waves under waves:'),
      );
    }
    checkCanaryAccount(ctx, canary);
    for (const key of ['principal', 'assumeRole'] as const) {
      const arn = canary[key];
      if (typeof arn !== 'string' || CONCRETE_PRINCIPAL.test(arn)) continue;
      ctx.error('bad-principal', `${what}: ${key} "${arn}" must name one IAM role or user of one account, without wildcards`, ctx.at(canary, key), 'IAM simulates one principal: for example arn:aws:iam::333333333333:role/CanaryProbe');
    }
    checkActions(ctx, canary.mustStillWork, `${what}: mustStillWork`, false);
  }
}

function checkActions(ctx: CheckContext, actions: unknown, what: string, patterns: boolean): void {
  if (!Array.isArray(actions)) return;
  actions.forEach((action, i) => {
    if (typeof action !== 'string') return;
    if (!patterns && (hasWildcard(action) || action.includes('{'))) {
      ctx.error('bad-request', `${what}: IAM simulates one action at a time, not a pattern ("${action}")`, ctx.at(actions, i), 'list the actions one by one');
      return;
    }
    if (!ctx.reference) return;
    for (const p of ctx.reference.expandList([action]).problems) ctx.error(p.code, `${what}: ${p.message}`, ctx.at(actions, i), p.hint);
  });
}

/** A canary sees a wave's effect only in an account the wave reaches (and organization policies affect). */
function checkCanaryAccount(ctx: CheckContext, canary: Canary): void {
  const tree = ctx.tree;
  const wave = ctx.intent.waves.find((w) => isObject(w) && w.name === canary.wave);
  const account = typeof canary.principal === 'string' ? canary.principal.split(':')[4] : undefined;
  if (!tree || !wave || !account || !/^\d{12}$/.test(account)) return;
  const node = tree.account(account);
  const what = `rollout.canaries (wave ${canary.wave})`;
  if (!node) {
    ctx.warn('canary-outside-organization', `${what}: account ${account} of ${canary.principal} is not in organization.tree, so no wave changes what it may do`, ctx.at(canary, 'principal'));
    return;
  }
  if (ctx.isManagementAccount(node)) {
    ctx.warn('canary-outside-wave', `${what}: ${canary.principal} is in the management account, which organization policies do not affect`, ctx.at(canary, 'principal'), 'probe a principal of an account the wave reaches');
    return;
  }
  const targets = (Array.isArray(wave.targets) ? wave.targets : []).flatMap((ref) => {
    const r = typeof ref === 'string' ? tree.resolve(ref) : undefined;
    return r?.ok ? [r.node] : [];
  });
  if (targets.length && !targets.some((t) => OrgTree.contains(t, node))) {
    ctx.warn('canary-outside-wave', `${what}: ${OrgTree.describe(node)} is not reached by wave ${canary.wave}, so the probe cannot see the wave's effect`, ctx.at(canary, 'principal'), `probe a principal in an account under ${targets.map((t) => OrgTree.describe(t)).join(', ')}`);
  }
}
