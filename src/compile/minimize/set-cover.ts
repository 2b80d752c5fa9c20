/**
 * Exact weighted set cover for one service's compaction (a few hundred elements, a few thousand
 * candidate patterns at most):
 *
 * 1. Reductions, repeated until nothing changes: a candidate whose (remaining) cover is inside a
 *    cheaper-or-equal one's is dropped; an element that only one candidate covers forces it; an
 *    element whose candidates all cover another element makes that other one implied.
 * 2. What is left splits into independent components (no candidate spans two).
 * 3. Each component: depth-first branch and bound, branching on the element with the fewest
 *    candidates (branch k excludes the candidates of branches 1..k-1, tried by reduced cost), pruned by
 *    a Lagrangian lower bound (subgradient steps; long at the root, where it comes close to the LP
 *    bound and fixes out every candidate whose reduced cost alone exceeds the gap, a few at each node
 *    from the parent's multipliers). The incumbent starts from greedy and from the Lagrangian
 *    heuristic at the root. A work budget caps the search: when it runs out the best cover found so
 *    far stands, and the result says it is not proven optimal.
 *
 * Weights are integers; callers fold tie-breaks into them (characters first, then preferences).
 */

/** Subgradient steps at the root of a component (a bound near the LP's) and at every other node. */
const ROOT_ITERATIONS = 1000;
const NODE_ITERATIONS = 12;

export interface CoverSet {
  /** Elements 0..m-1 the set covers. */
  elements: readonly number[];
  weight: number;
}

export interface CoverResult {
  /** Indexes of the chosen sets. */
  chosen: number[];
  /** Whether every component was searched to the end (the cover is optimal). */
  optimal: boolean;
}

export function solveSetCover(m: number, sets: readonly CoverSet[], workBudget = 20_000_000): CoverResult {
  const alive = sets.map((s) => s.elements.length > 0);
  const need = new Array<boolean>(m).fill(true);
  const chosen: number[] = [];
  const setsOf: number[][] = Array.from({ length: m }, () => []);
  sets.forEach((s, k) => {
    for (const e of s.elements) setsOf[e]!.push(k);
  });
  for (let e = 0; e < m; e++) if (setsOf[e]!.length === 0) throw new Error(`set cover: element ${e} has no set`);

  const live = (k: number) => sets[k]!.elements.filter((e) => need[e]);
  let changed = true;
  while (changed) {
    changed = false;
    // Sets that cover nothing still needed, and sets dominated by a cheaper-or-equal one.
    // Cheapest first, and among equals the larger cover first, so that a dominated set meets its dominator.
    const liveCount = sets.map((_, k) => (alive[k] ? live(k).length : 0));
    const order = sets
      .map((_, k) => k)
      .filter((k) => alive[k])
      .sort((a, b) => sets[a]!.weight - sets[b]!.weight || liveCount[b]! - liveCount[a]! || a - b);
    const kept: number[][] = Array.from({ length: m }, () => []);
    const marks = new Uint8Array(m);
    for (const k of order) {
      const mine = live(k);
      if (mine.length === 0) {
        alive[k] = false;
        changed = true;
        continue;
      }
      for (const e of mine) marks[e] = 1;
      // A dominating set covers every element of this one, in particular its rarest.
      let rarest = mine[0]!;
      for (const e of mine) if (kept[e]!.length < kept[rarest]!.length) rarest = e;
      const dominated = kept[rarest]!.some((d) => {
        let count = 0;
        for (const e of sets[d]!.elements) if (marks[e]) count++;
        return count === mine.length;
      });
      for (const e of mine) marks[e] = 0;
      if (dominated) {
        alive[k] = false;
        changed = true;
        continue;
      }
      for (const e of mine) kept[e]!.push(k);
    }
    for (let e = 0; e < m; e++) setsOf[e] = setsOf[e]!.filter((k) => alive[k]);
    // Forced sets.
    for (let e = 0; e < m; e++) {
      if (!need[e] || setsOf[e]!.length !== 1) continue;
      const k = setsOf[e]![0]!;
      chosen.push(k);
      alive[k] = false;
      for (const x of sets[k]!.elements) need[x] = false;
      changed = true;
    }
    if (changed) continue;
    // Implied elements: if every set covering e also covers f, covering e covers f.
    const needed = [...Array(m).keys()].filter((e) => need[e]);
    const member = new Map<number, Set<number>>(needed.map((e) => [e, new Set(setsOf[e])]));
    for (const e of needed) {
      if (!need[e]) continue;
      for (const f of needed) {
        if (f === e || !need[f] || setsOf[f]!.length < setsOf[e]!.length) continue;
        const fs = member.get(f)!;
        if (setsOf[e]!.every((k) => fs.has(k))) {
          need[f] = false;
          changed = true;
        }
      }
    }
  }

  // Components over the elements still needed.
  const parent = [...Array(m).keys()];
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x]!)));
  const liveSets = sets.map((_, k) => k).filter((k) => alive[k] && live(k).length > 0);
  for (const k of liveSets) {
    const mine = live(k);
    for (const e of mine.slice(1)) parent[find(e)] = find(mine[0]!);
  }
  const components = new Map<number, number[]>();
  for (let e = 0; e < m; e++) if (need[e]) push(components, find(e), e);
  const setsByComponent = new Map<number, number[]>();
  for (const k of liveSets) push(setsByComponent, find(live(k)[0]!), k);

  let optimal = true;
  const budgetPerComponent = Math.max(200_000, Math.floor(workBudget / Math.max(1, components.size)));
  for (const [root, elements] of components) {
    const result = solveComponent(elements, setsByComponent.get(root) ?? [], sets, budgetPerComponent);
    chosen.push(...result.chosen);
    if (!result.optimal) optimal = false;
  }
  return { chosen: [...new Set(chosen)].sort((a, b) => a - b), optimal };
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function solveComponent(elements: number[], setIds: number[], sets: readonly CoverSet[], budget: number): CoverResult {
  // Local numbering: elements 0..n-1, sets 0..s-1 with their local element lists.
  const local = new Map(elements.map((e, i) => [e, i]));
  const n = elements.length;
  const members = setIds.map((k) => sets[k]!.elements.filter((e) => local.has(e)).map((e) => local.get(e)!));
  const weight = setIds.map((k) => sets[k]!.weight);
  const S = members.length;
  const byElement: number[][] = Array.from({ length: n }, () => []);
  members.forEach((list, s) => {
    for (const e of list) byElement[e]!.push(s);
  });

  const uncovered = new Uint8Array(n).fill(1);
  const banned = new Uint8Array(S);
  const coveredBy = new Int32Array(n);
  let left = n;

  // Incumbent: greedy by weight per newly covered element.
  let best = greedy(n, members, weight);
  let bestWeight = best.reduce((w, s) => w + weight[s]!, 0);
  const path: number[] = [];
  let work = 0;
  let exhausted = true;

  /**
   * Lagrangian lower bound of the cover of the uncovered elements by the sets not banned (the LP
   * bound, approached by subgradient steps from multipliers `u`, which it improves in place):
   * L(u) = sum u_e + sum_s min(0, w_s - sum_{e in s} u_e). Returns the best bound reached, or
   * Infinity when some uncovered element has no set left.
   */
  const reduced = new Float64Array(S);
  const g = new Float64Array(n);
  /** L(u), with `reduced` (reduced costs) and `g` (a subgradient) filled for these multipliers. */
  const evaluate = (u: Float64Array): number => {
    let bound = 0;
    for (let e = 0; e < n; e++) {
      g[e] = uncovered[e]!;
      if (uncovered[e]) bound += u[e]!;
    }
    for (let s = 0; s < S; s++) {
      if (banned[s]) continue;
      let r = weight[s]!;
      let touches = false;
      for (const e of members[s]!) {
        if (!uncovered[e]) continue;
        r -= u[e]!;
        touches = true;
      }
      reduced[s] = r;
      if (touches && r < 0) {
        bound += r;
        for (const e of members[s]!) if (uncovered[e]) g[e]! -= 1;
      }
    }
    work += S;
    return bound;
  };
  const lagrangian = (u: Float64Array, run: { iterations: number; step: number; patience: number; target: number; onStep?: () => void }): number => {
    for (let e = 0; e < n; e++) {
      if (!uncovered[e]) continue;
      if (!byElement[e]!.some((s) => !banned[s])) return Infinity;
    }
    let bestBound = -Infinity;
    let bestU = u.slice();
    let step = run.step;
    let stale = 0;
    for (let it = 0; it < run.iterations; it++) {
      const bound = evaluate(u);
      run.onStep?.();
      if (bound > bestBound + 1e-9) {
        bestBound = bound;
        bestU = u.slice();
        stale = 0;
      } else if (++stale >= run.patience) {
        step /= 2;
        stale = 0;
      }
      if (bestBound >= run.target - 1e-6 || step < 1e-4) break;
      let norm = 0;
      for (let e = 0; e < n; e++) if (uncovered[e]) norm += g[e]! * g[e]!;
      if (norm === 0) break;
      const t = (step * Math.max(run.target - bound, 1)) / norm;
      for (let e = 0; e < n; e++) if (uncovered[e]) u[e] = Math.max(0, u[e]! + t * g[e]!);
    }
    u.set(bestU);
    return bestBound;
  };
  /**
   * Lagrangian heuristic (root only): the sets of negative reduced cost, completed greedily and
   * stripped of redundant ones, often beat plain greedy and tighten the incumbent early.
   */
  const fromReducedCosts = () => {
    const pick: number[] = [];
    for (let s = 0; s < S; s++) if (!banned[s] && reduced[s]! < 0) pick.push(s);
    const completed = complete(n, members, weight, pick, banned);
    const w = completed.reduce((sum, s) => sum + weight[s]!, 0);
    if (w < bestWeight) {
      bestWeight = w;
      best = completed;
    }
  };
  const take = (s: number) => {
    for (const e of members[s]!) {
      if (coveredBy[e]!++ === 0) {
        uncovered[e] = 0;
        left--;
      }
    }
  };
  const untake = (s: number) => {
    for (const e of members[s]!) {
      if (--coveredBy[e]! === 0) {
        uncovered[e] = 1;
        left++;
      }
    }
  };

  // Root: a strong bound, and sets whose reduced cost alone exceeds the gap can never be in a better cover.
  const rootU = new Float64Array(n);
  for (let e = 0; e < n; e++) rootU[e] = Math.min(...byElement[e]!.map((s) => weight[s]! / members[s]!.length));
  let calls = 0;
  const rootBound = lagrangian(rootU, { iterations: ROOT_ITERATIONS, step: 2, patience: 20, target: bestWeight, onStep: () => ++calls % 5 === 0 && fromReducedCosts() });
  if (Math.ceil(rootBound - 1e-6) >= bestWeight) return { chosen: best.map((s) => setIds[s]!), optimal: true };
  // Reduced costs at the multipliers of the best bound.
  const atRoot = evaluate(rootU);
  for (let s = 0; s < S; s++) if (atRoot + Math.max(0, reduced[s]!) > bestWeight - 1 + 1e-6) banned[s] = 1;

  const search = (cost: number, u: Float64Array) => {
    if (work > budget) {
      exhausted = false;
      return;
    }
    if (left === 0) {
      if (cost < bestWeight) {
        bestWeight = cost;
        best = [...path];
      }
      return;
    }
    const bound = cost + lagrangian(u, { iterations: NODE_ITERATIONS, step: 1, patience: 4, target: bestWeight - cost });
    if (Math.ceil(bound - 1e-6) >= bestWeight) return;
    // Branch on the uncovered element with the fewest sets left; try them by reduced cost.
    let branchOn = -1;
    let fewest = Infinity;
    for (let e = 0; e < n; e++) {
      if (!uncovered[e]) continue;
      let options = 0;
      for (const s of byElement[e]!) if (!banned[s]) options++;
      if (options < fewest) {
        fewest = options;
        branchOn = e;
      }
    }
    const options = byElement[branchOn]!.filter((s) => !banned[s]).sort((a, b) => reduced[a]! - reduced[b]! || weight[a]! - weight[b]! || a - b);
    const bannedHere: number[] = [];
    for (const s of options) {
      path.push(s);
      take(s);
      search(cost + weight[s]!, u.slice());
      untake(s);
      path.pop();
      if (work > budget) {
        // Siblings left unexplored: the incumbent stands, unproven.
        exhausted = false;
        break;
      }
      banned[s] = 1;
      bannedHere.push(s);
    }
    for (const s of bannedHere) banned[s] = 0;
  };
  search(0, rootU);
  return { chosen: best.map((s) => setIds[s]!), optimal: exhausted };
}

function greedy(n: number, members: number[][], weight: number[]): number[] {
  return complete(n, members, weight, [], undefined);
}

/** Completes a partial choice greedily (weight per newly covered element), then drops redundant sets. */
function complete(n: number, members: number[][], weight: number[], start: readonly number[], banned: Uint8Array | undefined): number[] {
  const covered = new Uint8Array(n);
  let left = n;
  const out = [...start];
  for (const s of start) {
    for (const e of members[s]!) {
      if (!covered[e]) left--;
      covered[e] = 1;
    }
  }
  while (left > 0) {
    let best = -1;
    let bestRatio = Infinity;
    members.forEach((list, s) => {
      if (banned?.[s]) return;
      let f = 0;
      for (const e of list) if (!covered[e]) f++;
      if (f === 0) return;
      const r = weight[s]! / f;
      if (r < bestRatio) {
        bestRatio = r;
        best = s;
      }
    });
    if (best < 0) return greedy(n, members, weight);
    out.push(best);
    for (const e of members[best]!) {
      if (!covered[e]) left--;
      covered[e] = 1;
    }
  }
  // Drop sets the others make redundant, heaviest first.
  const count = new Int32Array(n);
  for (const s of out) for (const e of members[s]!) count[e]!++;
  return out
    .sort((a, b) => weight[b]! - weight[a]! || a - b)
    .filter((s) => {
      if (members[s]!.every((e) => count[e]! > 1)) {
        for (const e of members[s]!) count[e]!--;
        return false;
      }
      return true;
    });
}
