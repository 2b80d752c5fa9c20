/**
 * The end-state diff: per policy, create / update / delete, with a line diff of its canonical JSON;
 * per target, the policies attached and detached and the slots before and after. Contents are compared
 * canonically, so key order and whitespace never cause a change.
 */
import { formatPatch, structuredPatch } from 'diff';
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { CONTROLS_TAG, type TargetRef } from '../org/index.js';
import type { PolicyType } from '../policy/index.js';
import { AttachmentModel, type ModelPolicy } from './attachment-model.js';
import { readablePolicyText } from '../policy/index.js';
import type { Deployment, DesiredPolicy } from './deployment.js';
import type { ReferenceIndex } from '../reference/index.js';
import { actionLines, hunkActions, noteHunks, type HunkActions } from './hunk-actions.js';

export type PolicyChangeKind = 'create' | 'update' | 'delete' | 'unchanged';

export interface PolicyDiff {
  name: string;
  type: PolicyType;
  change: PolicyChangeKind;
  controls: string[];
  chars: { before: number | null; after: number | null; max: number };
  attach: TargetRef[];
  detach: TargetRef[];
  /** Where it is attached once the change is applied. */
  targets: TargetRef[];
  /**
   * Unified diff of the canonical JSON in out/'s layout (create and delete diff against nothing). A
   * hunk that changes action lines says in its header what that changes (hunk-actions.ts).
   */
  textDiff: string | null;
  /** Per hunk of textDiff that changes action lines: the actions they match on each side. */
  hunks: HunkActions[];
  /**
   * Set when the policy compile wants holds wildcards compile wrote (or a NotAction rewrite): each one
   * also captures the actions AWS adds later, so a pull request lists them all, new or not.
   */
  wildcards: IntroducedWildcards | null;
}

export interface IntroducedWildcards {
  level: 1 | 2 | 3 | 4;
  escalatedFor?: string;
  /** `isNew`: the deployed version of the policy does not have it. */
  patterns: { pattern: string; isNew: boolean }[];
  notAction: boolean;
}

export interface TargetDiff {
  target: TargetRef;
  type: PolicyType;
  attach: string[];
  detach: string[];
  slots: { before: number; after: number; max: number };
}

export interface StructuralDiff {
  policies: PolicyDiff[];
  targets: TargetDiff[];
  counts: Record<'create' | 'update' | 'delete' | 'attach' | 'detach', number>;
}

export interface EndStates {
  before: AttachmentModel;
  after: AttachmentModel;
}

/** The deployed model, and the model once every owned policy is exactly what compile wants. */
export function endStates(d: Deployment): EndStates {
  const before = AttachmentModel.fromDeployed(d.tree, d.deployed);
  const after = AttachmentModel.fromDeployed(d.tree, [
    ...d.deployed.filter((p) => !before.find(p.type, p.name)?.owned),
    ...d.desired.map((p, i) => ({
      id: `desired-${i}`,
      name: p.name,
      type: p.type,
      description: '',
      awsManaged: false,
      tags: { 'managed-by': 'guardrails', [CONTROLS_TAG]: p.controls.join(' ') },
      content: p.content,
      targets: p.targets.map((t) => t.id!),
    })),
  ]);
  return { before, after };
}

/** `reference` (default: the deployment's) expands the patterns of changed lines; without one they are compared as written. */
export function structuralDiff(d: Deployment, reference: ReferenceIndex | undefined = d.reference, ends: EndStates = endStates(d)): StructuralDiff {
  const { before, after } = ends;
  const ref = (id: string): TargetRef => {
    const node = d.tree.node(id);
    return { id, label: node ? OrgTree.describe(node) : id };
  };
  const policies: PolicyDiff[] = [];
  const owned = (m: AttachmentModel) => m.all().filter((p) => p.owned);
  const names = new Set([...owned(before), ...owned(after)].map((p) => `${p.type}:${p.name}`));
  for (const key of [...names].sort()) {
    const [type, name] = [key.slice(0, 3) as PolicyType, key.slice(4)];
    const old = before.find(type, name);
    const now = after.find(type, name);
    const change: PolicyChangeKind = !old ? 'create' : !now ? 'delete' : old.canonical !== now.canonical ? 'update' : 'unchanged';
    const oldTargets = old?.targets ?? new Set<string>();
    const newTargets = now?.targets ?? new Set<string>();
    policies.push({
      name,
      type,
      change,
      controls: (now ?? old)!.controls ?? [],
      chars: { before: old ? old.content.length : null, after: now ? now.content.length : null, max: d.quotas[type].maxChars },
      attach: [...newTargets].filter((t) => !oldTargets.has(t)).sort().map(ref),
      detach: [...oldTargets].filter((t) => !newTargets.has(t)).sort().map(ref),
      targets: [...newTargets].sort().map(ref),
      ...(change === 'unchanged' ? { textDiff: null, hunks: [] } : textDiff(name, old, now, reference)),
      wildcards: now ? introducedWildcards(d.desired.find((p) => p.type === type && p.name === name), old) : null,
    });
  }
  const targets: TargetDiff[] = [];
  const nodes: OrgNode[] = d.tree.nodes;
  for (const node of nodes) {
    for (const type of ['scp', 'rcp'] as const) {
      const was = before.attachedAt(node.id!, type);
      const will = after.attachedAt(node.id!, type);
      // Most nodes (every account but a few) keep the very same policies: nothing to list.
      if (was.length === will.length && was.every((p, i) => p.name === will[i]!.name)) continue;
      const wasNames = new Set(was.map((p) => p.name));
      const willNames = new Set(will.map((p) => p.name));
      const attach = [...willNames].filter((n) => !wasNames.has(n)).sort();
      const detach = [...wasNames].filter((n) => !willNames.has(n)).sort();
      if (!attach.length && !detach.length) continue;
      targets.push({ target: ref(node.id!), type, attach, detach, slots: { before: was.length, after: will.length, max: d.quotas[type].maxPerTarget } });
    }
  }
  const counts = { create: 0, update: 0, delete: 0, attach: 0, detach: 0 };
  for (const p of policies) {
    if (p.change !== 'unchanged') counts[p.change]++;
    counts.attach += p.attach.length;
    counts.detach += p.detach.length;
  }
  return { policies, targets, counts };
}

function introducedWildcards(desired: DesiredPolicy | undefined, old: ModelPolicy | undefined): IntroducedWildcards | null {
  const m = desired?.minimization;
  if (!m || (!m.introduced.length && !m.introducedNotAction)) return null;
  // The canonical text quotes every action pattern: a pattern is in the deployed policy when its quoted form is.
  const deployed = old?.canonical ?? '';
  const out: IntroducedWildcards = { level: m.level, patterns: m.introduced.map((pattern) => ({ pattern, isNew: !deployed.includes(JSON.stringify(pattern)) })), notAction: m.introducedNotAction };
  if (m.escalatedFor) out.escalatedFor = m.escalatedFor;
  return out;
}

function textDiff(name: string, old: ModelPolicy | undefined, now: ModelPolicy | undefined, reference: ReferenceIndex | undefined): { textDiff: string; hunks: HunkActions[] } {
  const a = old ? readablePolicyText(old.content) + '\n' : '';
  const b = now ? readablePolicyText(now.content) + '\n' : '';
  const [from, to] = [old ? `deployed/${name}.json` : '/dev/null', now ? `out/${name}.json` : '/dev/null'];
  // The line diff is computed once: the text (what createTwoFilesPatch writes) and the hunks are of the same patch.
  const structured = structuredPatch(from, to, a, b, undefined, undefined, { context: 3 });
  const patch = formatPatch(structured);
  const [oldLines, newLines] = [actionLines(a), actionLines(b)];
  const hunks = structured.hunks.map((h) => hunkActions(h, oldLines, newLines, reference));
  return { textDiff: noteHunks(patch, hunks), hunks: hunks.filter((h): h is HunkActions => h !== undefined) };
}
