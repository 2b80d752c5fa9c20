/** Helpers shared by the control modules. */
import { error, type SourceLocation } from '../diagnostics/index.js';
import type { ConditionBlock, Control } from '../intent/index.js';
import { parseOperator, type Condition } from '../policy/index.js';
import type { ActionSet } from '../reference/index.js';
import type { ActionPatterns, ControlContext } from './draft.js';

/** `only-org-principals` + `partner-access` -> `OnlyOrgPrincipalsPartnerAccess` (Sids are alphanumeric). */
export function sidFor(control: Control, role?: string): string {
  return pascal(control.id) + (role ? pascal(role) : '');
}

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** Patterns written in the intent under `holder[key]`, each with its location. */
export function intentPatterns(ctx: ControlContext, holder: object, key: string): ActionPatterns {
  const list = (holder as Record<string, unknown>)[key];
  const patterns = Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
  return { patterns, locations: patterns.map((_, i) => ctx.intent.sources.locate(list as object, i)) };
}

export function generatedPatterns(patterns: string[], location: SourceLocation | undefined): ActionPatterns {
  return { patterns, locations: patterns.map(() => location), generated: true };
}

export function concatPatterns(...lists: (ActionPatterns | undefined)[]): ActionPatterns {
  const out: ActionPatterns = { patterns: [], locations: [] };
  for (const l of lists) {
    if (!l) continue;
    out.patterns.push(...l.patterns);
    out.locations.push(...l.locations);
    if (l.generated) out.generated = true;
  }
  return out;
}

/**
 * Splits patterns by a set of actions: patterns wholly inside go to `inside`, wholly outside to
 * `outside`, and a pattern that straddles the boundary is replaced by the exact actions on each side.
 */
export function partitionPatterns(ctx: ControlContext, list: ActionPatterns, scope: ActionSet): { inside: ActionPatterns; outside: ActionPatterns } {
  const inside: ActionPatterns = { patterns: [], locations: [], generated: list.generated };
  const outside: ActionPatterns = { patterns: [], locations: [], generated: list.generated };
  const ref = ctx.reference;
  list.patterns.forEach((p, i) => {
    const matched = ref.expandList([p]).actions;
    const loc = list.locations[i];
    if (matched.isSubsetOf(scope)) {
      inside.patterns.push(p);
      inside.locations.push(loc);
    } else if (!matched.intersects(scope)) {
      outside.patterns.push(p);
      outside.locations.push(loc);
    } else {
      for (const id of matched) {
        const target = scope.has(id) ? inside : outside;
        target.patterns.push(ref.actions[id]!.qualified);
        target.locations.push(loc);
      }
    }
  });
  return { inside, outside };
}

export function isEmptyPatterns(p: ActionPatterns | undefined): boolean {
  return !p || p.patterns.length === 0;
}

/** A condition block as written in the intent (YAML scalars) in the policy model's form (strings). */
export function conditionFromIntent(block: ConditionBlock | undefined): Condition {
  const out: Condition = {};
  for (const [op, keys] of Object.entries(block ?? {})) {
    out[op] = {};
    for (const [key, v] of Object.entries(keys)) out[op][key] = (Array.isArray(v) ? v : [v]).map(String);
  }
  return out;
}

/** `ArnNotLike aws:PrincipalArn`: the statement does not apply to these principals. */
export function exceptPrincipalsCondition(principals: readonly string[] | undefined): Condition {
  return principals && principals.length ? { ArnNotLike: { 'aws:PrincipalArn': [...principals] } } : {};
}

/**
 * Combines condition blocks as one statement (all must hold). Two blocks may name the same operator
 * and key only when joining their values means the same as requiring both: true for the negated
 * operators (not equal to a and not equal to b = not equal to any of a, b), false for the others.
 */
export function mergeConditions(...blocks: (Condition | undefined)[]): Condition | string {
  const out: Condition = {};
  for (const block of blocks) {
    for (const [op, keys] of Object.entries(block ?? {})) {
      const target = (out[op] ??= {});
      for (const [key, values] of Object.entries(keys)) {
        const existing = Object.keys(target).find((k) => k.toLowerCase() === key.toLowerCase());
        if (existing === undefined) {
          target[key] = [...values];
          continue;
        }
        const parsed = parseOperator(op);
        const joinable = parsed.ok && parsed.operator.negated && parsed.operator.set !== 'ForAnyValue';
        if (!joinable) return `both the control and its conditions use ${op} on ${key}; write them as one condition`;
        target[existing] = [...new Set([...target[existing]!, ...values])];
      }
    }
  }
  return out;
}

/** Like mergeConditions, reporting a conflict as an error at the control. */
export function combine(ctx: ControlContext, control: Control, ...blocks: (Condition | undefined)[]): Condition {
  const merged = mergeConditions(...blocks);
  if (typeof merged === 'string') {
    ctx.diagnostics.push(error('conflicting-conditions', `control ${control.id}: ${merged}`, ctx.intent.sources.locate(control as object, 'conditions')));
    return {};
  }
  return merged;
}

/**
 * aws:PrincipalOrgPaths values for `orgPaths`: written paths are kept; OU references become
 * `o-.../r-.../ou-.../.../*` from the ids in the tree (validate reports missing ids).
 */
export function orgPathValues(ctx: ControlContext, refs: readonly string[]): string[] {
  const org = ctx.intent.organization;
  const tree = ctx.intent.tree;
  const out: string[] = [];
  for (const ref of refs) {
    if (ref.startsWith('o-')) {
      out.push(ref);
      continue;
    }
    const r = tree?.resolve(ref);
    if (!r?.ok) continue;
    const ids: string[] = [];
    for (let n: typeof r.node | undefined = r.node; n; n = n.parent) ids.unshift(n.kind === 'root' ? (n.id ?? org.rootId ?? '') : (n.id ?? ''));
    if (ids.some((id) => !id)) continue;
    out.push(`${org.id}/${ids.join('/')}/*`);
  }
  return out;
}

export function controlLocation(ctx: ControlContext, control: Control, key?: string): SourceLocation | undefined {
  return key ? ctx.intent.sources.locateKey(control as object, key) : ctx.intent.sources.locate(control as object);
}

