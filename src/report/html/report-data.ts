/**
 * What the HTML report shows, as one compact value the page reads from its JSON island: the whole OU
 * tree in columns (one entry per node, in pre-order, so that a subtree is a range and a parent comes
 * before its children), the policies attached to each node before and after the change (as indices
 * into a table of distinct attachment sets: at 10,000 accounts most nodes share a few), what the change
 * does to each account (the semantic diff's verdicts), the waves, and a rollout journal's timeline.
 * Lists of accounts are ranges of account ordinals (the account's place among accounts in pre-order):
 * a control that reaches a division is one range, not thousands of ids.
 *
 * Every string that came from the organization, the intent or a journal is made inert here (inertLine:
 * control characters and bidi overrides shown as escapes); the page sets them as text, never as markup.
 */
import { inertLine } from '../../diagnostics/index.js';
import type { OrgNode, OrgTree } from '../../model/org-tree.js';
import type { PolicyType } from '../../policy/index.js';
import type { Direction, SemanticGroup, SemanticReview } from '../../semantic-diff/index.js';
import { accountVerdicts, type TreeVerdict } from '../change-tree.js';
import { changeTitle, summarizeActions } from '../semantic-summary.js';
import type { JournalTimeline } from './journal-timeline.js';

export const REPORT_DATA_VERSION = 1;

/** A policy as the attachments of one side hold it. */
export interface AttachedPolicyView {
  readonly name: string;
  readonly type: PolicyType;
  readonly owned: boolean;
  readonly controls: readonly string[] | undefined;
}

/** The policies attached directly to a node (root, OU or account id), on one side of the change. */
export interface AttachmentsView {
  attachedAt(nodeId: string, type: PolicyType): readonly AttachedPolicyView[];
}

export type PolicyChange = 'create' | 'update' | 'delete' | 'unchanged' | 'foreign';

export interface HtmlReportInput {
  organization: { id: string; managementAccount: string; source: string; readAt: string };
  reference: string;
  tree: OrgTree;
  before: AttachmentsView;
  after: AttachmentsView;
  /** What the change does to each owned policy (`scp:name`); others are foreign. */
  changes: ReadonlyMap<string, PolicyChange>;
  review: SemanticReview;
  semantic: readonly SemanticGroup[];
  /** The intent's waves in order; a last wave "rest" takes what they do not reach. */
  waves: readonly { name: string; description?: string; targets: readonly OrgNode[] }[];
  timeline?: JournalTimeline;
  generatedAt: string;
}

/** One verdict letter per node: s(tricter), l(ooser), m(ixed), u(nchanged); `.` for a root or OU. */
const VERDICT_CODE: Record<TreeVerdict, string> = { stricter: 's', looser: 'l', mixed: 'm', unchanged: 'u' };
const KIND_CODE = { root: 'r', ou: 'o', account: 'a' } as const;

export interface ReportData {
  v: typeof REPORT_DATA_VERSION;
  meta: { organization: string; management: string; source: string; readAt: string; reference: string; generatedAt: string; ous: number; accounts: number; changed: number };
  nodes: {
    /** One letter per node: r, o, a. */
    kind: string;
    /** The parent's index; -1 for the root. */
    parent: number[];
    name: string[];
    id: string[];
    /** Index into `sets`: the policies attached directly before the change, and after it. */
    before: number[];
    after: number[];
    /** One letter per node (VERDICT_CODE), `.` for a root or OU. */
    verdict: string;
  };
  /** Distinct attachment sets: indices into `policies`. */
  sets: number[][];
  policies: { name: string; type: PolicyType; owned: boolean; change: PolicyChange; controls: number[]; controlsBefore?: number[] }[];
  controls: string[];
  /** Per control the change touches: its verdict, the accounts it reaches, each of its changes in a line. */
  verdicts: { control: number; verdict: Direction; accounts: number[]; changes: { text: string; direction: Direction; accounts: number[] }[] }[];
  waves: { name: string; description?: string; targets: number[] }[];
  /** [start, end, wave] triples over node indices: the first wave whose targets hold each node. */
  waveRuns: number[];
  timeline?: JournalTimeline;
}

export function buildReportData(input: HtmlReportInput): ReportData {
  const { tree } = input;
  const order = tree.preOrder;
  const index = new Map<OrgNode, number>(order.map((n, i) => [n, i]));
  const ordinal = new Map<string, number>();
  for (const n of order) if (n.kind === 'account' && n.id !== undefined) ordinal.set(n.id, ordinal.size);

  const controls: string[] = [];
  const controlIndex = new Map<string, number>();
  const controlOf = (id: string) => {
    let i = controlIndex.get(id);
    if (i === undefined) {
      controlIndex.set(id, (i = controls.length));
      controls.push(inertLine(id));
    }
    return i;
  };
  const policies: ReportData['policies'] = [];
  const policyIndex = new Map<string, number>();
  const policyOf = (p: AttachedPolicyView, side: 'before' | 'after') => {
    const key = `${p.type}:${p.name}`;
    let i = policyIndex.get(key);
    if (i === undefined) {
      const change = p.owned ? (input.changes.get(key) ?? 'unchanged') : 'foreign';
      policyIndex.set(key, (i = policies.length));
      policies.push({ name: inertLine(p.name), type: p.type, owned: p.owned, change, controls: [] });
    }
    const ids = (p.controls ?? []).map(controlOf);
    if (side === 'after') entryControlsAfter.set(i, ids);
    else policies[i]!.controlsBefore = ids;
    return i;
  };
  const entryControlsAfter = new Map<number, number[]>();
  const sets: number[][] = [];
  const setIndex = new Map<string, number>();
  const setOf = (ids: number[]) => {
    const key = ids.join(',');
    let i = setIndex.get(key);
    if (i === undefined) {
      setIndex.set(key, (i = sets.length));
      sets.push(ids);
    }
    return i;
  };
  const attached = (view: AttachmentsView, n: OrgNode, side: 'before' | 'after') => {
    if (n.id === undefined) return setOf([]);
    return setOf([...view.attachedAt(n.id, 'scp'), ...view.attachedAt(n.id, 'rcp')].map((p) => policyOf(p, side)));
  };

  const verdictOfAccount = accountVerdicts(input.semantic);
  const nodes: ReportData['nodes'] = { kind: '', parent: [], name: [], id: [], before: [], after: [], verdict: '' };
  const kinds: string[] = [];
  const verdicts: string[] = [];
  for (const n of order) {
    kinds.push(KIND_CODE[n.kind]);
    nodes.parent.push(n.parent ? index.get(n.parent)! : -1);
    nodes.name.push(inertLine(n.name));
    nodes.id.push(inertLine(n.id ?? ''));
    nodes.before.push(attached(input.before, n, 'before'));
    nodes.after.push(attached(input.after, n, 'after'));
    verdicts.push(n.kind === 'account' ? VERDICT_CODE[(n.id !== undefined ? verdictOfAccount.get(n.id) : undefined) ?? 'unchanged'] : '.');
  }
  nodes.kind = kinds.join('');
  nodes.verdict = verdicts.join('');
  // The controls the compiled version carries; the deployed version's apart only when they differ.
  for (const [i, p] of policies.entries()) {
    const after = entryControlsAfter.get(i);
    if (after) p.controls = after;
    else if (p.controlsBefore) p.controls = p.controlsBefore;
    if (p.controlsBefore && p.controlsBefore.join(',') === p.controls.join(',')) delete p.controlsBefore;
  }

  const accountsOf = (ids: readonly string[]) => ranges(ids.map((a) => ordinal.get(a)).filter((o): o is number => o !== undefined));
  const reviewVerdicts: ReportData['verdicts'] = input.review.verdicts.map((v) => ({
    control: controlOf(v.control),
    verdict: v.verdict,
    accounts: accountsOf(v.accounts),
    changes: v.changes.map((c) => ({
      text: inertLine(`${c.type.toUpperCase()}: ${c.meaning ?? `${c.count} action${c.count === 1 ? '' : 's'} ${changeTitle(c)} (${summarizeActions(c, 4)})`}`),
      direction: c.direction,
      accounts: accountsOf(c.accounts),
    })),
  }));

  const waves = input.waves.map((w) => ({ name: inertLine(w.name), ...(w.description ? { description: inertLine(w.description) } : {}), targets: w.targets.map((t) => index.get(t)).filter((i): i is number => i !== undefined) }));
  const waveAt = new Int32Array(order.length).fill(waves.length);
  for (let w = input.waves.length - 1; w >= 0; w--) {
    for (const t of input.waves[w]!.targets) {
      const range = tree.subtreeRange(t);
      if (range) waveAt.fill(w, range.start, range.end);
    }
  }
  const hasRest = waveAt.includes(waves.length);
  if (hasRest || !waves.length) waves.push({ name: waves.length ? 'rest' : 'all', description: 'what no declared wave reaches', targets: [0] });
  const waveRuns: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i + 1;
    while (j < order.length && waveAt[j] === waveAt[i]) j++;
    waveRuns.push(i, j, waveAt[i]!);
    i = j;
  }

  const changed = [...verdictOfAccount.keys()].filter((a) => ordinal.has(a)).length;
  return {
    v: REPORT_DATA_VERSION,
    meta: {
      organization: inertLine(input.organization.id),
      management: inertLine(input.organization.managementAccount),
      source: inertLine(input.organization.source),
      readAt: inertLine(input.organization.readAt),
      reference: inertLine(input.reference),
      generatedAt: input.generatedAt,
      ous: order.filter((n) => n.kind === 'ou').length,
      accounts: ordinal.size,
      changed,
    },
    nodes,
    sets,
    policies,
    controls,
    verdicts: reviewVerdicts,
    waves,
    waveRuns,
    ...(input.timeline ? { timeline: input.timeline } : {}),
  };
}

/** Sorted distinct integers as [start, length, start, length, ...]: the accounts of a subtree are one run. */
export function ranges(values: readonly number[]): number[] {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const out: number[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[j - 1]! + 1) j++;
    out.push(sorted[i]!, j - i);
    i = j;
  }
  return out;
}

/** The integers `ranges` encoded. */
export function fromRanges(encoded: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < encoded.length; i += 2) for (let k = 0; k < encoded[i + 1]!; k++) out.push(encoded[i]! + k);
  return out;
}
