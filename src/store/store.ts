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
import { PartnerCache, type PartnerCacheOptions, PARTNER_CHANGED_CHANNEL } from './partner-cache';
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
  /**
   * Partner rows kept in memory until they change (src/store/partner-cache.ts): the API's access check reads them on
   * every partner-scoped request. `getPartner` always asks the database.
   */
  readonly partnerCache: PartnerCache;
  /** Writes a partner's view (its read model) unless a same or newer revision is stored (src/store/partner-views.ts). */
  putPartnerView(input: PartnerViewInput): Promise<{ view: PartnerView; applied: boolean }>;
  /** The lifecycle state the partner's workflow last wrote. */
  getPartnerView(partnerId: string): Promise<PartnerView | undefined>;
  /** Resolves when the database answers; rejects otherwise (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `fn`, dropping the cached partner `idOf(args)` once it settled — succeeded or not, since a write whose answer was
 * lost may have committed.
 */
function invalidating<A extends unknown[], R>(
  cache: PartnerCache,
  idOf: (first: NoInfer<A>[0]) => string,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } finally {
      cache.invalidate(idOf(args[0]));
    }
  };
}

/** Opens (and migrates) the configured database and returns the store over it. */
export async function createStore(config: StoreConfig & { partnerCache?: PartnerCacheOptions } = {}): Promise<Store> {
  const connection = await openConnection(config);
  const { db } = connection;
  const advancePay = advancePayRepository(db);
  const views = new PartnerViewRepository(db);
  const partnerRows = partnersRepository(db);
  const evidence = evidenceRepository(db);
  const partnerCache = new PartnerCache((id) => partnerRows.getPartner(id), config.partnerCache);
  // Writes of another process (or past this store) are heard through the trigger of migration 0010; this process's
  // own writes also drop the entry directly, before their promise resolves, whatever the driver's notification delay.
  const unlisten = await connection.listen(
    PARTNER_CHANGED_CHANNEL,
    (partnerId) => (partnerId === '' ? partnerCache.clear() : partnerCache.invalidate(partnerId)),
    (live) => partnerCache.setLive(live),
  );
  const byId = (partnerId: string) => partnerId;
  return {
    ...partnerRows,
    registerPartner: invalidating(partnerCache, (input) => input.id, partnerRows.registerPartner.bind(partnerRows)),
    unregisterPartner: invalidating(partnerCache, byId, partnerRows.unregisterPartner.bind(partnerRows)),
    updatePartnerStatus: invalidating(partnerCache, byId, partnerRows.updatePartnerStatus.bind(partnerRows)),
    updatePartnerTier: invalidating(partnerCache, byId, partnerRows.updatePartnerTier.bind(partnerRows)),
    ...evidence,
    putEvidence: invalidating(partnerCache, byId, evidence.putEvidence.bind(evidence)),
    changeEvidence: invalidating(partnerCache, byId, evidence.changeEvidence.bind(evidence)),
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
    partnerCache,
    putPartnerView: (input) => views.put(input),
    getPartnerView: (partnerId) => views.get(partnerId),
    ping: () => pingConnection(db),
    close: async () => {
      await unlisten();
      await connection.close();
    },
  };
}
