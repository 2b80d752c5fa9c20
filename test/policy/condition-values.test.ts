/**
 * Condition values and resource ARNs: what each operator family accepts (one checker, the same the
 * engine compares with), and what AWS accepts in Resource and NotResource.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCondition } from '../../src/evaluate/index.js';
import { BASE_OPERATORS, conditionValueProblem, conditionValueProblems, resourceArnProblem, type OperatorFamily } from '../../src/policy/index.js';

const OPERATOR_OF: Record<Exclude<OperatorFamily, 'String'>, string> = {
  Bool: 'Bool',
  Null: 'Null',
  Numeric: 'NumericLessThan',
  Date: 'DateGreaterThan',
  IpAddress: 'IpAddress',
  Binary: 'BinaryEquals',
  Arn: 'ArnLike',
};

const SAMPLES = [
  'true', 'False', ' true ', 'maybe', '', '1', '0', '-1.5', '1e3', '.5', '5.', 'ten', '0x10', 'NaN', 'Infinity',
  '2024-01-01', '2024-02-29', '2023-02-29', '2024-02-30', '2024-01-01T10:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T10:00:00+02:00', '1700000000', 'yesterday',
  '10.0.0.0/8', '10.0.0.1', '10.0.0.0/33', '10.0.0.0/8/9', '300.1.2.3', '::1', '2001:db8::/32', '2001:db8::/129', '::ffff:1.2.3.4',
  'YQ==', 'YQ', 'not base64!', 'AAAA',
  '*', 'arn:aws:iam::*:role/x', 'arn:aws:s3:::bucket', 'arn:aws:iam::*', 'notarn', 'arn:aws:s3:::bucket:with:colons',
];

/** Whether the engine compiles a condition with this single value (it throws for one it cannot compare). */
function engineAccepts(operator: string, value: string): boolean {
  try {
    compileCondition({ [operator]: { 'test:key': [value] } });
    return true;
  } catch {
    return false;
  }
}

/** What every caller asks: is this condition, as a policy holds it, refused (a value with a variable is checked per request)? */
function checkerAccepts(operator: string, value: string): boolean {
  return conditionValueProblems({ [operator]: { 'test:key': [value] } }).length === 0;
}

describe('condition values', () => {
  it('are refused by the checker exactly when the engine cannot compare them, for every family', () => {
    for (const [family, operator] of Object.entries(OPERATOR_OF) as [OperatorFamily, string][]) {
      for (const value of [...SAMPLES, '${', '${aws:username}', 'x${aws:username}']) {
        expect(checkerAccepts(operator, value), `${operator} ${JSON.stringify(value)}`).toBe(engineAccepts(operator, value));
        // Without a variable, the single-value check is the same question.
        if (!value.includes('${')) expect(conditionValueProblem(family, value) === undefined, `${operator} ${JSON.stringify(value)}`).toBe(engineAccepts(operator, value));
      }
    }
    fc.assert(
      fc.property(fc.constantFrom(...(Object.entries(OPERATOR_OF) as [OperatorFamily, string][])), fc.oneof(fc.string({ maxLength: 40 }), fc.string({ maxLength: 20 }).map((s) => `\${${s}`)), ([, operator], value) => {
        expect(checkerAccepts(operator, value)).toBe(engineAccepts(operator, value));
      }),
      { numRuns: 500 },
    );
  });

  it('names each bad value with its operator, key and position; string operators and variables are not checked', () => {
    const problems = conditionValueProblems({
      Bool: { 'aws:SecureTransport': ['maybe'] },
      DateGreaterThan: { 'aws:CurrentTime': ['2024-01-01', 'yesterday'] },
      'ForAnyValue:IpAddressIfExists': { 'aws:SourceIp': ['10.0.0.0/8', '300.1.2.3/40'] },
      NumericLessThan: { 's3:max-keys': ['ten'] },
      ArnLike: { 'aws:PrincipalArn': ['notarn', '${aws:PrincipalArn}'] },
      StringLike: { 'aws:PrincipalTag/x': ['anything at all'] },
      Null: { 'aws:TokenIssueTime': ['${aws:username}'] },
      NotAnOperator: { x: ['y'] },
    });
    expect(problems.map((p) => [p.operator, p.key, p.index])).toEqual([
      ['Bool', 'aws:SecureTransport', 0],
      ['DateGreaterThan', 'aws:CurrentTime', 1],
      ['ForAnyValue:IpAddressIfExists', 'aws:SourceIp', 1],
      ['NumericLessThan', 's3:max-keys', 0],
      ['ArnLike', 'aws:PrincipalArn', 0],
      ['Null', 'aws:TokenIssueTime', 0],
    ]);
    expect(problems[0]!.message).toBe('condition Bool aws:SecureTransport: "maybe" is not a boolean (true or false)');
  });

  it('cover every operator family', () => {
    const families = new Set(Object.values(BASE_OPERATORS));
    families.delete('String');
    expect([...families].sort()).toEqual(Object.keys(OPERATOR_OF).sort());
  });
});

describe('resource ARNs', () => {
  const problem = (value: string, type: 'scp' | 'rcp' = 'scp', known?: string[]) => {
    const p = resourceArnProblem(value, type, known ? { knownArnService: (s) => known.includes(s) } : {});
    return p ? `${p.severity} ${p.code}` : 'ok';
  };

  it('takes "*", full ARNs with wildcards and variables in region, account and resource', () => {
    for (const v of ['*', 'arn:aws:s3:::bucket/*', 'arn:aws:iam::*:role/x', 'arn:aws-cn:ec2:*:123456789012:instance/*', 'arn:aws:s3:::bucket/${aws:username}/*', 'arn:aws:dynamodb:us-?ast-1:${aws:PrincipalAccount}:table/t', 'arn:aws:s3:::a:b:c']) {
      expect(problem(v), v).toBe('ok');
      expect(problem(v, 'rcp'), v).toBe('ok');
    }
  });

  it('refuses what AWS rejects: no ARN, a partition that is not one, a service not named', () => {
    for (const v of ['bucket/*', 'notarn', 'ARN:aws:s3:::b', 's3:::bucket', 'arn:aws', 'arn:*:s3:::b', 'arn:aws-foo:s3:::b', 'arn::s3:::b', 'arn:aws::::b', 'arn:aws:*:::b', 'arn:aws:s?:::b', 'arn:aws:${aws:service}:::b']) {
      expect(problem(v), v).toBe('error bad-resource-arn');
    }
  });

  it('takes a short ARN ending in "*" in an SCP only; never in an RCP', () => {
    expect(problem('arn:aws:s3:*')).toBe('ok');
    expect(problem('arn:aws:s3:us-east-1:*')).toBe('ok');
    expect(problem('arn:aws:s3')).toBe('error bad-resource-arn');
    expect(problem('arn:aws:s3::bucket')).toBe('error bad-resource-arn');
    expect(problem('arn:aws:s3:*', 'rcp')).toBe('error bad-resource-arn');
  });

  it('warns about an ARN AWS accepts but no resource has: a service the reference names no resource of', () => {
    expect(problem('arn:aws:s4:::bucket', 'scp', ['s3'])).toBe('warning resource-matches-nothing');
    expect(problem('arn:aws:s3:::bucket', 'scp', ['s3'])).toBe('ok');
  });

  it('keeps a variable with colons in one component', () => {
    expect(problem('arn:aws:s3:::${aws:PrincipalTag/a:b}/*')).toBe('ok');
  });
});
