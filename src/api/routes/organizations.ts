/**
 * AWS Organizations for program admins (R-FEE, R-RESELLER): an organization has one management (payer) account and
 * member accounts; a partner's fee invoice goes to the management account of the organization its fee account
 * belongs to, reseller organizations included, and to the fee account itself otherwise.
 */
import type { Router } from 'express';
import type { Lifecycle } from '../lifecycle';
import {
  AccountParams,
  AddMemberBody,
  CreateOrganizationBody,
  MemberParams,
  OrganizationDetailSchema,
  OrganizationListSchema,
  OrganizationMemberSchema,
  OrganizationParams,
  OrganizationSchema,
  PayerSchema,
} from '../billing-schemas';
import { ProblemError } from '../problem';
import { defineRoute, type RouteDeps } from '../route';

export interface OrganizationRouteDeps extends RouteDeps {
  /** The business date (default dates of joining). */
  lifecycle: Pick<Lifecycle, 'today'>;
}

const ADMIN = { roles: ['program-admin'] } as const;

export function organizationRoutes(router: Router, deps: OrganizationRouteDeps): void {
  const { store, lifecycle } = deps;

  async function requireOrganization(orgId: string) {
    const organization = await store.accounts.getOrganization(orgId);
    if (!organization) throw ProblemError.notFound(`organization '${orgId}' is not registered`);
    return organization;
  }

  defineRoute(router, deps, {
    method: 'post',
    path: '/organizations',
    operationId: 'createOrganization',
    summary: 'Register an AWS Organization',
    description:
      'Registers the organization with its management (payer) account, which becomes its first member. The same ' +
      'id with the same data again answers 200; different data, or a management account already in another ' +
      'organization, 409.',
    tag: 'Billing',
    access: ADMIN,
    body: CreateOrganizationBody,
    idempotent: true,
    responses: {
      200: { description: 'Already registered with the same data', schema: OrganizationSchema },
      201: { description: 'Registered', schema: OrganizationSchema, headers: { Location: 'The organization' } },
    },
    handler: async ({ body }) => {
      const { organization, created } = await store.createOrganization({
        id: body.id,
        name: body.name,
        managementAccountId: body.managementAccountId,
        reseller: body.reseller,
        on: body.createdOn ?? lifecycle.today(),
      });
      return {
        status: created ? 201 : 200,
        body: organization,
        headers: { Location: `${deps.prefix}/organizations/${organization.id}` },
      };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/organizations',
    operationId: 'listOrganizations',
    summary: 'List AWS Organizations',
    tag: 'Billing',
    access: ADMIN,
    responses: { 200: { description: 'Every organization, by id', schema: OrganizationListSchema } },
    handler: async () => ({ status: 200, body: { items: await store.accounts.listOrganizations() } }),
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/organizations/{orgId}',
    operationId: 'getOrganization',
    summary: 'Read an AWS Organization with its member accounts',
    tag: 'Billing',
    access: ADMIN,
    params: OrganizationParams,
    responses: { 200: { description: 'The organization and its members', schema: OrganizationDetailSchema } },
    handler: async ({ params }) => ({ status: 200, body: await requireOrganization(params.orgId) }),
  });

  defineRoute(router, deps, {
    method: 'post',
    path: '/organizations/{orgId}/members',
    operationId: 'addOrganizationMember',
    summary: 'Add a member account to an AWS Organization',
    description:
      'From now on invoices billed to the account go to the organization’s management account. An account belongs ' +
      'to one organization at most: one already in another is a 409; already in this one answers 200.',
    tag: 'Billing',
    access: ADMIN,
    params: OrganizationParams,
    body: AddMemberBody,
    idempotent: true,
    responses: {
      200: { description: 'Already a member', schema: OrganizationMemberSchema },
      201: { description: 'Joined', schema: OrganizationMemberSchema },
    },
    handler: async ({ params, body }) => {
      await requireOrganization(params.orgId);
      const before = await store.getOrganizationOf(body.accountId);
      const member = await store.addOrganizationMember(
        params.orgId,
        body.accountId,
        body.joinedOn ?? lifecycle.today(),
      );
      return { status: before?.organization.id === params.orgId ? 200 : 201, body: member };
    },
  });

  defineRoute(router, deps, {
    method: 'delete',
    path: '/organizations/{orgId}/members/{accountId}',
    operationId: 'removeOrganizationMember',
    summary: 'Remove a member account from an AWS Organization',
    description:
      'The account pays its own invoices again from now on (open invoices keep the payer they were issued to). The ' +
      'management account cannot leave its organization (409).',
    tag: 'Billing',
    access: ADMIN,
    params: MemberParams,
    responses: { 200: { description: 'Removed', schema: OrganizationMemberSchema } },
    handler: async ({ params }) => {
      const organization = await requireOrganization(params.orgId);
      const member = organization.members.find((m) => m.accountId === params.accountId);
      if (!member) {
        throw ProblemError.notFound(`account ${params.accountId} is not a member of organization '${params.orgId}'`);
      }
      if (organization.managementAccountId === params.accountId) {
        throw ProblemError.conflict(
          `account ${params.accountId} is the management account of '${params.orgId}' and cannot leave it`,
        );
      }
      await store.removeOrganizationMember(params.accountId);
      return { status: 200, body: member };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/accounts/{accountId}/payer',
    operationId: 'resolvePayer',
    summary: 'Resolve who pays invoices billed to an AWS account',
    description:
      'R-FEE: a standalone account pays itself; a member account’s invoices go to its organization’s management ' +
      'account, also when the organization is a reseller’s.',
    tag: 'Billing',
    access: ADMIN,
    params: AccountParams,
    responses: { 200: { description: 'The payer', schema: PayerSchema } },
    handler: async ({ params }) => ({ status: 200, body: await store.accounts.resolvePayer(params.accountId) }),
  });
}
