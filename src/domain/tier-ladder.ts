/**
 * The tier ladder as plain data and functions (DOMAIN §1), free of zod so workflow code can import it.
 * `registered` is not a tier: it means Partner Central access (FAQ 9).
 */
export const TRACKS = ['consulting', 'technology'] as const;
export const TIERS = ['registered', 'select', 'advanced', 'premier'] as const;
export type Track = (typeof TRACKS)[number];
export type Tier = (typeof TIERS)[number];

/** Tiers above `registered` that exist on a track, lowest first (premier is consulting only). */
export function tiersForTrack(track: Track): readonly Tier[] {
  return track === 'consulting' ? ['select', 'advanced', 'premier'] : ['select', 'advanced'];
}

/** Position on the ladder: registered 0, select 1, advanced 2, premier 3. */
export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}

/** Whether `tier` exists on `track` (premier does not exist for technology partners). */
export function tierExistsOnTrack(tier: Tier, track: Track): boolean {
  return tier === 'registered' || tiersForTrack(track).includes(tier);
}

/** The only tier an application may target (R-UPGRADE: one step up), or null at the top of the track. */
export function nextTierUp(tier: Tier, track: Track): Tier | null {
  const next = TIERS[tierRank(tier) + 1];
  return next !== undefined && tierExistsOnTrack(next, track) ? next : null;
}

/** The higher of two tiers. */
export function maxTier(a: Tier, b: Tier): Tier {
  return tierRank(a) >= tierRank(b) ? a : b;
}

/** Human name of a tier: `Select`. */
export function tierLabel(tier: Tier): string {
  return tier.charAt(0).toUpperCase() + tier.slice(1);
}
