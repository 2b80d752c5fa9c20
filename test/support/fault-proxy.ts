/**
 * A loopback proxy in front of moto_server for the AWS Organizations JSON protocol (awsJson1_1: POST /,
 * `X-Amz-Target: AWSOrganizationsV20161128.<Operation>`). Clients point at `proxy.endpoint`
 * (AWS_ENDPOINT_URL_ORGANIZATIONS). It makes moto behave like AWS where a rollout can tell:
 * - faults injected per operation and call number (or a predicate on the request): throttling, 500, 503,
 *   ConcurrentModification, PolicyChangesInProgress, an answer lost after the write landed, a delay;
 * - the refusals AWS makes and moto does not (aws-refusals.ts), decided by reading moto before the write;
 * - hooks before or after the k-th write, so a test can kill the rollout's process exactly there;
 * - an auditor (org-auditor.ts) run after every write that landed, and a log of every call.
 * Writes are handled one at a time (reads pass freely), so a refusal is decided on the state the write
 * meets and every audit sees the state right after its write.
 *
 *   const proxy = await startFaultProxy(moto.endpoint, { quotas });
 *   proxy.inject({ operation: 'AttachPolicy', call: 2, fault: 'throttle' });
 *   proxy.onWrite(5, 'after', async () => { child.kill('SIGKILL'); await once(child, 'exit'); });
 *   await proxy.auditor.setWave(accountIds);
 *   ... run the rollout with env proxy.env ...
 *   await proxy.idle();
 *   expect(proxy.auditor.violations).toEqual([]);
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { DEFAULT_QUOTA_PROFILE, quotaProfile, type Quotas } from '../../src/policy/quotas.js';
import { refusalOf, type AwsError } from './aws-refusals.js';
import { OrgAuditor } from './org-auditor.js';

const TARGET_PREFIX = 'AWSOrganizationsV20161128.';

/** Calls that change the tree of OUs and accounts: the auditor reads the tree again after one. */
const TREE_OPERATIONS: ReadonlySet<string> = new Set([
  'CreateOrganization',
  'DeleteOrganization',
  'CreateOrganizationalUnit',
  'UpdateOrganizationalUnit',
  'DeleteOrganizationalUnit',
  'CreateAccount',
  'CreateGovCloudAccount',
  'InviteAccountToOrganization',
  'AcceptHandshake',
  'MoveAccount',
  'RemoveAccountFromOrganization',
  'LeaveOrganization',
  'CloseAccount',
]);

/** Calls that change the organization's policies: counted as writes, audited after they land. */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  'CreatePolicy',
  'UpdatePolicy',
  'DeletePolicy',
  'AttachPolicy',
  'DetachPolicy',
  'TagResource',
  'UntagResource',
  'EnablePolicyType',
  'DisablePolicyType',
]);

export type FaultKind =
  /** 400 TooManyRequestsException, which the SDK classifies as throttling. */
  | 'throttle'
  /** 500 ServiceException. */
  | 'server-error'
  /** 503 with no modeled exception: the SDK sees a transient server error. */
  | 'unavailable'
  | 'concurrent-modification'
  | 'policy-changes-in-progress'
  /** The call reaches moto (the write lands), then the connection is destroyed before any answer. */
  | 'lost-answer'
  /** The call reaches moto (the write lands), then a 500 with no body is sent instead of moto's answer. */
  | 'lost-answer-500'
  /** The call waits `delayMs`, then goes on as usual. */
  | 'delay'
  /**
   * A read answered with what the same read (same operation and body) answered last time, as AWS's
   * eventually consistent reads can just after a write; goes through when it was never asked before.
   */
  | 'stale-read';

export interface FaultRule {
  /** The operation it applies to (`AttachPolicy`); any when absent. */
  operation?: string;
  /** The n-th call (1-based) of `operation` since the proxy started or was last reset; any when absent. */
  call?: number;
  /** A predicate on the parsed request body, for "every call that detaches from the root". */
  when?: (body: Record<string, unknown>, call: ProxyCall) => boolean;
  fault: FaultKind;
  delayMs?: number;
  /** How many times it fires at most: 1 when `call` is given, without limit otherwise. */
  times?: number;
}

export interface InjectedFault {
  readonly rule: FaultRule;
  /** How many calls it has hit so far. */
  readonly fired: number;
  remove(): void;
}

export interface ProxyCall {
  /** 1-based over every Organizations call the proxy received. */
  seq: number;
  operation: string;
  /** 1-based over the calls of this operation. */
  call: number;
  /** 1-based over the writes (WRITE_OPERATIONS), for writes only. */
  write?: number;
  body: Record<string, unknown>;
  /** `AttachPolicy p-123 -> ou-abc`, for messages. */
  summary: string;
  /** The HTTP status sent back; undefined when no answer was sent (lost answer, client gone). */
  status?: number;
  /** The exception named in the answer, from moto or the proxy. */
  error?: string;
  fault?: FaultKind;
  /** The AWS refusal the proxy answered with instead of forwarding. */
  refused?: string;
  /** The call reached moto and moto accepted it. */
  landed: boolean;
  /** The client was gone when the proxy would have forwarded or answered. */
  clientGone?: boolean;
}

export type WriteHook = (call: ProxyCall) => void | Promise<void>;

export interface FaultProxyOptions {
  /** The quotas AWS enforces in the test (default: the project's default profile). */
  quotas?: Quotas;
  /** Answer AWS's refusals (default true); false lets moto accept them, for audit-only tests. */
  refuse?: boolean;
  /** Audit after every write that landed (default true). */
  audit?: boolean;
  /** See FaultProxy.enableLag (default 0). */
  enableLag?: number;
}

export interface FaultProxy {
  endpoint: string;
  /** The environment a rollout process needs to reach Organizations through the proxy. */
  env: NodeJS.ProcessEnv;
  /** A client through the proxy; `maxAttempts: 1` turns the SDK's own retries off. */
  client(options?: { maxAttempts?: number }): OrganizationsClient;
  inject(rule: FaultRule): InjectedFault;
  /** Runs `hook` before forwarding, or after the write landed and before answering, the k-th write (1-based). */
  onWrite(k: number, when: 'before' | 'after', hook: WriteHook): void;
  /** Whether AWS's refusals are answered; settable between calls. */
  refuse: boolean;
  /** Whether every landed write is audited; settable between calls. */
  audit: boolean;
  /**
   * AWS enables a policy type asynchronously (moto at once): after an EnablePolicyType lands, ListRoots
   * reports the type PENDING_ENABLE for this many calls, and attaching a policy of it is refused with
   * PolicyTypeNotEnabledException until then. 0 (the default) is moto's behaviour.
   */
  enableLag: number;
  readonly auditor: OrgAuditor;
  /** Every Organizations call, in order of arrival. */
  readonly calls: readonly ProxyCall[];
  readonly counts: { calls: number; writes: number; landed: number; byOperation: Record<string, number> };
  /**
   * Resolves once no call is in the proxy's hands: after a hook killed a client, the call it interrupted
   * is still finishing (forwarded or dropped, audited); read moto after this.
   */
  idle(): Promise<void>;
  /** Forgets rules, hooks, the log and the counts (moto's state and the auditor's violations stay). */
  reset(): void;
  stop(): Promise<void>;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function startFaultProxy(motoEndpoint: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const quotas = options.quotas ?? quotaProfile(DEFAULT_QUOTA_PROFILE)!;
  const direct = new OrganizationsClient({ endpoint: motoEndpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const auditor = new OrgAuditor(direct, quotas);
  let rules: { rule: FaultRule; fired: number; removed: boolean }[] = [];
  let hooks = new Map<number, { before?: WriteHook; after?: WriteHook }>();
  let calls: ProxyCall[] = [];
  let perOperation: Record<string, number> = {};
  let writes = 0;
  let writeQueue: Promise<unknown> = Promise.resolve();
  let inFlight = 0;
  /** Policy types enabled but still pending, with the ListRoots calls left before they are enabled. */
  const pending = new Map<string, number>();
  /** The last answer to each read, for stale reads. */
  const lastReads = new Map<string, Answer>();
  let idleWaiters: (() => void)[] = [];

  const proxy: FaultProxy = {
    endpoint: '',
    env: {},
    refuse: options.refuse ?? true,
    audit: options.audit ?? true,
    enableLag: options.enableLag ?? 0,
    auditor,
    get calls() {
      return calls;
    },
    get counts() {
      return { calls: calls.length, writes, landed: calls.filter((c) => c.write !== undefined && c.landed).length, byOperation: { ...perOperation } };
    },
    client: (o = {}) =>
      new OrganizationsClient({ endpoint: proxy.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}) }),
    inject(rule) {
      const entry = { rule, fired: 0, removed: false };
      rules.push(entry);
      return {
        rule,
        get fired() {
          return entry.fired;
        },
        remove: () => {
          entry.removed = true;
        },
      };
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    onWrite(k, when, hook) {
      hooks.set(k, { ...hooks.get(k), [when]: hook });
    },
    reset() {
      rules = [];
      hooks = new Map();
      calls = [];
      perOperation = {};
      writes = 0;
      pending.clear();
      lastReads.clear();
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      direct.destroy();
    },
  };

  /** Records a type enabled with a lag, and shows pending types as AWS does until their lag is spent. */
  const pendingTypes = (call: ProxyCall, reply: Answer): Answer => {
    if (call.operation === 'EnablePolicyType' && proxy.enableLag > 0 && typeof call.body.PolicyType === 'string') pending.set(call.body.PolicyType, proxy.enableLag);
    if ((call.operation !== 'ListRoots' && call.operation !== 'EnablePolicyType') || pending.size === 0) return reply;
    const data = JSON.parse(reply.body) as { Roots?: RootShape[]; Root?: RootShape };
    for (const root of [...(data.Roots ?? []), ...(data.Root ? [data.Root] : [])]) {
      for (const t of root.PolicyTypes ?? []) if (t.Type && pending.has(t.Type)) t.Status = 'PENDING_ENABLE';
    }
    if (call.operation === 'ListRoots') {
      for (const [type, left] of pending) {
        if (left <= 1) pending.delete(type);
        else pending.set(type, left - 1);
      }
    }
    return { ...reply, body: JSON.stringify(data) };
  };

  const faultFor = (call: ProxyCall): { kind: FaultKind; delayMs: number } | undefined => {
    for (const entry of rules) {
      const { rule } = entry;
      if (entry.removed || (rule.operation !== undefined && rule.operation !== call.operation)) continue;
      if (rule.call !== undefined && rule.call !== call.call) continue;
      const limit = rule.times ?? (rule.call !== undefined ? 1 : Infinity);
      if (entry.fired >= limit || (rule.when && !rule.when(call.body, call))) continue;
      entry.fired++;
      return { kind: rule.fault, delayMs: rule.delayMs ?? 0 };
    }
    return undefined;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): Promise<void> => {
    const target = headerOf(req, 'x-amz-target');
    if (!target?.startsWith(TARGET_PREFIX)) {
      // moto's own API (/moto-api/reset) and anything not Organizations: passed through untouched.
      auditor.treeChanged();
      const answer = await forward(motoEndpoint, req, raw);
      auditor.treeChanged();
      send(res, answer);
      return;
    }
    const operation = target.slice(TARGET_PREFIX.length);
    if (TREE_OPERATIONS.has(operation)) auditor.treeChanged();
    const body = parseBody(raw);
    perOperation[operation] = (perOperation[operation] ?? 0) + 1;
    const isWrite = WRITE_OPERATIONS.has(operation);
    const call: ProxyCall = { seq: calls.length + 1, operation, call: perOperation[operation]!, body, summary: summarize(operation, body), landed: false };
    if (isWrite) call.write = ++writes;
    calls.push(call);
    const work = () => serve(req, res, raw, call);
    if (!isWrite) return work();
    // Serial writes: each one's refusal check, landing and audit see nobody else's write in between.
    const turn = writeQueue.then(work, work);
    writeQueue = turn.catch(() => undefined);
    return turn;
  };

  // A killed client closes its connection: the socket has ended (FIN) or is gone. Its close is read by
  // the event loop, so a hook that has just killed the client gives it a moment first (settle()).
  const clientGone = (res: http.ServerResponse) => {
    const socket = res.socket;
    return res.destroyed || !socket || socket.destroyed || socket.readableEnded;
  };
  const settle = () => new Promise((r) => setTimeout(r, 25));

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer, call: ProxyCall): Promise<void> => {
    const hook = call.write !== undefined ? hooks.get(call.write) : undefined;
    if (hook?.before) {
      await hook.before(call);
      await settle();
      if (clientGone(res)) {
        call.clientGone = true;
        return;
      }
    }
    const fault = faultFor(call);
    if (fault) call.fault = fault.kind;
    switch (fault?.kind) {
      case 'throttle':
        return answer(res, call, awsError({ status: 400, type: 'TooManyRequestsException', message: 'AWS Organizations can\'t complete your request because another request is already in progress. Try again later.', fields: { Type: 'RequestLimitExceeded' } }));
      case 'server-error':
        return answer(res, call, awsError({ status: 500, type: 'ServiceException', message: 'AWS Organizations can\'t complete your request because of an internal service error. Try again later.' }));
      case 'unavailable':
        return answer(res, call, awsError({ status: 503, type: 'ServiceUnavailable', message: 'Service unavailable. Try again later.' }));
      case 'concurrent-modification':
        return answer(res, call, awsError({ status: 400, type: 'ConcurrentModificationException', message: 'The target of the operation is currently being modified by a different request. Try again later.' }));
      case 'policy-changes-in-progress':
        return answer(res, call, awsError({ status: 400, type: 'PolicyChangesInProgressException', message: 'Changes to the effective policy are in progress, and its contents can\'t be returned. Try the operation again later.' }));
      case 'delay':
        await new Promise((r) => setTimeout(r, fault.delayMs));
        break;
      case 'stale-read': {
        const last = lastReads.get(readKey(call.operation, raw));
        if (last) return answer(res, call, last);
        break;
      }
    }
    if (call.write !== undefined && proxy.refuse) {
      const refused = await refusalOf(direct, call.operation, call.body, quotas, new Set(pending.keys()));
      if (refused) {
        call.refused = refused.type;
        return answer(res, call, awsError(refused));
      }
    }
    let reply = await forward(motoEndpoint, req, raw);
    // Before and after: an audit that read the tree while the call was on its way does not keep it.
    if (TREE_OPERATIONS.has(call.operation)) auditor.treeChanged();
    call.landed = reply.status < 300;
    if (call.landed) reply = pendingTypes(call, reply);
    if (call.write === undefined && call.landed) lastReads.set(readKey(call.operation, raw), reply);
    if (call.write !== undefined && call.landed) {
      if (call.operation === 'DisablePolicyType') auditor.report(`write ${call.write} (${call.summary}): DisablePolicyType detaches every policy of the type in AWS and must never be called`);
      if (proxy.audit) await auditor.audit(`write ${call.write} (${call.summary})`);
    }
    if (hook?.after) {
      await hook.after(call);
      await settle();
    }
    if (clientGone(res)) {
      call.clientGone = true;
      return;
    }
    if (fault?.kind === 'lost-answer') {
      res.socket?.destroy();
      return;
    }
    if (fault?.kind === 'lost-answer-500') return answer(res, call, { status: 500, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: '' });
    answer(res, call, reply);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    inFlight++;
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks))
        .catch((e: unknown) => {
          // A failure of the proxy itself (moto down): a 599 makes it loud in the test, never an AWS answer.
          if (!res.headersSent && !clientGone(res)) res.writeHead(599, { 'content-type': 'text/plain' }).end(`fault proxy: ${(e as Error).message}`);
        })
        .finally(() => {
          if (--inFlight > 0) return;
          const waiters = idleWaiters;
          idleWaiters = [];
          waiters.forEach((w) => w());
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.env = { CI: 'true', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_ENDPOINT_URL_ORGANIZATIONS: proxy.endpoint };
  return proxy;
}

/** An error exactly as AWS sends one over awsJson1_1: the SDK takes the exception name from `__type`. */
export function awsError(e: AwsError): Answer {
  return {
    status: e.status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': e.type, 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify({ __type: e.type, Message: e.message, ...e.fields }),
  };
}

function answer(res: http.ServerResponse, call: ProxyCall, a: Answer): void {
  call.status = a.status;
  const type = a.status >= 300 ? errorType(a) : undefined;
  if (type) call.error = type;
  send(res, a);
}

function send(res: http.ServerResponse, a: Answer): void {
  res.writeHead(a.status, { ...a.headers, 'content-length': Buffer.byteLength(a.body) });
  res.end(a.body);
}

function errorType(a: Answer): string | undefined {
  try {
    const type = (JSON.parse(a.body) as { __type?: string }).__type;
    if (type) return type.split('#').pop();
  } catch {
    // no JSON body: fall back to the header
  }
  return a.headers['x-amzn-errortype']?.split(':')[0];
}

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

async function forward(motoEndpoint: string, req: http.IncomingMessage, raw: Buffer): Promise<Answer> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && typeof v === 'string') headers[k] = v;
  const response = await fetch(`${motoEndpoint}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: raw }) });
  const out: Record<string, string> = {};
  response.headers.forEach((v, k) => {
    if (!HOP_BY_HOP.has(k) && k !== 'content-encoding') out[k] = v;
  });
  return { status: response.status, headers: out, body: await response.text() };
}

interface RootShape {
  PolicyTypes?: { Type?: string; Status?: string }[];
}

function readKey(operation: string, raw: Buffer): string {
  return `${operation} ${raw.toString('utf8')}`;
}

function headerOf(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseBody(raw: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(raw.toString('utf8') || '{}');
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function summarize(operation: string, b: Record<string, unknown>): string {
  const s = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : '?');
  switch (operation) {
    case 'AttachPolicy':
      return `AttachPolicy ${s('PolicyId')} -> ${s('TargetId')}`;
    case 'DetachPolicy':
      return `DetachPolicy ${s('PolicyId')} from ${s('TargetId')}`;
    case 'CreatePolicy':
      return `CreatePolicy ${s('Type')} ${s('Name')}`;
    case 'UpdatePolicy':
      return `UpdatePolicy ${s('PolicyId')}${b.Name !== undefined ? ` name ${s('Name')}` : ''}${b.Content !== undefined ? ' content' : ''}`;
    case 'DeletePolicy':
      return `DeletePolicy ${s('PolicyId')}`;
    case 'TagResource':
    case 'UntagResource':
      return `${operation} ${s('ResourceId')}`;
    case 'EnablePolicyType':
    case 'DisablePolicyType':
      return `${operation} ${s('PolicyType')} at ${s('RootId')}`;
    default:
      return operation;
  }
}
