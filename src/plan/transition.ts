/**
 * The operations that take the model from its state to a wave's configuration: create, update (content
 * or tags), attach, detach, delete, and the renames that give staged copies their stable names. They
 * come grouped in that order; ordering.ts then arranges them within the slots of each target.
 */
import { OrgTree } from '../model/org-tree.js';
import { CONTROLS_TAG, controlsTagValue, OWNER_TAG, STAGING_OF_TAG, type OrgOperation, type TargetRef } from '../org/index.js';
import { canonicalPolicyText, type PolicyType } from '../policy/index.js';
import { PlanStepError, type AttachmentModel } from './attachment-model.js';
import type { ConfigEntry } from './lineages.js';

export function transition(model: AttachmentModel, config: readonly ConfigEntry[], tree: OrgTree): OrgOperation[] {
  const creates: OrgOperation[] = [];
  const updates: OrgOperation[] = [];
  const attaches: OrgOperation[] = [];
  const detaches: OrgOperation[] = [];
  const deletes: OrgOperation[] = [];
  const renames: OrgOperation[] = [];
  const ref = (id: string): TargetRef => {
    const node = tree.node(id);
    return { id, label: node ? OrgTree.describe(node) : id };
  };
  const kept = new Set<string>();
  for (const e of config) {
    kept.add(`${e.type}:${e.name}`);
    const p = model.find(e.type, e.name);
    if (p && !p.owned) throw new PlanStepError(`${e.type.toUpperCase()} ${e.name} is needed for ${e.lineage}, but a policy of that name exists that guardrails does not manage (rename or delete it, or tag it managed-by=guardrails if it is ours)`);
    const controls = e.controls ? controlsTagValue(e.controls) : undefined;
    const current = new Set(p?.targets ?? []);
    if (!p) creates.push({ op: 'create', policy: e.name, type: e.type, content: e.content, description: describePolicy(e), tags: tagsFor(e, controls) });
    else {
      if (p.canonical !== canonicalPolicyText(e.content)) updates.push({ op: 'update', policy: e.name, type: e.type, content: e.content });
      if (controls !== undefined && (p.controls ?? []).join(' ') !== controls) updates.push({ op: 'tag', policy: e.name, type: e.type, tags: { [CONTROLS_TAG]: controls } });
    }
    const wanted = new Set(e.targets.map((t) => t.id!));
    for (const t of sortIds(wanted)) if (!current.has(t)) attaches.push({ op: 'attach', policy: e.name, type: e.type, target: ref(t) });
    for (const t of sortIds(current)) if (!wanted.has(t)) detaches.push({ op: 'detach', policy: e.name, type: e.type, target: ref(t) });
    if (e.rename) renames.push({ op: 'update', policy: e.name, type: e.type, rename: e.rename, description: describePolicy({ ...e, name: e.rename }) });
  }
  for (const p of model.all()) {
    if (!p.owned || kept.has(`${p.type}:${p.name}`)) continue;
    for (const t of sortIds(p.targets)) detaches.push({ op: 'detach', policy: p.name, type: p.type, target: ref(t) });
    deletes.push({ op: 'delete', policy: p.name, type: p.type });
  }
  return [...creates, ...updates, ...attaches, ...detaches, ...deletes, ...renames];
}

/**
 * The tags a policy is created with, all of them, so that the plan is the call exactly as it will be
 * made (applied by any means, the policy is then one the next plan owns): managed-by, its controls
 * where they fit, and what it is a staged copy of.
 */
function tagsFor(e: ConfigEntry, controls: string | undefined): Record<string, string> {
  return { [OWNER_TAG.key]: OWNER_TAG.value, ...(controls !== undefined ? { [CONTROLS_TAG]: controls } : {}), ...(e.name !== e.lineage ? { [STAGING_OF_TAG]: e.lineage } : {}) };
}

function describePolicy(e: { name: string; lineage: string; type: PolicyType; controls: readonly string[] | undefined }): string {
  const staged = e.name !== e.lineage ? ` Next version of ${e.lineage}, staged during a rollout.` : '';
  const text = `Managed by guardrails (do not edit by hand).${staged} ${e.type.toUpperCase()} of control${(e.controls?.length ?? 0) > 1 ? 's' : ''}: ${(e.controls ?? []).join(', ') || 'unknown'}.`;
  return text.length <= 512 ? text : `${text.slice(0, 509)}...`;
}

function sortIds(ids: Iterable<string>): string[] {
  return [...ids].sort();
}
