/** The API's Idempotency-Key records (src/api/route.ts): beside the system of record, not part of it. */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './connection';
import { jsonb, run } from './repository';
import { apiIdempotency } from './schema';
import type { StoredResponse } from './types';

export interface IdempotencyRepository {
  /** What holds (callerId, key), if anything. */
  recall(callerId: string, key: string): Promise<StoredResponse | undefined>;
  /**
   * Claims (callerId, key) for a request about to run. `claimed: false` returns what holds the key: a finished
   * response, or `status: 0` while another request with the key still runs. A claim older than `staleAfterMs` was
   * abandoned by a crashed process and is taken over.
   */
  claim(
    callerId: string,
    key: string,
    requestHash: string,
    staleAfterMs?: number,
  ): Promise<{ claimed: true } | { claimed: false; stored: StoredResponse }>;
  /** Records the answer of a claimed request; replays return it. */
  settle(callerId: string, key: string, status: number, body: unknown): Promise<void>;
  /** Frees a claimed key whose request failed for a server-side reason, so a retry runs again. */
  release(callerId: string, key: string): Promise<void>;
}

/** The idempotency repository over `db`. */
export function idempotencyRepository(db: Db): IdempotencyRepository {
  const repo = {
    async recall(callerId: string, key: string): Promise<StoredResponse | undefined> {
      const [row] = await db
        .select()
        .from(apiIdempotency)
        .where(and(eq(apiIdempotency.callerId, callerId), eq(apiIdempotency.key, key)));
      return (
        row && {
          callerId: row.callerId,
          key: row.key,
          requestHash: row.requestHash,
          status: row.status,
          body: row.body,
        }
      );
    },

    async claim(
      callerId: string,
      key: string,
      requestHash: string,
      staleAfterMs = 120_000,
    ): Promise<{ claimed: true } | { claimed: false; stored: StoredResponse }> {
      return run(async () => {
        const inserted = await db
          .insert(apiIdempotency)
          .values({ callerId, key, requestHash, status: 0, body: null })
          .onConflictDoNothing({ target: [apiIdempotency.callerId, apiIdempotency.key] })
          .returning({ key: apiIdempotency.key });
        if (inserted.length > 0) return { claimed: true as const };
        // An unfinished claim older than staleAfterMs belongs to a process that died: take it over.
        const takenOver = await db
          .update(apiIdempotency)
          .set({ requestHash, createdAt: sql`now()` })
          .where(
            and(
              eq(apiIdempotency.callerId, callerId),
              eq(apiIdempotency.key, key),
              eq(apiIdempotency.status, 0),
              sql`${apiIdempotency.createdAt} < now() - make_interval(secs => ${staleAfterMs / 1000})`,
            ),
          )
          .returning({ key: apiIdempotency.key });
        if (takenOver.length > 0) return { claimed: true as const };
        const stored = await repo.recall(callerId, key);
        if (!stored) throw new Error(`idempotency record ${callerId}/${key} vanished`);
        return { claimed: false as const, stored };
      });
    },

    async settle(callerId: string, key: string, status: number, body: unknown): Promise<void> {
      await run(() =>
        db
          .update(apiIdempotency)
          .set({ status, body: sql`${jsonb(body ?? null)}` })
          .where(and(eq(apiIdempotency.callerId, callerId), eq(apiIdempotency.key, key))),
      );
    },

    async release(callerId: string, key: string): Promise<void> {
      await run(() =>
        db
          .delete(apiIdempotency)
          .where(and(eq(apiIdempotency.callerId, callerId), eq(apiIdempotency.key, key), eq(apiIdempotency.status, 0))),
      );
    },
  };
  return repo;
}
