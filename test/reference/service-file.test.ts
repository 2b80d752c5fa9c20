import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkServiceFile, checkServiceList, ShapeError } from '../../src/reference/index.js';
import { SNAPSHOT_2025, SNAPSHOT_2026 } from '../support/paths.js';

function shapeError(value: unknown): string {
  try {
    checkServiceFile(value, 'kms');
  } catch (e) {
    expect(e).toBeInstanceOf(ShapeError);
    return (e as Error).message;
  }
  throw new Error('the file passed the shape check');
}

describe('the shape check of a service file', () => {
  it('tells a missing action name from one that is not a string', () => {
    expect(shapeError({ Name: 'kms', Actions: [{ Name: 'Decrypt' }, {}] })).toBe('Actions[1] has no "Name"');
    expect(shapeError({ Name: 'kms', Actions: [{ Name: 42 }] })).toBe('Actions[0].Name is a number, not a string');
    expect(shapeError({ Name: 'kms', Actions: [{ Name: '' }] })).toBe('Actions[0] has an empty "Name"');
    expect(shapeError({ Name: 'kms', Actions: ['Decrypt'] })).toBe('Actions[0] is not an object');
    expect(shapeError({ Name: 'kms', Actions: [], Resources: [{ Name: null }] })).toBe('Resources[0].Name is null, not a string');
  });
});

describe("names outside IAM's character sets", () => {
  const action = (extra: Record<string, unknown>) => ({ Name: 'kms', Actions: [{ Name: 'Decrypt', ...extra }] });

  it('are refused in action names, resource types, condition keys and ARN formats, naming the entry', () => {
    expect(shapeError({ Name: 'kms', Actions: [{ Name: 'Decrypt' }, { Name: 'Create<script>Key' }] })).toBe(
      'Actions[1].Name "Create<script>Key" is not an action name IAM uses (characters outside its set)',
    );
    expect(shapeError({ Name: 'kms', Actions: [{ Name: 'Decrypt*' }] })).toContain('Actions[0].Name "Decrypt*" is not an action name');
    expect(shapeError({ Name: 'kms', Actions: [{ Name: 'De crypt' }] })).toContain('Actions[0].Name "De crypt" is not an action name');
    expect(shapeError(action({ Resources: [{ Name: 'key\u001b]0;pwned\u0007' }] }))).toBe(
      'Actions[0].Resources[0].Name "key\\u001b]0;pwned\\u0007" is not a resource type IAM uses (characters outside its set)',
    );
    expect(shapeError(action({ ActionConditionKeys: ['kms:ViaService', 'kms:Via Service'] }))).toContain('Actions[0].ActionConditionKeys[1] "kms:Via Service" is not a condition key');
    expect(shapeError(action({ ActionConditionKeys: ['NoPrefix'] }))).toContain('is not a condition key IAM uses');
    expect(shapeError({ Name: 'kms', Actions: [], ConditionKeys: [{ Name: 'kms:"quoted"' }] })).toContain('ConditionKeys[0].Name');
    expect(shapeError({ Name: 'kms', Actions: [], ConditionKeys: [{ Name: 'kms:CallerAccount', Types: ['String<b>'] }] })).toContain('ConditionKeys[0].Types[0]');
    expect(shapeError({ Name: 'kms', Actions: [], Resources: [{ Name: 'key', ARNFormats: ['arn:${Partition}:kms:${Region}:${Account}:key/<img src=x>'] }] })).toContain(
      'Resources[0].ARNFormats[0]',
    );
    expect(shapeError({ Name: 'kms', Actions: [], Resources: [{ Name: ' key' }] })).toContain('Resources[0].Name " key"');
  });

  it('accepts every name of both real snapshots', () => {
    for (const snapshot of [SNAPSHOT_2025, SNAPSHOT_2026]) {
      const base = path.join(snapshot, 'v1');
      const list = checkServiceList(JSON.parse(fs.readFileSync(path.join(base, 'service-list.json'), 'utf8')));
      for (const { service } of list) expect(() => checkServiceFile(JSON.parse(fs.readFileSync(path.join(base, service, `${service}.json`), 'utf8')), service)).not.toThrow();
    }
  });

  it('refuses access-level flags that are not booleans (a string "false" would read as true) and an odd schema version', () => {
    expect(shapeError(action({ Annotations: { Properties: { IsWrite: 'false' } } }))).toBe('Actions[0].Annotations.Properties.IsWrite is not true or false');
    expect(shapeError(action({ Annotations: { Properties: 'Read' } }))).toBe('Actions[0].Annotations.Properties is not an object');
    expect(shapeError({ Name: 'kms', Version: 'v1.4\u001b[2J', Actions: [] })).toBe('"Version" is "v1.4\\u001b[2J", not a schema version like "v1.4"');
  });
});

describe('the service list', () => {
  it('names at most 10,000 services', () => {
    const list = Array.from({ length: 10_001 }, (_, i) => ({ service: `s${i}`, url: 'x' }));
    expect(() => checkServiceList(list)).toThrow('service list names 10001 services; at most 10000 are read');
    expect(checkServiceList(list.slice(0, 10_000))).toHaveLength(10_000);
  });
});
