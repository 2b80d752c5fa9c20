/** Quota profiles (data, dated in quota-profiles.json) and the effective quotas of an intent. */
import data from './quota-profiles.json' with { type: 'json' };

export interface TypeQuota {
  maxChars: number;
  maxPerTarget: number;
  /** Policies of the type one organization may hold. */
  maxPerOrganization?: number;
}

export interface Quotas {
  profile: string;
  scp: TypeQuota;
  rcp: TypeQuota;
}

export const QUOTA_PROFILE_NAMES: readonly string[] = Object.keys(data.profiles);
export const DEFAULT_QUOTA_PROFILE: string = data.default;

export function quotaProfile(name: string): Quotas | undefined {
  const p = (data.profiles as Record<string, { scp: TypeQuota; rcp: TypeQuota }>)[name];
  return p ? { profile: name, scp: { ...p.scp }, rcp: { ...p.rcp } } : undefined;
}

/** A profile name, or a profile with per-type overrides. Unknown profile names are left to validation. */
export function resolveQuotas(setting: string | { profile?: string; scp?: Partial<TypeQuota>; rcp?: Partial<TypeQuota> } | undefined): Quotas | undefined {
  const name = typeof setting === 'string' ? setting : (setting?.profile ?? DEFAULT_QUOTA_PROFILE);
  const base = quotaProfile(name);
  if (!base) return undefined;
  if (typeof setting === 'object') {
    Object.assign(base.scp, setting.scp ?? {});
    Object.assign(base.rcp, setting.rcp ?? {});
    if (setting.scp || setting.rcp) base.profile = `${name} (overridden)`;
  }
  return base;
}
