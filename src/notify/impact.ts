/**
 * Which guardrails a reference change touches, read off the compiled policies in out/ (what is, or is
 * about to be, deployed) and off the intent compiled again against the newer snapshot (what the next
 * compile will do):
 *
 *  deny-grew              a new action falls under a Deny: a wildcard in Action captures it, or a
 *                         NotAction Deny does not exempt it (the guardrail grew without a compile)
 *  exemption-grew         a new action falls under an exemption wildcard of a NotAction Deny (the
 *                         guardrail shrank)
 *  allow-grew             a new action falls under an Allow wildcard of an SCP (more is permitted)
 *  covered-after-compile  the control covers the new action once compiled again (its actions come
 *                         from the data, or a pattern of the intent matches it), but out/ does not yet
 *  uncovered              a new action the control does not cover even after a compile, near what it
 *                         covers (same service, an access level it denies there, and a shared
 *                         resource type, name or condition key: see proximity.ts), each with why
 *                         (e.g. a new Bedrock action on a resource type InvokeModel acts on; not every
 *                         new IAM Write action beside a list that denies users and their keys)
 *  removed-in-policy      out/ names an action that no longer exists
 *  compile-fails          the intent does not compile against the newer snapshot (a removed action it
 *                         still names): the next compile would fail, said now
 */
import type { CompileResult, OutManifest } from '../compile/index.js';
import type { Diagnostic } from '../diagnostics/index.js';
import { ACCESS_LEVEL_SEVERITY, globToRegExp } from '../reference/index.js';
import type { AccessLevel, ActionSet, ReferenceIndex } from '../reference/index.js';
import type { AddedAction, ReferenceChanges } from './compare.js';
import { actionDocsUrl } from './docs-link.js';
import { CoveredNeighbourhood, type Nearness } from './proximity.js';

export type ImpactKind = 'deny-grew' | 'exemption-grew' | 'allow-grew' | 'covered-after-compile' | 'uncovered' | 'removed-in-policy' | 'compile-fails';

export interface ImpactAction {
  action: string;
  accessLevel: AccessLevel;
  /** Write, Permissions management and Tagging: listed first. */
  sensitive: boolean;
  /** Where it is documented: its service's file in AWS's service reference (see docs-link.ts). */
  docs?: string;
  /** For uncovered: why the action is listed, what it shares with the actions the control covers. */
  near?: Nearness[];
}

export interface ImpactItem {
  kind: ImpactKind;
  controls: string[];
  policy?: string;
  /** The statement's Sid, or its position (1-based) in the policy. */
  statement?: string;
  /** The pattern that captures the actions (a NotAction Deny's complement is "(not exempted)"). */
  pattern?: string;
  /** The pattern was written by compaction, not by the intent: it drifts as AWS adds actions. */
  introducedByCompaction?: boolean;
  actions: ImpactAction[];
  /** For uncovered: per service, the access levels the control denies some actions of (and the new actions have). */
  accessLevels?: Record<string, AccessLevel[]>;
  /** For compile-fails: the diagnostic, with its intent location. */
  diagnostic?: Diagnostic;
  message: string;
}

export interface CompiledOut {
  manifest: OutManifest;
  /** Policy name -> the text in out/. */
  texts: Map<string, string>;
}

const SENSITIVE: readonly AccessLevel[] = ['Permissions management', 'Write', 'Tagging'];

/**
 * `outBaseline` is the snapshot out/ was compiled against, when it is not `changes.from` and can be
 * loaded: a wildcard of out/ then "now also captures" only the new actions out/'s own snapshot did not
 * have (its compile saw the others, and compaction wrote its wildcards knowing them), and a name of
 * out/ is "removed" when that snapshot had it and the newer one does not. Without it, both are read
 * relative to the older snapshot of the comparison.
 */
export function analyzeImpact(changes: ReferenceChanges, to: ReferenceIndex, out: CompiledOut | undefined, recompiled: CompileResult | undefined, outBaseline?: ReferenceIndex): ImpactItem[] {
  const items: ImpactItem[] = [];
  const added = changes.actionsAdded;
  /** New to out/: what the compile that wrote it could not know. */
  const addedForOut = outBaseline ? added.filter((a) => !outBaseline.action(a.action)) : added;
  const removedSet = new Set(changes.actionsRemoved.map((a) => a.action.toLowerCase()));
  const removedForOut = (name: string) => (outBaseline ? outBaseline.action(name) !== undefined && to.action(name) === undefined : removedSet.has(name.toLowerCase()));
  /** New actions the deployed policies already deny, per control (they need no compile). */
  const deniedNow = new Map<string, Set<string>>();

  if (out) {
    for (const p of out.manifest.policies) {
      const text = out.texts.get(p.name);
      if (!text) continue;
      const doc = JSON.parse(text) as { Statement: RawStatement[] };
      doc.Statement.forEach((s, i) => {
        const meta = p.statements[i];
        const controls = [...new Set((meta?.sources ?? []).map((x) => x.control))];
        const where = { policy: p.name, statement: s.Sid ?? String(i + 1), controls };
        const at = `${p.name} (statement ${where.statement})`;
        const actions = list(s.Action);
        const notActions = list(s.NotAction);
        const introduced = new Set((meta?.introduced ?? []).map((x) => x.toLowerCase()));
        for (const name of [...actions, ...notActions]) {
          if (!name.includes('*') && !name.includes('?') && removedForOut(name)) {
            items.push({ kind: 'removed-in-policy', ...where, pattern: name, actions: [], message: `${at} names ${name}, which AWS removed` });
          }
        }
        const capture = (patterns: string[]) => {
          const byPattern = new Map<string, AddedAction[]>();
          // A bare "*" applies to every action by design: an action AWS adds changes nothing about it.
          for (const pattern of patterns.filter((x) => x !== '*' && (x.includes('*') || x.includes('?')))) {
            const re = globToRegExp(pattern);
            const hit = addedForOut.filter((a) => re.test(a.action));
            if (hit.length) byPattern.set(pattern, hit);
          }
          return byPattern;
        };
        if (s.Effect === 'Deny' && actions.length) {
          for (const [pattern, hit] of capture(actions)) {
            record(deniedNow, controls, hit);
            items.push({ kind: 'deny-grew', ...where, pattern, introducedByCompaction: introduced.has(pattern.toLowerCase()), actions: impactActions(hit), message: `${pattern} in ${at} now also denies ${count(hit)}` });
          }
        } else if (s.Effect === 'Deny' && notActions.length) {
          const exempt = capture(notActions);
          const exemptNames = new Set([...exempt.values()].flat().map((a) => a.action));
          for (const [pattern, hit] of exempt) items.push({ kind: 'exemption-grew', ...where, pattern, actions: impactActions(hit), message: `the exemption ${pattern} in ${at} now also exempts ${count(hit)}` });
          const literal = new Set(notActions.map((x) => x.toLowerCase()));
          const denied = addedForOut.filter((a) => !exemptNames.has(a.action) && !literal.has(a.action.toLowerCase()));
          if (denied.length) {
            record(deniedNow, controls, denied);
            items.push({ kind: 'deny-grew', ...where, pattern: '(not exempted by NotAction)', actions: impactActions(denied), message: `${at} denies everything its NotAction does not exempt: now also ${count(denied)}` });
          }
        } else if (s.Effect === 'Allow') {
          for (const [pattern, hit] of capture(actions)) items.push({ kind: 'allow-grew', ...where, pattern, actions: impactActions(hit), message: `the Allow ${pattern} in ${at} now also permits ${count(hit)}` });
        }
      });
    }
  }

  if (recompiled) {
    for (const d of recompiled.diagnostics) {
      if (d.severity !== 'error') continue;
      items.push({ kind: 'compile-fails', controls: [], actions: [], diagnostic: d, message: d.message });
    }
    if (recompiled.ok) {
      for (const placement of recompiled.placements) {
        const control = placement.control.id;
        const covered = to.emptySet();
        for (const st of placement.statements) {
          // A Deny of every action under a condition (a tag protection) covers new actions by design.
          if (st.draft.effect !== 'Deny' || st.actions?.set.size === to.size) continue;
          if (st.actions) covered.addAll(st.actions.set);
          if (st.notActions) covered.addAll(to.allActions().minus(st.notActions.set));
        }
        const already = deniedNow.get(control) ?? new Set<string>();
        const afterCompile: AddedAction[] = [];
        for (const a of addedForOut) if (covered.has(to.action(a.action)!.id) && !already.has(a.action)) afterCompile.push(a);
        if (afterCompile.length) items.push({ kind: 'covered-after-compile', controls: [control], actions: impactActions(afterCompile), message: `control ${control} will cover ${count(afterCompile)} once compiled again` });
        // A new action the control does not cover is worth a look only where the control draws a line
        // at that access level (a new Write action beside the Write actions it denies, not every new
        // List action of a service it touches with one Write action), and only near what it covers:
        // a control on users and their keys says nothing about a new IAM delegation request.
        const levels = deniedLevels(covered, to);
        const neighbourhood = new CoveredNeighbourhood(to, (id) => covered.has(id));
        const near = new Map<string, Nearness[]>();
        for (const a of added) {
          const info = to.action(a.action)!;
          if (levels.get(a.service)?.has(a.accessLevel) !== true || covered.has(info.id) || already.has(a.action)) continue;
          const why = neighbourhood.near(info);
          if (why.length) near.set(a.action, why);
        }
        const uncovered = added.filter((a) => near.has(a.action));
        if (uncovered.length) {
          const accessLevels: Record<string, AccessLevel[]> = {};
          for (const a of uncovered) accessLevels[a.service] = sortLevels([...(accessLevels[a.service] ?? []), a.accessLevel]);
          const where = Object.entries(accessLevels).map(([svc, l]) => `${l.join(', ')} in ${svc}`).join('; ');
          const actions = impactActions(uncovered).map((a) => ({ ...a, near: near.get(a.action)! }));
          items.push({ kind: 'uncovered', controls: [control], accessLevels, actions, message: `control ${control} does not cover ${count(uncovered)} near actions it denies (${where})` });
        }
      }
    }
  }
  return items;
}

/**
 * Per service a control governs (covers some actions of, but not all), the access levels of the
 * actions it covers there: where a new action at one of those levels may slip through.
 */
function deniedLevels(covered: ActionSet, ref: ReferenceIndex): Map<string, Set<AccessLevel>> {
  const out = new Map<string, Set<AccessLevel>>();
  for (const svc of ref.services) {
    const all = ref.serviceActions(svc);
    if (!all.intersects(covered) || all.isSubsetOf(covered)) continue;
    const levels = new Set<AccessLevel>();
    for (let id = svc.firstId; id < svc.endId; id++) if (covered.has(id)) levels.add(ref.actions[id]!.accessLevel);
    out.set(svc.prefix, levels);
  }
  return out;
}

function sortLevels(levels: AccessLevel[]): AccessLevel[] {
  return [...new Set(levels)].sort((a, b) => ACCESS_LEVEL_SEVERITY.indexOf(a) - ACCESS_LEVEL_SEVERITY.indexOf(b));
}

function record(map: Map<string, Set<string>>, controls: string[], actions: AddedAction[]): void {
  for (const c of controls) {
    let set = map.get(c);
    if (!set) map.set(c, (set = new Set()));
    for (const a of actions) set.add(a.action);
  }
}

export function impactActions(actions: readonly { action: string; accessLevel: AccessLevel }[]): ImpactAction[] {
  return actions
    .map((a) => {
      const docs = actionDocsUrl(a.action);
      return { action: a.action, accessLevel: a.accessLevel, sensitive: SENSITIVE.includes(a.accessLevel), ...(docs ? { docs } : {}) };
    })
    .sort((a, b) => ACCESS_LEVEL_SEVERITY.indexOf(a.accessLevel) - ACCESS_LEVEL_SEVERITY.indexOf(b.accessLevel) || (a.action < b.action ? -1 : 1));
}

function count(actions: readonly AddedAction[]): string {
  const sensitive = actions.filter((a) => SENSITIVE.includes(a.accessLevel)).length;
  return `${actions.length} new action${actions.length === 1 ? '' : 's'}${sensitive ? ` (${sensitive} Write, Permissions management or Tagging)` : ''}`;
}

interface RawStatement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
