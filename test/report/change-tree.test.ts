/**
 * The picture of where a change applies: the OU tree collapsed to the changed subtrees, each node with its
 * verdict and waves, under a hard cap on nodes; and its Mermaid text, where every name is spelt in
 * entity codes. Rendering in Mermaid itself is diff-comment-browser.test.ts's.
 */
import { describe, expect, it } from 'vitest';
import { syntheticState } from '../../bench/synthetic-org.js';
import { inertLine } from '../../src/diagnostics/index.js';
import { OrgTree, type OrgNode } from '../../src/model/org-tree.js';
import { treeOfState } from '../../src/org/index.js';
import { accountVerdicts, changeTreePicture, MAX_PICTURE_NODES, type PictureNode, type TreePicture, type TreeVerdict } from '../../src/report/change-tree.js';
import { mermaidTreePicture, treePictureSection } from '../../src/report/diff-mermaid.js';
import { mermaidText } from '../../src/report/escape.js';
import type { SemanticGroup } from '../../src/semantic-diff/index.js';
import { HOSTILE } from './hostile-inputs.js';

/** Names that would act in a Mermaid label, or in the markdown around its block. */
const HOSTILE_NAMES = [
  HOSTILE,
  '</details><!--',
  '<img src=x onerror=alert(1)><script>alert(1)</script>',
  '[x](http://evil.example) @security-team #1',
  '`code` and ``` a fence',
  '*em* _em_ **strong**',
  'line one\n# a heading\n- a list',
  '&lt;b&gt; &amp; &#64;team',
  'a"]:::looser\nclick n0 call alert(1)',
  '%%{init: {"theme": "dark"}}%%',
  '1. a list',
  'x;style n0 fill:#f00',
  '#quot; #35; &amp;',
  '    indented code',
  'Développement \u{1F680}',
];

/** A tree from `{ OU: { ...children }, accounts: [[id, name], ...] }`. */
type Spec = { [ou: string]: Spec } | { accounts?: [string, string][] };
function treeOf(spec: Spec): OrgTree {
  const tree = new OrgTree('Root', 'r-test');
  let ous = 0;
  const walk = (s: Spec, parent: OrgNode) => {
    for (const [key, value] of Object.entries(s)) {
      if (key === 'accounts') for (const [id, name] of value as [string, string][]) tree.add({ kind: 'account', name, id, parent });
      else walk(value as Spec, tree.add({ kind: 'ou', name: key, id: `ou-test-${String(++ous).padStart(8, '0')}`, parent }));
    }
  };
  walk(spec, tree.root);
  return tree;
}

/** The example organization's shape (guardrails/organization.yaml) and its waves. */
const EXAMPLE: Spec = {
  accounts: [['111111111111', 'management']],
  Security: { accounts: [['222222222201', 'security-tooling'], ['222222222202', 'log-archive']] },
  Workloads: { Prod: { accounts: [['333333333301', 'payments-prod'], ['333333333302', 'web-prod']] }, NonProd: { accounts: [['333333333333', 'payments-dev'], ['333333333334', 'web-dev']] } },
  GenAI: { accounts: [['444444444401', 'genai-lab']] },
  PublicData: { accounts: [['555555555501', 'open-datasets']] },
  Sandbox: { accounts: [['666666666601', 'sandbox-1']] },
};
const node = (tree: OrgTree, ref: string) => {
  const r = tree.resolve(ref);
  if (!r.ok) throw new Error(ref);
  return r.node;
};
const exampleWaves = (tree: OrgTree) => [
  { name: 'canary', targets: [node(tree, 'payments-dev')] },
  { name: 'nonprod', targets: [node(tree, 'NonProd'), node(tree, 'Sandbox')] },
  { name: 'genai', targets: [node(tree, 'GenAI')] },
  { name: 'everything', targets: [tree.root] },
];

const group = (accounts: string[], ...directions: SemanticGroup['changes'][number]['direction'][]): SemanticGroup => ({
  type: 'scp',
  personas: ['a role in the account'],
  accounts,
  targets: [],
  changes: directions.map((direction) => ({ kind: 'newly-denied', count: 1, services: [], direction })),
});

const byName = (p: TreePicture, name: string) => p.nodes.find((n) => n.name === name);
const childrenOf = (p: TreePicture, n: PictureNode) => p.nodes.filter((c) => c.parent === n.id);

describe('the verdict of each account', () => {
  it.each<[string, SemanticGroup[], Record<string, TreeVerdict | undefined>]>([
    ['one stricter change', [group(['1'], 'stricter')], { '1': 'stricter' }],
    ['stricter in one group, looser in another: mixed', [group(['1', '2'], 'stricter'), group(['1'], 'looser')], { '1': 'mixed', '2': 'stricter' }],
    ['a mixed change', [group(['1'], 'mixed')], { '1': 'mixed' }],
    ['a change of form only leaves the account unchanged', [group(['1'], 'same'), group(['2'], 'same', 'looser')], { '1': undefined, '2': 'looser' }],
  ])('%s', (_, groups, expected) => {
    const v = accountVerdicts(groups);
    for (const [a, verdict] of Object.entries(expected)) expect(v.get(a)).toBe(verdict);
  });
});

describe('the picture of the example organization', () => {
  const tree = treeOf(EXAMPLE);
  const members = tree.accounts.map((a) => a.id!).filter((a) => a !== '111111111111');

  it('all stricter: each OU with its accounts and waves, the canary account on its own, the management account unchanged', () => {
    const p = changeTreePicture({ tree, waves: exampleWaves(tree) }, accountVerdicts([group(members, 'stricter')]));
    expect(p.totals).toEqual({ ous: 7, accounts: 10, changed: 9 });
    expect(byName(p, 'Root')).toMatchObject({ kind: 'root', verdict: 'stricter', accounts: 10, changed: 9, waves: ['canary', 'nonprod', 'genai', 'everything'] });
    const nonProd = byName(p, 'NonProd')!;
    expect(nonProd).toMatchObject({ kind: 'ou', verdict: 'stricter', accounts: 2, changed: 2, waves: ['canary', 'nonprod'] });
    // Its accounts are in two waves: one node each, named.
    expect(childrenOf(p, nonProd).map((c) => [c.name, c.waves])).toEqual([['payments-dev', ['canary']], ['web-dev', ['nonprod']]]);
    // Prod's accounts are alike: its own label says them, no node for the group.
    expect(childrenOf(p, byName(p, 'Prod')!)).toEqual([]);
    expect(byName(p, 'Prod')).toMatchObject({ waves: ['everything'], accounts: 2 });
    expect(byName(p, 'management')).toMatchObject({ kind: 'accounts', verdict: 'unchanged', waves: [] });
    expect(p.nodes).toHaveLength(11);
    const text = mermaidTreePicture(p).join('\n');
    expect(text).toContain(`["NonProd<br/>stricter, 2 accounts<br/>waves canary, nonprod"]`);
    expect(text).toMatch(new RegExp(`class [n0-9,]*\\b${nonProd.id}\\b[n0-9,]* stricter`));
  });

  it('only the TLS floor of Prod looser: unchanged siblings folded into one node, the root and Workloads looser', () => {
    const p = changeTreePicture({ tree, waves: exampleWaves(tree) }, accountVerdicts([group(['333333333301', '333333333302'], 'looser')]));
    const root = byName(p, 'Root')!;
    expect(root).toMatchObject({ verdict: 'looser', changed: 2, waves: ['everything'] });
    const folded = childrenOf(p, root).find((c) => c.kind === 'unchanged-ous')!;
    expect(folded).toMatchObject({ ous: 4, accounts: 5, verdict: 'unchanged' });
    // One unchanged sibling keeps its name.
    expect(childrenOf(p, byName(p, 'Workloads')!).map((c) => [c.name, c.verdict])).toEqual([['Prod', 'looser'], ['NonProd', 'unchanged']]);
    expect(treePictureSection(p).join('\n')).toContain('["4 OUs<br/>unchanged, 5 accounts"]');
  });

  it('stricter and looser accounts in one OU: the OU mixed, its accounts apart', () => {
    const p = changeTreePicture({ tree, waves: exampleWaves(tree) }, accountVerdicts([group(['333333333333'], 'stricter'), group(['333333333334'], 'looser')]));
    expect(byName(p, 'NonProd')).toMatchObject({ verdict: 'mixed' });
    expect(byName(p, 'payments-dev')).toMatchObject({ verdict: 'stricter' });
    expect(byName(p, 'web-dev')).toMatchObject({ verdict: 'looser' });
  });

  it('without declared waves, no wave is named', () => {
    const p = changeTreePicture({ tree, waves: [] }, accountVerdicts([group(members, 'stricter')]));
    for (const n of p.nodes) expect(n.waves).toEqual([]);
    expect(mermaidTreePicture(p).join('\n')).not.toContain('wave');
  });

  it('an account no declared wave reaches is in the rest wave', () => {
    const waves = exampleWaves(tree).slice(0, 3);
    const p = changeTreePicture({ tree, waves }, accountVerdicts([group(members, 'stricter')]));
    expect(byName(p, 'Security')!.waves).toEqual(['rest']);
  });

  it.each([1, 2, 3, 5, 8, 11])('never more than the cap: %i nodes', (cap) => {
    const p = changeTreePicture({ tree, waves: exampleWaves(tree) }, accountVerdicts([group(members, 'stricter')]), cap);
    expect(p.nodes.length).toBeLessThanOrEqual(cap);
    expectSumsHold(p);
  });
});

/** Each opened node's children stand for all its accounts, once each. */
function expectSumsHold(p: TreePicture): void {
  for (const n of p.nodes) {
    const children = childrenOf(p, n);
    if (!children.length) continue;
    expect(children.reduce((s, c) => s + c.accounts, 0), n.name).toBe(n.accounts);
    expect(children.reduce((s, c) => s + c.changed, 0), n.name).toBe(n.changed);
  }
}

describe('the picture of the 2,010-OU benchmark organization (bench/synthetic-org.ts)', () => {
  const tree = treeOfState(syntheticState(() => []));
  // The waves of bench/scale-intent.ts: a canary account, one division, four more, then the root.
  const canary = tree.root.children.find((c) => c.name === 'Division0')!.children[0]!.children[0]!.children[0]!;
  const division = (i: number) => tree.root.children.find((c) => c.name === `Division${i}`)!;
  const waves = [
    { name: 'canary', targets: [canary] },
    { name: 'one-division', targets: [division(0)] },
    { name: 'half', targets: [1, 2, 3, 4].map(division) },
    { name: 'everything', targets: [tree.root] },
  ];
  const under = (n: OrgNode) => OrgTree.accountsUnder(n).map((a) => a.id!);

  it('every account stricter but one division looser and one unit unchanged: at most 40 nodes, the canary on its path', () => {
    const unchanged = new Set(under(division(5).children[2]!));
    const looser = under(division(3));
    const started = performance.now();
    const verdicts = accountVerdicts([group(under(tree.root).filter((a) => a !== '100000000000' && !unchanged.has(a) && !looser.includes(a)), 'stricter'), group(looser, 'looser')]);
    const p = changeTreePicture({ tree, waves }, verdicts);
    const ms = performance.now() - started;
    expect(p.totals).toEqual({ ous: 2010, accounts: 10_001, changed: 10_000 - unchanged.size });
    expect(p.nodes.length).toBeLessThanOrEqual(MAX_PICTURE_NODES);
    expect(p.nodes.length).toBeGreaterThan(MAX_PICTURE_NODES - 5);
    expect(byName(p, 'Root')).toMatchObject({ verdict: 'mixed', waves: ['canary', 'one-division', 'half', 'everything'] });
    expect(byName(p, 'Division3')).toMatchObject({ verdict: 'looser', waves: ['half'] });
    // The canary's path is drawn down to its account's OU, which names the wave.
    let at = byName(p, canary.parent!.name)!;
    expect(at.waves[0]).toBe('canary');
    for (const name of ['Unit0', 'Division0', 'Root']) {
      const parent = p.nodes.find((n) => n.id === at.parent)!;
      expect(parent.name).toBe(name);
      at = parent;
    }
    // What the cap left out is summed up: in a "more OUs" node, or in the label of a node not opened.
    expect(p.nodes.some((n) => n.kind === 'more-ous' || n.hidden)).toBe(true);
    expect(byName(p, 'Division7')!.hidden).toEqual({ ous: 200, accounts: under(division(7)).length });
    expectSumsHold(p);
    const text = mermaidTreePicture(p).join('\n');
    if (process.env.GUARDRAILS_PRINT_PICTURE) console.log(text);
    expect(text.length).toBeLessThan(10_000);
    expect(ms).toBeLessThan(1000);
  });
});

describe('mermaidText', () => {
  const decode = (s: string) => s.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));
  it.each(HOSTILE_NAMES)('%j: letters, digits and entity codes only, and reads as the name', (name) => {
    const escaped = mermaidText(name);
    expect(escaped).toMatch(/^(?:[A-Za-z0-9]|#\d+;)*$/);
    expect(decode(escaped)).toBe(inertLine(name));
  });

  it('hostile names in a picture: each label one line of its own shape, the names cut to 40 characters', () => {
    const tree = treeOf({ [HOSTILE_NAMES[0]!]: { accounts: [['100000000001', HOSTILE_NAMES[2]!], ['100000000002', HOSTILE_NAMES[8]!]] }, [HOSTILE_NAMES[9]!]: { accounts: [['100000000003', 'x']] } });
    const p = changeTreePicture({ tree, waves: [{ name: '"]; click n0 href "http://evil.example"', targets: [tree.root] }] }, accountVerdicts([group(['100000000001'], 'stricter'), group(['100000000002'], 'looser')]));
    const lines = mermaidTreePicture(p);
    for (const line of lines.slice(5)) expect(line).toMatch(/^ {2}(?:n\d+(?:\["[^"]*"\]|\(\["[^"]*"\]\)|\[\["[^"]*"\]\])|n\d+ --> n\d+|class (?:n\d+,)*n\d+ (?:stricter|looser|mixed|unchanged|firstWave)|classDef firstWave stroke-width:5px,font-weight:bold)$/);
    const labels = lines.filter((l) => /^ {2}n\d+[[(]/.test(l)).map((l) => l.replace(/<br\/>/g, ''));
    expect(labels).toHaveLength(p.nodes.length);
    // Nothing but entity codes, plain words and the shape's own brackets and quotes.
    for (const l of labels) expect(l.replace(/#\d+;/g, '')).not.toMatch(/[<>`%:;]/);
    // The names, decoded, cut to 40 characters with an ellipsis.
    expect(labels[1]).toContain(mermaidText(`${[...inertLine(HOSTILE_NAMES[0]!)].slice(0, 39).join('')}\u2026`));
  });
});
