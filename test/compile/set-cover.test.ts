import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { generatePatternCandidates, NameIndex } from '../../src/compile/minimize/pattern-candidates.js';
import { solveSetCover, type CoverSet } from '../../src/compile/minimize/set-cover.js';
import { globToRegExp, type ReferenceIndex } from '../../src/reference/index.js';
import { reference2026 } from '../support/reference.js';

/** The cheapest cover by trying every subset (small instances only). */
function bruteForce(m: number, sets: readonly CoverSet[]): number {
  let best = Infinity;
  for (let mask = 1; mask < 1 << sets.length; mask++) {
    let covered = 0;
    let weight = 0;
    for (let k = 0; k < sets.length; k++) {
      if (!(mask & (1 << k))) continue;
      weight += sets[k]!.weight;
      for (const e of sets[k]!.elements) covered |= 1 << e;
    }
    if (covered === (1 << m) - 1 && weight < best) best = weight;
  }
  return best;
}

describe('set cover', () => {
  it('property: finds the optimum of random small instances, and says so', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }).chain((m) =>
          fc.tuple(
            fc.constant(m),
            fc.array(fc.record({ elements: fc.uniqueArray(fc.nat({ max: m - 1 }), { minLength: 1, maxLength: m }), weight: fc.integer({ min: 1, max: 40 }) }), { minLength: 1, maxLength: 9 }),
          ),
        ),
        ([m, random]) => {
          // Every element has a set of its own, as every action has its literal.
          const sets = [...random, ...Array.from({ length: m }, (_, e) => ({ elements: [e], weight: 25 }))];
          const result = solveSetCover(m, sets);
          const covered = new Set(result.chosen.flatMap((k) => sets[k]!.elements));
          expect(covered.size).toBe(m);
          expect(result.optimal).toBe(true);
          expect(result.chosen.reduce((w, k) => w + sets[k]!.weight, 0)).toBe(bruteForce(m, sets));
        },
      ),
      { numRuns: 200, seed: 42 },
    );
  });

  it('stops at its work budget with a valid cover', () => {
    // A hard family: every pair of 40 elements, weight 3, against singletons of weight 2.
    const m = 40;
    const sets: CoverSet[] = Array.from({ length: m }, (_, e) => ({ elements: [e], weight: 2 }));
    for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b += 3) sets.push({ elements: [a, b, (a + b) % m], weight: 4 });
    const result = solveSetCover(m, sets, 1000);
    expect(new Set(result.chosen.flatMap((k) => sets[k]!.elements)).size).toBe(m);
  });
});

describe('pattern candidates', () => {
  let ref: ReferenceIndex;
  beforeAll(async () => {
    ref = (await reference2026()).index;
  });

  it('property: every candidate matches only wanted actions of its service, and its cover is exactly what it matches', () => {
    const services = ref.services.filter((s) => s.endId - s.firstId >= 4 && s.endId - s.firstId <= 150);
    fc.assert(
      fc.property(fc.nat({ max: services.length - 1 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (pick, seed) => {
        const svc = services[pick]!;
        const names = ref.actions.slice(svc.firstId, svc.endId).map((a) => a.name);
        let x = seed;
        const want = names.map(() => ((x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff), x % 3 !== 0));
        const required = want.flatMap((w, i) => (w ? [i] : []));
        if (required.length === 0) return;
        for (const c of generatePatternCandidates(new NameIndex(names), { required, want }).candidates) {
          const re = globToRegExp(c.text);
          const matched = names.flatMap((n, i) => (re.test(n) ? [i] : []));
          expect(matched.every((i) => want[i]), c.text).toBe(true);
          expect(c.cover, c.text).toEqual(matched);
        }
      }),
      { numRuns: 25, seed: 11 },
    );
  });

  it('finds mid-name substrings that are not CamelCase words, and counts off-word cuts', () => {
    const names = ['CreateVpnConnection', 'DeleteVpnConnection', 'CreateVpcEndpoint', 'DescribeVpnConnections'];
    const { candidates } = generatePatternCandidates(new NameIndex(names), { required: [0, 1], want: [true, true, false, false] });
    const byText = new Map(candidates.map((c) => [c.text, c]));
    expect(byText.get('*n')).toEqual({ text: '*n', cover: [0, 1], offWord: 1 });
    expect(byText.get('*teVpn*')).toEqual({ text: '*teVpn*', cover: [0, 1], offWord: 1 });
    expect(byText.get('CreateVpn*')).toEqual({ text: 'CreateVpn*', cover: [0], offWord: 0 });
    // Not minimal, so not generated: `*eVpnConnection` (its shorter `*n` is pure too).
    expect(byText.has('*eVpnConnection')).toBe(false);
  });
});
