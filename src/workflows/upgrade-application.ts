/**
 * UpgradeApplication — child of a partner's lifecycle (`partner/<id>/application/<n>`).
 * Select/Advanced (R-UPGRADE): approved when every requirement is met on the application date, else rejected with
 * every gap. Consulting Advanced → Premier (R-PREMIER): six months of sustained Premier attainment checked monthly,
 * the Partner Manager's readiness pre-assessment, then an EBR in the earliest window not yet ended (R-EBR), whose
 * outcome the Partner Manager records. The decision goes back to the partner workflow by signal, so it survives the
 * parent continuing as new. The steps live in ./application/application.ts, the rules in src/domain/membership.
 */
import { patched, setHandler } from '@temporalio/workflow';
import { checkEbrOutcome, checkReadiness } from '../domain/membership';
import { Application, StepAbandoned } from './application/application';
import { BusinessClock } from './clock';
import { enforce } from './common';
import {
  applicationStatusQuery,
  recordEbrOutcomeUpdate,
  recordReadinessUpdate,
  resolveApplicationStepSignal,
  withdrawApplicationSignal,
} from './definitions';
import type { ApplicationDecision, AssessmentCommand, EbrOutcomeCommand, UpgradeApplicationInput } from './types';

/** Registers the query, the withdrawal signal and the Partner Manager's Updates (validators: the domain's checks). */
function serve(app: Application): void {
  const { status, clock } = app;
  setHandler(applicationStatusQuery, () => status);
  setHandler(withdrawApplicationSignal, (cmd) => {
    app.withdrawal ??= cmd;
  });
  setHandler(resolveApplicationStepSignal, (resolution) => app.resolved(resolution));
  setHandler(
    recordReadinessUpdate,
    async (cmd: AssessmentCommand) => {
      const on = clock.today();
      status.readiness = { outcome: cmd.outcome, on, by: cmd.by, ...(cmd.notes ? { notes: cmd.notes } : {}) };
      app.readinessChanged = true;
      try {
        await app.journal(on, 'readiness-assessment', { outcome: cmd.outcome, by: cmd.by });
      } catch (error) {
        // Withdrawn while the journal waited for its incident's answer: the assessment stands, unjournaled.
        if (!(error instanceof StepAbandoned)) throw error;
      }
      return status;
    },
    { validator: (cmd: AssessmentCommand) => enforce(checkReadiness(status, cmd)) },
  );
  setHandler(
    recordEbrOutcomeUpdate,
    (cmd: EbrOutcomeCommand) => {
      app.ebrOutcome = cmd;
      return Promise.resolve(status);
    },
    {
      validator: (cmd: EbrOutcomeCommand) =>
        enforce(checkEbrOutcome(status, cmd, clock.today(), app.ebrOutcome !== undefined)),
    },
  );
}

/** One upgrade application, from submission to decision. */
export async function upgradeApplication(input: UpgradeApplicationInput): Promise<ApplicationDecision> {
  const premier = input.targetTier === 'premier';
  // Applications started before application incidents retried their activities for ever and failed on a business
  // refusal; their histories keep doing so.
  const incidents = patched('application-incidents');
  // Applications started before "meet and maintain" (R-PREMIER) stopped checking at six months; their histories
  // keep doing so.
  const maintain = premier && patched('premier-meet-and-maintain');
  const app = new Application(input, new BusinessClock(input.clock), maintain, incidents);
  serve(app);
  try {
    return await steps(app);
  } catch (error) {
    // A step waiting for its incident's answer was withdrawn (or its incident dismissed): the application closes.
    if (error instanceof StepAbandoned) return await app.closeWithdrawn();
    throw error;
  }
}

/** Submission to decision. */
async function steps(app: Application): Promise<ApplicationDecision> {
  const { input } = app;
  await app.call('notify', {
    key: `${app.status.workflowId}#submitted`,
    partnerId: input.partnerId,
    kind: 'application-submitted',
    recipient: 'partner-manager',
    on: input.submittedOn,
    payload: { application: input.number, targetTier: input.targetTier, by: input.submittedBy },
  });
  app.show();

  if (!app.premier) return await app.decideOnEvidence();
  return (await app.sustainAndGetReady()) ?? (await app.executiveBusinessReview());
}
