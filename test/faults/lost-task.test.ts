/**
 * A workflow task the server handed out and never saw answered (issue #14's load test): on a starved machine the
 * Temporal server records a task's start, then gives up on delivering it to the worker (temporalio/temporal#11733),
 * and hands it out again only once the partner workflow's task timeout (30 s) has passed. Here a poller that never
 * answers takes the partner's first task, just as the lost delivery leaves it; the application sent right after
 * waits that out and is accepted (`202`), instead of `503` at the 15 s a Temporal call may take.
 *
 * `npm run api` and `npm run worker` as users start them, on a Temporal dev server and PostgreSQL.
 */
import { Connection } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { PARTNER_WORKFLOW_TASK_TIMEOUT } from '../../src/api/lifecycle';
import { auth, EngineProcess, processStack, registration, stopAll, type DevServer } from './support';

jest.setTimeout(300_000);

const suffix = Date.now().toString(36);
const taskQueue = `lost-task-${suffix}`;
let server: DevServer;
let env: Record<string, string>;
let base: string;

beforeAll(async () => {
  const stack = await processStack('faults-lost-task', taskQueue);
  ({ server, env, base } = stack);
  // The API only: no worker polls the task queue until the partner's first task is taken.
  const api = EngineProcess.start('api', env);
  await api.ready(/"msg":"API listening"/);
});

afterAll(stopAll);

async function post(path: string, token: string, body: unknown, key: string) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { Authorization: token, 'Content-Type': 'application/json', 'Idempotency-Key': key },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('an application sent while the partner’s workflow task is lost is accepted once the task is given again', async () => {
  const id = `lost-${suffix}`;
  const registered = await post(
    '/partners',
    await auth('program-admin', 'admin-1'),
    registration(id),
    `register-${id}`,
  );
  expect(registered.status).toBe(201);

  // The partner's first workflow task goes to a poller that never answers: started, as far as the server knows.
  const thief = await Connection.connect({ address: server.address });
  try {
    const task = await thief.withDeadline(Date.now() + 60_000, () =>
      thief.workflowService.pollWorkflowTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue },
        identity: 'a poller that never answers',
      }),
    );
    expect(task.workflowExecution?.workflowId).toBe(`partner/${id}`);
    const takenAt = Date.now();

    // The worker starts now, and the application is sent at once: its Update waits for the next task.
    const worker = EngineProcess.start('worker', env);
    const applied = await post(
      `/partners/${id}/upgrade-applications`,
      await auth('alliance-lead', `lead@${id}`, id),
      { targetTier: 'select', feeAccountId: '123456789012' },
      `apply-${id}`,
    );
    const waitedMs = Date.now() - takenAt;
    await worker.ready(/"msg":"worker running"/);

    expect(applied).toMatchObject({ status: 202, body: { number: 1 } });
    // It was answered only after the lost task's timeout: longer than a Temporal call's 15 s.
    expect(waitedMs).toBeGreaterThanOrEqual(msToNumber(PARTNER_WORKFLOW_TASK_TIMEOUT) - 1_000);
    expect(worker.warnings()).toEqual([]);

    // The history says what happened: the first task timed out, the next one accepted the application.
    const history = await thief.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId: `partner/${id}` },
    });
    const events = (history.history?.events ?? []).map((e) => e.eventType);
    const { EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT: TIMED_OUT, EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: ACCEPTED } =
      temporal.api.enums.v1.EventType;
    expect(events.indexOf(TIMED_OUT)).toBeGreaterThan(0);
    expect(events.indexOf(ACCEPTED)).toBeGreaterThan(events.indexOf(TIMED_OUT));
  } finally {
    await thief.close();
  }
});
