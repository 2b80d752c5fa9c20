/**
 * What the intent's region-deny controls leave an account: a Region they all allow, and where they
 * let Bedrock inference go. Generated requests use them so that scenarios about other controls are
 * not denied by the region-deny controls.
 */
import type { ControlPlacement } from '../../compile/index.js';
import type { RegionDenyControl } from '../../intent/index.js';
import type { AccountScope } from '../account-scope.js';
import { DEFAULT_REGION } from '../from-tests.js';
import type { World } from '../world.js';

/**
 * A Region every region-deny control over the account allows (us-east-1 when it is one of them, or
 * when no such control applies), so that scenarios about other controls are not denied by those.
 */
export function allowedRegion(world: World, placements: readonly ControlPlacement[], account: string): string {
  return new RegionLimits(world, placements).allowedRegion(account);
}

/**
 * Where the region-deny controls over an account let Bedrock inference go: the Regions they all allow
 * and the cross-Region inference profile geographies (prefixes) each lets out of them, read from what
 * its bedrock-cross-region-inference statement compiled to (none without that statement). Undefined
 * fields: no region-deny control applies, anything goes.
 */
export interface InferenceRoutes {
  regions?: string[];
  geographies?: string[];
}

export function inferenceRoutes(world: World, placements: readonly ControlPlacement[], account: string): InferenceRoutes {
  return new RegionLimits(world, placements).inferenceRoutes(account);
}

/**
 * The region-deny controls of a set of placements, and what they leave each account (allowedRegion,
 * inferenceRoutes), worked out once per account: many controls share their representative account.
 */
export class RegionLimits {
  private regionDenies: { control: RegionDenyControl; placement: ControlPlacement; scope: AccountScope }[] | undefined;
  private readonly regions = new Map<string, string>();
  private readonly routes = new Map<string, InferenceRoutes>();

  constructor(
    private readonly world: World,
    private readonly placements: readonly ControlPlacement[],
  ) {}

  /** The region-deny controls over an account, in the order of the placements. */
  private over(account: string): { control: RegionDenyControl; placement: ControlPlacement }[] {
    // Their scopes are all built on the first question, as every question used to build them: the
    // stand-in accounts they create are numbered in that order.
    this.regionDenies ??= this.placements
      .filter((p) => p.control.kind === 'region-deny' && p.targets.length > 0)
      .map((p) => ({ control: p.control as RegionDenyControl, placement: p, scope: this.world.scopeOf(p.targets, this.world.nodesOf(p.control.exclude)) }));
    return this.regionDenies.filter((r) => r.scope.has(account));
  }

  allowedRegion(account: string): string {
    let region = this.regions.get(account);
    if (region === undefined) {
      let allowed: string[] | undefined;
      for (const { control } of this.over(account)) {
        const regions = control.allowedRegions;
        allowed = allowed ? allowed.filter((r) => regions.includes(r)) : [...regions];
      }
      region = !allowed ? DEFAULT_REGION : allowed.includes(DEFAULT_REGION) ? DEFAULT_REGION : (allowed[0] ?? DEFAULT_REGION);
      this.regions.set(account, region);
    }
    return region;
  }

  inferenceRoutes(account: string): InferenceRoutes {
    let routes = this.routes.get(account);
    if (routes === undefined) {
      routes = {};
      for (const { control, placement } of this.over(account)) {
        const regions = control.allowedRegions;
        routes.regions = routes.regions ? routes.regions.filter((r) => regions.includes(r)) : [...regions];
        const geographies = profileGeographies(placement);
        routes.geographies = routes.geographies ? routes.geographies.filter((g) => geographies.includes(g)) : geographies;
      }
      this.routes.set(account, routes);
    }
    return routes;
  }
}


/** The profile prefixes a region-deny's cross-Region inference statement lets through. */
export function profileGeographies(p: ControlPlacement): string[] {
  const cris = p.statements.find((s) => s.draft.role === 'bedrock-cross-region-inference');
  const arns = cris?.draft.condition?.ArnNotLike?.['bedrock:InferenceProfileArn'] ?? [];
  return arns.map((a) => /inference-profile\/([a-z0-9-]+)\.\*$/.exec(a)?.[1]).filter((g): g is string => g !== undefined);
}
