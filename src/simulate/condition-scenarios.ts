/**
 * Requests that meet and that miss the Condition of a Deny statement (deny-actions `conditions`,
 * custom and imported statements), so that a statement that can never apply, or always applies,
 * fails simulate.
 *
 * Every clause (operator, key, values) gets a value that meets it and one that misses it, chosen
 * among candidates built from its values (the values made concrete, another value, numbers and
 * dates beside them, the key absent) by the engine's reading of that one operator (which the
 * differential test holds to the oracle). A request meets the condition when it meets every clause;
 * the one that misses it must miss the whole condition as the engine reads it, or there is none.
 *
 * The request carries a key only where AWS would put it there: a global key (aws:...), or a key the
 * service reference gives the action or its resource types. A key no request of the action can carry
 * (a misspelled key, or another service's) stays absent from the "meets" request, whose expectation
 * (denied) then fails: the statement cannot apply. A clause with no candidate that meets it, or keys
 * the request derives from its principal or resource in ways not modelled here, leave the statement
 * without scenarios, with the reason (reported as a count).
 */
import { buildRequest, compileCondition, isS3BucketOrObjectArn, RequestContext, type RequestSpec } from '../evaluate/index.js';
import type { Condition } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';

export type ConditionRequests = { meets: RequestSpec; misses: RequestSpec | undefined; absent: string[] } | { skip: string };

type Value = string | string[] | undefined;

/** Keys the request derives from its principal or resource that are set through them, not as context. */
const DERIVED = /^aws:(PrincipalArn|PrincipalOrgID|PrincipalTag\/.+|ResourceTag\/.+|RequestedRegion)$/i;
/** Keys every generated request carries (withDefaults, the Region, an IAM principal): never left absent. */
const DEFAULTED = /^(aws:SecureTransport|s3:TlsVersion|aws:RequestedRegion|aws:PrincipalArn)$/i;
/** Other keys AWS sets from something generated requests do not describe, with what that is: not set here (the request would contradict itself). */
const NOT_MODELLED: [RegExp, string][] = [
  [/^aws:(CalledVia\w*|ViaAWSService)$/i, 'a key AWS sets when a service makes the request on the principal\'s behalf, which generated requests do not model'],
  [/^aws:(SourceIdentity|userid|username)$/i, "a key AWS sets from the principal's identity or session, which generated requests do not model"],
  [/^aws:Principal\w*$/i, 'a key the request derives from its principal'],
  [/^aws:Resource\w*$/i, 'a key the request derives from its resource'],
];

/** Why generated requests cannot set a key, or undefined when they can. */
export function unmodelledKey(key: string): string | undefined {
  if (DERIVED.test(key)) return undefined;
  return NOT_MODELLED.find(([re]) => re.test(key))?.[1];
}

/**
 * The requests that meet and miss a condition. Clauses on the same key are read together (a key has
 * one value in a request), and the request that misses is checked against the whole condition, as
 * the engine reads it on the built request, before it is used: for each key in turn, the values that
 * miss its clauses are tried (the clauses' own, then the key absent, then those of the key's other
 * clauses) with the other keys as met. `accepted` are keys the intent takes on trust
 * (conditionKeys.accept): any request may carry them.
 */
export function conditionRequests(condition: Condition, base: RequestSpec, ref: ReferenceIndex, account: string, accepted: ReadonlySet<string> = new Set()): ConditionRequests {
  const groups = new Map<string, { key: string; clauses: Clause[] }>();
  for (const [op, keys] of Object.entries(condition)) {
    for (const [key, values] of Object.entries(keys)) {
      const why = unmodelledKey(key);
      if (why) return { skip: `${op} ${key}: ${why}` };
      const group = groups.get(key.toLowerCase()) ?? { key, clauses: [] };
      group.clauses.push({ op, key, values });
      groups.set(key.toLowerCase(), group);
    }
  }
  let evaluate: ReturnType<typeof compileCondition>;
  try {
    evaluate = compileCondition(condition);
  } catch (e) {
    return { skip: `the condition cannot be evaluated: ${(e as Error).message}` };
  }
  /** The whole condition on the built request; undefined when a value does not fit an operator. */
  const whole = (spec: RequestSpec): boolean | undefined => {
    try {
      return evaluate(buildRequest(spec, ref).context);
    } catch {
      return undefined;
    }
  };
  const carried = carryable(base.action, ref, accepted);
  const choices: { key: string; meet: Value | 'absent'; misses: (Value | 'absent')[] }[] = [];
  const absent: string[] = [];
  for (const { key, clauses } of groups.values()) {
    const canCarry = carried(key);
    const test = (v: Value | 'absent') => clauses.every((c) => holds(c, v) === true);
    if (!canCarry) {
      // No request of this action carries the key: the clauses are decided by its absence.
      if (!test('absent')) absent.push(key);
      choices.push({ key, meet: 'absent', misses: [] });
      continue;
    }
    const seen = new Set<string>();
    const candidates = clauses
      .flatMap((c) => candidatesFor(c, account))
      .filter((v) => v !== 'absent' || !DEFAULTED.test(key))
      .filter((v) => !seen.has(JSON.stringify(v)) && seen.add(JSON.stringify(v)) !== undefined);
    const meet = candidates.find(test);
    if (meet === undefined) return { skip: `${clauses.map((c) => c.op).join(' and ')} ${key}: no value found that meets it` };
    choices.push({ key, meet, misses: candidates.filter((v) => !test(v)) });
  }
  const build = (missing: number, miss?: Value | 'absent') => {
    let spec: RequestSpec = { ...base, principal: { ...base.principal }, resource: { ...base.resource }, context: { ...(base.context ?? {}) } };
    choices.forEach((ch, i) => {
      spec = withKey(spec, ch.key, i === missing ? miss! : ch.meet);
    });
    return spec;
  };
  let misses: RequestSpec | undefined;
  for (let i = 0; i < choices.length && !misses; i++) {
    for (const v of choices[i]!.misses) {
      const spec = build(i, v);
      if (whole(spec) === false) {
        misses = spec;
        break;
      }
    }
  }
  return { meets: build(-1), misses, absent };
}

type Clause = { op: string; key: string; values: string[] };

/**
 * Whether a condition met by a request still holds when the bucket tags leave it (ABAC disabled):
 * each clause on aws:ResourceTag or s3:BucketTag read with its key absent, the others as met.
 */
export function holdsWithoutBucketTags(condition: Condition): boolean {
  for (const [op, keys] of Object.entries(condition)) {
    for (const [key, values] of Object.entries(keys)) {
      if (/^(aws:ResourceTag|s3:BucketTag)\//i.test(key) && holds({ op, key, values }, 'absent') !== true) return false;
    }
  }
  return true;
}

/** Whether one clause holds with the key at `value` (absent when 'absent'); undefined when the value does not fit the operator. */
function holds(c: { op: string; key: string; values: string[] }, value: Value | 'absent'): boolean | undefined {
  const ctx = new RequestContext();
  if (value !== 'absent' && value !== undefined) ctx.set(c.key, value);
  try {
    return compileCondition({ [c.op]: { [c.key]: c.values } })(ctx);
  } catch {
    return undefined;
  }
}

/** Candidate values of a clause's key: its values made concrete, another value, neighbours, absent. */
function candidatesFor(c: { op: string; key: string; values: string[] }, account: string): (Value | 'absent')[] {
  const set = /^For(All|Any)Values?:/i.test(c.op);
  const concrete = c.values.map((v) => v.replace(/\$\{[^}]*\}/g, 'sample').replace(/^arn:([^:]*):([^:]*):\*:/, 'arn:$1:$2:us-east-1:').replace(/^(arn:[^:]*:[^:]*:[^:]*:)\*:/, `$1${account}:`).replace(/\*/g, 'sample').replace(/\?/g, 'a'));
  const scalars: string[] = [...concrete];
  for (const v of c.values) {
    const n = Number(v);
    if (v.trim() !== '' && Number.isFinite(n)) scalars.push(String(n - 1), String(n + 1), String(n + 0.1));
    const t = Date.parse(v);
    if (!Number.isNaN(t) && /^\d{4}-\d{2}-\d{2}/.test(v)) scalars.push(new Date(t - 86_400_000).toISOString(), new Date(t + 86_400_000).toISOString());
    const ip = /^(\d+\.\d+\.\d+\.\d+)(\/\d+)?$/.exec(v);
    if (ip) scalars.push(ip[1]!);
  }
  scalars.push('true', 'false', /arn/i.test(c.key) ? `arn:aws:iam::${account}:role/guardrails-sample-other` : 'guardrails-sample-other', '203.0.113.254', 'us-east-1', 'eu-west-1', 'ap-southeast-2');
  const unique = [...new Set(scalars)];
  return [...(set ? [...unique.map((v) => [v]), []] : unique), 'absent'];
}

/**
 * Whether a request of the action can carry a key: a global key the reference knows, a key the
 * intent accepts, or a service key of the action or its resource types.
 */
export function carryable(action: string, ref: ReferenceIndex, accepted: ReadonlySet<string> = new Set()): (key: string) => boolean {
  const carried = carriedKeys(action, ref);
  return (key) => accepted.has(key.toLowerCase()) || (key.toLowerCase().startsWith('aws:') ? ref.conditionKey(key) !== undefined : carried(key));
}

/** Whether the action (or one of its resource types) has the service-specific key. */
function carriedKeys(action: string, ref: ReferenceIndex): (key: string) => boolean {
  const a = ref.action(action);
  const keys = new Set<string>();
  if (a) {
    for (const k of a.conditionKeys) keys.add(k.toLowerCase());
    for (const rt of a.resourceTypes) for (const k of ref.service(a.service)?.resourceTypes.get(rt.toLowerCase())?.conditionKeys ?? []) keys.add(k.toLowerCase());
  }
  const templated = [...keys].filter((k) => k.includes('/')).map((k) => k.slice(0, k.indexOf('/') + 1));
  return (key) => keys.has(key.toLowerCase()) || templated.some((p) => key.toLowerCase().startsWith(p));
}

/** The request with the key at `value` (removed when 'absent'), set where the request derives it from. */
function withKey(spec: RequestSpec, key: string, value: Value | 'absent'): RequestSpec {
  const context = { ...(spec.context ?? {}) };
  for (const k of Object.keys(context)) if (k.toLowerCase() === key.toLowerCase()) delete context[k];
  const one = Array.isArray(value) ? value[0] : value === 'absent' ? undefined : value;
  const lower = key.toLowerCase();
  if (lower === 'aws:principalarn' && one && /^arn:[^:]+:iam::\d{12}:(role|user)\//.test(one)) return { ...spec, context, principal: { ...spec.principal, id: one } };
  if (lower === 'aws:principalorgid') {
    const { orgId: _o, orgPaths: _p, ...principal } = spec.principal;
    return { ...spec, context, principal: one ? { ...principal, orgId: one } : principal };
  }
  if (lower === 'aws:requestedregion' && one) return { ...spec, context, region: one };
  const tag = /^aws:(principal|resource)tag\/(.+)$/i.exec(key);
  if (tag) {
    const name = tag[2]!;
    if (tag[1]!.toLowerCase() === 'principal') {
      const tags = { ...(spec.principal.tags ?? {}) };
      if (one === undefined) delete tags[name];
      else tags[name] = one;
      return { ...spec, context, principal: { ...spec.principal, tags } };
    }
    const tags = { ...(spec.resource.tags ?? {}) };
    if (one === undefined) delete tags[name];
    else tags[name] = one;
    // The tag is meant to be seen: on an S3 bucket that needs ABAC enabled (resourceTagsApply).
    return { ...spec, context, resource: { ...spec.resource, tags, ...(isS3BucketOrObjectArn(spec.resource.arn) ? { bucketAbac: true } : {}) } };
  }
  if (value !== 'absent' && value !== undefined) context[key] = value;
  return { ...spec, context };
}
