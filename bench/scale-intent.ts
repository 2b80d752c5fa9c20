/**
 * A synthetic intent at the scale of the largest customers: the tree of synthetic-org.ts (2,010 OUs,
 * 10,000 accounts) written as organization.tree, and N controls of the kinds a security team writes,
 * attached to varied OUs so that compile sees many target groups. Everything is derived from the
 * control's number and the pinned reference, so a given N always yields the same intent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OrgStateOu } from '../src/org/index.js';
import type { ReferenceIndex } from '../src/reference/index.js';
import { syntheticState } from './synthetic-org.js';

/**
 * organization.yaml: the synthetic tree with AWS's ids (those of syntheticState, so that a snapshot of
 * that state is this organization), and four rollout waves: a canary account, one division, four more,
 * then the root.
 */
export function scaleOrganizationYaml(accounts = 10_000, treeFrom?: string): string {
  const state = syntheticState(() => [], accounts);
  const lines = ['version: 1', 'organization:', `  id: ${state.organization.id}`, `  managementAccount: "${state.organization.managementAccount}"`, `  rootId: ${state.root.id}`];
  if (treeFrom) lines.push(`  treeFrom: ${treeFrom}`);
  else lines.push('  tree:', '    Root:');
  const walk = (ou: OrgStateOu, indent: string) => {
    if (ou.accounts.length) lines.push(`${indent}accounts: [${ou.accounts.map((a) => `{ id: "${a.id}", name: ${a.name} }`).join(', ')}]`);
    for (const child of ou.ous) {
      lines.push(`${indent}${child.name}:`, `${indent}  id: ${child.id}`);
      walk(child, `${indent}  `);
    }
  };
  if (!treeFrom) walk(state.root, '      ');
  const canary = state.root.ous[0]!.ous[0]!.ous[0]!.accounts[0]!.name;
  lines.push(
    'quotas: aws-2026-05',
    'waves:',
    `  - { name: canary, targets: [${canary}] }`,
    '  - { name: one-division, targets: [Division0] }',
    '  - { name: half, targets: [Division1, Division2, Division3, Division4] }',
    '  - { name: everything, targets: [Root] }',
    '',
  );
  return lines.join('\n');
}

/** A small deterministic generator (mulberry32), so the intent is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const division = (a: number) => `Division${a}`;
const unit = (a: number, b: number) => `Division${a}/Unit${b}`;
const team = (a: number, b: number, c: number) => `Division${a}/Unit${b}/Team${c}`;

/**
 * How controls are spread over the tree:
 * - `spread`: most controls are a team's or a unit's own (their targets are theirs alone, so the number
 *   of target groups grows with N and each holds a control or two); one in ten is division-wide or
 *   organization-wide.
 * - `layered`: guardrails as organizations mostly layer them: a fifth at the root, a fifth on one of
 *   the ten divisions, the rest on units and teams; the root's and the divisions' groups grow with N.
 * - `selectors`: attached as `spread`, but the deny-actions controls are the big ones security teams
 *   write: access-level selectors over whole services (`iam:{Permissions management}`, `s3:{Write}`,
 *   `ec2:{Write}{*Vpc*}`), one to three a control, plus a few exact names of the same services. Each
 *   control's action set is its own, so compaction has real work for every one (selectorActions).
 */
export type ScaleMix = 'spread' | 'layered' | 'selectors';

/** The mixes, in the order the benchmark and write-scale-org.js name them. */
export const SCALE_MIXES: readonly ScaleMix[] = ['spread', 'layered', 'selectors'];

/** Where a control attaches. */
function placement(mix: ScaleMix, next: () => number): { attach: string[]; exclude?: string[] } {
  const a = Math.floor(next() * 10);
  const b = Math.floor(next() * 20);
  const c = Math.floor(next() * 9);
  const shape = Math.floor(next() * 10);
  if (mix === 'layered') {
    if (shape < 2) return { attach: ['Root'] };
    if (shape < 4) return { attach: [division(a)] };
    if (shape < 7) return { attach: [unit(a, b)] };
    return { attach: [team(a, b, c)] };
  }
  switch (shape) {
    case 0:
      return next() < 0.3 ? { attach: ['Root'], exclude: [team(a, b, c)] } : { attach: [division(a)] };
    case 1:
      return { attach: [division(a)], exclude: [unit(a, b)] };
    case 2:
    case 3:
      return { attach: [unit(a, b)] };
    case 4:
      return { attach: [unit(a, b), unit(a, (b + 1) % 20)] };
    case 5:
    case 6:
      return { attach: [team(a, b, c)] };
    case 7:
      return { attach: [team(a, b, c), team(a, b, (c + 1) % 9)] };
    case 8:
      return { attach: [unit(a, b)], exclude: [team(a, b, c)] };
    default:
      return { attach: [team(a, b, c), unit((a + 1) % 10, b)] };
  }
}

const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'eu-north-1', 'ap-southeast-2', 'ap-northeast-1', 'ap-south-1'];
/** The services guardrails are mostly written for; seven controls in ten deny actions of these. */
const GUARDED = ['ec2', 'iam', 's3', 'kms', 'rds', 'lambda', 'cloudtrail', 'config', 'guardduty', 'securityhub', 'organizations', 'dynamodb', 'ecr', 'ecs', 'eks', 'sagemaker', 'bedrock', 'logs', 'cloudwatch', 'sns', 'sqs', 'secretsmanager', 'route53', 'elasticloadbalancing', 'cloudformation', 'backup', 'glue', 'ssm', 'wafv2', 'network-firewall'];
const RCP_SERVICES = ['s3', 'sqs', 'kms', 'secretsmanager', 'sts'];

/** One control's YAML (under `controls:`), from its number and the reference's actions. */
function controlYaml(i: number, mix: ScaleMix, ref: ReferenceIndex, writable: string[][], common: string[][]): string {
  const next = random(i + 1);
  const { attach, exclude } = placement(mix, next);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const id = `control-${String(i).padStart(4, '0')}`;
  const lines = [`  ${id}:`];
  const kind = i % 20;
  if (kind === 9) {
    // Every region-deny allows us-east-1 as well: two that reach one OU with no Region in common are an error (contradicting-controls).
    const regions = [...new Set(['us-east-1', pick(REGIONS), pick(REGIONS)])];
    lines.push('    kind: region-deny', `    allowedRegions: [${regions.join(', ')}]`, '    exceptPrincipals: ["arn:aws:iam::*:role/BreakGlass"]');
  } else if (kind === 14) {
    lines.push(
      '    kind: identity-perimeter',
      `    services: [${[...new Set([pick(RCP_SERVICES), pick(RCP_SERVICES), pick(RCP_SERVICES)])].join(', ')}]`,
      '    allowServicePrincipals: true',
      `    trustedAccounts: ["${String(777777777700 + (i % 90))}"]`,
    );
  } else if (kind === 19) {
    lines.push('    kind: tls-minimum', `    minVersion: "1.2"`, `    services: [${[...new Set([pick(RCP_SERVICES), pick(RCP_SERVICES)])].join(', ')}]`);
  } else if (mix === 'selectors') {
    lines.push('    kind: deny-actions', `    actions: [${selectorActions(next, ref).map((a) => JSON.stringify(a)).join(', ')}]`);
    const who = next();
    if (who < 0.5) lines.push(`    exceptPrincipals: ["arn:aws:iam::*:role/Admin${i % 7}"]`);
    else if (who < 0.8) lines.push('    conditions:', `      StringEquals: { "aws:PrincipalTag/team": [contractors-${i % 5}] }`);
  } else {
    // deny-actions: exact names of one or two services, name patterns, and access-level selectors.
    const actions: string[] = [];
    const service = () => (next() < 0.7 ? common[Math.floor(next() * common.length)]! : pick(writable));
    for (const actionsOf of [service(), ...(next() < 0.3 ? [service()] : [])]) {
      const prefix = ref.actions[Number(actionsOf[0])]!.qualified.split(':')[0]!;
      const names = actionsOf.slice(1);
      const count = 3 + Math.floor(next() * 10);
      for (let k = 0; k < count; k++) actions.push(`${prefix}:${pick(names)}`);
      // A pattern or a selector in half of them, one that matches something in this service.
      const forms = [`${prefix}:Delete*`, `${prefix}:{Permissions management}`, `${prefix}:{Tagging}`, `${prefix}:{Write}{*Update*}`].filter((f) => matchesSomething(ref, f));
      if (forms.length && next() < 0.5) actions.push(pick(forms));
    }
    lines.push("    kind: deny-actions", `    actions: [${[...new Set(actions)].map((a) => JSON.stringify(a)).join(", ")}]`);
    const who = next();
    if (who < 0.5) lines.push(`    exceptPrincipals: ["arn:aws:iam::*:role/Admin${i % 7}"]`);
    else if (who < 0.8) lines.push('    conditions:', `      StringEquals: { "aws:PrincipalTag/team": [contractors-${i % 5}] }`);
  }
  lines.push(`    attach: [${attach.join(', ')}]`);
  if (exclude) lines.push(`    exclude: [${exclude.join(', ')}]`);
  return lines.join('\n');
}

/** The services most guardrails are about: two selectors in five are over one of these. */
const MOST_GUARDED = ['ec2', 'iam', 's3', 'rds', 'kms', 'lambda'];
/**
 * ec2 is denied by scope more than whole (its Write actions alone are 16,721 characters, more than a
 * policy holds at level 1): the networking, image and snapshot parts teams lock down.
 */
const EC2_SCOPES = ['*Vpc*', '*Subnet*', '*Route*', '*Gateway*', '*SecurityGroup*', '*Snapshot*', '*Image*', '*Ipam*', '*Transit*', '*Network*', 'Delete*', 'Modify*'];
/** One ec2 selector in this many is the whole of ec2:{Write}: compile writes it in two policies at level 1. */
const WHOLE_EC2_ONE_IN = 8;

/**
 * A `selectors` control's action list: one to three access-level selectors over services guardrails
 * are written for, then one to four exact names of those services that the selectors leave out (a
 * Write selector with a permissions-management action or two, and so on), so that no two controls
 * deny the same set and the former default's compaction cache cannot share their work.
 */
function selectorActions(next: () => number, ref: ReferenceIndex): string[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const selectors: string[] = [];
  const services: string[] = [];
  const count = 1 + Math.floor(next() * 3);
  for (let k = 0; k < count; k++) {
    const svc = next() < 0.4 ? pick(MOST_GUARDED) : pick(GUARDED);
    const r = next();
    let selector: string;
    if (svc === 'ec2') selector = next() * WHOLE_EC2_ONE_IN < 1 ? 'ec2:{Write}' : `ec2:{Write}{${pick(EC2_SCOPES)}}`;
    else if (r < 0.5) selector = `${svc}:{Write}`;
    else if (r < 0.75) selector = `${svc}:{Permissions management}`;
    else if (r < 0.9) selector = `${svc}:{Permissions management}{Tagging}`;
    else selector = `${svc}:{Tagging}`;
    if (!matchesSomething(ref, selector)) selector = `${svc}:{Write}`;
    if (!selectors.includes(selector)) selectors.push(selector);
    if (!services.includes(svc)) services.push(svc);
  }
  const denied = ref.expandList(selectors).actions;
  const left: string[] = [];
  for (const svc of services) {
    const info = ref.service(svc)!;
    for (let id = info.firstId; id < info.endId; id++) {
      const a = ref.actions[id]!;
      if (!denied.has(id) && (a.accessLevel === 'Write' || a.accessLevel === 'Permissions management' || a.accessLevel === 'Tagging')) left.push(a.qualified);
    }
  }
  const names: string[] = [];
  const wanted = 1 + Math.floor(next() * 4);
  for (let k = 0; k < wanted && left.length; k++) names.push(left.splice(Math.floor(next() * left.length), 1)[0]!);
  return [...selectors, ...names.sort()];
}

function matchesSomething(ref: ReferenceIndex, pattern: string): boolean {
  const e = ref.expandList([pattern]);
  return e.problems.length === 0 && !e.actions.isEmpty();
}

/**
 * Services with enough Write or Permissions management actions to deny: for each, the id of its first
 * action then the names of those actions.
 */
function writableServices(ref: ReferenceIndex): string[][] {
  const out: string[][] = [];
  for (const s of ref.services) {
    const names: string[] = [];
    for (let id = s.firstId; id < s.endId; id++) {
      const a = ref.actions[id]!;
      if (a.accessLevel === 'Write' || a.accessLevel === 'Permissions management') names.push(a.qualified.split(':')[1]!);
    }
    if (names.length >= 12) out.push([String(s.firstId), ...names]);
  }
  return out;
}

/**
 * Writes a repository with guardrails/organization.yaml (`accounts` accounts, the tree written out or,
 * with `treeFrom`, read from that org snapshot) and guardrails/controls.yaml of `controls` controls
 * spread as `mix` says.
 */
export function writeScaleRepository(repo: string, controls: number, mix: ScaleMix, ref: ReferenceIndex, accounts = 10_000, treeFrom?: string): void {
  const dir = path.join(repo, 'guardrails');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'organization.yaml'), scaleOrganizationYaml(accounts, treeFrom));
  const writable = writableServices(ref);
  const common = writable.filter((w) => GUARDED.includes(ref.actions[Number(w[0])]!.qualified.split(':')[0]!));
  const body = Array.from({ length: controls }, (_, i) => controlYaml(i, mix, ref, writable, common));
  fs.writeFileSync(path.join(dir, 'controls.yaml'), ['version: 1', 'controls:', ...body, ''].join('\n'));
}
