/**
 * Each compiled policy sent to IAM Access Analyzer's ValidatePolicy: an SCP as SERVICE_CONTROL_POLICY,
 * an RCP as RESOURCE_CONTROL_POLICY, its canonical text exactly as rollout sends it to Organizations
 * (the one whose characters the quota counts). Every page of findings is read (nextToken), a few calls
 * run at once, and the whole check has a deadline: when it passes, or a call fails for good, every call
 * and retry wait still pending is aborted and the check fails with one error naming the policy.
 *
 * What AWS answers is untrusted like any input: each finding is read field by field into plain values
 * (a missing or mistyped field becomes empty, never an exception), and a server that pages without end
 * or repeats a token is an error, not a loop.
 */
import { ValidatePolicyCommand, type AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer';
import { quoteUntrusted } from '../diagnostics/index.js';
import type { PolicyType } from '../policy/index.js';
import { AccessAnalyzerError } from './errors.js';

export const ACCESS_ANALYZER_POLICY_TYPE: Readonly<Record<PolicyType, 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY'>> = {
  scp: 'SERVICE_CONTROL_POLICY',
  rcp: 'RESOURCE_CONTROL_POLICY',
};

export interface PolicyToValidate {
  name: string;
  type: PolicyType;
  /** The canonical text, as deployed. */
  text: string;
}

/** A step of a finding's path through the policy's JSON, as AWS gives it. */
export type PathStep = { index: number } | { key: string } | { value: string } | { substring: { start: number; length: number } };

/** A position as AWS counts it: line from 1, column from 0, offset from 0. */
export interface FindingPosition {
  line: number;
  column: number;
  offset: number;
}

export interface FindingLocation {
  path: PathStep[];
  start: FindingPosition | undefined;
  end: FindingPosition | undefined;
}

/** A ValidatePolicy finding as read: every string as AWS sent it (untrusted: quote it where shown). */
export interface Finding {
  findingType: string;
  issueCode: string;
  findingDetails: string;
  learnMoreLink: string;
  locations: FindingLocation[];
}

export interface ValidatedPolicy {
  policy: PolicyToValidate;
  findings: Finding[];
}

/** What the validation needs of a client: tests may pass their own. */
export interface ValidatePolicyApi {
  send(command: ValidatePolicyCommand, options?: { abortSignal?: AbortSignal }): Promise<{ findings?: unknown; nextToken?: unknown }>;
}

export interface ValidateOptions {
  client: ValidatePolicyApi | AccessAnalyzerClient;
  /** Aborted when the deadline passes or a call fails: whatever is pending stops. */
  stop: AbortController;
  /** Calls in flight at once (default 4). */
  concurrency?: number;
  /** Shown in the error when the deadline passed. */
  timeoutMs?: number;
}

/** Guards against a server that never stops paging: far beyond what one policy of 10,240 characters can have. */
export const MAX_PAGES = 100;
export const MAX_FINDINGS = 1_000;

export async function validatePolicies(policies: readonly PolicyToValidate[], options: ValidateOptions): Promise<ValidatedPolicy[]> {
  const results: ValidatedPolicy[] = new Array(policies.length);
  let next = 0;
  const worker = async () => {
    while (next < policies.length && !options.stop.signal.aborted) {
      const i = next++;
      results[i] = { policy: policies[i]!, findings: await validateOne(policies[i]!, options) };
    }
  };
  const workers = Array.from({ length: Math.min(options.concurrency ?? 4, policies.length) }, worker);
  try {
    await Promise.all(workers);
  } catch (e) {
    options.stop.abort();
    // The others end as their calls are aborted; their errors say only that.
    await Promise.allSettled(workers);
    throw e;
  }
  if (options.stop.signal.aborted) throw timedOut(options);
  return results;
}

async function validateOne(policy: PolicyToValidate, options: ValidateOptions): Promise<Finding[]> {
  const policyType = ACCESS_ANALYZER_POLICY_TYPE[policy.type];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  let nextToken: string | undefined;
  for (let page = 1; ; page++) {
    let response: { findings?: unknown; nextToken?: unknown };
    try {
      const command = new ValidatePolicyCommand({ policyDocument: policy.text, policyType, ...(nextToken !== undefined ? { nextToken } : {}) });
      response = await (options.client as ValidatePolicyApi).send(command, { abortSignal: options.stop.signal });
    } catch (e) {
      if (options.stop.signal.aborted) throw timedOut(options);
      throw callFailed(policy, policyType, e);
    }
    if (!Array.isArray(response.findings)) throw new AccessAnalyzerError(`IAM Access Analyzer answered for policy ${policy.name} (${policyType}) without a list of findings`);
    for (const f of response.findings) findings.push(readFinding(f));
    const token = response.nextToken;
    if (token === undefined || token === null || token === '') return findings;
    if (typeof token !== 'string' || seen.has(token) || page >= MAX_PAGES || findings.length > MAX_FINDINGS) {
      throw new AccessAnalyzerError(`IAM Access Analyzer kept paging the findings of policy ${policy.name} (${policyType}): ${page} pages, ${findings.length} findings${typeof token === 'string' && seen.has(token) ? ', a page token repeated' : ''}; stopped`);
    }
    seen.add(token);
    nextToken = token;
  }
}

function timedOut(options: ValidateOptions): AccessAnalyzerError {
  const ms = options.timeoutMs;
  const within = ms === undefined ? 'the time allowed' : ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
  return new AccessAnalyzerError(`IAM Access Analyzer did not answer every ValidatePolicy call within ${within}; nothing was decided`);
}

function callFailed(policy: PolicyToValidate, policyType: string, e: unknown): AccessAnalyzerError {
  const err = e as { name?: string; message?: string; $metadata?: { attempts?: number; httpStatusCode?: number } };
  const attempts = err.$metadata?.attempts;
  const name = quoteUntrusted(err.name ?? 'Error', 100);
  const denied = name === 'AccessDeniedException' ? ' (the credentials need access-analyzer:ValidatePolicy)' : '';
  return new AccessAnalyzerError(
    `IAM Access Analyzer ValidatePolicy failed for policy ${policy.name} (${policyType}, ${policy.text.length} characters): ${name}: ${quoteUntrusted(err.message ?? String(e), 500)}${denied}${attempts && attempts > 1 ? ` (after ${attempts} attempts)` : ''}`,
  );
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const integer = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);

function readPosition(v: unknown): FindingPosition | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const p = v as Record<string, unknown>;
  const [line, column, offset] = [integer(p.line), integer(p.column), integer(p.offset)];
  return line === undefined || column === undefined || offset === undefined ? undefined : { line, column, offset };
}

function readStep(v: unknown): PathStep | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const s = v as Record<string, unknown>;
  if (integer(s.index) !== undefined) return { index: s.index as number };
  if (typeof s.key === 'string') return { key: s.key };
  if (typeof s.value === 'string') return { value: s.value };
  const sub = s.substring as Record<string, unknown> | undefined;
  if (sub && integer(sub.start) !== undefined && integer(sub.length) !== undefined) return { substring: { start: sub.start as number, length: sub.length as number } };
  return undefined;
}

function readFinding(v: unknown): Finding {
  const f = v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  const locations = Array.isArray(f.locations) ? f.locations : [];
  return {
    findingType: text(f.findingType),
    issueCode: text(f.issueCode),
    findingDetails: text(f.findingDetails),
    learnMoreLink: text(f.learnMoreLink),
    locations: locations.map((l) => {
      const loc = l !== null && typeof l === 'object' ? (l as Record<string, unknown>) : {};
      const span = loc.span !== null && typeof loc.span === 'object' ? (loc.span as Record<string, unknown>) : {};
      const path = Array.isArray(loc.path) ? loc.path.map(readStep) : [];
      // A path with a step we cannot read is no path: its later steps would be misread.
      return { path: path.every((s) => s !== undefined) ? (path as PathStep[]) : [], start: readPosition(span.start), end: readPosition(span.end) };
    }),
  };
}
