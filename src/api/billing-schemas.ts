/**
 * Request and response shapes of the billing endpoints (R-FEE, R-RESELLER): AWS Organizations, their member
 * accounts, and payer resolution. Every AWS account id entering here is a 12-digit string.
 */
import { z } from 'zod';
import { AccountIdSchema, IsoDateSchema } from '../domain/evidence';
import { PaymentSchema } from './payment-schemas';

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

// ---- Advance Pay (R-ADVANCE-PAY, 003) ----

const Usd = z
  .number()
  .positive()
  .max(10_000_000, 'amount is over $10,000,000')
  .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'amount has at most 2 decimals (USD)');

export const FundingMethodSchema = z
  .enum(['us-bank-transfer', 'eft'])
  .meta({ description: 'A US bank account transfer, or an electronic funds transfer (EFT)' });

export const RegisterAdvancePayBody = z
  .object({ registeredOn: IsoDateSchema.optional().meta({ description: 'Business date (default: today)' }) })
  .strict()
  .meta({ id: 'AdvancePayRegistration' });

export const FundingDocumentBody = z
  .object({
    amount: Usd.meta({ description: 'USD the payer means to add' }),
    method: FundingMethodSchema,
    issuedOn: IsoDateSchema.optional().meta({ description: 'Business date (default: today)' }),
  })
  .strict()
  .meta({ id: 'FundingDocumentRequest' });
export type FundingDocumentBody = z.infer<typeof FundingDocumentBody>;

export const TransferBody = z
  .object({
    reference: z
      .string()
      .regex(/^AP-[A-Z0-9]{12}$/, 'reference is the funding document’s, e.g. AP-7K3M9Q2X4W8R')
      .meta({ description: 'The funding document reference the transfer quoted' }),
    amount: Usd.meta({ description: 'USD the transfer brought' }),
    receivedOn: IsoDateSchema.optional().meta({ description: 'Business date the funds arrived (default: today)' }),
  })
  .strict()
  .meta({ id: 'AdvancePayTransfer' });
export type TransferBody = z.infer<typeof TransferBody>;

export const FundingDocumentSchema = z
  .object({
    reference: z.string(),
    payerAccountId: z.string(),
    amount: z.number(),
    method: FundingMethodSchema,
    issuedOn: IsoDateSchema,
    status: z.enum(['issued', 'funded']),
    fundedOn: IsoDateSchema.nullable(),
    fundedAmount: z.number().nullable(),
  })
  .meta({ id: 'FundingDocument' });

export const AdvancePayStatementSchema = z
  .object({
    payerAccountId: z.string(),
    balance: z.number().meta({ description: 'USD available to pay this payer’s invoices when they fall due' }),
    registeredOn: IsoDateSchema.nullable(),
    fundings: z.array(
      z.object({
        key: z.string(),
        payerAccountId: z.string(),
        amount: z.number(),
        method: FundingMethodSchema,
        on: IsoDateSchema,
      }),
    ),
    documents: z.array(FundingDocumentSchema),
  })
  .meta({ id: 'AdvancePayStatement' });

export const TransferResultSchema = z
  .object({
    document: FundingDocumentSchema,
    balance: z.number(),
    payments: z
      .array(PaymentSchema)
      .meta({ description: 'R-ADVANCE-PAY: the Advance Pay payments of due invoices made (or handed over again) now' }),
    openInvoices: z
      .array(z.object({ invoiceId: z.string(), partnerId: z.string(), total: z.number(), issuedOn: IsoDateSchema }))
      .meta({ description: 'The payer’s open invoices, oldest first: what the balance could now pay' }),
  })
  .meta({ id: 'AdvancePayTransferResult' });
