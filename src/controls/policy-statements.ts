/**
 * Statements written as IAM JSON (custom controls, imported files) become drafts. The policy type's
 * grammar is checked here, where each problem can still be located in the text it came from.
 */
import { error, warning, type SourceIndex } from '../diagnostics/index.js';
import { arnRegion, isAcceptedKey, REGION_KEY, regionProblem, STRING_OPERATOR, type Control } from '../intent/index.js';
import { checkGrammar, grammarErrors, locateGrammarProblem, PLACEHOLDER_CODES, type PolicyDocument, type PolicyType, type Statement } from '../policy/index.js';
import { knownArnService } from '../reference/arn-services.js';
import { sidFor } from './common.js';
import type { ActionPatterns, ControlContext, StatementDraft } from './draft.js';

export function draftsFromDocument(ctx: ControlContext, control: Control, doc: PolicyDocument, sources: SourceIndex, type: PolicyType, origin: string, extendedActions: boolean): StatementDraft[] {
  const skip = type === 'rcp' && control.skipUnsupportedServices === true;
  // With skipUnsupportedServices, a service RCPs do not support is dropped (with one warning per
  // service) when the statement is expanded, not rejected here.
  const problems = checkGrammar(doc, type, { supportsRcp: (s) => skip || ctx.reference.supportsRcp(s), extendedActions, conditionKeyTypes: (k) => ctx.reference.conditionKey(k)?.types, knownArnService: knownArnService(ctx.reference), isContextKey: (k) => ctx.reference.conditionKey(k) !== undefined || isAcceptedKey(ctx.intent, k) });
  for (const p of problems) {
    ctx.diagnostics.push((p.severity === 'warning' ? warning : error)(p.code, `control ${control.id} (${origin}): ${p.message}`, locateGrammarProblem(sources, doc, p), p.hint));
  }
  // A placeholder leaves the statement readable: its other problems (keys, Regions, exclusions) are
  // reported in the same run. Any other grammar error leaves nothing to build on.
  if (grammarErrors(problems).some((p) => !PLACEHOLDER_CODES.has(p.code))) return [];
  for (const s of doc.statements) checkStatementRegions(ctx, control, origin, s.origin, sources);
  const usedSids = new Set<string>();
  return doc.statements.map((s, i) => {
    const role = s.sid ?? `statement-${i + 1}`;
    let sid = s.sid ?? sidFor(control, `statement-${i + 1}`);
    while (usedSids.has(sid)) sid += 'X';
    usedSids.add(sid);
    const draft: StatementDraft = {
      control,
      role,
      sid,
      type,
      effect: s.effect,
      location: s.origin ? sources.locate(s.origin) : undefined,
      summary: `${origin} ${s.sid ? `statement ${s.sid}` : `statement ${i + 1}`}`,
    };
    if (s.principal) draft.principal = s.principal;
    if (s.action) draft.actions = located(s, 'Action', s.action, sources);
    if (s.notAction) draft.notActions = located(s, 'NotAction', s.notAction, sources);
    if (s.resource) draft.resources = [...s.resource];
    if (s.notResource) draft.notResources = [...s.notResource];
    if (s.condition) draft.condition = s.condition;
    const conditionSource = (s.origin as Record<string, unknown> | undefined)?.Condition;
    if (typeof conditionSource === 'object' && conditionSource !== null) draft.conditionSource = conditionSource;
    if (skip) draft.skipUnsupportedServices = true;
    return draft;
  });
}

function located(s: Statement, key: string, values: string[], sources: SourceIndex): ActionPatterns {
  const raw = (s.origin as Record<string, unknown> | undefined)?.[key];
  return {
    patterns: [...values],
    locations: values.map((_, i) => (Array.isArray(raw) ? sources.locate(raw, i) : sources.locate(s.origin, key))),
  };
}

/**
 * Regions in a statement as written (imported files and rendered templates included): a misspelled
 * Region in aws:RequestedRegion or a resource ARN makes the statement match nothing or everything.
 */
function checkStatementRegions(ctx: ControlContext, control: Control, origin: string, raw: object | undefined, sources: SourceIndex): void {
  if (!isRecord(raw)) return;
  const report = (value: unknown, holder: object, key: string | number, what: string, region = value) => {
    if (typeof region !== 'string') return;
    const problem = regionProblem(region);
    if (problem) ctx.diagnostics.push(error('unknown-region', `control ${control.id} (${origin}): ${what}: ${problem.message}`, sources.locate(holder, key), problem.hint));
  };
  const each = (v: unknown, holder: object, key: string, fn: (x: unknown, h: object, k: string | number) => void) => {
    if (Array.isArray(v)) v.forEach((x, i) => fn(x, v, i));
    else fn(v, holder, key);
  };
  if (isRecord(raw.Condition)) {
    for (const [op, keys] of Object.entries(raw.Condition)) {
      if (!isRecord(keys) || !STRING_OPERATOR.test(op)) continue;
      for (const [key, values] of Object.entries(keys)) {
        if (REGION_KEY.test(key)) each(values, keys, key, (x, h, k) => report(x, h, k, key));
      }
    }
  }
  for (const key of ['Resource', 'NotResource']) {
    each(raw[key], raw, key, (x, h, k) => {
      const region = typeof x === 'string' ? arnRegion(x) : undefined;
      if (region) report(x, h, k, `the Region of ${String(x)}`, region);
    });
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
