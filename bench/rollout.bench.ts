/**
 * The rollout loop at scale: the synthetic organization of 2,010 OUs and 10,000 accounts, six
 * guardrails policies tightened (one more action denied each), rolled out in four waves by
 * `runRollout` against an in-memory Organizations that records every call (moto cannot hold this
 * tree in reasonable time). The clock is virtual: the pacer's waits at the recorded rate limits pass
 * in no time, and what they add up to is the rollout's wall time at AWS's rates, set against the
 * least time the plan computes. The CPU the loop spends (reads, plans, checks) is measured for real.
 */
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  ListPoliciesForTargetCommand,
  TagResourceCommand,
  UpdatePolicyCommand,
} from '@aws-sdk/client-organizations';
import { AWS_POLICY_TYPE, treeOfState, type DeployedPolicy, type OrganizationsApi, type OrgState } from '../src/org/index.js';
import { planFile, planRollout, type Deployment, type WaveSpec } from '../src/plan/index.js';
import { resolveQuotas } from '../src/policy/index.js';
import { loadFromCache, DirectorySource, syncReference } from '../src/reference/index.js';
import { runRollout, type PlanSource } from '../src/rollout/index.js';
import { SNAPSHOT_2026 } from '../test/support/paths.js';
import type { Figure } from './harness.js';
import { fakeOrganizations, syntheticState } from './synthetic-org.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const deny = (actions: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: actions, Resource: '*' }] });

/** fakeOrganizations' reads over a state this fake changes as Organizations would. */
function recordingOrganizations(state: OrgState): OrganizationsApi & { writes: Record<string, number>; reads: number } {
  const reader = fakeOrganizations(state);
  let next = 1;
  const find = (id: string) => {
    const p = state.policies.find((x) => x.id === id);
    if (!p) throw Object.assign(new Error(`policy ${id} not found`), { name: 'PolicyNotFoundException' });
    return p;
  };
  const summary = (p: DeployedPolicy) => ({ Id: p.id, Name: p.name, Type: AWS_POLICY_TYPE[p.type], AwsManaged: p.awsManaged, Description: p.description });
  const api = {
    writes: {} as Record<string, number>,
    reads: 0,
    async send(command: unknown): Promise<unknown> {
      const input = (command as { input: Record<string, unknown> }).input;
      const count = (op: string) => (api.writes[op] = (api.writes[op] ?? 0) + 1);
      if (command instanceof CreatePolicyCommand) {
        count('CreatePolicy');
        const type = input.Type === 'SERVICE_CONTROL_POLICY' ? 'scp' : 'rcp';
        if (state.policies.some((p) => p.name === input.Name && p.type === type)) throw Object.assign(new Error('duplicate'), { name: 'DuplicatePolicyException' });
        const tags = Object.fromEntries(((input.Tags as { Key: string; Value: string }[]) ?? []).map((t) => [t.Key, t.Value]));
        const p: DeployedPolicy = { id: `p-new${next++}`, name: input.Name as string, type, description: (input.Description as string) ?? '', awsManaged: false, tags, content: input.Content as string, targets: [] };
        state.policies.push(p);
        return { Policy: { PolicySummary: summary(p), Content: p.content } };
      }
      if (command instanceof UpdatePolicyCommand) {
        count('UpdatePolicy');
        const p = find(input.PolicyId as string);
        if (input.Content !== undefined) p.content = input.Content as string;
        if (input.Name !== undefined) p.name = input.Name as string;
        if (input.Description !== undefined) p.description = input.Description as string;
        return { Policy: { PolicySummary: summary(p), Content: p.content } };
      }
      if (command instanceof DeletePolicyCommand) {
        count('DeletePolicy');
        const p = find(input.PolicyId as string);
        state.policies.splice(state.policies.indexOf(p), 1);
        return {};
      }
      if (command instanceof AttachPolicyCommand || command instanceof DetachPolicyCommand) {
        const attach = command instanceof AttachPolicyCommand;
        count(attach ? 'AttachPolicy' : 'DetachPolicy');
        const p = find(input.PolicyId as string);
        const t = input.TargetId as string;
        p.targets = attach ? [...p.targets, t].sort() : p.targets.filter((x) => x !== t);
        return {};
      }
      if (command instanceof TagResourceCommand) {
        count('TagResource');
        const p = find(input.ResourceId as string);
        for (const t of input.Tags as { Key: string; Value: string }[]) p.tags[t.Key] = t.Value;
        return {};
      }
      api.reads++;
      if (command instanceof ListPoliciesForTargetCommand) {
        const type = input.Filter === 'SERVICE_CONTROL_POLICY' ? 'scp' : 'rcp';
        return { Policies: state.policies.filter((p) => p.type === type && p.targets.includes(input.TargetId as string)).map(summary) };
      }
      if (command instanceof DescribePolicyCommand) {
        const p = find(input.PolicyId as string);
        return { Policy: { PolicySummary: summary(p), Content: p.content } };
      }
      return reader.send(command);
    },
  };
  return api;
}

export async function benchRollout(): Promise<Figure[]> {
  const owned = (name: string, type: 'scp' | 'rcp', content: string, targets: string[]): DeployedPolicy => ({ id: `p-${name}`, name, type, description: '', awsManaged: false, tags: { 'managed-by': 'guardrails', 'guardrails:controls': name }, content, targets });
  const state = syntheticState((all, top) => [
    { id: 'p-FullAWSAccess', name: 'FullAWSAccess', type: 'scp', description: '', awsManaged: true, tags: {}, content: deny([]).replace('Deny', 'Allow'), targets: all },
    { id: 'p-RCPFullAWSAccess', name: 'RCPFullAWSAccess', type: 'rcp', description: '', awsManaged: true, tags: {}, content: '{}', targets: all },
    owned('guardrails-scp-baseline', 'scp', deny(['iam:CreateUser']), ['r-synt']),
    owned('guardrails-scp-regions', 'scp', deny(['ec2:RunInstances']), top.slice(0, 8)),
    owned('guardrails-scp-security', 'scp', deny(['cloudtrail:StopLogging']), ['r-synt']),
    owned('guardrails-scp-bedrock', 'scp', deny(['bedrock:InvokeModel']), top.slice(2, 4)),
    owned('guardrails-rcp-perimeter', 'rcp', deny(['s3:GetObject']), ['r-synt']),
    owned('guardrails-rcp-tls', 'rcp', deny(['s3:PutObject']), top),
  ]);
  // The change: every guardrail denies one more action (a tightening, staged additively).
  const desiredOf = (s: OrgState) => {
    const tree = treeOfState(s);
    return state.policies
      .filter((p) => !p.awsManaged && !p.name.endsWith('.next'))
      .map((p) => ({ name: p.name, type: p.type, content: deny([...(JSON.parse(original.get(p.name)!) as { Statement: { Action: string[] }[] }).Statement[0]!.Action, 's3:DeleteBucket']), controls: [p.name], targets: (targetsOf.get(p.name) ?? []).map((t) => tree.byAwsId(t) ?? tree.account(t)!) }));
  };
  const original = new Map(state.policies.map((p) => [p.name, p.content]));
  const targetsOf = new Map(state.policies.map((p) => [p.name, [...p.targets]]));
  const desired = desiredOf(state);

  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-bench-'));
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
  const reference = (await loadFromCache(cache, 'current', { cwd: cache })).index;
  const top = state.root.ous.map((o) => o.id);
  const source: PlanSource = {
    describe: 'bench',
    neededTypes: ['scp', 'rcp'],
    planAgainst(s: OrgState) {
      const tree = treeOfState(s);
      const node = (id: string) => tree.byAwsId(id) ?? tree.account(id)!;
      const d: Deployment = { state: s, tree, managementAccount: s.organization.managementAccount, quotas: resolveQuotas('aws-2026-05')!, deployed: s.policies, desired: desired.map((p) => ({ ...p, targets: p.targets.map((t) => node(t.id!)) })), reference };
      const waves: WaveSpec[] = [
        { name: 'canary', targets: [tree.account('200000000001')!] },
        { name: 'one-division', targets: [node(top[0]!)] },
        { name: 'half', targets: top.slice(1, 5).map(node) },
        { name: 'everything', targets: [tree.root] },
      ];
      const plan = planRollout(d, waves);
      if (!plan.ok) return { ok: false, diagnostics: plan.diagnostics };
      return { ok: true, deployment: d, plan, file: planFile(plan, d, { intentDigest: 'bench', outDigest: 'bench' }) };
    },
  };
  const api = recordingOrganizations(state);
  let virtual = 0;
  const cpuStart = performance.now();
  const report = await runRollout({
    run: 'r-bench',
    command: 'bench',
    source,
    writer: api,
    reader: api,
    lockClient: api,
    caller: { account: state.organization.managementAccount, arn: `arn:aws:iam::${state.organization.managementAccount}:role/rollout`, userId: 'bench' },
    reference,
    journal: { append: async () => {} },
    dryRun: false,
    resume: false,
    bakeSeconds: () => 0,
    protect: [],
    allowLockoutRisk: false,
    enablePolicyTypes: false,
    verify: { timeoutMs: 1_000, intervalMs: 100 },
    clock: { now: () => virtual, sleep: async (ms) => void (virtual += ms), random: () => 0.5 },
    signal: new AbortController().signal,
    onEvent: () => {},
  });
  const cpuMs = performance.now() - cpuStart;
  fs.rmSync(cache, { recursive: true, force: true });
  if (report.result !== 'done') throw new Error(`bench rollout ${report.result}: ${report.reason}`);
  const calls = report.waves.reduce((n, w) => n + w.calls, 0);
  const least = report.waves.reduce((n, w) => n + w.leastSeconds, 0);
  return [
    { name: 'rollout: 2,010 OUs, 10,000 accounts, 6 tightened policies, 4 waves', value: calls, unit: 'calls', note: `per wave ${report.waves.map((w) => `${w.name} ${w.calls}`).join(', ')} (plus the lock's ${Object.values(api.writes).reduce((a, b) => a + b, 0) - calls} calls)` },
    { name: 'rollout: wall time at the recorded rate limits', value: virtual / 1000, unit: 's', note: `least time of the plan ${least.toFixed(1)} s; ratio ${(virtual / 1000 / Math.max(least, 0.001)).toFixed(2)} (paced writes, serial)` },
    { name: 'rollout: CPU of the loop (reads, plans, preflight, verification)', value: cpuMs / 1000, unit: 's', note: `${api.reads.toLocaleString('en-US')} read calls to the in-memory Organizations; each wave reads and plans again` },
  ];
}
