/**
 * The intent's `rollout:` section and the waves' `bake:`, read into values with the defaults filled in.
 * The schema checks the shapes; what it cannot (a duration written as a bare number) is reported here,
 * where it is written.
 */
import { error, type Diagnostic } from '../diagnostics/index.js';
import type { SourceIndex } from '../diagnostics/source-index.js';
import { DURATION } from './formats.js';
import type { Canary, Duration, ProtectRule, RolloutSettings, Wave } from './types.js';

/**
 * Roles that exist in every member account to administer it, and whose loss is the classic lockout:
 * OrganizationAccountAccessRole (created by Organizations in every account it creates, AdministratorAccess,
 * trusted by the management account: "Accessing member accounts", AWS Organizations user guide),
 * AWSControlTowerExecution (Control Tower's administrator role in enrolled accounts, through which it
 * deploys its baselines as StackSets) and Landing Zone Accelerator's AWSAccelerator-* roles (its pipeline
 * deploys CloudFormation/CDK stacks through them).
 */
export const DEFAULT_PROTECTED_PRINCIPALS: readonly string[] = [
  'arn:aws:iam::*:role/OrganizationAccountAccessRole',
  'arn:aws:iam::*:role/AWSControlTowerExecution',
  'arn:aws:iam::*:role/AWSAccelerator-*',
];

/**
 * What those roles exist to do, and so what a guardrail must never take from them: be assumed and
 * assume further roles (sts:AssumeRole, role chaining), deploy CloudFormation stacks (StackSets and
 * CDK create and update stacks and change sets in each account), create the IAM roles those stacks
 * carry and hand them to services (iam:CreateRole, AttachRolePolicy, PutRolePolicy, PassRole), and
 * read which organization the account is in.
 */
export const DEFAULT_PROTECTED_ACTIONS: readonly string[] = [
  'sts:AssumeRole',
  'iam:CreateRole',
  'iam:AttachRolePolicy',
  'iam:PutRolePolicy',
  'iam:PassRole',
  'cloudformation:CreateStack',
  'cloudformation:UpdateStack',
  'cloudformation:CreateChangeSet',
  'cloudformation:ExecuteChangeSet',
  'organizations:DescribeOrganization',
];

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };

/** A duration as the intent and the command line write it: `0`, `90s`, `30m`, `1h30m`, `2d`. */
export function parseDuration(value: string | number): { ok: true; duration: Duration } | { ok: false; problem: string } {
  if (typeof value === 'number') {
    if (value === 0) return { ok: true, duration: { text: '0', seconds: 0 } };
    return { ok: false, problem: `${value} has no unit: write ${value}m, ${value}s or ${value}h` };
  }
  if (!DURATION.test(value)) return { ok: false, problem: `"${value}" is not a duration: a number and a unit (s, m, h, d), such as 90s, 30m or 1h30m, or 0` };
  let seconds = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)([dhms])/g)) seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  return { ok: true, duration: { text: value, seconds } };
}

/**
 * Reads the section (undefined when no file has one) and the waves' bake times. Values the schema
 * already refused are skipped silently: their error is reported once, by the schema.
 */
export function readRolloutSettings(section: Record<string, unknown> | undefined, waves: Wave[], sources: SourceIndex, diagnostics: Diagnostic[]): RolloutSettings {
  const bakeOf = (holder: Record<string, unknown>, what: string): Duration | undefined => {
    const raw = holder.bake;
    if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
    const parsed = parseDuration(raw);
    if (parsed.ok) return parsed.duration;
    // A bad string is the schema's (format duration); only a bare number gets here with an error of its own.
    if (typeof raw === 'number') diagnostics.push(error('bad-duration', `${what}: ${parsed.problem}`, sources.locate(holder, 'bake'), 'a number and a unit: 90s, 30m, 1h30m, 2d (or 0)'));
    return undefined;
  };
  for (const [i, wave] of waves.entries()) {
    const raw = wave as unknown as Record<string, unknown>;
    if (!('bake' in raw)) continue;
    const bake = bakeOf(raw, `waves[${i}].bake`);
    // The wave keeps its parsed bake; a value that does not parse is dropped (its error is reported).
    if (bake) wave.bake = bake;
    else delete raw.bake;
  }
  const settings: RolloutSettings = { protect: [], protectDefaults: true, canaries: [] };
  if (!section) {
    settings.protect = defaultProtect();
    return settings;
  }
  const bake = bakeOf(section, 'rollout.bake');
  if (bake) settings.bake = bake;
  if (Array.isArray(section.protect)) {
    settings.protectDefaults = false;
    for (const rule of section.protect) {
      if (!isObject(rule) || typeof rule.principal !== 'string') continue;
      // The rule keeps the identity of its YAML mapping (and its list of actions), so checks can locate them.
      const given = Array.isArray(rule.actions) && rule.actions.length > 0;
      const filled = given ? { actions: strings(rule.actions), defaultActions: false } : { actions: [...DEFAULT_PROTECTED_ACTIONS], defaultActions: true };
      if (given && filled.actions.length === (rule.actions as unknown[]).length) filled.actions = rule.actions as string[];
      settings.protect.push(Object.assign(rule, filled) as unknown as ProtectRule);
    }
  } else settings.protect = defaultProtect();
  if (Array.isArray(section.canaries)) {
    for (const c of section.canaries) {
      if (!isObject(c) || typeof c.wave !== 'string' || typeof c.principal !== 'string') continue;
      // Like a rule, the canary keeps the identity of its mapping and lists.
      if (!Array.isArray(c.mustStillWork) || c.mustStillWork.some((a) => typeof a !== 'string')) c.mustStillWork = strings(c.mustStillWork);
      if (c.assumeRole !== undefined && typeof c.assumeRole !== 'string') delete c.assumeRole;
      settings.canaries.push(c as unknown as Canary);
    }
  }
  return settings;
}

export function defaultProtect(): ProtectRule[] {
  return DEFAULT_PROTECTED_PRINCIPALS.map((principal) => ({ principal, actions: [...DEFAULT_PROTECTED_ACTIONS], defaultActions: true }));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
