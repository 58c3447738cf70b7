/**
 * One AWS Organizations invitation of a reseller (R-RESELLER, 002), `invitation/<id>`: the partner's management
 * account invited a customer account; the customer accepts or declines, and an invitation unanswered for 15 days
 * expires (a durable timer). Every outcome is notified through the outbox. Refusals (an answer to an invitation no
 * longer pending) are Update validator rejections: the workflow never fails on a caller's input.
 */
import { allHandlersFinished, ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import { ErrorType } from '../domain/errors';
import { BusinessClock } from './clock';
import { refuse, resellerActivities } from './common';
import {
  acceptInvitationUpdate,
  declineInvitationUpdate,
  invitationStateQuery,
  type InvitationAnswer,
  type InvitationState,
  type InvitationWorkflowInput,
} from './reseller-definitions';

const acts = resellerActivities;

/** The invitation workflow: pending until answered or expired. */
export async function resellerInvitation(input: InvitationWorkflowInput): Promise<InvitationState> {
  const clock = new BusinessClock(input.clock);
  const state: InvitationState = {
    invitationId: input.invitationId,
    organizationId: input.organizationId,
    accountId: input.accountId,
    invitedOn: input.invitedOn,
    expiresOn: input.expiresOn,
    status: 'pending',
    closedOn: null,
  };
  // Set once an answer is being recorded: a second answer racing it is refused, the expiry timer stands aside.
  let answering = false;

  // A notification that cannot be addressed (the organization lost its enrolment) is logged, never fatal: the
  // invitation's outcome stands without it.
  const notify = async (event: 'invited' | 'accepted' | 'declined' | 'expired'): Promise<void> => {
    try {
      await acts.notifyInvitation({
        invitationId: input.invitationId,
        organizationId: input.organizationId,
        accountId: input.accountId,
        event,
        expiresOn: input.expiresOn,
        on: clock.today(),
      });
    } catch (err) {
      log.warn('invitation notification not queued', { invitationId: input.invitationId, event, error: String(err) });
    }
  };

  const validate = (answer: InvitationAnswer) => {
    if (typeof answer?.by !== 'string' || answer.by.length === 0) {
      refuse(ErrorType.InvalidCommand, 'an answer names who gives it (by)');
    }
    if (state.status !== 'pending' || answering) {
      refuse(
        ErrorType.WrongState,
        `invitation ${input.invitationId} is ${answering ? 'being answered' : state.status}` +
          (state.closedOn ? ` since ${state.closedOn}` : ''),
      );
    }
    if (clock.today() >= input.expiresOn) {
      refuse(ErrorType.WrongState, `invitation ${input.invitationId} expired on ${input.expiresOn}`);
    }
  };

  const answer = (response: 'accepted' | 'declined') => async (): Promise<InvitationState> => {
    answering = true;
    try {
      const recorded = await acts.answerInvitation({
        invitationId: input.invitationId,
        response,
        on: clock.today(),
      });
      state.status = recorded.status === 'invited' ? 'pending' : recorded.status;
      state.closedOn = recorded.respondedOn ?? clock.today();
    } catch (err) {
      // The store refused (the account joined another organization meanwhile): the invitation stays pending.
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof ApplicationFailure) {
        refuse((cause.type as ErrorType | undefined) ?? ErrorType.Conflict, cause.message);
      }
      throw err;
    } finally {
      answering = false;
    }
    if (state.status === response) await notify(response);
    return { ...state };
  };

  setHandler(invitationStateQuery, () => ({ ...state }));
  setHandler(acceptInvitationUpdate, () => answer('accepted')(), { validator: validate });
  setHandler(declineInvitationUpdate, () => answer('declined')(), { validator: validate });

  await notify('invited');
  for (;;) {
    const woke = await clock.waitUntil(input.expiresOn, () => state.status !== 'pending' || answering);
    if (state.status !== 'pending') break;
    if (answering) {
      // An answer accepted before the deadline is being recorded; if the store refuses it, the wait goes on.
      await condition(() => !answering);
      continue;
    }
    if (!woke) {
      const expired = await acts.expireInvitation({ invitationId: input.invitationId, on: clock.today() });
      state.status = expired.status === 'invited' ? 'pending' : expired.status;
      state.closedOn = expired.respondedOn ?? clock.today();
      if (state.status === 'expired') await notify('expired');
      break;
    }
  }
  await condition(() => !answering && allHandlersFinished());
  return { ...state };
}
