/**
 * Advance Pay registration and funding documents (R-ADVANCE-PAY, 003). A payer registers; it asks for a funding
 * document (US bank transfer or EFT) and the engine issues one with a reference; the transfer quotes the reference,
 * and receiving it funds the balance through the store's `fundAdvancePay` keyed by the reference — so the same bank
 * notification delivered twice, or two at once, funds once.
 */
import { randomBytes } from 'node:crypto';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from './connection';
import { run as translated } from './repository';
import { assertIsoDate } from './dates';
import { NotFoundError, StoreConflictError } from './errors';
import { advancePayAccounts, advancePayFundingDocuments, invoices } from './schema';
import type { AdvancePayAccount, FundingMethod, IsoDate } from './types';

/** An open invoice a payer's balance could pay (R-ADVANCE-PAY: funds arriving during grace). */
export interface PayableInvoice {
  invoiceId: string;
  partnerId: string;
  /** Fee plus tax: what the balance must cover whole. */
  total: number;
  issuedOn: IsoDate;
}

export type FundingDocumentStatus = 'issued' | 'funded';

export interface FundingDocument {
  reference: string;
  payerAccountId: string;
  amount: number;
  method: FundingMethod;
  issuedOn: IsoDate;
  status: FundingDocumentStatus;
  fundedOn: IsoDate | null;
  fundedAmount: number | null;
}

export interface AdvancePayStatement extends AdvancePayAccount {
  registeredOn: IsoDate | null;
  documents: FundingDocument[];
}

type FundAdvancePay = (input: {
  key: string;
  payerAccountId: string;
  amount: number;
  method: FundingMethod;
  on: IsoDate;
}) => Promise<AdvancePayAccount>;

type DocumentRow = typeof advancePayFundingDocuments.$inferSelect;

const toDocument = (r: DocumentRow): FundingDocument => ({
  reference: r.reference,
  payerAccountId: r.payerAccountId,
  amount: r.amount,
  method: r.method as FundingMethod,
  issuedOn: r.issuedOn,
  status: r.status as FundingDocumentStatus,
  fundedOn: r.fundedOn,
  fundedAmount: r.fundedAmount,
});

/** The key of the funding a document's transfer brings: one funding per reference, ever. */
export const fundingKeyOf = (reference: string): string => `funding-document:${reference}`;

/** `AP-` and 12 characters a person can read out (no 0/O, 1/I). */
function newReference(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(12);
  return `AP-${[...bytes].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

export class AdvancePayDocuments {
  constructor(
    private readonly db: Db,
    private readonly fund: FundAdvancePay,
    private readonly account: (payerAccountId: string) => Promise<AdvancePayAccount | undefined>,
  ) {}

  /** Registers the payer for Advance Pay (once; registering again changes nothing). */
  async register(payerAccountId: string, on: IsoDate): Promise<{ statement: AdvancePayStatement; created: boolean }> {
    assertIsoDate('on', on);
    return translated(async () => {
      const inserted = await this.db
        .insert(advancePayAccounts)
        .values({ payerAccountId, registeredOn: on })
        .onConflictDoNothing({ target: advancePayAccounts.payerAccountId })
        .returning();
      // Funded before registration was recorded (the scenario's billing block): registering now dates it.
      if (inserted.length === 0) {
        await this.db
          .update(advancePayAccounts)
          .set({ registeredOn: on })
          .where(and(eq(advancePayAccounts.payerAccountId, payerAccountId), isNull(advancePayAccounts.registeredOn)));
      }
      const statement = await this.statement(payerAccountId);
      if (!statement) throw new Error(`advance pay account ${payerAccountId} vanished`);
      return { statement, created: inserted.length > 0 };
    });
  }

  /** Balance, funding history and funding documents of a registered payer. */
  async statement(payerAccountId: string): Promise<AdvancePayStatement | undefined> {
    const [row] = await this.db
      .select()
      .from(advancePayAccounts)
      .where(eq(advancePayAccounts.payerAccountId, payerAccountId));
    if (!row) return undefined;
    const account = await this.account(payerAccountId);
    const documents = await this.db
      .select()
      .from(advancePayFundingDocuments)
      .where(eq(advancePayFundingDocuments.payerAccountId, payerAccountId))
      .orderBy(asc(advancePayFundingDocuments.issuedOn), asc(advancePayFundingDocuments.createdAt));
    return {
      payerAccountId,
      balance: account?.balance ?? row.balance,
      fundings: account?.fundings ?? [],
      registeredOn: row.registeredOn,
      documents: documents.map(toDocument),
    };
  }

  /** Issues a funding document for a registered payer; its reference is what the transfer must quote. */
  async issueDocument(input: {
    payerAccountId: string;
    amount: number;
    method: FundingMethod;
    on: IsoDate;
  }): Promise<FundingDocument> {
    assertIsoDate('on', input.on);
    return translated(async () => {
      await this.requireRegistered(input.payerAccountId);
      const [row] = await this.db
        .insert(advancePayFundingDocuments)
        .values({
          reference: newReference(),
          payerAccountId: input.payerAccountId,
          amount: input.amount,
          method: input.method,
          issuedOn: input.on,
        })
        .returning();
      if (!row) throw new Error('funding document insert returned nothing');
      return toDocument(row);
    });
  }

  /**
   * The transfer quoting `reference` arrived with `amount`: funds the payer's balance once per reference (a repeat
   * with the same amount returns what the first did, `funded: false`; another amount is a conflict).
   */
  async receiveTransfer(input: {
    payerAccountId: string;
    reference: string;
    amount: number;
    on: IsoDate;
  }): Promise<{ document: FundingDocument; account: AdvancePayAccount; funded: boolean }> {
    assertIsoDate('on', input.on);
    return translated(async () => {
      const [doc] = await this.db
        .select()
        .from(advancePayFundingDocuments)
        .where(eq(advancePayFundingDocuments.reference, input.reference));
      if (!doc || doc.payerAccountId !== input.payerAccountId) {
        throw new NotFoundError('funding document', `${input.reference} of payer ${input.payerAccountId}`);
      }
      if (doc.status === 'funded' && doc.fundedAmount !== input.amount) {
        throw new StoreConflictError(
          'funding-document-funded',
          `funding document ${input.reference} was already funded with ${String(doc.fundedAmount)}`,
        );
      }
      // Keyed by the reference: a concurrent or repeated receipt of the same transfer is a no-op in the store.
      const account = await this.fund({
        key: fundingKeyOf(input.reference),
        payerAccountId: input.payerAccountId,
        amount: input.amount,
        method: doc.method as FundingMethod,
        on: input.on,
      });
      const [updated] = await this.db
        .update(advancePayFundingDocuments)
        .set({ status: 'funded', fundedOn: input.on, fundedAmount: input.amount })
        .where(
          and(
            eq(advancePayFundingDocuments.reference, input.reference),
            eq(advancePayFundingDocuments.status, 'issued'),
          ),
        )
        .returning();
      const document = updated
        ? toDocument(updated)
        : toDocument(
            (
              await this.db
                .select()
                .from(advancePayFundingDocuments)
                .where(eq(advancePayFundingDocuments.reference, input.reference))
            )[0] ?? doc,
          );
      // Only one receipt moves the document from issued to funded: that one reports the funding.
      return { document, account, funded: updated !== undefined };
    });
  }

  /** The payer's open invoices, oldest first: what funds arriving now could pay. */
  async openInvoicesOf(payerAccountId: string): Promise<PayableInvoice[]> {
    const rows = await this.db
      .select()
      .from(invoices)
      .where(and(eq(invoices.payerAccountId, payerAccountId), eq(invoices.status, 'open')))
      .orderBy(asc(invoices.issuedOn), asc(invoices.id));
    return rows.map((r) => ({
      invoiceId: r.id,
      partnerId: r.partnerId,
      total: Math.round((r.amount + r.vatAmount) * 100) / 100,
      issuedOn: r.issuedOn,
    }));
  }

  private async requireRegistered(payerAccountId: string): Promise<void> {
    const [row] = await this.db
      .select({ registeredOn: advancePayAccounts.registeredOn })
      .from(advancePayAccounts)
      .where(eq(advancePayAccounts.payerAccountId, payerAccountId));
    if (!row?.registeredOn) {
      throw new StoreConflictError(
        'advance-pay-not-registered',
        `payer ${payerAccountId} is not registered for Advance Pay: register it first`,
      );
    }
  }
}
