/**
 * The checks a policy passes before it is written, fail closed: each control's statements against the
 * grammar of their policy type and the evaluation engine before packing (so one run names every
 * control's problems where they are written), and each packed policy again as it is sent.
 */
import { error, warning, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import { compilePolicy } from '../evaluate/index.js';
import type { Intent } from '../intent/index.js';
import { checkGrammar, grammarErrors, renderPolicy, renderPolicyFile, type Quotas, type Statement } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import { keyLocation } from './condition-keys.js';
import type { ExpandedStatement } from './expand.js';
import { LEVEL_NAMES } from './minimize/levels.js';
import type { CompiledPolicy, PackedPolicy } from './types.js';

/**
 * A packed policy as written: its canonical text, checked against the grammar and the quotas, and
 * evaluable (fail closed at compile time, see checkControlGrammar, again on the statements as packed
 * and sent); a warning when it needed an unreadable level.
 */
export function finishPolicy(p: PackedPolicy, intent: Intent, reference: ReferenceIndex, quotas: Quotas, diagnostics: Diagnostic[]): CompiledPolicy {
  const statements = p.statements.map((s) => s.statement);
  const text = renderPolicy(statements);
  const maxChars = quotas[p.type].maxChars;
  // Lint warnings were reported where the statements were written (validate, custom and imported policies).
  const grammarFlagged = new Set<number>();
  for (const problem of grammarErrors(checkGrammar({ version: '2012-10-17', statements }, p.type, { maxChars, text, supportsRcp: (s) => reference.supportsRcp(s) }))) {
    if (problem.statement !== undefined) grammarFlagged.add(problem.statement);
    const st = problem.statement === undefined ? undefined : p.statements[problem.statement];
    diagnostics.push(error(problem.code, `policy ${p.name} (${p.type.toUpperCase()}, control${p.controls.length > 1 ? 's' : ''} ${p.controls.join(', ')}): ${problem.message}`, st?.origins[0]!.draft.location ?? locateControl(intent, p.controls[0]!), problem.hint));
  }
  compilePolicy(p.name, statements.map(withoutActionList), reference).statements.forEach((es, i) => {
    if (!es.error || grammarFlagged.has(i)) return;
    const st = p.statements[i]!;
    diagnostics.push(error(es.errorCode ?? 'cannot-evaluate', `policy ${p.name} (${p.type.toUpperCase()}, control ${st.origins.map((o) => o.draft.control.id).join(', ')}): statement ${st.statement.sid ?? i + 1}: ${es.error}`, st.origins[0]!.draft.location ?? locateControl(intent, p.controls[0]!)));
  });
  // Levels 3 and 4 are exact but unreadable, and capture future actions along no meaningful line:
  // a reviewer must know which policy needed them and why.
  if (p.level >= 3) {
    const introduced = [...new Set(p.statements.flatMap((st) => st.introduced))];
    diagnostics.push(
      warning(
        'unreadable-minimization',
        `policy ${p.name} (${p.type.toUpperCase()}) needed level ${p.level} (${LEVEL_NAMES[p.level]}) to fit, ${p.escalatedFor ?? 'a quota'}; it writes ${introduced.length} wildcard${introduced.length === 1 ? '' : 's'} the intent did not (${introduced.slice(0, 6).join(', ')}${introduced.length > 6 ? ', ...' : ''})${p.statements.some((st) => st.introducedNotAction) ? ' and a NotAction complement' : ''}`,
        p.statements[0]?.origins[0]?.draft.location ?? locateControl(intent, p.controls[0]!),
        'attach fewer controls to the same targets, give them the same targets so that they share policies, or raise the quota; out/manifest.json lists every wildcard compile wrote',
      ),
    );
  }
  return { ...p, file: `${p.name}.json`, text, chars: text.length, maxChars, fileText: renderPolicyFile(statements) };
}

/**
 * Each control's statements, one by one, against the grammar of their policy type (an RCP that
 * allows, names a principal or uses NotAction...), before they are packed with other controls'.
 * Fail closed at compile time, too: a statement the evaluation engine cannot evaluate faithfully (an
 * operator that does not fit its key's type, a key type it does not know, a malformed value) is an
 * error where the statement was written, not a surprise in simulate; checked here, per control, so
 * that one run names it beside every other control's problems. The whole policies are checked again
 * after packing (size, and as sent).
 */
export function checkControlGrammar(statements: readonly ExpandedStatement[], reference: ReferenceIndex, intent: Intent, diagnostics: Diagnostic[]): void {
  for (const e of statements) {
    const d = e.draft;
    const st: Statement = { sid: d.sid, effect: d.effect };
    if (d.principal) st.principal = d.principal;
    if (e.actions) st.action = e.actions.text;
    if (e.notActions) st.notAction = e.notActions.text;
    if (d.resources) st.resource = d.resources;
    if (d.notResources) st.notResource = d.notResources;
    if (d.condition && Object.keys(d.condition).length) st.condition = d.condition;
    // Services RCPs do not support were reported (or skipped) by expansion, once per service; lint
    // warnings were reported where the statements were written.
    const problems = grammarErrors(checkGrammar({ version: '2012-10-17', statements: [st] }, d.type, { supportsRcp: () => true }));
    for (const problem of problems) {
      diagnostics.push(error(problem.code, `control ${d.control.id} (${d.type.toUpperCase()}): ${problem.message}`, d.location, problem.hint));
    }
    if (problems.length) continue;
    const [es] = compilePolicy(d.control.id, [withoutActionList(st)], reference).statements;
    if (!es?.error) continue;
    // A condition the engine cannot evaluate is pointed at where its key is written, when it is.
    const at = es.errorCondition ? keyLocation(intent, d.conditionSource, es.errorCondition.operator, es.errorCondition.key) : undefined;
    diagnostics.push(error(es.errorCode ?? 'cannot-evaluate', `control ${d.control.id} (${d.type.toUpperCase()}): statement ${d.sid}: ${es.error}`, at ?? d.location));
  }
}

/**
 * A statement for the engine's fail-closed check, its action list replaced by `*`. The check is asked
 * only of statements whose actions passed the grammar (service:name, the shape the engine needs; the
 * others are reported by the grammar and their engine error is not), so the list cannot be its error;
 * and the engine would expand it against the reference for nothing: that expansion, a set the size of
 * the action universe per pattern, was a third of the compile stage on controls of long lists.
 */
function withoutActionList(s: Statement): Statement {
  const { action, notAction, ...rest } = s;
  return action ? { ...rest, action: ['*'] } : notAction ? { ...rest, notAction: ['*'] } : rest;
}

export function locateControl(intent: Intent, id: string): SourceLocation | undefined {
  const c = intent.controls.find((x) => x.id === id);
  return c ? intent.sources.locate(c as object) : undefined;
}
