/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * End to end on a real Temporal dev server: partner workflows publish typed search attributes, and the visibility
 * query operators use in the Web UI or `temporal workflow list` finds exactly the right partners.
 */
import { Worker } from '@temporalio/worker';
import { createDevServerEnv, type DevServerHandle } from '../support/temporal';
import { openTestStore } from '../support/store';
import { consultingEvidence } from '../support/evidence';
import { createActivities } from '../../src/activities';
import { emptyEvidence, mergeEvidence } from '../../src/domain/evidence';
import { partnerStatusQuery } from '../../src/workflows/definitions';
import type { partnerLifecycle } from '../../src/workflows/partner-lifecycle';
import type { Store } from '../../src/store';

let server: DevServerHandle;
let store: Store;
beforeAll(async () => {
  server = await createDevServerEnv();
  store = await openTestStore();
});
afterAll(async () => {
  await store?.close();
  await server?.teardown();
});

test('ApnTier="advanced" AND ApnAtRisk=true finds the Advanced partner whose evidence fell below its tier, and only it', async () => {
  const { env } = server;
  const taskQueue = `e2e-${Date.now()}`;
  const today = new Date().toISOString().slice(0, 10);
  const tag = Date.now().toString(36);
  const partners = [
    { id: `slipping-${tag}`, tier: 'advanced' as const, evidence: 'select' as const },
    { id: `steady-${tag}`, tier: 'advanced' as const, evidence: 'advanced' as const },
    { id: `small-${tag}`, tier: 'select' as const, evidence: 'select' as const },
  ];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    workflowsPath: require.resolve('../../src/workflows'),
    activities: createActivities({ store }),
  });
  await worker.runUntil(async () => {
    for (const p of partners) {
      await store.registerPartner({
        id: p.id,
        name: `Partner ${p.id}`,
        track: 'consulting',
        tier: p.tier,
        renewalDate: '06-30',
        country: 'US',
        feeAccountId: '123456789012',
        allianceLeadId: 'lead',
      });
      await store.putEvidence(p.id, mergeEvidence(emptyEvidence('consulting'), consultingEvidence(p.evidence, today)));
      await env.client.workflow.start<typeof partnerLifecycle>('partnerLifecycle', {
        taskQueue,
        workflowId: `partner/${p.id}`,
        args: [
          {
            partner: {
              id: p.id,
              name: `Partner ${p.id}`,
              track: 'consulting',
              tier: p.tier,
              renewalDate: '06-30',
              country: 'US',
            },
          },
        ],
        memo: { partnerName: `Partner ${p.id}` },
      });
    }
    // Wait until every workflow has run its registration-day check and published its attributes.
    for (const p of partners) {
      const handle = env.client.workflow.getHandle(`partner/${p.id}`);
      for (let i = 0; i < 100 && !(await handle.query(partnerStatusQuery)).monthly.length; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // The dev server is this suite's own: these three partners are all it knows.
    const query = 'ApnTier="advanced" AND ApnAtRisk=true';
    let found: string[] = [];
    for (let i = 0; i < 100; i++) {
      found = [];
      for await (const wf of env.client.workflow.list({ query })) found.push(wf.workflowId);
      if (found.length > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toEqual([`partner/slipping-${tag}`]);
    const steady = await env.client.workflow.getHandle(`partner/steady-${tag}`).describe();
    expect(steady.memo).toEqual({ partnerName: `Partner steady-${tag}` });
    for (const p of partners) await env.client.workflow.getHandle(`partner/${p.id}`).terminate('test finished');
  });
});
