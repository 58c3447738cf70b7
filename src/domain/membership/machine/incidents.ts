/**
 * Incidents of the partner and of its open application: an application's failed step (reported by its workflow,
 * which waits), and the operator's answer to any incident — dismiss it, or run its step again.
 */
import { applicationId } from '../../applications';
import type { DueStep } from '../schedule';
import type {
  ApplicationIncidentReport,
  Incident,
  IncidentCommand,
  IncidentStep,
  IsoDate,
  UnfinishedDecision,
} from '../types';
import { Failed, addIncident, guarded, keepUnfinished, openIncident, type Ctx } from './ctx';
import { retryCancellation } from './cancellation';
import { finishDecision } from './commands';
import { runStep } from './calendar';

/** Steps a retried incident re-runs with their own argument (the renewal date). */
const RERUN_WITH_ARG: IncidentStep[] = ['renewal-review', 'renewal-fee'];

/** An application's step failed for good: an incident on the partner, answered with the partner's resolution. */
export function applicationIncident(ctx: Ctx, report: ApplicationIncidentReport): void {
  const { number, activity, errorType, reason, attempt } = report;
  addIncident(ctx, {
    step: 'application',
    on: ctx.today(),
    application: number,
    activity,
    ...(errorType ? { errorType } : {}),
    reason,
    ...(attempt !== undefined ? { attempt } : {}),
  });
}

/** An application's decision arrived: incidents its steps left open are over (it no longer waits for an answer). */
export function closeApplicationIncidents(ctx: Ctx, on: IsoDate, number: number, outcome: string): void {
  const incidents = (ctx.s.incidents ??= []);
  for (const incident of incidents.filter((i) => i.step === 'application' && i.application === number)) {
    incidents.splice(incidents.indexOf(incident), 1);
    ctx.record(on, 'incident-resolved', { incidentId: incident.id, step: incident.step, action: 'closed', outcome });
  }
}

/**
 * Passes the operator's answer to the application waiting on it: retry runs its failed step again; dismiss closes the
 * application `withdrawn` (a new one can then be made), or skips the step when the application was already closing.
 */
function resolveApplicationStep(ctx: Ctx, on: IsoDate, incident: Incident, cmd: IncidentCommand): void {
  const workflowId = applicationId(ctx.workflowId, incident.application!);
  if (cmd.action === 'dismiss' && ctx.s.application?.number === incident.application) {
    // Closed on the partner's side now: the application's own closing (withdrawn) follows, and its decision is ignored.
    ctx.s.application = undefined;
  }
  const payload = { incidentId: incident.id, action: cmd.action, by: cmd.by };
  if (!ctx.signal(workflowId, 'resolve-step', payload)) {
    ctx.log('warn', 'application step could not be resolved: its workflow is closed', {
      partnerId: ctx.partnerId,
      workflowId,
      on,
    });
  }
}

/** R-UPGRADE: a retried decision incident finishes what the approval's first run left (a new incident if it fails). */
function retryDecision(ctx: Ctx, on: IsoDate, incident: Incident, unfinished: UnfinishedDecision): void {
  const { incidentId: _failed, ...approval } = unfinished;
  try {
    finishDecision(ctx, on, approval, incident.activity);
  } catch (error) {
    if (!(error instanceof Failed)) throw error;
    const again = openIncident(ctx, 'command', ctx.today(), error.failure, { command: 'decided' });
    keepUnfinished(ctx, again.id, approval);
  }
}

/** An operator's answer to an incident: dismiss it, or run its step again (a new incident if it fails again). */
export function resolveIncident(ctx: Ctx, on: IsoDate, cmd: IncidentCommand): { incidents: Incident[] } {
  const incidents = (ctx.s.incidents ??= []);
  const incident = incidents.find((i) => i.id === cmd.incidentId)!;
  incidents.splice(incidents.indexOf(incident), 1);
  ctx.record(on, 'incident-resolved', {
    incidentId: incident.id,
    step: incident.step,
    action: cmd.action,
    by: cmd.by,
    ...(cmd.note ? { note: cmd.note } : {}),
  });
  const unfinished = ctx.s.unfinishedDecisions?.find((d) => d.incidentId === incident.id);
  const cancellation = ctx.s.unfinishedCancellation;
  if (cancellation?.incidentId === incident.id) {
    // Dismissed: the cancellation is abandoned as it stopped (a new one may be asked).
    ctx.s.unfinishedCancellation = undefined;
    if (cmd.action === 'retry') retryCancellation(ctx, cancellation, incident.activity);
  } else if (unfinished) {
    ctx.s.unfinishedDecisions = ctx.s.unfinishedDecisions!.filter((d) => d !== unfinished);
    if (cmd.action === 'retry') retryDecision(ctx, on, incident, unfinished);
  } else if (incident.step === 'application') resolveApplicationStep(ctx, on, incident, cmd);
  else if (cmd.action === 'retry') {
    // Steps whose calendar marker already moved on are run here; the others are due again and run by the timer.
    const rerun = incident.step === 'monthly-check' || (RERUN_WITH_ARG.includes(incident.step) && incident.arg);
    if (rerun) {
      const due: DueStep = { step: incident.step, on: incident.on, what: 'retry', arg: incident.arg };
      guarded(ctx, incident.step, incident.on, () => runStep(ctx, due), incident.arg ? { arg: incident.arg } : {});
    }
  }
  return { incidents: [...incidents] };
}
