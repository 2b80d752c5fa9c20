/**
 * Condition keys of every statement compile expands, wherever it was written (the intent, an imported
 * file, a rendered template) or generated: a key the service reference does not know, or that none of
 * the statement's actions carries, is an error in a Deny (conditionKeyProblem says why), located
 * where the key is written. validate checks the intent's own conditions the same way; a diagnostic
 * both report (same code and place) is reported once.
 */
import { error, warning, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import { isAcceptedKey, type Intent } from '../intent/index.js';
import { conditionKeyProblems, type ConditionCheck } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import type { ExpandedStatement } from './expand.js';

export function checkConditionKeys(statements: readonly ExpandedStatement[], reference: ReferenceIndex, intent: Intent, diagnostics: Diagnostic[]): void {
  for (const e of statements) {
    const d = e.draft;
    if (!d.condition) continue;
    const check: ConditionCheck = {
      condition: d.condition,
      effect: d.effect,
      accepted: (key) => isAcceptedKey(intent, key),
      judgePartial: (op, key) => keyLocation(intent, d.conditionSource, op, key) !== undefined,
    };
    // A NotAction statement covers every other action: any key may be carried by one of them.
    if (e.actions && !e.notActions) check.actions = e.actions.set.toArray().map((id) => reference.actions[id]!);
    for (const p of conditionKeyProblems(reference, check)) {
      const at = keyLocation(intent, d.conditionSource, p.operator, p.key) ?? d.location;
      diagnostics.push((p.severity === 'error' ? error : warning)(p.code, `control ${d.control.id} (${d.type.toUpperCase()}) statement ${d.sid}: ${p.message}`, at, p.hint));
    }
  }
}

/** Where `key` under operator `op` is written in a statement's Condition element (`source`), if it is. */
export function keyLocation(intent: Intent, source: object | undefined, op: string, key: string): SourceLocation | undefined {
  const keys = (source as Record<string, unknown> | undefined)?.[op];
  return typeof keys === 'object' && keys !== null && key in keys ? intent.sources.locateKey(keys, key) : undefined;
}
