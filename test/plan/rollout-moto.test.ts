/**
 * The end-to-end case against a real moto_server: the example organization built through the
 * real client; version 1 of its policies deployed by executing the plan wave by wave; the intent then
 * changed (one control tightened, one loosened, one added, one removed), and the diff and the plan must
 * describe exactly those changes, and applying the plan wave by wave must change exactly each wave's
 * accounts. The rollout of version 2 is stopped twice (after two waves, and in the last wave before the
 * staged copies take their names) and planned again from an export each time: it must go on from where
 * it stopped.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrgTree, type OrgNode } from '../../src/model/org-tree.js';
import { applyOperations, isOwned, readOrganization, stableNameOf, treeOfState, type OrgState } from '../../src/org/index.js';
import { deniesEverythingOf, type DiffReport, type ExpectedTarget } from '../../src/plan/index.js';
import { canonicalPolicyText } from '../../src/policy/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { reference2026 } from '../support/reference.js';
import { runCli } from '../support/cli.js';
import { exampleRepoInMoto, startMoto, type IdMap, type Moto } from '../support/moto.js';

let moto: Moto;
let dir: string;
let cache: string;
let ids: IdMap;
let reference: ReferenceIndex;

interface PlanJson {
  ok: boolean;
  waves: { name: string; accounts: string[]; steps: { op: Parameters<typeof applyOperations>[2][number]; text: string }[]; calls: number; leastSeconds: number; strategies: { policy: string; strategy: string }[]; expected: ExpectedTarget[] }[];
  totals: { calls: number };
}

const cli = (args: string[]) => runCli(args[0] === 'org' ? args : [...args, '--cache', cache], { cwd: dir, env: moto.env });
const read = async () => (await readOrganization(moto.client())).state;

/**
 * The contents of guardrails' policies that reach each account (the management account aside), as what
 * the account may do: a version beside a newer one of the same policy that denies everything it does
 * (additive staging) adds nothing and is left out.
 */
function effectiveContents(state: OrgState): Map<string, string[]> {
  const tree = treeOfState(state);
  const out = new Map<string, string[]>();
  for (const account of tree.accounts) {
    if (account.id === state.organization.managementAccount) continue;
    const path: string[] = [];
    for (let n: OrgNode | undefined = account; n; n = n.parent) path.push(n.id!);
    const reaching = state.policies.filter((p) => isOwned(p) && p.targets.some((t) => path.includes(t))).map((p) => ({ lineage: `${p.type}:${stableNameOf(p)}`, type: p.type, canonical: canonicalPolicyText(p.content) }));
    const kept = reaching.filter((p) => !reaching.some((q) => q.lineage === p.lineage && q.canonical !== p.canonical && deniesEverythingOf(q.canonical, p.canonical, reference).covers));
    out.set(account.id!, [...new Set(kept.map((p) => `${p.type} ${p.canonical}`))].sort());
  }
  return out;
}

/** Exports the organization's state and plans against it. */
async function planFromExport(): Promise<PlanJson> {
  fs.writeFileSync(path.join(dir, 'org.json'), (await cli(['org', 'export'])).stdout);
  const run = await cli(['plan', '--org', 'org.json', '--json']);
  expect(run.code, run.stderr).toBe(0);
  const plan = JSON.parse(run.stdout) as PlanJson;
  expect(plan.ok).toBe(true);
  return plan;
}

async function applyWaveByWave(plan: PlanJson, check: (wave: number, state: OrgState) => void): Promise<void> {
  for (const [i, wave] of plan.waves.entries()) {
    await applyOperations(moto.client(), await read(), wave.steps.map((s) => s.op));
    const state = await read();
    expectAsPlanned(wave.expected, state);
    check(i, state);
  }
}

/** Every target the wave touched holds, directly, exactly the policies its expected state lists. */
function expectAsPlanned(expected: readonly ExpectedTarget[], state: OrgState): void {
  for (const t of expected) {
    const held = state.policies
      .filter((p) => p.type === t.type && p.targets.includes(t.id))
      .map((p) => (isOwned(p) ? { name: p.name, digest: createHash('sha256').update(canonicalPolicyText(p.content)).digest('hex'), owned: true } : { name: p.name, owned: false }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(held, `${t.type} at ${t.label}`).toEqual(t.policies);
  }
}

beforeAll(async () => {
  moto = await startMoto();
  reference = (await reference2026()).index;
  ({ dir, cache, ids } = await exampleRepoInMoto(moto));
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

describe('deployed state, diff and plan against moto', () => {
  let v1: Map<string, string[]>;

  it('deploys version 1 of the example organization wave by wave, each wave reaching exactly its accounts', async () => {
    expect((await cli(['compile'])).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'org.json'), (await cli(['org', 'export'])).stdout);
    const diff = JSON.parse((await cli(['diff', '--org', 'org.json', '--json'])).stdout) as DiffReport;
    expect(diff.structural.policies.map((p) => p.change)).toEqual(diff.structural.policies.map(() => 'create'));
    expect(diff.structural.counts.create).toBe(diff.structural.policies.length);

    const planRun = await cli(['plan', '--org', 'org.json', '--json']);
    expect(planRun.code, planRun.stderr).toBe(0);
    const plan = JSON.parse(planRun.stdout) as PlanJson;
    expect(plan.waves.map((w) => w.name)).toEqual(['canary', 'nonprod', 'genai', 'everything']);
    expect(plan.waves[0]!.accounts).toEqual([ids.get('333333333333')]);

    const reached = new Set<string>();
    await applyWaveByWave(plan, (i, state) => {
      for (const a of plan.waves[i]!.accounts) reached.add(a);
      for (const [account, contents] of effectiveContents(state)) {
        if (reached.has(account)) expect(contents.length, `account ${account} after wave ${plan.waves[i]!.name}`).toBeGreaterThan(0);
        else expect(contents, `account ${account} is in no wave yet, after wave ${plan.waves[i]!.name}`).toEqual([]);
      }
    });
    fs.writeFileSync(path.join(dir, 'org.json'), (await cli(['org', 'export'])).stdout);
    const after = JSON.parse((await cli(['diff', '--org', 'org.json', '--json'])).stdout) as DiffReport;
    expect(after.changed).toBe(false);
    expect(after.semantic).toEqual([]);
    v1 = effectiveContents(await read());
    const owned = (await read()).policies.filter(isOwned);
    expect(owned.every((p) => p.tags['guardrails:controls'])).toBe(true);
  });

  it('describes exactly a tightened, a loosened, an added and a removed control, and rolls them out wave by wave', async () => {
    const baseline = path.join(dir, 'guardrails', 'baseline.yaml');
    const perimeter = path.join(dir, 'guardrails', 'data-perimeter.yaml');
    let text = fs.readFileSync(baseline, 'utf8');
    // Tighten: one more action in no-long-term-credentials.
    text = text.replace('      - iam:CreateAccessKey\n', '      - iam:CreateAccessKey\n      - iam:UpdateAccessKey\n');
    // Remove: stay-in-organization.
    text = text.replace(/  stay-in-organization:\n    kind: deny-actions\n    actions: \[organizations:LeaveOrganization\]\n    attach: \[Root\]\n/, '');
    // Add: a new control.
    text += '\n  no-ram-shares:\n    kind: deny-actions\n    actions: [ram:CreateResourceShare]\n    attach: [Workloads]\n';
    fs.writeFileSync(baseline, text);
    // Loosen: ecr leaves the identity perimeter.
    const p = fs.readFileSync(perimeter, 'utf8');
    expect(p).toContain('dynamodb, logs, ecr]');
    fs.writeFileSync(perimeter, p.replace('dynamodb, logs, ecr]', 'dynamodb, logs]'));
    const compiled = await cli(['compile']);
    expect(compiled.code, compiled.stderr).toBe(0);

    const diffRun = await cli(['diff', '--org', 'org.json', '--json']);
    expect(diffRun.code, diffRun.stderr).toBe(0);
    const diff = JSON.parse(diffRun.stdout) as DiffReport;
    const tree = treeOfState(await read());
    const accountsOf = (...refs: string[]) => refs.flatMap((r) => OrgTree.accountsUnder((tree.resolve(r) as { node: OrgNode }).node)).map((a) => a.id!).filter((a) => a !== ids.get('111111111111')).sort();
    const changed = (kind: string, type: string) => {
      const byAction = new Map<string, string[]>();
      for (const g of diff.semantic.filter((x) => x.type === type)) {
        for (const c of g.changes.filter((x) => x.kind === kind)) {
          for (const s of c.services) for (const a of s.actions) byAction.set(a, [...(byAction.get(a) ?? []), ...g.accounts].sort());
        }
      }
      return byAction;
    };
    // SCPs, for a role in each account.
    const denied = changed('newly-denied', 'scp');
    expect([...denied.keys()].sort()).toEqual(['iam:UpdateAccessKey', 'ram:CreateResourceShare']);
    expect(denied.get('iam:UpdateAccessKey')).toEqual(accountsOf('Workloads', 'GenAI', 'Sandbox'));
    expect(denied.get('ram:CreateResourceShare')).toEqual(accountsOf('Workloads'));
    // Leaving the organization is allowed again, outright: the tag-protection companions (Deny * when the
    // request carries a protected tag key) cannot deny it, as organizations:LeaveOrganization carries no tags.
    const loosened = new Map([...changed('newly-allowed', 'scp'), ...changed('now-conditional', 'scp')].map(([a]) => [a, [...(changed('newly-allowed', 'scp').get(a) ?? []), ...(changed('now-conditional', 'scp').get(a) ?? [])].sort()]));
    expect([...loosened.keys()]).toEqual(['organizations:LeaveOrganization']);
    expect(loosened.get('organizations:LeaveOrganization')).toEqual(accountsOf('Root'));
    expect(changed('newly-allowed', 'scp').get('organizations:LeaveOrganization')).toEqual(accountsOf('Root'));
    expect(changed('now-conditional', 'scp').size).toBe(0);
    // RCPs: ecr is open again to principals outside the organization, in the perimeter's accounts.
    const rcpAllowed = diff.semantic.filter((g) => g.type === 'rcp').flatMap((g) => g.changes.filter((c) => c.kind === 'newly-allowed').flatMap((c) => c.services.map((s) => s.service)));
    expect(new Set(rcpAllowed)).toEqual(new Set(['ecr']));
    const outsider = diff.semantic.find((g) => g.type === 'rcp' && g.personas.some((x) => x.includes('outside the organization')));
    expect([...outsider!.accounts].sort()).toEqual(accountsOf('Security', 'Workloads', 'GenAI', 'Sandbox'));
    // Two groups of ecr actions: those that can carry tag keys were also denied by the tag-protection
    // companion of the perimeter (aws:TagKeys); the others only by the perimeter itself.
    expect(outsider!.changes.map((c) => c.kind)).toEqual(['newly-allowed', 'newly-allowed']);
    const tagging = outsider!.changes.find((c) => c.services.some((x) => x.actions.includes('ecr:TagResource')))!;
    const rest = outsider!.changes.find((c) => c !== tagging)!;
    expect(tagging.before!.join()).toContain('aws:TagKeys ["dp:exclude:identity"]');
    expect(rest.before).toEqual(['Deny when StringNotEqualsIfExists aws:ResourceTag/dp:exclude:identity ["true"]']);
    expect(rest.services.flatMap((x) => x.actions)).toContain('ecr:BatchGetImage');
    // Nothing else changes its decision.
    for (const g of diff.semantic) {
      for (const c of g.changes) {
        expect(['newly-denied', 'newly-allowed', 'now-conditional']).toContain(c.kind);
        for (const s of c.services) for (const a of s.actions) expect(a === 'iam:UpdateAccessKey' || a === 'ram:CreateResourceShare' || a === 'organizations:LeaveOrganization' || a.startsWith('ecr:'), a).toBe(true);
      }
    }
    // The textual side: exactly the policies that hold changed controls change.
    const touched = diff.structural.policies.filter((x) => x.change !== 'unchanged');
    expect(touched.map((x) => `${x.change} ${x.name}`).sort()).toEqual([
      'create guardrails-scp-no-ram-shares',
      // The policy that held the removed control carries the rest under the name of what it now holds.
      'create guardrails-scp-protect-security-services',
      'delete guardrails-scp-protect-security-services+stay-in-organization',
      'update guardrails-rcp-only-org-principals',
      'update guardrails-scp-allowed-regions+no-long-term-credentials',
    ]);
    expect(touched.find((x) => x.controls.includes('no-long-term-credentials'))!.textDiff).toMatch(/^\+\s+"iam:[^"]+",?$/m);

    const md = await cli(['diff', '--org', 'org.json', '--markdown']);
    expect(md.stdout).toContain('## guardrails diff');
    expect(md.stdout).toContain('`organizations:LeaveOrganization`');
    expect(md.stdout).toContain('<details><summary>');

    const planText = await cli(['plan', '--org', 'org.json']);
    if (process.env.SHOW_PLAN) console.log(planText.stdout, planText.stderr);
    const plan = await planFromExport();
    expect(plan.waves.map((w) => w.name)).toEqual(['canary', 'nonprod', 'genai', 'everything']);
    // The tightened policy is staged beside its old version, the loosened one pushed down.
    const canary = new Map(plan.waves[0]!.strategies.map((s) => [s.policy, s.strategy]));
    expect(canary.get('guardrails-scp-allowed-regions+no-long-term-credentials')).toBe('additive');
    expect(canary.get('guardrails-rcp-only-org-principals')).toBe('push-down');
    // What each account holds after each step of the rollout, with the accounts reached so far.
    const states: { label: string; reached: Set<string>; contents: Map<string, string[]> }[] = [];
    const reached = new Set<string>();
    const apply = async (label: string, ops: PlanJson['waves'][number]['steps'], accounts: string[], expected?: ExpectedTarget[]) => {
      await applyOperations(moto.client(), await read(), ops.map((s) => s.op));
      if (expected) expectAsPlanned(expected, await read());
      for (const a of accounts) reached.add(a);
      states.push({ label, reached: new Set(reached), contents: effectiveContents(await read()) });
    };

    // The rollout stops after canary and nonprod; the state is exported and the rollout planned again.
    for (const wave of plan.waves.slice(0, 2)) await apply(wave.name, wave.steps, wave.accounts, wave.expected);
    const resumed = await planFromExport();
    expect(resumed.waves.map((w) => w.name)).toEqual(plan.waves.map((w) => w.name));
    expect(resumed.waves.slice(0, 2).map((w) => [w.name, w.calls, w.accounts])).toEqual([['canary', 0, []], ['nonprod', 0, []]]);
    expect(resumed.waves.slice(2).map((w) => w.accounts)).toEqual(plan.waves.slice(2).map((w) => w.accounts));

    // It goes on with genai, and stops again in the last wave: the old versions deleted, the staged copies not yet renamed.
    await apply('genai', resumed.waves[2]!.steps, resumed.waves[2]!.accounts, resumed.waves[2]!.expected);
    const last = resumed.waves[3]!;
    const firstRename = last.steps.findIndex((s) => s.op.op === 'update' && s.op.rename !== undefined);
    expect(firstRename).toBeGreaterThan(0);
    await apply('everything, up to its renames', last.steps.slice(0, firstRename), last.accounts);
    const renames = await planFromExport();
    expect(renames.waves.slice(0, 3).map((w) => w.calls)).toEqual([0, 0, 0]);
    expect(renames.waves[3]!.steps).toEqual(last.steps.slice(firstRename));
    expect(renames.waves[3]!.steps.every((s) => s.op.op === 'update' && s.op.rename && s.op.policy.endsWith('.next'))).toBe(true);
    await apply('the renames', renames.waves[3]!.steps, [], renames.waves[3]!.expected);

    const v2 = states.at(-1)!.contents;
    for (const { label, reached: atThatPoint, contents } of states) {
      for (const [account, held] of contents) {
        if (atThatPoint.has(account)) expect(held, `account ${account} must have version 2 after ${label}`).toEqual(v2.get(account));
        else expect(held, `account ${account} must still have version 1 after ${label}`).toEqual(v1.get(account));
      }
    }
    fs.writeFileSync(path.join(dir, 'org.json'), (await cli(['org', 'export'])).stdout);
    const done = JSON.parse((await cli(['diff', '--org', 'org.json', '--json'])).stdout) as DiffReport;
    expect(done.changed).toBe(false);
    expect([...v2.keys()].some((a) => JSON.stringify(v2.get(a)) !== JSON.stringify(v1.get(a)))).toBe(true);
  });
});
