/**
 * Reading the payer world (R-FEE, R-RESELLER): AWS Organizations with their management (payer) account and member
 * accounts, and who pays an invoice billed to an account. Writes (creating organizations, joining and leaving) are
 * the store's organization methods; this repository answers the questions the API and the invoicing activity ask.
 */
import { asc, eq } from 'drizzle-orm';
import type { Db } from './connection';
import { organizationMembers, organizations } from './schema';
import type { Organization, OrganizationMember } from './types';

/** Who an invoice for `accountId` goes to, and why. */
export interface PayerResolution {
  /** The account the invoice is billed for (a partner's fee account). */
  accountId: string;
  /** The account that pays it: the organization's management account, else the account itself. */
  payerAccountId: string;
  /** The organization `accountId` belongs to, if any. */
  organizationId: string | null;
  /** That organization is a reseller's (002): the partner's consolidated bill. */
  reseller: boolean;
}

export interface OrganizationWithMembers extends Organization {
  /** Every account of the organization, the management account included, in joining order. */
  members: OrganizationMember[];
}

const toOrganization = (r: typeof organizations.$inferSelect): Organization => ({
  id: r.id,
  name: r.name,
  managementAccountId: r.managementAccountId,
  reseller: r.reseller,
});

const toMember = (r: typeof organizationMembers.$inferSelect): OrganizationMember => ({
  accountId: r.accountId,
  organizationId: r.organizationId,
  joinedOn: r.joinedOn,
});

export class BillingAccounts {
  constructor(private readonly db: Db) {}

  /**
   * R-FEE: a standalone account pays its own invoices; a member account's go to its organization's management
   * account — also when that organization is a reseller's (002).
   */
  async resolvePayer(accountId: string): Promise<PayerResolution> {
    const [row] = await this.db
      .select({ organization: organizations })
      .from(organizationMembers)
      .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
      .where(eq(organizationMembers.accountId, accountId));
    if (!row) return { accountId, payerAccountId: accountId, organizationId: null, reseller: false };
    return {
      accountId,
      payerAccountId: row.organization.managementAccountId,
      organizationId: row.organization.id,
      reseller: row.organization.reseller,
    };
  }

  async getOrganization(organizationId: string): Promise<OrganizationWithMembers | undefined> {
    const [row] = await this.db.select().from(organizations).where(eq(organizations.id, organizationId));
    if (!row) return undefined;
    const members = await this.db
      .select()
      .from(organizationMembers)
      .where(eq(organizationMembers.organizationId, organizationId))
      .orderBy(asc(organizationMembers.createdAt), asc(organizationMembers.accountId));
    return { ...toOrganization(row), members: members.map(toMember) };
  }

  async listOrganizations(): Promise<Organization[]> {
    const rows = await this.db.select().from(organizations).orderBy(asc(organizations.id));
    return rows.map(toOrganization);
  }
}
