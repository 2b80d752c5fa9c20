/**
 * Drift: while a rollout bakes, someone else may change what it just wrote or the targets it wrote to
 * (Control Tower re-attaching its guardrails, LZA's revert function putting a policy back, a person in
 * the console). The wave's verification proved the state; a later difference is another actor's, and
 * baking on top of it would judge a state nobody planned. One line per change, naming the policy or
 * target both by name and id so that the line can be acted on in the console.
 */
import { createHash } from 'node:crypto';
import { isOwned, type OrgState, type OrgStateOu } from '../org/index.js';
import { canonicalPolicyText, type PolicyType } from '../policy/index.js';

export interface DriftExpectation {
  /** Every policy guardrails owns, as the rollout left it: an owned policy not listed is one another actor created. */
  ownedPolicies: { id: string; name: string; type: PolicyType; digest: string; targets: string[] }[];
  /** The targets the waves so far touched: per policy type, the names of the policies attached directly (names are unique per type). */
  waveTargets: { id: string; type: PolicyType; policies: string[]; /** The parent it had: a target moved elsewhere inherits other policies. */ parent?: string }[];
}

/** sha256 (hex) of the canonical text: what `digest` holds (see ExpectedPolicy in types.ts). */
export function policyDigest(content: string): string {
  return createHash('sha256').update(canonicalPolicyText(content)).digest('hex');
}

/**
 * What drift is judged against: the organization as read once a wave is verified, so that the bake
 * compares with what AWS really holds, not with what the plan expected it to hold.
 */
export function driftExpectationOf(state: OrgState, waveTargets: { id: string; type: PolicyType }[]): DriftExpectation {
  const { parents } = targetsOf(state.root);
  return {
    ownedPolicies: state.policies.filter(isOwned).map((p) => ({ id: p.id, name: p.name, type: p.type, digest: policyDigest(p.content), targets: [...p.targets] })),
    waveTargets: waveTargets.map((t) => {
      const parent = parents.get(t.id);
      return { id: t.id, type: t.type, policies: state.policies.filter((p) => p.type === t.type && p.targets.includes(t.id)).map((p) => p.name), ...(parent ? { parent } : {}) };
    }),
  };
}

export function detectDrift(expected: DriftExpectation, now: OrgState): string[] {
  const { names, parents } = targetsOf(now.root);
  const label = (id: string) => (names.has(id) ? `${names.get(id)} (${id})` : id);
  const lines: string[] = [];
  const byId = new Map(now.policies.map((p) => [p.id, p]));
  for (const want of expected.ownedPolicies) {
    const what = `${want.type.toUpperCase()} ${want.name} (${want.id})`;
    const live = byId.get(want.id);
    if (!live) {
      lines.push(`${what} was deleted`);
      continue;
    }
    if (live.name !== want.name) lines.push(`${what} was renamed to ${live.name}`);
    if (!isOwned(live)) lines.push(`${what} no longer carries the ownership tag managed-by=guardrails: the next plan will not own it`);
    if (policyDigest(live.content) !== want.digest) lines.push(`${what}: its content was changed`);
    const before = new Set(want.targets);
    const after = new Set(live.targets);
    for (const t of [...after].filter((t) => !before.has(t)).sort()) lines.push(`${what} was attached to ${label(t)}`);
    for (const t of [...before].filter((t) => !after.has(t)).sort()) lines.push(`${what} was detached from ${label(t)}`);
  }
  const known = new Set(expected.ownedPolicies.map((p) => p.id));
  for (const live of now.policies.filter((p) => isOwned(p) && !known.has(p.id))) {
    lines.push(`${live.type.toUpperCase()} ${live.name} (${live.id}) carrying the ownership tag was created${live.targets.length ? ` and attached to ${live.targets.map(label).join(', ')}` : ''}`);
  }
  for (const target of expected.waveTargets) {
    const where = label(target.id);
    if (!names.has(target.id)) {
      lines.push(`wave target ${target.id} is no longer in the organization (closed, removed or deleted)`);
      continue;
    }
    const parent = parents.get(target.id);
    if (target.parent && parent !== target.parent) lines.push(`${where} was moved from ${label(target.parent)} to ${parent ? label(parent) : 'nowhere'}`);
    // An owned policy's own changes are told above; here only what the target holds, whoever changed it.
    const attached = new Set(now.policies.filter((p) => p.type === target.type && p.targets.includes(target.id)).map((p) => p.name));
    const wanted = new Set(target.policies);
    for (const name of [...attached].filter((n) => !wanted.has(n)).sort()) {
      if (reportedAbove(expected, now, name, target)) continue;
      lines.push(`${where}: ${target.type.toUpperCase()} ${name} was attached`);
    }
    for (const name of [...wanted].filter((n) => !attached.has(n)).sort()) {
      if (reportedAbove(expected, now, name, target)) continue;
      lines.push(`${where}: ${target.type.toUpperCase()} ${name} was detached`);
    }
  }
  return lines;
}

/** A change of an owned policy's attachments or name, already one line above: not told twice. */
function reportedAbove(expected: DriftExpectation, now: OrgState, name: string, target: { id: string; type: PolicyType }): boolean {
  const owned = expected.ownedPolicies.filter((p) => p.type === target.type);
  if (owned.some((p) => p.name === name)) return true;
  const renamedTo = now.policies.find((live) => live.name === name && live.type === target.type && owned.some((p) => p.id === live.id));
  return renamedTo !== undefined;
}

/** Every root, OU and account of the tree: its name and its parent's id. */
function targetsOf(root: OrgStateOu): { names: Map<string, string>; parents: Map<string, string> } {
  const names = new Map<string, string>();
  const parents = new Map<string, string>();
  const walk = (ou: OrgStateOu) => {
    names.set(ou.id, ou.name);
    for (const a of ou.accounts) {
      names.set(a.id, a.name);
      parents.set(a.id, ou.id);
    }
    for (const child of ou.ous) {
      parents.set(child.id, ou.id);
      walk(child);
    }
  };
  walk(root);
  return { names, parents };
}
