/** What a partner's workflow shows: the status query, the Web UI details, search attributes and the store's status. */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { isBlocked, nextRenewalReviewDate, stageOf } from '../../domain/membership';
import { activities } from '../common';
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
import { lifecycle, guarded, type PartnerRun } from './run';

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
    invoice: state.invoice,
    openCases: state.cases,
    application: state.application,
    monthly: state.monthly,
    incidents: [...run.incidents],
    waitingFor: run.waitingFor,
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
  const synced = await guarded(run, 'status-sync', today, async () => {
    await activities.syncPartnerStatus({
      partnerId,
      tier: state.tier,
      atRisk: state.atRisk,
      lifecycleStage: stageOf(state),
      nextEbrWindow: state.application?.ebrWindow ?? null,
      nextRenewalReview: renewalReview,
    });
  });
  // The incident changes what a search sees: publish again (the blocked sync is skipped).
  if (!synced) await publish(run);
}

export function details(run: PartnerRun, today: IsoDate): string {
  const { state } = run;
  return [
    `**${state.partner.name}** (${state.partner.track}) — tier **${state.tier}** as of ${today}`,
    `Stage: ${stageOf(state)}${state.atRisk ? ` — AT RISK: ${state.atRiskReason ?? ''}` : ''}`,
    `Waiting for: ${run.waitingFor}`,
    state.invoice
      ? `Open invoice ${state.invoice.id}: $${state.invoice.total} due by ${state.invoice.deadline}`
      : 'No open invoice',
    state.application
      ? `Application #${state.application.number} → ${state.application.targetTier} (${state.application.workflowId})`
      : 'No application in progress',
    ...run.incidents.map((i) => `NEEDS ATTENTION — incident ${i.id}: ${i.step} of ${i.on} failed: ${i.reason}`),
  ].join('\n');
}
