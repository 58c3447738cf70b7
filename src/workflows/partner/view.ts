/** What a partner's workflow shows: the status query, the Web UI details, search attributes and the store's status. */
import { ActivityFailure, log, patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import {
  isBlocked,
  lookBackOpen,
  nextRenewalReviewDate,
  oldestInvoice,
  openInvoices,
  stageOf,
} from '../../domain/membership';
import { storeCallOf } from '../common';
import {
  ApnAtRisk,
  ApnLifecycleStage,
  ApnNeedsAttention,
  ApnPartnerId,
  ApnRenewalDate,
  ApnTier,
  ApnTrack,
} from '../search-attributes';
import type { IsoDate, PartnerStatus } from '../types';
import { fault, lifecycle, type PartnerRun } from './run';

export function status(run: PartnerRun): PartnerStatus {
  const { state, partnerId, clock } = run;
  const today = clock.today();
  return {
    partnerId,
    today,
    tier: state.tier,
    track: state.partner.track,
    stage: stageOf(state),
    cancelled: state.cancelled,
    atRisk: state.atRisk,
    atRiskReason: state.atRiskReason,
    nextRenewalReview: nextRenewalReviewDate(state, lifecycle),
    invoice: oldestInvoice(state),
    invoices: openInvoices(state),
    openCases: state.cases,
    application: state.application,
    monthly: state.monthly,
    incidents: [...run.incidents],
    waitingFor: run.waitingFor,
    evidenceWatched: lookBackOpen(state),
  };
}

export async function publish(run: PartnerRun): Promise<void> {
  const { state, partnerId, clock } = run;
  const today = clock.today();
  const renewalReview = nextRenewalReviewDate(state, lifecycle);
  const needsAttention = run.incidents.length > 0;
  const snapshot = JSON.stringify([
    state.tier,
    state.atRisk,
    stageOf(state),
    renewalReview,
    state.application?.ebrWindow,
    needsAttention,
  ]);
  setCurrentDetails(details(run, today));
  if (snapshot === run.lastPublished) return;
  run.lastPublished = snapshot;
  // Upserts are history events: only when something a search would see has changed.
  upsertSearchAttributes([
    { key: ApnPartnerId, value: partnerId },
    { key: ApnTrack, value: state.partner.track },
    { key: ApnTier, value: state.tier },
    { key: ApnLifecycleStage, value: stageOf(state) },
    { key: ApnAtRisk, value: state.atRisk },
    { key: ApnNeedsAttention, value: needsAttention },
    { key: ApnRenewalDate, value: new Date(`${renewalReview}T00:00:00Z`) },
  ]);
  if (isBlocked(state, 'status-sync')) return;
  try {
    await storeCallOf('syncPartnerStatus')({
      partnerId,
      tier: state.tier,
      atRisk: state.atRisk,
      lifecycleStage: stageOf(state),
      nextEbrWindow: state.application?.ebrWindow ?? null,
      nextRenewalReview: renewalReview,
    });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await fault(run, 'status-sync', today, error);
    // The incident changes what a search sees: publish again (the blocked sync is skipped).
    await publish(run);
  }
}

/**
 * Writes the status query's answer to the store's read model (the API's partner read, src/store/partner-views.ts)
 * when it changed since the last write (a turn on a new business day counts): at most once per turn of the main
 * loop, the only place that calls it.
 */
export async function syncReadModel(run: PartnerRun): Promise<void> {
  if (!patched('partner-read-model')) return;
  const { state, partnerId } = run;
  const view = status(run);
  const fingerprint = JSON.stringify(view);
  if (fingerprint === run.lastViewFingerprint) return;
  // Taken before the write: a write that failed after landing is followed by a higher revision, never the same.
  state.viewRevision = (state.viewRevision ?? 0) + 1;
  try {
    await storeCallOf('savePartnerView')({ partnerId, revision: state.viewRevision, asOf: view.today, status: view });
    run.lastViewFingerprint = fingerprint;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // A read model is not worth an incident: the next turn writes it again.
    log.warn('partner view not written', { partnerId, revision: state.viewRevision, error: error.message });
  }
}

export function details(run: PartnerRun, today: IsoDate): string {
  const { state } = run;
  return [
    `**${state.partner.name}** (${state.partner.track}) — tier **${state.tier}** as of ${today}`,
    `Stage: ${stageOf(state)}${state.atRisk ? ` — AT RISK: ${state.atRiskReason ?? ''}` : ''}`,
    `Waiting for: ${run.waitingFor}`,
    ...(openInvoices(state).length > 0
      ? openInvoices(state).map((i) => `Open invoice ${i.id}: $${i.total} due by ${i.deadline}`)
      : ['No open invoice']),
    state.application
      ? `Application #${state.application.number} → ${state.application.targetTier} (${state.application.workflowId})`
      : 'No application in progress',
    ...run.incidents.map((i) => `NEEDS ATTENTION — incident ${i.id}: ${i.step} of ${i.on} failed: ${i.reason}`),
  ].join('\n');
}
