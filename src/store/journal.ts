/** Each partner's timeline (the journal): entries appended once per key, read in the order written. */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from './connection';
import { assertIsoDate } from './dates';
import { jsonb, run } from './repository';
import { journal } from './schema';
import type { IsoDate, JournalEntry, JournalEntryInput } from './types';

export interface JournalRepository {
  /** Appends entries in order; an entry whose key was already written is skipped. */
  appendJournal(partnerId: string, entries: JournalEntryInput[]): Promise<{ written: number }>;
  /** The partner's timeline in the order it was written. */
  listJournal(partnerId: string): Promise<JournalEntry[]>;
  /** How many entries of `type` dated `on` all partners' timelines hold (fleet-wide progress, e.g. a monthly sweep). */
  countJournal(type: string, on: IsoDate): Promise<number>;
}

/** The journal repository over `db`. */
export function journalRepository(db: Db): JournalRepository {
  const repo = {
    async appendJournal(partnerId: string, entries: JournalEntryInput[]): Promise<{ written: number }> {
      for (const entry of entries) assertIsoDate('on', entry.on);
      if (entries.length === 0) return { written: 0 };
      return run(async () => {
        const rows = await db
          .insert(journal)
          .values(
            entries.map((e) => ({
              key: e.key,
              partnerId,
              on: e.on,
              type: e.type,
              data: sql`${jsonb(e.data)}`,
            })),
          )
          .onConflictDoNothing({ target: journal.key })
          .returning({ seq: journal.seq });
        return { written: rows.length };
      });
    },

    async countJournal(type: string, on: IsoDate): Promise<number> {
      assertIsoDate('on', on);
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(journal)
        .where(and(eq(journal.type, type), eq(journal.on, on)));
      return Number(row?.n ?? 0);
    },

    async listJournal(partnerId: string): Promise<JournalEntry[]> {
      const rows = await db.select().from(journal).where(eq(journal.partnerId, partnerId)).orderBy(asc(journal.seq));
      return rows.map((r) => ({
        seq: r.seq,
        key: r.key,
        partnerId: r.partnerId,
        on: r.on,
        type: r.type,
        data: r.data as Record<string, unknown>,
      }));
    },
  };
  return repo;
}
