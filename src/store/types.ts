/**
 * Plain types of the system of record. The vocabulary (tiers, tracks, case reasons, application statuses) is the
 * domain's, imported from its zod-free modules, so a change there is a compile error here.
 */
import type { ApplicationRecordStatus } from '../domain/applications';
import type { CaseKind, CaseReason, CaseStatus } from '../domain/cases';
import type { IsoDate } from '../domain/dates';
import type { PartnerProfile } from '../domain/membership/types';
import type { Tier, Track } from '../domain/tier-ladder';

export { TIERS, TRACKS } from '../domain/tier-ladder';
export type { ApplicationRecordStatus, CaseKind, CaseReason, CaseStatus, IsoDate, Tier, Track };

/** The registration facts of a partner: the domain's profile (id, name, track, tier, renewal date, country). */
type ProfileFacts = Omit<PartnerProfile, 'feeAccountId'>;

export interface Partner extends ProfileFacts {
  /** 12-digit AWS account id the fee is billed to (R-FEE), if known. */
  feeAccountId: string | null;
  allianceLeadId: string;
  /** Alliance Team users named by the registration (their token `sub`); null when it names none. */
  allianceTeamIds: string[] | null;
  partnerManagerIds: string[];
  atRisk: boolean;
  lifecycleStage: string;
  /** EBR window the partner is scheduled in, e.g. `2019-Q3` (R-EBR). */
  nextEbrWindow: string | null;
  evidenceVersion: number;
  createdAt: string;
}

export interface RegisterPartnerInput extends ProfileFacts {
  feeAccountId?: string | null;
  allianceLeadId: string;
  allianceTeamIds?: string[] | null;
  partnerManagerIds?: string[];
}

export interface PartnerStatusPatch {
  atRisk?: boolean;
  lifecycleStage?: string;
  nextEbrWindow?: string | null;
  feeAccountId?: string | null;
  partnerManagerIds?: string[];
}

export interface ListPartnersQuery {
  tier?: Tier;
  track?: Track;
  atRisk?: boolean;
  /** `MM`: partners whose renewal date falls in this month. */
  renewalMonth?: string;
  ebrWindow?: string;
  /** Only partners this partner manager is assigned to. */
  partnerManagerId?: string;
  limit?: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. Absent on the last page. */
  nextCursor?: string;
}

export interface TierChange {
  /** Idempotency key: a retried activity with the same key never writes a second audit record. */
  key: string;
  to: Tier;
  on: IsoDate;
  reason: string;
  by: string;
  caseId?: string | null;
}

export interface AuditRecord {
  seq: number;
  key: string;
  partnerId: string;
  from: Tier;
  to: Tier;
  on: IsoDate;
  reason: string;
  by: string;
  caseId: string | null;
}

export interface EvidenceRecord<T = unknown> {
  partnerId: string;
  version: number;
  document: T;
  recordedOn: IsoDate | null;
  createdAt: string;
}

export type InvoiceReason = 'renewal' | 'upgrade';
export type InvoiceStatus = 'open' | 'paid' | 'voided';
export type PaidVia = 'payment' | 'advance-pay';

export interface Invoice {
  id: string;
  partnerId: string;
  membershipYear: number;
  reason: InvoiceReason;
  amount: number;
  vatAmount: number;
  currency: 'USD';
  /** The account that pays (R-FEE): the fee account's organization's management account, else the fee account. */
  payerAccountId: string;
  /** The partner's fee account the invoice is for (null on invoices issued before it was recorded). */
  feeAccountId: string | null;
  issuedOn: IsoDate;
  dueOn: IsoDate;
  status: InvoiceStatus;
  paidOn: IsoDate | null;
  paidVia: PaidVia | null;
  voidedOn: IsoDate | null;
}

export interface CreateInvoiceInput {
  partnerId: string;
  membershipYear: number;
  reason: InvoiceReason;
  amount: number;
  vatAmount: number;
  payerAccountId: string;
  feeAccountId?: string;
  issuedOn: IsoDate;
  dueOn: IsoDate;
}

export interface Case {
  id: string;
  key: string;
  partnerId: string;
  kind: CaseKind;
  reason: CaseReason;
  openedOn: IsoDate;
  targetTier: Tier;
  status: CaseStatus;
  outcome: string | null;
  closedOn: IsoDate | null;
}

/** A case to open; `key` is its idempotency key, e.g. `<partnerId>/fee-unpaid/<membershipYear>`. */
export type OpenCaseInput = Pick<Case, 'key' | 'partnerId' | 'kind' | 'reason' | 'openedOn' | 'targetTier'>;

export interface Application {
  /** `<partnerId>/application/<n>`. */
  id: string;
  partnerId: string;
  seq: number;
  targetTier: Tier;
  feeAccountId: string;
  submittedOn: IsoDate;
  submittedBy: string;
  status: ApplicationRecordStatus;
  gaps: unknown;
  decidedOn: IsoDate | null;
  ebrWindow: string | null;
  history: unknown[];
}

export interface CreateApplicationInput {
  partnerId: string;
  targetTier: Tier;
  feeAccountId: string;
  submittedOn: IsoDate;
  submittedBy: string;
  /** Optional idempotency key (e.g. the API's Idempotency-Key): a retry returns the same application. */
  key?: string;
}

export interface ApplicationPatch {
  status?: ApplicationRecordStatus;
  gaps?: unknown;
  decidedOn?: IsoDate | null;
  ebrWindow?: string | null;
  /** Entries appended to `history` (never replaced). */
  appendHistory?: unknown[];
}

/** `dead`: the outbox dispatcher gave up after its attempts (a dead letter a program admin may retry). */
export type NotificationStatus = 'pending' | 'sent' | 'dead';

export interface Notification {
  key: string;
  partnerId: string;
  kind: string;
  recipient: string;
  payload: unknown;
  on: IsoDate;
  status: NotificationStatus;
  sentOn: IsoDate | null;
}

/** A notification to queue; `key` makes queueing it again a no-op. */
export type EnqueueNotificationInput = Pick<
  Notification,
  'key' | 'partnerId' | 'kind' | 'recipient' | 'payload' | 'on'
>;

export interface Organization {
  id: string;
  name: string;
  managementAccountId: string;
  /** A reseller's organization (002): customer accounts joined by invitation. */
  reseller: boolean;
}

export interface OrganizationMember {
  accountId: string;
  organizationId: string;
  joinedOn: IsoDate;
}

export type InvitationStatus = 'invited' | 'accepted' | 'declined' | 'expired';

export interface Invitation {
  id: number;
  organizationId: string;
  accountId: string;
  invitedOn: IsoDate;
  /** `invitedOn` + 15 days: from this date on the invitation can no longer be answered (R-RESELLER). */
  expiresOn: IsoDate;
  status: InvitationStatus;
  respondedOn: IsoDate | null;
}

export type FundingMethod = 'us-bank-transfer' | 'eft';

export interface AdvancePayFunding {
  key: string;
  payerAccountId: string;
  amount: number;
  method: FundingMethod;
  on: IsoDate;
}

export interface AdvancePayAccount {
  payerAccountId: string;
  balance: number;
  fundings: AdvancePayFunding[];
}

export type AdvancePayResult =
  | { applied: true; balance: number; alreadyApplied: boolean }
  | { applied: false; reason: 'no-advance-pay' | 'insufficient-balance' | 'invoice-not-open'; balance: number };

export interface StoredResponse {
  callerId: string;
  key: string;
  requestHash: string;
  status: number;
  body: unknown;
}

export interface JournalEntryInput {
  /** Idempotency key, e.g. `<partnerId>#<n>`. */
  key: string;
  on: IsoDate;
  type: string;
  data: Record<string, unknown>;
}

export interface JournalEntry extends JournalEntryInput {
  seq: number;
  partnerId: string;
}
