/** The partners and their tier audit (R-AUDIT): registration, listing, the status the workflow mirrors, tier changes. */
import { and, arrayContains, asc, eq, gt, inArray, like, type SQL } from 'drizzle-orm';
import type { Db } from './connection';
import { assertIsoDate } from './dates';
import { NotFoundError, sqlState, StoreConflictError, StoreValidationError } from './errors';
import { run, sameJson } from './repository';
import { auditRecords, partners } from './schema';
import type {
  AuditRecord,
  ListPartnersQuery,
  Page,
  Partner,
  PartnerStatusPatch,
  RegisterPartnerInput,
  TierChange,
} from './types';

export interface PartnersRepository {
  registerPartner(input: RegisterPartnerInput): Promise<{ partner: Partner; created: boolean }>;
  /**
   * Removes a partner registered moments ago whose lifecycle could not start (the API's compensation), only while
   * nothing else refers to it; returns whether it was removed.
   */
  unregisterPartner(partnerId: string): Promise<boolean>;
  getPartner(partnerId: string): Promise<Partner | undefined>;
  /** The partners with these ids (unknown ids are left out), in one query. */
  getPartners(partnerIds: readonly string[]): Promise<Map<string, Partner>>;
  listPartners(query?: ListPartnersQuery): Promise<Page<Partner>>;
  updatePartnerStatus(partnerId: string, patch: PartnerStatusPatch): Promise<Partner>;
  /** Changes the tier and appends its audit record in one transaction, once per `change.key`. */
  updatePartnerTier(
    partnerId: string,
    change: TierChange,
  ): Promise<{ partner: Partner; audit: AuditRecord; changed: boolean }>;
  listAudit(partnerId: string): Promise<AuditRecord[]>;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;

type PartnerRow = typeof partners.$inferSelect;
type AuditRow = typeof auditRecords.$inferSelect;
const toPartner = (r: PartnerRow): Partner => ({
  id: r.id,
  name: r.name,
  track: r.track as Partner['track'],
  tier: r.tier as Partner['tier'],
  renewalDate: r.renewalDate,
  country: r.country,
  feeAccountId: r.feeAccountId,
  allianceLeadId: r.allianceLeadId,
  allianceTeamIds: r.allianceTeamIds ? [...r.allianceTeamIds] : null,
  partnerManagerIds: [...r.partnerManagerIds],
  atRisk: r.atRisk,
  lifecycleStage: r.lifecycleStage,
  nextEbrWindow: r.nextEbrWindow,
  evidenceVersion: r.evidenceVersion,
  createdAt: r.createdAt,
});

const toAudit = (r: AuditRow): AuditRecord => ({
  seq: r.seq,
  key: r.key,
  partnerId: r.partnerId,
  from: r.fromTier as AuditRecord['from'],
  to: r.toTier as AuditRecord['to'],
  on: r.on,
  reason: r.reason,
  by: r.by,
  caseId: r.caseId,
});

/** Canonical form of a registration, so the same request compares equal however it was spelled. */
function registrationOf(input: RegisterPartnerInput): Record<string, unknown> {
  return {
    id: input.id,
    name: input.name,
    track: input.track,
    tier: input.tier,
    renewalDate: input.renewalDate,
    country: input.country,
    feeAccountId: input.feeAccountId ?? null,
    allianceLeadId: input.allianceLeadId,
    partnerManagerIds: [...new Set(input.partnerManagerIds ?? [])].sort(),
    // Only when named: registrations stored before the field existed compare equal to the same request again.
    ...(input.allianceTeamIds ? { allianceTeamIds: [...new Set(input.allianceTeamIds)].sort() } : {}),
  };
}

function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ after: id }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the validation error
  }
  throw new StoreValidationError('invalid pagination cursor');
}

/** The partners repository over `db`. */
export function partnersRepository(db: Db): PartnersRepository {
  const repo = {
    async registerPartner(input: RegisterPartnerInput): Promise<{ partner: Partner; created: boolean }> {
      return run(async () => {
        const registration = registrationOf(input);
        const inserted = await db
          .insert(partners)
          .values({
            id: input.id,
            name: input.name,
            track: input.track,
            tier: input.tier,
            renewalDate: input.renewalDate,
            country: input.country,
            feeAccountId: input.feeAccountId ?? null,
            allianceLeadId: input.allianceLeadId,
            allianceTeamIds: (registration.allianceTeamIds as string[] | undefined) ?? null,
            partnerManagerIds: registration.partnerManagerIds as string[],
            registration,
          })
          .onConflictDoNothing({ target: partners.id })
          .returning();
        if (inserted[0]) return { partner: toPartner(inserted[0]), created: true };
        const [existing] = await db.select().from(partners).where(eq(partners.id, input.id));
        if (!existing) throw new Error(`partner ${input.id} vanished during registration`);
        if (!sameJson(existing.registration, registration)) {
          throw new StoreConflictError(
            'partner-exists',
            `partner ${input.id} is already registered with different data`,
            { partnerId: input.id },
          );
        }
        return { partner: toPartner(existing), created: false };
      });
    },

    async unregisterPartner(partnerId: string): Promise<boolean> {
      try {
        const removed = await db
          .delete(partners)
          .where(and(eq(partners.id, partnerId), eq(partners.evidenceVersion, 0)))
          .returning({ id: partners.id });
        return removed.length > 0;
      } catch (error) {
        if (sqlState(error) === '23503') return false; // something refers to it already: keep it
        throw error;
      }
    },

    async getPartner(partnerId: string): Promise<Partner | undefined> {
      const [row] = await db.select().from(partners).where(eq(partners.id, partnerId));
      return row && toPartner(row);
    },

    async getPartners(partnerIds: readonly string[]): Promise<Map<string, Partner>> {
      if (partnerIds.length === 0) return new Map();
      const rows = await db
        .select()
        .from(partners)
        .where(inArray(partners.id, [...new Set(partnerIds)]));
      return new Map(rows.map((r) => [r.id, toPartner(r)]));
    },

    async listPartners(query: ListPartnersQuery = {}): Promise<Page<Partner>> {
      return run(async () => {
        const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE);
        const conditions: SQL[] = [];
        if (query.tier) conditions.push(eq(partners.tier, query.tier));
        if (query.track) conditions.push(eq(partners.track, query.track));
        if (query.atRisk !== undefined) conditions.push(eq(partners.atRisk, query.atRisk));
        if (query.renewalMonth) {
          if (!/^(0[1-9]|1[0-2])$/.test(query.renewalMonth)) {
            throw new StoreValidationError(`renewalMonth must be MM (got ${query.renewalMonth})`);
          }
          conditions.push(like(partners.renewalDate, `${query.renewalMonth}-%`));
        }
        if (query.ebrWindow) conditions.push(eq(partners.nextEbrWindow, query.ebrWindow));
        if (query.partnerManagerId)
          conditions.push(arrayContains(partners.partnerManagerIds, [query.partnerManagerId]));
        if (query.cursor) conditions.push(gt(partners.id, decodeCursor(query.cursor)));
        // Keyset pagination on the primary key: stable under concurrent inserts, no skipped or repeated rows.
        const rows = await db
          .select()
          .from(partners)
          .where(and(...conditions))
          .orderBy(asc(partners.id))
          .limit(limit + 1);
        const items = rows.slice(0, limit).map(toPartner);
        const last = items[items.length - 1];
        return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.id) } : { items };
      });
    },

    async updatePartnerStatus(partnerId: string, patch: PartnerStatusPatch): Promise<Partner> {
      return run(async () => {
        const set: Partial<typeof partners.$inferInsert> = {};
        if (patch.atRisk !== undefined) set.atRisk = patch.atRisk;
        if (patch.lifecycleStage !== undefined) set.lifecycleStage = patch.lifecycleStage;
        if (patch.nextEbrWindow !== undefined) set.nextEbrWindow = patch.nextEbrWindow;
        if (patch.feeAccountId !== undefined) set.feeAccountId = patch.feeAccountId;
        if (patch.partnerManagerIds !== undefined) set.partnerManagerIds = [...new Set(patch.partnerManagerIds)].sort();
        const rows =
          Object.keys(set).length > 0
            ? await db.update(partners).set(set).where(eq(partners.id, partnerId)).returning()
            : await db.select().from(partners).where(eq(partners.id, partnerId));
        if (!rows[0]) throw new NotFoundError('partner', partnerId);
        return toPartner(rows[0]);
      });
    },

    async updatePartnerTier(
      partnerId: string,
      change: TierChange,
    ): Promise<{ partner: Partner; audit: AuditRecord; changed: boolean }> {
      assertIsoDate('on', change.on);
      return run(() =>
        db.transaction(async (tx) => {
          // The partner row lock serialises tier changes of one partner, retries included.
          const [partner] = await tx.select().from(partners).where(eq(partners.id, partnerId)).for('update');
          if (!partner) throw new NotFoundError('partner', partnerId);
          const [previous] = await tx.select().from(auditRecords).where(eq(auditRecords.key, change.key));
          if (previous) {
            if (previous.partnerId !== partnerId || previous.toTier !== change.to) {
              throw new StoreConflictError(
                'audit-key-reused',
                `tier change key ${change.key} was used for another change`,
              );
            }
            return { partner: toPartner(partner), audit: toAudit(previous), changed: false };
          }
          const [audit] = await tx
            .insert(auditRecords)
            .values({
              key: change.key,
              partnerId,
              fromTier: partner.tier,
              toTier: change.to,
              on: change.on,
              reason: change.reason,
              by: change.by,
              caseId: change.caseId ?? null,
            })
            .returning();
          const [updated] = await tx
            .update(partners)
            .set({ tier: change.to })
            .where(eq(partners.id, partnerId))
            .returning();
          if (!audit || !updated) throw new Error('tier change wrote nothing');
          return { partner: toPartner(updated), audit: toAudit(audit), changed: true };
        }),
      );
    },

    async listAudit(partnerId: string): Promise<AuditRecord[]> {
      const rows = await db
        .select()
        .from(auditRecords)
        .where(eq(auditRecords.partnerId, partnerId))
        .orderBy(asc(auditRecords.seq));
      return rows.map(toAudit);
    },
  };
  return repo;
}
