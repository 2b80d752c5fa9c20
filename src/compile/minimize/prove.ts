/**
 * The equivalence proof, independent of the minimizer's bookkeeping. It only sees what went in (the
 * statements after expansion, with their exact action sets) and what came out (the emitted statements
 * as text), and compares them per scope (a target, or the one policy being minimized):
 *
 * - Every statement is keyed by its circumstances: Effect, Principal, Resource/NotResource, Condition
 *   (exact canonical key, see circumstanceKey) and its element kind.
 * - Action statements with one key add up (two Deny statements that differ only in actions deny the
 *   union), so per key the union of the input sets must equal the union of what the output lists
 *   expand to against the whole action universe.
 * - NotAction statements do not add up, so each input one must be matched one to one by an output one
 *   with the same key and exactly the same exempt set. An output NotAction statement left over is an
 *   Action list the minimizer rewrote: its complement, computed here from the universe, joins the
 *   Action union of its key.
 *
 * Anything else (a merge across circumstances, a dropped statement, a pattern that widens or narrows,
 * a statement in the wrong policy) shows up as a key whose unions differ.
 */
import type { SourceLocation } from '../../diagnostics/index.js';
import type { Statement } from '../../policy/index.js';
import { hasWildcard, type ActionSet, type ReferenceIndex } from '../../reference/index.js';
import { circumstanceKey } from './minimize-statements.js';

type Circumstances = Parameters<typeof circumstanceKey>[0];

export interface ProofInput extends Circumstances {
  /** Where the statement applies; inputs and outputs are compared within each scope. */
  scopes: readonly string[];
  element: 'Action' | 'NotAction';
  /** What the element means within the reference (NotAction: the exempt actions). */
  actions: ActionSet;
  /** Names the statement for a failure: control and intent location, or the input statement. */
  label: string;
  location?: SourceLocation | undefined;
}

export interface ProofOutput {
  scopes: readonly string[];
  statement: Statement;
  /** Names the emitted statement for a failure: policy, statement index and Sid. */
  label: string;
}

export interface ProofFailure {
  scope: string;
  element: 'Action' | 'NotAction';
  inputs: ProofInput[];
  outputs: ProofOutput[];
  /** Actions the input means under these circumstances and the output does not. */
  missing: string[];
  /** Actions the output means and the input does not. */
  extra: string[];
  /** Patterns of the output that do not resolve against the reference. */
  invalid: string[];
  /** How many other scopes see the same statements, and so fail the same way. */
  alsoAt?: number;
}

export function proveEquivalence(inputs: readonly ProofInput[], outputs: readonly ProofOutput[], ref: ReferenceIndex): ProofFailure[] {
  const failures: ProofFailure[] = [];
  const names = (s: ActionSet) => s.toArray().map((id) => ref.actions[id]!.qualified);
  // A statement packed into several policies (one per target set) is expanded once.
  const byList = new Map<string, { set: ActionSet; invalid: string[] }>();
  const expanded = outputs.map((o) => {
    const list = o.statement.action ?? o.statement.notAction ?? [];
    const text = JSON.stringify(list);
    let expansion = byList.get(text);
    if (!expansion) byList.set(text, (expansion = expandOutputList(list, ref)));
    return { output: o, element: o.statement.action ? ('Action' as const) : ('NotAction' as const), set: expansion.set, invalid: expansion.invalid, key: circumstanceKey(circumstancesOf(o.statement)) };
  });
  for (const e of expanded) {
    if (e.invalid.length) failures.push({ scope: e.output.scopes[0] ?? '', element: e.element, inputs: [], outputs: [e.output], missing: [], extra: [], invalid: e.invalid });
  }

  // Scopes that see the same inputs and outputs have the same answer: prove each such class once (a
  // control at Root that excludes one account per OU lands on tens of thousands of targets that all
  // see the same statements), and name its first scope in a failure.
  const classes = new Map<string, { scope: string; ins: number[]; outs: number[]; also: number }>();
  {
    const seen = new Map<string, { ins: number[]; outs: number[] }>();
    const at = (scope: string) => {
      let m = seen.get(scope);
      if (!m) seen.set(scope, (m = { ins: [], outs: [] }));
      return m;
    };
    inputs.forEach((i, n) => new Set(i.scopes).forEach((s) => at(s).ins.push(n)));
    expanded.forEach((e, n) => new Set(e.output.scopes).forEach((s) => at(s).outs.push(n)));
    for (const [scope, m] of seen) {
      const signature = `${m.ins.join(',')}|${m.outs.join(',')}`;
      const c = classes.get(signature);
      if (c) c.also++;
      else classes.set(signature, { scope, ins: m.ins, outs: m.outs, also: 0 });
    }
  }
  let universe: ActionSet | undefined;
  const inputKeys: string[] = [];
  for (const { scope, ins: inAt, outs: outAt, also } of classes.values()) {
    const failuresBefore = failures.length;
    const ins = inAt.map((n) => ({ input: inputs[n]!, key: (inputKeys[n] ??= circumstanceKey(inputs[n]!)) }));
    const outs = outAt.map((n) => expanded[n]!);
    const actionGroups = new Map<string, { inputs: ProofInput[]; outputs: ProofOutput[]; want: ActionSet; have: ActionSet }>();
    const group = (key: string) => {
      let g = actionGroups.get(key);
      if (!g) actionGroups.set(key, (g = { inputs: [], outputs: [], want: ref.emptySet(), have: ref.emptySet() }));
      return g;
    };
    // NotAction, one to one.
    const unpaired = outs.filter((o) => o.element === 'NotAction');
    for (const { input, key } of ins.filter((x) => x.input.element === 'NotAction')) {
      const at = unpaired.findIndex((o) => o.key === key && o.set.equals(input.actions));
      if (at >= 0) {
        unpaired.splice(at, 1);
        continue;
      }
      // Denies what is not exempt: an output with the same key that exempts more misses actions.
      const nearAt = unpaired.findIndex((o) => o.key === key);
      const near = nearAt >= 0 ? unpaired.splice(nearAt, 1)[0] : undefined;
      failures.push({
        scope,
        element: 'NotAction',
        inputs: [input],
        outputs: near ? [near.output] : [],
        missing: near ? names(near.set.minus(input.actions)) : [`every action but the ${input.actions.size} exempt`],
        extra: near ? names(input.actions.minus(near.set)) : [],
        invalid: [],
      });
    }
    for (const o of unpaired) {
      universe ??= ref.allActions();
      const g = group(o.key);
      g.outputs.push(o.output);
      g.have.addAll(universe.minus(o.set));
    }
    // Action, unions per key.
    for (const { input, key } of ins.filter((x) => x.input.element === 'Action')) {
      const g = group(key);
      g.inputs.push(input);
      g.want.addAll(input.actions);
    }
    for (const o of outs.filter((x) => x.element === 'Action')) {
      const g = group(o.key);
      g.outputs.push(o.output);
      g.have.addAll(o.set);
    }
    for (const g of actionGroups.values()) {
      if (g.want.equals(g.have)) continue;
      failures.push({ scope, element: 'Action', inputs: g.inputs, outputs: g.outputs, missing: names(g.want.minus(g.have)), extra: names(g.have.minus(g.want)), invalid: [] });
    }
    if (also) for (const f of failures.slice(failuresBefore)) f.alsoAt = also;
  }
  return failures;
}

/**
 * What an emitted list matches, and its patterns that do not resolve. Without exclusions (the
 * pre-processor's `{...}` forms, which compile and minimize never emit) a list matches the union of what
 * its patterns match, and a name the reference knows matches that action alone: those are looked up
 * (a compiled list is mostly names, and expanding each through expandList costs a set the size of the
 * universe), the rest expanded together.
 */
function expandOutputList(list: readonly string[], ref: ReferenceIndex): { set: ActionSet; invalid: string[] } {
  if (list.some((t) => t.includes('{'))) {
    const expansion = ref.expandList(list);
    return { set: expansion.actions, invalid: expansion.problems.filter((p) => p.severity === 'error').map((p) => list[p.index]!) };
  }
  const set = ref.emptySet();
  const rest: string[] = [];
  for (const text of list) {
    const action = hasWildcard(text) ? undefined : ref.action(text);
    if (action) set.add(action.id);
    else rest.push(text);
  }
  if (rest.length === 0) return { set, invalid: [] };
  const expansion = ref.expandList(rest);
  set.addAll(expansion.actions);
  return { set, invalid: expansion.problems.filter((p) => p.severity === 'error').map((p) => rest[p.index]!) };
}

function circumstancesOf(s: Statement): Circumstances {
  const c: Circumstances = { effect: s.effect };
  if (s.principal) c.principal = s.principal;
  if (s.resource) c.resources = s.resource;
  if (s.notResource) c.notResources = s.notResource;
  if (s.condition) c.condition = s.condition;
  return c;
}

/** One line for a diagnostic: which statements, which intent, which actions. */
export function describeProofFailure(f: ProofFailure, scopeName = (s: string) => s): string {
  const list = (xs: string[]) => (xs.length > 6 ? `${xs.slice(0, 6).join(', ')} and ${xs.length - 6} more` : xs.join(', '));
  const emitted = f.outputs.map((o) => o.label).join('; ');
  const intended = f.inputs.map((i) => i.label).join('; ');
  const others = f.alsoAt ? ` and ${f.alsoAt} other target${f.alsoAt === 1 ? '' : 's'} with the same statements` : '';
  const scope = f.scope ? ` at ${scopeName(f.scope)}${others}` : '';
  const actions = `missing ${list(f.missing) || 'none'}; extra ${list(f.extra) || 'none'}`;
  if (f.invalid.length) return `${emitted}${scope} does not resolve against the reference: ${list(f.invalid)}`;
  if (!f.outputs.length) return `no emitted ${f.element} statement${scope} has the elements of ${intended}: ${actions}`;
  if (!f.inputs.length) return `${emitted}${scope} has elements that no input ${f.element} statement has: ${actions}`;
  return `${emitted}${scope} does not mean what ${intended} intends (${f.element}): ${actions}`;
}
