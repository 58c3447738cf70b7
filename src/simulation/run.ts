/**
 * Replays a scenario through the real workflows and activities on a time-skipping test server, and returns the
 * partner's timeline. Business dates map onto server time by a fixed offset; each scenario day's own timers (set for
 * 00:00 UTC) fire before its events, which are applied at noon.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { emptyEvidence, mergeEvidence, type PartnerEvidence } from '../domain/evidence';
import type { Store } from '../store';
import {
  applicationStatusQuery,
  applyForUpgradeUpdate,
  evidenceChangedSignal,
  grantExtensionUpdate,
  partnerStatusQuery,
  recordEbrOutcomeUpdate,
  recordPaymentUpdate,
  recordReadinessUpdate,
  reinstateTierUpdate,
  requestCancellationUpdate,
  decideCaseUpdate,
  resolveIncidentUpdate,
} from '../workflows/definitions';
import { partnerWorkflowId } from '../workflows/ids';
import type { partnerLifecycle } from '../workflows/partner-lifecycle';
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
  /** Leave the workflows running at the end (tests that inspect them); terminated by default. */
  keepRunning?: boolean;
  /** Test hook: wraps the real activities, e.g. to inject faults. */
  wrapActivities?: (activities: Activities) => Activities;
}

type Activities = ReturnType<typeof createActivities>;

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

function dateMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** Runs the scenario to its `until` date and returns what happened, ordered by date. */
export async function simulate(scenario: Scenario, options: SimulationOptions): Promise<SimulationResult> {
  const { env, store } = options;
  const { partner } = scenario;
  const taskQueue = options.taskQueue ?? `simulate-${partner.id}-${Date.now()}`;
  const client = env.client;
  const workflowId = partnerWorkflowId(partner.id);
  const refusals: TimelineEntry[] = [];
  const applicationIds = new Set<string>();

  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: (options.wrapActivities ?? ((a: Activities) => a))(
      createActivities({ store, ...(options.promoCode ? { promoCode: options.promoCode } : {}) }),
    ),
  });

  // Business time = server time + offset, chosen so that the server's "now" is the scenario's start at 00:00.
  const serverStart = await env.currentTimeMs();
  const offsetMs = dateMs(scenario.start) - serverStart;
  const businessNow = async () => (await env.currentTimeMs()) + offsetMs;
  async function advanceTo(targetMs: number): Promise<void> {
    const now = await businessNow();
    if (targetMs > now) await env.sleep(targetMs - now);
  }

  await store.registerPartner({
    id: partner.id,
    name: partner.name,
    track: partner.track,
    tier: partner.tier,
    renewalDate: partner.renewalDate,
    country: partner.country,
    feeAccountId: partner.feeAccountId ?? null,
    allianceLeadId: partner.allianceLeadId,
  });

  let evidence: PartnerEvidence = emptyEvidence(partner.track);
  const evidenceSteps = [...scenario.evidence].sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
  async function applyEvidenceUpTo(date: string, handle?: WorkflowHandle<typeof partnerLifecycle>): Promise<void> {
    while (evidenceSteps.length > 0 && evidenceSteps[0]!.on <= date) {
      const step = evidenceSteps.shift()!;
      evidence = mergeEvidence(evidence, step.set);
      const { version } = await store.putEvidence(partner.id, evidence, { on: step.on });
      if (handle) await handle.signal(evidenceChangedSignal, { version, on: step.on });
    }
  }

  let handle: WorkflowHandle<typeof partnerLifecycle> | undefined;
  let firstRunId = '';
  let finalStatus: PartnerStatus | undefined;
  let openApplication: ApplicationStatus | undefined;
  await worker.runUntil(async () => {
    await applyEvidenceUpTo(scenario.start);
    const started = await client.workflow.start<typeof partnerLifecycle>('partnerLifecycle', {
      taskQueue,
      workflowId,
      args: [
        {
          partner: {
            id: partner.id,
            name: partner.name,
            track: partner.track,
            tier: partner.tier,
            renewalDate: partner.renewalDate,
            country: partner.country,
            ...(partner.feeAccountId ? { feeAccountId: partner.feeAccountId } : {}),
          },
          clock: { offsetMs },
          ...(scenario.lookBackFrom ? { lookBackFrom: scenario.lookBackFrom } : {}),
          ...(options.continueAsNewAfterEvents ? { continueAsNewAfterEvents: options.continueAsNewAfterEvents } : {}),
        },
      ],
      memo: { partnerName: partner.name },
      staticSummary: `${partner.name} (${partner.track}) — simulated from ${scenario.start}`,
    });
    handle = started;
    firstRunId = started.firstExecutionRunId;
    const h = started;

    const days = [...new Set([...scenario.evidence.map((e) => e.on), ...scenario.events.map((e) => e.on)])]
      .filter((d) => d > scenario.start)
      .sort();
    const eventsOn = (date: string) => scenario.events.filter((e) => e.on === date);
    for (const event of eventsOn(scenario.start)) await applyEvent(h, event);
    for (const day of days) {
      await advanceTo(dateMs(day) + NOON_MS);
      await applyEvidenceUpTo(day, h);
      for (const event of eventsOn(day)) await applyEvent(h, event);
    }
    await advanceTo(dateMs(scenario.until) + NOON_MS);
    finalStatus = await h.query(partnerStatusQuery);
    if (finalStatus.application) {
      applicationIds.add(finalStatus.application.workflowId);
      openApplication = await client.workflow
        .getHandle(finalStatus.application.workflowId)
        .query(applicationStatusQuery);
    }
  });

  async function applyEvent(h: WorkflowHandle<typeof partnerLifecycle>, event: ScenarioEvent): Promise<void> {
    try {
      switch (event.type) {
        case 'apply-upgrade': {
          const result = await h.executeUpdate(applyForUpgradeUpdate, {
            args: [
              {
                targetTier: event.targetTier,
                feeAccountId: event.feeAccountId ?? partner.feeAccountId ?? '',
                by: event.by,
              },
            ],
          });
          applicationIds.add(result.workflowId);
          return;
        }
        case 'readiness-assessment':
        case 'ebr-outcome': {
          const status = await h.query(partnerStatusQuery);
          if (!status.application) throw new Refusal('no application is in progress');
          const child = client.workflow.getHandle(status.application.workflowId);
          const cmd = { outcome: event.outcome, by: event.by, ...(event.notes ? { notes: event.notes } : {}) };
          if (event.type === 'readiness-assessment') {
            await child.executeUpdate(recordReadinessUpdate, {
              args: [cmd as { outcome: 'passed' | 'failed'; by: string }],
            });
          } else {
            await child.executeUpdate(recordEbrOutcomeUpdate, {
              args: [cmd as { outcome: 'approved' | 'rejected' | 'deferred'; by: string }],
            });
          }
          return;
        }
        case 'pay-fee':
          await h.executeUpdate(recordPaymentUpdate, { args: [{ amount: event.amount }] });
          return;
        case 'grant-extension':
          await h.executeUpdate(grantExtensionUpdate, { args: [{ days: event.days, by: event.by }] });
          return;
        case 'request-cancellation':
          await h.executeUpdate(requestCancellationUpdate, { args: [{ by: event.by }] });
          return;
        case 'reinstate-tier':
          await h.executeUpdate(reinstateTierUpdate, { args: [{ by: event.by }] });
          return;
        case 'decide-case': {
          const { openCases } = await h.query(partnerStatusQuery);
          const open = openCases.find((c) => c.reason === event.reason);
          if (!open) throw new Refusal(`no ${event.reason} case is open`);
          await h.executeUpdate(decideCaseUpdate, {
            args: [{ caseId: open.id, decision: event.decision, reason: event.note, by: event.by }],
          });
          return;
        }
        case 'resolve-incidents': {
          const { incidents } = await h.query(partnerStatusQuery);
          if (incidents.length === 0) throw new Refusal('no incident is open');
          for (const incident of incidents) {
            await h.executeUpdate(resolveIncidentUpdate, {
              args: [{ incidentId: incident.id, action: event.action, by: event.by }],
            });
          }
          return;
        }
      }
    } catch (err) {
      const reason =
        err instanceof Refusal
          ? err.message
          : err instanceof WorkflowUpdateFailedError
            ? (err.cause?.message ?? err.message)
            : undefined;
      if (reason === undefined) throw err;
      refusals.push({ on: event.on, type: 'command-refused', command: event.type, reason });
    }
  }

  if (!handle || !finalStatus) throw new Error('the partner workflow did not start');
  if (!options.keepRunning) {
    for (const id of [...applicationIds, workflowId]) {
      await client.workflow
        .getHandle(id)
        .terminate('simulation finished')
        .catch(() => undefined);
    }
  }

  const journal = await store.listJournal(partner.id);
  const timeline: TimelineEntry[] = [
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

/** A scenario event that cannot be applied in the current state (recorded, not thrown). */
class Refusal extends Error {}
