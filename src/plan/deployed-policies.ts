/**
 * Deployed policies the engine can evaluate. A diff says what a change allows and denies by evaluating
 * the deployed chain and the compiled one; a deployed policy it cannot read (content that is not JSON,
 * no Statement, `"Effect": "deny"`, an operator or principal the engine does not know) would otherwise
 * drop out of the chain as if it had no effect, and a Deny that silently vanishes makes the diff
 * report actions as allowed that are not. So such a policy is an error, located at its `content` in
 * the snapshot file (or, read live, named by id and name): diff and plan stop (exit 2) rather than
 * report on a chain they cannot evaluate.
 *
 * The semantic diff does not rely on that check alone (it is a library function too): it evaluates a
 * policy it cannot read as a Deny of every action that may apply (semanticDiff), so nothing such a
 * policy might deny is ever reported as allowed.
 */
import { error, quoteUntrusted, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import { compilePolicy } from '../evaluate/index.js';
import type { DeployedPolicy } from '../org/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import { statementsOf } from '../semantic-diff/index.js';

/** Why the engine cannot evaluate `content`, if it cannot: the document, then each statement. */
export function evaluationProblem(content: string, reference: ReferenceIndex): string | undefined {
  const read = statementsOf(content);
  if (!read.ok) return read.problem;
  for (const s of compilePolicy('deployed', read.statements, reference).statements) {
    if (s.error) return `statement ${s.sid ?? s.index + 1}: ${s.error}`;
  }
  return undefined;
}

/**
 * One error per deployed policy the engine cannot evaluate. `contentAt` locates a policy's content in
 * the snapshot file it was read from; without it (read live), the message names the policy.
 */
export function checkDeployedPolicies(policies: readonly DeployedPolicy[], reference: ReferenceIndex, contentAt?: ReadonlyMap<string, SourceLocation>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of policies) {
    const problem = evaluationProblem(p.content, reference);
    if (problem === undefined) continue;
    out.push(
      error(
        'deployed-policy-invalid',
        `the deployed ${p.type.toUpperCase()} ${quoteUntrusted(p.name, 128)} (${quoteUntrusted(p.id, 64)}) cannot be evaluated: ${quoteUntrusted(problem, 300)}; the diff cannot say what the organization allows while it holds a policy whose effect is unknown`,
        contentAt?.get(p.id),
        'fix the policy in AWS Organizations (or export the state again if the snapshot was edited)',
      ),
    );
  }
  return out;
}
