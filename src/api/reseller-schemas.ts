/**
 * Request and response shapes of reseller billing (R-RESELLER, 002): enrolment of a reseller organization, its
 * invitations, usage per member account and month, the monthly consolidated bills with the partner's invoices to its
 * customers, and a customer's billing view. Money at the API is USD with at most 2 decimals (integer cents inside).
 */
import { z } from 'zod';
import { AccountIdSchema, IsoDateSchema, IsoMonthSchema } from '../domain/evidence';
import { OrganizationIdSchema } from './billing-schemas';

const Usd = (max: number) =>
  z
    .number({ error: 'expected an amount in USD (a number)' })
    .min(0, 'amount must not be negative')
    .max(max, `amount is over $${max.toLocaleString('en-US')}`)
    .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'amount has at most 2 decimals (USD)');

export const EnrolmentParams = z.object({ orgId: OrganizationIdSchema });
export const InvitationParams = z.object({
  invitationId: z.coerce
    .number({ error: 'invitation id is a positive whole number' })
    .int('invitation id is a positive whole number')
    .positive('invitation id is a positive whole number')
    .max(2_147_483_647, 'invitation id is too large'),
});
export const UsageParams = z.object({ accountId: AccountIdSchema, month: IsoMonthSchema });
export const BillParams = z.object({ orgId: OrganizationIdSchema, month: IsoMonthSchema });
export const BillingViewParams = z.object({ accountId: AccountIdSchema });

export const EnrolmentBody = z
  .object({
    partnerId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'partner id: lowercase letters, digits and dashes')
      .meta({ description: 'The APN partner whose management account runs the organization' }),
    discountPercent: z
      .number({ error: 'expected a percentage (a number)' })
      .min(0, 'discount must not be negative')
      .max(100, 'discount is at most 100 %')
      .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'discount has at most 2 decimals')
      .default(0)
      .meta({ description: 'The partner’s discount on the usage, passed on to its customers (default 0)' }),
    billingFrom: IsoMonthSchema.optional().meta({ description: 'First month billed (default: this month)' }),
  })
  .strict()
  .meta({ id: 'ResellerEnrolmentRequest' });
export type EnrolmentBody = z.infer<typeof EnrolmentBody>;

export const EnrolmentSchema = z
  .object({
    organizationId: z.string(),
    partnerId: z.string(),
    discountPercent: z.number(),
    billingFrom: z.string(),
    enrolledOn: IsoDateSchema,
    workflowId: z.string().meta({ description: 'The monthly cycle in the Temporal Web UI' }),
  })
  .meta({ id: 'ResellerEnrolment' });

export const InvitationBody = z
  .object({ accountId: AccountIdSchema.meta({ description: 'The customer’s AWS account' }) })
  .strict()
  .meta({ id: 'InvitationRequest' });

export const InvitationSchema = z
  .object({
    id: z.number().int(),
    organizationId: z.string(),
    accountId: z.string(),
    invitedOn: IsoDateSchema,
    expiresOn: IsoDateSchema.meta({ description: 'From this day on it can no longer be answered (15 days)' }),
    status: z.enum(['invited', 'accepted', 'declined', 'expired']),
    respondedOn: IsoDateSchema.nullable(),
    workflowId: z.string(),
  })
  .meta({ id: 'Invitation' });

export const InvitationListSchema = z.object({ items: z.array(InvitationSchema) }).meta({ id: 'InvitationList' });

export const InvitationListQuery = z
  .object({ status: z.enum(['invited', 'accepted', 'declined', 'expired']).optional() })
  .strict();

export const UsageBody = z
  .object({
    items: z
      .array(
        z
          .object({
            service: z.string().trim().min(1, 'service is required').max(200),
            amount: Usd(10_000_000).meta({ description: 'USD of the month for this service' }),
          })
          .strict(),
      )
      .max(500, 'at most 500 items'),
  })
  .strict()
  .meta({ id: 'UsageRecordRequest' });
export type UsageBody = z.infer<typeof UsageBody>;

const UsageItemSchema = z.object({ service: z.string(), amount: z.number() });

export const UsageRecordSchema = z
  .object({
    accountId: z.string(),
    month: z.string(),
    organizationId: z.string(),
    items: z.array(UsageItemSchema),
    total: z.number(),
    recordedOn: IsoDateSchema,
  })
  .meta({ id: 'UsageRecord' });

export const CloseMonthBody = z
  .object({ month: IsoMonthSchema.meta({ description: 'The ended month whose usage is complete' }) })
  .strict()
  .meta({ id: 'MonthClosing' });

export const BillPaymentBody = z
  .object({ amount: Usd(1_000_000_000).meta({ description: 'USD paid: the whole bill' }) })
  .strict()
  .meta({ id: 'ConsolidatedBillPayment' });

const CustomerInvoiceSchema = z
  .object({
    accountId: z.string(),
    month: z.string(),
    usage: z.number().meta({ description: 'USD of the account’s usage' }),
    amount: z.number().meta({ description: 'USD the partner invoices: the account’s share of the bill' }),
    issuedOn: IsoDateSchema,
    partnerId: z.string(),
  })
  .meta({ id: 'ResellerInvoice' });

export const BillSchema = z
  .object({
    organizationId: z.string(),
    month: z.string(),
    partnerId: z.string(),
    payerAccountId: z.string().meta({ description: 'The partner’s management account: AWS bills it' }),
    usage: z.number(),
    discount: z.number(),
    total: z.number(),
    issuedOn: IsoDateSchema,
    status: z.enum(['issued', 'paid']),
    paidOn: IsoDateSchema.nullable(),
    lines: z.array(z.object({ accountId: z.string(), usage: z.number(), share: z.number() })),
  })
  .meta({ id: 'ConsolidatedBill' });

export const BillDetailSchema = BillSchema.extend({ invoices: z.array(CustomerInvoiceSchema) }).meta({
  id: 'ConsolidatedBillDetail',
});

export const BillListSchema = z.object({ items: z.array(BillSchema) }).meta({ id: 'ConsolidatedBillList' });

export const BillingViewSchema = z
  .object({
    accountId: z.string(),
    billing: z.string().meta({ example: 'Reseller Billing by Partner (Consolidated Billing)' }),
    paysAws: z.boolean().meta({ description: 'False for a customer of a reseller: the partner pays AWS' }),
    payerAccountId: z.string(),
    organizationId: z.string().nullable(),
    partnerId: z.string().nullable(),
    usage: z.array(UsageRecordSchema),
    invoices: z.array(CustomerInvoiceSchema),
  })
  .meta({ id: 'BillingView' });
