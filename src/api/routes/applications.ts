/**
 * Upgrade applications (R-UPGRADE, R-PREMIER, R-EBR) and the fee and cancellation commands (R-PAID, R-GRACE,
 * R-CANCEL, R-RENEWAL reinstatement). Every command goes to the partner's workflow as an Update, whose validator
 * refuses what the state forbids (409) before anything changes.
 */
import { caseId } from '../../domain/cases';
import type { Router } from 'express';
import { z } from 'zod';
import { PaymentDesk } from '../payment-desk';
import type { ApplicationStatus } from '../../workflows/types';
import { applicationWorkflowId } from '../lifecycle';
import { ProblemError } from '../problem';
import { defineRoute } from '../route';
import {
  ApplicationAcceptedSchema,
  ApplicationParams,
  ApplicationStatusSchema,
  ApplyBody,
  CancellationBody,
  EbrEntrySchema,
  EbrOutcomeBody,
  EbrQuery,
  ExtensionBody,
  CaseDecisionBody,
  CaseParams,
  IncidentParams,
  IncidentResolutionBody,
  IncidentSchema,
  PartnerParams,
  PaymentBody,
  ReadinessBody,
} from '../schemas';
import type { PartnerRouteDeps } from './partners';

const READERS = ['program-admin', 'partner-manager', 'alliance-lead', 'alliance-team'] as const;

export function applicationRoutes(router: Router, deps: PartnerRouteDeps): void {
  const { store, lifecycle } = deps;
  const desk = new PaymentDesk(store, lifecycle);
  const applicationUrl = (partnerId: string, number: number) =>
    `${deps.prefix}/partners/${partnerId}/upgrade-applications/${number}`;

  defineRoute(router, deps, {
    method: 'post',
    path: '/partners/{id}/upgrade-applications',
    operationId: 'applyForUpgrade',
    summary: 'Apply for the next tier up',
    description:
      'Only to the next tier up, one open application at a time (R-UPGRADE). Select/Advanced are decided on the ' +
      'application date; Premier runs sustained attainment, readiness and the EBR (R-PREMIER).',
    tag: 'Upgrade applications',
    access: { roles: ['alliance-lead', 'alliance-team'], scope: 'partner' },
    params: PartnerParams,
    body: ApplyBody,
    idempotent: true,
    responses: {
      202: {
        description:
          'Accepted: the partner’s workflow numbered and recorded the application (its answer does not wait for ' +
          'the evaluation); its progress is at `Location`',
        schema: ApplicationAcceptedSchema,
        headers: { Location: 'The application' },
      },
    },
    handler: async ({ partner, body, principal, updateId }) => {
      const { number, workflowId } = await lifecycle.apply(
        partner!.id,
        { targetTier: body.targetTier, feeAccountId: body.feeAccountId, by: principal.sub },
        { updateId },
      );
      const location = applicationUrl(partner!.id, number);
      return { status: 202, body: { number, workflowId, location }, headers: { Location: location } };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/partners/{id}/upgrade-applications',
    operationId: 'listApplications',
    summary: 'List the partner’s upgrade applications',
    tag: 'Upgrade applications',
    access: { roles: READERS, scope: 'partner' },
    params: PartnerParams,
    responses: {
      200: {
        description: 'Applications, oldest first',
        schema: z.object({
          items: z.array(
            z.object({
              number: z.number().int(),
              targetTier: z.string(),
              status: z.string(),
              submittedOn: z.string(),
              submittedBy: z.string(),
              decidedOn: z.string().nullable(),
              ebrWindow: z.string().nullable(),
              location: z.string(),
            }),
          ),
        }),
      },
    },
    handler: async ({ partner }) => {
      const items = (await store.listApplications({ partnerId: partner!.id }))
        .sort((a, b) => a.seq - b.seq)
        .map((a) => ({
          number: a.seq,
          targetTier: a.targetTier,
          status: a.status,
          submittedOn: a.submittedOn,
          submittedBy: a.submittedBy,
          decidedOn: a.decidedOn,
          ebrWindow: a.ebrWindow,
          location: applicationUrl(partner!.id, a.seq),
        }));
      return { status: 200, body: { items } };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/partners/{id}/upgrade-applications/{appId}',
    operationId: 'getApplication',
    summary: 'Read an upgrade application',
    tag: 'Upgrade applications',
    access: { roles: READERS, scope: 'partner' },
    params: ApplicationParams,
    responses: { 200: { description: 'Its progress', schema: ApplicationStatusSchema } },
    handler: async ({ params }) => {
      const status = await lifecycle.applicationStatus(params.id, params.appId);
      if (status) return { status: 200, body: status };
      // Accepted (recorded by the partner's workflow) but its own workflow not started yet: it is being evaluated.
      const recorded = (await store.listApplications({ partnerId: params.id })).find((a) => a.seq === params.appId);
      if (!recorded) throw ProblemError.notFound(`partner '${params.id}' has no application #${params.appId}`);
      const accepted: ApplicationStatus = {
        number: recorded.seq,
        workflowId: applicationWorkflowId(params.id, recorded.seq),
        targetTier: recorded.targetTier,
        submittedOn: recorded.submittedOn,
        stage: 'evaluating',
        sustainedMonths: 0,
        gaps: [],
      };
      return { status: 200, body: accepted };
    },
  });

  for (const step of ['readiness-assessment', 'ebr-outcome'] as const) {
    const readiness = step === 'readiness-assessment';
    defineRoute(router, deps, {
      method: 'post',
      path: `/partners/{id}/upgrade-applications/{appId}/${step}`,
      operationId: readiness ? 'recordReadinessAssessment' : 'recordEbrOutcome',
      summary: readiness ? 'Record the readiness pre-assessment' : 'Record the EBR outcome',
      description: readiness
        ? 'R-PREMIER step 2. A failed assessment can be recorded again later.'
        : 'R-PREMIER step 3: approved → Premier; rejected → closed with the notes as reasons; deferred → next ' +
          'window. 409 when no EBR is scheduled or its window has not opened.',
      tag: 'Upgrade applications',
      access: { roles: ['partner-manager'], scope: 'partner' },
      params: ApplicationParams,
      body: readiness ? ReadinessBody : EbrOutcomeBody,
      idempotent: true,
      responses: { 200: { description: 'The application after the step', schema: ApplicationStatusSchema } },
      handler: async ({ params, body, principal, updateId }) => {
        const cmd = { ...body, by: principal.sub } as { outcome: never; notes?: string; by: string };
        const status = readiness
          ? await lifecycle.recordReadiness(params.id, params.appId, cmd, { updateId })
          : await lifecycle.recordEbrOutcome(params.id, params.appId, cmd, { updateId });
        return { status: 200, body: status };
      },
    });
  }

  defineRoute(router, deps, {
    method: 'get',
    path: '/ebrs',
    operationId: 'listEbrs',
    summary: 'Who is scheduled in an EBR window',
    description: 'R-EBR. Partner managers see only the partners assigned to them.',
    tag: 'Upgrade applications',
    access: { roles: ['program-admin', 'partner-manager'] },
    query: EbrQuery,
    responses: {
      200: {
        description: 'Applications scheduled in the window',
        schema: z.object({ items: z.array(EbrEntrySchema) }),
      },
    },
    handler: async ({ query, principal }) => {
      const applications = await store.listApplications({ ebrWindow: query.window });
      // One read of every partner in the window, not one per application.
      const partners = await store.getPartners(applications.map((a) => a.partnerId));
      const items = [];
      for (const a of applications.sort((x, y) => (x.partnerId < y.partnerId ? -1 : 1))) {
        const partner = partners.get(a.partnerId);
        if (!partner) continue;
        if (principal.role === 'partner-manager' && !partner.partnerManagerIds.includes(principal.sub)) continue;
        items.push({
          partnerId: partner.id,
          partnerName: partner.name,
          application: a.seq,
          applicationId: a.id,
          targetTier: a.targetTier,
          status: a.status,
          window: query.window,
        });
      }
      return { status: 200, body: { items } };
    },
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/partners/{id}/fee-payments',
    operationId: 'recordFeePayment',
    summary: 'Record a fee payment',
    description:
      'A payment made outside the engine, recorded `offline`: pays the open invoice; the amount must equal its total ' +
      '(fee plus VAT). R-PAID sends the promo code. An invoice with a payment pending at the bank is a 409.',
    tag: 'Fees and cases',
    access: { roles: ['partner-manager'], scope: 'partner' },
    params: PartnerParams,
    body: PaymentBody,
    idempotent: true,
    responses: {
      200: {
        description: 'Paid',
        schema: z.object({ invoiceId: z.string(), paidOn: z.string(), paymentId: z.string().optional() }),
      },
    },
    handler: async ({ partner, body, principal, updateId }) => ({
      status: 200,
      body: await desk.payOffline({
        partnerId: partner!.id,
        amount: body.amount,
        by: principal.sub,
        on: lifecycle.today(),
        updateId,
      }),
    }),
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/partners/{id}/fee-extensions',
    operationId: 'grantFeeExtension',
    summary: 'Grant the one fee-deadline extension',
    description: 'R-GRACE: once per invoice, up to 30 days, before the deadline.',
    tag: 'Fees and cases',
    access: { roles: ['partner-manager'], scope: 'partner' },
    params: PartnerParams,
    body: ExtensionBody,
    idempotent: true,
    responses: { 200: { description: 'Extended', schema: z.object({ deadline: z.string() }) } },
    handler: async ({ partner, body, principal, updateId }) => ({
      status: 200,
      body: await lifecycle.extend(partner!.id, { days: body.days, by: principal.sub }, { updateId }),
    }),
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/partners/{id}/cancellation-cases',
    operationId: 'requestCancellation',
    summary: 'Cancel the membership',
    description: 'R-CANCEL: the partner drops to registered, open invoices are voided, no further fee is billed.',
    tag: 'Fees and cases',
    access: { roles: ['alliance-lead'], scope: 'partner' },
    params: PartnerParams,
    body: CancellationBody,
    idempotent: true,
    responses: {
      201: {
        description: 'Case opened and applied',
        schema: z.object({ caseId: z.string() }),
        headers: { Location: 'The partner’s cases' },
      },
    },
    handler: async ({ partner, body, principal, updateId }) => {
      const result = await lifecycle.cancel(
        partner!.id,
        { by: principal.sub, ...(body.reason ? { reason: body.reason } : {}) },
        { updateId },
      );
      return { status: 201, body: result, headers: { Location: `${deps.prefix}/partners/${partner!.id}/cases` } };
    },
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/partners/{id}/tier-reinstatements',
    operationId: 'reinstateTier',
    summary: 'Reinstate a tier lost at renewal',
    description: 'R-RENEWAL: within the 30 days the non-compliance case stays open.',
    tag: 'Fees and cases',
    access: { roles: ['partner-manager'], scope: 'partner' },
    params: PartnerParams,
    body: z.object({}).strict().meta({ id: 'Reinstatement' }),
    idempotent: true,
    responses: { 200: { description: 'Reinstated', schema: z.object({ tier: z.string() }) } },
    handler: async ({ partner, principal, updateId }) => ({
      status: 200,
      body: await lifecycle.reinstate(partner!.id, { by: principal.sub }, { updateId }),
    }),
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/partners/{id}/incidents/{incidentId}/resolution',
    operationId: 'resolveIncident',
    summary: 'Retry or dismiss an incident',
    description:
      'Work that failed for a business reason (an activity refused for good) opens an incident instead of ending the ' +
      "partner's workflow; the stage shows needs-attention (search attribute ApnNeedsAttention) until an operator " +
      'retries the step or dismisses the incident.',
    tag: 'Operations',
    access: { roles: ['program-admin'], scope: 'partner' },
    params: IncidentParams,
    body: IncidentResolutionBody,
    idempotent: true,
    responses: {
      200: {
        description: 'Resolved; the incidents still open',
        schema: z.object({ incidents: z.array(IncidentSchema) }),
      },
    },
    handler: async ({ partner, params, body, principal, updateId }) => ({
      status: 200,
      body: await lifecycle.resolveIncident(
        partner!.id,
        {
          incidentId: params.incidentId,
          action: body.action,
          by: principal.sub,
          ...(body.note ? { note: body.note } : {}),
        },
        { updateId },
      ),
    }),
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/partners/{id}/cases/{caseNumber}/decision',
    operationId: 'decideCase',
    summary: 'Decide a fee-unpaid case',
    description:
      'R-GRACE: unpaid on day 90 the partner is at risk and a fee-unpaid case opens; its Partner Manager decides ' +
      'it: downgrade (to registered) or keep (the invoice stays open). Undecided after 30 days it is escalated.',
    tag: 'Fees and cases',
    access: { roles: ['partner-manager'], scope: 'partner' },
    params: CaseParams,
    body: CaseDecisionBody,
    idempotent: true,
    responses: {
      200: {
        description: 'Decided',
        schema: z.object({ caseId: z.string().max(200), outcome: z.enum(['downgraded', 'kept']) }),
      },
    },
    handler: async ({ partner, params, body, principal, updateId }) => ({
      status: 200,
      body: await lifecycle.decideCase(
        partner!.id,
        {
          caseId: caseId(partner!.id, params.caseNumber),
          decision: body.decision,
          reason: body.reason,
          by: principal.sub,
        },
        { updateId },
      ),
    }),
  });
}
