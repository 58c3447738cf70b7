/** @jest-environment ./test/store/pglite-environment.ts */
/** The payers repository: organizations, members and reseller invitations (R-FEE, R-RESELLER). On PGlite and on a real PostgreSQL. */
import { StoreConflictError } from '../../src/store';
import { drivers, useTestStore, uniqueId } from './pg';

describe.each(drivers)('payers repository on %s', (driver) => {
  const { store } = useTestStore(driver);

  describe('organizations and reseller billing (R-FEE, R-RESELLER)', () => {
    const account = () => String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));

    test('resolvePayer: an account outside any organization pays for itself', async () => {
      const lone = account();
      expect(await store.resolvePayer(lone)).toBe(lone);
    });

    test("R-FEE: a member account is billed to its organization's management account", async () => {
      const org = {
        id: uniqueId('o'),
        name: 'Acme Org',
        managementAccountId: account(),
        reseller: false,
        on: '2019-01-01',
      };
      expect((await store.createOrganization(org)).created).toBe(true);
      expect((await store.createOrganization(org)).created).toBe(false);
      await expect(store.createOrganization({ ...org, name: 'Other' })).rejects.toBeInstanceOf(StoreConflictError);
      const member = account();
      await store.addOrganizationMember(org.id, member, '2019-02-01');
      expect(await store.resolvePayer(member)).toBe(org.managementAccountId);
      expect(await store.resolvePayer(org.managementAccountId)).toBe(org.managementAccountId);
      expect(await store.removeOrganizationMember(member)).toBe(true);
      expect(await store.resolvePayer(member)).toBe(member);
      expect(await store.removeOrganizationMember(org.managementAccountId)).toBe(false);
    });

    test('R-RESELLER: an accepted invitation moves billing to the reseller; declined and late ones do not', async () => {
      const reseller = {
        id: uniqueId('r'),
        name: 'Reseller',
        managementAccountId: account(),
        reseller: true,
        on: '2019-01-01',
      };
      await store.createOrganization(reseller);
      const [accepting, declining, late] = [account(), account(), account()];
      const inv = await store.inviteAccount({ organizationId: reseller.id, accountId: accepting, on: '2019-03-01' });
      expect(inv).toMatchObject({ status: 'invited', expiresOn: '2019-03-16' });
      expect(
        await store.inviteAccount({ organizationId: reseller.id, accountId: accepting, on: '2019-03-02' }),
      ).toEqual(inv);
      expect(await store.respondToInvitation(inv.id, 'accepted', '2019-03-15')).toMatchObject({ status: 'accepted' });
      expect(await store.resolvePayer(accepting)).toBe(reseller.managementAccountId);
      expect((await store.getOrganizationOf(accepting))?.organization.reseller).toBe(true);

      const d = await store.inviteAccount({ organizationId: reseller.id, accountId: declining, on: '2019-03-01' });
      expect(await store.respondToInvitation(d.id, 'declined', '2019-03-02')).toMatchObject({ status: 'declined' });
      expect(await store.resolvePayer(declining)).toBe(declining);

      const l = await store.inviteAccount({ organizationId: reseller.id, accountId: late, on: '2019-03-01' });
      expect(await store.respondToInvitation(l.id, 'accepted', '2019-03-16')).toMatchObject({ status: 'expired' });
      expect(await store.resolvePayer(late)).toBe(late);
    });

    test('R-RESELLER: unanswered invitations expire after 15 days', async () => {
      const org = { id: uniqueId('r'), name: 'R', managementAccountId: account(), reseller: true, on: '2019-01-01' };
      await store.createOrganization(org);
      const inv = await store.inviteAccount({ organizationId: org.id, accountId: account(), on: '2019-05-01' });
      expect((await store.expireInvitations('2019-05-15')).map((i) => i.id)).not.toContain(inv.id);
      expect((await store.expireInvitations('2019-05-16')).map((i) => i.id)).toContain(inv.id);
      expect(await store.listInvitations({ organizationId: org.id })).toEqual([
        expect.objectContaining({ status: 'expired' }),
      ]);
    });

    test('an account belongs to one organization at a time', async () => {
      const a = { id: uniqueId('o'), name: 'A', managementAccountId: account(), reseller: false, on: '2019-01-01' };
      const b = { ...a, id: uniqueId('o'), managementAccountId: account() };
      await store.createOrganization(a);
      await store.createOrganization(b);
      const acct = account();
      await store.addOrganizationMember(a.id, acct, '2019-01-02');
      await expect(store.addOrganizationMember(b.id, acct, '2019-01-03')).rejects.toMatchObject({
        code: 'account-in-other-organization',
      });
      const inv = await store.inviteAccount({ organizationId: b.id, accountId: acct, on: '2019-01-03' });
      await expect(store.respondToInvitation(inv.id, 'accepted', '2019-01-04')).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      expect(await store.resolvePayer(acct)).toBe(a.managementAccountId);
    });
  });
});
