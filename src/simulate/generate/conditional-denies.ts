/**
 * Deny statements with a Condition (custom and import controls, deny-actions with conditions): a
 * request that meets the condition is denied, one that misses it is let through.
 */
import type { ControlPlacement } from '../../compile/index.js';
import type { RequestSpec } from '../../evaluate/index.js';
import { resourceArnMatcher } from '../../evaluate/index.js';
import type { Condition } from '../../policy/index.js';
import type { ActionSet } from '../../reference/index.js';
import { carryable, conditionRequests, holdsWithoutBucketTags, unmodelledKey } from '../condition-scenarios.js';
import { resourceOrg } from '../from-tests.js';
import type { Generator } from './generator.js';
import { concreteArn, sampleActions } from './samples.js';

/**
 * For every Deny statement with a Condition: a request that meets it (denied by this control) and
 * one that misses it (not denied by this control), built by conditionRequests on a sample action
 * and resource of the statement. Statements written with NotAction, and conditions no request could
 * be built for, are listed in `unsimulated` instead.
 */
export function conditionalDenyScenarios(gen: Generator, p: ControlPlacement, resourceOf?: (action: string) => RequestSpec['resource'] | undefined): void {
  p.statements.forEach((s, i) => {
    const d = s.draft;
    if (d.effect !== 'Deny' || !d.condition || Object.keys(d.condition).length === 0) return;
    const what = `${gen.control.id}: statement ${d.sid || i + 1}`;
    const set = s.actions?.set;
    if (!set) return void gen.unsimulated.push(`${what}: written with NotAction`);
    const [action] = sampleActions(gen.ref, carryingAll(gen, set, d.condition));
    const resource = action && (resourceOf ? resourceOf(action) : statementResource(gen, d.resources, d.notResources, action));
    if (!action || !resource) return void gen.unsimulated.push(`${what}: no sample action and resource`);
    const principal = gen.principal(gen.account, 'developer');
    const r = conditionRequests(d.condition, { principal, action, resource }, gen.ref, gen.account, acceptedKeys(gen));
    if ('skip' in r) return void gen.unsimulated.push(`${what}: ${r.skip}`);
    const note = r.absent.length ? ` (no ${action} request carries ${r.absent.join(', ')})` : '';
    const name = d.sid || `statement ${i + 1}`;
    gen.deny(`${action} meeting the condition of ${name} is denied${note}`, r.meets);
    if (r.meets.resource.bucketAbac === true && r.meets.resource.tags) {
      // The same request on a bucket without ABAC: its tags are not in the request (resourceTagsApply).
      const off = { ...r.meets, resource: { ...r.meets.resource, bucketAbac: false } };
      const label = `${action} meeting the condition of ${name}, but on a bucket without ABAC, whose tags do not count,`;
      if (holdsWithoutBucketTags(d.condition)) gen.deny(`${label} is denied`, off);
      else gen.letThrough(`${label} is let through`, off);
    }
    if (r.misses) gen.letThrough(`${action} missing the condition of ${name} is let through`, r.misses);
    else gen.unsimulated.push(`${what}: no ${action} request found that misses the whole condition (only the request that meets it is generated)`);
  });
}

function acceptedKeys(gen: Generator): Set<string> {
  return new Set(gen.world.intent.acceptedConditionKeys.map((k) => k.key.toLowerCase()));
}

/**
 * The actions of a set whose requests can carry every key of the condition (those generated
 * requests model), so that the request meeting it is one AWS can send; the whole set when none can
 * (validate reports keys no action carries, and the scenario then shows the statement never applies).
 */
function carryingAll(gen: Generator, set: ActionSet, condition: Condition): ActionSet {
  const keys = Object.values(condition)
    .flatMap((k) => Object.keys(k))
    .filter((k) => !unmodelledKey(k));
  const accepted = acceptedKeys(gen);
  // Global and accepted keys do not depend on the action: no need to read every action's keys.
  if (keys.every((k) => k.toLowerCase().startsWith('aws:') || accepted.has(k.toLowerCase()))) return set;
  const carrying = gen.ref.emptySet();
  for (const id of set.toArray()) {
    const carried = carryable(gen.ref.actions[id]!.qualified, gen.ref, accepted);
    if (keys.every(carried)) carrying.add(id);
  }
  return carrying.size ? carrying : set;
}

function statementResource(gen: Generator, resources: string[] | undefined, notResources: string[] | undefined, action: string): RequestSpec['resource'] | undefined {
  if (resources && !resources.includes('*')) {
    const arn = concreteArn(resources[0]!, gen.account, gen.region);
    return arn ? { arn, account: gen.account, ...resourceOrg(gen.world, gen.account) } : undefined;
  }
  const r = gen.resource(action);
  if (notResources?.some((n) => resourceArnMatcher(n)(r.arn))) return undefined;
  return r;
}
