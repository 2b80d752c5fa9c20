/**
 * Where each statement of a policy on either side of the diff comes from. A compiled policy knows it
 * (its statements' drafts). A deployed one records only its controls (tag guardrails:controls) and its
 * Sids: a Sid that a compiled statement still has names the same drafts; otherwise the statement is the
 * control's whose Sid prefix it carries (compile writes Sids from control ids), or, when it holds one
 * control only, that control's; failing both, it is attributed to every control the policy records.
 */
import type { SourceLocation } from '../diagnostics/index.js';
import { controlsOf, isOwned } from '../org/index.js';
import type { PolicyType } from '../policy/index.js';
import { statementsOf, type AttachedPolicy, type OriginsOf, type StatementOrigin } from '../semantic-diff/index.js';
import type { Deployment } from './deployment.js';

export function deploymentOrigins(d: Deployment): OriginsOf {
  const byContent = new Map<string, StatementOrigin[][]>();
  const bySid = new Map<string, StatementOrigin[]>();
  const controlAt = new Map<string, SourceLocation>();
  for (const p of d.desired) {
    if (!p.origins) continue;
    byContent.set(`${p.type}|${p.content}`, p.origins);
    const read = statementsOf(p.content);
    if (!read.ok) continue;
    read.statements.forEach((s, i) => {
      const origins = p.origins![i] ?? [];
      if (s.sid) bySid.set(`${p.type}|${s.sid}`, origins);
      for (const o of origins) if (o.controlLocation) controlAt.set(o.control, o.controlLocation);
    });
  }
  const deployed = new Map(d.deployed.filter(isOwned).map((p) => [`${p.type}|${p.name}|${p.content}`, p]));
  const origin = (control: string, sid?: string): StatementOrigin => {
    const at = controlAt.get(control);
    return { control, ...(at ? { controlLocation: at } : {}), ...(sid ? { sid } : {}) };
  };
  return (policy: AttachedPolicy, type: PolicyType) => {
    const compiled = byContent.get(`${type}|${policy.content}`);
    if (compiled) return compiled;
    const found = deployed.get(`${type}|${policy.name}|${policy.content}`);
    const controls = found ? controlsOf(found) : undefined;
    if (!controls?.length) return undefined;
    const read = statementsOf(policy.content);
    if (!read.ok) return undefined;
    return read.statements.map((s) => {
      const same = s.sid ? bySid.get(`${type}|${s.sid}`) : undefined;
      if (same) return same;
      // The longest control id that the Sid starts with (allowed-regions before allowed).
      const prefixed = s.sid ? controls.filter((c) => s.sid!.startsWith(pascal(c))).sort((a, b) => pascal(b).length - pascal(a).length) : [];
      if (prefixed.length) return [origin(prefixed[0]!, s.sid)];
      return controls.map((c) => origin(c, s.sid));
    });
  };
}

/** `no-long-term-credentials` -> `NoLongTermCredentials`, as compile spells a control's Sids. */
function pascal(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}
