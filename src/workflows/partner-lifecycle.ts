/**
 * PartnerLifecycle — one per partner (`partner/<id>`), living for years: monthly scorecard checks, the annual
 * renewal review and fee (R-RENEWAL, R-FEE), the 90-day grace (R-GRACE, R-PAID), downgrade and cancellation cases
 * (R-CASE, R-CANCEL), and upgrade applications run as child workflows (R-UPGRADE, R-PREMIER).
 *
 * A shell around the membership machine (src/domain/membership/machine), where every transition lives: commands
 * arrive as Updates whose validators run the domain's checks; accepted commands are queued and fed to the machine by
 * the main loop one at a time (./partner/queue), as is the timer when the domain's schedule says a step fell due; the
 * loop performs the effects the machine returns and feeds back their outcomes — an activity that failed for good
 * comes back as a failure, which the machine turns into an incident instead of ending the workflow (./partner/run).
 */
import { allHandlersFinished, condition, continueAsNew, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { checkCommand, membershipYearOf, nextDue, type MembershipCommand } from '../domain/membership';
import { tierRank } from '../domain/tier-ladder';
import { BusinessClock } from './clock';
import { enforce, refuse } from './common';
import {
  applicationDecidedSignal,
  applicationIncidentSignal,
  applyForUpgradeUpdate,
  decideCaseUpdate,
  evidenceChangedSignal,
  grantExtensionUpdate,
  partnerStatusQuery,
  recordPaymentUpdate,
  reinstateTierUpdate,
  requestCancellationUpdate,
  resolveIncidentUpdate,
} from './definitions';
import { CommandQueue } from './partner/queue';
import { PartnerRun, feed, lifecycle } from './partner/run';
import { publish, status, syncReadModel } from './partner/view';
import type {
  ApplyCommand,
  CancellationCommand,
  CaseDecisionCommand,
  ExtensionCommand,
  IncidentCommand,
  IsoDate,
  LifecycleState,
  PartnerLifecycleInput,
  PaymentCommand,
  ReinstateCommand,
} from './types';

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

/** Registers the query, signals and Updates (before the first await); each Update's validator is the domain check. */
function serve(run: PartnerRun, queue: CommandQueue): void {
  const validate = (command: MembershipCommand): void => {
    // An Update already answered (before continue-as-new) is answered again, not checked against today's state.
    if (!queue.remembered()) enforce(checkCommand(run.state, command, run.clock.today(), lifecycle));
  };
  setHandler(partnerStatusQuery, () => status(run));
  setHandler(evidenceChangedSignal, (change) => {
    queue.enqueue({ kind: 'evidence', version: typeof change?.version === 'number' ? change.version : undefined });
  });
  setHandler(applicationDecidedSignal, (decision) => {
    queue.enqueue({ kind: 'decided', decision });
  });
  setHandler(applicationIncidentSignal, (report) => {
    queue.enqueue({ kind: 'application-incident', report });
  });
  setHandler(applyForUpgradeUpdate, (cmd) => queue.submit({ kind: 'apply', cmd }), {
    validator: (cmd: ApplyCommand) => validate({ kind: 'apply', cmd }),
  });
  setHandler(recordPaymentUpdate, (cmd) => queue.submit({ kind: 'payment', cmd }), {
    validator: (cmd: PaymentCommand) => validate({ kind: 'payment', cmd }),
  });
  setHandler(grantExtensionUpdate, (cmd) => queue.submit({ kind: 'extension', cmd }), {
    validator: (cmd: ExtensionCommand) => validate({ kind: 'extension', cmd }),
  });
  setHandler(requestCancellationUpdate, (cmd) => queue.submit({ kind: 'cancel', cmd }), {
    validator: (cmd: CancellationCommand) => validate({ kind: 'cancel', cmd }),
  });
  setHandler(decideCaseUpdate, (cmd) => queue.submit({ kind: 'decide-case', cmd }), {
    validator: (cmd: CaseDecisionCommand) => validate({ kind: 'decide-case', cmd }),
  });
  setHandler(resolveIncidentUpdate, (cmd) => queue.submit({ kind: 'incident', cmd }), {
    validator: (cmd: IncidentCommand) => validate({ kind: 'incident', cmd }),
  });
  setHandler(reinstateTierUpdate, (cmd) => queue.submit({ kind: 'reinstate', cmd }), {
    validator: (cmd: ReinstateCommand) => validate({ kind: 'reinstate', cmd }),
  });
}

/** One partner's whole membership, for years. */
export async function partnerLifecycle(input: PartnerLifecycleInput): Promise<void> {
  const clock = new BusinessClock(input.clock);
  const state: LifecycleState = input.state ?? initialState(input, clock.today());
  const run = new PartnerRun(state, clock, workflowInfo().workflowId);
  const queue = new CommandQueue(run);
  serve(run, queue);

  if (!input.state) {
    const started = await feed(run, { kind: 'start', lookBackFrom: input.lookBackFrom });
    if (started.refusal) refuse(started.refusal.type, started.refusal.message);
  }
  run.state.runsSoFar += 1;
  for (;;) {
    await queue.drain();
    const next = nextDue(run.state, lifecycle);
    run.waitingFor = next ? `${next.what} on ${next.on}, or a command` : 'a command';
    await publish(run);
    await syncReadModel(run);
    const threshold = input.continueAsNewAfterEvents;
    const info = workflowInfo();
    if (info.continueAsNewSuggested || (threshold !== undefined && info.historyLength >= threshold)) break;
    await clock.waitUntil(next?.on, () => queue.waiting);
  }

  // Continue as new between commands: update handlers wait on the queue, so keep serving it until all are done.
  run.waitingFor = 'continue-as-new';
  for (;;) {
    await queue.drain();
    if (!queue.waiting && allHandlersFinished()) break;
    await condition(() => queue.waiting || allHandlersFinished());
  }
  log.info('continuing as new', {
    partnerId: run.partnerId,
    historyLength: workflowInfo().historyLength,
    runs: run.state.runsSoFar,
  });
  await continueAsNew<typeof partnerLifecycle>({ ...input, state: run.state });
}
