/**
 * Lifecycle activities: the workflows' only way to read evidence and write the system of record. Every write is
 * idempotent (keyed by partner + membership year, case key, journal key…), so a retry never double-invoices,
 * double-notifies or double-audits. Business refusals are non-retryable ApplicationFailures of named types.
 */
import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import { currentEdition } from '../domain/catalog';
import { ActivityErrorType, EngineError } from '../domain/errors';
import { emptyEvidence, parseStoredEvidence, type PartnerEvidence } from '../domain/evidence';
import { evaluateScorecard } from '../domain/scorecard';
import { feeAmounts } from '../domain/membership';
import type { Tier } from '../domain/tier-ladder';
import {
  NotFoundError,
  StoreConflictError,
  StoreValidationError,
  type ApplicationRecordStatus,
  type JournalEntryInput,
  type OpenCaseInput,
  type Store,
} from '../store';
import type { PartnerStatus } from '../domain/membership';
import { createResellerActivities } from './reseller';

export { ActivityErrorType };

export interface ActivityDependencies {
  store: Store;
  /** Promotional credit codes (R-PAID); random by default, injectable for tests. */
  promoCode?: () => string;
}

export interface PartnerEvaluation {
  highestTierMet: Tier;
  premierMet: boolean;
  tierMet: Partial<Record<Tier, boolean>>;
  /** Gap sentences of the target tier (or of the next tier up when none is given). */
  gaps: string[];
  editionId: string;
  evidenceVersion: number | null;
}

function nonRetryable(type: ActivityErrorType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** The store's and the domain's business errors as non-retryable failures; anything else stays retryable. */
function failureOf(err: unknown): unknown {
  if (err instanceof NotFoundError) return nonRetryable(ActivityErrorType.PartnerNotFound, err.message);
  if (err instanceof StoreConflictError) return nonRetryable(ActivityErrorType.Conflict, err.message);
  if (err instanceof EngineError && err.type === ActivityErrorType.InvalidEvidence) {
    return nonRetryable(ActivityErrorType.InvalidEvidence, err.message);
  }
  return err;
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw failureOf(err);
  }
}

export function createActivities(deps: ActivityDependencies) {
  const { store } = deps;
  const promoCode = deps.promoCode ?? (() => `APN-${randomBytes(6).toString('hex').toUpperCase()}`);

  async function requirePartner(partnerId: string) {
    const partner = await store.getPartner(partnerId);
    if (!partner) throw nonRetryable(ActivityErrorType.PartnerNotFound, `partner '${partnerId}' is not registered`);
    return partner;
  }

  return {
    ...createResellerActivities({ store }),
    /** Evaluates the partner's stored evidence as of a date (R-CAT rules); an empty document when none is stored. */
    async evaluatePartner(input: { partnerId: string; asOf: string; targetTier?: Tier }): Promise<PartnerEvaluation> {
      const partner = await requirePartner(input.partnerId);
      const record = await store.getEvidence(input.partnerId);
      let evidence: PartnerEvidence;
      try {
        evidence = record ? parseStoredEvidence(record) : emptyEvidence(partner.track);
      } catch (err) {
        throw failureOf(err);
      }
      const scorecard = evaluateScorecard(evidence, input.asOf);
      const tierMet: Partial<Record<Tier, boolean>> = {};
      for (const [tier, result] of Object.entries(scorecard.tiers)) {
        if (result) tierMet[tier as Tier] = result.met;
      }
      const target = input.targetTier ?? scorecard.highestTierMet;
      const targetResult = scorecard.tiers[target as keyof typeof scorecard.tiers];
      const gaps =
        targetResult?.requirements
          .filter((r) => r.kind === 'evidence' && r.met === false && r.gap)
          .map((r) => `${r.id}: ${r.gap}`) ?? [];
      return {
        highestTierMet: scorecard.highestTierMet,
        premierMet: tierMet.premier === true,
        tierMet,
        gaps,
        editionId: scorecard.editionId,
        evidenceVersion: record?.version ?? null,
      };
    },

    /**
     * Issues the membership year's fee invoice (R-FEE) once: to the payer of the fee account (its AWS Organization's
     * management account, reseller organizations included), with VAT/GST on top outside the US. Then tries Advance
     * Pay (R-ADVANCE-PAY): applied only when the balance covers the whole invoice.
     */
    async issueFeeInvoice(input: {
      partnerId: string;
      membershipYear: string;
      reason: 'renewal' | 'upgrade';
      on: string;
    }) {
      const partner = await requirePartner(input.partnerId);
      if (!partner.feeAccountId) {
        throw nonRetryable(ActivityErrorType.NoFeeAccount, `partner '${partner.id}' has no fee account ID to bill`);
      }
      const amounts = feeAmounts(partner.country, currentEdition.lifecycle, input.on);
      const feeAccountId = partner.feeAccountId;
      const payer = await store.accounts.resolvePayer(feeAccountId);
      const { invoice, created } = await guard(() =>
        store.createInvoice({
          partnerId: partner.id,
          membershipYear: Number(input.membershipYear.slice(0, 4)),
          reason: input.reason,
          amount: amounts.fee,
          vatAmount: amounts.tax,
          payerAccountId: payer.payerAccountId,
          feeAccountId,
          issuedOn: input.on,
          dueOn: input.on,
        }),
      );
      // A retry finds the invoice issued the first time: it keeps the payer it was issued to.
      const { payerAccountId } = invoice;
      let paidViaAdvancePay = invoice.status === 'paid' && invoice.paidVia === 'advance-pay';
      if (invoice.status === 'open') {
        const applied = await store.applyAdvancePay(payerAccountId, invoice.id, amounts.total, input.on);
        paidViaAdvancePay = applied.applied;
        if (!applied.applied && applied.reason === 'insufficient-balance') {
          await store.enqueueNotification({
            key: `${invoice.id}#advance-pay-insufficient`,
            partnerId: partner.id,
            kind: 'advance-pay-insufficient',
            recipient: `payer:${payerAccountId}`,
            on: input.on,
            payload: { invoiceId: invoice.id, total: amounts.total, balance: applied.balance },
          });
        }
      }
      if (created) {
        log.info('fee invoiced', { partnerId: partner.id, invoiceId: invoice.id, payerAccountId, feeAccountId });
      }
      return {
        invoiceId: invoice.id,
        fee: amounts.fee,
        tax: amounts.tax,
        total: amounts.total,
        ...(amounts.taxNote ? { taxNote: amounts.taxNote } : {}),
        payerAccountId,
        feeAccountId: invoice.feeAccountId ?? feeAccountId,
        ...(payer.organizationId ? { organizationId: payer.organizationId } : {}),
        paidViaAdvancePay,
      };
    },

    /**
     * R-ADVANCE-PAY when funds arrive during grace: pays the open invoice from its payer's balance if the balance
     * covers it whole (applied once per invoice, however often this runs). The caller settles the invoice in the
     * lifecycle when `applied`.
     */
    async applyAdvancePay(input: { invoiceId: string; on: string }) {
      const invoice = await store.getInvoice(input.invoiceId);
      if (!invoice || invoice.status === 'voided') {
        throw nonRetryable(ActivityErrorType.InvoiceNotOpen, `invoice '${input.invoiceId}' is not open`);
      }
      const total = Math.round((invoice.amount + invoice.vatAmount) * 100) / 100;
      const result = await guard(() => store.applyAdvancePay(invoice.payerAccountId, invoice.id, total, input.on));
      return { invoiceId: invoice.id, payerAccountId: invoice.payerAccountId, total, ...result };
    },

    /** Checks a payment against the open invoice (R-PAID). */
    async recordPayment(input: { invoiceId: string; amount: number; paidOn: string }): Promise<void> {
      const invoice = await store.getInvoice(input.invoiceId);
      if (!invoice || invoice.status === 'voided') {
        throw nonRetryable(ActivityErrorType.InvoiceNotOpen, `invoice '${input.invoiceId}' is not open`);
      }
    },

    async markInvoicePaid(input: { invoiceId: string; paidOn: string; via: 'payment' | 'advance-pay' }): Promise<void> {
      await guard(() => store.markInvoicePaid(input.invoiceId, { on: input.paidOn, via: input.via }));
    },

    async voidOpenInvoices(input: { partnerId: string; on: string }): Promise<{ voided: number }> {
      const voided = await store.voidOpenInvoices(input.partnerId, input.on);
      return { voided: voided.length };
    },

    /** Changes the tier with its audit record (R-CASE: from, to, when, why, by whom), once per key. */
    async recordTierChange(input: {
      key: string;
      partnerId: string;
      from: Tier;
      to: Tier;
      on: string;
      reason: string;
      by: string;
      caseId?: string;
    }): Promise<void> {
      await guard(() =>
        store.updatePartnerTier(input.partnerId, {
          key: input.key,
          to: input.to,
          on: input.on,
          reason: input.reason,
          by: input.by,
          caseId: input.caseId ?? null,
        }),
      );
    },

    /** `fromTier` is in the input recorded by running workflows; the case does not keep it. */
    async openCase({ fromTier: _fromTier, ...input }: OpenCaseInput & { fromTier: Tier }): Promise<{ caseId: string }> {
      const { case: opened } = await guard(() => store.openCase(input));
      return { caseId: opened.id };
    },

    async closeCase(input: { caseId: string; outcome: string; closedOn: string }): Promise<void> {
      await guard(() => store.closeCase(input.caseId, { on: input.closedOn, outcome: input.outcome }));
    },

    /** Queues a notification in the outbox, once per key. */
    async notify(input: {
      key: string;
      partnerId: string;
      kind: string;
      recipient: string;
      on: string;
      payload: Record<string, unknown>;
    }): Promise<void> {
      await store.enqueueNotification(input);
    },

    /** R-PAID: the Alliance Lead gets a promotional credit code with redemption instructions, once per year paid. */
    async sendPromoCreditCode(input: { key: string; partnerId: string; membershipYear: string; on: string }) {
      const partner = await requirePartner(input.partnerId);
      const { created } = await store.enqueueNotification({
        key: input.key,
        partnerId: input.partnerId,
        kind: 'promo-credit-code',
        recipient: `alliance-lead:${partner.allianceLeadId}`,
        on: input.on,
        payload: {
          code: promoCode(),
          membershipYear: input.membershipYear,
          instructions: 'Redeem at https://aws.amazon.com/awscredits/ with the AWS account that will use the credits.',
        },
      });
      return { sent: created };
    },

    async syncPartnerStatus(input: {
      partnerId: string;
      tier: Tier;
      atRisk: boolean;
      lifecycleStage: string;
      nextEbrWindow: string | null;
      nextRenewalReview: string;
    }): Promise<void> {
      await guard(() =>
        store.updatePartnerStatus(input.partnerId, {
          atRisk: input.atRisk,
          lifecycleStage: input.lifecycleStage,
          nextEbrWindow: input.nextEbrWindow,
        }),
      );
    },

    /**
     * Writes the partner's read model (the API's partner read) at the workflow's view revision; a late attempt with
     * an older revision changes nothing.
     */
    async savePartnerView(input: {
      partnerId: string;
      revision: number;
      asOf: string;
      status: PartnerStatus;
    }): Promise<{ applied: boolean }> {
      if (input.status?.partnerId !== input.partnerId) {
        throw nonRetryable(
          ActivityErrorType.InvalidView,
          `the view of '${input.partnerId}' carries the status of '${String(input.status?.partnerId)}'`,
        );
      }
      const { applied } = await guard(async () => {
        try {
          return await store.putPartnerView({
            partnerId: input.partnerId,
            revision: input.revision,
            asOf: input.asOf,
            status: { ...input.status },
          });
        } catch (err) {
          // A view the store refuses is refused again on every retry.
          if (err instanceof StoreValidationError) throw nonRetryable(ActivityErrorType.InvalidView, err.message);
          throw err;
        }
      });
      if (!applied) log.info('partner view already newer', { partnerId: input.partnerId, revision: input.revision });
      return { applied };
    },

    /** Creates the application record on submission (idempotent on its workflow id) and updates it afterwards. */
    async recordApplication(input: {
      id: string;
      partnerId: string;
      number: number;
      targetTier: Tier;
      feeAccountId: string;
      submittedOn: string;
      submittedBy: string;
      status: Exclude<ApplicationRecordStatus, 'submitted'>;
      decidedOn?: string;
      gaps?: string[];
      ebrWindow?: string;
    }): Promise<{ applicationId: string }> {
      const { application } = await guard(() =>
        store.createApplication({
          key: input.id,
          partnerId: input.partnerId,
          targetTier: input.targetTier,
          feeAccountId: input.feeAccountId,
          submittedOn: input.submittedOn,
          submittedBy: input.submittedBy,
        }),
      );
      await store.updatePartnerStatus(input.partnerId, { feeAccountId: input.feeAccountId });
      await guard(() =>
        store.updateApplication(application.id, {
          status: input.status,
          ...(input.decidedOn ? { decidedOn: input.decidedOn } : {}),
          ...(input.gaps ? { gaps: input.gaps } : {}),
          ...(input.ebrWindow ? { ebrWindow: input.ebrWindow } : {}),
        }),
      );
      return { applicationId: application.id };
    },

    /** Appends timeline entries (once per key): the story `apn simulate` prints and the API shows. */
    async appendJournal(input: { partnerId: string; entries: JournalEntryInput[] }): Promise<void> {
      await store.appendJournal(input.partnerId, input.entries);
    },
  };
}

export type LifecycleActivities = ReturnType<typeof createActivities>;
