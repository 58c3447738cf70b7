/** Partners: registration (starts the lifecycle), listing, lifecycle state, tier history, cases, invoices. */
import type { Router } from 'express';
import { z } from 'zod';
import { evaluateScorecard, ScorecardSchema } from '../../domain/scorecard';
import type { Partner } from '../../store';
import type { PartnerStatus } from '../../workflows/types';
import { partnerProfileOf, type Lifecycle } from '../lifecycle';
import { isTemporalRefusal, ProblemError, toProblemError } from '../problem';
import { ScorecardCache } from '../scorecards';
import { defineRoute, type RouteDeps, type RouteResult } from '../route';
import {
  AuditRecordSchema,
  CaseSchema,
  EvaluateBody,
  InvoiceSchema,
  ListPartnersQuery,
  PartnerPageSchema,
  PartnerParams,
  PartnerReadQuery,
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

/**
 * The workflow's live state within LIVE_STATUS_TIMEOUT_MS: `{ status }` (undefined when the workflow does not exist),
 * or undefined when Temporal did not give it: no answer in time, or a refusal of the query (a ServiceError, such as
 * WorkflowNotReady while the workflow's task keeps failing or timing out under load). The read then answers from the
 * store, saying the lifecycle is unavailable; anything else (a bug of ours) is still a 500.
 */
async function liveStatusOf(
  lifecycle: Lifecycle,
  partnerId: string,
  req: { log?: { warn(obj: unknown, msg: string): void } },
): Promise<{ status: PartnerStatus | undefined } | undefined> {
  try {
    return { status: await lifecycle.status(partnerId, { timeoutMs: LIVE_STATUS_TIMEOUT_MS }) };
  } catch (error) {
    if (!isTemporalRefusal(error) && toProblemError(error)?.status !== 503) throw error;
    req.log?.warn({ err: error, partnerId }, 'lifecycle query unanswered; answering from the store');
    return undefined;
  }
}

/** The partner's current evidence (the version its row names) evaluated on `asOf`, or null when it has none. */
async function scorecardOf(scorecards: ScorecardCache, partner: Partner, asOf: string) {
  return (await scorecards.scorecard(partner.id, partner.evidenceVersion, asOf)) ?? null;
}

export function partnerRoutes(router: Router, deps: PartnerRouteDeps): void {
  const { store, lifecycle } = deps;
  const scorecards = new ScorecardCache(store);
  const liveStatus = (partnerId: string, req: Parameters<typeof liveStatusOf>[2]) =>
    liveStatusOf(lifecycle, partnerId, req);

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
        ...(body.allianceTeamIds ? { allianceTeamIds: body.allianceTeamIds } : {}),
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
    description:
      'Answers from the store: `partner` is the registration with the status the workflow keeps current, and ' +
      '`lifecycle` the state the workflow last stored (it writes it whenever the state changes), so a read costs ' +
      'no workflow query and answers while Temporal is slow or down. `?live=true` asks the workflow itself, with a ' +
      `${String(LIVE_STATUS_TIMEOUT_MS / 1000)} s deadline; when it does not reply in time the stored state answers.`,
    tag: 'Partners',
    access: { roles: READERS, scope: 'partner' },
    params: PartnerParams,
    query: PartnerReadQuery,
    responses: {
      200: {
        description: 'The partner; the headers say where `lifecycle` comes from and how fresh it is',
        schema: PartnerViewSchema,
        headers: {
          'Apn-Lifecycle':
            '`stored` (the read model, see `Apn-Lifecycle-Revision` and `Apn-Lifecycle-Written-At`), `live` (the ' +
            'workflow answered), or `unavailable` (no stored state yet and the workflow did not answer in time)',
          'Apn-Lifecycle-Revision': 'With `stored`: the revision of the stored view (grows with every write)',
          'Apn-Lifecycle-Written-At': 'With `stored`: when the stored view was written (ISO 8601)',
        },
      },
    },
    handler: async ({ partner, query, req }): Promise<RouteResult> => {
      const p = partner!;
      const [view, scorecard] = await Promise.all([
        store.getPartnerView(p.id),
        scorecardOf(scorecards, p, lifecycle.today()),
      ]);
      // The workflow is asked only when the caller wants its live answer, or when nothing is stored yet (a partner
      // whose workflow has not written its first view, or predates the read model).
      const live = query.live === true || !view ? await liveStatus(p.id, req) : undefined;
      if (live) {
        return {
          status: 200,
          body: { partner: p, lifecycle: live.status ?? null, scorecard, lifecycleView: null },
          headers: { 'Apn-Lifecycle': 'live' },
        };
      }
      if (!view) {
        return {
          status: 200,
          body: { partner: p, lifecycle: null, scorecard, lifecycleView: null },
          headers: { 'Apn-Lifecycle': 'unavailable' },
        };
      }
      return {
        status: 200,
        body: {
          partner: p,
          lifecycle: view.status as unknown as PartnerStatus,
          scorecard,
          // Last, after the fields that were there before it, for readers that match the body as text.
          lifecycleView: { revision: view.revision, asOf: view.asOf, writtenAt: view.writtenAt },
        },
        headers: {
          'Apn-Lifecycle': 'stored',
          'Apn-Lifecycle-Revision': String(view.revision),
          'Apn-Lifecycle-Written-At': view.writtenAt,
        },
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
      const p = partner!;
      const body = await scorecards.scorecardJson(p.id, p.evidenceVersion, query.asOf ?? lifecycle.today());
      if (!body) throw ProblemError.notFound(`partner '${p.id}' has no evidence yet`);
      return { status: 200, body };
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
