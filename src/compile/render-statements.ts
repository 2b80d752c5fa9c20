/** Expanded statements in the policy model, ready to render. */
import type { Statement } from '../policy/index.js';
import type { ExpandedStatement } from './expand.js';

export function toPolicyStatement(e: ExpandedStatement, options: { sid: boolean }): Statement {
  const d = e.draft;
  const s: Statement = { effect: d.effect };
  if (options.sid) s.sid = d.sid;
  if (d.principal) s.principal = d.principal;
  if (e.actions) s.action = e.actions.text;
  if (e.notActions) s.notAction = e.notActions.text;
  if (d.resources) s.resource = [...new Set(d.resources)];
  if (d.notResources) s.notResource = [...new Set(d.notResources)];
  if (d.condition && Object.keys(d.condition).length) s.condition = d.condition;
  return s;
}
