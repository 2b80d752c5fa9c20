/**
 * Regular expressions over a pull request's text that backtracked quadratically, replaced by linear
 * readings: the same answers on random text, and at once on the text that made them slow.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { looksPreprocessed } from '../../src/controls/import.js';
import { HAVE_STRACE, runHostile } from '../support/hostile.js';

/** The former test, fine on short text. */
function formerLooksPreprocessed(text: string): boolean {
  return /"[a-z0-9-]+:[^"]*\{[^"]*\}[^"]*"/i.test(text) || /"Comments?"\s*:/.test(text);
}

const ORG = `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  rootId: r-ab12
  tree:
    Root:
      accounts: ["111111111111"]
`;

describe('telling a pre-processor file from an IAM one', () => {
  it('answers as the regular expression did, on random text', () => {
    const text = fc.array(fc.constantFrom('"', 'a', 'Z', '-', ':', '{', '}', ' ', 'Comment', 's', '\n', ','), { maxLength: 30 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(text, (t) => {
        expect(looksPreprocessed(t)).toBe(formerLooksPreprocessed(t));
      }),
      { numRuns: 20_000 },
    );
    expect(looksPreprocessed('{"Action": "ec2:{Write}*Import*"}')).toBe(true);
    expect(looksPreprocessed('{"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}')).toBe(false);
  });

  it('reads a string of a megabyte of braces at once (the regular expression took minutes)', () => {
    const text = `{"Action": "a:${'{'.repeat(1 << 20)}"}`;
    const started = performance.now();
    expect(looksPreprocessed(text)).toBe(false);
    // Generous: a linear reading takes milliseconds; the former one took 20 s at 200 KB.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe.runIf(HAVE_STRACE)('through the real CLI', () => {
  it('validate: an imported file of a megabyte of braces is read at once', async () => {
    const r = await runHostile({
      files: {
        'guardrails/org.yaml': ORG,
        'guardrails/imp.yaml': 'version: 1\ncontrols:\n  imp: { kind: import, type: scp, file: ../policies/p.json, attach: [Root] }\n',
        'policies/p.json': `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"a:${'{'.repeat(1_000_000)}","Resource":"*"}]}`,
      },
      args: ['validate', '--cache', '{cache}'],
      timeoutMs: 30_000,
    });
    const summary = `exit ${r.code} in ${r.ms} ms${r.timedOut ? ' TIMED OUT' : ''}\n${r.stderr.slice(0, 1500)}`;
    expect(r.timedOut, summary).toBe(false);
    expect(r.leaks, summary).toEqual([]);
    expect(r.outsideAccess, summary).toEqual([]);
    expect(r.code, summary).toBe(2);
    expect(r.stderr, summary).toContain('policies/p.json:1:');
  });
});
