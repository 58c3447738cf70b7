/**
 * Delivery side of the notifications outbox: the dispatcher (src/notifications) claims due notifications under a
 * lease, marks them sent, or records a failure with its backoff — and after the last allowed attempt moves them to
 * the dead letters, which a program admin may list and send back to `pending`.
 *
 * Claims use `FOR UPDATE SKIP LOCKED` and a lease (`next_attempt_at` in the future), so two dispatchers (two worker
 * processes on one PostgreSQL) never take the same notification at once, and a dispatcher that dies between sending
 * and marking gives its claims back when the lease runs out: the notification is then sent again, under the same
 * Message-ID.
 */
import { and, asc, desc, eq, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './connection';
import { run as translated } from './repository';
import { NotFoundError, StoreConflictError } from './errors';
import { toNotification } from './outbox';
import { notifications } from './schema';
import type { Notification, NotificationStatus } from './types';

/** A notification with its delivery state. */
export interface OutboxEntry extends Notification {
  attempts: number;
  /** When the dispatcher may next try it (null: as soon as it runs; in the future: backing off or leased). */
  nextAttemptAt: string | null;
  lastError: string | null;
  sentAt: string | null;
}

export interface OutboxFilter {
  status?: NotificationStatus;
  partnerId?: string;
  limit?: number;
}

type Row = typeof notifications.$inferSelect;

const toEntry = (r: Row): OutboxEntry => ({
  ...toNotification(r),
  attempts: r.attempts,
  nextAttemptAt: r.nextAttemptAt?.toISOString() ?? null,
  lastError: r.lastError,
  sentAt: r.sentAt?.toISOString() ?? null,
});

const MAX_ERROR_LENGTH = 1_000;
const MAX_LIST = 500;

/** The outbox as the dispatcher and the program admins' API see it. */
export class OutboxDelivery {
  constructor(private readonly db: Db) {}

  /**
   * Takes up to `limit` pending notifications due at `now` (never tried, backoff over, or an abandoned lease), oldest
   * business date first, counts the attempt and leases them until `now + leaseMs`.
   */
  async claimDue(now: Date, options: { limit: number; leaseMs: number }): Promise<OutboxEntry[]> {
    const leaseUntil = new Date(now.getTime() + options.leaseMs);
    return translated(() =>
      this.db.transaction(async (tx) => {
        const due = await tx
          .select({ key: notifications.key })
          .from(notifications)
          .where(
            and(
              eq(notifications.status, 'pending'),
              or(isNull(notifications.nextAttemptAt), lte(notifications.nextAttemptAt, now)),
            ),
          )
          .orderBy(asc(notifications.on), asc(notifications.createdAt), asc(notifications.key))
          .limit(options.limit)
          .for('update', { skipLocked: true });
        if (due.length === 0) return [];
        const rows = await tx
          .update(notifications)
          .set({ attempts: sql`${notifications.attempts} + 1`, nextAttemptAt: leaseUntil })
          .where(
            inArray(
              notifications.key,
              due.map((d) => d.key),
            ),
          )
          .returning();
        const order = new Map(due.map((d, i) => [d.key, i]));
        return rows.map(toEntry).sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
      }),
    );
  }

  /** Marks a claimed notification sent; `changed: false` when it no longer was pending (sent by another). */
  async markSent(key: string, now: Date): Promise<{ entry: OutboxEntry; changed: boolean }> {
    return translated(async () => {
      const [row] = await this.db
        .update(notifications)
        .set({
          status: 'sent',
          sentAt: now,
          sentOn: now.toISOString().slice(0, 10),
          nextAttemptAt: null,
          lastError: null,
        })
        .where(and(eq(notifications.key, key), eq(notifications.status, 'pending')))
        .returning();
      if (row) return { entry: toEntry(row), changed: true };
      return { entry: await this.require(key), changed: false };
    });
  }

  /**
   * Records a failed attempt: the notification waits until `retryAt`, or becomes a dead letter when it has had
   * `maxAttempts` attempts.
   */
  async recordFailure(
    key: string,
    failure: { error: string; retryAt: Date; maxAttempts: number },
  ): Promise<{ entry: OutboxEntry; dead: boolean }> {
    return translated(async () => {
      const dead = sql`${notifications.attempts} >= ${failure.maxAttempts}`;
      const [row] = await this.db
        .update(notifications)
        .set({
          status: sql`case when ${dead} then 'dead' else 'pending' end`,
          nextAttemptAt: sql`case when ${dead} then null else ${failure.retryAt.toISOString()}::timestamptz end`,
          lastError: failure.error.slice(0, MAX_ERROR_LENGTH),
        })
        .where(and(eq(notifications.key, key), eq(notifications.status, 'pending')))
        .returning();
      const entry = row ? toEntry(row) : await this.require(key);
      return { entry, dead: entry.status === 'dead' };
    });
  }

  /** A dead letter back to `pending` with its attempts reset, for the dispatcher's next round. */
  async retryDeadLetter(key: string): Promise<OutboxEntry> {
    return translated(async () => {
      const [row] = await this.db
        .update(notifications)
        .set({ status: 'pending', attempts: 0, nextAttemptAt: null })
        .where(and(eq(notifications.key, key), eq(notifications.status, 'dead')))
        .returning();
      if (row) return toEntry(row);
      const current = await this.require(key);
      throw new StoreConflictError(
        'notification-not-dead',
        `notification '${key}' is ${current.status}, not a dead letter: only dead letters are retried`,
        { status: current.status },
      );
    });
  }

  async get(key: string): Promise<OutboxEntry | undefined> {
    const [row] = await this.db.select().from(notifications).where(eq(notifications.key, key));
    return row && toEntry(row);
  }

  /** Newest business date first; dead letters and pending ones are what a program admin looks for. */
  async list(filter: OutboxFilter = {}): Promise<OutboxEntry[]> {
    const conditions: (SQL | undefined)[] = [
      filter.status ? eq(notifications.status, filter.status) : undefined,
      filter.partnerId ? eq(notifications.partnerId, filter.partnerId) : undefined,
    ];
    const rows = await this.db
      .select()
      .from(notifications)
      .where(and(...conditions))
      .orderBy(desc(notifications.on), desc(notifications.createdAt), asc(notifications.key))
      .limit(Math.min(filter.limit ?? 100, MAX_LIST));
    return rows.map(toEntry);
  }

  private async require(key: string): Promise<OutboxEntry> {
    const entry = await this.get(key);
    if (!entry) throw new NotFoundError('notification', key);
    return entry;
  }
}
