/** Partners: registration (starts the lifecycle), listing, lifecycle state, tier history, cases, invoices. */
import type { Router } from 'express';
import { z } from 'zod';
import { parseStoredEvidence } from '../../domain/evidence';
import { evaluateScorecard, ScorecardSchema } from '../../domain/scorecard';
import type { Partner } from '../../store';
import { partnerProfileOf, type Lifecycle } from '../lifecycle';
import { ProblemError, toProblemError } from '../problem';
import { defineRoute, type RouteDeps } from '../route';
import {
  AuditRecordSchema,
  CaseSchema,
  EvaluateBody,
  InvoiceSchema,
  ListPartnersQuery,
  PartnerPageSchema,
  PartnerParams,
  PartnerSchema,
  PartnerViewSchema,
  RegisterPartnerBody,
  ScorecardQuery,
  TimelineEntrySchema,
} from '../schemas';

export interface PartnerRouteDeps extends RouteDeps {
  lifecycle: Lifecycle;
}

const READERS = ['program-admin', 'partner-manager', 'alliance-lead', 'alliance-team'] as const;
/** How long a partner read waits for the workflow's live state before answering from the store alone. */
const LIVE_STATUS_TIMEOUT_MS = 2_000;

/** The partner's current evidence evaluated on `asOf`, or null when it has none. */
async function scorecardOf(deps: RouteDeps, partner: Partner, asOf: string) {
  const record = await deps.store.getEvidence(partner.id);
  if (!record) return null;
  return evaluateScorecard(parseStoredEvidence(record), asOf);
}

export function partnerRoutes(router: Router, deps: PartnerRouteDeps): void {
  const { store, lifecycle } = deps;

  defineRoute(router, deps, {
    method: 'post',
    path: '/partners',
    operationId: 'registerPartner',
    summary: 'Register a partner and start its lifecycle',
    description:
      'Registers the partner and starts its lifecycle workflow `partner/<id>`. The same id with the same data again ' +
      'answers 200 (nothing changes); with different data 409.',
    tag: 'Partners',
    access: { roles: ['program-admin'] },
    body: RegisterPartnerBody,
    idempotent: true,
    responses: {
      200: { description: 'Already registered with the same data', schema: PartnerSchema },
      201: {
        description: 'Registered; lifecycle started',
        schema: PartnerSchema,
        headers: { Location: 'The partner' },
      },
    },
    handler: async ({ body }) => {
      const { partner, created } = await store.registerPartner({
        ...partnerProfileOf(body),
        feeAccountId: body.feeAccountId ?? null,
        allianceLeadId: body.allianceLeadId,
        partnerManagerIds: body.partnerManagerIds,
      });
      try {
        await lifecycle.start(partnerProfileOf(body), body.lookBackFrom ? { lookBackFrom: body.lookBackFrom } : {});
      } catch (error) {
        // The lifecycle could not start: take the registration back so nothing is left half-done.
        if (created) await store.unregisterPartner(partner.id).catch(() => undefined);
        throw error;
      }
      return {
        status: created ? 201 : 200,
        body: partner,
        headers: { Location: `${deps.prefix}/partners/${partner.id}` },
      };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/partners',
    operationId: 'listPartners',
    summary: 'List partners',
    description: 'Filters combine with AND. Partner managers see only the partners assigned to them.',
    tag: 'Partners',
    access: { roles: ['program-admin', 'partner-manager'] },
    query: ListPartnersQuery,
    responses: { 200: { description: 'One page of partners', schema: PartnerPageSchema } },
    handler: async ({ query, principal }) => {
      const page = await store.listPartners({
        ...query,
        ...(principal.role === 'partner-manager' ? { partnerManagerId: principal.sub } : {}),
      });
      return { status: 200, body: page };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/partners/{id}',
    operationId: 'getPartner',
    summary: 'Read a partner: lifecycle state and latest scorecard',
    tag: 'Partners',
    access: { roles: READERS, scope: 'partner' },
    params: PartnerParams,
    responses: {
      200: {
        description:
          'The partner. `partner` is the store’s read model (kept current by the workflow); `lifecycle` is the ' +
          'workflow’s live state, or null with `Apn-Lifecycle: unavailable` when Temporal did not answer within ' +
          `${String(LIVE_STATUS_TIMEOUT_MS / 1000)} s.`,
        schema: PartnerViewSchema,
        headers: { 'Apn-Lifecycle': '`live`, or `unavailable` when the answer carries the read model only' },
      },
    },
    handler: async ({ partner, req }) => {
      const p = partner!;
      const [live, scorecard] = await Promise.all([
        // The workflow's detail (monthly checks, open invoice and cases) is worth a short wait, not an outage: when
        // Temporal is slow or down the read model answers alone.
        lifecycle.status(p.id, { timeoutMs: LIVE_STATUS_TIMEOUT_MS }).then(
          (status) => ({ status }),
          (error: unknown) => {
            if (toProblemError(error)?.status !== 503) throw error;
            req.log?.warn({ err: error, partnerId: p.id }, 'lifecycle query unanswered; reading the store only');
            return undefined;
          },
        ),
        scorecardOf(deps, p, lifecycle.today()),
      ]);
      return {
        status: 200,
        body: { partner: p, lifecycle: live?.status ?? null, scorecard },
        headers: { 'Apn-Lifecycle': live ? 'live' : 'unavailable' },
      };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/partners/{id}/audit',
    operationId: 'getTierHistory',
    summary: 'Read the tier history',
    description: 'Every tier change: from, to, when, why, by whom (R-CASE).',
    tag: 'Partners',
    access: { roles: READERS, scope: 'partner' },
    params: PartnerParams,
    responses: {
      200: { description: 'Tier changes, oldest first', schema: z.object({ items: z.array(AuditRecordSchema) }) },
    },
    handler: async ({ partner }) => {
      const items = (await store.listAudit(partner!.id)).map(({ key: _key, partnerId: _p, ...rest }) => rest);
      return { status: 200, body: { items } };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/partners/{id}/timeline',
    operationId: 'getTimeline',
    summary: 'Read the partner’s timeline',
    description:
      'The journal the partner’s workflows write, read-only: every event of its life (applications, monthly ' +
      'checks, EBRs, invoices, risks, cases, tier changes) with its business date, oldest first.',
    tag: 'Partners',
    access: { roles: READERS, scope: 'partner' },
    params: PartnerParams,
    responses: {
      200: { description: 'Events, oldest first', schema: z.object({ items: z.array(TimelineEntrySchema) }) },
    },
    handler: async ({ partner }) => {
      const items = (await store.listJournal(partner!.id)).map(({ seq, on, type, data }) => ({ seq, on, type, data }));
      return { status: 200, body: { items } };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/partners/{id}/cases',
    operationId: 'listCases',
    summary: 'List downgrade and cancellation cases',
    tag: 'Fees and cases',
    access: { roles: READERS, scope: 'partner' },
    params: PartnerParams,
    responses: { 200: { description: 'Cases, oldest first', schema: z.object({ items: z.array(CaseSchema) }) } },
    handler: async ({ partner }) => {
      const items = (await store.listCases(partner!.id)).map(({ key: _key, partnerId: _p, ...rest }) => rest);
      return { status: 200, body: { items } };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/partners/{id}/invoices',
    operationId: 'listInvoices',
    summary: 'List fee invoices',
    tag: 'Fees and cases',
    access: { roles: READERS, scope: 'partner' },
    params: PartnerParams,
    responses: { 200: { description: 'Invoices', schema: z.object({ items: z.array(InvoiceSchema) }) } },
    handler: async ({ partner }) => {
      const items = (await store.listInvoices(partner!.id)).map(({ partnerId: _p, ...rest }) => rest);
      return { status: 200, body: { items } };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/partners/{id}/scorecard',
    operationId: 'getScorecard',
    summary: 'Evaluate the partner’s current evidence',
    description: 'As of `asOf` (default: today). Evidence dated after `asOf` never counts (R-WINDOW).',
    tag: 'Scorecards',
    access: { roles: READERS, scope: 'partner' },
    params: PartnerParams,
    query: ScorecardQuery,
    responses: { 200: { description: 'The scorecard', schema: ScorecardSchema } },
    handler: async ({ partner, query }) => {
      const scorecard = await scorecardOf(deps, partner!, query.asOf ?? lifecycle.today());
      if (!scorecard) throw ProblemError.notFound(`partner '${partner!.id}' has no evidence yet`);
      return { status: 200, body: scorecard };
    },
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/scorecards/evaluate',
    operationId: 'evaluateScorecard',
    summary: 'Evaluate evidence (what-if)',
    description: 'Stateless: evaluates the given evidence document as of `asOf`; nothing is stored (CONTRACT §2).',
    tag: 'Scorecards',
    access: { roles: ['program-admin', 'partner-manager', 'alliance-lead', 'alliance-team', 'evidence-feed'] },
    body: EvaluateBody,
    responses: { 200: { description: 'The scorecard', schema: ScorecardSchema } },
    handler: ({ body }) => Promise.resolve({ status: 200, body: evaluateScorecard(body.evidence, body.asOf) }),
  });
}
