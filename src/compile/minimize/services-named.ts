/**
 * The services a policy needs from the reference to be minimized on its own: those its actions and
 * condition keys name (and its resource ARNs, where a service of that name exists). `minimize` then loads those service files only, and levels 1 and 2, the checks
 * and the proof decide over them as over the whole reference (minimize-policy.ts, `partialReference`).
 */
import type { PolicyDocument } from '../../policy/index.js';
import type { MinimizePolicyResult } from './minimize-policy.js';
import { actionGlob, hasWildcard, isPatternError, parseActionPattern } from '../../reference/index.js';

/**
 * The names (as `all` spells them) of the services the policy needs, or undefined when only the whole
 * reference will do: a name the reference does not have or that cannot be parsed (its hint compares it
 * with every service), a condition key outside `aws:` that names no service.
 *
 * `*` needs no more (see NamedServices.load), nor does a NotAction list: an action of a service it does not name matches it, on input and on
 * output alike, as long as the output names only the services loaded (outputNamesOnly checks that).
 */
export function servicesNamedBy(doc: PolicyDocument, all: readonly string[]): NamedServices | undefined {
  const byLower = new Map(all.map((n) => [n.toLowerCase(), n]));
  const needed = new Set<string>();
  let universal = false;
  for (const s of doc.statements) {
    for (const text of s.action ?? s.notAction ?? []) {
      const p = parseActionPattern(text);
      if (isPatternError(p)) return undefined;
      if (text === '*') {
        universal = true;
        continue;
      }
      if (hasWildcard(p.service)) {
        const glob = actionGlob(p.service);
        const matched = all.filter((n) => glob.test(n));
        if (matched.length === 0) return undefined;
        for (const n of matched) needed.add(n);
        continue;
      }
      const name = byLower.get(p.service.toLowerCase());
      if (name === undefined) return undefined;
      needed.add(name);
    }
    // A Resource's ARN service, when a service of that name defines it (most do), so that telling an ARN
    // that matches nothing (a warning the caller answers with the whole reference) knows it.
    for (const r of [...(s.resource ?? []), ...(s.notResource ?? [])]) {
      const name = r.startsWith('arn:') ? byLower.get((r.split(':')[2] ?? '').toLowerCase()) : undefined;
      if (name !== undefined) needed.add(name);
    }
    for (const block of Object.values(s.condition ?? {})) {
      for (const key of Object.keys(block)) {
        const colon = key.indexOf(':');
        if (colon < 0) return undefined;
        const prefix = key.slice(0, colon).toLowerCase();
        if (prefix === 'aws') continue;
        const name = byLower.get(prefix);
        if (name === undefined) return undefined;
        needed.add(name);
      }
    }
  }
  const named = [...needed].sort();
  const representative = universal ? all.find((n) => !needed.has(n)) : undefined;
  return { named, load: representative === undefined ? named : [...named, representative].sort() };
}

export interface NamedServices {
  /** The services the policy names: the only ones an output pattern may name that the input did not write. */
  named: string[];
  /**
   * The services to load: the named ones and, when the policy writes `*`, one other. Every service the
   * policy does not name is matched alike by every pattern of its input and its output (by `*`, or by
   * none), so one of them stands for all in the proof: a `*` dropped or kept wrongly shows up on its actions.
   */
  load: string[];
}

/**
 * Whether every action pattern written names only the given services (or was written so in the input):
 * then each side of the proof decides alike on the actions of every other service, which a partial
 * reference does not hold.
 */
export function outputNamesOnly(statements: readonly { action?: string[]; notAction?: string[] }[], services: readonly string[], input: PolicyDocument): boolean {
  const loaded = new Set(services.map((n) => n.toLowerCase()));
  const written = new Set(input.statements.flatMap((s) => s.action ?? s.notAction ?? []));
  return statements.every((s) =>
    (s.action ?? s.notAction ?? []).every((text) => {
      if (written.has(text)) return true;
      const colon = text.indexOf(':');
      const service = colon < 0 ? undefined : text.slice(0, colon).toLowerCase();
      return service !== undefined && !hasWildcard(service) && loaded.has(service);
    }),
  );
}

/**
 * Diagnostics a reference of the named services gives exactly as the whole one does: they are about a
 * pattern within its service (its actions, its hints). Any other code (an ARN no loaded service knows,
 * a condition the engine cannot evaluate, a proof failure) is decided again on the whole reference.
 */
const SAME_ON_NAMED_SERVICES: ReadonlySet<string> = new Set(['unknown-action', 'unknown-exclusion', 'exclusion-excludes-nothing', 'unknown-access-level-actions']);

/**
 * Whether a result minimized on the services `named` (partialReference) is the one the whole reference
 * gives: it needed no level above 2, every diagnostic is one a partial reference gives alike, and its
 * output names no service it did not load. Otherwise the caller minimizes again on the whole reference.
 */
export function partialResultStands(result: MinimizePolicyResult, named: NamedServices, input: PolicyDocument): boolean {
  if (result.needsWholeReference) return false;
  if (!result.diagnostics.every((d) => SAME_ON_NAMED_SERVICES.has(d.code))) return false;
  return outputNamesOnly(
    result.policies.flatMap((p) => p.statements.map((m) => m.statement)),
    named.named,
    input,
  );
}
