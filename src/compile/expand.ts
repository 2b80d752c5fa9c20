/**
 * Expansion: every action pattern of a draft becomes an exact, canonical action set against the pinned
 * reference, and the text to emit is derived from it. A pattern that IAM understands as written (plain
 * `*` and `?` wildcards) and that no exclusion cuts into is kept as written; selectors, exclusions and
 * everything they touch are written out as the exact actions they mean today.
 */
import { error, warning, type Diagnostic } from '../diagnostics/index.js';
import type { ActionPatterns, StatementDraft } from '../controls/index.js';
import { hasWildcard, type ActionSet, type ReferenceIndex } from '../reference/index.js';

export interface ExpandedActions {
  /** The exact actions the element means within the reference. */
  set: ActionSet;
  /** IAM-valid strings to emit, canonical casing, sorted. */
  text: string[];
  /** Emitted wildcard patterns (they may capture actions AWS adds later). */
  wildcards: string[];
}

export interface ExpandedStatement {
  draft: StatementDraft;
  actions?: ExpandedActions;
  notActions?: ExpandedActions;
}

export function expandDrafts(drafts: readonly StatementDraft[], reference: ReferenceIndex, diagnostics: Diagnostic[]): ExpandedStatement[] {
  const out: ExpandedStatement[] = [];
  for (const draft of drafts) {
    const e: ExpandedStatement = { draft };
    if (draft.actions) e.actions = expandPatterns(draft, draft.actions, 'Action', reference, diagnostics);
    if (draft.notActions) e.notActions = expandPatterns(draft, draft.notActions, 'NotAction', reference, diagnostics);
    const main = e.actions ?? e.notActions;
    if (main && main.text.length === 0) {
      diagnostics.push(error('empty-statement', `control ${draft.control.id}: statement ${draft.sid} covers no action after expansion`, draft.location, 'a statement whose every action is excluded or unsupported would be dropped; fix the patterns'));
      continue;
    }
    out.push(e);
  }
  return out;
}

function expandPatterns(draft: StatementDraft, list: ActionPatterns, element: string, ref: ReferenceIndex, diagnostics: Diagnostic[]): ExpandedActions {
  const expansion = ref.expandList(list.patterns);
  const what = `control ${draft.control.id}: ${element}`;
  for (const p of expansion.problems) {
    const severity = list.generated && p.severity === 'error' ? 'warning' : p.severity;
    const d = (severity === 'error' ? error : warning)(p.code, `${what}: ${p.message}${severity !== p.severity ? ' (generated from data; skipped)' : ''}`, list.locations[p.index], p.hint);
    diagnostics.push(d);
  }
  const set = expansion.actions.clone();
  let dropped: ActionSet | undefined;
  if (draft.type === 'rcp' && element === 'Action') {
    const unsupported = ref.emptySet();
    const services = new Set<string>();
    for (const id of set) {
      const a = ref.actions[id]!;
      if (!ref.supportsRcp(a.service)) {
        unsupported.add(id);
        services.add(a.service);
      }
    }
    if (services.size) {
      const names = [...services].sort().join(', ');
      if (draft.skipUnsupportedServices || list.generated) {
        diagnostics.push(warning('rcp-unsupported-service', `${what}: skipped ${names}, which RCPs do not support`, draft.location));
        set.removeAll(unsupported);
        dropped = unsupported;
      } else {
        diagnostics.push(error('rcp-unsupported-service', `${what}: RCPs do not support ${names}`, draft.location, 'remove them, or set skipUnsupportedServices: true to skip them with a warning'));
      }
    }
  }
  const cut = dropped ? expansion.excluded.union(dropped) : expansion.excluded;
  const text = new Map<string, string>();
  const wildcards = new Set<string>();
  expansion.perPattern.forEach((pp) => {
    if (pp.kind !== 'include') return;
    const plainIam = !pp.text.includes('{');
    if (plainIam && !pp.matched.intersects(cut)) {
      const written = canonicalPattern(pp.text, ref);
      text.set(written.toLowerCase(), written);
      if (hasWildcard(written)) wildcards.add(written);
      return;
    }
    for (const id of pp.matched) {
      if (cut.has(id)) continue;
      const q = ref.actions[id]!.qualified;
      text.set(q.toLowerCase(), q);
    }
  });
  return { set, text: [...text.values()].sort(byLower), wildcards: [...wildcards].sort(byLower) };
}

/** Lower-case service prefix, canonical casing for exact action names, wildcards kept as written. */
function canonicalPattern(text: string, ref: ReferenceIndex): string {
  if (text === '*') return text;
  const exact = ref.action(text);
  if (exact) return exact.qualified;
  const colon = text.indexOf(':');
  return text.slice(0, colon).toLowerCase() + text.slice(colon);
}

function byLower(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}
