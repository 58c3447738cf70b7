/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Reseller billing workflows (R-RESELLER, 002) on the time-skipping server: an invitation accepted, declined, or
 * expired on day 15 by its durable timer; and three months of a reseller organization's consolidated cycle with two
 * customers, whose invoices add up to the partner's bill every month.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { billingLabelOf } from '../../src/domain/reseller';
import type { Invitation } from '../../src/store';
import {
  acceptInvitationUpdate,
  closeMonthUpdate,
  declineInvitationUpdate,
  invitationStateQuery,
  invitationWorkflowId,
  payConsolidatedBillUpdate,
  resellerBillingStateQuery,
  resellerBillingWorkflowId,
} from '../../src/workflows/reseller-definitions';
import type { resellerBilling } from '../../src/workflows/reseller-billing';
import type { resellerInvitation } from '../../src/workflows/reseller-invitation';
import { partnerInput, uniqueId } from '../store/pg';
import { timeSkippingSuite } from '../support/temporal';

const suite = timeSkippingSuite();
const DAY_MS = 86_400_000;
const RUN = Date.now().toString(36);
let accounts = 0;
const account = () => String(200_000_000_000 + (Date.now() % 1_000_000) * 1000 + ++accounts);

/** A reseller organization enrolled by a fresh partner, billed from 2019-03, business time 2019-03-01 at start. */
async function setUp(discountBasisPoints = 0) {
  const { env, store } = suite;
  const partner = (await store.registerPartner(partnerInput({ allianceLeadId: 'lead-reseller' }))).partner;
  const org = { id: uniqueId('reseller'), name: 'Reseller Co', managementAccountId: account(), reseller: true };
  await store.createOrganization({ ...org, on: '2019-03-01' });
  await store.reseller.enrol({
    organizationId: org.id,
    partnerId: partner.id,
    discountBasisPoints,
    billingFrom: '2019-03',
    enrolledOn: '2019-03-01',
  });
  const taskQueue = `reseller-${RUN}-${org.id}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../src/workflows'),
    activities: createActivities({ store }),
  });
  const offsetMs = Date.parse('2019-03-01T00:00:00Z') - (await env.currentTimeMs());
  const clock = { offsetMs };
  const today = async () => new Date((await env.currentTimeMs()) + offsetMs).toISOString().slice(0, 10);

  async function invite(accountId: string) {
    const invitation: Invitation = await store.inviteAccount({ organizationId: org.id, accountId, on: await today() });
    const handle = await env.client.workflow.start<typeof resellerInvitation>('resellerInvitation', {
      taskQueue,
      workflowId: invitationWorkflowId(invitation.id),
      args: [{ ...invitation, invitationId: invitation.id, clock }],
    });
    return { invitation, handle };
  }
  return { partner, org, worker, taskQueue, clock, today, invite };
}

const kindsOf = async (partnerId: string, invitationId: number) =>
  (await suite.store.listNotifications(partnerId))
    .filter((n) => n.key.startsWith(`invitation/${invitationId}/`))
    .map((n) => `${n.kind} → ${n.recipient.startsWith('payer:') ? 'customer' : n.recipient}`)
    .sort();

test('R-RESELLER: an accepted invitation joins the partner organization; the billing view reads "Reseller Billing by Partner (Consolidated Billing)"', async () => {
  const { store, env } = suite;
  const { partner, org, worker, invite } = await setUp();
  const customer = account();
  await worker.runUntil(async () => {
    const { invitation, handle } = await invite(customer);
    await env.sleep(3 * DAY_MS);
    const accepted = await handle.executeUpdate(acceptInvitationUpdate, { args: [{ by: 'customer-admin' }] });
    expect(accepted).toMatchObject({ status: 'accepted', closedOn: '2019-03-04' });
    expect(await handle.result()).toMatchObject({ status: 'accepted' });

    const membership = await store.reseller.membershipOf(customer);
    expect(membership?.organization.id).toBe(org.id);
    expect(billingLabelOf(membership?.organization)).toBe('Reseller Billing by Partner (Consolidated Billing)');
    expect(await store.resolvePayer(customer)).toBe(org.managementAccountId);
    expect(await kindsOf(partner.id, invitation.id)).toEqual([
      'invitation-accepted → alliance-lead',
      'invitation-accepted → customer',
      'invitation-invited → alliance-lead',
      'invitation-invited → customer',
    ]);
  });
});

test('R-RESELLER: a declined invitation leaves the account outside the partner organization, billed by AWS', async () => {
  const { store, env } = suite;
  const { partner, worker, invite } = await setUp();
  const customer = account();
  await worker.runUntil(async () => {
    const { invitation, handle } = await invite(customer);
    await env.sleep(DAY_MS);
    await handle.executeUpdate(declineInvitationUpdate, { args: [{ by: 'customer-admin' }] });
    expect(await handle.result()).toMatchObject({ status: 'declined', closedOn: '2019-03-02' });
    expect(await store.reseller.membershipOf(customer)).toBeUndefined();
    expect((await store.reseller.getInvitation(invitation.id))?.status).toBe('declined');
    expect(await kindsOf(partner.id, invitation.id)).toContain('invitation-declined → customer');
  });
});

test('R-RESELLER: an unanswered invitation is still pending on day 14 and expires on day 15; a late accept is refused', async () => {
  const { store, env } = suite;
  const { partner, worker, invite } = await setUp();
  const customer = account();
  await worker.runUntil(async () => {
    const { invitation, handle } = await invite(customer);
    expect(invitation.expiresOn).toBe('2019-03-16');
    await env.sleep(14 * DAY_MS + DAY_MS / 2);
    expect(await handle.query(invitationStateQuery)).toMatchObject({ status: 'pending' });
    expect((await store.reseller.getInvitation(invitation.id))?.status).toBe('invited');

    await env.sleep(DAY_MS);
    expect(await handle.result()).toMatchObject({ status: 'expired', closedOn: '2019-03-16' });
    expect((await store.reseller.getInvitation(invitation.id))?.status).toBe('expired');
    await expect(handle.executeUpdate(acceptInvitationUpdate, { args: [{ by: 'customer-admin' }] })).rejects.toThrow();
    expect(await store.reseller.membershipOf(customer)).toBeUndefined();
    expect(await kindsOf(partner.id, invitation.id)).toEqual([
      'invitation-expired → alliance-lead',
      'invitation-expired → customer',
      'invitation-invited → alliance-lead',
      'invitation-invited → customer',
    ]);
  });
});

test('R-RESELLER: a malformed answer (no `by`) is refused by the Update validator; the workflow goes on and expires', async () => {
  const { env } = suite;
  const { worker, invite } = await setUp();
  await worker.runUntil(async () => {
    const { handle } = await invite(account());
    const refused = await handle
      .executeUpdate(acceptInvitationUpdate, { args: [{ by: '' }] })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'InvalidCommand' });
    expect(await handle.query(invitationStateQuery)).toMatchObject({ status: 'pending' });
    await env.sleep(16 * DAY_MS);
    expect(await handle.result()).toMatchObject({ status: 'expired' });
  });
});

test('R-RESELLER: three monthly cycles with two customers — each month the partner pays the bill and the customer invoices add up to it exactly', async () => {
  const { store, env } = suite;
  // 3 % off: the discount makes the shares fractional, so the split must round and still add up.
  const { org, worker, taskQueue, clock, invite } = await setUp(300);
  const [alpha, beta] = [account(), account()];
  const usage: Record<string, [number, number]> = {
    '2019-03': [123_457, 98_766],
    '2019-04': [100_001, 1],
    '2019-05': [33_333, 66_667],
  };
  await worker.runUntil(async () => {
    for (const customer of [alpha, beta]) {
      const { handle } = await invite(customer);
      await handle.executeUpdate(acceptInvitationUpdate, { args: [{ by: 'customer-admin' }] });
    }
    const cycle = await env.client.workflow.start<typeof resellerBilling>('resellerBilling', {
      taskQueue,
      workflowId: resellerBillingWorkflowId(org.id),
      // Continues as new after two bills: the third month runs in the next run with the state carried over.
      args: [{ organizationId: org.id, billingFrom: '2019-03', clock, continueAsNewAfterMonths: 2 }],
    });
    const firstRun = cycle.firstExecutionRunId;

    for (const [month, [a, b]] of Object.entries(usage)) {
      await store.reseller.recordUsage({
        accountId: alpha,
        month,
        items: [{ service: 'Amazon EC2', amountCents: a }],
        on: `${month}-10`,
      });
      await store.reseller.recordUsage({
        accountId: beta,
        month,
        items: [{ service: 'Amazon S3', amountCents: b }],
        on: `${month}-10`,
      });
      const state = await cycle.query(resellerBillingStateQuery);
      expect(state.nextMonth).toBe(month);
      // Sleep past the bill day (the first of next month).
      await env.sleep(Date.parse(`${state.nextBillOn}T12:00:00Z`) - ((await env.currentTimeMs()) + clock.offsetMs));
      const bill = await store.reseller.getBill(org.id, month);
      expect(bill).toMatchObject({ status: 'issued', usageCents: a + b, payerAccountId: org.managementAccountId });

      // Paying less is refused by the validator; the cycle goes on.
      await expect(
        cycle.executeUpdate(payConsolidatedBillUpdate, {
          args: [{ month, amountCents: bill!.totalCents - 1, by: 'partner' }],
        }),
      ).rejects.toThrow(WorkflowUpdateFailedError);

      const paid = await cycle.executeUpdate(payConsolidatedBillUpdate, {
        args: [{ month, amountCents: bill!.totalCents, by: 'partner' }],
      });
      expect(paid.invoices.map((i) => i.accountId).sort()).toEqual([alpha, beta].sort());
      expect(paid.invoices.reduce((s, i) => s + i.amountCents, 0)).toBe(bill!.totalCents);
      expect(paid.totalCents).toBe(Math.round((a + b) * 0.97));
      // Paid once: a second payment of the same bill is refused.
      await expect(
        cycle.executeUpdate(payConsolidatedBillUpdate, {
          args: [{ month, amountCents: bill!.totalCents, by: 'partner' }],
        }),
      ).rejects.toThrow(WorkflowUpdateFailedError);
    }

    expect((await cycle.describe()).runId).not.toBe(firstRun);
    expect((await store.reseller.listBills(org.id)).map((b) => [b.month, b.status])).toEqual([
      ['2019-03', 'paid'],
      ['2019-04', 'paid'],
      ['2019-05', 'paid'],
    ]);
    // Each customer sees its usage and its invoices from the partner, month by month; AWS never bills it.
    expect((await store.reseller.usageOf(alpha)).map((u) => u.totalCents)).toEqual(
      Object.values(usage).map(([a]) => a),
    );
    expect((await store.reseller.invoicesOf(beta)).map((i) => i.month)).toEqual(['2019-03', '2019-04', '2019-05']);
    expect(
      (await store.listNotifications((await store.reseller.getEnrolment(org.id))!.partnerId)).filter(
        (n) => n.kind === 'reseller-invoice-issued',
      ),
    ).toHaveLength(6);
    await cycle.terminate('test finished');
  });
}, 240_000);

test('R-RESELLER: a month that ended before the enrolment is billed when the feed closes it; later months on the first by themselves', async () => {
  const { store, env } = suite;
  const { org, worker, taskQueue, clock, invite } = await setUp();
  const customer = account();
  await worker.runUntil(async () => {
    const { handle } = await invite(customer);
    await handle.executeUpdate(acceptInvitationUpdate, { args: [{ by: 'customer-admin' }] });
    await store.reseller.recordUsage({
      accountId: customer,
      month: '2019-03',
      items: [{ service: 'Amazon EC2', amountCents: 4_200 }],
      on: '2019-03-02',
    });
    const cycle = await env.client.workflow.start<typeof resellerBilling>('resellerBilling', {
      taskQueue,
      workflowId: resellerBillingWorkflowId(org.id),
      // As if enrolled on 2019-04-02: March ended before it.
      args: [{ organizationId: org.id, billingFrom: '2019-03', clock, enrolledOn: '2019-04-02' }],
    });
    await env.sleep(35 * DAY_MS);
    expect(await store.reseller.getBill(org.id, '2019-03')).toBeUndefined();
    await expect(cycle.executeUpdate(closeMonthUpdate, { args: [{ month: '2019-04', by: 'feed' }] })).rejects.toThrow(
      WorkflowUpdateFailedError,
    );

    const closed = await cycle.executeUpdate(closeMonthUpdate, { args: [{ month: '2019-03', by: 'feed' }] });
    expect(closed).toMatchObject({ month: '2019-03', totalCents: 4_200, status: 'issued' });
    expect(await cycle.query(resellerBillingStateQuery)).toMatchObject({
      nextMonth: '2019-04',
      nextBillOn: '2019-05-01',
    });
    await env.sleep(30 * DAY_MS);
    expect(await store.reseller.getBill(org.id, '2019-04')).toMatchObject({ totalCents: 0, status: 'paid' });
    await cycle.terminate('test finished');
  });
});
