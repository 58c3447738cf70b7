/** Upgrade application records (R-UPGRADE, R-PREMIER): at most one open per partner, numbered per partner. */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { applicationId, OPEN_APPLICATION_STATUSES } from '../domain/applications';
import type { Db } from './connection';
import { assertIsoDate } from './dates';
import { NotFoundError, StoreConflictError } from './errors';
import { jsonb, run } from './repository';
import { applications, partners } from './schema';
import type { Application, ApplicationPatch, ApplicationRecordStatus, CreateApplicationInput } from './types';

export interface ApplicationsRepository {
  createApplication(input: CreateApplicationInput): Promise<{ application: Application; created: boolean }>;
  listApplications(filter: {
    partnerId?: string;
    status?: ApplicationRecordStatus;
    ebrWindow?: string;
  }): Promise<Application[]>;
  updateApplication(applicationId: string, patch: ApplicationPatch): Promise<Application>;
}

type ApplicationRow = typeof applications.$inferSelect;
const toApplication = (r: ApplicationRow): Application => ({
  id: r.id,
  partnerId: r.partnerId,
  seq: r.seq,
  targetTier: r.targetTier as Application['targetTier'],
  feeAccountId: r.feeAccountId,
  submittedOn: r.submittedOn,
  submittedBy: r.submittedBy,
  status: r.status as ApplicationRecordStatus,
  gaps: r.gaps ?? null,
  decidedOn: r.decidedOn,
  ebrWindow: r.ebrWindow,
  history: Array.isArray(r.history) ? [...(r.history as unknown[])] : [],
});

/** The applications repository over `db`. */
export function applicationsRepository(db: Db): ApplicationsRepository {
  const repo = {
    async createApplication(input: CreateApplicationInput): Promise<{ application: Application; created: boolean }> {
      assertIsoDate('submittedOn', input.submittedOn);
      return run(() =>
        db.transaction(async (tx) => {
          const [partner] = await tx
            .select({ applicationSeq: partners.applicationSeq })
            .from(partners)
            .where(eq(partners.id, input.partnerId))
            .for('update');
          if (!partner) throw new NotFoundError('partner', input.partnerId);
          if (input.key !== undefined) {
            const [existing] = await tx.select().from(applications).where(eq(applications.key, input.key));
            if (existing) {
              if (existing.partnerId !== input.partnerId || existing.targetTier !== input.targetTier) {
                throw new StoreConflictError(
                  'application-key-reused',
                  `key ${input.key} was used for another application`,
                );
              }
              return { application: toApplication(existing), created: false };
            }
          }
          const [open] = await tx
            .select({ id: applications.id })
            .from(applications)
            .where(
              and(
                eq(applications.partnerId, input.partnerId),
                inArray(applications.status, [...OPEN_APPLICATION_STATUSES]),
              ),
            );
          if (open) {
            throw new StoreConflictError('application-open', `partner ${input.partnerId} already has ${open.id} open`, {
              applicationId: open.id,
            });
          }
          const seq = partner.applicationSeq + 1;
          await tx.update(partners).set({ applicationSeq: seq }).where(eq(partners.id, input.partnerId));
          const [row] = await tx
            .insert(applications)
            .values({
              id: applicationId(input.partnerId, seq),
              partnerId: input.partnerId,
              seq,
              key: input.key ?? null,
              targetTier: input.targetTier,
              feeAccountId: input.feeAccountId,
              submittedOn: input.submittedOn,
              submittedBy: input.submittedBy,
              history: sql`${jsonb([{ on: input.submittedOn, status: 'submitted', by: input.submittedBy }])}`,
            })
            .returning();
          if (!row) throw new Error('application insert returned nothing');
          return { application: toApplication(row), created: true };
        }),
      );
    },

    async listApplications(filter: {
      partnerId?: string;
      status?: ApplicationRecordStatus;
      ebrWindow?: string;
    }): Promise<Application[]> {
      const rows = await db
        .select()
        .from(applications)
        .where(
          and(
            filter.partnerId ? eq(applications.partnerId, filter.partnerId) : undefined,
            filter.status ? eq(applications.status, filter.status) : undefined,
            filter.ebrWindow ? eq(applications.ebrWindow, filter.ebrWindow) : undefined,
          ),
        )
        .orderBy(asc(applications.partnerId), asc(applications.seq));
      return rows.map(toApplication);
    },

    async updateApplication(applicationId: string, patch: ApplicationPatch): Promise<Application> {
      if (patch.decidedOn) assertIsoDate('decidedOn', patch.decidedOn);
      return run(() =>
        db.transaction(async (tx) => {
          const [current] = await tx
            .select()
            .from(applications)
            .where(eq(applications.id, applicationId))
            .for('update');
          if (!current) throw new NotFoundError('application', applicationId);
          const decided = ['approved', 'rejected', 'withdrawn'].includes(current.status);
          if (decided && patch.status !== undefined && patch.status !== current.status) {
            throw new StoreConflictError(
              'application-decided',
              `application ${applicationId} is ${current.status}; it cannot become ${patch.status}`,
            );
          }
          const set: Partial<typeof applications.$inferInsert> = {};
          if (patch.status !== undefined) set.status = patch.status;
          if (patch.gaps !== undefined) set.gaps = sql`${jsonb(patch.gaps)}`;
          if (patch.decidedOn !== undefined) set.decidedOn = patch.decidedOn;
          if (patch.ebrWindow !== undefined) set.ebrWindow = patch.ebrWindow;
          if (patch.appendHistory?.length) set.history = sql`${applications.history} || ${jsonb(patch.appendHistory)}`;
          if (Object.keys(set).length === 0) return toApplication(current);
          const [row] = await tx.update(applications).set(set).where(eq(applications.id, applicationId)).returning();
          if (!row) throw new Error('application update returned nothing');
          return toApplication(row);
        }),
      );
    },
  };
  return repo;
}
