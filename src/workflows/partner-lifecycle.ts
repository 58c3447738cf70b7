/**
 * PartnerLifecycle — one per partner (`partner/<id>`), living for years: monthly scorecard checks, the annual
 * renewal review and fee (R-RENEWAL, R-FEE), the 90-day grace (R-GRACE, R-PAID), downgrade and cancellation cases
 * (R-CASE, R-CANCEL), and upgrade applications run as child workflows (R-UPGRADE, R-PREMIER).
 *
 * Commands arrive as Updates whose validators refuse what the state forbids; accepted commands are queued and
 * applied by the main loop one at a time, so every state change happens in one place, in order.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  getExternalWorkflowHandle,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { currentEdition } from '../domain/catalog';
import { addDays, addMonths, isIsoDate } from '../domain/dates';
import {
  LOOK_BACK_MONTHS,
  checkCommand,
  feeDeadline,
  firstDueBy,
  ineligibility,
  isBlocked,
  lookBackCheckDates,
  lookBackOpen,
  membershipYearOf,
  nextDue,
  nextRenewalReviewDate,
  reinstatableCase,
  renewalReviewDate,
  renewalWithoutReview,
  scorecardRisk,
  stageOf,
  type DueStep,
  type MembershipCommand,
} from '../domain/membership';
import { tierRank } from '../domain/tier-ladder';
import { BusinessClock } from './clock';
import { activities, applicationWorkflowId, enforce, refuse } from './common';
import {
  applicationDecidedSignal,
  applyForUpgradeUpdate,
  decideCaseUpdate,
  evidenceChangedSignal,
  grantExtensionUpdate,
  partnerStatusQuery,
  recordPaymentUpdate,
  reinstateTierUpdate,
  requestCancellationUpdate,
  resolveIncidentUpdate,
  withdrawApplicationSignal,
} from './definitions';
import {
  ApnAtRisk,
  ApnLifecycleStage,
  ApnNeedsAttention,
  ApnPartnerId,
  ApnRenewalDate,
  ApnTier,
  ApnTrack,
} from './search-attributes';
import {
  LifecycleErrorType,
  type ApplicationDecision,
  type ApplicationRef,
  type ApplyCommand,
  type CaseDecisionCommand,
  type CancellationCommand,
  type CaseReason,
  type CaseState,
  type ExtensionCommand,
  type InvoiceState,
  type Incident,
  type IncidentCommand,
  type IncidentStep,
  type IsoDate,
  type LifecycleStage,
  type LifecycleState,
  type PartnerLifecycleInput,
  type PartnerStatus,
  type PaymentCommand,
  type ReinstateCommand,
  type RememberedCommand,
  type Tier,
} from './types';
import { upgradeApplication } from './upgrade-application';

const lifecycle = currentEdition.lifecycle;
/** Monthly summaries kept in state: enough for sustained attainment and a readable recent history. */
const MONTHLY_KEPT = 24;
/** Steps a retried incident re-runs with their own argument (the renewal date). */
const RERUN_WITH_ARG: IncidentStep[] = ['renewal-review', 'renewal-fee'];

type CommandBody = MembershipCommand;
type Command = CommandBody & { id: number; updateId?: string };
type Result = { ok: true; value: unknown } | { ok: false; error: unknown };

/** How many commands' answers the workflow keeps by Update id (exactly once across continue-as-new). */
const RECENT_COMMANDS_KEPT = 200;

function initialState(input: PartnerLifecycleInput, registeredOn: IsoDate): LifecycleState {
  // A partner registered at a fee-paying tier holds that tier for the membership year it is in: taken as paid.
  const holdsPaidTier = tierRank(input.partner.tier) >= tierRank(lifecycle.programFee.fromTier);
  return {
    registeredOn,
    partner: input.partner,
    tier: input.partner.tier,
    cancelled: false,
    atRisk: false,
    paidMembershipYears: holdsPaidTier ? [membershipYearOf(input.partner.renewalDate, registeredOn)] : [],
    cases: [],
    applicationCount: 0,
    monthly: [],
    journalSeq: 0,
    caseSeq: 0,
    runsSoFar: 0,
  };
}

/** One partner's whole membership, for years. */
export async function partnerLifecycle(input: PartnerLifecycleInput): Promise<void> {
  const clock = new BusinessClock(input.clock);
  const startedOn = clock.today();
  const state: LifecycleState = input.state ?? initialState(input, startedOn);
  const partnerId = state.partner.id;
  const incidents: Incident[] = (state.incidents ??= []);
  const queue: Command[] = [];
  const results = new Map<number, Result>();
  let commandSeq = 0;
  let waitingFor = 'starting';

  // ---- journal: the partner's timeline, written by an idempotent activity (key = partner + sequence) ----
  const pending: { key: string; on: IsoDate; type: string; data: Record<string, unknown> }[] = [];
  function record(on: IsoDate, type: string, data: Record<string, unknown> = {}): void {
    state.journalSeq += 1;
    pending.push({ key: `${partnerId}#${state.journalSeq}`, on, type, data });
  }
  async function flushJournal(): Promise<void> {
    if (pending.length === 0 || blocked('journal')) return;
    const entries = pending.splice(0, pending.length);
    const written = await guarded('journal', clock.today(), async () => {
      await activities.appendJournal({ partnerId, entries });
    });
    // Kept for the retry: the journal is idempotent on each entry's key.
    if (!written) pending.unshift(...entries);
  }

  // ---- incidents: work that failed for a business reason waits for an operator; the calendar goes on ----
  const blocked = (step: IncidentStep, on?: IsoDate): boolean => isBlocked(state, step, on);
  function openIncident(step: IncidentStep, on: IsoDate, failure: ActivityFailure, extra: Partial<Incident> = {}) {
    state.incidentSeq = (state.incidentSeq ?? 0) + 1;
    const cause = failure.cause instanceof ApplicationFailure ? failure.cause : undefined;
    const incident: Incident = {
      id: String(state.incidentSeq),
      step,
      on,
      openedOn: clock.today(),
      activity: failure.activityType,
      ...(cause?.type ? { errorType: cause.type } : {}),
      reason: cause?.message ?? failure.message,
      ...extra,
    };
    incidents.push(incident);
    log.warn('incident opened', { partnerId, ...incident });
    record(incident.openedOn, 'incident-opened', { ...incident });
    return incident;
  }
  /**
   * Runs one step; an activity that failed for good (a business refusal, or retries exhausted) opens an incident
   * instead of failing the partner's workflow. Resolves whether the step completed.
   */
  async function guarded(
    step: IncidentStep,
    on: IsoDate,
    work: () => Promise<void>,
    extra: Partial<Incident> = {},
  ): Promise<boolean> {
    try {
      await work();
      return true;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      openIncident(step, on, error, extra);
      return false;
    }
  }

  // ---- derived views ----
  const stage = (): LifecycleStage => stageOf(state);
  function status(): PartnerStatus {
    const today = clock.today();
    return {
      partnerId,
      today,
      tier: state.tier,
      track: state.partner.track,
      stage: stage(),
      cancelled: state.cancelled,
      atRisk: state.atRisk,
      atRiskReason: state.atRiskReason,
      nextRenewalReview: nextRenewalReviewDate(state, lifecycle),
      invoice: state.invoice,
      openCases: state.cases,
      application: state.application,
      monthly: state.monthly,
      incidents: [...incidents],
      waitingFor,
    };
  }

  // ---- Web UI visibility ----
  let lastPublished = '';
  async function publish(): Promise<void> {
    const today = clock.today();
    const renewalReview = nextRenewalReviewDate(state, lifecycle);
    const needsAttention = incidents.length > 0;
    const snapshot = JSON.stringify([
      state.tier,
      state.atRisk,
      stage(),
      renewalReview,
      state.application?.ebrWindow,
      needsAttention,
    ]);
    setCurrentDetails(details(today));
    if (snapshot === lastPublished) return;
    lastPublished = snapshot;
    // Upserts are history events: only when something a search would see has changed.
    upsertSearchAttributes([
      { key: ApnPartnerId, value: partnerId },
      { key: ApnTrack, value: state.partner.track },
      { key: ApnTier, value: state.tier },
      { key: ApnLifecycleStage, value: stage() },
      { key: ApnAtRisk, value: state.atRisk },
      { key: ApnNeedsAttention, value: needsAttention },
      { key: ApnRenewalDate, value: new Date(`${renewalReview}T00:00:00Z`) },
    ]);
    if (blocked('status-sync')) return;
    const synced = await guarded('status-sync', today, async () => {
      await activities.syncPartnerStatus({
        partnerId,
        tier: state.tier,
        atRisk: state.atRisk,
        lifecycleStage: stage(),
        nextEbrWindow: state.application?.ebrWindow ?? null,
        nextRenewalReview: renewalReview,
      });
    });
    // The incident changes what a search sees: publish again (the blocked sync is skipped).
    if (!synced) await publish();
  }

  function details(today: IsoDate): string {
    return [
      `**${state.partner.name}** (${state.partner.track}) — tier **${state.tier}** as of ${today}`,
      `Stage: ${stage()}${state.atRisk ? ` — AT RISK: ${state.atRiskReason ?? ''}` : ''}`,
      `Waiting for: ${waitingFor}`,
      state.invoice
        ? `Open invoice ${state.invoice.id}: $${state.invoice.total} due by ${state.invoice.deadline}`
        : 'No open invoice',
      state.application
        ? `Application #${state.application.number} → ${state.application.targetTier} (${state.application.workflowId})`
        : 'No application in progress',
      ...incidents.map((i) => `NEEDS ATTENTION — incident ${i.id}: ${i.step} of ${i.on} failed: ${i.reason}`),
    ].join('\n');
  }

  // ---- state changes ----
  async function changeTier(on: IsoDate, to: Tier, reason: string, by: string, caseId?: string): Promise<void> {
    const from = state.tier;
    if (from === to) return;
    state.tier = to;
    await activities.recordTierChange({
      key: `${partnerId}#tier#${state.journalSeq + 1}`,
      partnerId,
      from,
      to,
      on,
      reason,
      by,
      caseId,
    });
    record(on, 'tier-changed', { from, to, reason, by, ...(caseId ? { caseId } : {}) });
    if (tierRank(to) < tierRank(from)) await withdrawApplication(on, reason, by);
  }

  async function openCase(on: IsoDate, reason: CaseReason, targetTier: Tier, extra: Partial<CaseState> = {}) {
    state.caseSeq += 1;
    const key = `${partnerId}#case#${state.caseSeq}`;
    const { caseId } = await activities.openCase({
      key,
      partnerId,
      kind: reason === 'cancellation-requested' ? 'cancellation' : 'downgrade',
      reason,
      openedOn: on,
      fromTier: state.tier,
      targetTier,
    });
    const opened: CaseState = { id: caseId, reason, openedOn: on, fromTier: state.tier, targetTier, ...extra };
    state.cases.push(opened);
    record(on, 'case-opened', { caseId, reason, fromTier: opened.fromTier, targetTier });
    return opened;
  }

  async function closeCase(c: CaseState, on: IsoDate, outcome: string): Promise<void> {
    await activities.closeCase({ caseId: c.id, outcome, closedOn: on });
    state.cases = state.cases.filter((x) => x.id !== c.id);
    record(on, 'case-closed', { caseId: c.id, reason: c.reason, outcome });
  }

  function setAtRisk(on: IsoDate, atRisk: boolean, reason?: string): void {
    if (atRisk && !state.atRisk) record(on, 'at-risk', { reason });
    if (!atRisk && state.atRisk) record(on, 'at-risk-cleared', {});
    state.atRisk = atRisk;
    state.atRiskReason = atRisk ? reason : undefined;
  }

  async function invoiceFee(on: IsoDate, membershipYear: IsoDate, reason: 'renewal' | 'upgrade'): Promise<void> {
    if (state.paidMembershipYears.includes(membershipYear)) return;
    if (state.invoice?.membershipYear === membershipYear) return;
    const issued = await activities.issueFeeInvoice({ partnerId, membershipYear, reason, on });
    state.invoice = {
      id: issued.invoiceId,
      membershipYear,
      issuedOn: on,
      total: issued.total,
      payerAccountId: issued.payerAccountId,
      deadline: feeDeadline(on, lifecycle),
      remindersSent: [],
      extended: false,
    };
    record(on, 'fee-invoiced', {
      invoiceId: issued.invoiceId,
      amount: issued.fee,
      tax: issued.tax,
      total: issued.total,
      ...(issued.taxNote ? { taxNote: issued.taxNote } : {}),
      payerAccountId: issued.payerAccountId,
      membershipYear,
      reason,
    });
    if (issued.paidViaAdvancePay) await settleInvoice(on, 'advance-pay');
  }

  async function settleInvoice(on: IsoDate, via: 'payment' | 'advance-pay'): Promise<void> {
    const invoice = state.invoice;
    if (!invoice) return;
    await activities.markInvoicePaid({ invoiceId: invoice.id, paidOn: on, via });
    state.paidMembershipYears = [...state.paidMembershipYears, invoice.membershipYear].slice(-5);
    state.invoice = undefined;
    record(on, 'fee-paid', { invoiceId: invoice.id, total: invoice.total, via });
    // R-PAID: the promotional credit code goes to the Alliance Lead once per paid membership year.
    await activities.sendPromoCreditCode({
      key: `${partnerId}#promo#${invoice.membershipYear}`,
      partnerId,
      membershipYear: invoice.membershipYear,
      on,
    });
    record(on, 'promo-credit-sent', { membershipYear: invoice.membershipYear });
    if (state.atRiskReason === 'fee-unpaid') setAtRisk(on, false);
    // R-GRACE: a payment while the fee-unpaid case is open closes it paid.
    for (const c of state.cases.filter((x) => x.reason === 'fee-unpaid' && x.invoiceId === invoice.id)) {
      await closeCase(c, on, 'paid');
    }
  }

  // ---- scheduled work ----
  /**
   * The monthly scorecard check as of `on`; `lookBack` when it is evaluated retroactively (a month before
   * registration, or the registration day re-evaluated with the look-back). A check of a date already checked
   * replaces that month's summary. Returns the evidence version it read.
   */
  async function monthlyCheck(on: IsoDate, lookBack?: { revision: number }): Promise<number | null> {
    const result = await activities.evaluatePartner({ partnerId, asOf: on });
    if (!state.lastMonthlyCheck || state.lastMonthlyCheck < on) state.lastMonthlyCheck = on;
    const summary = {
      on,
      highestTierMet: result.highestTierMet,
      premierMet: result.premierMet,
      evidenceVersion: result.evidenceVersion,
    };
    state.monthly = [...state.monthly.filter((m) => m.on !== on), summary]
      .sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0))
      .slice(-MONTHLY_KEPT);
    record(on, 'monthly-check', {
      highestTierMet: result.highestTierMet,
      premierMet: result.premierMet,
      evidenceVersion: result.evidenceVersion,
      ...(lookBack ? { lookBack: true, evaluatedOn: clock.today(), revision: lookBack.revision } : {}),
    });
    return result.evidenceVersion;
  }

  /**
   * A partner migrated mid-way (R-PREMIER): the months before registration are checked from the dated evidence, as
   * of each 1st (R-WINDOW ignores later items), then the registration day itself, as for any new partner. Revision 0
   * runs at registration; each evidence change before the first regular monthly check runs the next revision
   * against the evidence as it then stands, so the order in which registration and evidence arrive does not matter.
   */
  async function checkMonthsBeforeRegistration(from: IsoDate, revision = 0): Promise<void> {
    if (!isIsoDate(from)) refuse(LifecycleErrorType.InvalidCommand, `lookBackFrom must be a date YYYY-MM-DD: ${from}`);
    const dates = lookBackCheckDates(from, state.registeredOn);
    const clipped = from < addMonths(state.registeredOn, -LOOK_BACK_MONTHS);
    log.info('monthly look-back', { partnerId, from, checks: dates.length, clipped, revision });
    record(clock.today(), 'monthly-look-back', {
      requestedFrom: from,
      checks: dates.length,
      revision,
      ...(dates.length > 0 ? { firstCheck: dates[0], lastCheck: dates[dates.length - 1] } : {}),
      ...(clipped ? { clippedToMonths: LOOK_BACK_MONTHS } : {}),
    });
    if (dates.length === 0) return;
    const versions: (number | null)[] = [];
    for (const on of dates) versions.push(await monthlyCheck(on, { revision }));
    versions.push(await monthlyCheck(state.registeredOn, revision > 0 ? { revision } : undefined));
    // The oldest version read: a later change (a higher version) re-opens the evaluation; an older one does not.
    const oldest = versions.includes(null) ? null : Math.min(...(versions as number[]));
    state.lookBack = { requestedFrom: from, evidenceVersion: oldest, revisions: revision + 1 };
  }

  /** An evidence change while the look-back is open: re-evaluate it unless every month already read that version. */
  async function evidenceChanged(version: number | undefined): Promise<void> {
    const lookBack = state.lookBack;
    if (!lookBack) return;
    if (!lookBackOpen(state)) {
      state.lookBack = undefined;
      return;
    }
    if (typeof version === 'number' && lookBack.evidenceVersion !== null && version <= lookBack.evidenceVersion) return;
    await checkMonthsBeforeRegistration(lookBack.requestedFrom, lookBack.revisions);
  }

  async function renewalReview(renewalOn: IsoDate): Promise<void> {
    const on = renewalReviewDate(renewalOn, lifecycle);
    state.lastRenewalReview = renewalOn;
    if (state.cancelled || state.tier === 'registered') return;
    const notReviewed = renewalWithoutReview(renewalOn, lifecycle);
    // Workflows that already reviewed such a renewal before this rule keep their history (patched).
    if (notReviewed && patched('renewal-without-review')) {
      record(on, 'compliance-review-skipped', { tier: state.tier, renewalDate: renewalOn, why: notReviewed });
      return;
    }
    const result = await activities.evaluatePartner({ partnerId, asOf: on, targetTier: state.tier });
    const compliant = result.tierMet[state.tier] === true;
    record(on, 'compliance-review', {
      tier: state.tier,
      compliant,
      renewalDate: renewalOn,
      highestTierMet: result.highestTierMet,
      ...(compliant ? {} : { gaps: result.gaps }),
    });
    if (compliant) return;
    const target = result.highestTierMet;
    const c = await openCase(on, 'non-compliant', target, {
      reviewDate: on,
      reinstatableUntil: addDays(on, lifecycle.renewal.reinstatementWindowDays),
    });
    await changeTier(on, target, 'non-compliant', 'renewal-review', c.id);
    await activities.notify({
      key: `${c.id}#opened`,
      partnerId,
      kind: 'downgrade-case-opened',
      recipient: 'alliance-lead',
      on,
      payload: { caseId: c.id, from: c.fromTier, to: target, gaps: result.gaps },
    });
  }

  async function renewalFee(renewalOn: IsoDate): Promise<void> {
    state.lastRenewalInvoice = renewalOn;
    if (state.cancelled || tierRank(state.tier) < tierRank(lifecycle.programFee.fromTier)) return;
    await invoiceFee(renewalOn, renewalOn, 'renewal');
  }

  async function graceStep(on: IsoDate): Promise<void> {
    const invoice = state.invoice;
    if (!invoice) return;
    for (const day of lifecycle.programFee.reminderDays) {
      const due = addDays(invoice.issuedOn, day);
      if (due <= on && due < invoice.deadline && !invoice.remindersSent.includes(day) && !blocked('grace-step', due)) {
        await activities.notify({
          key: `${invoice.id}#reminder#${day}`,
          partnerId,
          kind: 'fee-reminder',
          recipient: 'alliance-lead',
          on: due,
          payload: { invoiceId: invoice.id, day, deadline: invoice.deadline, total: invoice.total },
        });
        // Marked sent once it went out: a failed reminder stays due, blocked by its incident until retried.
        invoice.remindersSent.push(day);
        record(due, 'fee-reminder', { invoiceId: invoice.id, day, deadline: invoice.deadline });
      }
    }
    if (invoice.deadline <= on && !invoice.overdueSince && patched('fee-unpaid-case-decided')) {
      await feeOverdue(invoice);
    } else if (invoice.deadline <= on && !invoice.overdueSince) {
      // Partners whose day 90 passed before the Partner Manager decided these cases keep their recorded history.
      const deadline = invoice.deadline;
      setAtRisk(deadline, true, 'fee-unpaid');
      const c = await openCase(deadline, 'fee-unpaid', 'registered');
      await changeTier(deadline, 'registered', 'fee-unpaid', 'fee-grace', c.id);
      await activities.voidOpenInvoices({ partnerId, on: deadline });
      record(deadline, 'invoice-voided', { invoiceId: invoice.id });
      state.invoice = undefined;
      await activities.notify({
        key: `${c.id}#opened`,
        partnerId,
        kind: 'downgraded-fee-unpaid',
        recipient: 'alliance-lead',
        on: deadline,
        payload: { caseId: c.id, invoiceId: invoice.id },
      });
      await closeCase(c, deadline, 'downgraded-to-registered');
      setAtRisk(deadline, false);
    }
  }

  /**
   * R-GRACE day 90, unpaid: the partner is at risk for downgrade — not downgraded. A fee-unpaid case opens for the
   * Partner Manager to decide (downgrade or keep); the invoice stays open and can still be paid.
   */
  async function feeOverdue(invoice: InvoiceState): Promise<void> {
    const deadline = invoice.deadline;
    invoice.overdueSince = deadline;
    setAtRisk(deadline, true, 'fee-unpaid');
    const c = await openCase(deadline, 'fee-unpaid', 'registered', {
      invoiceId: invoice.id,
      escalateOn: addDays(deadline, lifecycle.programFee.caseEscalationDays),
    });
    for (const recipient of ['partner-manager', 'alliance-lead']) {
      await activities.notify({
        key: `${c.id}#opened#${recipient}`,
        partnerId,
        kind: 'fee-unpaid-case-opened',
        recipient,
        on: deadline,
        payload: { caseId: c.id, invoiceId: invoice.id, total: invoice.total, decideBy: c.escalateOn },
      });
    }
  }

  /** R-GRACE: a fee-unpaid case undecided after its days is escalated to program admins, once; never decided. */
  async function escalateCases(on: IsoDate): Promise<void> {
    for (const c of state.cases) {
      if (c.reason !== 'fee-unpaid' || c.escalated || !c.escalateOn || c.escalateOn > on) continue;
      await activities.notify({
        key: `${c.id}#escalated`,
        partnerId,
        kind: 'fee-unpaid-case-escalated',
        recipient: 'program-admin',
        on: c.escalateOn,
        payload: { caseId: c.id, invoiceId: c.invoiceId, openedOn: c.openedOn },
      });
      c.escalated = true;
      record(c.escalateOn, 'case-escalated', { caseId: c.id, reason: c.reason });
    }
  }

  /** R-GRACE: the Partner Manager's decision on a fee-unpaid case. */
  async function decideCase(on: IsoDate, cmd: CaseDecisionCommand): Promise<{ caseId: string; outcome: string }> {
    const c = state.cases.find((x) => x.id === cmd.caseId)!;
    record(on, 'case-decided', { caseId: c.id, decision: cmd.decision, reason: cmd.reason, by: cmd.by });
    if (cmd.decision === 'keep') {
      // The tier stays; the invoice stays open (a later payment settles it) and the partner stays at risk until then.
      await closeCase(c, on, 'kept');
      return { caseId: c.id, outcome: 'kept' };
    }
    await changeTier(on, 'registered', 'fee-unpaid', cmd.by, c.id);
    const { voided } = await activities.voidOpenInvoices({ partnerId, on });
    if (state.invoice) record(on, 'invoice-voided', { invoiceId: state.invoice.id, count: voided });
    state.invoice = undefined;
    setAtRisk(on, false);
    await activities.notify({
      key: `${c.id}#downgraded`,
      partnerId,
      kind: 'downgraded-fee-unpaid',
      recipient: 'alliance-lead',
      on,
      payload: { caseId: c.id, reason: cmd.reason },
    });
    await closeCase(c, on, 'downgraded');
    return { caseId: c.id, outcome: 'downgraded' };
  }

  async function expireCases(on: IsoDate): Promise<void> {
    for (const c of [...state.cases]) {
      if (c.reinstatableUntil && c.reinstatableUntil <= on) await closeCase(c, c.reinstatableUntil, 'downgraded');
    }
  }

  /** Runs one scheduled step as of its own date. */
  async function runStep(due: DueStep): Promise<void> {
    switch (due.step) {
      case 'monthly-check':
        return void (await monthlyCheck(due.on));
      case 'renewal-review':
        return await renewalReview(due.arg!);
      case 'renewal-fee':
        return await renewalFee(due.arg!);
      case 'grace-step':
        return await graceStep(due.on);
      case 'case-end':
        return await expireCases(due.on);
      case 'case-escalation':
        return await escalateCases(due.on);
      default:
        return;
    }
  }

  /** Runs every scheduled item whose date has come, oldest first, each as of its own date. */
  async function runDue(): Promise<void> {
    const today = clock.today();
    for (;;) {
      const first = firstDueBy(state, lifecycle, today);
      if (!first) break;
      const done = await guarded(first.step, first.on, () => runStep(first), first.arg ? { arg: first.arg } : {});
      // A failed monthly check is a missed month (its incident can re-run it); the next month still comes.
      if (!done && first.step === 'monthly-check') state.lastMonthlyCheck = first.on;
    }
    refreshAtRisk(today);
  }

  /** An operator's answer to an incident: dismiss it, or run its step again (a new incident if it fails again). */
  async function resolveIncident(on: IsoDate, cmd: IncidentCommand): Promise<{ incidents: Incident[] }> {
    const incident = incidents.find((i) => i.id === cmd.incidentId)!;
    incidents.splice(incidents.indexOf(incident), 1);
    record(on, 'incident-resolved', {
      incidentId: incident.id,
      step: incident.step,
      action: cmd.action,
      by: cmd.by,
      ...(cmd.note ? { note: cmd.note } : {}),
    });
    if (cmd.action === 'retry') {
      // Steps whose calendar marker already moved on are run here; the others are due again and run by runDue.
      const rerun = incident.step === 'monthly-check' || (RERUN_WITH_ARG.includes(incident.step) && incident.arg);
      if (rerun) {
        const due: DueStep = { step: incident.step, on: incident.on, what: 'retry', arg: incident.arg };
        await guarded(incident.step, incident.on, () => runStep(due), incident.arg ? { arg: incident.arg } : {});
      }
    }
    return { incidents: [...incidents] };
  }

  /** At risk by scorecard (search attribute ApnAtRisk), unless an unpaid fee holds it (R-GRACE). */
  function refreshAtRisk(on: IsoDate): void {
    const risk = scorecardRisk(state);
    if (risk) setAtRisk(on, risk.atRisk, risk.reason);
  }

  // ---- commands ----
  async function apply(on: IsoDate, cmd: ApplyCommand): Promise<{ number: number; workflowId: string }> {
    state.applicationCount += 1;
    const number = state.applicationCount;
    const workflowId = applicationWorkflowId(workflowInfo().workflowId, number);
    state.partner = { ...state.partner, feeAccountId: cmd.feeAccountId };
    await activities.recordApplication({
      id: workflowId,
      partnerId,
      number,
      targetTier: cmd.targetTier,
      feeAccountId: cmd.feeAccountId,
      submittedOn: on,
      submittedBy: cmd.by,
      status: 'in-progress',
    });
    await startChild(upgradeApplication, {
      workflowId,
      // The application outlives any one run of this workflow (continue-as-new); it reports back by signal.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: `${state.partner.name}: application #${number} for ${cmd.targetTier}`,
      memo: { partnerName: state.partner.name },
      typedSearchAttributes: [
        { key: ApnPartnerId, value: partnerId },
        { key: ApnTrack, value: state.partner.track },
        { key: ApnTier, value: state.tier },
        { key: ApnLifecycleStage, value: 'application' },
      ],
      args: [
        {
          partnerId,
          parentWorkflowId: workflowInfo().workflowId,
          number,
          track: state.partner.track,
          fromTier: state.tier,
          targetTier: cmd.targetTier,
          submittedOn: on,
          submittedBy: cmd.by,
          feeAccountId: cmd.feeAccountId,
          priorMonthly: state.monthly.filter((m) => m.on <= on),
          clock: { offsetMs: clock.offsetMs },
        },
      ],
    });
    state.application = {
      number,
      workflowId,
      targetTier: cmd.targetTier,
      submittedOn: on,
      status: 'in-progress',
      fromTier: state.tier,
      submittedBy: cmd.by,
      feeAccountId: cmd.feeAccountId,
    };
    record(on, 'application-submitted', { number, targetTier: cmd.targetTier, by: cmd.by, workflowId });
    return { number, workflowId };
  }

  /** Closes the open application from the partner's side (ineligible): its store row and the timeline say why. */
  async function closeApplication(on: IsoDate, application: ApplicationRef, outcome: 'ineligible', reason: string) {
    await activities.recordApplication({
      id: application.workflowId,
      partnerId,
      number: application.number,
      targetTier: application.targetTier,
      feeAccountId: application.feeAccountId ?? state.partner.feeAccountId ?? '000000000000',
      submittedOn: application.submittedOn,
      submittedBy: application.submittedBy ?? 'unknown',
      status: outcome,
      decidedOn: on,
      gaps: [reason],
    });
    record(on, 'application-closed', {
      application: application.number,
      targetTier: application.targetTier,
      outcome,
      reasons: [reason],
    });
  }

  /** R-PREMIER: a cancellation or a downgrade withdraws the open application (its workflow records why). */
  async function withdrawApplication(on: IsoDate, reason: string, by: string): Promise<void> {
    const application = state.application;
    if (!application || !patched('withdraw-open-application')) return;
    state.application = undefined;
    try {
      await getExternalWorkflowHandle(application.workflowId).signal(withdrawApplicationSignal, { reason, by });
    } catch (err) {
      // Already closed: its own decision is on its way back and is ignored (the application is no longer open).
      log.warn('open application could not be withdrawn', { partnerId, application: application.number, err });
    }
  }

  async function decided(on: IsoDate, decision: ApplicationDecision): Promise<void> {
    const application = state.application;
    if (!application || application.number !== decision.number) return;
    state.application = undefined;
    if (decision.outcome !== 'approved') return;
    if (patched('approval-eligibility')) {
      const why = ineligibility(state, application, decision);
      if (why) return await closeApplication(decision.decidedOn, application, 'ineligible', why);
    }
    state.cancelled = false;
    await changeTier(decision.decidedOn, decision.targetTier, 'upgrade-approved', decision.by);
    // R-FEE: an upgrade to Select or above is invoiced when the current membership year is not paid yet.
    if (tierRank(decision.targetTier) >= tierRank(lifecycle.programFee.fromTier)) {
      await invoiceFee(decision.decidedOn, membershipYearOf(state.partner.renewalDate, decision.decidedOn), 'upgrade');
    }
    refreshAtRisk(on);
  }

  async function pay(on: IsoDate, cmd: PaymentCommand): Promise<{ invoiceId: string; paidOn: string }> {
    const invoice = state.invoice!;
    await activities.recordPayment({ invoiceId: invoice.id, amount: cmd.amount, paidOn: on });
    await settleInvoice(on, 'payment');
    return { invoiceId: invoice.id, paidOn: on };
  }

  async function extend(on: IsoDate, cmd: ExtensionCommand): Promise<{ deadline: string }> {
    const invoice = state.invoice!;
    invoice.extended = true;
    invoice.deadline = addDays(invoice.deadline, cmd.days);
    await activities.notify({
      key: `${invoice.id}#extension`,
      partnerId,
      kind: 'fee-extension-granted',
      recipient: 'alliance-lead',
      on,
      payload: { invoiceId: invoice.id, deadline: invoice.deadline, by: cmd.by },
    });
    record(on, 'fee-extension', { invoiceId: invoice.id, days: cmd.days, deadline: invoice.deadline, by: cmd.by });
    return { deadline: invoice.deadline };
  }

  async function cancel(on: IsoDate, cmd: CancellationCommand): Promise<{ caseId: string }> {
    const c = await openCase(on, 'cancellation-requested', 'registered');
    await changeTier(on, 'registered', 'cancellation-requested', cmd.by, c.id);
    const { voided } = await activities.voidOpenInvoices({ partnerId, on });
    if (state.invoice) record(on, 'invoice-voided', { invoiceId: state.invoice.id, count: voided });
    state.invoice = undefined;
    state.cancelled = true;
    state.cancelledOn = on;
    setAtRisk(on, false);
    await closeCase(c, on, 'cancelled');
    return { caseId: c.id };
  }

  async function reinstate(on: IsoDate, cmd: ReinstateCommand): Promise<{ tier: string }> {
    const c = reinstatableCase(state, on)!;
    const result = await activities.evaluatePartner({ partnerId, asOf: c.reviewDate!, targetTier: c.fromTier });
    if (result.tierMet[c.fromTier] !== true) {
      throw ApplicationFailure.create({
        type: LifecycleErrorType.WrongState,
        nonRetryable: true,
        message: `evidence still does not show ${c.fromTier} compliance as of ${c.reviewDate}: ${result.gaps.join('; ')}`,
      });
    }
    await changeTier(on, c.fromTier, 'reinstated', cmd.by, c.id);
    await closeCase(c, on, 'reinstated');
    return { tier: c.fromTier };
  }

  async function runCommand(command: Command): Promise<unknown> {
    const on = clock.today();
    enforce(checkCommand(state, command, on, lifecycle));
    switch (command.kind) {
      case 'apply':
        return await apply(on, command.cmd);
      case 'payment':
        return await pay(on, command.cmd);
      case 'extension':
        return await extend(on, command.cmd);
      case 'cancel':
        return await cancel(on, command.cmd);
      case 'reinstate':
        return await reinstate(on, command.cmd);
      case 'decided':
        return await decided(on, command.decision);
      case 'evidence':
        return await evidenceChanged(command.version);
      case 'incident':
        return await resolveIncident(on, command.cmd);
      case 'decide-case':
        return await decideCase(on, command.cmd);
    }
  }

  function enqueue(command: CommandBody, updateId?: string): number {
    commandSeq += 1;
    queue.push({ ...command, id: commandSeq, ...(updateId === undefined ? {} : { updateId }) });
    return commandSeq;
  }
  /** The answer already given to this Update's id, in this run or (carried in the state) an earlier one. */
  function remembered(): RememberedCommand | undefined {
    const updateId = currentUpdateInfo()?.id;
    return updateId === undefined ? undefined : state.recentCommands?.find((c) => c.id === updateId);
  }
  function remember(command: Command, result: Result): void {
    results.set(command.id, result);
    if (command.updateId === undefined) return;
    const error = result.ok ? undefined : result.error;
    const kept: RememberedCommand = result.ok
      ? { id: command.updateId, ok: true, value: result.value }
      : {
          id: command.updateId,
          ok: false,
          error: {
            type: (error instanceof ApplicationFailure && error.type) || LifecycleErrorType.WrongState,
            message: error instanceof Error ? error.message : String(error),
          },
        };
    state.recentCommands = [...(state.recentCommands ?? []), kept].slice(-RECENT_COMMANDS_KEPT);
  }
  async function submit<T>(command: CommandBody): Promise<T> {
    const seen = remembered();
    if (seen?.ok) return seen.value as T;
    if (seen?.error) refuse(seen.error.type as LifecycleErrorType, seen.error.message);
    const id = enqueue(command, currentUpdateInfo()?.id);
    await condition(() => results.has(id));
    const result = results.get(id)!;
    results.delete(id);
    if (!result.ok) throw result.error;
    return result.value as T;
  }

  // ---- handlers (registered before the first await) ----
  /** An Update's validator: the same check the command runs again when its turn comes. */
  const validate = (command: CommandBody): void => {
    // An Update already answered (before continue-as-new) is answered again, not checked against today's state.
    if (!remembered()) enforce(checkCommand(state, command, clock.today(), lifecycle));
  };
  setHandler(partnerStatusQuery, status);
  setHandler(evidenceChangedSignal, (change) => {
    enqueue({ kind: 'evidence', version: typeof change?.version === 'number' ? change.version : undefined });
  });
  setHandler(applicationDecidedSignal, (decision) => {
    enqueue({ kind: 'decided', decision });
  });
  setHandler(applyForUpgradeUpdate, (cmd) => submit({ kind: 'apply', cmd }), {
    validator: (cmd: ApplyCommand) => validate({ kind: 'apply', cmd }),
  });
  setHandler(recordPaymentUpdate, (cmd) => submit({ kind: 'payment', cmd }), {
    validator: (cmd: PaymentCommand) => validate({ kind: 'payment', cmd }),
  });
  setHandler(grantExtensionUpdate, (cmd) => submit({ kind: 'extension', cmd }), {
    validator: (cmd: ExtensionCommand) => validate({ kind: 'extension', cmd }),
  });
  setHandler(requestCancellationUpdate, (cmd) => submit({ kind: 'cancel', cmd }), {
    validator: (cmd: CancellationCommand) => validate({ kind: 'cancel', cmd }),
  });
  setHandler(decideCaseUpdate, (cmd) => submit({ kind: 'decide-case', cmd }), {
    validator: (cmd: CaseDecisionCommand) => validate({ kind: 'decide-case', cmd }),
  });
  setHandler(resolveIncidentUpdate, (cmd) => submit({ kind: 'incident', cmd }), {
    validator: (cmd: IncidentCommand) => validate({ kind: 'incident', cmd }),
  });
  setHandler(reinstateTierUpdate, (cmd) => submit({ kind: 'reinstate', cmd }), {
    validator: (cmd: ReinstateCommand) => validate({ kind: 'reinstate', cmd }),
  });

  // ---- main loop ----
  if (!input.state) {
    record(startedOn, 'partner-registered', { tier: state.tier, track: state.partner.track });
    if (input.lookBackFrom !== undefined) await checkMonthsBeforeRegistration(input.lookBackFrom);
  }
  state.runsSoFar += 1;
  async function drain(): Promise<void> {
    await runDue();
    while (queue.length > 0) {
      const command = queue.shift()!;
      try {
        remember(command, { ok: true, value: await runCommand(command) });
      } catch (error) {
        if (error instanceof ActivityFailure) {
          // The command's work failed part-way for good: the caller is told, an operator sees the incident.
          const on = clock.today();
          const incident = openIncident('command', on, error, { command: command.kind });
          const refusal = ApplicationFailure.create({
            type: LifecycleErrorType.Incident,
            nonRetryable: true,
            message: `${command.kind} could not be completed: ${incident.reason} (incident ${incident.id})`,
          });
          remember(command, { ok: false, error: refusal });
        } else if (error instanceof ApplicationFailure) {
          remember(command, { ok: false, error });
        } else throw error;
      }
      await runDue();
    }
    await flushJournal();
  }
  for (;;) {
    await drain();
    const next = nextDue(state, lifecycle);
    waitingFor = next ? `${next.what} on ${next.on}, or a command` : 'a command';
    await publish();
    const threshold = input.continueAsNewAfterEvents;
    const info = workflowInfo();
    if (info.continueAsNewSuggested || (threshold !== undefined && info.historyLength >= threshold)) break;
    await clock.waitUntil(next?.on, () => queue.length > 0);
  }

  // Continue as new between commands: update handlers wait on the queue, so keep serving it until all are done.
  waitingFor = 'continue-as-new';
  for (;;) {
    await drain();
    if (queue.length === 0 && allHandlersFinished()) break;
    await condition(() => queue.length > 0 || allHandlersFinished());
  }
  log.info('continuing as new', { partnerId, historyLength: workflowInfo().historyLength, runs: state.runsSoFar });
  await continueAsNew<typeof partnerLifecycle>({ ...input, state });
}
