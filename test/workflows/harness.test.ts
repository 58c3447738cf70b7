import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv } from '../support/temporal';
import { sleepFor } from './fixtures/harness-workflows';

describe('time-skipping harness', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  test('given a 90-day timer, when the result is awaited, then 90 days of workflow time pass in seconds of real time', async () => {
    const taskQueue = `harness-${Date.now()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/harness-workflows'),
      activities: { echo: (text: string) => Promise.resolve(`echo: ${text}`) },
    });
    const realStart = Date.now();
    const result = await worker.runUntil(
      env.client.workflow.execute(sleepFor, { args: [90], taskQueue, workflowId: `harness/${taskQueue}` }),
    );
    expect(result).toEqual({ elapsedDays: 90, echoed: 'echo: after the timer' });
    expect(Date.now() - realStart).toBeLessThan(60_000);
  });
});
