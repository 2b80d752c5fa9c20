/**
 * region-deny: a regional action outside the allowed Regions is denied, inside allowed; global
 * services and excepted principals work anywhere; Bedrock inference leaves the allowed Regions only
 * through the cross-Region inference profiles of the geographies the control lets out.
 */
import type { ControlPlacement } from '../../compile/index.js';
import type { RequestSpec } from '../../evaluate/index.js';
import type { RegionDenyControl } from '../../intent/index.js';
import type { Generator } from './generator.js';
import { inGeography, SAMPLE_REGIONS } from './geographies.js';
import { profileGeographies } from './region-limits.js';

export function regionDenyScenarios(gen: Generator, c: RegionDenyControl, p: ControlPlacement): void {
  const who = gen.principal(gen.account, 'deployer');
  const outside = ['ap-southeast-2', 'sa-east-1', 'af-south-1'].find((r) => !c.allowedRegions.includes(r))!;
  const inside = c.allowedRegions[0]!;
  const exempt = p.statements.find((s) => s.draft.role === 'region-deny')?.notActions?.set;
  const regional = gen.ref.action('ec2:RunInstances');
  if (regional && !exempt?.has(regional.id)) {
    gen.deny(`ec2:RunInstances in ${outside} is denied`, { principal: who, action: 'ec2:RunInstances', resource: { arn: `arn:aws:ec2:${outside}:${gen.account}:instance/*`, account: gen.account }, region: outside });
    gen.allow(`ec2:RunInstances in ${inside} is allowed`, { principal: who, action: 'ec2:RunInstances', resource: { arn: `arn:aws:ec2:${inside}:${gen.account}:instance/*`, account: gen.account }, region: inside });
    const except = (c.exceptPrincipals ?? []).find((e) => /:role\/[^*?]+$/.test(e));
    if (except) gen.allow(`the excepted principal ${except.split('/').pop()} may work in ${outside}`, { principal: gen.principal(gen.account, except.split('/').pop()!), action: 'ec2:RunInstances', resource: { arn: `arn:aws:ec2:${outside}:${gen.account}:instance/*`, account: gen.account }, region: outside });
  }
  const globalAction = gen.ref.action('iam:CreateRole');
  if (globalAction && exempt?.has(globalAction.id)) gen.letThrough(`the global service IAM works from ${outside}`, { principal: who, action: 'iam:CreateRole', resource: { arn: `arn:aws:iam::${gen.account}:role/new`, account: gen.account }, region: outside });
  const cris = p.statements.find((s) => s.draft.role === 'bedrock-cross-region-inference');
  if (cris) {
    const modelIn = (region: string) => `arn:aws:bedrock:${region}::foundation-model/amazon.titan-text-express-v1`;
    // The destination side of cross-Region inference: the model in the Region the request is routed
    // to, with the profile it came through, whose ARN names the Region it was sent to. Only routes a
    // profile of that geography can take are generated.
    const through = (prefix: string, from: string, to: string): RequestSpec => ({
      principal: who,
      action: 'bedrock:InvokeModel',
      resource: { arn: modelIn(to), account: gen.account },
      region: to,
      context: { 'bedrock:InferenceProfileArn': `arn:aws:bedrock:${from}:${gen.account}:inference-profile/${prefix}.amazon.titan-text-express-v1` },
    });
    const notAllowed = (g: string) => SAMPLE_REGIONS.find((r) => inGeography(g, r) && !c.allowedRegions.includes(r));
    // The geographies the statement lets through, read from what it compiled to.
    const allowed = profileGeographies(p);
    for (const g of allowed.filter((x) => x !== 'global').slice(0, 2)) {
      const from = c.allowedRegions.find((r) => inGeography(g, r));
      const to = notAllowed(g);
      if (from && to) gen.letThrough(`Bedrock inference routed to ${to} through a ${g}. cross-Region profile is let through`, through(g, from, to));
    }
    if (!allowed.includes('global')) gen.deny(`Bedrock inference routed to ${outside} through a global. profile (any Region) is denied`, through('global', inside, outside));
    const other = ['apac', 'eu', 'us'].find((g) => !allowed.includes(g));
    const otherTo = other && notAllowed(other);
    const otherFrom = other && SAMPLE_REGIONS.find((r) => inGeography(other, r) && r !== otherTo);
    if (other && otherTo && otherFrom) gen.deny(`Bedrock inference routed to ${otherTo} through a ${other}. profile (a geography not allowed) is denied`, through(other, otherFrom, otherTo));
    gen.deny(`Bedrock inference in ${outside} without an inference profile is denied`, { principal: who, action: 'bedrock:InvokeModel', resource: { arn: modelIn(outside), account: gen.account }, region: outside });
  }
}
