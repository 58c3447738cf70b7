/** The worker as its own process (docker-compose `worker` service): needs TEMPORAL_ADDRESS. */
import { loadConfig } from './config';
import { Runtime } from './platform/runtime';

const runtime = new Runtime(loadConfig());
void runtime.runUntilSignal(async () => {
  const { address } = await runtime.temporalAddress();
  await runtime.temporalClient(address);
  const store = await runtime.store();
  const worker = await runtime.worker(address, store);
  runtime.log.info({ address, taskQueue: runtime.config.TEMPORAL_TASK_QUEUE }, 'worker running');
  await worker.done;
});
