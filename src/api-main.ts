/** The HTTP API as its own process (docker-compose `api` service): needs TEMPORAL_ADDRESS. */
import { loadConfig } from './config';
import { Runtime } from './platform/runtime';

const runtime = new Runtime(loadConfig());
void runtime.runUntilSignal(async () => {
  const engine = await runtime.engine({ worker: false, api: true });
  runtime.log.info({ url: engine.api?.url }, 'API listening');
});
