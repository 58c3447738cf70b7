/** The Temporal worker: the lifecycle workflows and their activities on one task queue. */
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { createActivities } from './activities';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ReturnType<typeof createActivities>;
}

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath: require.resolve('./workflows'),
    activities: options.activities,
  });
}
