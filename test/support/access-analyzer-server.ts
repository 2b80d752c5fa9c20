/**
 * A local stand-in for IAM Access Analyzer's ValidatePolicy, speaking its wire protocol (REST-JSON:
 * `POST /policy/validation?maxResults=&nextToken=`, a JSON body, a JSON reply; an error is its HTTP
 * status, an `x-amzn-ErrorType` header and a JSON body with `message`). It is as strict as the API's
 * reference makes AWS: a call must be signed (SigV4, service access-analyzer), the body must be JSON,
 * `policyDocument` and `policyType` are required, `policyType` must be one of the API's four values,
 * `validatePolicyResourceType` goes with RESOURCE_POLICY only, and a `nextToken` must be one it issued
 * for the same document. A document that is not JSON is answered, as AWS does, with an ERROR finding
 * (JSON_SYNTAX_ERROR) located at the fault.
 *
 * The API reference states no size limit of its own for `policyDocument`; the fake refuses a document
 * over the Organizations quota of its policy type (SCP 10,240 and RCP 5,120 characters, the quotas
 * compile holds policies to), so that a client that sends an oversized policy is seen to fail.
 *
 * Findings are what a test scripts (`findings`): a function of the document, which locates them in it
 * as AWS does (a path through the JSON and a span: line from 1, column from 0, offset from 0, end
 * exclusive). `locate` builds such a location from the text the fake received.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const POLICY_TYPES = ['IDENTITY_POLICY', 'RESOURCE_POLICY', 'SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY'] as const;
const MAX_CHARS: Record<string, number> = { SERVICE_CONTROL_POLICY: 10_240, RESOURCE_CONTROL_POLICY: 5_120, IDENTITY_POLICY: 6_144, RESOURCE_POLICY: 20_480 };

export type PathElement = { index: number } | { key: string } | { value: string } | { substring: { start: number; length: number } };
export interface Position {
  line: number;
  column: number;
  offset: number;
}
export interface FakeFinding {
  findingDetails: string;
  findingType: string;
  issueCode: string;
  learnMoreLink: string;
  locations: { path: PathElement[]; span: { start: Position; end: Position } }[];
}

export interface ValidateCall {
  policyType: string;
  document: string;
  maxResults: number | undefined;
  nextToken: string | undefined;
  /** From the signature's credential scope. */
  region: string;
  service: string;
  accessKeyId: string;
}

export type Scripted = (document: string, policyType: string) => FakeFinding[];

export interface AccessAnalyzerServer {
  url: string;
  calls: ValidateCall[];
  /** Requests answered with a ThrottlingException so far. */
  throttled(): number;
  /** The findings of every document from now on (none by default). */
  findings(script: Scripted | undefined): void;
  /** Answer the next `n` requests with a ThrottlingException (HTTP 429). */
  throttleNext(n: number): void;
  /** At most `n` findings per page (AWS decides its page size; maxResults bounds it). */
  pageSize(n: number | undefined): void;
  /** Accept connections and never answer (a network that hangs). */
  hang(on: boolean): void;
  close(): Promise<void>;
}

export async function startAccessAnalyzerServer(): Promise<AccessAnalyzerServer> {
  const calls: ValidateCall[] = [];
  let script: Scripted | undefined;
  let throttle = 0;
  let throttled = 0;
  let pageCap: number | undefined;
  let hanging = false;
  /** Tokens issued: token -> the document and the index of the next finding. */
  const tokens = new Map<string, { document: string; policyType: string; next: number }>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (hanging) return;
      const reply = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': `local-${calls.length}`, ...headers });
        res.end(JSON.stringify(json));
      };
      const fail = (status: number, type: string, message: string, extra: Record<string, unknown> = {}) => reply(status, { message, ...extra }, { 'x-amzn-errortype': type });
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'POST' || url.pathname !== '/policy/validation') return fail(404, 'UnknownOperationException', `no operation ${req.method} ${url.pathname}`);
      const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/.exec(req.headers.authorization ?? '');
      if (!auth) return fail(403, 'AccessDeniedException', 'Missing or malformed Authentication token');
      if (auth[3] !== 'access-analyzer') return fail(403, 'AccessDeniedException', `Credential should be scoped to correct service: 'access-analyzer'`);
      if (throttle > 0) {
        throttle--;
        throttled++;
        return fail(429, 'ThrottlingException', 'Rate exceeded', {});
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body) as Record<string, unknown>;
        if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new Error('not an object');
      } catch {
        return fail(400, 'SerializationException', 'Request body is not a JSON object');
      }
      const invalid = (field: string, message: string) => fail(400, 'ValidationException', message, { reason: 'fieldValidationFailed', fieldList: [{ name: field, message }] });
      const { policyDocument, policyType, validatePolicyResourceType } = input;
      if (typeof policyDocument !== 'string') return invalid('policyDocument', 'policyDocument is required');
      if (typeof policyType !== 'string' || !(POLICY_TYPES as readonly string[]).includes(policyType)) return invalid('policyType', `Value '${String(policyType)}' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [${POLICY_TYPES.join(', ')}]`);
      if (validatePolicyResourceType !== undefined && policyType !== 'RESOURCE_POLICY') return invalid('validatePolicyResourceType', 'validatePolicyResourceType applies to RESOURCE_POLICY only');
      if (policyDocument.length > MAX_CHARS[policyType]!) return invalid('policyDocument', `policyDocument is longer than ${MAX_CHARS[policyType]} characters`);
      const maxResultsText = url.searchParams.get('maxResults');
      const maxResults = maxResultsText === null ? undefined : Number(maxResultsText);
      if (maxResults !== undefined && !(Number.isInteger(maxResults) && maxResults >= 1)) return invalid('maxResults', 'maxResults must be a positive integer');
      const nextToken = url.searchParams.get('nextToken') ?? undefined;
      calls.push({ policyType, document: policyDocument, maxResults, nextToken, region: auth[2]!, service: auth[3]!, accessKeyId: auth[1]! });
      let start = 0;
      if (nextToken !== undefined) {
        const issued = tokens.get(nextToken);
        if (!issued || issued.document !== policyDocument || issued.policyType !== policyType) return invalid('nextToken', 'Invalid pagination token');
        tokens.delete(nextToken);
        start = issued.next;
      }
      const all = findingsOf(policyDocument, policyType, script);
      const size = Math.min(maxResults ?? Infinity, pageCap ?? Infinity);
      const page = all.slice(start, Number.isFinite(size) ? start + size : undefined);
      const next = start + page.length;
      let token: string | undefined;
      if (next < all.length) {
        token = `page-${tokens.size}-${next}-${Math.random().toString(36).slice(2)}`;
        tokens.set(token, { document: policyDocument, policyType, next });
      }
      reply(200, { findings: page, ...(token ? { nextToken: token } : {}) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    throttled: () => throttled,
    findings: (s) => (script = s),
    throttleNext: (n) => (throttle = n),
    pageSize: (n) => (pageCap = n),
    hang: (on) => (hanging = on),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function findingsOf(document: string, policyType: string, script: Scripted | undefined): FakeFinding[] {
  try {
    JSON.parse(document);
  } catch (e) {
    const at = Number(/position (\d+)/.exec((e as Error).message)?.[1] ?? 0);
    const position = positionAt(document, at);
    return [
      {
        findingDetails: `Fix the JSON syntax error at index ${position.offset} line ${position.line} column ${position.column}.`,
        findingType: 'ERROR',
        issueCode: 'JSON_SYNTAX_ERROR',
        learnMoreLink: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-json-syntax-error',
        locations: [{ path: [], span: { start: position, end: positionAt(document, Math.min(at + 1, document.length)) } }],
      },
    ];
  }
  return script ? script(document, policyType) : [];
}

/** Line from 1, column from 0, offset from 0, as Access Analyzer counts them. */
export function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1), offset };
}

/**
 * A location as AWS gives it, of the first `needle` in `document` after `from`: its span, and the path
 * the test says it has (the fake does not parse paths out of the text).
 */
export function locate(document: string, needle: string, path: PathElement[], from = 0): FakeFinding['locations'][number] {
  const at = document.indexOf(needle, from);
  if (at < 0) throw new Error(`${needle} is not in the document`);
  return { path, span: { start: positionAt(document, at), end: positionAt(document, at + needle.length) } };
}
