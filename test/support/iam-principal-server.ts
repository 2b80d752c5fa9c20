/**
 * A local stand-in for IAM's SimulatePrincipalPolicy, speaking the real wire protocol (awsQuery: a
 * form-encoded POST, an XML reply), so that canary probes run through the real @aws-sdk/client-iam.
 * The principals it knows and how their requests are decided are the test's: per principal, what its
 * own policies decide and what the Organizations policies of its account decide (AllowedByOrganizations).
 * Both are asked again at every call, so a test can change them between polls the way enforcement
 * reaches an account minutes after a write. Paging, throttling, server errors and refusals are
 * injected by the test.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type EvalDecision = 'allowed' | 'explicitDeny' | 'implicitDeny';

export interface PrincipalModel {
  /** What the principal's own policies decide. */
  identity: (action: string, resource: string) => EvalDecision;
  /** AllowedByOrganizations; undefined leaves OrganizationsDecisionDetail out (an account outside an organization). */
  organizations: (action: string, resource: string) => boolean | undefined;
  /** Context keys its own policies need and the request did not carry. */
  missingContext?: (action: string) => string[];
}

export interface PrincipalCall {
  /** The access key the request was signed with (SigV4's Credential=). */
  accessKeyId: string | undefined;
  principal: string;
  actions: string[];
  resources: string[];
  context: { key: string; values: string[]; type: string }[];
  maxItems: number | undefined;
  marker: string | undefined;
}

export interface IamPrincipalServer {
  url: string;
  calls: PrincipalCall[];
  /** Every request that reached the server, answered or refused. */
  requests: number;
  principal(arn: string, model: PrincipalModel): void;
  /** Answer the next `n` requests with this error (default: Throttling, HTTP 400). */
  failNext(n: number, code?: string, status?: number): void;
  /** Return at most `n` results per page (AWS decides its page size; MaxItems is an upper bound). */
  pageSize(n: number | undefined): void;
  /** One EvaluationResult per action and resource, as IAM answered before ResourceSpecificResults. */
  perResourceResults(on: boolean): void;
  close(): Promise<void>;
}

export async function startIamPrincipalServer(): Promise<IamPrincipalServer> {
  const calls: PrincipalCall[] = [];
  const principals = new Map<string, PrincipalModel>();
  const failures: { code: string; status: number }[] = [];
  let pageCap: number | undefined;
  let legacy = false;
  let requests = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests++;
      const form = new URLSearchParams(body);
      const reply = (status: number, xml: string) => {
        res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': status === 200 ? `local-${calls.length}` : 'local-error' });
        res.end(xml);
      };
      const failure = failures.shift();
      if (failure) return reply(failure.status, errorXml(failure.code, failure.code === 'Throttling' ? 'Rate exceeded' : 'injected'));
      if (form.get('Action') !== 'SimulatePrincipalPolicy' || form.get('Version') !== '2010-05-08') return reply(400, errorXml('InvalidAction', `unsupported ${form.get('Action')}`));
      const call = parse(form, /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1]);
      calls.push(call);
      const model = principals.get(call.principal);
      if (!model) return reply(404, errorXml('NoSuchEntity', `The principal ${call.principal} cannot be found.`));
      const results = evaluate(call, model, legacy);
      const start = call.marker ? Number(call.marker) : 0;
      const size = Math.min(call.maxItems ?? Infinity, pageCap ?? Infinity);
      const page = results.slice(start, Number.isFinite(size) ? start + size : undefined);
      const next = start + page.length;
      const truncated = next < results.length;
      reply(
        200,
        `<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulatePrincipalPolicyResult><IsTruncated>${truncated}</IsTruncated>${truncated ? `<Marker>${next}</Marker>` : ''}<EvaluationResults>${page.join('')}</EvaluationResults></SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>local-${calls.length}</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    get requests() {
      return requests;
    },
    principal: (arn, model) => void principals.set(arn, model),
    failNext: (n, code = 'Throttling', status = 400) => {
      for (let i = 0; i < n; i++) failures.push({ code, status });
    },
    pageSize: (n) => (pageCap = n),
    perResourceResults: (on) => (legacy = on),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function members(form: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; form.has(`${prefix}.member.${i}`); i++) out.push(form.get(`${prefix}.member.${i}`)!);
  return out;
}

function parse(form: URLSearchParams, accessKeyId: string | undefined): PrincipalCall {
  const context: PrincipalCall['context'] = [];
  for (let i = 1; form.has(`ContextEntries.member.${i}.ContextKeyName`); i++) {
    const p = `ContextEntries.member.${i}`;
    context.push({ key: form.get(`${p}.ContextKeyName`)!, values: members(form, `${p}.ContextKeyValues`), type: form.get(`${p}.ContextKeyType`) ?? 'string' });
  }
  return {
    accessKeyId,
    principal: form.get('PolicySourceArn') ?? '',
    actions: members(form, 'ActionNames'),
    resources: members(form, 'ResourceArns'),
    context,
    maxItems: form.has('MaxItems') ? Number(form.get('MaxItems')) : undefined,
    marker: form.get('Marker') ?? undefined,
  };
}

/** IAM's decision: an Organizations deny wins over anything the principal's own policies say. */
function decide(model: PrincipalModel, action: string, resource: string): { decision: EvalDecision; orgs: boolean | undefined } {
  const orgs = model.organizations(action, resource);
  const own = model.identity(action, resource);
  return { decision: orgs === false ? 'explicitDeny' : own, orgs };
}

function evaluate(call: PrincipalCall, model: PrincipalModel, legacy: boolean): string[] {
  const resources = call.resources.length ? call.resources : ['*'];
  const out: string[] = [];
  for (const action of call.actions) {
    const missing = model.missingContext?.(action) ?? [];
    const missingXml = `<MissingContextValues>${missing.map((m) => `<member>${esc(m)}</member>`).join('')}</MissingContextValues>`;
    const orgsXml = (v: boolean | undefined) => (v === undefined ? '' : `<OrganizationsDecisionDetail><AllowedByOrganizations>${v}</AllowedByOrganizations></OrganizationsDecisionDetail>`);
    if (legacy) {
      for (const resource of resources) {
        const d = decide(model, action, resource);
        out.push(`<member><EvalActionName>${esc(action)}</EvalActionName><EvalResourceName>${esc(resource)}</EvalResourceName><EvalDecision>${d.decision}</EvalDecision><MatchedStatements/>${missingXml}${orgsXml(d.orgs)}</member>`);
      }
      continue;
    }
    const each = resources.map((resource) => ({ resource, ...decide(model, action, resource) }));
    const decision = each.find((d) => d.decision === 'explicitDeny')?.decision ?? each.find((d) => d.decision !== 'allowed')?.decision ?? 'allowed';
    const orgValues = each.map((d) => d.orgs).filter((v): v is boolean => v !== undefined);
    const orgs = orgValues.length ? orgValues.every(Boolean) : undefined;
    const specific = call.resources.length
      ? `<ResourceSpecificResults>${each.map((d) => `<member><EvalResourceName>${esc(d.resource)}</EvalResourceName><EvalResourceDecision>${d.decision}</EvalResourceDecision><MatchedStatements/><MissingContextValues/></member>`).join('')}</ResourceSpecificResults>`
      : '';
    out.push(`<member><EvalActionName>${esc(action)}</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>${decision}</EvalDecision><MatchedStatements/>${missingXml}${orgsXml(orgs)}${specific}</member>`);
  }
  return out;
}

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>local-error</RequestId></ErrorResponse>`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
