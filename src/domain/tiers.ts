/**
 * zod schemas for tracks and tiers (DOMAIN §1). The ladder itself lives zod-free in ./tier-ladder so
 * workflow code can import it; `standard` is the pre-2019 name of `select` (FAQ 8).
 */
import { z } from 'zod';
import { TIERS, TRACKS, tierExistsOnTrack, type Tier } from './tier-ladder';

export * from './tier-ladder';

export const TrackSchema = z.enum(TRACKS);

/** A tier as emitted by the engine: never `standard`. */
export const TierSchema = z.enum(TIERS);

/** A tier as accepted on input: `standard` is read as `select` (FAQ 8). */
export const TierInputSchema = z
  .enum([...TIERS, 'standard'], {
    error: () => `expected one of ${TIERS.join(', ')} (or standard, the old name of select)`,
  })
  .transform((t): Tier => (t === 'standard' ? 'select' : t));

/** `{ track, tier }` with `standard` read as `select`; refuses premier on the technology track. */
export const TrackTierSchema = z.object({ track: TrackSchema, tier: TierInputSchema }).superRefine((v, ctx) => {
  if (!tierExistsOnTrack(v.tier, v.track)) {
    ctx.addIssue({ code: 'custom', path: ['tier'], message: 'premier exists for consulting partners only' });
  }
});
export type TrackTier = z.infer<typeof TrackTierSchema>;
