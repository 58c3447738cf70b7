/**
 * Replays a scenario through the real workflows and activities on a time-skipping test server, and returns the
 * partner's timeline. Business dates map onto server time by a fixed offset; each scenario day's own timers (set for
 * 00:00 UTC) fire before its events, which are applied at noon.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EngineError, ErrorType } from '../domain/errors';
import { emptyEvidence, mergeEvidence, type PartnerEvidence } from '../domain/evidence';
import { partnerProfileOf, partnerWorkflowId } from '../api/lifecycle';
import { PaymentDesk } from '../api/payment-desk';
import { startEngine, type Activities } from '../platform/engine';
import type { Store } from '../store';
import type { ApplicationStatus, PartnerStatus } from '../workflows/types';
import type { Scenario, ScenarioEvent } from './scenario';

const DAY_MS = 86_400_000;
const NOON_MS = DAY_MS / 2;

export interface TimelineEntry {
  on: string;
  type: string;
  [field: string]: unknown;
}

export interface SimulationOptions {
  env: TestWorkflowEnvironment;
  store: Store;
  /** Task queue of this run's worker (unique per run by default). */
  taskQueue?: string;
  /** Test hook forwarded to the partner workflow. */
  continueAsNewAfterEvents?: number;
  /** Deterministic promo codes for tests. */
  promoCode?: () => string;
  /**
   * Leave the workflows running at the end (tests that inspect them); terminated by default, and always when the
   * scenario failed part-way (there is nothing to inspect then).
   */
  keepRunning?: boolean;
  /** Test hook: wraps the real activities, e.g. to inject faults. */
  wrapActivities?: (activities: Activities) => Activities;
}

export interface SimulationResult {
  timeline: TimelineEntry[];
  workflowId: string;
  firstRunId: string;
  /** Application workflow ids started during the run. */
  applicationIds: string[];
  /** The partner's state on the `until` date. */
  finalStatus: PartnerStatus;
  /** The open application's progress on the `until` date, if one is open. */
  openApplication?: ApplicationStatus;
}

/** A scenario event that cannot be applied in the current state: recorded, not thrown. */
const refusal = (message: string) => new EngineError(ErrorType.WrongState, message);

function dateMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** Runs the scenario to its `until` date and returns what happened, ordered by date. */
export async function simulate(scenario: Scenario, options: SimulationOptions): Promise<SimulationResult> {
  const { env, store } = options;
  const { partner } = scenario;
  const taskQueue = options.taskQueue ?? `simulate-${partner.id}-${Date.now()}`;
  const workflowId = partnerWorkflowId(partner.id);
  const refusals: TimelineEntry[] = [];
  const applicationIds = new Set<string>();

  // Business time = server time + offset, chosen so that the server's "now" is the scenario's start at 00:00.
  const serverStart = await env.currentTimeMs();
  const offsetMs = dateMs(scenario.start) - serverStart;
  const businessNow = async () => (await env.currentTimeMs()) + offsetMs;
  async function advanceTo(targetMs: number): Promise<void> {
    const now = await businessNow();
    if (targetMs > now) await env.sleep(targetMs - now);
  }

  // The engine as everywhere else, on this time-skipping server: the worker, and the lifecycle client the API uses.
  const engine = await startEngine({
    temporal: { env },
    taskQueue,
    store: { use: store },
    clock: { offsetMs },
    // A loaded machine may take long to answer an update that runs activities; the scenario waits for each.
    callTimeoutMs: 300_000,
    worker: {
      ...(options.promoCode ? { promoCode: options.promoCode } : {}),
      ...(options.wrapActivities ? { wrapActivities: options.wrapActivities } : {}),
    },
  });
  const { lifecycle, client } = engine;
  const workerDone = engine.worker?.done ?? Promise.resolve();
  /** `work`, failing if the worker stops first. */
  const whileWorkerRuns = <T>(work: Promise<T>): Promise<T> =>
    Promise.race([
      work,
      workerDone.then(() => {
        throw new Error('the simulation worker stopped before the scenario ended');
      }),
    ]);

  const desk = new PaymentDesk(store, lifecycle);
  /** Payer-side happenings (Advance Pay fundings) the partner's own journal does not hold. */
  const billingEntries: TimelineEntry[] = [];

  // The payer world before the start (CONTRACT §3 `billing`): organizations, then Advance Pay balances.
  for (const org of scenario.billing?.organizations ?? []) {
    await store.createOrganization({
      id: org.id,
      name: org.name ?? org.id,
      managementAccountId: org.managementAccountId,
      reseller: org.reseller ?? false,
      on: scenario.start,
    });
    for (const accountId of org.memberAccountIds) {
      if (accountId !== org.managementAccountId) await store.addOrganizationMember(org.id, accountId, scenario.start);
    }
  }
  for (const [index, funding] of (scenario.billing?.advancePay ?? []).entries()) {
    await store.advancePay.register(funding.accountId, scenario.start);
    const account = await store.fundAdvancePay({
      key: `scenario:${partner.id}:billing:${index}`,
      payerAccountId: funding.accountId,
      amount: funding.amount,
      method: funding.method,
      on: scenario.start,
    });
    billingEntries.push({
      on: scenario.start,
      type: 'advance-pay-funded',
      accountId: funding.accountId,
      amount: funding.amount,
      method: funding.method,
      balance: account.balance,
    });
  }

  await store.registerPartner({
    ...partnerProfileOf(partner),
    feeAccountId: partner.feeAccountId ?? null,
    allianceLeadId: partner.allianceLeadId,
  });

  let evidence: PartnerEvidence = emptyEvidence(partner.track);
  const evidenceSteps = [...scenario.evidence].sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
  async function applyEvidenceUpTo(date: string, signal: boolean): Promise<void> {
    while (evidenceSteps.length > 0 && evidenceSteps[0]!.on <= date) {
      const step = evidenceSteps.shift()!;
      evidence = mergeEvidence(evidence, step.set);
      const { version } = await store.putEvidence(partner.id, evidence, { on: step.on });
      if (signal) await lifecycle.evidenceChanged(partner.id, version, step.on);
    }
  }

  let firstRunId = '';
  let finalStatus: PartnerStatus | undefined;
  let openApplication: ApplicationStatus | undefined;
  let finished = false;
  try {
    await whileWorkerRuns(
      (async () => {
        await applyEvidenceUpTo(scenario.start, false);
        const started = await lifecycle.start(partnerProfileOf(partner), {
          summary: `${partner.name} (${partner.track}) — simulated from ${scenario.start}`,
          ...(scenario.lookBackFrom ? { lookBackFrom: scenario.lookBackFrom } : {}),
          ...(options.continueAsNewAfterEvents ? { continueAsNewAfterEvents: options.continueAsNewAfterEvents } : {}),
        });
        if (!started.started) throw new Error(`the workflow ${workflowId} exists already`);
        firstRunId = started.firstRunId;

        const days = [...new Set([...scenario.evidence.map((e) => e.on), ...scenario.events.map((e) => e.on)])]
          .filter((d) => d > scenario.start)
          .sort();
        const eventsOn = (date: string) => scenario.events.filter((e) => e.on === date);
        for (const event of eventsOn(scenario.start)) await applyEvent(event);
        for (const day of days) {
          await advanceTo(dateMs(day) + NOON_MS);
          await applyEvidenceUpTo(day, true);
          for (const event of eventsOn(day)) await applyEvent(event);
        }
        await advanceTo(dateMs(scenario.until) + NOON_MS);
        finalStatus = await lifecycle.status(partner.id);
        if (finalStatus?.application) {
          applicationIds.add(finalStatus.application.workflowId);
          openApplication = await lifecycle.applicationStatus(partner.id, finalStatus.application.number);
        }
        finished = true;
      })(),
    );
  } finally {
    // Terminated even when the scenario failed part-way: a workflow left running with no worker would hold the
    // time-skipping server's clock for every later simulation on it. Only what this run started.
    if ((!options.keepRunning || !finished) && firstRunId) {
      for (const id of [...applicationIds, workflowId]) {
        await client.workflow
          .getHandle(id)
          .terminate('simulation finished')
          .catch(() => undefined);
      }
    }
    await engine.stop();
  }

  /** The partner's lifecycle state; a scenario step needs it. */
  async function statusNow(): Promise<PartnerStatus> {
    const status = await lifecycle.status(partner.id);
    if (!status) throw new Error(`the workflow ${workflowId} is gone`);
    return status;
  }

  async function applyEvent(event: ScenarioEvent): Promise<void> {
    const id = partner.id;
    try {
      switch (event.type) {
        case 'apply-upgrade': {
          const feeAccountId = event.feeAccountId ?? partner.feeAccountId ?? '';
          const result = await lifecycle.apply(id, { targetTier: event.targetTier, feeAccountId, by: event.by });
          applicationIds.add(result.workflowId);
          return;
        }
        case 'readiness-assessment':
        case 'ebr-outcome': {
          const { application } = await statusNow();
          if (!application) throw refusal('no application is in progress');
          const notes = event.notes ? { notes: event.notes } : {};
          if (event.type === 'readiness-assessment') {
            await lifecycle.recordReadiness(id, application.number, { outcome: event.outcome, by: event.by, ...notes });
          } else {
            await lifecycle.recordEbrOutcome(id, application.number, {
              outcome: event.outcome,
              by: event.by,
              ...notes,
            });
          }
          return;
        }
        case 'pay-fee':
          await lifecycle.pay(id, { amount: event.amount });
          return;
        case 'fund-advance-pay': {
          // 003: the payer asks for a funding document, the transfer quotes its reference; the funds pay what is due.
          await store.advancePay.register(event.accountId, event.on);
          const document = await store.advancePay.issueDocument({
            payerAccountId: event.accountId,
            amount: event.amount,
            method: event.method,
            on: event.on,
          });
          const received = await desk.receiveTransfer({
            payerAccountId: event.accountId,
            reference: document.reference,
            amount: event.amount,
            on: event.on,
          });
          billingEntries.push({
            on: event.on,
            type: 'advance-pay-funded',
            accountId: event.accountId,
            amount: event.amount,
            method: event.method,
            reference: document.reference,
            balance: received.account.balance,
          });
          return;
        }
        case 'grant-extension':
          await lifecycle.extend(id, { days: event.days, by: event.by });
          return;
        case 'request-cancellation':
          await lifecycle.cancel(id, { by: event.by });
          return;
        case 'reinstate-tier':
          await lifecycle.reinstate(id, { by: event.by });
          return;
        case 'decide-case': {
          const open = (await statusNow()).openCases.find((c) => c.reason === event.reason);
          if (!open) throw refusal(`no ${event.reason} case is open`);
          await lifecycle.decideCase(id, {
            caseId: open.id,
            decision: event.decision,
            reason: event.note,
            by: event.by,
          });
          return;
        }
        case 'resolve-incidents': {
          const { incidents } = await statusNow();
          if (incidents.length === 0) throw refusal('no incident is open');
          for (const incident of incidents) {
            await lifecycle.resolveIncident(id, { incidentId: incident.id, action: event.action, by: event.by });
          }
          return;
        }
      }
    } catch (err) {
      const reason =
        err instanceof EngineError
          ? err.message
          : err instanceof WorkflowUpdateFailedError
            ? (err.cause?.message ?? err.message)
            : undefined;
      if (reason === undefined) throw err;
      refusals.push({ on: event.on, type: 'command-refused', command: event.type, reason });
    }
  }

  if (!finalStatus) throw new Error('the partner workflow did not start');

  const journal = await store.listJournal(partner.id);
  const timeline: TimelineEntry[] = [
    ...billingEntries,
    ...journal.map((entry) => ({ on: entry.on, type: entry.type, ...entry.data })),
    ...refusals,
  ]
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => entry.on <= scenario.until)
    .sort((a, b) => (a.entry.on < b.entry.on ? -1 : a.entry.on > b.entry.on ? 1 : a.index - b.index))
    .map(({ entry }) => entry);
  return {
    timeline,
    workflowId,
    firstRunId,
    applicationIds: [...applicationIds],
    finalStatus,
    ...(openApplication ? { openApplication } : {}),
  };
}
