/**
 * Request and response shapes of the payment endpoints (R-PAID, R-ADVANCE-PAY): a payer's eligible methods, a
 * payment of a named invoice, the bank's outcome. Money in requests is USD with at most 2 decimals.
 */
import { z } from 'zod';
import { AccountIdSchema, IsoDateSchema } from '../domain/evidence';
import { PAYER_PAYMENT_METHODS, PAYMENT_METHODS } from '../domain/payments';

const Usd = z
  .number()
  .positive()
  .max(1_000_000, 'amount is over $1,000,000: no fee is that large')
  .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'amount has at most 2 decimals (USD)');

export const PayerMethodSchema = z.enum(PAYER_PAYMENT_METHODS).meta({
  description: 'A method a payer account pays with (its eligible ones: GET /accounts/{accountId}/payment-methods)',
});

export const PaymentIdSchema = z
  .string()
  .regex(/^PAY-[A-Z0-9]{12}$/, 'payment id looks like PAY-7K3M9Q2X4W8R')
  .meta({ description: 'A payment id' });

export const PaymentParams = z.object({ paymentId: PaymentIdSchema });

export const PaymentMethodsBody = z
  .object({
    methods: z
      .array(PayerMethodSchema)
      .min(1, 'name at least one method')
      .refine((m) => new Set(m).size === m.length, 'each method once'),
  })
  .strict()
  .meta({ id: 'PaymentMethodsUpdate' });

export const PaymentMethodsSchema = z
  .object({
    payerAccountId: z.string(),
    methods: z.array(PayerMethodSchema),
    configured: z.boolean().meta({ description: 'False: the payer has no list of its own and the default applies' }),
  })
  .meta({ id: 'PaymentMethods' });

export const InvoicePaymentBody = z
  .object({
    invoiceId: z.string().min(1).max(200).meta({ description: 'The invoice paid, e.g. acme/invoice/2019' }),
    payerAccountId: AccountIdSchema.meta({ description: 'The payer account the invoice is billed to' }),
    amount: Usd.meta({ description: 'USD: the invoice total (fee plus tax)' }),
    method: PayerMethodSchema,
    paidOn: IsoDateSchema.optional().meta({ description: 'Business date (default: today)' }),
  })
  .strict()
  .meta({ id: 'InvoicePayment' });

export const PaymentOutcomeBody = z
  .object({
    outcome: z.enum(['succeeded', 'failed']).meta({ description: 'What the bank answered' }),
    reason: z.string().trim().min(1).max(500).optional().meta({ description: 'Why it failed' }),
    processedOn: IsoDateSchema.optional().meta({ description: 'Business date (default: today)' }),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.reason !== undefined && b.outcome !== 'failed') {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a reason goes with outcome "failed" only' });
    }
  })
  .meta({ id: 'PaymentOutcome' });

export const PaymentSchema = z
  .object({
    id: z.string(),
    invoiceId: z.string(),
    partnerId: z.string(),
    payerAccountId: z.string(),
    method: z.enum(PAYMENT_METHODS),
    amount: z.number().meta({ description: 'USD' }),
    amountCents: z.number().int(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    reference: z.string().nullable(),
    recordedBy: z.string(),
    recordedOn: IsoDateSchema,
    processedOn: IsoDateSchema.nullable(),
    failureReason: z.string().nullable(),
    settledOn: IsoDateSchema.nullable().meta({ description: 'When the partner’s lifecycle took it (fee paid)' }),
  })
  .meta({ id: 'Payment' });

export const PaymentListSchema = z.object({ items: z.array(PaymentSchema) }).meta({ id: 'PaymentList' });
