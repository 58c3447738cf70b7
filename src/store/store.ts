/**
 * The system of record: one repository per concern (partners, evidence, invoices, cases, applications, journal,
 * outbox, payers, Advance Pay), over PGlite or PostgreSQL, joined into the `Store` the activities and the API use.
 * The API's Idempotency-Key records are not part of it: they sit beside it as `store.idempotency`, owned by the API.
 *
 * Every keyed write is idempotent: calling it again with the same key returns what the first call wrote
 * (`created: false` / `changed: false`) and writes nothing, so a retried Temporal activity is harmless.
 */
import { advancePayRepository, type AdvancePayRepository } from './advance-pay';
import { AdvancePayDocuments } from './advance-pay-documents';
import { applicationsRepository, type ApplicationsRepository } from './applications';
import { BillingAccounts } from './billing-accounts';
import { casesRepository, type CasesRepository } from './cases';
import { openConnection, pingConnection, type StoreConfig } from './connection';
import { evidenceRepository, type EvidenceRepository } from './evidence';
import { idempotencyRepository, type IdempotencyRepository } from './idempotency';
import { ImportRepository } from './imports';
import { invoicesRepository, type InvoicesRepository } from './invoices';
import { journalRepository, type JournalRepository } from './journal';
import { outboxRepository, type OutboxRepository } from './outbox';
import { OutboxDelivery } from './outbox-delivery';
import { PartnerViewRepository, type PartnerView, type PartnerViewInput } from './partner-views';
import { partnersRepository, type PartnersRepository } from './partners';
import { payersRepository, type PayersRepository } from './payers';
import { ResellerBilling } from './reseller';
import { Payments } from './payments';

export interface Store
  extends
    PartnersRepository,
    EvidenceRepository,
    InvoicesRepository,
    CasesRepository,
    ApplicationsRepository,
    JournalRepository,
    OutboxRepository,
    PayersRepository,
    AdvancePayRepository {
  readonly driver: 'pglite' | 'postgres';
  /** The API's Idempotency-Key records, on the same database. */
  readonly idempotency: IdempotencyRepository;
  /** Delivery of the outbox: claims, retries, dead letters (src/store/outbox-delivery.ts). */
  readonly outbox: OutboxDelivery;
  /** Organizations with their members and payer resolution (src/store/billing-accounts.ts). */
  readonly accounts: BillingAccounts;
  /** Advance Pay registration and funding documents (src/store/advance-pay-documents.ts). */
  readonly advancePay: AdvancePayDocuments;
  /** Reseller billing: enrolments, usage, consolidated bills, customer invoices (src/store/reseller.ts). */
  readonly reseller: ResellerBilling;
  /** Fee payments, payers' eligible methods, Advance Pay applied when funds arrive (src/store/payments.ts). */
  readonly payments: Payments;
  /** Bulk onboarding jobs and their rows (src/store/imports.ts). */
  readonly imports: ImportRepository;
  /** Writes a partner's view (its read model) unless a same or newer revision is stored (src/store/partner-views.ts). */
  putPartnerView(input: PartnerViewInput): Promise<{ view: PartnerView; applied: boolean }>;
  /** The lifecycle state the partner's workflow last wrote. */
  getPartnerView(partnerId: string): Promise<PartnerView | undefined>;
  /** Resolves when the database answers; rejects otherwise (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Opens (and migrates) the configured database and returns the store over it. */
export async function createStore(config: StoreConfig = {}): Promise<Store> {
  const connection = await openConnection(config);
  const { db } = connection;
  const advancePay = advancePayRepository(db);
  const views = new PartnerViewRepository(db);
  return {
    ...partnersRepository(db),
    ...evidenceRepository(db),
    ...invoicesRepository(db),
    ...casesRepository(db),
    ...applicationsRepository(db),
    ...journalRepository(db),
    ...outboxRepository(db),
    ...payersRepository(db),
    ...advancePay,
    driver: connection.driver,
    idempotency: idempotencyRepository(db),
    outbox: new OutboxDelivery(db),
    accounts: new BillingAccounts(db),
    advancePay: new AdvancePayDocuments(
      db,
      (input) => advancePay.fundAdvancePay(input),
      (payer) => advancePay.getAdvancePay(payer),
    ),
    reseller: new ResellerBilling(db),
    payments: new Payments(db),
    imports: new ImportRepository(db),
    putPartnerView: (input) => views.put(input),
    getPartnerView: (partnerId) => views.get(partnerId),
    ping: () => pingConnection(db),
    close: () => connection.close(),
  };
}
