/**
 * Request and response shapes of the billing endpoints (R-FEE, R-RESELLER): AWS Organizations, their member
 * accounts, and payer resolution. Every AWS account id entering here is a 12-digit string.
 */
import { z } from 'zod';
import { AccountIdSchema, IsoDateSchema } from '../domain/evidence';

export const OrganizationIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'organization id: lowercase letters, digits and dashes, at most 63');

export const OrganizationParams = z.object({ orgId: OrganizationIdSchema });
export const MemberParams = z.object({ orgId: OrganizationIdSchema, accountId: AccountIdSchema });
export const AccountParams = z.object({ accountId: AccountIdSchema });

export const CreateOrganizationBody = z
  .object({
    id: OrganizationIdSchema,
    name: z.string().trim().min(1).max(200),
    managementAccountId: AccountIdSchema.meta({
      description: 'The management (payer) account: every member account’s invoices go to it (R-FEE)',
    }),
    reseller: z
      .boolean()
      .default(false)
      .meta({ description: 'A reseller’s organization (002): customers’ accounts joined for consolidated billing' }),
    createdOn: IsoDateSchema.optional().meta({ description: 'Business date it exists from (default: today)' }),
  })
  .strict()
  .meta({ id: 'OrganizationCreation' });
export type CreateOrganizationBody = z.infer<typeof CreateOrganizationBody>;

export const AddMemberBody = z
  .object({
    accountId: AccountIdSchema,
    joinedOn: IsoDateSchema.optional().meta({ description: 'Business date it joined (default: today)' }),
  })
  .strict()
  .meta({ id: 'OrganizationMemberAddition' });
export type AddMemberBody = z.infer<typeof AddMemberBody>;

export const OrganizationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    managementAccountId: z.string(),
    reseller: z.boolean(),
  })
  .meta({ id: 'Organization' });

export const OrganizationMemberSchema = z
  .object({ accountId: z.string(), organizationId: z.string(), joinedOn: IsoDateSchema })
  .meta({ id: 'OrganizationMember' });

export const OrganizationDetailSchema = OrganizationSchema.extend({
  members: z.array(OrganizationMemberSchema).meta({ description: 'Every account, the management account included' }),
}).meta({ id: 'OrganizationDetail' });

export const OrganizationListSchema = z.object({ items: z.array(OrganizationSchema) }).meta({ id: 'OrganizationList' });

export const PayerSchema = z
  .object({
    accountId: z.string(),
    payerAccountId: z.string().meta({ description: 'Who pays invoices billed to the account' }),
    organizationId: z.string().nullable(),
    reseller: z.boolean(),
  })
  .meta({ id: 'PayerResolution' });
