/**
 * The semantic diff: what the change does, computed with the evaluation engine over every action of
 * the pinned reference. For each account (as principal for SCPs, as resource owner for RCPs) and each
 * persona (personas.ts), the chain before the change and the chain after it are partially evaluated
 * and compared: which actions become denied, denied under conditions, allowed, or denied under other
 * conditions. Accounts with the same outcome are reported together, grouped by service and access
 * level. This is what a reviewer reads first.
 *
 * The work is per distinct chain, not per account: accounts whose chains hold the same policies at
 * each level (chains.ts), and on which the chains' account-dependent conditions decide alike
 * (account-clauses.ts), are decided once, by the first of them.
 */
import type { ActionClassification } from '../evaluate/index.js';
import type { OrgNode } from '../model/org-tree.js';
import type { ReferenceIndex } from '../reference/index.js';
import { AccountClauses } from './account-clauses.js';
import { attributed } from './attribution.js';
import { Accounts } from './accounts.js';
import { Chains, type Chain, type ChainSide } from './chains.js';
import { Classifier } from './classification.js';
import { buildPersonas, type Persona } from './personas.js';
import { PreparedPolicies, universesOf } from './prepared-policies.js';
import type { PersonaSpec, SemanticChange, SemanticDiffInput, SemanticGroup } from './types.js';

export { statementsOf } from './prepared-policies.js';
export { semanticReview } from './verdicts.js';
export { clausesOf, meaningOf } from './change-meaning.js';
export { compareDenials, type Denial, type DenialComparison } from './denial-comparison.js';
export * from './types.js';

/** How much work the semantic diff did: the distinct chains and outcomes it evaluated, for the benchmark. */
export interface SemanticDiffStats {
  accounts: number;
  chains: number;
  /** Distinct (persona, chain before, chain after, account-dependent outcomes): each classified once. */
  decided: number;
}

export function semanticDiff(input: SemanticDiffInput, reference: ReferenceIndex, spec: PersonaSpec, stats?: SemanticDiffStats): SemanticGroup[] {
  const accounts = new Accounts(input.tree, input.managementAccount);
  const personas = buildPersonas(input.organizationId, spec);
  const universes = universesOf(reference);
  const chains = new Chains(new PreparedPolicies(reference, universes, input.originsOf));
  const classifier = new Classifier(reference, universes);
  // A policy type the organization has not enabled does not apply: before, its chain decides nothing;
  // after, it is what enabling it does (the AWS-managed full-access policy on the root and every OU and
  // account) with the compiled policies attached.
  const notEnabled = new Set((['scp', 'rcp'] as const).filter((t) => !input.enabled.has(t)));
  const before: ChainSide = { attachments: input.before, fullAccessEverywhere: new Set() };
  const after: ChainSide = { attachments: input.after, fullAccessEverywhere: notEnabled };

  interface Outcome {
    changes: SemanticChange[];
    /** Outcomes with equal changes share one id: the accounts they reach are reported together. */
    id: number;
  }
  const outcomeIds = new Map<SemanticChange[], number>();
  // Changes that could be equal (JSON.stringify of each is equal) have the same shape: each change's
  // kind, count, direction, conditions and number of service groups. Their JSON (up to a hundred
  // action names per group) is written only to tell apart changes of one shape.
  const ofShape = new Map<string, { changes: SemanticChange[]; id: number; text?: string }[]>();
  let outcomeCount = 0;
  const outcomeOf = (changes: SemanticChange[]): Outcome => {
    let id = outcomeIds.get(changes);
    if (id === undefined) {
      const shape = changes.map((c) => `${c.kind}|${c.count}|${c.direction}|${c.services.length}|${JSON.stringify(c.before ?? null)}|${JSON.stringify(c.after ?? null)}`).join('\n');
      let same = ofShape.get(shape);
      if (!same) ofShape.set(shape, (same = []));
      if (same.length) {
        const text = JSON.stringify(changes);
        id = same.find((o) => (o.text ??= JSON.stringify(o.changes)) === text)?.id;
        if (id === undefined) same.push({ changes, id: (id = outcomeCount++), text });
      } else same.push({ changes, id: (id = outcomeCount++) });
      outcomeIds.set(changes, id);
    }
    return { changes, id };
  };

  /** What decides a persona's outcome on an account holding a pair of chains: the clauses that vary by account, and their outcomes. */
  interface PairOutcomes {
    varying: ReturnType<AccountClauses['ofPair']>;
    byClauses: Map<string, Outcome>;
  }
  // Per persona: chain before -> chain after -> outcomes of their account-dependent clauses -> outcome.
  const decided = personas.map(() => new Map<Chain | undefined, Map<Chain, PairOutcomes>>());
  let decidedCount = 0;
  const decide = (persona: Persona, clauses: AccountClauses, index: number, account: OrgNode, was: Chain | undefined, will: Chain): Outcome => {
    let byWas = decided[index]!.get(was);
    if (!byWas) decided[index]!.set(was, (byWas = new Map()));
    let pair = byWas.get(will);
    if (!pair) byWas.set(will, (pair = { varying: clauses.ofPair(was, will), byClauses: new Map() }));
    let request = pair.varying.length ? persona.request(account) : undefined;
    const key = request ? AccountClauses.outcomes(pair.varying, request) : '';
    let found = pair.byClauses.get(key);
    if (!found) {
      request ??= persona.request(account);
      const old: ActionClassification = was ? classifier.classify(was, request, clauses) : classifier.notEnabled(persona.type);
      const now = classifier.classify(will, request, clauses);
      pair.byClauses.set(key, (found = outcomeOf(classifier.changes(old, now, persona.type))));
      decidedCount++;
    }
    return found;
  };

  const clausesOf = personas.map((p) => new AccountClauses(p));
  interface Reached {
    persona: Persona;
    accounts: OrgNode[];
    outcome: Outcome;
    was: Chain | undefined;
    will: Chain;
  }
  const byPersona = new Map<number, Reached>();
  // The account before, when no outcome of it depended on the account itself: an account holding the
  // same four chains (its siblings, mostly) has the same outcomes, and joins the same groups.
  let previous: { chains: (Chain | undefined)[]; reached: Reached[] } | undefined;
  for (const account of accounts.all) {
    // Each account's chains, looked up once for all its personas.
    const wasScp = notEnabled.has('scp') ? undefined : chains.of(account, before, 'scp');
    const willScp = chains.of(account, after, 'scp');
    const wasRcp = notEnabled.has('rcp') ? undefined : chains.of(account, before, 'rcp');
    const willRcp = chains.of(account, after, 'rcp');
    const held = [wasScp, willScp, wasRcp, willRcp];
    if (previous && held.every((c, i) => c === previous!.chains[i])) {
      for (const g of previous.reached) g.accounts.push(account);
      continue;
    }
    const reached: Reached[] = [];
    let byAccount = false;
    for (let index = 0; index < personas.length; index++) {
      const persona = personas[index]!;
      const scp = persona.type === 'scp';
      const [was, will] = scp ? [wasScp, willScp] : [wasRcp, willRcp];
      const outcome = decide(persona, clausesOf[index]!, index, account, was, will);
      if (clausesOf[index]!.ofPair(was, will).length) byAccount = true;
      if (!outcome.changes.length) continue;
      const key = outcome.id * personas.length + index;
      let g = byPersona.get(key);
      if (g) g.accounts.push(account);
      else byPersona.set(key, (g = { persona, accounts: [account], outcome, was, will }));
      reached.push(g);
    }
    previous = byAccount ? undefined : { chains: held, reached };
  }
  if (stats) Object.assign(stats, { accounts: accounts.all.length, chains: chains.size, decided: decidedCount });
  // Personas with the same outcome on the same accounts are reported once.
  const groups = new Map<string, SemanticGroup>();
  for (const g of byPersona.values()) {
    const ids = g.accounts.map((a) => a.id!);
    const key = `${g.persona.type}|${ids.join(',')}|${g.outcome.id}`;
    const existing = groups.get(key);
    if (existing) existing.personas.push(g.persona.label);
    else {
      // The statements that make each change, read on the first account of the group for its first persona.
      const request = g.persona.request(g.accounts[0]!);
      const changes = g.outcome.changes.map((c) => {
        const withSources = attributed(c, g.was, g.will, request);
        const byControl = classifier.controlDirections(withSources);
        if (byControl.length) withSources.byControl = byControl;
        return withSources;
      });
      groups.set(key, { type: g.persona.type, personas: [g.persona.label], accounts: ids, targets: accounts.name(g.accounts), changes });
    }
  }
  return [...groups.values()];
}
