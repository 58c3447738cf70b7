/** The worker as its own process (docker-compose `worker` service): needs TEMPORAL_ADDRESS. */
import { loadConfig } from './config';
import { Runtime } from './platform/runtime';

const runtime = new Runtime(loadConfig());
void runtime.runUntilSignal(async () => {
  const engine = await runtime.engine({ worker: true, api: false });
  runtime.log.info(
    { address: engine.temporal.address, taskQueue: runtime.config.TEMPORAL_TASK_QUEUE },
    'worker running',
  );
  await engine.worker?.done;
});
