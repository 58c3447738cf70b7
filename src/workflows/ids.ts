/** Workflow ids, derived from domain ids: the one definition the workflows, the API and the CLI use. */
import { applicationId } from '../domain/applications';

export { partnerWorkflowId } from '../domain/applications';

/** An upgrade application's workflow id: its partner workflow's id and the application number. */
export const applicationWorkflowId = (parentWorkflowId: string, number: number): string =>
  applicationId(parentWorkflowId, number);
