/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Exactly-once commands: the API passes each request's Idempotency-Key as the Temporal Update id. Temporal answers a
 * repeated id itself within one run; after continue-as-new the new run remembers recent ids in its state, so the
 * same Update sent again gets the first answer and is not applied twice. On the time-skipping server.
 */
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { partnerStatusQuery, recordPaymentUpdate } from '../../src/workflows/definitions';
import { partnerWorkflowId } from '../../src/workflows/ids';
import type { partnerLifecycle } from '../../src/workflows/partner-lifecycle';
import { timeSkippingSuite } from '../support/temporal';

const suite = timeSkippingSuite();
const DAY_MS = 86_400_000;

test('R-PAID: a payment Update sent again with its id after continue-as-new answers as the first time and pays once', async () => {
  const { env, store } = suite;
  const partnerId = `once-${Date.now().toString(36)}`;
  // Renewal 02-02: the 2019-02-02 renewal fee is invoiced on that day, its review skipped (R-RENEWAL before April 2019).
  const partner = {
    id: partnerId,
    name: 'Once Only',
    track: 'consulting',
    tier: 'select',
    renewalDate: '02-02',
    country: 'US',
    feeAccountId: '123456789012',
  } as const;
  await store.registerPartner({ ...partner, allianceLeadId: 'alliance-lead' });
  const taskQueue = `exactly-once-${partnerId}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../src/workflows'),
    activities: createActivities({ store }),
  });
  const offsetMs = Date.parse('2019-02-01T00:00:00Z') - (await env.currentTimeMs());
  const workflowId = partnerWorkflowId(partnerId);

  await worker.runUntil(async () => {
    await env.client.workflow.start<typeof partnerLifecycle>('partnerLifecycle', {
      taskQueue,
      workflowId,
      args: [
        {
          partner,
          clock: { offsetMs },
          continueAsNewAfterEvents: 30,
        },
      ],
    });
    const handle = env.client.workflow.getHandle<typeof partnerLifecycle>(workflowId);
    await env.sleep(2 * DAY_MS + DAY_MS / 2);
    const invoice = (await handle.query(partnerStatusQuery)).invoice;
    expect(invoice).toEqual(expect.objectContaining({ issuedOn: '2019-02-02', total: 2500 }));

    const first = await handle.executeUpdate(recordPaymentUpdate, { args: [{ amount: 2500 }], updateId: 'pay-once' });
    expect(first).toEqual({ invoiceId: invoice!.id, paidOn: '2019-02-03' });
    const paidInRun = (await handle.describe()).runId;

    // Months pass until the workflow has continued as new (its history passes the test threshold).
    for (let month = 0; month < 4 && (await handle.describe()).runId === paidInRun; month += 1) {
      await env.sleep(31 * DAY_MS);
    }
    expect((await handle.describe()).runId).not.toBe(paidInRun);

    const again = await handle.executeUpdate(recordPaymentUpdate, { args: [{ amount: 2500 }], updateId: 'pay-once' });
    expect(again).toEqual(first);
    // A new Update (another id) is checked against today's state: nothing is open to pay.
    await expect(
      handle.executeUpdate(recordPaymentUpdate, { args: [{ amount: 2500 }], updateId: 'pay-other' }),
    ).rejects.toThrow(/update failed|no open fee invoice/i);

    const journal = await store.listJournal(partnerId);
    expect(journal.filter((e) => e.type === 'fee-paid')).toHaveLength(1);
    expect(journal.filter((e) => e.type === 'promo-credit-sent')).toHaveLength(1);
    await handle.terminate('test finished');
  });
}, 180_000);
