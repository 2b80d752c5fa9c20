import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceIndex } from '../../src/diagnostics/index.js';
import { checkGrammar, parseIamOperator, parseJsonWithPositions, parseOperator, readPolicyDocument, renderDocument, type PolicyDocument, type PolicyType } from '../../src/policy/index.js';
import { RCP_SUPPORTED } from '../support/rcp.js';
import { AWS_EXAMPLES } from '../support/paths.js';

const supportsRcp = (s: string) => RCP_SUPPORTED.has(s);

function read(file: string) {
  const sources = new SourceIndex();
  const text = fs.readFileSync(file, 'utf8');
  const parsed = parseJsonWithPositions(file, text, sources);
  const read = parsed.value === undefined ? undefined : readPolicyDocument(parsed.value, sources);
  return { sources, parsed, document: read?.document, diagnostics: [...parsed.diagnostics, ...(read?.diagnostics ?? [])] };
}

describe('JSON with positions', () => {
  it('keeps a key named __proto__ as data (an unknown element is then reported, not silently lost)', () => {
    const sources = new SourceIndex();
    const parsed = parseJsonWithPositions('p.json', '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","__proto__":{"x":1}}]}', sources);
    const statement = (parsed.value as { Statement: object[] }).Statement[0]!;
    expect(Object.keys(statement)).toContain('__proto__');
    expect(Object.getPrototypeOf(statement)).toBe(Object.prototype);
    const read = readPolicyDocument(parsed.value, sources);
    expect(read.diagnostics.map((d) => d.message).join('\n')).toContain('__proto__');
  });

  it('reports a // comment at its line and column, saying why', () => {
    const r = read(path.join(AWS_EXAMPLES, 'negative', 'scpex_deny_service_specific_credential_by_type_has_comment.json'));
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'json-syntax', location: { line: 15, col: 13 } });
    expect(r.diagnostics[0]!.message).toContain('comments are not allowed in JSON');
  });

  it.each([
    ['{"a": [1, 2,]}', 'trailing comma before "]"', 1, 12],
    ['{"a": 1, "a": 2}', 'duplicate property "a"', 1, 10],
    ["{'a': 1}", 'strings must use double quotes', 1, 2],
    ['{"a": "x\n"}', 'unterminated string', 1, 7],
    ['{"a": 1} {}', 'after the end of the JSON value', 1, 10],
    ['', 'the file is empty', 1, 1],
    ['{"a": "x', 'unterminated string', 1, 7],
    ['{"a": "x\ty"}', 'control character inside a string', 1, 9],
    ['{"a": "ok\\q"}', 'invalid escape "\\q"', 1, 10],
    ['{"a": "\\u12G4"}', 'invalid escape "\\u"', 1, 8],
  ])('%j -> %s', (text, message, line, col) => {
    const sources = new SourceIndex();
    const r = parseJsonWithPositions('x.json', text, sources);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics[0]!.message).toContain(message);
    expect(r.diagnostics[0]!.location).toMatchObject({ line, col });
  });

  it('reads strings as JSON.parse does: runs between escapes, every escape, surrogates and non-ASCII text', () => {
    const values = ['', 'plain', '{"Version":"2012-10-17",\n\t"Statement":[]}', 'a\\b/c\b\f\r', '\u00e9t\u00e9 \ud83d\ude00 \ud800', 'x'.repeat(5000) + '"' + 'y'.repeat(3)];
    const text = JSON.stringify({ values, escaped: '\\/ \\u002F' }).replace('\\\\/', '\\/');
    const r = parseJsonWithPositions('s.json', text, new SourceIndex());
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toEqual(JSON.parse(text));
  });

  it('locates statements and their elements', () => {
    const sources = new SourceIndex();
    const r = parseJsonWithPositions('x.json', '{\n  "Statement": [\n    {"Effect": "Deny",\n     "Action": ["s3:A", "s3:B"]}\n  ]\n}', sources);
    const st = (r.value as { Statement: { Action: string[] }[] }).Statement[0]!;
    expect(sources.locate(st)).toEqual({ file: 'x.json', line: 3, col: 5 });
    expect(sources.locate(st.Action, 1)).toEqual({ file: 'x.json', line: 4, col: 25 });
  });
});

describe('grammar per policy type', () => {
  const grammar = (file: string, type: PolicyType, maxChars = 5120) => {
    const r = read(path.join(AWS_EXAMPLES, file));
    expect(r.diagnostics).toEqual([]);
    return checkGrammar(r.document!, type, { supportsRcp, maxChars, text: renderDocument(r.document!) });
  };

  it('rejects the oversize RCP with an Allow statement without Resource, naming each fault', () => {
    const problems = grammar('negative/rcpex_shared_issuers_oversize_with_allow.json', 'rcp');
    const codes = problems.map((p) => p.code).sort();
    expect(codes).toEqual(['missing-resource', 'over-quota', 'rcp-allow']);
    expect(problems.find((p) => p.code === 'over-quota')!.message).toMatch(/the RCP is [\d,]+ characters, [\d,]+ over the limit of 5,120/);
  });

  it('rejects an RCP naming cognito-sync, which RCPs do not support', () => {
    const problems = grammar('negative/dp_identity_perimeter_rcp_a2a4f71_with_cognito_sync.json', 'rcp');
    // The upstream file names cognito-sync in both of its statements.
    expect(problems.map((p) => p.code)).toEqual(['rcp-unsupported-service', 'rcp-unsupported-service']);
    for (const p of problems) expect(p.message).toContain('"cognito-sync:*": RCPs do not support service "cognito-sync"');
  });

  it('rejects ForAnyValue:Stringlike and suggests the operator meant', () => {
    const problems = grammar('negative/rcpex_sts_protect_iamra_session_tags_Stringlike_case.json', 'rcp');
    expect(problems.map((p) => [p.code, p.severity])).toEqual([['unknown-operator', undefined]]);
    expect(problems[0]!.hint).toBe("did you mean 'ForAnyValue:StringLike'?");
    // The message does not claim IAM's evaluation is case-sensitive (REFERENCE.md section 2: it is not).
    expect(problems[0]!.message).not.toMatch(/case-sensitive/);
    expect(problems[0]!.message).toContain('AWS evaluates operator names case-insensitively');
  });

  it('warns about a plain operator on a key the reference types ArrayOf*, and not about set operators or single-valued keys', () => {
    const types = (k: string) => (k.toLowerCase() === 'aws:tagkeys' ? ['ArrayOfString'] : k.toLowerCase() === 'aws:sourceaccount' ? ['String'] : undefined);
    const doc: PolicyDocument = {
      version: '2012-10-17',
      statements: [
        { effect: 'Deny', action: ['s3:*'], resource: ['*'], condition: { StringNotEquals: { 'aws:TagKeys': ['a'] } } },
        { effect: 'Deny', action: ['s3:*'], resource: ['*'], condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a'] }, StringEquals: { 'aws:SourceAccount': ['1'] }, Null: { 'aws:TagKeys': ['false'] } } },
      ],
    };
    const problems = checkGrammar(doc, 'scp', { supportsRcp, conditionKeyTypes: types });
    expect(problems.map((p) => [p.statement, p.code, p.severity])).toEqual([[0, 'multivalued-key-without-set-operator', 'warning']]);
    expect(problems[0]!.hint).toMatch(/ForAnyValue:StringNotEquals/);
  });

  it('rejects an operator that is none in any casing, and suggests the operator meant', () => {
    const problems = checkGrammar({ version: '2012-10-17', statements: [{ effect: 'Deny', action: ['s3:*'], resource: ['*'], condition: { 'ForAnyValue:StringLikes': { 'aws:TagKeys': ['x'] } } }] }, 'scp', { supportsRcp });
    expect(problems.map((p) => [p.code, p.severity])).toEqual([['unknown-operator', undefined]]);
    expect(problems[0]!.hint).toBe("did you mean 'ForAnyValue:StringLike'?");
    expect(problems[0]!.message).toMatch(/"ForAnyValue:StringLikes" is not an IAM condition operator/);
  });

  it('parses any casing for evaluation (as AWS does) but accepts only IAM\'s spelling in the grammar', () => {
    const engine = parseOperator('forAnyValue:stringlikeIFEXISTS');
    expect(engine.ok && engine.operator).toMatchObject({ canonicalText: 'ForAnyValue:StringLikeIfExists', canonical: false, set: 'ForAnyValue', base: 'StringLike', ifExists: true });
    const iam = parseIamOperator('forAnyValue:stringlikeIFEXISTS');
    expect(iam).toMatchObject({ ok: false, suggestion: 'ForAnyValue:StringLikeIfExists' });
    expect(parseIamOperator('ForAnyValue:StringLikeIfExists').ok).toBe(true);
  });

  it('accepts the well-formed AWS examples as their type', () => {
    for (const f of fs.readdirSync(AWS_EXAMPLES).filter((x) => x.endsWith('.json'))) {
      const r = read(path.join(AWS_EXAMPLES, f));
      const type: PolicyType = r.document!.statements.some((s) => s.principal) ? 'rcp' : 'scp';
      const problems = checkGrammar(r.document!, type, { supportsRcp, maxChars: type === 'rcp' ? 5120 : 10240, text: renderDocument(r.document!) });
      // Two files carry defects upstream: the RCPFullAWSAccess is AWS's own Allow, and the IAMRA example misspells an operator.
      if (f === 'orgsdocs_rcp_full_aws_access.json') expect(problems.map((p) => p.code)).toEqual(['rcp-allow', 'rcp-action-wildcard']);
      else if (f === 'rcpex_sts_protect_iamra_session_tags.json') expect(problems.map((p) => p.code)).toEqual(['unknown-operator']);
      else expect(problems, f).toEqual([]);
    }
  });

  it('rejects Principal in an SCP and NotAction, NotPrincipal and Action "*" in an RCP', () => {
    const doc = { version: '2012-10-17', statements: [{ effect: 'Deny' as const, principal: '*' as const, action: ['*'], notAction: ['s3:Get*'], resource: ['*'] }] };
    expect(checkGrammar(doc, 'scp', { supportsRcp }).map((p) => p.code)).toEqual(['conflicting-elements', 'scp-principal']);
    expect(checkGrammar(doc, 'rcp', { supportsRcp }).map((p) => p.code)).toEqual(['conflicting-elements', 'rcp-not-action', 'rcp-action-wildcard']);
  });
});

describe('canonical rendering', () => {
  it('writes elements in a fixed order whatever the input order, one-element lists as strings', () => {
    const sources = new SourceIndex();
    const a = parseJsonWithPositions('a.json', '{"Statement":[{"Resource":["*"],"Action":["s3:GetObject"],"Effect":"Deny","Condition":{"StringEquals":{"b":"1","a":["2","3"]},"Bool":{"c":true}}}],"Version":"2012-10-17"}', sources);
    const doc = readPolicyDocument(a.value, sources).document!;
    expect(renderDocument(doc)).toBe('{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"c":"true"},"StringEquals":{"a":["2","3"],"b":"1"}}}]}');
  });
});
