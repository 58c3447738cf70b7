/** The partner profile as accepted on input (registration, scenarios): identity, track and tier, renewal date. */
import { z } from 'zod';
import { AccountIdSchema } from './evidence/document';
import { isRenewalMonthDay } from './membership/calendar';
import { currentEdition } from './catalog';
import { TierInputSchema, TrackSchema, tierExistsOnTrack, tierRank, type Tier, type Track } from './tiers';

/** Words that follow `/v1/partners/` as paths of their own (`POST /v1/partners/import`): never a partner's id. */
export const RESERVED_PARTNER_IDS: readonly string[] = ['import'];

export const PartnerIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'partner id: lowercase letters, digits and dashes, at most 63')
  .refine((id) => !RESERVED_PARTNER_IDS.includes(id), {
    message: `partner id: ${RESERVED_PARTNER_IDS.map((w) => `'${w}'`).join(', ')} names an endpoint, not a partner`,
  });

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
/** Region codes Intl names that are not countries (groupings), so never a partner's country. */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO']);

/**
 * An assigned ISO 3166-1 alpha-2 code (R-FEE: any valid country is accepted; whether tax applies is configuration).
 * Intl knows the assigned codes: an unassigned one comes back as itself or as "Unknown Region".
 */
export function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code)) return false;
  const name = regionNames.of(code);
  return name !== undefined && name !== code && name !== 'Unknown Region';
}

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
    .refine(isCountryCode, 'country must be an assigned ISO 3166-1 alpha-2 country code such as US'),
  feeAccountId: AccountIdSchema.optional(),
};

/**
 * Premier exists for consulting partners only (DOMAIN §1); a partner at a fee-paying tier names the AWS account its
 * fee is billed to (R-FEE), refused up front rather than discovered at its first renewal.
 */
export function refineTrackTier(
  p: { track: Track; tier: Tier; feeAccountId?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (!tierExistsOnTrack(p.tier, p.track)) {
    ctx.addIssue({ code: 'custom', path: ['tier'], message: 'premier exists for consulting partners only' });
  }
  const feeFrom = currentEdition.lifecycle.programFee.fromTier;
  if (tierRank(p.tier) >= tierRank(feeFrom) && !p.feeAccountId) {
    ctx.addIssue({
      code: 'custom',
      path: ['feeAccountId'],
      message: `a partner at ${feeFrom} or above needs feeAccountId, the 12-digit AWS account ID its $2,500 fee is billed to`,
    });
  }
}
