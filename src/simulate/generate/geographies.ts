/** Bedrock's cross-Region inference profile geographies (from the controls' data file) and sample Regions of each. */
import geographyData from '../../controls/inference-profile-geographies.json' with { type: 'json' };
import { wildcardTest } from '../../policy/index.js';

type Geography = { name: string; regions: string[]; default: boolean };
const GEOGRAPHIES: Record<string, Geography> = geographyData.geographies;

/**
 * Regions to route to in examples, by geography (the data file gives Region patterns). A request is
 * only generated to one of these or to a Region the intent names.
 */
export const SAMPLE_REGIONS = ['us-east-1', 'us-west-2', 'us-east-2', 'eu-central-1', 'eu-west-1', 'eu-west-3', 'ap-northeast-1', 'ap-southeast-2', 'ap-south-1', 'ap-northeast-3', 'ap-southeast-4', 'us-gov-west-1', 'us-gov-east-1'];

export function inGeography(geography: string, region: string): boolean {
  return (GEOGRAPHIES[geography]?.regions ?? []).some((p) => wildcardTest(p)(region));
}

/** The default geography of a Region: the prefix of the system-defined profiles sent from there. */
export function geographyOf(region: string): string | undefined {
  return Object.entries(GEOGRAPHIES).find(([g, v]) => v.default && inGeography(g, region))?.[0];
}
