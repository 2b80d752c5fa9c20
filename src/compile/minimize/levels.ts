/**
 * Minimization levels. A policy is written as readably as its quotas allow; compile tries level 1 for
 * every target group and escalates a group, one level at a time, only while it does not fit:
 *
 *   1  the names and patterns as the intent wrote them (selectors as exact names)
 *   2  word-boundary patterns: a prefix of whole CamelCase words of an intended action, optionally with
 *      a suffix of whole words (`guardduty:Disassociate*`, `s3:Put*Tagging`), or a suffix of two words or
 *      more alone (`iam:*AccessKey`), exact in the reference
 *   3  arbitrary-substring patterns (compact-actions.ts): the smallest, and unreadable
 *   4  level 3, and an SCP Deny of most actions written as NotAction of the complement
 *
 * A wildcard in a Deny captures the actions AWS adds later. Where that reaches every principal (an RCP,
 * or a statement whose condition holds when its keys are absent) patterns that follow no meaningful
 * line (levels 3 and 4) are not used unless the intent says `wildcards: aggressive`.
 */
import { parseOperator, type Condition } from '../../policy/index.js';
import { actionGlob, hasWildcard, type ActionSet, type ReferenceIndex, type ServiceInfo } from '../../reference/index.js';
import { solveSetCover } from './set-cover.js';

export type MinimizeLevel = 1 | 2 | 3 | 4;

export const LEVEL_NAMES: Readonly<Record<MinimizeLevel, string>> = {
  1: 'exact names',
  2: 'word-boundary prefixes',
  3: 'substring wildcards',
  4: 'NotAction complement',
};

/** The intent's `wildcards` setting (per control, or its defaults). */
export type LevelMode = 'readable' | 'exact' | 'compact' | 'aggressive';

/**
 * The highest level a statement may be minimized to. `compact`, the former default, is `readable`.
 * Exemptions (NotAction) and Allows never get a wildcard the intent did not write: one would widen
 * them as AWS adds actions.
 */
export function maxLevelFor(s: { effect: 'Allow' | 'Deny'; element: 'Action' | 'NotAction'; condition?: Condition | undefined }, mode: LevelMode, policyType: 'scp' | 'rcp'): MinimizeLevel {
  if (mode === 'exact' || s.effect === 'Allow' || s.element === 'NotAction') return 1;
  if (mode === 'aggressive') return 4;
  if (policyType === 'rcp' || reachesEveryPrincipal(s.condition)) return 2;
  return 4;
}

/**
 * Whether a statement's condition holds for a request that carries none of its keys: no condition at
 * all, or only operators that are true for an absent key (negated operators, ...IfExists,
 * ForAllValues, `Null: true`). Such a Deny reaches every principal, and so does any action a wildcard
 * of it captures later. An operator that does not parse counts as reaching everyone (fail closed).
 */
export function reachesEveryPrincipal(condition: Condition | undefined): boolean {
  for (const [op, block] of Object.entries(condition ?? {})) {
    const keys = Object.keys(block);
    if (keys.length === 0) continue;
    const parsed = parseOperator(op);
    if (!parsed.ok) continue;
    const o = parsed.operator;
    if (o.family === 'Null') {
      // Null true holds when the key is absent; a block that also says false for a key does not.
      if (keys.some((k) => block[k]!.some((v) => v.toLowerCase() !== 'true'))) return false;
      continue;
    }
    if (o.ifExists || o.set === 'ForAllValues' || o.negated) continue;
    return false;
  }
  return true;
}

/**
 * The CamelCase words of an action name: `PutBucketTagging` -> Put, Bucket, Tagging;
 * `AssumeRoleWithSAML` -> Assume, Role, With, SAML; `ListMFADevices` -> List, MFA, Devices.
 */
export function camelWords(name: string): string[] {
  return name.match(/[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+|[^A-Za-z0-9]+/g) ?? [name];
}

/** Characters a pattern adds to a JSON list: the pattern, two quotes and a comma. */
function patternCost(text: string): number {
  return text.length + 3;
}

/**
 * Level 2: the intended actions as literals, given patterns and word-boundary patterns, the fewest
 * characters that match exactly the wanted set within the reference. Cross-service given patterns
 * (`*:Describe*`) are kept as written when exact.
 */
export function wordBoundaryCover(ref: ReferenceIndex, wanted: ActionSet, given: readonly string[]): string[] {
  if (wanted.isEmpty()) return [];
  const covered = ref.emptySet();
  const out: string[] = [];
  const givenByService = new Map<string, string[]>();
  for (const g of given) {
    const colon = g.indexOf(':');
    if (colon < 0 || !hasWildcard(g)) continue;
    const svc = g.slice(0, colon).toLowerCase();
    if (hasWildcard(svc)) {
      const matched = ref.expandList([g]).actions;
      if (!matched.isEmpty() && matched.isSubsetOf(wanted)) {
        out.push(svc + g.slice(colon));
        covered.addAll(matched);
      }
      continue;
    }
    givenByService.set(svc, [...(givenByService.get(svc) ?? []), g.slice(colon + 1)]);
  }
  for (const svc of ref.services) {
    let any = false;
    for (let id = svc.firstId; id < svc.endId && !any; id++) any = wanted.has(id) && !covered.has(id);
    if (any) out.push(...coverService(ref, svc, wanted, covered, givenByService.get(svc.prefix.toLowerCase()) ?? []));
  }
  return out;
}

function coverService(ref: ReferenceIndex, svc: ServiceInfo, wanted: ActionSet, covered: ActionSet, given: string[]): string[] {
  const names: string[] = [];
  const lower: string[] = [];
  const want: boolean[] = [];
  const required: number[] = [];
  for (let id = svc.firstId; id < svc.endId; id++) {
    const name = ref.actions[id]!.name;
    names.push(name);
    lower.push(name.toLowerCase());
    want.push(wanted.has(id));
    if (wanted.has(id) && !covered.has(id)) required.push(id - svc.firstId);
  }
  const prefix = svc.prefix;
  if (want.every(Boolean)) return [`${prefix}:*`];
  const position = new Map(required.map((i, k) => [i, k]));
  const sets: { text: string; elements: number[]; weight: number }[] = [];
  const seen = new Set<string>();
  /**
   * Admitted only when everything it matches in the service is wanted (exact by construction) and,
   * for a generated pattern, cut on word boundaries of every action it matches.
   */
  const consider = (body: string, matches: (i: number) => Match) => {
    const key = body.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    const elements: number[] = [];
    for (let i = 0; i < names.length; i++) {
      const m = matches(i);
      if (m === Match.No) continue;
      if (m === Match.OffWord || !want[i]) return;
      const at = position.get(i);
      if (at !== undefined) elements.push(at);
    }
    if (elements.length) sets.push({ text: `${prefix}:${body}`, elements, weight: patternCost(`${prefix}:${body}`) });
  };
  for (const i of required) consider(names[i]!, (j) => (j === i ? Match.Yes : Match.No));
  for (const body of given) {
    const glob = actionGlob(body);
    consider(body, (j) => (glob.test(names[j]!) ? Match.Yes : Match.No));
  }
  // A pattern must fall on word boundaries of every action it matches, not only of the one it was
  // made from: `ListGateway*` would cut ListGateways inside its last word.
  const boundaries = new Map<number, Set<number>>();
  const boundariesOf = (x: number) => {
    let b = boundaries.get(x);
    if (!b) {
      b = new Set([0]);
      let at = 0;
      for (const w of camelWords(names[x]!)) b.add((at += w.length));
      boundaries.set(x, b);
    }
    return b;
  };
  const globMatches = (x: number, h: string, t: string) => {
    const name = lower[x]!;
    return name.length >= h.length + t.length && name.startsWith(h) && name.endsWith(t);
  };
  const onWords = (h: string, t: string) => (x: number) => {
    if (!globMatches(x, h, t)) return Match.No;
    const b = boundariesOf(x);
    return b.has(h.length) && b.has(lower[x]!.length - t.length) ? Match.Yes : Match.OffWord;
  };
  for (const i of required) {
    const words = camelWords(names[i]!);
    // A suffix of two whole words or more (`*AccessKey`, `*GroupPolicy`): the actions of the service
    // about one thing. A single word (`*Used`, `*Mac`) says too little of what it captures.
    for (let m = 1; m < words.length - 1; m++) {
      const tail = words.slice(m).join('');
      consider(`*${tail}`, onWords('', tail.toLowerCase()));
    }
    for (let j = 1; j < words.length; j++) {
      const head = words.slice(0, j).join('');
      const h = head.toLowerCase();
      consider(`${head}*`, onWords(h, ''));
      for (let m = j + 1; m < words.length; m++) {
        const tail = words.slice(m).join('');
        consider(`${head}*${tail}`, onWords(h, tail.toLowerCase()));
      }
    }
  }
  const { chosen } = solveSetCover(required.length, sets, WORK_BUDGET);
  return chosen.map((k) => sets[k]!.text).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
}

/** How a candidate meets an action: not at all, or matching it on its word boundaries, or inside a word. */
const enum Match {
  No,
  Yes,
  OffWord,
}

/** Branch-and-bound work per service problem (set visits), as for level 3. */
const WORK_BUDGET = 20_000_000;
