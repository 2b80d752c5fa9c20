/**
 * `--engine aws`: SCP scenarios asked to IAM's policy simulator (SimulateCustomPolicy with
 * OrderedOrganizationPolicyInputList: the candidate SCPs level by level, root first, before they are
 * deployed). The simulator does not evaluate RCPs, so scenarios that RCPs decide or could decide stay
 * on the local engine; each result says which engine decided it.
 *
 * Calls are batched: scenarios with the same SCP chain and context share one call, which evaluates
 * all their actions against all their resources; each scenario reads its pair from the results.
 * Pages are followed, and throttling is retried with exponential backoff.
 */
import { IAMClient, SimulateCustomPolicyCommand, type ContextEntry, type ContextKeyTypeEnum, type EvaluationResult } from '@aws-sdk/client-iam';
import { buildRequest, type Decision, type DecisionKind } from '../evaluate/index.js';
import { renderPolicy } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import { controlsOf, judge, type ScenarioResult } from './run.js';
import type { Scenario } from './scenario.js';
import type { World } from './world.js';

export interface AwsEngineOptions {
  env: NodeJS.ProcessEnv;
  client?: IAMClient;
  /** Attempts per call on throttling (default 6) and the first backoff delay (default 500 ms). */
  attempts?: number;
  baseDelayMs?: number;
}

export class AwsEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AwsEngineError';
  }
}

/** Everything allowed on the identity side: the question is what the guardrails let through. */
const ALLOW_ALL = renderPolicy([{ effect: 'Allow', action: ['*'], resource: ['*'] }]);
const MAX_LEVELS = 7;

export function iamClientFromEnv(env: NodeJS.ProcessEnv): IAMClient {
  const endpoint = env.AWS_ENDPOINT_URL_IAM ?? env.AWS_ENDPOINT_URL;
  const hasKeys = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY;
  if (!hasKeys && !env.AWS_PROFILE && !env.AWS_WEB_IDENTITY_TOKEN_FILE && !env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
    throw new AwsEngineError('--engine aws needs AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a role); none were found');
  }
  return new IAMClient({
    region: 'us-east-1',
    maxAttempts: 1,
    ...(endpoint ? { endpoint } : {}),
    ...(hasKeys ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } } : {}),
  });
}

export async function runWithAws(world: World, scenarios: readonly Scenario[], local: readonly ScenarioResult[], options: AwsEngineOptions): Promise<ScenarioResult[]> {
  const client = options.client ?? iamClientFromEnv(options.env);
  const results = [...local];
  const groups = new Map<string, { indexes: number[]; input: GroupInput }>();
  scenarios.forEach((scenario, i) => {
    const d = local[i]!.decision;
    // RCPs, when they apply, are only known to the local engine; so are requests SCPs do not govern.
    if (d.rcp === true || d.scp !== true) return;
    const input = groupInput(world, scenario);
    if (!input) return;
    const key = JSON.stringify([input.levels, input.context]);
    const g = groups.get(key) ?? { indexes: [] as number[], input: { levels: input.levels, context: input.context, pairs: new Map<number, { action: string; resource: string }>() } };
    g.indexes.push(i);
    g.input.pairs.set(i, { action: input.action, resource: input.resource });
    groups.set(key, g);
  });
  for (const { indexes, input } of groups.values()) {
    const pairs = indexes.map((i) => input.pairs.get(i)!);
    const actions = [...new Set(pairs.map((p) => p.action))];
    const resources = [...new Set(pairs.map((p) => p.resource))];
    const evaluations = await simulateAll(client, input, actions, resources, options);
    for (const i of indexes) {
      const { action, resource } = input.pairs.get(i)!;
      const r = evaluations.find((e) => e.EvalActionName?.toLowerCase() === action.toLowerCase() && (resource === '*' || e.EvalResourceName === resource));
      if (!r) throw new AwsEngineError(`the IAM policy simulator returned no result for ${action} on ${resource}`);
      results[i] = judge(scenarios[i]!, fromAws(r, local[i]!.decision), 'aws');
    }
  }
  return results;
}

interface GroupInput {
  levels: string[][];
  context: ContextEntry[];
  /** The action and resource of each scenario (by index) in the group. */
  pairs: Map<number, { action: string; resource: string }>;
}

function groupInput(world: World, scenario: Scenario): { levels: string[][]; context: ContextEntry[]; action: string; resource: string } | undefined {
  const request = buildRequest(scenario.request, world.reference);
  const chain = world.chain(request.principalAccount, 'scp');
  if (!chain || chain.levels.length > MAX_LEVELS) return undefined;
  const levels = chain.levels.map((l) =>
    l.policies.flatMap((p) => {
      const packed = world.result.policies.find((x) => x.name === p.name);
      if (packed) return [packed.text];
      return p.name === 'FullAWSAccess' ? [ALLOW_ALL] : [];
    }),
  );
  return { levels, resource: request.resource, context: contextEntries(request.context, world.reference), action: request.action };
}

/** Typed context entries: the type comes from the reference's condition key definition. */
function contextEntries(ctx: ReturnType<typeof buildRequest>['context'], reference: ReferenceIndex): ContextEntry[] {
  return ctx.keys().map((key) => {
    const entry = ctx.get(key)!;
    const declared = reference.conditionKey(key)?.types[0] ?? 'String';
    const base = declared.replace(/^ArrayOf/, '');
    const scalar: Record<string, string> = { String: 'string', ARN: 'string', Numeric: 'numeric', Bool: 'boolean', Date: 'date', IPAddress: 'ip', Binary: 'binary' };
    const type = (scalar[base] ?? 'string') + (entry.multivalued ? 'List' : '');
    return { ContextKeyName: key, ContextKeyValues: entry.values, ContextKeyType: type as ContextKeyTypeEnum };
  });
}

async function simulateAll(client: IAMClient, input: GroupInput, actions: string[], resources: string[], options: AwsEngineOptions): Promise<EvaluationResult[]> {
  const arns = resources.filter((r) => r !== '*');
  const out: EvaluationResult[] = [];
  let marker: string | undefined;
  do {
    const command = new SimulateCustomPolicyCommand({
      PolicyInputList: [ALLOW_ALL],
      OrderedOrganizationPolicyInputList: input.levels.map((texts) => ({ ServiceControlPolicyInputList: texts })),
      ActionNames: actions,
      ...(arns.length ? { ResourceArns: resources.includes('*') ? [...arns, '*'] : arns } : {}),
      ContextEntries: input.context,
      MaxItems: 100,
      ...(marker ? { Marker: marker } : {}),
    });
    const response = await withRetries(() => client.send(command), options);
    out.push(...(response.EvaluationResults ?? []));
    marker = response.IsTruncated ? response.Marker : undefined;
  } while (marker);
  return out;
}

async function withRetries<T>(call: () => Promise<T>, options: AwsEngineOptions): Promise<T> {
  const attempts = options.attempts ?? 6;
  const base = options.baseDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      const err = e as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; message?: string };
      const throttled = err.name === 'Throttling' || err.name === 'ThrottlingException' || err.$retryable !== undefined || (err.$metadata?.httpStatusCode ?? 0) >= 500;
      if (!throttled || attempt >= attempts) throw new AwsEngineError(`IAM SimulateCustomPolicy failed: ${err.name ?? 'error'}: ${err.message ?? e}${throttled ? ` (after ${attempt} attempts)` : ''}`);
      await new Promise((r) => setTimeout(r, Math.min(base * 2 ** (attempt - 1), 20_000) * (0.5 + Math.random() / 2)));
    }
  }
}

/** AWS's answer as a decision; the local decision supplies which statements (and controls) denied. */
function fromAws(r: EvaluationResult, local: Decision): Decision {
  const kinds: Record<string, DecisionKind> = { allowed: 'allow', explicitDeny: 'explicit-deny', implicitDeny: 'implicit-deny' };
  const decision = kinds[r.EvalDecision ?? ''] ?? 'error';
  const denies = decision === 'explicit-deny' ? local.denies.filter((d) => controlsOf(d).length > 0 && d.kind === 'scp') : [];
  const result: Decision = {
    decision,
    denies,
    reason: `IAM policy simulator: ${r.EvalDecision}${r.MatchedStatements?.length ? ` (${r.MatchedStatements.map((m) => `${m.SourcePolicyId ?? '?'}${m.StartPosition ? `@${m.StartPosition.Column}` : ''}`).join(', ')})` : ''}`,
    errors: [],
    scp: true,
    rcp: local.rcp,
  };
  if (denies[0]) result.decidedBy = denies[0];
  return result;
}
