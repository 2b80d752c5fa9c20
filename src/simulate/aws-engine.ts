/**
 * `--engine aws`: SCP scenarios asked to IAM's policy simulator (SimulateCustomPolicy with
 * OrderedOrganizationPolicyInputList: the candidate SCPs level by level, root first, before they are
 * deployed). The simulator does not evaluate RCPs, so scenarios that RCPs decide or could decide stay
 * on the local engine; each result says which engine decided it.
 *
 * Calls are batched: scenarios with the same SCP chain and context share one call, which evaluates
 * all their actions against all their resources; each scenario reads its pair from the results.
 * Pages are followed, and throttling is retried with exponential backoff.
 *
 * AWS's answer decides a scenario it was asked about, and its MatchedStatements say which statements
 * decided: we choose the order of the inputs (level by level, policy by policy), so a SourcePolicyId
 * ending in <level>.<position> and a StartPosition inside that policy's text map back to our policy
 * and statement, and so to the controls it carries. When AWS and the local engine disagree, the
 * scenario fails with both decisions: a disagreement is a finding, never hidden.
 */
import { IAMClient, SimulateCustomPolicyCommand, type ContextEntry, type ContextKeyTypeEnum, type EvaluationResult } from '@aws-sdk/client-iam';
import { SourceIndex } from '../diagnostics/index.js';
import { buildRequest, type CompiledPolicy, type Decider, type Decision, type DecisionKind, type OrgChain } from '../evaluate/index.js';
import { parseJsonWithPositions, renderPolicy } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import { judge, type ScenarioResult } from './run.js';
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
  const asked = new Map<number, ScenarioInput>();
  scenarios.forEach((scenario, i) => {
    const d = local[i]!.decision;
    // RCPs, when they apply, are only known to the local engine; so are requests SCPs do not govern.
    if (d.rcp === true || d.scp !== true) return;
    const input = groupInput(world, scenario);
    if (!input) return;
    asked.set(i, input);
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
      // For "*" the result whose EvalResourceName is "*", never another resource's result for the action.
      const r = evaluations.find((e) => e.EvalActionName?.toLowerCase() === action.toLowerCase() && e.EvalResourceName === resource);
      if (!r) throw new AwsEngineError(`the IAM policy simulator returned no result for ${action} on ${resource}`);
      const localDecision = local[i]!.decision;
      const decision = fromAws(r, asked.get(i)!, localDecision);
      const judged = judge(scenarios[i]!, decision, 'aws');
      if (decision.decision !== localDecision.decision) {
        judged.pass = false;
        judged.failure = `the engines disagree: the IAM policy simulator says ${decision.decision} (${decision.reason}), the local engine says ${localDecision.decision} (${localDecision.reason})`;
      }
      results[i] = judged;
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

interface ScenarioInput {
  levels: string[][];
  /** The compiled policy behind each input text, level by level, in the order sent. */
  sent: CompiledPolicy[][];
  chain: OrgChain;
  context: ContextEntry[];
  action: string;
  resource: string;
}

function groupInput(world: World, scenario: Scenario): ScenarioInput | undefined {
  const request = buildRequest(scenario.request, world.reference);
  const chain = world.chain(request.principalAccount, 'scp');
  if (!chain || chain.levels.length > MAX_LEVELS) return undefined;
  const sent = chain.levels.map((l) => l.policies.filter((p) => p.name === 'FullAWSAccess' || world.result.policies.some((x) => x.name === p.name)));
  const levels = sent.map((policies) => policies.map((p) => world.result.policies.find((x) => x.name === p.name)?.text ?? ALLOW_ALL));
  return { levels, sent, chain, resource: request.resource, context: contextEntries(request.context, world.reference), action: request.action };
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

/** Where each statement of a policy text starts (1-based line and column), in order. */
function statementStarts(text: string): { line: number; col: number }[] {
  const sources = new SourceIndex();
  const doc = parseJsonWithPositions('policy', text, sources).value as { Statement?: unknown } | undefined;
  const list = doc?.Statement;
  if (!Array.isArray(list)) return doc?.Statement ? [sources.locate(doc as object, 'Statement') ?? { line: 1, col: 1 }] : [];
  return list.map((_, i) => sources.locate(list, i) ?? { line: 1, col: 1 });
}

/**
 * A matched statement as one of ours: SourcePolicyId `...<level>.<position>` (1-based, the order we
 * sent), StartPosition inside that policy's text. Undefined when AWS names something we did not send.
 */
function attribute(m: { SourcePolicyId?: string | undefined; StartPosition?: { Line?: number | undefined; Column?: number | undefined } | undefined }, input: ScenarioInput): { decider: Decider; effect: 'Allow' | 'Deny' | undefined } | undefined {
  const id = /(\d+)\D+(\d+)\s*$/.exec(m.SourcePolicyId ?? '');
  if (!id) return undefined;
  const [level, position] = [Number(id[1]) - 1, Number(id[2]) - 1];
  const policy = input.sent[level]?.[position];
  const text = input.levels[level]?.[position];
  if (!policy || text === undefined) return undefined;
  const decider: Decider = { kind: 'scp', level: input.chain.levels[level]!.label, policy: policy.name };
  if (policy.tag !== undefined) decider.policyTag = policy.tag;
  const at = m.StartPosition;
  if (!at?.Line || !at.Column) return { decider, effect: undefined };
  const starts = statementStarts(text);
  let index = -1;
  starts.forEach((s, i) => {
    if (s.line < at.Line! || (s.line === at.Line && s.col <= at.Column!)) index = i;
  });
  const statement = policy.statements[index];
  if (!statement) return { decider, effect: undefined };
  decider.statement = statement.index;
  if (statement.sid) decider.sid = statement.sid;
  if (statement.tag !== undefined) decider.tag = statement.tag;
  return { decider, effect: statement.effect };
}

/** AWS's answer as a decision, attributed from its MatchedStatements. */
function fromAws(r: EvaluationResult, input: ScenarioInput, local: Decision): Decision {
  const kinds: Record<string, DecisionKind> = { allowed: 'allow', explicitDeny: 'explicit-deny', implicitDeny: 'implicit-deny' };
  const decision = kinds[r.EvalDecision ?? ''] ?? 'error';
  const matched = (r.MatchedStatements ?? []).map((m) => attribute(m, input)).filter((x): x is NonNullable<typeof x> => x !== undefined);
  const denies = decision === 'explicit-deny' ? matched.filter((m) => m.effect !== 'Allow').map((m) => m.decider) : [];
  const shown = (r.MatchedStatements ?? []).map((m) => `${m.SourcePolicyId ?? '?'}${m.StartPosition ? `@${m.StartPosition.Line}:${m.StartPosition.Column}` : ''}`);
  const result: Decision = {
    decision,
    denies,
    reason: `IAM policy simulator: ${r.EvalDecision ?? 'no decision'}${shown.length ? ` (${shown.join(', ')})` : ''}`,
    errors: decision === 'error' ? [{ at: { kind: 'scp', policy: 'IAM policy simulator' }, message: `unknown EvalDecision ${r.EvalDecision}` }] : [],
    scp: true,
    rcp: local.rcp,
  };
  if (denies[0]) result.decidedBy = denies[0];
  if (decision === 'allow') result.allowedBy = matched.filter((m) => m.effect === 'Allow').map((m) => m.decider);
  return result;
}
