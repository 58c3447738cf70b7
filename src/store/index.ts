/** The persistence layer: `createStore(config)` over embedded PGlite or PostgreSQL, one repository per concern. */
export { createStore, type Store } from './store';
export { INVITATION_TTL_DAYS } from './payers';
export type { AdvancePayRepository } from './advance-pay';
export type { ApplicationsRepository } from './applications';
export type { CasesRepository } from './cases';
export type { EvidenceRepository } from './evidence';
export type { IdempotencyRepository } from './idempotency';
export type { InvoicesRepository } from './invoices';
export type { JournalRepository } from './journal';
export type { OutboxRepository } from './outbox';
export type { PartnersRepository } from './partners';
export type { PayersRepository } from './payers';
export { openConnection, defaultMigrationsFolder, type StoreConfig, type Connection, type Db } from './connection';
export { NotFoundError, StoreConflictError, StoreError, StoreValidationError } from './errors';
export { securePrivateDir } from './private-dir';
export {
  AdvancePayDocuments,
  fundingKeyOf,
  type AdvancePayStatement,
  type FundingDocument,
  type FundingDocumentStatus,
  type PayableInvoice,
} from './advance-pay-documents';
export { BillingAccounts, type OrganizationWithMembers, type PayerResolution } from './billing-accounts';
export { OutboxDelivery, type OutboxEntry, type OutboxFilter } from './outbox-delivery';
export { Payments, type Payment, type PayerMethods } from './payments';
export * from './types';
export type { PartnerView, PartnerViewInput } from './partner-views';
export {
  ResellerBilling,
  type ConsolidatedBillRecord,
  type ResellerEnrolment,
  type ResellerInvoice,
  type UsageItem,
  type UsageRecord,
} from './reseller';
export {
  ImportRepository,
  type ImportJob,
  type ImportJobStatus,
  type ImportRow,
  type ImportRowProblem,
  type ImportRowStatus,
  type StagedRow,
} from './imports';
