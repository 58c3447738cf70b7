/** Tracks and the tier ladder (DOMAIN §1). `standard` is the pre-2019 name of `select` (FAQ 8). */
import { z } from 'zod';

export const TRACKS = ['consulting', 'technology'] as const;
export const TIERS = ['registered', 'select', 'advanced', 'premier'] as const;

export const TrackSchema = z.enum(TRACKS);
export type Track = z.infer<typeof TrackSchema>;

/** A tier as emitted by the engine: never `standard`. */
export const TierSchema = z.enum(TIERS);
export type Tier = z.infer<typeof TierSchema>;

/** A tier as accepted on input: `standard` is read as `select` (FAQ 8). */
export const TierInputSchema = z
  .enum([...TIERS, 'standard'], {
    error: () => `expected one of ${TIERS.join(', ')} (or standard, the old name of select)`,
  })
  .transform((t): Tier => (t === 'standard' ? 'select' : t));

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

/** `{ track, tier }` with `standard` read as `select`; refuses premier on the technology track. */
export const TrackTierSchema = z.object({ track: TrackSchema, tier: TierInputSchema }).superRefine((v, ctx) => {
  if (!tierExistsOnTrack(v.tier, v.track)) {
    ctx.addIssue({ code: 'custom', path: ['tier'], message: 'premier exists for consulting partners only' });
  }
});
export type TrackTier = z.infer<typeof TrackTierSchema>;
