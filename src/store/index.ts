/** The persistence layer: `createStore(config)` over embedded PGlite or PostgreSQL. */
export { createStore, INVITATION_TTL_DAYS, type Store } from './store';
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
export * from './types';
export type { PartnerView, PartnerViewInput } from './partner-views';
