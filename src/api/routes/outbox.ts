/** The notifications outbox for program admins: what is pending, sent or dead, and a retry for dead letters. */
import type { Router } from 'express';
import { z } from 'zod';
import { IsoDateSchema } from '../../domain/evidence';
import { PartnerIdSchema } from '../../domain/partner';
import { defineRoute, type RouteDeps } from '../route';

const NotificationKey = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[\x21-\x7e]+$/, 'a notification key is visible ASCII (URL-encode `/` and `#` in the path)')
  .meta({ description: 'The notification key, URL-encoded (keys contain `/` and `#`)' });

export const OutboxEntrySchema = z
  .object({
    key: z.string(),
    partnerId: z.string(),
    kind: z.string(),
    recipient: z.string(),
    payload: z.unknown(),
    on: IsoDateSchema.meta({ description: 'Business date the notification is about' }),
    status: z.enum(['pending', 'sent', 'dead']),
    sentOn: IsoDateSchema.nullable(),
    attempts: z.number().int(),
    nextAttemptAt: z
      .string()
      .nullable()
      .meta({ description: 'When the dispatcher may try next (backing off, or held by a dispatcher)' }),
    lastError: z.string().nullable().meta({ description: 'Why the last attempt failed' }),
    sentAt: z.string().nullable(),
  })
  .meta({ id: 'OutboxEntry' });

const OutboxListSchema = z.object({ items: z.array(OutboxEntrySchema) }).meta({ id: 'OutboxList' });

export const OutboxQuery = z
  .object({
    status: z.enum(['pending', 'sent', 'dead']).optional(),
    partnerId: PartnerIdSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

const DeadLetterQuery = OutboxQuery.omit({ status: true });

export function outboxRoutes(router: Router, deps: RouteDeps): void {
  const { store } = deps;

  defineRoute(router, deps, {
    method: 'get',
    path: '/outbox',
    operationId: 'listOutbox',
    summary: 'List outbox notifications',
    description:
      'Every notification the engine queued, newest business date first, with its delivery state: `pending` (not ' +
      'sent yet, or backing off after a failure), `sent`, or `dead` (every attempt failed).',
    tag: 'Notifications',
    access: { roles: ['program-admin'] },
    query: OutboxQuery,
    responses: { 200: { description: 'Notifications', schema: OutboxListSchema } },
    handler: async ({ query }) => ({ status: 200, body: { items: await store.outbox.list(query) } }),
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/outbox/dead-letters',
    operationId: 'listDeadLetters',
    summary: 'List dead letters',
    description: 'Notifications the dispatcher gave up on after its attempts, with the last error.',
    tag: 'Notifications',
    access: { roles: ['program-admin'] },
    query: DeadLetterQuery,
    responses: { 200: { description: 'Dead letters', schema: OutboxListSchema } },
    handler: async ({ query }) => ({
      status: 200,
      body: { items: await store.outbox.list({ ...query, status: 'dead' }) },
    }),
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/outbox/{key}/retry',
    operationId: 'retryDeadLetter',
    summary: 'Retry a dead letter',
    description:
      'Sends a dead letter back to `pending` with its attempts reset; the dispatcher sends it in its next round, ' +
      'under the same Message-ID. Anything but a dead letter is a 409.',
    tag: 'Notifications',
    access: { roles: ['program-admin'] },
    params: z.object({ key: NotificationKey }),
    idempotent: true,
    responses: { 200: { description: 'Pending again', schema: OutboxEntrySchema } },
    handler: async ({ params }) => ({ status: 200, body: await store.outbox.retryDeadLetter(params.key) }),
  });
}
