/**
 * UpgradeApplication — child of a partner's lifecycle (`partner/<id>/application/<n>`).
 * Select/Advanced (R-UPGRADE): approved when every requirement is met on the application date, else rejected with
 * every gap. Consulting Advanced → Premier (R-PREMIER): six months of sustained Premier attainment checked monthly,
 * the Partner Manager's readiness pre-assessment, then an EBR in the earliest window not yet ended (R-EBR), whose
 * outcome the Partner Manager records. The decision goes back to the partner workflow by signal, so it survives the
 * parent continuing as new. The steps are the application machine's (src/domain/membership/application-machine);
 * ./application/application.ts performs them.
 */
import { patched, setHandler } from '@temporalio/workflow';
import type { ApplicationCommand } from '../domain/membership/application-machine';
import { checkApplicationCommand } from '../domain/membership/application-machine';
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

/** Registers the query, the signals and the Partner Manager's Updates (validators: the machine's checks). */
function serve(app: Application): void {
  const validate = (command: ApplicationCommand) =>
    enforce(checkApplicationCommand(app.state, app.clock.today(), command));
  /** Feeds the command and performs its effects (the readiness' journal entry). */
  const accept = async (command: ApplicationCommand) => {
    const { effects, refusal } = app.feed({ kind: 'command', command });
    enforce(refusal);
    try {
      await app.perform(effects);
    } catch (error) {
      // Withdrawn while the journal waited for its incident's answer: the assessment stands, unjournaled.
      if (!(error instanceof StepAbandoned)) throw error;
    }
    return app.state.status;
  };
  setHandler(applicationStatusQuery, () => app.state.status);
  setHandler(
    withdrawApplicationSignal,
    (cmd) => void app.feed({ kind: 'command', command: { kind: 'withdraw', cmd } }),
  );
  setHandler(resolveApplicationStepSignal, (resolution) => {
    app.feed({ kind: 'command', command: { kind: 'resolution', resolution } });
  });
  setHandler(recordReadinessUpdate, (cmd: AssessmentCommand) => accept({ kind: 'readiness', cmd }), {
    validator: (cmd: AssessmentCommand) => validate({ kind: 'readiness', cmd }),
  });
  setHandler(recordEbrOutcomeUpdate, (cmd: EbrOutcomeCommand) => accept({ kind: 'ebr-outcome', cmd }), {
    validator: (cmd: EbrOutcomeCommand) => validate({ kind: 'ebr-outcome', cmd }),
  });
}

/** One upgrade application, from submission to decision. */
export async function upgradeApplication(input: UpgradeApplicationInput): Promise<ApplicationDecision> {
  // Applications started before application incidents retried their activities for ever and failed on a business
  // refusal; their histories keep doing so.
  const incidents = patched('application-incidents');
  // Applications started before "meet and maintain" (R-PREMIER) stopped checking at six months; their histories
  // keep doing so.
  const maintain = input.targetTier === 'premier' && patched('premier-meet-and-maintain');
  const app = new Application(input, new BusinessClock(input.clock), maintain, incidents);
  serve(app);
  return await app.run();
}
