/**
 * The HTML report without a browser: the data the page reads (report-data.ts), the JSON island and the
 * Content-Security-Policy around it (html-page.ts), the script as a parseable program, and the strict
 * reading of a rollout journal (journal-timeline.ts).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OrgTree } from '../../src/model/org-tree.js';
import { jsonIsland, renderHtmlReport } from '../../src/report/html/html-page.js';
import { JOURNAL_LIMITS, journalTimeline } from '../../src/report/html/journal-timeline.js';
import { buildReportData, fromRanges, ranges, type AttachedPolicyView, type AttachmentsView } from '../../src/report/html/report-data.js';
import { VIEWER_SCRIPT } from '../../src/report/html/viewer-script.js';
import type { SemanticGroup, SemanticReview } from '../../src/semantic-diff/index.js';
import { haltedJournal } from './html-report-journal.js';

describe('account ranges', () => {
  it.each([
    [[], []],
    [[5], [5, 1]],
    [[3, 1, 2, 2, 7, 8, 10], [1, 3, 7, 2, 10, 1]],
  ])('%j as %j, and back', (values, encoded) => {
    expect(ranges(values)).toEqual(encoded);
    expect(fromRanges(encoded)).toEqual([...new Set(values)].sort((a, b) => a - b));
  });
});

describe('the JSON island', () => {
  it.each(['</script><script>alert(1)</script>', '<!-- <script>', '\u2028\u2029', 'a & b > c'])('%j cannot end the island and reads back as it was', (s) => {
    const island = jsonIsland({ s });
    expect(island).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(island)).toEqual({ s });
  });
});

/** Root > Workloads (ou-1) > two accounts; management at the root. */
function smallOrg() {
  const tree = new OrgTree('Root', 'r-1');
  tree.add({ kind: 'account', name: 'management', id: '100000000000', parent: tree.root });
  const ou = tree.add({ kind: 'ou', name: 'Workloads</script>', id: 'ou-1', parent: tree.root });
  const a = tree.add({ kind: 'account', name: 'dev\u202eved', id: '100000000001', parent: ou });
  const b = tree.add({ kind: 'account', name: 'prod', id: '100000000002', parent: ou });
  return { tree, ou, a, b };
}

function attachments(at: Record<string, AttachedPolicyView[]>): AttachmentsView {
  return { attachedAt: (id, type) => (at[id] ?? []).filter((p) => p.type === type) };
}

describe('the report data', () => {
  const { tree, ou, a } = smallOrg();
  const full: AttachedPolicyView = { name: 'FullAWSAccess', type: 'scp', owned: false, controls: undefined };
  const old: AttachedPolicyView = { name: 'guardrails-scp-a', type: 'scp', owned: true, controls: ['region'] };
  const now: AttachedPolicyView = { ...old, controls: ['region', 'tls'] };
  const everywhere = (p: AttachedPolicyView) => Object.fromEntries(tree.nodes.map((n) => [n.id!, [p]]));
  const before = attachments({ ...everywhere(full), 'ou-1': [full, old] });
  const after = attachments({ ...everywhere(full), 'ou-1': [full, now] });
  const semantic: SemanticGroup[] = [{ type: 'scp', personas: ['a role'], accounts: ['100000000001'], targets: [], changes: [{ kind: 'newly-denied', count: 2, services: [{ service: 's3', accessLevel: 'Write', count: 2, actions: [], more: 0 }], direction: 'stricter' }] }];
  const review: SemanticReview = {
    verdicts: [{ control: 'tls', verdict: 'stricter', accounts: ['100000000001'], targets: ['ou-1'], changes: [{ type: 'scp', kind: 'newly-denied', direction: 'stricter', count: 2, services: semantic[0]!.changes[0]!.services, removed: [], added: [], statements: [], personas: ['a role'], accounts: ['100000000001'], targets: ['ou-1'] }] }],
    allowed: [],
    unattributed: 0,
  };
  const data = buildReportData({
    organization: { id: 'o-1', managementAccount: '100000000000', source: 'test', readAt: '2026-11-20T09:00:00Z' },
    reference: 'ref',
    tree,
    before,
    after,
    changes: new Map([['scp:guardrails-scp-a', 'update']]),
    review,
    semantic,
    waves: [{ name: 'canary', targets: [a] }],
    generatedAt: '2026-11-21T09:00:00.000Z',
  });

  it('holds the tree in pre-order, names made inert, a verdict letter per account', () => {
    expect(data.nodes.kind).toBe('raoaa');
    expect(data.nodes.parent).toEqual([-1, 0, 0, 2, 2]);
    expect(data.nodes.name).toEqual(['Root', 'management', 'Workloads</script>', 'dev\\u202eved', 'prod']);
    expect(data.nodes.verdict).toBe('.u.su');
    expect(data.meta).toMatchObject({ ous: 1, accounts: 3, changed: 1 });
  });

  it('shares attachment sets between nodes, and keeps a policy\'s deployed controls apart when they differ', () => {
    expect(data.sets).toHaveLength(2);
    expect(new Set(data.nodes.before)).toEqual(new Set([0, 1]));
    const policy = data.policies.find((p) => p.name === 'guardrails-scp-a')!;
    expect(policy.change).toBe('update');
    expect(policy.controls.map((c) => data.controls[c])).toEqual(['region', 'tls']);
    expect(policy.controlsBefore!.map((c) => data.controls[c])).toEqual(['region']);
    expect(data.policies.find((p) => p.name === 'FullAWSAccess')!.change).toBe('foreign');
  });

  it('gives each control verdict its accounts as ordinals, and the waves as runs over the nodes (a rest wave for the others)', () => {
    expect(data.verdicts).toHaveLength(1);
    expect(fromRanges(data.verdicts[0]!.accounts)).toEqual([1]);
    expect(data.verdicts[0]!.changes[0]!.text).toBe('SCP: 2 actions become denied (Write 2; in s3 2)');
    expect(data.waves.map((w) => w.name)).toEqual(['canary', 'rest']);
    // Root, management, Workloads in rest (1); the canary account (0); prod in rest.
    expect(data.waveRuns).toEqual([0, 3, 1, 3, 4, 0, 4, 5, 1]);
    expect(ou.children).toHaveLength(2);
  });

  it('is written into a page whose policy allows exactly its own style and script', () => {
    const html = renderHtmlReport(data);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!.replaceAll('&#39;', "'");
    const script = /<script>([\s\S]*?)<\/script>\n<\/body>/.exec(html)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    expect(csp).toBe(`default-src 'none'; style-src ${hash(style)}; script-src ${hash(script)}; img-src data:; base-uri 'none'; form-action 'none'`);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toContain('Workloads</script>');
  });

  it('has a script that parses', () => {
    expect(() => new Function(VIEWER_SCRIPT)).not.toThrow();
  });
});

describe('a rollout journal, read strictly', () => {
  it('gives per wave the calls, retries, verification, bake, signals and the halt with its reason', () => {
    const read = journalTimeline(haltedJournal(), 'rollouts/run-1.jsonl');
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    const [run] = read.timeline.runs;
    expect(run).toMatchObject({ run: 'run-1', result: 'halted', command: 'rollout --live' });
    expect(run!.reason).toContain('health signal check failed');
    const canary = run!.waves.find((w) => w.name === 'canary')!;
    expect(canary).toMatchObject({ result: 'halted', calls: 2, retries: 2 });
    expect(canary.events.map((e) => e.kind)).toEqual(['wave-start', 'call', 'call', 'verify', 'signal', 'signal', 'bake', 'wave-end', 'halt']);
    expect(canary.events[2]!.text).toContain('3 attempts (retried: throttled 2)');
    expect(canary.events.at(-1)).toMatchObject({ ok: false });
    expect(canary.events.at(-1)!.text).toContain('smoke test failed');
    // Made inert: the escape sequence in the signal's detail shows as text.
    expect(canary.events[5]!.text).toContain('\\x1b[2J');
    expect(run!.waves.find((w) => w.name === 'everything')).toMatchObject({ calls: 0, events: [] });
  });

  it('tolerates a torn last line, saying so', () => {
    const read = journalTimeline(`${haltedJournal()}{"kind":"wave-st`, 'j.jsonl');
    expect(read.ok && read.timeline.notes).toEqual(['j.jsonl:12: the last line is torn (the run was stopped while writing it); left out']);
  });

  it.each([
    ['not JSON', 'nope', 'j.jsonl:1: not JSON'],
    ['an array', '[1]', 'j.jsonl:1: not a JSON object'],
    ['an unknown kind', '{"kind":"format-disk","run":"r","at":"2026-11-21T09:00:00Z"}', 'j.jsonl:1: "kind" must be one of'],
    ['a bad time', '{"kind":"run-end","run":"r","at":"yesterday","result":"done","exitCode":0}', 'j.jsonl:1: "at" must be an ISO date'],
    ['a count of the wrong type', '{"kind":"wave-start","run":"r","at":"2026-11-21T09:00:00Z","wave":"w","steps":"7","leastSeconds":1}', 'j.jsonl:1: "steps" must be a whole number'],
    ['retries that are not counts', '{"kind":"step-end","run":"r","at":"2026-11-21T09:00:00Z","wave":"w","index":0,"result":"done","attempts":1,"retries":{"x":"y"},"ms":1}', 'j.jsonl:1: "retries" must be an object of counts'],
    ['deep nesting', `{"kind":"run-start","x":${'['.repeat(50)}${']'.repeat(50)}}`, 'j.jsonl:1: nested deeper than 8 levels'],
  ])('refuses %s, naming the line', (_what, line, problem) => {
    const read = journalTimeline(`${line}\n`, 'j.jsonl');
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem.startsWith(problem), read.problem).toBe(true);
  });

  it(`lists at most ${JOURNAL_LIMITS.callsPerWave} calls that went well per wave and counts the others`, () => {
    const at = '2026-11-21T09:00:00Z';
    const lines = [{ kind: 'wave-start', run: 'r', at, wave: 'w', steps: 600, leastSeconds: 1 }];
    for (let i = 0; i < 600; i++) lines.push({ kind: 'step-end', run: 'r', at, wave: 'w', index: i, result: 'done', attempts: 1, retries: {}, ms: 5 } as never);
    const read = journalTimeline(lines.map((l) => JSON.stringify(l)).join('\n') + '\n', 'j.jsonl');
    expect(read.ok && read.timeline.runs[0]!.waves[0]).toMatchObject({ calls: 600, omitted: 100 });
  });
});
