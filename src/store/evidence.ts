/** Each partner's evidence documents: one immutable version per change, the partner row pointing at the current one. */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './connection';
import { assertIsoDate } from './dates';
import { NotFoundError } from './errors';
import { canonical, jsonb, run } from './repository';
import { evidenceVersions, partners } from './schema';
import type { EvidenceRecord, IsoDate } from './types';

export interface EvidenceRepository {
  /** Stores `document` as the partner's next evidence version; the same document as the current one is a no-op. */
  putEvidence<T>(
    partnerId: string,
    document: T,
    options?: { on?: IsoDate },
  ): Promise<{ version: number; created: boolean }>;
  /**
   * Reads the current document and stores `change(current)` as the next version in one transaction, so concurrent
   * item edits never lose each other. `change` may throw to refuse; nothing is written then.
   */
  changeEvidence<T>(
    partnerId: string,
    change: (current: T | undefined, version: number) => T,
    options?: { on?: IsoDate },
  ): Promise<{ version: number; created: boolean; document: T }>;
  /** The current evidence (or `version`); undefined when there is none. */
  getEvidence<T = unknown>(partnerId: string, version?: number): Promise<EvidenceRecord<T> | undefined>;
}

/** The evidence repository over `db`. */
export function evidenceRepository(db: Db): EvidenceRepository {
  const repo = {
    async putEvidence<T>(
      partnerId: string,
      document: T,
      options: { on?: IsoDate } = {},
    ): Promise<{ version: number; created: boolean }> {
      // A re-sent document (same content, any key order) is not a new version.
      const { version, created } = await this.changeEvidence<T>(partnerId, () => document, options);
      return { version, created };
    },

    async changeEvidence<T>(
      partnerId: string,
      change: (current: T | undefined, version: number) => T,
      options: { on?: IsoDate } = {},
    ): Promise<{ version: number; created: boolean; document: T }> {
      if (options.on !== undefined) assertIsoDate('on', options.on);
      return run(() =>
        db.transaction(async (tx) => {
          const [partner] = await tx
            .select({ version: partners.evidenceVersion })
            .from(partners)
            .where(eq(partners.id, partnerId))
            .for('update');
          if (!partner) throw new NotFoundError('partner', partnerId);
          const [current] =
            partner.version > 0
              ? await tx
                  .select({ document: evidenceVersions.document })
                  .from(evidenceVersions)
                  .where(and(eq(evidenceVersions.partnerId, partnerId), eq(evidenceVersions.version, partner.version)))
              : [];
          // Snapshot first: `change` may edit the document it is handed in place and return it.
          const before = current ? JSON.stringify(canonical(current.document)) : undefined;
          const document = change(current?.document as T | undefined, partner.version);
          if (before !== undefined && before === JSON.stringify(canonical(document))) {
            return { version: partner.version, created: false, document };
          }
          const version = partner.version + 1;
          await tx.insert(evidenceVersions).values({
            partnerId,
            version,
            document: sql`${jsonb(document)}`,
            recordedOn: options.on ?? null,
          });
          await tx.update(partners).set({ evidenceVersion: version }).where(eq(partners.id, partnerId));
          return { version, created: true, document };
        }),
      );
    },

    async getEvidence<T = unknown>(partnerId: string, version?: number): Promise<EvidenceRecord<T> | undefined> {
      const versionCondition =
        version === undefined
          ? sql`${evidenceVersions.version} = (select ${partners.evidenceVersion} from ${partners} where ${partners.id} = ${partnerId})`
          : eq(evidenceVersions.version, version);
      const [row] = await db
        .select()
        .from(evidenceVersions)
        .where(and(eq(evidenceVersions.partnerId, partnerId), versionCondition));
      return (
        row && {
          partnerId: row.partnerId,
          version: row.version,
          document: row.document as T,
          recordedOn: row.recordedOn,
          createdAt: row.createdAt,
        }
      );
    },
  };
  return repo;
}
