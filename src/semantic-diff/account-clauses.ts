/**
 * What tells apart two accounts that hold the same chain: the condition clauses of the chain that read
 * a key whose value depends on the account (aws:PrincipalArn, aws:PrincipalAccount, aws:ResourceAccount,
 * the OU paths). Partial evaluation of a statement depends on the request only through the outcome of
 * each clause whose keys are all known, so accounts on which these clauses decide alike get the same
 * partial statements, hence the same classification: the chain is evaluated once for all of them.
 */
import { clauseKeys, compileCondition, EvaluationError, type ConditionEvaluator, type PartialRequest, type PreparedStatement, type RequestContext } from '../evaluate/index.js';
import type { Chain } from './chains.js';
import type { PreparedPolicy } from './prepared-policies.js';
import type { Persona } from './personas.js';

interface Clause {
  operator: string;
  key: string;
  values: string[];
  /** Lower case: the clause's key and the policy variables in its values. */
  reads: string[];
  /** Of `reads`, the keys the statement part's actions never carry: absent from every request for them. */
  absent: string[];
  /** Equal clauses (same operator, key, values and absent keys) decide alike. */
  text: string;
  test?: ConditionEvaluator;
}

const clausesOfStatement = new WeakMap<PreparedStatement, Clause[]>();

/** One clause per condition key of each part of the statement (a part fixes which action-scoped keys are absent). */
function statementClauses(s: PreparedStatement): Clause[] {
  let found = clausesOfStatement.get(s);
  if (found) return found;
  found = [];
  const condition = s.statement.condition ?? {};
  for (const part of s.parts) {
    for (const operator of Object.keys(condition)) {
      for (const key of Object.keys(condition[operator]!)) {
        const values = condition[operator]![key]!;
        const reads = clauseKeys(key, values).map((k) => k.toLowerCase());
        const absent = reads.filter((k) => part.absent.has(k));
        found.push({ operator, key, values, reads, absent, text: JSON.stringify([operator, key, values, absent]) });
      }
    }
  }
  clausesOfStatement.set(s, found);
  return found;
}

/** The clauses of a persona's chains that may decide differently from one account to another. */
export class AccountClauses {
  private readonly ofChain = new Map<Chain, Clause[]>();
  private readonly ofPolicy = new Map<PreparedPolicy, Clause[]>();
  private readonly ofPairs = new Map<Chain, Map<Chain, Clause[]>>();

  constructor(private readonly persona: Persona) {}

  /** The clauses of `chain` whose keys are all known and one of them varies by account, each once. */
  of(chain: Chain): Clause[] {
    let found = this.ofChain.get(chain);
    if (!found) this.ofChain.set(chain, (found = distinct(chain.levels.flatMap((level) => level.flatMap((p) => this.inPolicy(p))))));
    return found;
  }

  /** The clauses of both chains an account holds, before and after the change (before: none if the type is not enabled). */
  ofPair(before: Chain | undefined, after: Chain): Clause[] {
    if (!before) return this.of(after);
    let row = this.ofPairs.get(before);
    if (!row) this.ofPairs.set(before, (row = new Map()));
    let found = row.get(after);
    if (!found) row.set(after, (found = distinct([...this.of(before), ...this.of(after)])));
    return found;
  }

  /** The same, of one policy. */
  inPolicy(policy: PreparedPolicy): Clause[] {
    let found = this.ofPolicy.get(policy);
    if (found) return found;
    const { known, varying } = this.persona;
    const mayVary = (c: Clause) => c.reads.some((k) => varying.has(k)) && c.reads.every((k) => known.has(k) || c.absent.includes(k));
    this.ofPolicy.set(policy, (found = distinct(policy.statements.flatMap((s) => statementClauses(s).filter(mayVary)))));
    return found;
  }

  /** How each clause decides for this request: yes, no, or the error partial evaluation would record. */
  static outcomes(clauses: readonly Clause[], request: PartialRequest): string {
    let out = '';
    for (const c of clauses) out += `${outcome(c, request.context)};`;
    return out;
  }
}

function distinct(clauses: Clause[]): Clause[] {
  const seen = new Map<string, Clause>();
  for (const c of clauses) if (!seen.has(c.text)) seen.set(c.text, c);
  return [...seen.values()];
}

function outcome(c: Clause, context: RequestContext): string {
  let ctx = context;
  for (const k of c.absent) {
    if (!ctx.has(k)) continue;
    if (ctx === context) ctx = context.clone();
    ctx.delete(k);
  }
  try {
    c.test ??= compileCondition({ [c.operator]: { [c.key]: c.values } });
    return c.test(ctx) ? 'y' : 'n';
  } catch (e) {
    if (!(e instanceof EvaluationError)) throw e;
    return `e${e.message}`;
  }
}
