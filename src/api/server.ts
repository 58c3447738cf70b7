/** The HTTP API as its own process (docker-compose `api` service): needs TEMPORAL_ADDRESS. */
import { loadConfig } from '../config';
import { Runtime } from '../platform/runtime';

const runtime = new Runtime(loadConfig());
void runtime.runUntilSignal(async () => {
  const { address, uiUrl } = await runtime.temporalAddress();
  const client = await runtime.temporalClient(address);
  const store = await runtime.store();
  const url = await runtime.api(client, store, uiUrl ? { temporalUiUrl: uiUrl } : {});
  runtime.log.info({ url }, 'API listening');
});
