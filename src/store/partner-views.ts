/**
 * The partner read model (`partner_views`): each partner's lifecycle state as its workflow last wrote it, so the API
 * reads a partner without querying the workflow. Writes carry the workflow's view revision; a write older than the
 * stored one (an activity attempt that lands late) is ignored, so the view never goes back in time.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from './connection';
import { assertIsoDate } from './dates';
import { StoreValidationError, translateDbError } from './errors';
import { partnerViews } from './schema';
import type { IsoDate } from './types';

/** One partner's stored lifecycle view. */
export interface PartnerView {
  partnerId: string;
  /** Grows with every write by the partner's workflow (across continue-as-new). */
  revision: number;
  /** The business date the workflow saw when it wrote the view. */
  asOf: IsoDate;
  /** The workflow's status query answer at that revision (a JSON object). */
  status: Record<string, unknown>;
  /** When the view was written (database clock, ISO 8601). */
  writtenAt: string;
}

export type PartnerViewInput = Omit<PartnerView, 'writtenAt'>;

type Row = typeof partnerViews.$inferSelect;

const toView = (r: Row): PartnerView => ({
  partnerId: r.partnerId,
  revision: r.revision,
  asOf: r.asOf,
  status: r.status as Record<string, unknown>,
  writtenAt: new Date(r.writtenAt).toISOString(),
});

export class PartnerViewRepository {
  constructor(private readonly db: Db) {}

  /**
   * Writes the view unless the stored one has the same or a newer revision. Resolves the view now stored and
   * whether this write is it.
   */
  async put(input: PartnerViewInput): Promise<{ view: PartnerView; applied: boolean }> {
    if (!Number.isInteger(input.revision) || input.revision < 0) {
      throw new StoreValidationError(`view revision must be a whole number ≥ 0 (got ${String(input.revision)})`);
    }
    assertIsoDate('asOf', input.asOf);
    if (input.status === null || typeof input.status !== 'object' || Array.isArray(input.status)) {
      throw new StoreValidationError('a partner view status must be a JSON object');
    }
    try {
      const [written] = await this.db
        .insert(partnerViews)
        .values({ partnerId: input.partnerId, revision: input.revision, asOf: input.asOf, status: input.status })
        .onConflictDoUpdate({
          target: partnerViews.partnerId,
          set: {
            revision: sql`excluded.revision`,
            asOf: sql`excluded.as_of`,
            status: sql`excluded.status`,
            writtenAt: sql`now()`,
          },
          // The only guard against going back in time: compared and written in one statement, under the row lock.
          setWhere: sql`${partnerViews.revision} < excluded.revision`,
        })
        .returning();
      if (written) return { view: toView(written), applied: true };
      const current = await this.get(input.partnerId);
      if (!current) throw new Error(`partner view of '${input.partnerId}' vanished during its write`);
      return { view: current, applied: false };
    } catch (error) {
      translateDbError(error);
    }
  }

  async get(partnerId: string): Promise<PartnerView | undefined> {
    const [row] = await this.db.select().from(partnerViews).where(eq(partnerViews.partnerId, partnerId));
    return row && toView(row);
  }
}
