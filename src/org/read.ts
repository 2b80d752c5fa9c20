/**
 * Reading the deployed state. The number of calls grows with the number of OUs and policies, not with
 * the number of accounts: the tree is walked once (OUs and accounts per parent, 20 accounts a page),
 * and attachments are read per policy (ListTargetsForPolicy) rather than per target, which would cost
 * a ListPoliciesForTarget call for each of 10,000 accounts.
 */
import { setMaxListeners } from 'node:events';
import type {
  DescribeOrganizationResponse,
  DescribePolicyResponse,
  ListAccountsForParentResponse,
  ListOrganizationalUnitsForParentResponse,
  ListPoliciesResponse,
  ListRootsResponse,
  ListTagsForResourceResponse,
  ListTargetsForPolicyResponse,
  PolicyType as AwsPolicyType,
} from '@aws-sdk/client-organizations';
import { quoteUntrusted } from '../diagnostics/index.js';
import type { PolicyType } from '../policy/index.js';
import { credentialsError, limiter, organizationsSdk, OrgAccessError, type OrganizationsApi } from './client.js';
import { mayBeOwned } from './ownership.js';
import { normalizeState, ORG_STATE_FORMAT, type DeployedPolicy, type OrgState, type OrgStateOu } from './state.js';

/** The most these list operations return a page (MaxResults 1-20 for each of them). */
const PAGE = 20;

export const AWS_POLICY_TYPE: Record<PolicyType, AwsPolicyType> = { scp: 'SERVICE_CONTROL_POLICY', rcp: 'RESOURCE_CONTROL_POLICY' };

export interface ReadOptions {
  /** API calls in flight at once, all operations together (default 4: Organizations allows about 5 list calls a second). */
  concurrency?: number;
  /** Where the state comes from, recorded in it. */
  source?: string;
  now?: () => Date;
  /**
   * Fired with the first error that ends the read; pass the one the client's retries wait on
   * (organizationsClientFromEnv's `stop`), so that they end with it.
   */
  stop?: AbortController;
}

export interface ReadResult {
  state: OrgState;
  /** API calls made, per operation. */
  calls: Record<string, number>;
}

export async function readOrganization(client: OrganizationsApi, options: ReadOptions = {}): Promise<ReadResult> {
  const { DescribeOrganizationCommand, DescribePolicyCommand, ListAccountsForParentCommand, ListOrganizationalUnitsForParentCommand, ListPoliciesCommand, ListRootsCommand, ListTagsForResourceCommand, ListTargetsForPolicyCommand } = organizationsSdk();
  const calls: Record<string, number> = {};
  const concurrency = Math.max(1, options.concurrency ?? 4);
  // The first error that ends the read (it outlasted the SDK's retries) stops every other call: those
  // in flight are aborted, retries included, and those waiting never start. Otherwise the calls already
  // queued would go on for minutes, each retrying against the same throttling, after the read failed.
  const stop = options.stop ?? new AbortController();
  // Not a leak: each call in flight listens on the signal about three times (the SDK's retry race, its
  // HTTP request until the socket's request closes, a retry's wait), and each removes its listeners
  // once answered; Node's default of 10 warns at 4 calls in flight. The limiter bounds the count.
  setMaxListeners(Math.max(10, concurrency * 3 + 2), stop.signal);
  // Every call goes through one limiter: a policy read runs up to three calls side by side, and the
  // tree walk two per parent, so bounding the reads alone would let several times `concurrency` fly.
  const limit = limiter(concurrency, stop.signal);
  /** `tolerated`: errors the caller handles, which end nothing. */
  const call = async <O>(name: string, command: unknown, tolerated?: (e: unknown) => boolean): Promise<O> => {
    try {
      return (await limit(async () => {
        calls[name] = (calls[name] ?? 0) + 1;
        try {
          return await client.send(command, { abortSignal: stop.signal });
        } catch (e) {
          // Stopped here, before the limiter hands the slot on: the next call in line must not start.
          if (!stop.signal.aborted && !tolerated?.(e)) stop.abort(accessError(name, e));
          throw e;
        }
      })) as O;
    } catch (e) {
      // After the stop, every call fails with the reason of the first: it is the one reported.
      if (stop.signal.aborted) throw stop.signal.reason;
      throw e;
    }
  };
  const pages = async <O, I>(name: string, make: (token: string | undefined) => unknown, items: (o: O) => I[] | undefined, token: (o: O) => string | undefined, tolerated?: (e: unknown) => boolean): Promise<I[]> => {
    const out: I[] = [];
    let next: string | undefined;
    do {
      const o: O = await call<O>(name, make(next), tolerated);
      out.push(...(items(o) ?? []));
      next = token(o);
    } while (next);
    return out;
  };

  const org = (await call<DescribeOrganizationResponse>('DescribeOrganization', new DescribeOrganizationCommand({}))).Organization;
  if (!org?.Id || !org.MasterAccountId) throw new OrgAccessError('DescribeOrganization returned no organization id or management account');
  const roots = (await call<ListRootsResponse>('ListRoots', new ListRootsCommand({}))).Roots ?? [];
  if (roots.length !== 1 || !roots[0]!.Id) throw new OrgAccessError(`expected one root, found ${roots.length}`);
  const root: OrgStateOu = { id: roots[0]!.Id!, name: roots[0]!.Name ?? 'Root', ous: [], accounts: [] };
  const enabled = (roots[0]!.PolicyTypes ?? []).filter((t) => t.Status === 'ENABLED').flatMap((t) => (t.Type === AWS_POLICY_TYPE.scp ? ['scp' as const] : t.Type === AWS_POLICY_TYPE.rcp ? ['rcp' as const] : []));

  // The tree, level by level; each level's parents are read side by side, the limiter bounding the calls.
  let level: OrgStateOu[] = [root];
  while (level.length) {
    const children = await Promise.all(level.map(async (parent) => {
      const [ous, accounts] = await Promise.all([
        pages<ListOrganizationalUnitsForParentResponse, { Id?: string; Name?: string }>(
          'ListOrganizationalUnitsForParent',
          (NextToken) => new ListOrganizationalUnitsForParentCommand({ ParentId: parent.id, NextToken, MaxResults: PAGE }),
          (o) => o.OrganizationalUnits,
          (o) => o.NextToken,
        ),
        pages<ListAccountsForParentResponse, { Id?: string; Name?: string }>(
          'ListAccountsForParent',
          (NextToken) => new ListAccountsForParentCommand({ ParentId: parent.id, NextToken, MaxResults: PAGE }),
          (o) => o.Accounts,
          (o) => o.NextToken,
        ),
      ]);
      parent.accounts = accounts.map((a) => ({ id: a.Id!, name: a.Name ?? a.Id! }));
      parent.ous = ous.map((o) => ({ id: o.Id!, name: o.Name ?? o.Id!, ous: [], accounts: [] }));
      return parent.ous;
    }));
    level = children.flat();
  }

  const policies: DeployedPolicy[] = [];
  for (const type of ['scp', 'rcp'] as const) {
    let summaries: { Id?: string; Name?: string; Description?: string; AwsManaged?: boolean }[];
    try {
      summaries = await pages<ListPoliciesResponse, { Id?: string; Name?: string; Description?: string; AwsManaged?: boolean }>(
        'ListPolicies',
        (NextToken) => new ListPoliciesCommand({ Filter: AWS_POLICY_TYPE[type], NextToken, MaxResults: PAGE }),
        (o) => o.Policies,
        (o) => o.NextToken,
        type === 'rcp' ? rcpsNotEnabled : undefined,
      );
    } catch (e) {
      // An organization that has not enabled RCPs has none to read.
      if (type === 'rcp' && rcpsNotEnabled(e)) continue;
      throw e;
    }
    const read = await Promise.all(summaries.map(async (s): Promise<DeployedPolicy> => {
      const id = s.Id!;
      const name = s.Name ?? id;
      const awsManaged = s.AwsManaged === true;
      const [described, targets, tags] = await Promise.all([
        call<DescribePolicyResponse>('DescribePolicy', new DescribePolicyCommand({ PolicyId: id })),
        pages<ListTargetsForPolicyResponse, { TargetId?: string }>(
          'ListTargetsForPolicy',
          (NextToken) => new ListTargetsForPolicyCommand({ PolicyId: id, NextToken, MaxResults: PAGE }),
          (o) => o.Targets,
          (o) => o.NextToken,
        ),
        mayBeOwned(name, awsManaged)
          ? pages<ListTagsForResourceResponse, { Key?: string; Value?: string }>(
              'ListTagsForResource',
              (NextToken) => new ListTagsForResourceCommand({ ResourceId: id, NextToken }),
              (o) => o.Tags,
              (o) => o.NextToken,
            )
          : Promise.resolve([]),
      ]);
      return {
        id,
        name,
        type,
        description: s.Description ?? '',
        awsManaged,
        tags: Object.fromEntries(tags.filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? ''])),
        content: described.Policy?.Content ?? '',
        targets: targets.map((t) => t.TargetId!).filter(Boolean),
      };
    }));
    policies.push(...read);
  }

  const state: OrgState = {
    format: ORG_STATE_FORMAT,
    source: options.source ?? 'AWS Organizations',
    readAt: (options.now?.() ?? new Date()).toISOString(),
    organization: { id: org.Id, managementAccount: org.MasterAccountId },
    ...(enabled.length ? { enabledPolicyTypes: enabled } : {}),
    root,
    policies,
  };
  return { state: normalizeState(state), calls };
}

function rcpsNotEnabled(e: unknown): boolean {
  const err = e as { name?: string; message?: string };
  return /PolicyTypeNotEnabled|PolicyTypeNotAvailable/.test(`${err?.name ?? ''} ${err?.message ?? ''}`);
}

/** AWS errors become one clear line naming the operation; the SDK has already retried throttling. */
function accessError(operation: string, e: unknown): Error {
  if (e instanceof OrgAccessError) return e;
  const noCredentials = credentialsError(e);
  if (noCredentials) return noCredentials;
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err.name ?? 'Error';
  let hint = '';
  if (name === 'AccessDeniedException') hint = ' (read the organization from the management account or a delegated administrator for Organizations policies)';
  else if (name === 'AWSOrganizationsNotInUseException') hint = ' (this account is not in an organization)';
  else if (name === 'TooManyRequestsException') hint = ' (throttled even after retries; try --concurrency 1)';
  // What the server says is quoted, clipped and inert: it goes to the CI log as it is.
  return new OrgAccessError(`${operation} failed: ${quoteUntrusted(name, 80)}: ${quoteUntrusted(err.message ?? String(e), 300)}${hint}`);
}
