/** Workflow ids, derived from domain ids: the one definition the workflows, the API and the CLI use. */
import { applicationId } from '../domain/applications';

/** A partner's lifecycle workflow id. */
export const partnerWorkflowId = (partnerId: string): string => `partner/${partnerId}`;

/** An upgrade application's workflow id: its partner workflow's id and the application number. */
export const applicationWorkflowId = (parentWorkflowId: string, number: number): string =>
  applicationId(parentWorkflowId, number);
