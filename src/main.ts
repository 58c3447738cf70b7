/**
 * `npm start`: the whole engine on embedded defaults — the Temporal dev server (SQLite file under DATA_DIR, Web UI),
 * the store, the worker and the HTTP API. With TEMPORAL_ADDRESS set it uses that server. Ctrl-C or SIGTERM stops
 * everything, child processes included.
 */
import { resolve } from 'node:path';
import { loadConfig } from './config';
import { Runtime } from './platform/runtime';

const runtime = new Runtime(loadConfig());
void runtime.runUntilSignal(async () => {
  const { config } = runtime;
  const { address, uiUrl } = await runtime.temporalAddress();
  const client = await runtime.temporalClient(address);
  const store = await runtime.store();
  const worker = await runtime.worker(address, store);
  const apiUrl = await runtime.api(client, store);
  process.stdout.write(
    [
      '',
      'APN tier lifecycle engine is running',
      `  HTTP API          ${apiUrl}   (try ${apiUrl}/healthz)`,
      `  Temporal          ${address}   namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE}`,
      `  Temporal Web UI   ${uiUrl ?? '(external server: use its own UI)'}`,
      `  Data              ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : resolve(runtime.dataDir, 'pglite')}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  worker.done.catch((err: unknown) => {
    runtime.log.error({ err }, 'worker failed');
    void runtime.stop('worker-failure', 1);
  });
});
