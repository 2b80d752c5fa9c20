/**
 * A local stand-in for IAM's SimulateCustomPolicy, speaking the real wire protocol (awsQuery: a
 * form-encoded POST, an XML reply). It evaluates with the project's engine, which makes its answers
 * realistic, and names the deciding statement as AWS does (MatchedStatements: SourcePolicyId and the
 * statement's start and end positions in the policy text). A test can make it answer any decision
 * (`answer`), to prove that the AWS backend trusts AWS's answer and reports disagreements. What the
 * tests check otherwise is the protocol: batching, paging, throttling, error replies.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorize, buildRequest, compilePolicy, RequestContext } from '../../src/evaluate/index.js';
import { SourceIndex } from '../../src/diagnostics/index.js';
import { parseJsonWithPositions, readPolicyDocument } from '../../src/policy/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';

export interface SimulateCall {
  actions: string[];
  resources: string[];
  levels: string[][];
  policies: string[];
  context: { key: string; values: string[]; type: string }[];
  maxItems: number | undefined;
  marker: string | undefined;
}

export type EvalDecision = 'allowed' | 'explicitDeny' | 'implicitDeny';

export interface IamQueryServer {
  url: string;
  calls: SimulateCall[];
  /** Answer the next `n` requests with a throttling error. */
  throttleNext(n: number): void;
  /** Return at most `n` results per page (AWS decides its page size; MaxItems is an upper bound). */
  pageSize(n: number | undefined): void;
  /** Answer every request with this error code (HTTP 400) until cleared. */
  failWith(code: string | undefined, message?: string): void;
  /**
   * Answer with this decision (no matched statements) instead of the engine's: for every pair, or for
   * the pairs the function picks (undefined: the engine decides). `answer(undefined)` restores.
   */
  answer(decision: EvalDecision | ((action: string, resource: string) => EvalDecision | undefined) | undefined): void;
  close(): Promise<void>;
}

export async function startIamQueryServer(reference: ReferenceIndex): Promise<IamQueryServer> {
  const calls: SimulateCall[] = [];
  let throttle = 0;
  let failure: { code: string; message: string } | undefined;
  let pageCap: number | undefined;
  let override: ((action: string, resource: string) => EvalDecision | undefined) | undefined;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const reply = (status: number, xml: string) => {
        res.writeHead(status, { 'content-type': 'text/xml' });
        res.end(xml);
      };
      if (throttle > 0) {
        throttle--;
        return reply(400, errorXml('Throttling', 'Rate exceeded'));
      }
      if (failure) return reply(400, errorXml(failure.code, failure.message));
      if (form.get('Action') !== 'SimulateCustomPolicy' || form.get('Version') !== '2010-05-08') return reply(400, errorXml('InvalidAction', `unsupported ${form.get('Action')}`));
      const call = parse(form);
      calls.push(call);
      const results = evaluate(call, reference, override);
      const start = call.marker ? Number(call.marker) : 0;
      const size = Math.min(call.maxItems ?? Infinity, pageCap ?? Infinity);
      const page = results.slice(start, Number.isFinite(size) ? start + size : undefined);
      const next = start + page.length;
      const truncated = next < results.length;
      reply(
        200,
        `<SimulateCustomPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulateCustomPolicyResult><IsTruncated>${truncated}</IsTruncated>${truncated ? `<Marker>${next}</Marker>` : ''}<EvaluationResults>${page.join('')}</EvaluationResults></SimulateCustomPolicyResult><ResponseMetadata><RequestId>local-${calls.length}</RequestId></ResponseMetadata></SimulateCustomPolicyResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    throttleNext: (n) => (throttle = n),
    pageSize: (n) => (pageCap = n),
    failWith: (code, message = 'injected') => (failure = code ? { code, message } : undefined),
    answer: (decision) => (override = typeof decision === 'string' ? () => decision : decision),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function members(form: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; form.has(`${prefix}.member.${i}`); i++) out.push(form.get(`${prefix}.member.${i}`)!);
  return out;
}

function parse(form: URLSearchParams): SimulateCall {
  const levels: string[][] = [];
  for (let i = 1; ; i++) {
    const prefix = `OrderedOrganizationPolicyInputList.member.${i}.ServiceControlPolicyInputList`;
    const level = members(form, prefix);
    if (!level.length && !form.has(`OrderedOrganizationPolicyInputList.member.${i}.ServiceControlPolicyInputList`)) break;
    levels.push(level);
  }
  const context: SimulateCall['context'] = [];
  for (let i = 1; form.has(`ContextEntries.member.${i}.ContextKeyName`); i++) {
    const p = `ContextEntries.member.${i}`;
    context.push({ key: form.get(`${p}.ContextKeyName`)!, values: members(form, `${p}.ContextKeyValues`), type: form.get(`${p}.ContextKeyType`) ?? 'string' });
  }
  return {
    actions: members(form, 'ActionNames'),
    resources: members(form, 'ResourceArns'),
    levels,
    policies: members(form, 'PolicyInputList'),
    context,
    maxItems: form.has('MaxItems') ? Number(form.get('MaxItems')) : undefined,
    marker: form.get('Marker') ?? undefined,
  };
}

function evaluate(call: SimulateCall, reference: ReferenceIndex, override: ((action: string, resource: string) => EvalDecision | undefined) | undefined): string[] {
  const texts = new Map<string, string>();
  const compile = (text: string, name: string) => {
    const sources = new SourceIndex();
    const doc = readPolicyDocument(parseJsonWithPositions(name, text, sources).value, sources).document!;
    texts.set(name, text);
    return compilePolicy(name, doc.statements, reference);
  };
  const chain = { levels: call.levels.map((texts, i) => ({ label: `level ${i + 1}`, policies: texts.map((t, j) => compile(t, `OrganizationPolicy.${i + 1}.${j + 1}`)) })) };
  const identity = call.policies.map((t, i) => compile(t, `PolicyInputList.${i + 1}`));
  const out: string[] = [];
  for (const resource of call.resources.length ? call.resources : ['*']) {
    for (const action of call.actions) {
      const ctx = new RequestContext();
      for (const e of call.context) ctx.set(e.key, e.type.endsWith('List') ? e.values : e.values[0] ?? '');
      const principal = ctx.get('aws:PrincipalArn')?.values[0] ?? 'arn:aws:iam::123456789012:role/caller';
      const request = buildRequest({ principal: { id: principal }, action, resource: { arn: resource } }, reference);
      for (const key of ctx.keys()) request.context.set(key, ctx.get(key)!.multivalued ? ctx.get(key)!.values : ctx.get(key)!.values[0]!);
      const forced = override?.(action, resource);
      const d = authorize({ request, scp: chain, identity, supportsRcp: () => false });
      const decision = forced ?? (d.decision === 'allow' ? 'allowed' : d.decision === 'explicit-deny' ? 'explicitDeny' : 'implicitDeny');
      const by = forced ? undefined : d.decidedBy;
      const matched = by?.statement !== undefined ? `<MatchedStatements><member><SourcePolicyId>${by.policy}</SourcePolicyId><SourcePolicyType>organization</SourcePolicyType>${positions(texts.get(by.policy)!, by.statement)}</member></MatchedStatements>` : '<MatchedStatements/>';
      out.push(
        `<member><EvalActionName>${esc(action)}</EvalActionName><EvalResourceName>${esc(resource)}</EvalResourceName><EvalDecision>${decision}</EvalDecision>${matched}<MissingContextValues/><OrganizationsDecisionDetail><AllowedByOrganizations>${decision === 'allowed'}</AllowedByOrganizations></OrganizationsDecisionDetail></member>`,
      );
    }
  }
  return out;
}

/** StartPosition and EndPosition of the statement at `index` (1-based line and column), as AWS reports them. */
function positions(text: string, index: number): string {
  const sources = new SourceIndex();
  const doc = parseJsonWithPositions('p', text, sources).value as { Statement: unknown[] };
  const start = sources.locate(doc.Statement, index)!;
  const next = sources.locate(doc.Statement, index + 1);
  const end = next ? { line: next.line, col: next.col - 2 } : { line: start.line, col: text.length - 2 };
  return `<StartPosition><Line>${start.line}</Line><Column>${start.col}</Column></StartPosition><EndPosition><Line>${end.line}</Line><Column>${end.col}</Column></EndPosition>`;
}

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>local-error</RequestId></ErrorResponse>`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
