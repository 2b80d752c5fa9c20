/**
 * IAM wildcard matching (src/policy/wildcard.ts) against a reference matcher written here: the textbook
 * dynamic program over pattern and value, too slow for production (it fills the whole table) but
 * obviously right. Random patterns and values over a small alphabet (so that matches are frequent),
 * case variants, escapes, and the shapes that make a backtracking matcher blow up.
 *
 * GUARDRAILS_EXHAUSTIVE=1 (npm run test:exhaustive) raises the number of random cases to 500,000.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatcher } from '../../src/evaluate/glob.js';
import { LITERAL_QUESTION, LITERAL_STAR } from '../../src/evaluate/variables.js';
import { wildcardTest } from '../../src/policy/index.js';
import { actionGlob } from '../../src/reference/index.js';

const EXHAUSTIVE = process.env.GUARDRAILS_EXHAUSTIVE === '1';
const RUNS = EXHAUSTIVE ? 500_000 : 2000;
/**
 * Half a million cases take about a minute alone and several on a loaded machine: vitest's default
 * of 60 s would fail a correct matcher. A hang guard only, no timing claim.
 */
const PROPERTY_TIMEOUT_MS = EXHAUSTIVE ? 20 * 60_000 : undefined;
/**
 * Generous: a case here takes microseconds, a backtracking matcher takes minutes on the pathological
 * shapes below. The bound only tells a blow-up apart from a slow machine.
 */
const PER_CASE_MS = 2000;

/** One code unit, lower-cased when that stays one code unit (what IAM's case-insensitive names need). */
function lowerUnit(c: string): string {
  const l = c.toLowerCase();
  return l.length === 1 ? l : c;
}

/**
 * The reference: can pattern[i..] match value[j..]? `*` any run, `?` one code unit, a literal `*` / `?`
 * (escaped by the caller) only itself.
 */
function referenceMatch(pattern: readonly Token[], value: string, ignoreCase: boolean): boolean {
  const same = (a: string, b: string) => a === b || (ignoreCase && lowerUnit(a) === lowerUnit(b));
  const m = pattern.length;
  const n = value.length;
  // can[i][j]: pattern[i..] matches value[j..]
  let next = new Array<boolean>(n + 1).fill(false);
  next[n] = true;
  for (let i = m - 1; i >= 0; i--) {
    const t = pattern[i]!;
    const row = new Array<boolean>(n + 1).fill(false);
    for (let j = n; j >= 0; j--) {
      if (t.kind === 'star') row[j] = next[j]! || (j < n && row[j + 1]!);
      else if (j < n) row[j] = (t.kind === 'any' || same(t.char, value[j]!)) && next[j + 1]!;
    }
    next = row;
  }
  return next[0]!;
}

type Token = { kind: 'star' } | { kind: 'any' } | { kind: 'char'; char: string };

/** The pattern as text: wildcards as `*` and `?`, literal characters as given (`escape` for a literal `*`/`?`). */
function textOf(tokens: readonly Token[], escape = (c: string) => c): string {
  return tokens.map((t) => (t.kind === 'star' ? '*' : t.kind === 'any' ? '?' : escape(t.char))).join('');
}

function tokensOf(pattern: string): Token[] {
  return [...pattern].flatMap((c): Token[] => (c === '*' ? [{ kind: 'star' }] : c === '?' ? [{ kind: 'any' }] : [...c].map((char) => ({ kind: 'char', char }))));
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = f();
  return { value, ms: performance.now() - started };
}

const CHARS = ['a', 'b', 'A', 'B', 'i', ':', '\n', 'é', 'É', '\u0130'];
const patternToken = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Token>({ kind: 'star' }) },
  { weight: 2, arbitrary: fc.constant<Token>({ kind: 'any' }) },
  { weight: 5, arbitrary: fc.constantFrom(...CHARS).map((char): Token => ({ kind: 'char', char })) },
);
const valueText = fc.array(fc.constantFrom(...CHARS), { maxLength: 24 }).map((cs) => cs.join(''));

/** A value built to nearly match a pattern: its literal characters, with runs of filler for the wildcards. */
const nearValue = (tokens: readonly Token[]) =>
  fc.tuple(...tokens.map((t) => (t.kind === 'char' ? fc.constant(t.char) : t.kind === 'any' ? fc.constantFrom(...CHARS) : valueText.map((v) => v.slice(0, 4))))).map((parts) => parts.join(''));

describe('IAM wildcard matching', () => {
  it('agrees with the reference on random patterns and values, case-sensitive and not', () => {
    fc.assert(
      fc.property(fc.array(patternToken, { maxLength: 16 }), valueText, fc.boolean(), (tokens, value, ignoreCase) => {
        const pattern = textOf(tokens);
        const { value: got, ms } = timed(() => wildcardTest(pattern, { ignoreCase })(value));
        expect(got).toBe(referenceMatch(tokens, value, ignoreCase));
        expect(ms).toBeLessThan(PER_CASE_MS);
      }),
      { numRuns: RUNS },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('agrees with the reference on values built to nearly match (where greedy matching goes wrong)', () => {
    const caseOf = fc.array(patternToken, { minLength: 1, maxLength: 16 }).chain((tokens) =>
      fc.tuple(fc.constant(tokens), nearValue(tokens), fc.nat(8), fc.constantFrom(...CHARS), fc.boolean()),
    );
    fc.assert(
      fc.property(caseOf, ([tokens, near, at, c, ignoreCase]) => {
        const pattern = textOf(tokens);
        // The value built from the pattern, and one with a character changed, added or removed.
        const k = Math.min(at, near.length);
        for (const value of [near, near.slice(0, k) + c + near.slice(k + 1), near.slice(0, k) + c + near.slice(k), near.slice(0, k) + near.slice(k + 1)]) {
          expect(wildcardTest(pattern, { ignoreCase })(value), `${JSON.stringify(pattern)} on ${JSON.stringify(value)}`).toBe(referenceMatch(tokens, value, ignoreCase));
        }
      }),
      { numRuns: RUNS },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('treats escaped wildcards (policy variables ${*} and ${?}) as the characters themselves', () => {
    const escapedToken = fc.oneof(patternToken, fc.constantFrom<Token>({ kind: 'char', char: '*' }, { kind: 'char', char: '?' }));
    const withStars = fc.array(fc.constantFrom('a', '*', '?', 'b'), { maxLength: 16 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(fc.array(escapedToken, { maxLength: 12 }), withStars, (tokens, value) => {
        const pattern = textOf(tokens, (c) => (c === '*' ? LITERAL_STAR : c === '?' ? LITERAL_QUESTION : c));
        expect(globMatcher(pattern, false)(value)).toBe(referenceMatch(tokens, value, false));
      }),
      { numRuns: RUNS },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('finishes at once on the shapes that make a backtracking matcher take exponential time', () => {
    const pathological = fc.tuple(fc.integer({ min: 8, max: 40 }), fc.constantFrom('*?', '*a', '?*', '**', '*a?', '*ab'), fc.constantFrom('Z', 'b', ''), fc.integer({ min: 0, max: 400 }), fc.constantFrom('a', 'ab', 'aZ'));
    fc.assert(
      fc.property(pathological, fc.boolean(), ([times, unit, end, length, fill], ignoreCase) => {
        const pattern = unit.repeat(times) + end;
        const value = fill.repeat(length).slice(0, length);
        const { value: got, ms } = timed(() => wildcardTest(pattern, { ignoreCase })(value));
        expect(got).toBe(referenceMatch(tokensOf(pattern), value, ignoreCase));
        expect(ms).toBeLessThan(PER_CASE_MS);
      }),
      { numRuns: Math.max(200, Math.floor(RUNS / 10)) },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('matches a 10,000-character pattern against a 10,000-character value', () => {
    const value = 'a'.repeat(10_000);
    for (const [pattern, expected] of [
      ['*?'.repeat(4_999) + 'Z', false],
      ['*?'.repeat(4_999) + 'a', true],
      ['*a'.repeat(5_000), true],
      ['*a'.repeat(5_000) + '*b', false],
      ['*'.repeat(9_999) + 'b', false],
      ['?'.repeat(10_000), true],
      ['a*'.repeat(5_000), true],
    ] as const) {
      const { value: got, ms } = timed(() => wildcardTest(pattern)(value));
      expect(got, pattern.slice(0, 8)).toBe(expected);
      expect(ms).toBeLessThan(PER_CASE_MS);
    }
  });

  it('keeps IAM semantics: `*` any run (none included), `?` exactly one, newlines are characters', () => {
    const t = (p: string, v: string, ignoreCase = false) => wildcardTest(p, { ignoreCase })(v);
    expect(t('a*', 'a')).toBe(true);
    expect(t('*', '')).toBe(true);
    expect(t('?', '')).toBe(false);
    expect(t('a?c', 'abc')).toBe(true);
    expect(t('a?c', 'ac')).toBe(false);
    expect(t('a?c', 'abbc')).toBe(false);
    expect(t('a*c', 'a\nb\nc')).toBe(true);
    expect(t('a?c', 'a\nc')).toBe(true);
    expect(t('ab*ab', 'ab')).toBe(false);
    expect(t('ab*ab', 'abab')).toBe(true);
    expect(t('*a?b*', 'xxaxxayb')).toBe(true);
    expect(t('s3:Get*', 'S3:getobject')).toBe(false);
    expect(t('s3:Get*', 'S3:getobject', true)).toBe(true);
    expect(t('.+^$(a)|[b]\\{c}', '.+^$(a)|[b]\\{c}')).toBe(true);
    expect(t('a.c', 'abc')).toBe(false);
  });

  it('is what action globs, Resource and StringLike use (one compiled matcher each)', () => {
    const pattern = '*?'.repeat(20) + 'Z';
    const value = 'a'.repeat(60);
    const { ms } = timed(() => [actionGlob(pattern).test(value), globMatcher(pattern, false)(value), globMatcher(pattern, true)(value)]);
    expect(actionGlob('iam:*?*?*?*?*?*?*?*?*?*?*?*?Policy').test('IAM:GetAccountPasswordPolicy')).toBe(true);
    expect(actionGlob('iam:*?*?*?*?*?*?*?*?*?*?*?*?Policy').test('iam:PutRolePolicy')).toBe(false);
    expect(ms).toBeLessThan(PER_CASE_MS);
  });
});
