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
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { currentEdition } from '../domain/catalog';
import { addDays, addMonths, addMonthsToMonth, firstDayOf, isIsoDate, maxDate, monthOf } from '../domain/dates';
import {
  feeDeadline,
  membershipYearOf,
  nextRenewalOnOrAfter,
  renewalReviewDate,
  renewalWithoutReview,
} from '../domain/membership';
import { nextTierUp, tierRank } from '../domain/tier-ladder';
import { BusinessClock } from './clock';
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
  type Tier,
} from './types';
import { upgradeApplication } from './upgrade-application';

const lifecycle = currentEdition.lifecycle;
/** Monthly summaries kept in state: enough for sustained attainment and a readable recent history. */
const MONTHLY_KEPT = 24;
/**
 * How far before registration a look-back may reach (a project decision, docs/rules.md): twice the six months
 * R-PREMIER needs, so a migrated partner's whole streak fits with room for one failed month.
 */
const LOOK_BACK_MONTHS = 12;

const activities = proxyActivities<ReturnType<typeof createActivities>>({
  // Activities are short store calls: a dead worker's attempt is retried within seconds, not after a minute.
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes', backoffCoefficient: 2 },
});

type CommandBody =
  | { kind: 'apply'; cmd: ApplyCommand }
  | { kind: 'payment'; cmd: PaymentCommand }
  | { kind: 'extension'; cmd: ExtensionCommand }
  | { kind: 'cancel'; cmd: CancellationCommand }
  | { kind: 'reinstate'; cmd: ReinstateCommand }
  | { kind: 'decided'; decision: ApplicationDecision }
  | { kind: 'evidence'; version?: number }
  | { kind: 'incident'; cmd: IncidentCommand }
  | { kind: 'decide-case'; cmd: CaseDecisionCommand };
type Command = CommandBody & { id: number };

function refuse(type: LifecycleErrorType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

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

/**
 * The look-back check dates for a partner registered on `registeredOn` (R-PREMIER, R-WINDOW): the 1st of every month
 * from the first one on or after `from` (clipped to LOOK_BACK_MONTHS before registration) up to but excluding the
 * registration day. Empty when `from` is on or after the registration day.
 */
export function lookBackCheckDates(from: IsoDate, registeredOn: IsoDate): IsoDate[] {
  const earliest = maxDate(from, addMonths(registeredOn, -LOOK_BACK_MONTHS));
  let on = firstDayOf(monthOf(earliest));
  if (on < earliest) on = firstDayOf(addMonthsToMonth(monthOf(on), 1));
  const dates: IsoDate[] = [];
  for (; on < registeredOn; on = firstDayOf(addMonthsToMonth(monthOf(on), 1))) dates.push(on);
  return dates;
}

/** One partner's whole membership, for years. */
export async function partnerLifecycle(input: PartnerLifecycleInput): Promise<void> {
  const clock = new BusinessClock(input.clock);
  const startedOn = clock.today();
  const state: LifecycleState = input.state ?? initialState(input, startedOn);
  const partnerId = state.partner.id;
  const incidents: Incident[] = (state.incidents ??= []);
  const queue: Command[] = [];
  const results = new Map<number, { ok: true; value: unknown } | { ok: false; error: unknown }>();
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
  function blocked(step: IncidentStep, on?: IsoDate): boolean {
    return incidents.some((i) => i.step === step && (on === undefined || i.on === on));
  }
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
  function openCases(): CaseState[] {
    return state.cases;
  }
  function stage(): LifecycleStage {
    if (state.cancelled) return 'cancelled';
    if (incidents.length > 0) return 'needs-attention';
    if (state.application?.ebrWindow) return 'awaiting-ebr';
    if (state.application) return 'applying';
    if (state.cases.length > 0) return 'downgrade-case-open';
    if (state.invoice) return 'fee-grace';
    return 'active';
  }
  function nextRenewal(from: IsoDate): IsoDate {
    return nextRenewalOnOrAfter(state.partner.renewalDate, from);
  }
  function nextRenewalToHandle(): IsoDate {
    return nextRenewal(state.lastRenewalInvoice ? addDays(state.lastRenewalInvoice, 1) : state.registeredOn);
  }
  /** The next renewal to review; at registration, also one whose review was moved past the registration date. */
  function nextReviewRenewal(): IsoDate {
    if (state.lastRenewalReview) return nextRenewal(addDays(state.lastRenewalReview, 1));
    const candidate = nextRenewal(state.registeredOn);
    const previous = addMonths(candidate, -12);
    const movedPastRegistration =
      previous < state.registeredOn && renewalReviewDate(previous, lifecycle) >= state.registeredOn;
    return movedPastRegistration ? previous : candidate;
  }
  function nextMonthlyCheck(): IsoDate {
    if (state.lastMonthlyCheck) return firstDayOf(addMonthsToMonth(monthOf(state.lastMonthlyCheck), 1));
    // The first check is on the registration day, so the partner's standing (and ApnAtRisk) is known at once.
    return state.registeredOn;
  }
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
      nextRenewalReview: renewalReviewDate(nextReviewRenewal(), lifecycle),
      invoice: state.invoice,
      openCases: openCases(),
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
    const renewalReview = renewalReviewDate(nextReviewRenewal(), lifecycle);
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
      ...(issued.feeAccountId ? { feeAccountId: issued.feeAccountId } : {}),
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

  /** The look-back stays open for re-evaluation until the first regular monthly check after registration. */
  function lookBackOpen(): boolean {
    return !!state.lookBack && (!state.lastMonthlyCheck || state.lastMonthlyCheck <= state.registeredOn);
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
    if (!lookBackOpen()) {
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

  /** The grace steps still to come (reminders not yet sent, then the deadline), oldest first. */
  function graceDates(): IsoDate[] {
    const invoice = state.invoice;
    if (!invoice || invoice.overdueSince) return [];
    const reminders = lifecycle.programFee.reminderDays
      .filter((d) => !invoice.remindersSent.includes(d))
      .map((d) => addDays(invoice.issuedOn, d))
      .filter((d) => d < invoice.deadline);
    return [...reminders, invoice.deadline].sort();
  }

  interface ScheduledStep {
    step: IncidentStep;
    on: IsoDate;
    what: string;
    /** The step's own argument when it is not `on` (the renewal date of a review or fee). */
    arg?: IsoDate;
    run: () => Promise<void>;
  }

  /**
   * What falls due next, in same-day order: monthly check, compliance review, fee, grace, case ends. A step blocked
   * by an open incident is left out, so the rest of the calendar goes on.
   */
  function schedule(): ScheduledStep[] {
    const monthly = nextMonthlyCheck();
    const fee = nextRenewalToHandle();
    const reviewRenewal = nextReviewRenewal();
    const caseEnd = state.cases
      .map((c) => c.reinstatableUntil)
      .filter((d): d is string => !!d)
      .sort()[0];
    const steps: (ScheduledStep | undefined)[] = [
      { step: 'monthly-check', on: monthly, what: 'monthly scorecard check', run: () => runMonthlyCheck(monthly) },
      {
        step: 'renewal-review',
        on: renewalReviewDate(reviewRenewal, lifecycle),
        arg: reviewRenewal,
        what: 'renewal compliance review',
        run: () => renewalReview(reviewRenewal),
      },
      { step: 'renewal-fee', on: fee, arg: fee, what: 'renewal fee', run: () => renewalFee(fee) },
      ...graceDates().map((on): ScheduledStep => ({
        step: 'grace-step',
        on,
        what: 'fee grace step',
        run: () => graceStep(on),
      })),
      caseEnd ? { step: 'case-end', on: caseEnd, what: 'case end', run: () => expireCases(caseEnd) } : undefined,
      ...state.cases
        .filter((c) => c.reason === 'fee-unpaid' && !c.escalated && c.escalateOn)
        .map((c): ScheduledStep => ({
          step: 'case-escalation',
          on: c.escalateOn!,
          what: 'fee-unpaid case escalation',
          run: () => escalateCases(c.escalateOn!),
        })),
    ];
    return steps
      .filter((s): s is ScheduledStep => s !== undefined && !blocked(s.step, s.on))
      .sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
  }

  async function runMonthlyCheck(on: IsoDate): Promise<void> {
    await monthlyCheck(on);
  }

  function nextDue(): { on: IsoDate; what: string } | undefined {
    return schedule()[0];
  }

  /** Runs every scheduled item whose date has come, oldest first, each as of its own date. */
  async function runDue(): Promise<void> {
    const today = clock.today();
    for (;;) {
      const first = schedule()[0];
      if (!first || first.on > today) break;
      const done = await guarded(first.step, first.on, first.run, first.arg ? { arg: first.arg } : {});
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
      const again = { ...(incident.arg ? { arg: incident.arg } : {}) };
      // Steps whose calendar marker already moved on are run here; the others are due again and run by runDue.
      if (incident.step === 'monthly-check')
        await guarded('monthly-check', incident.on, () => runMonthlyCheck(incident.on));
      if (incident.step === 'renewal-review' && incident.arg)
        await guarded('renewal-review', incident.on, () => renewalReview(incident.arg!), again);
      if (incident.step === 'renewal-fee' && incident.arg)
        await guarded('renewal-fee', incident.on, () => renewalFee(incident.arg!), again);
    }
    return { incidents: [...incidents] };
  }

  /** At risk (search attribute ApnAtRisk): the latest monthly check no longer meets the current tier. */
  function refreshAtRisk(on: IsoDate): void {
    if (state.atRiskReason === 'fee-unpaid') return;
    const latest = state.monthly[state.monthly.length - 1];
    const below = !!latest && !state.cancelled && tierRank(latest.highestTierMet) < tierRank(state.tier);
    setAtRisk(on, below, below ? 'scorecard-below-tier' : undefined);
  }

  // ---- commands ----
  async function apply(on: IsoDate, cmd: ApplyCommand): Promise<{ number: number; workflowId: string }> {
    state.applicationCount += 1;
    const number = state.applicationCount;
    const workflowId = `${workflowInfo().workflowId}/application/${number}`;
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

  /**
   * R-PREMIER: why an approval cannot take effect on its decision day — the partner is no longer on the tier it
   * applied from, it cancelled after applying, or (Premier) its latest monthly check no longer meets Premier.
   */
  function ineligibility(application: ApplicationRef, decision: ApplicationDecision): string | undefined {
    if (nextTierUp(state.tier, state.partner.track) !== decision.targetTier) {
      return `the partner is ${state.tier} on ${decision.decidedOn}, not ${application.fromTier ?? 'the tier it applied from'}`;
    }
    if (state.cancelled && state.cancelledOn && state.cancelledOn >= application.submittedOn) {
      return `the membership was cancelled on ${state.cancelledOn}`;
    }
    const latest = state.monthly[state.monthly.length - 1];
    if (decision.targetTier === 'premier' && latest && !latest.premierMet) {
      return `the latest monthly check (${latest.on}) does not meet Premier`;
    }
    return undefined;
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
      const why = ineligibility(application, decision);
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
    const c = state.cases.find((x) => x.reason === 'non-compliant' && x.reinstatableUntil && x.reinstatableUntil > on)!;
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

  function enqueue(command: CommandBody): number {
    commandSeq += 1;
    queue.push({ ...command, id: commandSeq });
    return commandSeq;
  }
  async function submit<T>(command: CommandBody): Promise<T> {
    const id = enqueue(command);
    await condition(() => results.has(id));
    const result = results.get(id)!;
    results.delete(id);
    if (!result.ok) throw result.error;
    return result.value as T;
  }

  // ---- handlers (registered before the first await) ----
  setHandler(partnerStatusQuery, status);
  setHandler(evidenceChangedSignal, (change) => {
    enqueue({ kind: 'evidence', version: typeof change?.version === 'number' ? change.version : undefined });
  });
  setHandler(applicationDecidedSignal, (decision) => {
    enqueue({ kind: 'decided', decision });
  });
  setHandler(applyForUpgradeUpdate, (cmd) => submit({ kind: 'apply', cmd }), {
    validator: (cmd: ApplyCommand) => {
      if (!cmd || typeof cmd !== 'object') refuse(LifecycleErrorType.InvalidCommand, 'an application body is required');
      if (!/^\d{12}$/.test(cmd.feeAccountId ?? '')) {
        refuse(LifecycleErrorType.InvalidCommand, 'feeAccountId must be a 12-digit AWS account ID');
      }
      if (state.application) {
        refuse(
          LifecycleErrorType.WrongState,
          `application #${state.application.number} (${state.application.targetTier}) is still open`,
        );
      }
      const next = nextTierUp(state.tier, state.partner.track);
      if (next === null)
        refuse(LifecycleErrorType.WrongState, `${state.tier} is the top tier of the ${state.partner.track} track`);
      if (cmd.targetTier !== next) {
        refuse(
          LifecycleErrorType.WrongState,
          `upgrades go one tier up: from ${state.tier} the only target is ${next}, not ${cmd.targetTier}`,
        );
      }
    },
  });
  setHandler(recordPaymentUpdate, (cmd) => submit({ kind: 'payment', cmd }), {
    validator: (cmd: PaymentCommand) => {
      const invoice = state.invoice;
      if (!invoice) refuse(LifecycleErrorType.WrongState, 'there is no open fee invoice to pay');
      if (typeof cmd?.amount !== 'number' || Math.round(cmd.amount * 100) !== Math.round(invoice.total * 100)) {
        refuse(
          LifecycleErrorType.InvalidCommand,
          `payment must equal the invoice total of $${invoice.total.toFixed(2)} (got ${String(cmd?.amount)})`,
        );
      }
    },
  });
  setHandler(grantExtensionUpdate, (cmd) => submit({ kind: 'extension', cmd }), {
    validator: (cmd: ExtensionCommand) => {
      const invoice = state.invoice;
      const max = lifecycle.programFee.maxExtensionDays;
      if (!invoice) refuse(LifecycleErrorType.WrongState, 'there is no open fee invoice to extend');
      if (invoice.extended) refuse(LifecycleErrorType.WrongState, `invoice ${invoice.id} was already extended once`);
      if (!Number.isInteger(cmd?.days) || cmd.days < 1 || cmd.days > max) {
        refuse(LifecycleErrorType.InvalidCommand, `days must be a whole number from 1 to ${max}`);
      }
      if (clock.today() >= invoice.deadline) {
        refuse(LifecycleErrorType.WrongState, `the deadline ${invoice.deadline} has passed; no extension is possible`);
      }
    },
  });
  setHandler(requestCancellationUpdate, (cmd) => submit({ kind: 'cancel', cmd }), {
    validator: (_cmd) => {
      if (state.cancelled) refuse(LifecycleErrorType.WrongState, 'the membership is already cancelled');
    },
  });
  setHandler(decideCaseUpdate, (cmd) => submit({ kind: 'decide-case', cmd }), {
    validator: (cmd: CaseDecisionCommand) => {
      if (!cmd || typeof cmd !== 'object') refuse(LifecycleErrorType.InvalidCommand, 'a case decision is required');
      if (cmd.decision !== 'downgrade' && cmd.decision !== 'keep') {
        refuse(LifecycleErrorType.InvalidCommand, "decision must be 'downgrade' or 'keep'");
      }
      if (typeof cmd.reason !== 'string' || cmd.reason.trim() === '') {
        refuse(LifecycleErrorType.InvalidCommand, 'a decision needs its reason');
      }
      const c = state.cases.find((x) => x.id === cmd.caseId);
      if (!c) refuse(LifecycleErrorType.WrongState, `no case ${String(cmd.caseId)} is open`);
      if (c.reason !== 'fee-unpaid') {
        refuse(LifecycleErrorType.WrongState, `case ${c.id} is a ${c.reason} case: only fee-unpaid cases are decided`);
      }
    },
  });
  setHandler(resolveIncidentUpdate, (cmd) => submit({ kind: 'incident', cmd }), {
    validator: (cmd: IncidentCommand) => {
      if (!cmd || typeof cmd !== 'object') refuse(LifecycleErrorType.InvalidCommand, 'an incident command is required');
      if (cmd.action !== 'retry' && cmd.action !== 'dismiss') {
        refuse(LifecycleErrorType.InvalidCommand, "action must be 'retry' or 'dismiss'");
      }
      const incident = incidents.find((i) => i.id === cmd.incidentId);
      if (!incident) refuse(LifecycleErrorType.WrongState, `no open incident ${String(cmd.incidentId)}`);
      if (cmd.action === 'retry' && incident.step === 'command') {
        refuse(
          LifecycleErrorType.WrongState,
          `incident ${incident.id} is a failed ${incident.command ?? 'command'}: send the command again, then dismiss it`,
        );
      }
    },
  });
  setHandler(reinstateTierUpdate, (cmd) => submit({ kind: 'reinstate', cmd }), {
    validator: (_cmd) => {
      const today = clock.today();
      const open = state.cases.find(
        (c) => c.reason === 'non-compliant' && c.reinstatableUntil && c.reinstatableUntil > today,
      );
      if (!open) refuse(LifecycleErrorType.WrongState, 'no non-compliance case is open for reinstatement');
    },
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
        results.set(command.id, { ok: true, value: await runCommand(command) });
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
          results.set(command.id, { ok: false, error: refusal });
        } else if (error instanceof ApplicationFailure) {
          results.set(command.id, { ok: false, error });
        } else throw error;
      }
      await runDue();
    }
    await flushJournal();
  }
  for (;;) {
    await drain();
    const next = nextDue();
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
