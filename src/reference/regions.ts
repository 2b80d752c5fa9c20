/** AWS Regions by partition (regions.json, dated): what an intent may name as a Region. */
import data from './regions.json' with { type: 'json' };

export interface RegionInfo {
  code: string;
  name: string;
  partition: string;
  optIn: boolean;
}

const REGIONS: ReadonlyMap<string, RegionInfo> = new Map(
  Object.entries(data.partitions).flatMap(([partition, p]) =>
    Object.entries(p.regions as Record<string, { name: string; optIn?: boolean }>).map(([code, r]) => [code, { code, name: r.name, partition, optIn: r.optIn === true }] as const),
  ),
);

export const REGIONS_DATE: string = data.date;

export function regionInfo(code: string): RegionInfo | undefined {
  return REGIONS.get(code);
}

export function regionCodes(): string[] {
  return [...REGIONS.keys()];
}
