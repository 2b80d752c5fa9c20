/** deny-actions: sample actions are denied (to outsiders, for an RCP); the excepted principal may. */
import type { ControlPlacement } from '../../compile/index.js';
import type { RequestSpec } from '../../evaluate/index.js';
import { resourceArnMatcher } from '../../evaluate/index.js';
import type { DenyActionsControl } from '../../intent/index.js';
import { DEFAULT_REGION, resourceOrg } from '../from-tests.js';
import { conditionalDenyScenarios } from './conditional-denies.js';
import type { Generator } from './generator.js';
import { sampleActions } from './samples.js';

export function denyActionsScenarios(gen: Generator, c: DenyActionsControl, p: ControlPlacement): void {
  if (c.conditions && Object.keys(c.conditions).length) return conditionalDenyScenarios(gen, p, (action) => concreteResource(gen, c, action));
  const set = p.statements[0]?.actions?.set;
  if (!set) return;
  const type = c.type ?? 'scp';
  for (const action of sampleActions(gen.ref, set).slice(0, 5)) {
    const resource = concreteResource(gen, c, action);
    if (!resource) continue;
    const principal = type === 'rcp' ? gen.outsider() : gen.principal(gen.account, 'developer');
    gen.deny(`${action} is denied`, { principal, action, resource });
    const except = (c.exceptPrincipals ?? []).find((e) => /:role\/[^*?]+$/.test(e));
    if (except) gen.allow(`the excepted principal ${except.split('/').pop()} may ${action}`, { principal: gen.principal(gen.account, except.split('/').pop()!), action, resource });
  }
}

function concreteResource(gen: Generator, c: DenyActionsControl, action: string): RequestSpec['resource'] | undefined {
  if (c.resources && !c.resources.includes('*')) {
    const parts = c.resources[0]!.split(':');
    if (parts.length < 6) return undefined;
    parts[3] = parts[3] === '*' ? DEFAULT_REGION : parts[3]!;
    parts[4] = parts[4] === '*' ? gen.account : parts[4]!;
    const arn = parts.join(':').replace(/\*/g, 'sample').replace(/\?/g, 'a');
    return { arn, account: gen.account, ...resourceOrg(gen.world, gen.account) };
  }
  const r = gen.resource(action);
  if (c.notResources?.some((n) => resourceArnMatcher(n)(r.arn))) return undefined;
  return r;
}
