/** Targets of controls, foreign policies and waves; the order and coverage of waves. */
import { OrgTree, type OrgNode } from '../../model/org-tree.js';
import type { Control } from '../types.js';
import { describeNodes, isObject, type CheckContext } from './context.js';

export interface ControlScope {
  control: Control;
  attach: OrgNode[];
  exclude: OrgNode[];
}

export function checkControlTargets(ctx: CheckContext, control: Control): ControlScope {
  const attach = ctx.resolveTargets(control.attach, `control ${control.id}: attach`);
  const exclude = ctx.resolveTargets(control.exclude, `control ${control.id}: exclude`);
  for (const { node, index } of attach) {
    if (ctx.isManagementAccount(node)) {
      ctx.warn(
        'management-account-target',
        `control ${control.id}: ${OrgTree.describe(node)} is the management account, which organization policies do not affect`,
        ctx.at(control.attach, index),
        'SCPs do not apply to the management account, and RCPs do not apply to its resources; the attachment is skipped',
      );
    }
  }
  for (const { node, index } of attach) {
    // Under an exclusion between the two, the outer attachment does not reach it: not an overlap.
    const outer = attach.find((a) => a.node !== node && OrgTree.contains(a.node, node) && !exclude.some((x) => OrgTree.contains(a.node, x.node) && OrgTree.contains(x.node, node)));
    if (outer) {
      ctx.warn(
        'overlapping-attach',
        `control ${control.id}: ${OrgTree.describe(node)} is under ${OrgTree.describe(outer.node)}, which the control is attached to already: the policies reach it through the tree, so the second attachment adds nothing`,
        ctx.at(control.attach, index),
        `remove it from attach, or attach to the OUs beside it instead of ${OrgTree.describe(outer.node)}`,
      );
    }
  }
  for (const { node, index } of exclude) {
    const above = attach.filter((a) => a.node !== node && OrgTree.contains(a.node, node));
    if (above.length) {
      warnPushedDown(ctx, control, node, above.map((a) => a.node), index);
      continue;
    }
    const cancelled = attach.filter((a) => OrgTree.contains(node, a.node));
    if (cancelled.length === attach.length && attach.length > 0) continue; // reported below as covers-nothing
    ctx.warn(
      'exclude-outside-attach',
      cancelled.length
        ? `control ${control.id}: excluding ${OrgTree.describe(node)} cancels the attachment to ${cancelled.map((a) => OrgTree.describe(a.node)).join(', ')}`
        : `control ${control.id}: excluded ${OrgTree.describe(node)} is not under any attach target, so the exclusion has no effect`,
      ctx.at(control.exclude, index),
    );
  }
  const attachNodes = attach.map((a) => a.node);
  const excludeNodes = exclude.map((x) => x.node);
  if (attachNodes.length > 0 && attachNodes.every((a) => excludeNodes.some((x) => OrgTree.contains(x, a)))) {
    ctx.error('covers-nothing', `control ${control.id}: every attach target is excluded, so the control applies nowhere`, ctx.atKey(control as object, 'exclude'));
  }
  return { control, attach: attachNodes, exclude: excludeNodes };
}

/**
 * Organization policies inherit down the tree, so excluding a node attaches the control to its
 * siblings (and its parents' siblings, up to the attach target) instead of the parents themselves.
 * An OU or account created later directly under one of those parents is then not covered.
 */
function warnPushedDown(ctx: CheckContext, control: Control, excluded: OrgNode, attachedAbove: OrgNode[], index: number): void {
  const parents: OrgNode[] = [];
  for (let n = excluded.parent; n; n = n.parent) {
    parents.push(n);
    if (attachedAbove.includes(n)) break;
  }
  const names = parents.map((p) => (p.kind === 'root' ? `root ${p.name}` : p.path.split('/').slice(1).join('/'))).join(' or ');
  ctx.warn(
    'exclusion-pushes-down',
    `control ${control.id}: excluding ${OrgTree.describe(excluded)} attaches the control's policies to the OUs and accounts beside it under ${names}, not to ${parents.length === 1 ? 'that parent' : 'those parents'}: an OU or account created later directly under ${names} is not covered until it is in the tree the policies are compiled for and they are rolled out again (diff and plan report it as tree drift)`,
    ctx.at(control.exclude, index),
    ctx.intent.treeSource?.kind === 'snapshot' ? 'export the organization again (guardrails org export) and compile as OUs and accounts are created, or attach the control to the OUs it must cover and exclude nothing' : 'take the tree from an org snapshot (organization.treeFrom) or add new OUs and accounts to organization.tree as they are created; or attach the control to the OUs it must cover and exclude nothing',
  );
}

export function checkForeignPolicyTargets(ctx: CheckContext): void {
  for (const fp of ctx.intent.foreignPolicies) {
    if (isObject(fp)) ctx.resolveTargets(fp.targets, `foreign policy ${String(fp.name)}: targets`);
  }
}

/** Nodes a control reaches: the attached subtrees minus the excluded ones, in pre-order. */
export function scopeNodes(scope: ControlScope): OrgNode[] {
  return reachedNodes(scope, () => false);
}

/**
 * The reached nodes outside the subtrees `skip` names. Excluded and skipped subtrees are pruned as the
 * walk meets them, so a control attached to the root costs one walk of the tree, not one test of every
 * node against every exclusion.
 */
function reachedNodes(scope: ControlScope, skip: (node: OrgNode) => boolean): OrgNode[] {
  const excluded = new Set(scope.exclude);
  const attached = new Set(scope.attach);
  const out: OrgNode[] = [];
  for (const a of attached) {
    // An exclusion wins over every attachment it contains (as in compile's attachmentPoints), and an
    // attachment inside another is walked with the outer one: each node is reached once.
    if (ancestors(a).some((n) => attached.has(n) || excluded.has(n)) || excluded.has(a)) continue;
    if (skip(a) || ancestors(a).some(skip)) continue;
    const stack: OrgNode[] = [a];
    while (stack.length) {
      const n = stack.pop()!;
      if (n !== a && (excluded.has(n) || skip(n))) continue;
      out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    }
  }
  return out;
}

function ancestors(node: OrgNode): OrgNode[] {
  const out: OrgNode[] = [];
  for (let n = node.parent; n; n = n.parent) out.push(n);
  return out;
}

export function checkWaves(ctx: CheckContext, scopes: ControlScope[]): void {
  const waves = ctx.intent.waves;
  if (waves.length === 0) return;
  const seen = new Set<string>();
  const earlier: { wave: string; node: OrgNode }[] = [];
  for (const wave of waves) {
    if (!isObject(wave)) continue;
    const name = String(wave.name);
    if (seen.has(name)) ctx.error('duplicate-wave', `wave "${name}" is defined twice`, ctx.at(wave, 'name'));
    seen.add(name);
    const resolved = ctx.resolveTargets(wave.targets, `wave ${name}: targets`);
    for (const { node, index } of resolved) {
      const before = earlier.find((e) => OrgTree.contains(e.node, node));
      if (before) {
        ctx.error(
          'wave-order',
          `wave ${name}: ${OrgTree.describe(node)} is already rolled out by the earlier wave ${before.wave} (${OrgTree.describe(before.node)})`,
          ctx.at(wave.targets, index),
          'order waves from the smallest blast radius to the largest: a later wave may contain an earlier one, not the reverse',
        );
      }
      if (ctx.isManagementAccount(node)) {
        ctx.warn('management-account-target', `wave ${name}: ${OrgTree.describe(node)} is the management account, which organization policies do not affect`, ctx.at(wave.targets, index));
      }
    }
    for (const { node } of resolved) earlier.push({ wave: name, node });
  }
  const waveTargets = new Set(earlier.map((e) => e.node));
  for (const scope of scopes) {
    if (scope.control.enabled === false) continue;
    // A wave covers its whole subtree, so the walk never enters one: with a last wave on the root it
    // stops at once.
    const missed = reachedNodes(scope, (n) => waveTargets.has(n)).filter((n) => n.children.length === 0 && !ctx.isManagementAccount(n));
    if (missed.length > 0) {
      ctx.error(
        'wave-coverage',
        `control ${scope.control.id}: no wave reaches ${describeNodes(missed)}, so the rollout would never apply it there`,
        ctx.atKey(scope.control as object, 'attach'),
        'add the missing OUs or accounts to a wave; the last wave usually targets the root',
      );
    }
  }
}
