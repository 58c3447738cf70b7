/** The partner profile as accepted on input (registration, scenarios): identity, track and tier, renewal date. */
import { z } from 'zod';
import { AccountIdSchema } from './evidence';
import { FEE_TAX_RATES, isRenewalMonthDay } from './membership';
import { TierInputSchema, TrackSchema, tierExistsOnTrack, type Tier, type Track } from './tiers';

export const PartnerIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'partner id: lowercase letters, digits and dashes, at most 63');

/** The fields of a partner profile; compose them into an object and refine it with `refineTrackTier`. */
export const partnerProfileShape = {
  id: PartnerIdSchema,
  name: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[^\t\n\r]*$/, 'name must be one line (no tab or line break)'),
  track: TrackSchema,
  tier: TierInputSchema,
  renewalDate: z
    .string()
    .refine(isRenewalMonthDay, 'renewalDate must be a real month-day MM-DD')
    .meta({ pattern: '^(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' }),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'country must be an ISO 3166-1 alpha-2 code such as US')
    .refine((c) => c in FEE_TAX_RATES, 'no VAT/GST rate is known for this country: the fee cannot be billed'),
  feeAccountId: AccountIdSchema.optional(),
};

/** Premier exists for consulting partners only (DOMAIN §1). */
export function refineTrackTier(p: { track: Track; tier: Tier }, ctx: z.RefinementCtx): void {
  if (!tierExistsOnTrack(p.tier, p.track)) {
    ctx.addIssue({ code: 'custom', path: ['tier'], message: 'premier exists for consulting partners only' });
  }
}
