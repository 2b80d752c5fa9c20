import { describe, expect, it } from 'vitest';
import { checkServiceFile, ShapeError } from '../../src/reference/index.js';

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
