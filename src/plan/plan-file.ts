/**
 * The plan as a file: what `plan --json` prints and `plan --save` writes, and what `rollout --plan`
 * applies. Besides the waves and their calls (exactly as they will be made), it carries what ties it to
 * what it was computed from (digests of the deployed state, of out/ and of the intent) and, per wave,
 * the expected state of every target the wave touches, which verification reads back.
 *
 * A saved plan goes stale as Terraform's does: `comparePlans` lists what makes a fresh plan (the
 * organization read again, planned again) differ from the saved one other than by steps already applied.
 */
import { createHash } from 'node:crypto';
import { OrgTree } from '../model/org-tree.js';
import { CONTROLS_TAG, OWNER_TAG, STAGING_OF_TAG, type OrgOperation, type OrgState, type OrgStateOu } from '../org/index.js';
import { canonicalPolicyText, type PolicyType, type Quotas } from '../policy/index.js';
import { AttachmentModel } from './attachment-model.js';
import type { Deployment, DesiredPolicy } from './deployment.js';
import type { Strategy } from './lineages.js';
import type { Plan, PlanViolation } from './planner.js';

/** Bumped when a field changes meaning; a rollout refuses a plan of another format. */
export const PLAN_FORMAT = 1;

/** A policy as a target holds it once a wave is done: what verification compares the live state with. */
export interface ExpectedPolicy {
  name: string;
  /** sha256 (hex) of the canonical policy text (canonicalPolicyText), for owned policies; foreign ones are compared by name. */
  digest?: string;
  owned: boolean;
}

/** Per target a wave touches, the policies of one type attached to it directly at the wave's end. */
export interface ExpectedTarget {
  id: string;
  label: string;
  type: PolicyType;
  policies: ExpectedPolicy[];
}

/** One wave of a saved plan: its steps in order and what the targets they touch hold afterwards. */
export interface PlanWaveFile {
  name: string;
  description?: string;
  /** Added by the planner for what no declared wave reaches. */
  implicit: boolean;
  targets: string[];
  accounts: string[];
  steps: { op: OrgOperation; text: string }[];
  calls: number;
  expected: ExpectedTarget[];
  leastSeconds: number;
  strategies: Strategy[];
  notes: string[];
}

/** Digests that tie a plan to what it was computed from (sha256 hex). */
export interface PlanDigests {
  /** The deployed state read (policies with contents, tags that matter and targets; the tree), without readAt/source. */
  deployed: string;
  /** The compiled policies (names, types, canonical contents, targets). */
  out: string;
  /** The intent files' bytes, in load order. */
  intent: string;
}

export interface PlanFile {
  format: typeof PLAN_FORMAT;
  ok: boolean;
  organization: { id: string; managementAccount: string };
  /** Where and when the deployed state was read (not part of its digest). */
  deployed: { source: string; readAt: string };
  quotas: Quotas;
  digests: PlanDigests;
  waves: PlanWaveFile[];
  totals: { calls: number; leastSeconds: number; waves: number };
  violations: PlanViolation[];
}

/** The plan as `plan --json` prints it and `plan --save` writes it. */
export function planFile(plan: Plan, deployment: Deployment, digests: { intentDigest: string; outDigest: string }): PlanFile {
  const expected = expectedStates(plan, deployment);
  return {
    format: PLAN_FORMAT,
    ok: plan.ok,
    organization: { id: deployment.state.organization.id, managementAccount: deployment.state.organization.managementAccount },
    deployed: { source: deployment.state.source, readAt: deployment.state.readAt },
    quotas: deployment.quotas,
    digests: { deployed: deployedDigest(deployment.state), out: digests.outDigest, intent: digests.intentDigest },
    waves: plan.waves.map((w, i) => ({
      name: w.name,
      ...(w.description !== undefined ? { description: w.description } : {}),
      implicit: w.implicit,
      targets: w.targets,
      accounts: w.accounts,
      steps: w.steps,
      calls: w.calls,
      expected: expected[i] ?? [],
      leastSeconds: w.leastSeconds,
      strategies: w.strategies,
      notes: w.notes,
    })),
    totals: plan.totals,
    violations: plan.violations,
  };
}

/**
 * Per wave, every target one of its steps touches (attached to or detached from; for a policy whose
 * content or name changes, every target it is attached to) and, per policy type touched there, the
 * policies attached directly once the wave is done. The plan's steps are run on a model of the
 * deployed state, wave after wave.
 */
function expectedStates(plan: Plan, d: Deployment): ExpectedTarget[][] {
  const model = AttachmentModel.fromDeployed(d.tree, d.deployed);
  const digests = new Map<string, string>();
  const digestOf = (canonical: string) => {
    let h = digests.get(canonical);
    if (!h) digests.set(canonical, (h = sha256(canonical)));
    return h;
  };
  return plan.waves.map((w) => {
    const touched = new Map<string, Set<PolicyType>>();
    const touch = (id: string, type: PolicyType) => {
      let types = touched.get(id);
      if (!types) touched.set(id, (types = new Set()));
      types.add(type);
    };
    for (const { op } of w.steps) {
      if (op.op === 'attach' || op.op === 'detach') touch(op.target.id, op.type);
      else if (op.op === 'update') for (const t of model.find(op.type, op.policy)?.targets ?? []) touch(t, op.type);
      // Walking the model keeps the policies' names and targets as they are at each step.
      model.apply(op);
    }
    const out: ExpectedTarget[] = [];
    for (const id of [...touched.keys()].sort()) {
      const node = d.tree.node(id);
      for (const type of [...touched.get(id)!].sort()) {
        const policies = model
          .attachedAt(id, type)
          .map((p): ExpectedPolicy => (p.owned ? { name: p.name, digest: digestOf(p.canonical), owned: true } : { name: p.name, owned: false }))
          .sort((a, b) => compare(a.name, b.name));
        out.push({ id, label: node ? OrgTree.describe(node) : id, type, policies });
      }
    }
    return out;
  });
}

/**
 * The deployed state's digest: the organization, its tree (ids and names), and every policy with its
 * id, name, type, canonical content, the tags guardrails reads and its targets, all in a stable order.
 * Where and when it was read are left out, so that reading an unchanged organization again gives the
 * same digest.
 */
export function deployedDigest(state: OrgState): string {
  // The JSON of [organization id, management account, enabled types, tree, policies], hashed as it is
  // written, piece by piece, rather than made whole first: for 10,000 accounts it is megabytes, made only
  // to be hashed, at the end of a plan, when its memory is highest. Each piece is a JSON array written
  // by JSON.stringify without its closing bracket (undefined then reads null, as inside the whole).
  const h = createHash('sha256');
  const open = (items: unknown[]) => h.update(JSON.stringify(items).slice(0, -1));
  const ou = (o: OrgStateOu): void => {
    open([o.id, o.name, o.accounts.map((a) => [a.id, a.name]).sort(byFirst)]);
    h.update(',[');
    [...o.ous].sort((a, b) => compare(String(a.id), String(b.id))).forEach((child, i) => {
      if (i) h.update(',');
      ou(child);
    });
    h.update(']]');
  };
  open([state.organization.id, state.organization.managementAccount, [...(state.enabledPolicyTypes ?? [])].sort()]);
  h.update(',');
  ou(state.root);
  h.update(',[');
  const tagsThatMatter = [OWNER_TAG.key, CONTROLS_TAG, STAGING_OF_TAG];
  const key = (p: (typeof state.policies)[number]) => `${p.type}\u0000${p.name}\u0000${p.id}`;
  [...state.policies]
    .sort((a, b) => compare(key(a), key(b)))
    .forEach((p, i) => {
      if (i) h.update(',');
      h.update(JSON.stringify([p.type, p.name, p.id, p.awsManaged, canonicalPolicyText(p.content), tagsThatMatter.map((k) => p.tags[k] ?? null), [...p.targets].sort()]));
    });
  h.update(']]');
  return h.digest('hex');
}

/** The compiled policies' digest: names, types, canonical contents and target ids, in a stable order. */
export function outDigest(policies: readonly DesiredPolicy[]): string {
  const list = policies
    .map((p) => [p.type, p.name, canonicalPolicyText(p.content), p.targets.map((t) => t.id ?? t.path).sort()])
    .sort((a, b) => compare(`${a[0]}\u0000${a[1]}`, `${b[0]}\u0000${b[1]}`));
  return sha256(JSON.stringify(list));
}

/** The intent's digest: each file's bytes in load order, each preceded by its length (no two lists collide). */
export function intentDigest(files: readonly (Uint8Array | string)[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    const bytes = typeof f === 'string' ? Buffer.from(f, 'utf8') : f;
    h.update(`${bytes.length}\n`);
    h.update(bytes);
  }
  return h.digest('hex');
}

/**
 * What makes a saved plan stale against a fresh one (the organization read again and planned again),
 * one readable line each; none when the fresh plan is the saved one less steps already applied. The
 * rule (Terraform's): the same format and organization, the same out/ and intent digests; each wave of
 * the fresh plan with steps is a wave of the saved plan, and its steps appear in that wave in the same
 * relative order (steps the saved plan has and the fresh one lacks were applied).
 */
export function comparePlans(saved: PlanFile, fresh: PlanFile): string[] {
  const out: string[] = [];
  if (saved.format !== fresh.format) out.push(`the saved plan has format ${saved.format}, this guardrails writes format ${fresh.format}: plan again`);
  if (saved.organization.id !== fresh.organization.id) out.push(`the saved plan is for organization ${saved.organization.id}, the organization read is ${fresh.organization.id}`);
  if (saved.digests.out !== fresh.digests.out) out.push(`out/ changed since the plan was saved (compiled policies ${short(saved.digests.out)} then, ${short(fresh.digests.out)} now)`);
  if (saved.digests.intent !== fresh.digests.intent) out.push(`the intent changed since the plan was saved (intent files ${short(saved.digests.intent)} then, ${short(fresh.digests.intent)} now)`);
  for (const wave of fresh.waves) {
    const before = saved.waves.find((w) => w.name === wave.name);
    if (!before) {
      if (wave.steps.length) out.push(`wave ${wave.name} (${wave.steps.length} step${wave.steps.length === 1 ? '' : 's'}) is not in the saved plan`);
      continue;
    }
    // Each step of the fresh wave must be one the saved wave has (each saved step used once): a step
    // the saved plan lacks was never reviewed. The order within a wave may differ, as a re-plan from a
    // state the earlier waves left orders the same steps anew; the planner's invariants judge that order.
    const left = new Map<string, number>();
    for (const s of before.steps) left.set(stepKey(s.op), (left.get(stepKey(s.op)) ?? 0) + 1);
    for (const [i, step] of wave.steps.entries()) {
      const key = stepKey(step.op);
      const n = left.get(key) ?? 0;
      if (n > 0) {
        left.set(key, n - 1);
        continue;
      }
      out.push(`wave ${wave.name}, step ${i + 1} (${step.text}) is not in the saved plan`);
    }
  }
  return out;
}

/** An operation as a string that ignores key order. */
function stepKey(op: OrgOperation): string {
  return stable(op);
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function short(digest: string): string {
  return digest.slice(0, 12);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byFirst(a: unknown, b: unknown): number {
  return compare(String((a as unknown[])[0]), String((b as unknown[])[0]));
}

