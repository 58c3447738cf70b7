/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The reseller billing repository (R-RESELLER, 002): enrolment, usage, the consolidated bill, the partner's invoices
 * to its customers, invitation expiry. On PGlite and on a real PostgreSQL.
 */
import { NotFoundError, StoreConflictError } from '../../src/store';
import { drivers, useTestStore, partnerInput, uniqueId } from './pg';

describe.each(drivers)('reseller billing repository on %s', (driver) => {
  const { store } = useTestStore(driver);

  const account = () => String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));

  /** A reseller organization enrolled by a fresh partner, with two customer accounts joined. */
  async function reseller(discountBasisPoints = 0) {
    const partner = (await store.registerPartner(partnerInput())).partner;
    const org = { id: uniqueId('r'), name: 'Reseller', managementAccountId: account(), reseller: true };
    await store.createOrganization({ ...org, on: '2019-01-01' });
    const enrolment = {
      organizationId: org.id,
      partnerId: partner.id,
      discountBasisPoints,
      billingFrom: '2019-03',
      enrolledOn: '2019-03-01',
    };
    expect((await store.reseller.enrol(enrolment)).created).toBe(true);
    const [a, b] = [account(), account()];
    await store.addOrganizationMember(org.id, a, '2019-03-02');
    await store.addOrganizationMember(org.id, b, '2019-03-02');
    return { partner, org, enrolment, a, b };
  }

  test('enrolment: again with the same terms changes nothing; other terms, a non-reseller or an unknown partner are refused', async () => {
    const { org, enrolment } = await reseller();
    expect(await store.reseller.enrol(enrolment)).toEqual({ enrolment, created: false });
    await expect(store.reseller.enrol({ ...enrolment, discountBasisPoints: 100 })).rejects.toBeInstanceOf(
      StoreConflictError,
    );
    const plain = { id: uniqueId('o'), name: 'Plain', managementAccountId: account(), reseller: false };
    await store.createOrganization({ ...plain, on: '2019-01-01' });
    await expect(store.reseller.enrol({ ...enrolment, organizationId: plain.id })).rejects.toMatchObject({
      code: 'not-reseller',
    });
    await expect(
      store.reseller.enrol({ ...enrolment, organizationId: uniqueId('r'), partnerId: 'nobody' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.reseller.getEnrolment(org.id)).toEqual(enrolment);
  });

  test('R-RESELLER: the bill takes every member’s usage of the month; the shares add up to the discounted total', async () => {
    const { org, partner, a, b } = await reseller(500);
    const first = await store.reseller.recordUsage({
      accountId: a,
      month: '2019-03',
      items: [{ service: 'Amazon EC2', amountCents: 10_000 }],
      on: '2019-03-10',
    });
    expect(first.created).toBe(true);
    // Recorded again: replaced, not added.
    const again = await store.reseller.recordUsage({
      accountId: a,
      month: '2019-03',
      items: [
        { service: 'Amazon EC2', amountCents: 10_000 },
        { service: 'Amazon S3', amountCents: 1 },
      ],
      on: '2019-03-20',
    });
    expect(again).toMatchObject({ created: false, record: { totalCents: 10_001 } });
    await store.reseller.recordUsage({
      accountId: b,
      month: '2019-03',
      items: [{ service: 'Amazon RDS', amountCents: 3_333 }],
      on: '2019-03-20',
    });

    const { bill, created } = await store.reseller.issueBill({
      organizationId: org.id,
      month: '2019-03',
      on: '2019-04-01',
    });
    expect(created).toBe(true);
    expect(bill).toMatchObject({
      partnerId: partner.id,
      payerAccountId: org.managementAccountId,
      usageCents: 13_334,
      discountCents: 667,
      totalCents: 12_667,
      status: 'issued',
    });
    expect(bill.lines.reduce((s, l) => s + l.shareCents, 0)).toBe(12_667);
    expect(
      (await store.reseller.issueBill({ organizationId: org.id, month: '2019-03', on: '2019-04-02' })).created,
    ).toBe(false);

    await expect(
      store.reseller.recordUsage({ accountId: b, month: '2019-03', items: [], on: '2019-04-02' }),
    ).rejects.toMatchObject({ code: 'month-billed' });
    await expect(
      store.reseller.invoiceCustomers({ organizationId: org.id, month: '2019-03', on: '2019-04-02' }),
    ).rejects.toMatchObject({ code: 'bill-unpaid' });
    await expect(
      store.reseller.markBillPaid({ organizationId: org.id, month: '2019-03', amountCents: 12_666, on: '2019-04-05' }),
    ).rejects.toMatchObject({ code: 'amount-mismatch' });
    expect(
      (
        await store.reseller.markBillPaid({
          organizationId: org.id,
          month: '2019-03',
          amountCents: 12_667,
          on: '2019-04-05',
        })
      ).changed,
    ).toBe(true);

    const invoices = await store.reseller.invoiceCustomers({
      organizationId: org.id,
      month: '2019-03',
      on: '2019-04-05',
    });
    expect(invoices.map((i) => [i.accountId, i.amountCents]).sort()).toEqual(
      bill.lines.map((l) => [l.accountId, l.shareCents]).sort(),
    );
    expect(invoices.reduce((s, i) => s + i.amountCents, 0)).toBe(12_667);
    expect(
      await store.reseller.invoiceCustomers({ organizationId: org.id, month: '2019-03', on: '2019-04-06' }),
    ).toEqual(invoices);
    expect(await store.reseller.getBill(org.id, '2019-03')).toMatchObject({
      status: 'paid',
      paidOn: '2019-04-05',
      invoices,
    });
    expect((await store.reseller.invoicesOf(a)).map((i) => i.month)).toEqual(['2019-03']);
  });

  test('usage is refused outside an enrolled reseller organization and before the month billing starts', async () => {
    const { a } = await reseller();
    await expect(
      store.reseller.recordUsage({ accountId: account(), month: '2019-03', items: [], on: '2019-03-05' }),
    ).rejects.toMatchObject({ code: 'not-reseller-member' });
    await expect(
      store.reseller.recordUsage({ accountId: a, month: '2019-02', items: [], on: '2019-03-05' }),
    ).rejects.toMatchObject({ code: 'month-not-billed' });
  });

  test('a month without usage is billed at zero and settled at once; the management account is never invoiced', async () => {
    const { org } = await reseller();
    await store.reseller.recordUsage({
      accountId: org.managementAccountId,
      month: '2019-04',
      items: [{ service: 'AWS Support', amountCents: 500 }],
      on: '2019-04-02',
    });
    const { bill: empty } = await store.reseller.issueBill({
      organizationId: org.id,
      month: '2019-03',
      on: '2019-04-01',
    });
    expect(empty).toMatchObject({ totalCents: 0, status: 'paid', lines: [] });
    await store.reseller.issueBill({ organizationId: org.id, month: '2019-04', on: '2019-05-01' });
    await store.reseller.markBillPaid({ organizationId: org.id, month: '2019-04', amountCents: 500, on: '2019-05-02' });
    expect(
      await store.reseller.invoiceCustomers({ organizationId: org.id, month: '2019-04', on: '2019-05-02' }),
    ).toEqual([]);
  });

  test('R-RESELLER: an invitation expires once, and an answered one stays answered', async () => {
    const { org } = await reseller();
    const pending = await store.inviteAccount({ organizationId: org.id, accountId: account(), on: '2019-06-01' });
    expect(await store.reseller.expireInvitation(pending.id, '2019-06-16')).toMatchObject({ status: 'expired' });
    expect(await store.reseller.expireInvitation(pending.id, '2019-06-17')).toMatchObject({
      status: 'expired',
      respondedOn: '2019-06-16',
    });
    const answered = await store.inviteAccount({ organizationId: org.id, accountId: account(), on: '2019-06-01' });
    await store.respondToInvitation(answered.id, 'declined', '2019-06-02');
    expect(await store.reseller.expireInvitation(answered.id, '2019-06-16')).toMatchObject({ status: 'declined' });
    await expect(store.reseller.expireInvitation(999_999, '2019-06-16')).rejects.toBeInstanceOf(NotFoundError);
  });
});
