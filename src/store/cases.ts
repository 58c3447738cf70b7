/** Downgrade and cancellation cases (R-CASE): opened once per key, numbered per partner, closed with an outcome. */
import { and, asc, eq } from 'drizzle-orm';
import { caseId } from '../domain/cases';
import type { Db } from './connection';
import { assertIsoDate } from './dates';
import { NotFoundError, StoreConflictError } from './errors';
import { run } from './repository';
import { cases, partners } from './schema';
import type { Case, CaseStatus, IsoDate, OpenCaseInput } from './types';

export interface CasesRepository {
  openCase(input: OpenCaseInput): Promise<{ case: Case; created: boolean }>;
  closeCase(caseId: string, close: { on: IsoDate; outcome: string }): Promise<{ case: Case; changed: boolean }>;
  getCase(caseId: string): Promise<Case | undefined>;
  listCases(partnerId: string, filter?: { status?: CaseStatus }): Promise<Case[]>;
}

type CaseRow = typeof cases.$inferSelect;
const toCase = (r: CaseRow): Case => ({
  id: r.id,
  key: r.key,
  partnerId: r.partnerId,
  kind: r.kind as Case['kind'],
  reason: r.reason as Case['reason'],
  openedOn: r.openedOn,
  targetTier: r.targetTier as Case['targetTier'],
  status: r.status as Case['status'],
  outcome: r.outcome,
  closedOn: r.closedOn,
});

/** The cases repository over `db`. */
export function casesRepository(db: Db): CasesRepository {
  const repo = {
    async openCase(input: OpenCaseInput): Promise<{ case: Case; created: boolean }> {
      assertIsoDate('openedOn', input.openedOn);
      return run(() =>
        db.transaction(async (tx) => {
          const [partner] = await tx
            .select({ caseSeq: partners.caseSeq })
            .from(partners)
            .where(eq(partners.id, input.partnerId))
            .for('update');
          if (!partner) throw new NotFoundError('partner', input.partnerId);
          const [existing] = await tx.select().from(cases).where(eq(cases.key, input.key));
          if (existing) {
            if (
              existing.partnerId !== input.partnerId ||
              existing.kind !== input.kind ||
              existing.reason !== input.reason
            ) {
              throw new StoreConflictError('case-key-reused', `case key ${input.key} was used for another case`);
            }
            return { case: toCase(existing), created: false };
          }
          const seq = partner.caseSeq + 1;
          await tx.update(partners).set({ caseSeq: seq }).where(eq(partners.id, input.partnerId));
          const [row] = await tx
            .insert(cases)
            .values({
              id: caseId(input.partnerId, seq),
              key: input.key,
              partnerId: input.partnerId,
              kind: input.kind,
              reason: input.reason,
              openedOn: input.openedOn,
              targetTier: input.targetTier,
            })
            .returning();
          if (!row) throw new Error('case insert returned nothing');
          return { case: toCase(row), created: true };
        }),
      );
    },

    async closeCase(
      caseId: string,
      close: { on: IsoDate; outcome: string },
    ): Promise<{ case: Case; changed: boolean }> {
      assertIsoDate('on', close.on);
      return run(async () => {
        const [row] = await db
          .update(cases)
          .set({ status: 'closed', closedOn: close.on, outcome: close.outcome })
          .where(and(eq(cases.id, caseId), eq(cases.status, 'open')))
          .returning();
        if (row) return { case: toCase(row), changed: true };
        const existing = await repo.getCase(caseId);
        if (!existing) throw new NotFoundError('case', caseId);
        if (existing.outcome !== close.outcome) {
          throw new StoreConflictError('case-closed', `case ${caseId} is already closed (${existing.outcome})`);
        }
        return { case: existing, changed: false };
      });
    },

    async getCase(caseId: string): Promise<Case | undefined> {
      const [row] = await db.select().from(cases).where(eq(cases.id, caseId));
      return row && toCase(row);
    },

    async listCases(partnerId: string, filter: { status?: CaseStatus } = {}): Promise<Case[]> {
      const rows = await db
        .select()
        .from(cases)
        .where(and(eq(cases.partnerId, partnerId), filter.status ? eq(cases.status, filter.status) : undefined))
        .orderBy(asc(cases.openedOn), asc(cases.createdAt), asc(cases.id));
      return rows.map(toCase);
    },
  };
  return repo;
}
