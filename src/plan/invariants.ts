/**
 * What must hold in every state a rollout passes through, checked after each planned operation:
 *
 *  slots            no target holds more policies of a type than its quota (foreign ones count);
 *  no-scp           no root, OU or account is left without an SCP (AWS refuses to detach the last one);
 *  size             no policy is larger than the quota;
 *  policy-count     the organization holds no more policies of a type than its quota;
 *  continuity       an account that has a guardrail before the wave and must have it after never has
 *                   neither the old nor the new version of it in between (checked per policy lineage
 *                   and, where policies record them, per control);
 *  wave-isolation   accounts outside the wave see no change at all: the same policy contents reach them
 *                   (SCPs with Allow statements at the same levels), whatever moved in the tree.
 */
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { describeOperation, type OrgOperation } from '../org/index.js';
import type { PolicyType, Quotas } from '../policy/index.js';
import { lineageOfPolicy, type AttachmentModel } from './attachment-model.js';
import type { Leaves } from './leaves.js';

export type InvariantCode = 'slots' | 'no-scp' | 'size' | 'policy-count' | 'continuity' | 'wave-isolation';

export interface Violation {
  code: InvariantCode;
  message: string;
}

export interface StageContext {
  /** The model before the wave's first operation and the model the wave is planned to end in. */
  start: AttachmentModel;
  end: AttachmentModel;
  /** Accounts the wave may change (its own targets' accounts not reached by an earlier wave). */
  changing: ReadonlySet<string>;
  quotas: Quotas;
  leaves: Leaves;
}

const TYPES: PolicyType[] = ['scp', 'rcp'];

export class InvariantChecker {
  private readonly startView = new Map<string, AccountView>();
  private readonly endView = new Map<string, AccountView>();
  private readonly contentIds = new Map<string, number>();
  private readonly intern = (text: string) => {
    let id = this.contentIds.get(text);
    if (id === undefined) this.contentIds.set(text, (id = this.contentIds.size));
    return id;
  };

  constructor(private readonly ctx: StageContext) {}

  get quotas(): Quotas {
    return this.ctx.quotas;
  }

  /** The accounts an operation can change, found on the model before it is applied. */
  affected(model: AttachmentModel, op: OrgOperation): OrgNode[] {
    const tree = model.tree;
    if (op.op === 'attach' || op.op === 'detach') {
      const node = tree.node(op.target.id);
      return node ? this.ctx.leaves.accountsUnder(node) : [];
    }
    if (op.op === 'update' || op.op === 'tag') {
      const p = model.find(op.type, op.policy);
      if (!p) return [];
      const out = new Set<OrgNode>();
      for (const t of p.targets) {
        const node = tree.node(t);
        if (node) for (const a of this.ctx.leaves.accountsUnder(node)) out.add(a);
      }
      return [...out];
    }
    return [];
  }

  /** Checks the state `model` reached by applying `op`, looking at the accounts it could change. */
  check(model: AttachmentModel, op: OrgOperation, affected: readonly OrgNode[]): Violation[] {
    const out: Violation[] = [];
    const what = describeOperation(op);
    const quota = this.ctx.quotas[op.type];
    if (op.op === 'attach') {
      const n = model.attachedAt(op.target.id, op.type).length;
      if (n > quota.maxPerTarget) out.push({ code: 'slots', message: `${what}: ${op.target.label} would hold ${n} ${op.type.toUpperCase()}s directly, over the quota of ${quota.maxPerTarget} (foreign policies included)` });
    }
    if (op.op === 'detach' && op.type === 'scp' && model.attachedAt(op.target.id, 'scp').length === 0) {
      out.push({ code: 'no-scp', message: `${what}: ${op.target.label} would be left with no SCP attached, which AWS refuses (and which would deny everything below it)` });
    }
    if ((op.op === 'create' || (op.op === 'update' && op.content !== undefined)) && op.content!.length > quota.maxChars) {
      out.push({ code: 'size', message: `${what}: ${op.content!.length.toLocaleString('en-US')} characters, over the quota of ${quota.maxChars.toLocaleString('en-US')}` });
    }
    if (op.op === 'create' && quota.maxPerOrganization !== undefined && model.count(op.type) > quota.maxPerOrganization) {
      out.push({ code: 'policy-count', message: `${what}: the organization would hold ${model.count(op.type)} ${op.type.toUpperCase()}s, over the quota of ${quota.maxPerOrganization.toLocaleString('en-US')}` });
    }
    for (const account of affected) {
      const now = viewOf(model, account, this.intern);
      const start = this.view(this.startView, this.ctx.start, account);
      const end = this.view(this.endView, this.ctx.end, account);
      const label = OrgTree.describe(account);
      for (const type of TYPES) {
        const lost = [...start[type].lineages].filter((l) => end[type].lineages.has(l) && !now[type].lineages.has(l));
        const lostControls = [...start[type].controls].filter((c) => end[type].controls.has(c) && !now[type].controls.has(c));
        if (lost.length || lostControls.length) {
          const names = [...lostControls.map((c) => `control ${c}`), ...lost.map((l) => `policy ${l.slice(4)}`)];
          out.push({ code: 'continuity', message: `${what}: ${label} would have neither the old nor the new version of ${names.join(', ')}` });
        }
        if (!this.ctx.changing.has(account.id!) && now[type].signature !== start[type].signature) {
          out.push({ code: 'wave-isolation', message: `${what}: ${label} is not in this wave, but the ${type.toUpperCase()}s reaching it would change` });
        }
      }
    }
    return out;
  }

  private view(cache: Map<string, AccountView>, model: AttachmentModel, account: OrgNode): AccountView {
    let v = cache.get(account.id!);
    if (!v) cache.set(account.id!, (v = viewOf(model, account, this.intern)));
    return v;
  }
}

interface TypeView {
  lineages: Set<string>;
  controls: Set<string>;
  /** The contents reaching the account; Allow-bearing SCPs with the level they are attached at. */
  signature: string;
}

type AccountView = Record<PolicyType, TypeView>;

function viewOf(model: AttachmentModel, account: OrgNode, intern: (text: string) => number): AccountView {
  const view = {} as AccountView;
  for (const type of TYPES) {
    const lineages = new Set<string>();
    const controls = new Set<string>();
    const contents = new Set<string>();
    for (const { policy, depth } of model.effective(account, type)) {
      if (policy.owned) {
        lineages.add(lineageOfPolicy(policy));
        for (const c of policy.controls ?? []) controls.add(c);
      }
      contents.add(policy.hasAllow ? `${depth}@${intern(policy.canonical)}` : String(intern(policy.canonical)));
    }
    view[type] = { lineages, controls, signature: [...contents].sort().join('\n') };
  }
  return view;
}
