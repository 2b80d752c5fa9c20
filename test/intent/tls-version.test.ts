/** minVersion as YAML gives it: a string, a number (1.2, or 1 for 1.0), or null when its value is commented out. */
import { describe, expect, it } from 'vitest';
import { tlsVersion } from '../../src/intent/semantic/controls.js';

describe('tlsVersion', () => {
  it.each([
    ['1.2', '1.2'],
    [1.2, '1.2'],
    [1, '1.0'],
    [' 1.3 ', '1.3'],
    ['1.4', undefined],
    [null, undefined],
    [undefined, undefined],
    [{}, undefined],
  ])('%j is %j', (value, version) => {
    expect(tlsVersion(value)).toBe(version);
  });
});
