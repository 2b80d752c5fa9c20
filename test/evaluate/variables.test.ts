/**
 * Policy variables: `${key}` and `${key, 'default'}` read in time linear in the value (a value is a
 * pull request's text), and exactly as the regular expression they replace read them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestContext } from '../../src/evaluate/context.js';
import { keyAndDefault, resolveVariables } from '../../src/evaluate/variables.js';

/** The former reading: ^([^,]+?)\s*(?:,\s*'([^']*)')?$ on the trimmed body (fine on short bodies). */
function formerReading(body: string): { key: string; fallback?: string } {
  const m = /^([^,]+?)\s*(?:,\s*'([^']*)')?$/.exec(body);
  const key = m?.[1]?.trim() ?? body;
  return m?.[2] !== undefined ? { key, fallback: m[2] } : { key };
}

describe('policy variables', () => {
  it('read key and default as before, on random bodies', () => {
    const body = fc.array(fc.constantFrom('a', 'b', ' ', '\t', ',', "'", ':', '/'), { maxLength: 16 }).map((cs) => cs.join('').trim());
    fc.assert(
      fc.property(body, (b) => {
        expect(keyAndDefault(b)).toEqual(formerReading(b));
      }),
      { numRuns: 5000 },
    );
    expect(keyAndDefault("aws:PrincipalTag/owner, 'nobody'")).toEqual({ key: 'aws:PrincipalTag/owner', fallback: 'nobody' });
    expect(keyAndDefault("aws:username,''")).toEqual({ key: 'aws:username', fallback: '' });
    expect(keyAndDefault('aws:username')).toEqual({ key: 'aws:username' });
  });

  it('read a value of 60,000 spaces at once (the regular expression took about 9 s, growing with their square)', () => {
    const body = `a${' '.repeat(60_000)}x,`;
    const started = performance.now();
    expect(keyAndDefault(body)).toEqual({ key: body });
    const ctx = new RequestContext();
    expect(resolveVariables(`arn:aws:s3:::\${${body}}`, ctx)).toBeUndefined();
    // Generous: a linear reading takes a millisecond.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
