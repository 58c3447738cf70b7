/** Who pays a fee invoice (R-FEE, R-RESELLER): AWS Organizations, their members and reseller invitations. */
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from './connection';
import { addDays, assertIsoDate } from './dates';
import { NotFoundError, StoreConflictError } from './errors';
import { run, sameJson } from './repository';
import { invitations, organizationMembers, organizations } from './schema';
import type { Invitation, IsoDate, Organization, OrganizationMember } from './types';

export interface PayersRepository {
  createOrganization(input: Organization & { on: IsoDate }): Promise<{ organization: Organization; created: boolean }>;
  addOrganizationMember(organizationId: string, accountId: string, on: IsoDate): Promise<OrganizationMember>;
  removeOrganizationMember(accountId: string): Promise<boolean>;
  getOrganizationOf(accountId: string): Promise<{ organization: Organization; member: OrganizationMember } | undefined>;
  /** The account an invoice for `accountId` goes to: its organization's management account, else itself. */
  resolvePayer(accountId: string): Promise<string>;
  inviteAccount(input: { organizationId: string; accountId: string; on: IsoDate }): Promise<Invitation>;
  /** Answers an invitation; one answered on or after `expiresOn` comes back `expired` and joins nothing. */
  respondToInvitation(invitationId: number, response: 'accepted' | 'declined', on: IsoDate): Promise<Invitation>;
  expireInvitations(on: IsoDate): Promise<Invitation[]>;
  listInvitations(filter: { organizationId?: string; accountId?: string }): Promise<Invitation[]>;
}

/** Days an AWS Organizations invitation stays answerable (R-RESELLER). */
export const INVITATION_TTL_DAYS = 15;

type InvitationRow = typeof invitations.$inferSelect;
const toInvitation = (r: InvitationRow): Invitation => ({
  id: r.id,
  organizationId: r.organizationId,
  accountId: r.accountId,
  invitedOn: r.invitedOn,
  expiresOn: r.expiresOn,
  status: r.status as Invitation['status'],
  respondedOn: r.respondedOn,
});

const toOrganization = (r: typeof organizations.$inferSelect): Organization => ({
  id: r.id,
  name: r.name,
  managementAccountId: r.managementAccountId,
  reseller: r.reseller,
});

/** Puts `accountId` into the organization; an account is in at most one organization. */
async function join(tx: Db, organizationId: string, accountId: string, on: IsoDate): Promise<OrganizationMember> {
  const [inserted] = await tx
    .insert(organizationMembers)
    .values({ accountId, organizationId, joinedOn: on })
    .onConflictDoNothing({ target: organizationMembers.accountId })
    .returning();
  if (inserted) return { accountId, organizationId, joinedOn: inserted.joinedOn };
  const [existing] = await tx.select().from(organizationMembers).where(eq(organizationMembers.accountId, accountId));
  if (!existing || existing.organizationId !== organizationId) {
    throw new StoreConflictError(
      'account-in-other-organization',
      `account ${accountId} already belongs to organization ${existing?.organizationId}`,
      { organizationId: existing?.organizationId },
    );
  }
  return { accountId, organizationId, joinedOn: existing.joinedOn };
}

/** Expires the invitations (matching `where`) that can no longer be answered on `on`. */
async function expire(tx: Db, on: IsoDate, where?: SQL): Promise<Invitation[]> {
  const rows = await tx
    .update(invitations)
    .set({ status: 'expired' })
    .where(and(eq(invitations.status, 'invited'), sql`${invitations.expiresOn} <= ${on}::date`, where))
    .returning();
  return rows.map(toInvitation);
}

/** The payers repository over `db`. */
export function payersRepository(db: Db): PayersRepository {
  const repo = {
    async createOrganization(
      input: Organization & { on: IsoDate },
    ): Promise<{ organization: Organization; created: boolean }> {
      assertIsoDate('on', input.on);
      return run(() =>
        db.transaction(async (tx) => {
          const [inserted] = await tx
            .insert(organizations)
            .values({
              id: input.id,
              name: input.name,
              managementAccountId: input.managementAccountId,
              reseller: input.reseller,
            })
            .onConflictDoNothing({ target: organizations.id })
            .returning();
          if (!inserted) {
            const [existing] = await tx.select().from(organizations).where(eq(organizations.id, input.id));
            const organization = existing && toOrganization(existing);
            if (
              !organization ||
              !sameJson(organization, {
                id: input.id,
                name: input.name,
                managementAccountId: input.managementAccountId,
                reseller: input.reseller,
              })
            ) {
              throw new StoreConflictError(
                'organization-exists',
                `organization ${input.id} exists with different data`,
              );
            }
            return { organization, created: false };
          }
          await join(tx, input.id, input.managementAccountId, input.on);
          return { organization: toOrganization(inserted), created: true };
        }),
      );
    },

    async addOrganizationMember(organizationId: string, accountId: string, on: IsoDate): Promise<OrganizationMember> {
      assertIsoDate('on', on);
      return run(() => db.transaction((tx) => join(tx, organizationId, accountId, on)));
    },

    async removeOrganizationMember(accountId: string): Promise<boolean> {
      return run(async () => {
        const rows = await db
          .delete(organizationMembers)
          .where(
            and(
              eq(organizationMembers.accountId, accountId),
              // The management account cannot leave its own organization.
              sql`not exists (select 1 from ${organizations} where ${organizations.managementAccountId} = ${accountId})`,
            ),
          )
          .returning();
        return rows.length > 0;
      });
    },

    async getOrganizationOf(
      accountId: string,
    ): Promise<{ organization: Organization; member: OrganizationMember } | undefined> {
      const [row] = await db
        .select()
        .from(organizationMembers)
        .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
        .where(eq(organizationMembers.accountId, accountId));
      return (
        row && {
          organization: toOrganization(row.organizations),
          member: {
            accountId: row.organization_members.accountId,
            organizationId: row.organization_members.organizationId,
            joinedOn: row.organization_members.joinedOn,
          },
        }
      );
    },

    async resolvePayer(accountId: string): Promise<string> {
      const found = await repo.getOrganizationOf(accountId);
      return found?.organization.managementAccountId ?? accountId;
    },

    async inviteAccount(input: { organizationId: string; accountId: string; on: IsoDate }): Promise<Invitation> {
      assertIsoDate('on', input.on);
      return run(() =>
        db.transaction(async (tx) => {
          const [member] = await tx
            .select()
            .from(organizationMembers)
            .where(eq(organizationMembers.accountId, input.accountId));
          if (member?.organizationId === input.organizationId) {
            throw new StoreConflictError('already-member', `account ${input.accountId} is already a member`);
          }
          await expire(tx, input.on, eq(invitations.accountId, input.accountId));
          const [inserted] = await tx
            .insert(invitations)
            .values({
              organizationId: input.organizationId,
              accountId: input.accountId,
              invitedOn: input.on,
              expiresOn: addDays(input.on, INVITATION_TTL_DAYS),
            })
            .onConflictDoNothing()
            .returning();
          if (inserted) return toInvitation(inserted);
          const [pending] = await tx
            .select()
            .from(invitations)
            .where(
              and(
                eq(invitations.organizationId, input.organizationId),
                eq(invitations.accountId, input.accountId),
                eq(invitations.status, 'invited'),
              ),
            );
          if (!pending) throw new Error('pending invitation vanished');
          return toInvitation(pending);
        }),
      );
    },

    async respondToInvitation(
      invitationId: number,
      response: 'accepted' | 'declined',
      on: IsoDate,
    ): Promise<Invitation> {
      assertIsoDate('on', on);
      return run(() =>
        db.transaction(async (tx) => {
          const [current] = await tx.select().from(invitations).where(eq(invitations.id, invitationId)).for('update');
          if (!current) throw new NotFoundError('invitation', String(invitationId));
          if (current.status !== 'invited') {
            if (current.status === response || current.status === 'expired') return toInvitation(current);
            throw new StoreConflictError(
              'invitation-answered',
              `invitation ${invitationId} was already ${current.status}`,
            );
          }
          if (on >= current.expiresOn) {
            const [expired] = await tx
              .update(invitations)
              .set({ status: 'expired' })
              .where(eq(invitations.id, invitationId))
              .returning();
            return toInvitation(expired ?? current);
          }
          if (response === 'accepted') await join(tx, current.organizationId, current.accountId, on);
          const [row] = await tx
            .update(invitations)
            .set({ status: response, respondedOn: on })
            .where(eq(invitations.id, invitationId))
            .returning();
          if (!row) throw new Error('invitation update returned nothing');
          return toInvitation(row);
        }),
      );
    },

    async expireInvitations(on: IsoDate): Promise<Invitation[]> {
      assertIsoDate('on', on);
      return run(() => expire(db, on));
    },

    async listInvitations(filter: { organizationId?: string; accountId?: string }): Promise<Invitation[]> {
      const rows = await db
        .select()
        .from(invitations)
        .where(
          and(
            filter.organizationId ? eq(invitations.organizationId, filter.organizationId) : undefined,
            filter.accountId ? eq(invitations.accountId, filter.accountId) : undefined,
          ),
        )
        .orderBy(asc(invitations.id));
      return rows.map(toInvitation);
    },
  };
  return repo;
}
