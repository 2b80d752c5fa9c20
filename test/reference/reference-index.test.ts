import { beforeAll, describe, expect, it } from 'vitest';
import type { RawAction, ReferenceIndex } from '../../src/reference/index.js';
import { rawService, reference2026 } from '../support/reference.js';

let index: ReferenceIndex;
beforeAll(async () => {
  index = (await reference2026()).index;
});

/** Oracle written from REFERENCE.md's table, independently of src/reference/access-level.ts. */
function levelOf(a: RawAction): string {
  const p = a.Annotations?.Properties;
  if (!p) return 'Unknown';
  if (p.IsWrite && p.IsPermissionManagement) return 'Permissions management';
  if (p.IsWrite && p.IsTaggingOnly) return 'Tagging';
  if (p.IsWrite) return 'Write';
  if (p.IsList) return 'List';
  return 'Read';
}

function names(texts: string[]): string[] {
  const e = index.expandList(texts);
  expect(e.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return e.actions.toArray().map((id) => index.actions[id]!.qualified).sort();
}

function expected(service: string, keep: (a: RawAction) => boolean): string[] {
  return rawService(service)
    .Actions.filter(keep)
    .map((a) => `${service}:${a.Name}`)
    .sort();
}

describe('the reference index on the 2026-08-22 snapshot', () => {
  it('holds every action of every service', () => {
    expect(index.services).toHaveLength(466);
    expect(index.size).toBe(21983);
    expect(index.allActions().size).toBe(21983);
  });

  it('finds actions case-insensitively and answers in canonical casing', () => {
    expect(index.action('S3:getobject')?.qualified).toBe('s3:GetObject');
    expect(index.action('IAM:CREATEUSER')?.qualified).toBe('iam:CreateUser');
    expect(index.action('s3:GetObjekt')).toBeUndefined();
  });

  it('expands * and ? wildcards anywhere in the name', () => {
    expect(names(['s3:Get*'])).toEqual(expected('s3', (a) => a.Name.startsWith('Get')));
    expect(names(['iam:*User*'])).toEqual(expected('iam', (a) => a.Name.includes('User')));
    expect(names(['s3:?etObject'])).toEqual(['s3:GetObject']);
    expect(names(['S3:GETOBJECT*'])).toEqual(expected('s3', (a) => a.Name.toLowerCase().startsWith('getobject')));
    expect(index.expandList(['*']).actions.size).toBe(21983);
  });

  it('selects by access level, alone or with a name pattern', () => {
    expect(names(['cloudtrail:{Write}'])).toEqual(expected('cloudtrail', (a) => levelOf(a) === 'Write'));
    expect(names(['ec2:{Write}{*Import*}'])).toEqual(expected('ec2', (a) => levelOf(a) === 'Write' && /import/i.test(a.Name)));
    expect(names(['iam:{Permissions management}*Policy*'])).toEqual(
      expected('iam', (a) => levelOf(a) === 'Permissions management' && a.Name.includes('Policy')),
    );
    expect(names(['lambda:{Write}{Tagging}'])).toEqual(expected('lambda', (a) => ['Write', 'Tagging'].includes(levelOf(a))));
    expect(names(['s3:{List}'])).toEqual(expected('s3', (a) => levelOf(a) === 'List'));
    expect(names(['s3:{read}'])).toEqual(expected('s3', (a) => levelOf(a) === 'Read'));
    expect(names(['iam:{Tagging}'])).toEqual(expected('iam', (a) => levelOf(a) === 'Tagging'));
    expect(names(['ec2:{Write}{*Import*}'])).toContain('ec2:ImportImage');
    // A plain name in the second braces is a pattern without wildcards.
    expect(names(['ec2:{Write}{ImportImage}'])).toEqual(['ec2:ImportImage']);
    expect(index.expandList(['ec2:{Read}{ImportImage}']).problems[0]).toMatchObject({ code: 'unknown-action' });
  });

  it('warns, naming each service once, that access-level selectors leave out actions without a level', () => {
    const e = index.expandList(['*:{Read}', '*:{List}', 's3:{Write}']);
    expect(e.problems).toEqual([
      {
        index: 0,
        severity: 'warning',
        code: 'unknown-access-level-actions',
        message: '"*:{Read}" leaves out 36 actions that have no access level in the service reference: 24 of deeplens, 12 of sagemaker-groundtruth-synthetic',
        hint: 'name them (e.g. deeplens:AssociateServiceRoleToAccount) if the statement should cover them',
      },
    ]);
    // They stay out: Unknown is no level.
    expect(e.actions.has(index.action('deeplens:BatchGetDevice')!.id)).toBe(false);
    const one = index.expandList(['s3:{Write}', 'deeplens:{Write}{Batch*}']).problems.filter((p) => p.severity === 'warning');
    expect(one).toMatchObject([{ index: 1, code: 'unknown-access-level-actions' }]);
    expect(one[0]!.message).toMatch(/^"deeplens:\{Write\}\{Batch\*\}" leaves out 3 actions of service deeplens that have no access level in the service reference \(BatchGet/);
    expect(index.expandList(['s3:{Write}', 'ec2:{Read}']).problems).toEqual([]);
  });

  it('partitions the universe into access levels exactly as the annotations say', () => {
    const counts = new Map<string, number>();
    for (const a of index.actions) counts.set(a.accessLevel, (counts.get(a.accessLevel) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ Write: 11271, Read: 5852, List: 3683, Tagging: 725, 'Permissions management': 416, Unknown: 36 });
  });

  it('applies exclusions, with wildcards, to the whole list', () => {
    const users = expected('iam', (a) => a.Name.includes('User'));
    expect(names(['iam:*User*', 'iam:{Exclude:ListUsers}'])).toEqual(users.filter((n) => n !== 'iam:ListUsers'));
    expect(names(['iam:*User*', 'iam:{Exclude:List*}'])).toEqual(users.filter((n) => !n.startsWith('iam:List')));
    expect(names(['sns:{Write}', 'sns:{Exclude:Publish}'])).not.toContain('sns:Publish');
  });

  it('reports an unknown service with the closest prefixes', () => {
    const e = index.expandList(['s3:GetObject', 's4:GetObject']);
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatchObject({ index: 1, severity: 'error', code: 'unknown-service' });
    // A short name gets only the candidates one edit away, not every other short prefix.
    expect(e.problems[0]!.hint).toBe("did you mean 's3'?");
  });

  it('reports an unknown action with the closest names, never dropping it silently', () => {
    const e = index.expandList(['s3:GetObjekt']);
    expect(e.problems[0]).toMatchObject({ index: 0, severity: 'error', code: 'unknown-action' });
    expect(e.problems[0]!.hint).toContain("'s3:GetObject'");
    const g = index.expandList(['iam:Frobnicate*']);
    expect(g.problems[0]).toMatchObject({ code: 'unknown-action' });
    expect(g.problems[0]!.message).toContain('no action matching Frobnicate* in service iam');
  });

  it('reports a misspelled access level', () => {
    const e = index.expandList(['ec2:{Writes}']);
    expect(e.problems[0]).toMatchObject({ code: 'unknown-access-level' });
    expect(e.problems[0]!.hint).toContain('{Write}');
  });

  it('an exclusion that matches no action is an error (a typo leaves the action denied)', () => {
    const e = index.expandList(['iam:*Group*', 'iam:{Exclude:ListGroupForUsers}']);
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatchObject({ severity: 'error', code: 'unknown-exclusion' });
    expect(e.problems[0]!.hint).toContain('iam:ListGroupsForUser');
    expect(e.actions.size).toBe(e.included.size);
  });

  it('rejects malformed patterns with a reason', () => {
    for (const bad of ['GetObject', 's3:', 's3:{Write', 's3:Get Object', ' s3:GetObject', 's3:{Exclude:}', 's3:{Write}{Read}{*x*}y']) {
      const e = index.expandList([bad]);
      expect(e.problems[0]?.code, bad).toBe('malformed-action');
    }
  });

  it('knows condition keys and their types, including templated and global keys', () => {
    expect(index.conditionKey('s3:TlsVersion')).toMatchObject({ name: 's3:TlsVersion', types: ['Numeric'], definedBy: 's3' });
    expect(index.conditionKey('S3:tlsversion')?.name).toBe('s3:TlsVersion');
    expect(index.conditionKey('aws:ResourceTag/partner-access-exception')?.name).toBe('aws:ResourceTag/${TagKey}');
    expect(index.conditionKey('aws:PrincipalOrgID')?.types).toEqual(['String']);
    expect(index.conditionKey('aws:SecureTransport')?.types).toEqual(['Bool']);
    expect(index.conditionKey('aws:PrincipalArn')?.types).toEqual(['ARN']);
    expect(index.conditionKey('bedrock:InferenceProfileArn')).toBeDefined();
    expect(index.conditionKey('s3:NoSuchKey')).toBeUndefined();
  });

  it('takes a tag key slot spelled out (secretsmanager:ResourceTag/tag-key) or left empty (glacier:ResourceTag/) as ${TagKey}', () => {
    expect(index.conditionKey('secretsmanager:ResourceTag/owner')?.name).toBe('secretsmanager:ResourceTag/tag-key');
    expect(index.conditionKey('glacier:ResourceTag/env')?.name).toBe('glacier:ResourceTag/');
    expect(index.conditionKey('secretsmanager:ResourceTagg/owner')).toBeUndefined();
  });

  it('suggests the key meant for a misspelled prefix and for a templated key, with the tag key as written', () => {
    expect(index.suggestConditionKeys('ec22:InstanceType')).toContain('ec2:InstanceType');
    expect(index.suggestConditionKeys('asw:PrincipalOrgID')[0]).toBe('aws:PrincipalOrgID');
    expect(index.suggestConditionKeys('aws:PrincipleTag/team')[0]).toBe('aws:PrincipalTag/team');
  });

  it('knows resource types and their ARN formats', () => {
    const s3 = index.service('s3')!;
    expect(s3.resourceTypes.get('object')?.arnFormats).toEqual(['arn:${Partition}:s3:::${BucketName}/${ObjectName}']);
    expect(index.action('s3:GetObject')!.resourceTypes).toContain('object');
    expect(index.action('s3:GetObject')!.conditionKeys).toContain('s3:TlsVersion');
  });

  it('knows which services support RCPs (dated data file)', () => {
    expect(index.service('s3')!.supportsRcp).toBe(true);
    expect(index.supportsRcp('STS')).toBe(true);
    expect(index.service('sns')!.supportsRcp).toBe(false);
    expect(index.service('lambda')!.supportsRcp).toBe(false);
    expect(index.services.filter((s) => s.supportsRcp)).toHaveLength(62);
  });
});
