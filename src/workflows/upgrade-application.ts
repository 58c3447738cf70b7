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
import { Application } from './application/application';
import { BusinessClock } from './clock';
import { applicationActivities as activities, enforce } from './common';
import {
  applicationStatusQuery,
  recordEbrOutcomeUpdate,
  recordReadinessUpdate,
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
  setHandler(
    recordReadinessUpdate,
    async (cmd: AssessmentCommand) => {
      const on = clock.today();
      status.readiness = { outcome: cmd.outcome, on, by: cmd.by, ...(cmd.notes ? { notes: cmd.notes } : {}) };
      app.readinessChanged = true;
      await app.journal(on, 'readiness-assessment', { outcome: cmd.outcome, by: cmd.by });
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
  // Applications started before "meet and maintain" (R-PREMIER) stopped checking at six months; their histories
  // keep doing so.
  const app = new Application(input, new BusinessClock(input.clock), premier && patched('premier-meet-and-maintain'));
  serve(app);

  await activities.notify({
    key: `${app.status.workflowId}#submitted`,
    partnerId: input.partnerId,
    kind: 'application-submitted',
    recipient: 'partner-manager',
    on: input.submittedOn,
    payload: { application: input.number, targetTier: input.targetTier, by: input.submittedBy },
  });
  app.show();

  if (!premier) return await app.decideOnEvidence();
  return (await app.sustainAndGetReady()) ?? (await app.executiveBusinessReview());
}
