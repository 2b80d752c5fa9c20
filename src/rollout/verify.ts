/**
 * After a wave, reads back every target it touched until each holds exactly the policies the plan
 * expects (by name, and for guardrails' own by content digest), polling within a bound: Organizations'
 * reads are eventually consistent, so a read just after a write may still show the state before it.
 * What still differs at the end is said one line per difference, in words a reviewer reads.
 */
import { DescribePolicyCommand, ListPoliciesForTargetCommand, type DescribePolicyResponse, type ListPoliciesForTargetResponse, type PolicySummary } from '@aws-sdk/client-organizations';
import { AWS_POLICY_TYPE, type OrganizationsApi, type OrgOperation } from '../org/index.js';
import { policyDigest } from './drift.js';
import { classifyOrgError } from './errors.js';
import type { Sleep, WritePacer } from './pacing.js';
import { abortableSleep } from './sleep.js';
import type { ExpectedTarget } from './types.js';

export interface VerifyOptions {
  /** How long to keep polling before the differences are final. */
  timeoutMs: number;
  /** The pause between two polls. */
  intervalMs: number;
  sleep?: Sleep;
  signal?: AbortSignal;
  /** Milliseconds; Date.now by default. */
  now?: () => number;
  pacer?: WritePacer;
}

export interface VerifyResult {
  ok: boolean;
  polls: number;
  ms: number;
  /** What differs at the last poll, one readable line each; empty when ok. */
  differences: string[];
  /** Set when the signal stopped the polling before the state was seen equal. */
  interrupted?: true;
}

/** A read error that polling again will not cure (a target that is gone, access denied). */
class Unreadable extends Error {}

const PAGE = 20;
/** Reads are classified as an operation that no refusal marks as already done: "try again" or halt. */
const READ: OrgOperation = { op: 'tag', policy: '', type: 'scp', tags: {} };

export async function verifyWave(client: OrganizationsApi, expected: readonly ExpectedTarget[], options: VerifyOptions): Promise<VerifyResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const started = now();
  let polls = 0;
  for (;;) {
    if (options.signal?.aborted) return { ok: false, polls, ms: now() - started, differences: ['verification interrupted before the targets were read back'], interrupted: true };
    polls++;
    let differences: string[];
    let final = false;
    try {
      differences = await poll(client, expected, options);
    } catch (e) {
      if (options.signal?.aborted) return { ok: false, polls, ms: now() - started, differences: ['verification interrupted while the targets were read back'], interrupted: true };
      if (!(e instanceof Unreadable)) throw e;
      differences = [e.message];
      final = true;
    }
    const ms = now() - started;
    if (!differences.length) return { ok: true, polls, ms, differences };
    if (final || ms + options.intervalMs > options.timeoutMs) return { ok: false, polls, ms, differences };
    try {
      await sleep(options.intervalMs, options.signal);
    } catch (e) {
      if (options.signal?.aborted) return { ok: false, polls, ms: now() - started, differences, interrupted: true };
      throw e;
    }
  }
}

/** One read of every expected target; the differences it shows. Contents are read once per policy id. */
async function poll(client: OrganizationsApi, expected: readonly ExpectedTarget[], options: VerifyOptions): Promise<string[]> {
  const digests = new Map<string, Promise<string>>();
  const call = async <T>(operation: string, command: unknown, where: string): Promise<T | undefined> => {
    await options.pacer?.take(operation, options.signal);
    try {
      return (await client.send(command)) as T;
    } catch (e) {
      const c = classifyOrgError(e, READ);
      if (c.errorClass === 'retry') return undefined;
      throw new Unreadable(`${where}: could not be read (${c.message})`);
    }
  };
  const digestOf = (id: string, where: string): Promise<string> => {
    let d = digests.get(id);
    if (!d) {
      d = call<DescribePolicyResponse>('DescribePolicy', new DescribePolicyCommand({ PolicyId: id }), where).then((r) => (r ? policyDigest(r.Policy?.Content ?? '') : ''));
      digests.set(id, d);
    }
    return d;
  };
  const out: string[] = [];
  for (const target of expected) {
    const kind = target.type.toUpperCase();
    const where = `${target.label} (${kind})`;
    const found: PolicySummary[] = [];
    let NextToken: string | undefined;
    let complete = true;
    do {
      const page = await call<ListPoliciesForTargetResponse>('ListPoliciesForTarget', new ListPoliciesForTargetCommand({ TargetId: target.id, Filter: AWS_POLICY_TYPE[target.type], MaxResults: PAGE, NextToken }), where);
      if (!page) {
        complete = false;
        break;
      }
      found.push(...(page.Policies ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    if (!complete) {
      out.push(`${where}: could not be read this time (throttled or unavailable)`);
      continue;
    }
    const foundNames = new Set(found.map((p) => p.Name ?? p.Id ?? ''));
    for (const want of target.policies) {
      const digestText = want.digest ? ` (digest ${want.digest.slice(0, 8)}..)` : '';
      const live = found.find((p) => p.Name === want.name);
      if (!live) {
        out.push(`${target.label}: expected ${kind} ${want.name}${digestText} attached, found none`);
        continue;
      }
      if (!want.digest || !live.Id) continue;
      const digest = await digestOf(live.Id, where);
      if (digest === '') out.push(`${where}: the content of ${want.name} could not be read this time`);
      else if (digest !== want.digest) out.push(`${target.label}: ${kind} ${want.name} is attached with content digest ${digest.slice(0, 8)}.., expected ${want.digest.slice(0, 8)}..`);
    }
    const wanted = new Set(target.policies.map((p) => p.name));
    for (const name of [...foundNames].sort()) {
      if (!wanted.has(name)) out.push(`${target.label}: found ${kind} ${name} attached, not expected`);
    }
  }
  return out;
}
