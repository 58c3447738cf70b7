/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * R-FEE payer resolution in every configuration, on both store drivers: a standalone account pays itself; a member
 * account's invoices go to its organization's management account, also for a reseller's organization; the
 * management account pays itself; an account that left pays itself again. The invoicing activity records payer and
 * fee account on the invoice and returns both (the workflow puts them in the `fee-invoiced` event), and Advance Pay
 * is taken from the payer's balance, never the fee account's.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { StoreConflictError, StoreValidationError, type Store } from '../../src/store';
import { drivers, openTestStore, partnerInput, uniqueId } from '../store/pg';

/** 12 digits no other test of the run uses. */
let accountCounter = Math.floor(Math.random() * 1e6);
const account = () => String(100_000_000_000 + ++accountCounter * 7919);

describe.each(drivers)('payer resolution on %s', (driver) => {
  let store: Store;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(driver));
  });
  afterAll(async () => {
    await dispose?.();
  });

  async function organization(reseller: boolean) {
    const managementAccountId = account();
    const { organization: org } = await store.createOrganization({
      id: uniqueId('org'),
      name: reseller ? 'Reseller Co' : 'Holding Co',
      managementAccountId,
      reseller,
      on: '2019-01-01',
    });
    return org;
  }

  test('a standalone account pays its own invoices', async () => {
    const standalone = account();
    expect(await store.accounts.resolvePayer(standalone)).toEqual({
      accountId: standalone,
      payerAccountId: standalone,
      organizationId: null,
      reseller: false,
    });
  });

  test.each([
    ['an organization', false],
    ["a reseller's organization (002)", true],
  ])("a member account of %s: its organization's management account pays", async (_what, reseller) => {
    const org = await organization(reseller);
    const member = account();
    await store.addOrganizationMember(org.id, member, '2019-02-01');
    expect(await store.accounts.resolvePayer(member)).toEqual({
      accountId: member,
      payerAccountId: org.managementAccountId,
      organizationId: org.id,
      reseller,
    });
    // The management account is a member too, and pays itself.
    expect(await store.accounts.resolvePayer(org.managementAccountId)).toMatchObject({
      payerAccountId: org.managementAccountId,
      organizationId: org.id,
    });
    expect((await store.accounts.getOrganization(org.id))?.members.map((m) => m.accountId)).toEqual([
      org.managementAccountId,
      member,
    ]);
  });

  test('an account that left its organization pays itself again; one account is never in two organizations', async () => {
    const [first, second] = [await organization(false), await organization(true)];
    const member = account();
    await store.addOrganizationMember(first.id, member, '2019-02-01');
    await expect(store.addOrganizationMember(second.id, member, '2019-02-02')).rejects.toBeInstanceOf(
      StoreConflictError,
    );
    expect(await store.removeOrganizationMember(member)).toBe(true);
    expect(await store.accounts.resolvePayer(member)).toMatchObject({ payerAccountId: member, organizationId: null });
    expect(await store.removeOrganizationMember(first.managementAccountId)).toBe(false);
  });

  test('an invoice records payer and fee account, and refuses account ids that are not 12 digits', async () => {
    const { partner } = await store.registerPartner(partnerInput());
    const base = {
      partnerId: partner.id,
      reason: 'renewal' as const,
      amount: 2500,
      vatAmount: 0,
      issuedOn: '2019-12-15',
      dueOn: '2019-12-15',
    };
    await expect(
      store.createInvoice({ ...base, membershipYear: 2019, payerAccountId: '12345', feeAccountId: account() }),
    ).rejects.toBeInstanceOf(StoreValidationError);
    await expect(
      store.createInvoice({ ...base, membershipYear: 2019, payerAccountId: account(), feeAccountId: '12345678901x' }),
    ).rejects.toBeInstanceOf(StoreValidationError);
    expect(await store.listInvoices(partner.id)).toEqual([]);
    const [payer, fee] = [account(), account()];
    const { invoice } = await store.createInvoice({
      ...base,
      membershipYear: 2019,
      payerAccountId: payer,
      feeAccountId: fee,
    });
    expect(invoice).toMatchObject({ payerAccountId: payer, feeAccountId: fee });
    expect(await store.getInvoice(invoice.id)).toMatchObject({ payerAccountId: payer, feeAccountId: fee });
  });

  describe('the invoicing activity (R-FEE, R-ADVANCE-PAY)', () => {
    const env = new MockActivityEnvironment();
    type Activities = ReturnType<typeof createActivities>;
    type Issued = Awaited<ReturnType<Activities['issueFeeInvoice']>>;

    /** The membership year 2019's renewal invoice, issued in an activity context. */
    const issue = (activities: Activities, partnerId: string) =>
      env.run<[Parameters<Activities['issueFeeInvoice']>[0]], Issued, Activities['issueFeeInvoice']>(
        activities.issueFeeInvoice,
        { partnerId, membershipYear: '2019-12-15', reason: 'renewal', on: '2019-12-15' },
      );

    async function invoice(feeAccountId: string) {
      const { partner } = await store.registerPartner(partnerInput({ feeAccountId, country: 'US' }));
      const activities = createActivities({ store });
      const issued = await issue(activities, partner.id);
      const [stored] = await store.listInvoices(partner.id);
      return { issued, stored, partner, activities };
    }

    test("a fee account in a reseller's organization is invoiced to the management account, both recorded", async () => {
      const org = await organization(true);
      const fee = account();
      await store.addOrganizationMember(org.id, fee, '2019-02-01');
      const { issued, stored } = await invoice(fee);
      expect(issued).toMatchObject({
        payerAccountId: org.managementAccountId,
        feeAccountId: fee,
        organizationId: org.id,
      });
      expect(stored).toMatchObject({ payerAccountId: org.managementAccountId, feeAccountId: fee, status: 'open' });
    });

    test('a standalone fee account is invoiced to itself', async () => {
      const fee = account();
      const { issued, stored } = await invoice(fee);
      expect(issued).toMatchObject({ payerAccountId: fee, feeAccountId: fee });
      expect(issued).not.toHaveProperty('organizationId');
      expect(stored).toMatchObject({ payerAccountId: fee, feeAccountId: fee });
    });

    test("Advance Pay is taken from the payer's balance, not the fee account's", async () => {
      const org = await organization(true);
      const fee = account();
      await store.addOrganizationMember(org.id, fee, '2019-02-01');
      await store.fundAdvancePay({
        key: uniqueId('fund'),
        payerAccountId: fee,
        amount: 5000,
        method: 'eft',
        on: '2019-11-01',
      });
      await store.fundAdvancePay({
        key: uniqueId('fund'),
        payerAccountId: org.managementAccountId,
        amount: 3000,
        method: 'us-bank-transfer',
        on: '2019-11-01',
      });
      const { issued, stored } = await invoice(fee);
      expect(issued).toMatchObject({ paidViaAdvancePay: true, payerAccountId: org.managementAccountId });
      expect(stored).toMatchObject({ status: 'paid', paidVia: 'advance-pay' });
      expect((await store.getAdvancePay(org.managementAccountId))?.balance).toBe(500);
      expect((await store.getAdvancePay(fee))?.balance).toBe(5000);
    });

    test('a retry after the fee account moved keeps the payer the invoice was issued to', async () => {
      const fee = account();
      const first = await invoice(fee);
      const org = await organization(false);
      await store.addOrganizationMember(org.id, fee, '2019-12-16');
      const again = await issue(first.activities, first.partner.id);
      expect(again).toMatchObject({ invoiceId: first.issued.invoiceId, payerAccountId: fee, feeAccountId: fee });
    });
  });
});
