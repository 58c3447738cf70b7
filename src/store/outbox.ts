/** The notifications outbox: enqueued once per key by activities, sent by a dispatcher (the billing issue's). */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from './connection';
import { assertIsoDate } from './dates';
import { NotFoundError } from './errors';
import { jsonb, run } from './repository';
import { notifications } from './schema';
import type { EnqueueNotificationInput, IsoDate, Notification, NotificationStatus } from './types';

export interface OutboxRepository {
  enqueueNotification(input: EnqueueNotificationInput): Promise<{ notification: Notification; created: boolean }>;
  listNotifications(partnerId: string, filter?: { status?: NotificationStatus }): Promise<Notification[]>;
  listPendingNotifications(limit?: number): Promise<Notification[]>;
  markNotificationSent(key: string, on: IsoDate): Promise<{ notification: Notification; changed: boolean }>;
}

type NotificationRow = typeof notifications.$inferSelect;
/** A notifications row as the record the rest of the engine reads (the delivery side adds its own columns). */
export const toNotification = (r: NotificationRow): Notification => ({
  key: r.key,
  partnerId: r.partnerId,
  kind: r.kind,
  recipient: r.recipient,
  payload: r.payload,
  on: r.on,
  status: r.status as NotificationStatus,
  sentOn: r.sentOn,
});

/** The outbox repository over `db`. */
export function outboxRepository(db: Db): OutboxRepository {
  const repo = {
    async enqueueNotification(
      input: EnqueueNotificationInput,
    ): Promise<{ notification: Notification; created: boolean }> {
      assertIsoDate('on', input.on);
      return run(async () => {
        const [row] = await db
          .insert(notifications)
          .values({
            key: input.key,
            partnerId: input.partnerId,
            kind: input.kind,
            recipient: input.recipient,
            payload: sql`${jsonb(input.payload ?? null)}`,
            on: input.on,
          })
          .onConflictDoNothing({ target: notifications.key })
          .returning();
        if (row) return { notification: toNotification(row), created: true };
        const [existing] = await db.select().from(notifications).where(eq(notifications.key, input.key));
        if (!existing) throw new Error(`notification ${input.key} vanished`);
        return { notification: toNotification(existing), created: false };
      });
    },

    async listNotifications(partnerId: string, filter: { status?: NotificationStatus } = {}): Promise<Notification[]> {
      const rows = await db
        .select()
        .from(notifications)
        .where(
          and(
            eq(notifications.partnerId, partnerId),
            filter.status ? eq(notifications.status, filter.status) : undefined,
          ),
        )
        .orderBy(asc(notifications.on), asc(notifications.createdAt), asc(notifications.key));
      return rows.map(toNotification);
    },

    async listPendingNotifications(limit = 100): Promise<Notification[]> {
      const rows = await db
        .select()
        .from(notifications)
        .where(eq(notifications.status, 'pending'))
        .orderBy(asc(notifications.on), asc(notifications.createdAt), asc(notifications.key))
        .limit(limit);
      return rows.map(toNotification);
    },

    async markNotificationSent(key: string, on: IsoDate): Promise<{ notification: Notification; changed: boolean }> {
      assertIsoDate('on', on);
      return run(async () => {
        const [row] = await db
          .update(notifications)
          .set({ status: 'sent', sentOn: on })
          .where(and(eq(notifications.key, key), eq(notifications.status, 'pending')))
          .returning();
        if (row) return { notification: toNotification(row), changed: true };
        const [existing] = await db.select().from(notifications).where(eq(notifications.key, key));
        if (!existing) throw new NotFoundError('notification', key);
        return { notification: toNotification(existing), changed: false };
      });
    },
  };
  return repo;
}
