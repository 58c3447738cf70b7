/**
 * The evidence feed: the whole document (PUT), one item at a time (POST/DELETE per item kind), and CSV imports as
 * Partner Central exports them. Every change is one new evidence version, written atomically, and then wakes the
 * partner's workflow to re-check (it would see the change at its next monthly check anyway).
 */
import type { Router } from 'express';
import { z } from 'zod';
import {
  addItem,
  csvColumns,
  emptyEvidence,
  ITEM_KIND_SPECS,
  ITEM_KINDS,
  parseCsvItems,
  parseStoredEvidence,
  PartnerEvidenceSchema,
  removeItem,
  upsertItems,
  type PartnerEvidence,
  type Refusal,
} from '../../domain/evidence';
import type { Partner } from '../../store';
import { ProblemError } from '../problem';
import { defineRoute, type RouteContext } from '../route';
import { EvidenceDocumentSchema, PartnerParams } from '../schemas';
import type { PartnerRouteDeps } from './partners';

const FEED = ['evidence-feed', 'program-admin'] as const;

const EvidenceChangeSchema = z
  .object({
    version: z.number().int(),
    created: z.boolean().meta({ description: 'false when the document equals the current version (nothing stored)' }),
    lifecycleNotified: z.boolean().meta({
      description:
        'false when the workflow had to be woken (its look-back is open) and could not be; it re-reads evidence at ' +
        'its next check. A workflow with nothing to do on the change is not woken (true)',
    }),
  })
  .meta({ id: 'EvidenceChange' });

/**
 * The evidence schemas drop unknown keys; over the API a misspelt field (`individual` for `individuals`) would then
 * vanish silently, so unknown top-level keys are refused by name.
 */
function refuseUnknownKeys(schema: z.ZodType, value: unknown, where: string): void {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  if (!shape || value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const unknown = Object.keys(value).filter((key) => !Object.hasOwn(shape, key));
  if (unknown.length === 0) return;
  throw ProblemError.invalid(
    `unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
    unknown.map((key) => ({
      path: `${where}.${key}`,
      message: `unknown field; expected one of ${Object.keys(shape).join(', ')}`,
    })),
  );
}

function refusalProblem(refusal: Refusal): ProblemError {
  return ProblemError.of(refusal.reason, refusal.message, refusal.issues);
}

export function evidenceRoutes(router: Router, deps: PartnerRouteDeps): void {
  const { store, lifecycle } = deps;

  function currentOf(partner: Partner, stored: unknown, version: number): PartnerEvidence {
    if (stored === undefined) return emptyEvidence(partner.track);
    return parseStoredEvidence({ partnerId: partner.id, version, document: stored });
  }

  /**
   * Whether the partner's workflow has work to do on an evidence change: yes unless its stored view says its look-back
   * is closed (it never reopens). A workflow without a view yet, or whose view predates the field, is woken. The
   * others are not: each signal is a workflow task and four history events, and an evidence feed writing often
   * kept a fleet's workers busy with wake-ups that changed nothing (issue #14: applications behind them answered
   * past the API's deadline). Their next check reads the latest version from the store anyway.
   */
  async function evidenceWatched(partnerId: string): Promise<boolean> {
    const view = await store.getPartnerView(partnerId);
    return view?.status.evidenceWatched !== false;
  }

  /** Writes `change(current)` as the next version and wakes the workflow when the change is work for it. */
  async function change(
    ctx: RouteContext<unknown, unknown, unknown>,
    fn: (current: PartnerEvidence) => PartnerEvidence,
    status = 200,
  ) {
    const partner = ctx.partner!;
    const on = lifecycle.today();
    const { version, created } = await store.changeEvidence<PartnerEvidence>(
      partner.id,
      (stored, version) => fn(currentOf(partner, stored, version)),
      { on },
    );
    let lifecycleNotified = true;
    if (created && (await evidenceWatched(partner.id))) {
      lifecycleNotified = await lifecycle.evidenceChanged(partner.id, version, on).then(
        () => true,
        (err: unknown) => {
          ctx.req.log?.warn({ err, partnerId: partner.id, version }, 'evidence stored; the workflow was not woken');
          return false;
        },
      );
    }
    return { status: created ? status : 200, body: { version, created, lifecycleNotified } };
  }

  defineRoute(router, deps, {
    method: 'get',
    path: '/partners/{id}/evidence',
    operationId: 'getEvidence',
    summary: 'Read the current evidence document',
    tag: 'Evidence',
    access: { roles: [...FEED, 'partner-manager', 'alliance-lead', 'alliance-team'], scope: 'partner' },
    params: PartnerParams,
    responses: { 200: { description: 'The current version', schema: EvidenceDocumentSchema } },
    handler: async ({ partner }) => {
      const record = await store.getEvidence(partner!.id);
      if (!record) throw ProblemError.notFound(`partner '${partner!.id}' has no evidence yet`);
      return {
        status: 200,
        body: {
          partnerId: record.partnerId,
          version: record.version,
          recordedOn: record.recordedOn,
          document: record.document,
        },
      };
    },
  });

  defineRoute(router, deps, {
    method: 'put',
    path: '/partners/{id}/evidence',
    operationId: 'putEvidence',
    summary: 'Replace the whole evidence document',
    description: 'CONTRACT §1. The same document again stores nothing. Its track must be the partner’s.',
    tag: 'Evidence',
    access: { roles: FEED, scope: 'partner' },
    params: PartnerParams,
    body: PartnerEvidenceSchema,
    responses: { 200: { description: 'Stored (or unchanged)', schema: EvidenceChangeSchema } },
    handler: (ctx) => {
      refuseUnknownKeys(PartnerEvidenceSchema, ctx.req.body, 'body');
      if (ctx.body.track !== ctx.partner!.track) {
        throw ProblemError.invalid('the evidence is for another track', [
          { path: 'body.track', message: `must be '${ctx.partner!.track}', the partner's track` },
        ]);
      }
      return change(ctx, () => ctx.body);
    },
  });

  for (const kind of ITEM_KINDS) {
    const spec = ITEM_KIND_SPECS[kind];
    defineRoute(router, deps, {
      method: 'post',
      path: `/partners/{id}/evidence/${kind}`,
      operationId: `addEvidence_${kind.replace(/-/g, '_')}`,
      summary: `Add one item to ${kind}`,
      description: `The item is identified by ${spec.keyDescription}; a second item with the same key is refused (409).`,
      tag: 'Evidence',
      access: { roles: FEED, scope: 'partner' },
      params: PartnerParams,
      body: spec.schema,
      idempotent: true,
      responses: { 201: { description: 'Added', schema: EvidenceChangeSchema } },
      handler: (ctx) => {
        refuseUnknownKeys(spec.schema, ctx.req.body, 'body');
        return change(
          ctx,
          (current) => {
            const result = addItem(current, kind, ctx.req.body);
            if (!result.ok) throw refusalProblem(result);
            return result.document;
          },
          201,
        );
      },
    });
    defineRoute(router, deps, {
      method: 'delete',
      path: `/partners/{id}/evidence/${kind}/{key}`,
      operationId: `removeEvidence_${kind.replace(/-/g, '_')}`,
      summary: `Remove one item from ${kind}`,
      description: `\`key\` is ${spec.keyDescription} (URL-encoded).${
        kind === 'individuals' ? ' The individual’s credentials go with it.' : ''
      }`,
      tag: 'Evidence',
      access: { roles: FEED, scope: 'partner' },
      params: PartnerParams.extend({ key: z.string().min(1).max(500) }),
      responses: { 200: { description: 'Removed', schema: EvidenceChangeSchema } },
      handler: (ctx) =>
        change(ctx, (current) => {
          const result = removeItem(current, kind, ctx.params.key);
          if (!result.ok) throw refusalProblem(result);
          return result.document;
        }),
    });
  }

  const columns = ITEM_KINDS.map(
    (kind) =>
      `- \`${kind}\`: ${csvColumns(kind)
        .map((c) => c.headers[0])
        .join(', ')}`,
  );
  defineRoute(router, deps, {
    method: 'post',
    path: '/partners/{id}/evidence/import',
    operationId: 'importEvidenceCsv',
    summary: 'Import items of one kind from CSV',
    description:
      'Body: `text/csv` with a header row, as Partner Central exports it (our field names are accepted too). ' +
      '`mode=merge` (default) adds or replaces items by key; `mode=replace` makes the kind exactly the file. Every ' +
      `bad row and column is reported; nothing is stored unless the whole file is valid. A cell starting with ` +
      '`=`, `+`, `-` or `@` is refused: a spreadsheet would run it as a formula.' +
      `\n\nColumns per kind:\n${columns.join('\n')}`,
    tag: 'Evidence',
    // The partner's own alliance users upload what Partner Central exported for them (the console's evidence page);
    // the feed and admins import for any partner.
    access: { roles: [...FEED, 'alliance-lead', 'alliance-team'], scope: 'partner' },
    params: PartnerParams,
    query: z.object({ kind: z.enum(ITEM_KINDS), mode: z.enum(['merge', 'replace']).default('merge') }).strict(),
    body: z.string().max(10_000_000).meta({ description: 'CSV text' }),
    bodyType: 'text/csv',
    idempotent: true,
    responses: {
      200: {
        description: 'Imported',
        schema: EvidenceChangeSchema.extend({
          added: z.number().int(),
          updated: z.number().int(),
          removed: z.number().int(),
        }),
      },
    },
    handler: async (ctx) => {
      const parsed = parseCsvItems(ctx.query.kind, ctx.body);
      if (!parsed.ok) throw ProblemError.invalid(`the ${ctx.query.kind} CSV has problems`, parsed.issues);
      let counts = { added: 0, updated: 0, removed: 0 };
      const result = await change(ctx, (current) => {
        const upserted = upsertItems(
          current,
          ctx.query.kind,
          parsed.items,
          ctx.query.mode,
          parsed.pathOf ? { pathOf: parsed.pathOf } : {},
        );
        if (!upserted.ok) throw refusalProblem(upserted);
        counts = { added: upserted.added, updated: upserted.updated, removed: upserted.removed };
        return upserted.document;
      });
      return { ...result, body: { ...result.body, ...counts } };
    },
  });
}
