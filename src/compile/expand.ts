/**
 * Expansion: every action pattern of a draft becomes an exact, canonical action set against the pinned
 * reference, and the text to emit is derived from it. A pattern that IAM understands as written (plain
 * `*` and `?` wildcards) and that no exclusion cuts into is kept as written; selectors, exclusions and
 * everything they touch are written out as the exact actions they mean today.
 */
import { error, warning, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
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

/**
 * Services RCPs do not support, met while expanding one control's RCP statements: each is reported
 * once per control, where it is first written, however many statements and patterns name it.
 */
interface Unsupported {
  /** Skipped with a warning (skipUnsupportedServices, or generated from data), or an error. */
  skipped: boolean;
  location: SourceLocation | undefined;
  element: string;
}

export function expandDrafts(drafts: readonly StatementDraft[], reference: ReferenceIndex, diagnostics: Diagnostic[]): ExpandedStatement[] {
  const out: ExpandedStatement[] = [];
  const unsupported = new Map<string, Map<string, Unsupported>>();
  for (const draft of drafts) {
    const e: ExpandedStatement = { draft };
    const perControl = unsupported.get(draft.control.id) ?? new Map<string, Unsupported>();
    unsupported.set(draft.control.id, perControl);
    let skippedAll = false;
    if (draft.actions) {
      const x = expandPatterns(draft, draft.actions, 'Action', reference, diagnostics, perControl);
      e.actions = x.expanded;
      skippedAll = x.onlySkipped;
    }
    if (draft.notActions) e.notActions = expandPatterns(draft, draft.notActions, 'NotAction', reference, diagnostics, perControl).expanded;
    const main = e.actions ?? e.notActions;
    if (main && main.text.length === 0) {
      // A statement about nothing but skipped services goes with them (the warning says so).
      if (skippedAll) continue;
      diagnostics.push(error('empty-statement', `control ${draft.control.id}: statement ${draft.sid} covers no action after expansion`, draft.location, 'a statement whose every action is excluded or unsupported would be dropped; fix the patterns'));
      continue;
    }
    out.push(e);
  }
  for (const [control, services] of unsupported) {
    for (const [service, u] of [...services].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const what = `control ${control}: ${u.element}`;
      if (u.skipped) diagnostics.push(warning('rcp-unsupported-service', `${what}: skipped service "${service}", which RCPs do not support`, u.location));
      else diagnostics.push(error('rcp-unsupported-service', `${what}: RCPs do not support service "${service}"`, u.location, 'remove it, or set skipUnsupportedServices: true to skip it with a warning'));
    }
  }
  return out;
}

function expandPatterns(
  draft: StatementDraft,
  list: ActionPatterns,
  element: string,
  ref: ReferenceIndex,
  diagnostics: Diagnostic[],
  unsupported: Map<string, Unsupported>,
): { expanded: ExpandedActions; onlySkipped: boolean } {
  const expansion = ref.expandList(list.patterns);
  const what = `control ${draft.control.id}: ${element}`;
  // Generated patterns the reference does not resolve (a service it does not list): skipped, as the warning says.
  const skipped = new Set<number>();
  for (const p of expansion.problems) {
    const severity = list.generated && p.severity === 'error' ? 'warning' : p.severity;
    if (severity !== p.severity) skipped.add(p.index);
    const d = (severity === 'error' ? error : warning)(p.code, `${what}: ${p.message}${severity !== p.severity ? ' (generated from data; skipped)' : ''}`, list.locations[p.index], p.hint);
    diagnostics.push(d);
  }
  const set = expansion.actions.clone();
  let dropped: ActionSet | undefined;
  let onlySkipped = false;
  if (draft.type === 'rcp' && element === 'Action') {
    const skip = draft.skipUnsupportedServices === true || list.generated === true;
    const removed = ref.emptySet();
    for (const pp of expansion.perPattern) {
      if (pp.kind !== 'include') continue;
      for (const id of pp.matched) {
        const a = ref.actions[id]!;
        if (ref.supportsRcp(a.service)) continue;
        removed.add(id);
        const at = list.locations[pp.index];
        // An error (a statement that may not skip) outranks a warning; otherwise the first place wins.
        const known = unsupported.get(a.service);
        if (!known || (known.skipped && !skip) || (known.skipped === skip && writtenBefore(at, known.location))) unsupported.set(a.service, { skipped: skip, location: at, element });
      }
    }
    if (!removed.isEmpty() && skip) {
      const had = set.size;
      set.removeAll(removed);
      onlySkipped = had > 0 && set.isEmpty();
      dropped = removed;
    }
  }
  const cut = dropped ? expansion.excluded.union(dropped) : expansion.excluded;
  const text = new Map<string, string>();
  const wildcards = new Set<string>();
  expansion.perPattern.forEach((pp) => {
    if (pp.kind !== 'include') return;
    const plainIam = !pp.text.includes('{');
    // A skipped pattern is written as what it matched (nothing, for an unknown service), never as its text.
    if (plainIam && !skipped.has(pp.index) && !pp.matched.intersects(cut)) {
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
  return { expanded: { set, text: [...text.values()].sort(byLower), wildcards: [...wildcards].sort(byLower) }, onlySkipped };
}

/** Whether `a` is written before `b` (same file); a known location beats an unknown one. */
function writtenBefore(a: SourceLocation | undefined, b: SourceLocation | undefined): boolean {
  if (!a) return false;
  if (!b) return true;
  return a.file === b.file && (a.line < b.line || (a.line === b.line && a.col < b.col));
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
