/**
 * The planted cases' answers, and the background's neutrality, checked with the project's engine
 * (src/evaluate) on the example change: the deployed policies of guardrails/org-snapshot.json against
 * the intent compiled in memory (what out/ holds), each along the account's OU chain. A key CloudTrail
 * does not carry is decided for several values: the same answer for all is that answer, different
 * answers are "may-deny". If the intent, the snapshot or the engine changes what a case means, this
 * fails before an impact test would trust a wrong expectation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../../src/compile/index.js';
import { accountOf, authorize, buildRequest, compilePolicy, type CompiledPolicy, type OrgChain } from '../../../src/evaluate/index.js';
import { loadIntent } from '../../../src/intent/index.js';
import { readPolicyDocument } from '../../../src/policy/index.js';
import type { ReferenceIndex } from '../../../src/reference/index.js';
import { ALLOWED_REGIONS, APPROVED_MODELS, PLANTED, TRUSTED_PARTNER, backgroundPrincipals, exampleOrganization, homeRegions, principalArn, type EngineQuestion, type SideDecision } from '../../support/cloudtrail-traffic.js';
import { PROJECT_ROOT } from '../../support/paths.js';
import { reference2026 } from '../../support/reference.js';

interface SnapshotNode {
  id: string;
  name: string;
  ous?: SnapshotNode[];
  accounts?: { id: string; name: string }[];
}
interface SnapshotPolicy {
  name: string;
  type: 'scp' | 'rcp';
  awsManaged: boolean;
  tags: Record<string, string>;
  content: string;
  targets: string[];
}

const SNAPSHOT = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'guardrails', 'org-snapshot.json'), 'utf8')) as { organization: { id: string; managementAccount: string }; root: SnapshotNode; policies: SnapshotPolicy[] };
const ORG_ID = SNAPSHOT.organization.id;
const MANAGEMENT = SNAPSHOT.organization.managementAccount;

let ref: ReferenceIndex;
/** Per side, per policy type: node id -> policies attached there. */
let sides: Record<'before' | 'after', Record<'scp' | 'rcp', Map<string, CompiledPolicy[]>>>;
/** Account -> the node ids from the root down to it. */
const paths = new Map<string, string[]>();

function walk(n: SnapshotNode, above: string[]) {
  const here = [...above, n.id];
  for (const a of n.accounts ?? []) paths.set(a.id, [...here, a.id]);
  for (const o of n.ous ?? []) walk(o, here);
}
walk(SNAPSHOT.root, []);

function policyOf(name: string, text: string): CompiledPolicy {
  const { document } = readPolicyDocument(JSON.parse(text), undefined);
  if (!document) throw new Error(`${name} does not read as a policy`);
  return compilePolicy(name, document.statements, ref);
}

function attach(into: Map<string, CompiledPolicy[]>, p: CompiledPolicy, targets: string[]) {
  for (const t of targets) into.set(t, [...(into.get(t) ?? []), p]);
}

beforeAll(async () => {
  const loaded = await reference2026();
  ref = loaded.index;
  const files = fs.readdirSync(path.join(PROJECT_ROOT, 'guardrails')).filter((f) => f.endsWith('.yaml')).map((f) => path.join('guardrails', f));
  const { intent, diagnostics } = await loadIntent({ cwd: PROJECT_ROOT, files });
  if (!intent) throw new Error(JSON.stringify(diagnostics));
  const result = compile({ intent, reference: loaded.index, referenceManifest: loaded.manifest, root: PROJECT_ROOT });
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics.filter((d) => d.severity === 'error')));
  const empty = () => ({ scp: new Map<string, CompiledPolicy[]>(), rcp: new Map<string, CompiledPolicy[]>() });
  sides = { before: empty(), after: empty() };
  for (const p of SNAPSHOT.policies) {
    const compiled = policyOf(p.name, p.content);
    attach(sides.before[p.type], compiled, p.targets);
    // Policies guardrails does not own stay as they are; its own are replaced by compile's.
    if (p.awsManaged || p.tags['managed-by'] !== 'guardrails') attach(sides.after[p.type], compiled, p.targets);
  }
  for (const p of result.policies) attach(sides.after[p.type], policyOf(p.name, p.text), p.targets.map((t) => t.id!));
});

function chain(side: 'before' | 'after', type: 'scp' | 'rcp', account: string): OrgChain | undefined {
  const nodes = paths.get(account);
  if (!nodes) return undefined;
  return { levels: nodes.map((id) => ({ label: id, policies: sides[side][type].get(id) ?? [] })) };
}

const orgPath = (account: string) => `${ORG_ID}/${paths.get(account)!.slice(0, -1).join('/')}/`;

/** One side's answer to a question, over every resource it is authorized against and every value of its unknown key. */
function decide(q: EngineQuestion, side: 'before' | 'after'): SideDecision {
  const values = q.unknown ? q.unknown.values : [undefined];
  const answers = new Set<boolean>();
  for (const value of values) {
    let denied = false;
    for (const arn of q.resources) {
      const principalAccount = q.isAwsService ? undefined : (q.principalAccount ?? accountOf(q.principal));
      const resourceAccount = q.resourceAccount ?? (arn === '*' ? principalAccount : accountOf(arn));
      const context = { ...q.context };
      if (q.unknown && value !== undefined && !(Array.isArray(value) && value.length === 0)) context[q.unknown.key] = value;
      const inOrg = (a: string | undefined) => a !== undefined && paths.has(a);
      const request = buildRequest(
        {
          principal: { id: q.principal, ...(q.isAwsService ? { isAwsService: true } : {}), ...(principalAccount ? { account: principalAccount } : {}), ...(inOrg(principalAccount) ? { orgId: ORG_ID, orgPaths: [orgPath(principalAccount!)] } : {}) },
          action: q.action,
          resource: { arn, ...(resourceAccount ? { account: resourceAccount } : {}), ...(inOrg(resourceAccount) ? { orgId: ORG_ID, orgPaths: [orgPath(resourceAccount!)] } : {}) },
          region: q.region,
          context,
        },
        ref,
      );
      const d = authorize({
        request,
        managementAccount: MANAGEMENT,
        ...(inOrg(principalAccount) ? { scp: chain(side, 'scp', principalAccount!) } : {}),
        ...(inOrg(resourceAccount) ? { rcp: chain(side, 'rcp', resourceAccount!) } : {}),
        supportsRcp: (s) => ref.supportsRcp(s),
      });
      if (d.decision === 'error') throw new Error(`${q.action}: ${d.reason}`);
      if (d.decision === 'explicit-deny') denied = true;
    }
    answers.add(denied);
  }
  return answers.size === 2 ? 'may-deny' : answers.has(true) ? 'deny' : 'allow';
}

describe('planted cases, decided by the engine', () => {
  it.each(PLANTED.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    expect({ before: decide(c.engine, 'before'), after: decide(c.engine, 'after') }).toEqual({ before: c.before, after: c.after });
    const verdict =
      c.after === 'deny' ? (c.before === 'deny' ? 'already-denied' : 'newly-denied') : c.after === 'may-deny' ? (c.before === 'allow' ? 'may-deny' : 'may-deny-before-and-after') : c.before === 'deny' ? 'newly-allowed' : 'not-denied';
    expect(verdict).toBe(c.verdict);
    expect(c.unknownKeys.length > 0).toBe(c.before === 'may-deny' || c.after === 'may-deny');
    expect(c.engine.principal.startsWith('arn:') ? c.principalArn === null || c.engine.principal === c.principalArn : c.principalType === 'AWSService').toBe(true);
  });

  it('attribute newly denied requests to each control the change makes stricter for them', () => {
    expect([...new Set(PLANTED.filter((c) => c.verdict === 'newly-denied').map((c) => c.control))].sort()).toEqual(['allowed-regions', 'approved-bedrock-models', 'no-long-term-credentials', 'only-org-principals', 'tls-minimum']);
  });
});

describe('the background', () => {
  // The families of backgroundRequest (test/support/cloudtrail-traffic.ts), as IAM actions.
  const FAMILIES: { action: string; resource: (account: string, region: string) => string; tls?: boolean }[] = [
    { action: 's3:GetObject', resource: (a) => `arn:aws:s3:::bucket-${a}/reports/x.json`, tls: true },
    { action: 's3:PutObject', resource: (a) => `arn:aws:s3:::bucket-${a}/reports/x.json`, tls: true },
    { action: 's3:ListBucket', resource: (a) => `arn:aws:s3:::bucket-${a}`, tls: true },
    { action: 'ec2:DescribeInstances', resource: () => '*' },
    { action: 'sts:GetCallerIdentity', resource: () => '*' },
    { action: 'kms:Decrypt', resource: (a, r) => `arn:aws:kms:${r}:${a}:key/1111` },
    { action: 'dynamodb:GetItem', resource: (a, r) => `arn:aws:dynamodb:${r}:${a}:table/orders` },
    { action: 'dynamodb:PutItem', resource: (a, r) => `arn:aws:dynamodb:${r}:${a}:table/orders` },
    { action: 'sqs:SendMessage', resource: (a, r) => `arn:aws:sqs:${r}:${a}:events` },
    { action: 'lambda:InvokeFunction', resource: (a, r) => `arn:aws:lambda:${r}:${a}:function:worker` },
    { action: 'cloudwatch:PutMetricData', resource: () => '*' },
    { action: 'ssm:GetParameter', resource: (a, r) => `arn:aws:ssm:${r}:${a}:parameter/app/config` },
    { action: 'ecr:BatchGetImage', resource: (a, r) => `arn:aws:ecr:${r}:${a}:repository/app` },
  ];

  it('is allowed before and after, for every principal, account, Region, family and TLS version it uses', () => {
    const org = exampleOrganization();
    const notNeutral: string[] = [];
    org.accounts.forEach((a, i) => {
      for (const p of backgroundPrincipals(a)) {
        const principal = principalArn(p)!;
        for (const region of homeRegions(a, i)) {
          for (const f of FAMILIES) {
            for (const tls of f.tls ? [1.2, 1.3] : [1.3]) {
              const q: EngineQuestion = { principal, action: f.action, resources: [f.resource(a.id, region)], resourceAccount: a.id, region, context: { 'aws:SecureTransport': true, ...(f.tls ? { 's3:TlsVersion': tls } : {}) } };
              const [before, after] = [decide(q, 'before'), decide(q, 'after')];
              if (before !== 'allow' || after !== 'allow') notNeutral.push(`${principal} ${f.action} ${region} TLS ${tls}: ${before} -> ${after}`);
            }
          }
        }
      }
    });
    expect(notNeutral).toEqual([]);
  });

  it('stays neutral across accounts: S3 between accounts of one OU, and outsiders reading PublicData', () => {
    const q = (principal: string, owner: string, extra: Partial<EngineQuestion> = {}): EngineQuestion => ({ principal, action: 's3:GetObject', resources: [`arn:aws:s3:::bucket-${owner}/shared/x.parquet`], resourceAccount: owner, region: 'us-east-1', context: { 'aws:SecureTransport': true, 's3:TlsVersion': 1.2 }, ...extra });
    for (const question of [q('arn:aws:iam::333333333302:role/service', '333333333301'), q('arn:aws:iam::222222222201:role/security/log-reader', '222222222202'), q('arn:aws:iam::999999999999:role/researcher', '555555555501')]) {
      expect([decide(question, 'before'), decide(question, 'after')]).toEqual(['allow', 'allow']);
    }
  });

  it('would not be neutral with the change\'s own requests: the checks can fail', () => {
    const tls11: EngineQuestion = { principal: 'arn:aws:iam::333333333301:role/batch', action: 's3:GetObject', resources: ['arn:aws:s3:::b/k'], resourceAccount: '333333333301', region: 'us-east-1', context: { 'aws:SecureTransport': true, 's3:TlsVersion': 1.1 } };
    expect([decide(tls11, 'before'), decide(tls11, 'after')]).toEqual(['allow', 'deny']);
    const tagging: EngineQuestion = { principal: 'arn:aws:iam::333333333301:role/batch', action: 'sqs:TagQueue', resources: ['arn:aws:sqs:us-east-1:333333333301:events'], region: 'us-east-1', context: { 'aws:SecureTransport': true }, unknown: { key: 'aws:TagKeys', values: [[], ['dp:exclude:identity']] } };
    // A tagging request: the new dp:exclude:identity statements may deny it; the deployed ones read another key.
    expect([decide(tagging, 'before'), decide(tagging, 'after')]).toEqual(['allow', 'may-deny']);
  });
});

describe('the constants the generator takes from the intent', () => {
  it('are what guardrails/ says', () => {
    const text = (f: string) => fs.readFileSync(path.join(PROJECT_ROOT, 'guardrails', f), 'utf8');
    for (const m of APPROVED_MODELS) expect(text('genai.yaml')).toContain(`- ${m}`);
    expect(text('data-perimeter.yaml')).toContain(`trustedAccounts: ["${TRUSTED_PARTNER}"]`);
    expect(text('baseline.yaml')).toContain(`allowedRegions: [${ALLOWED_REGIONS.join(', ')}]`);
  });
});
