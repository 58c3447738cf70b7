/**
 * The composition root: `startEngine(options)` wires the engine — a Temporal server (embedded dev server, an existing
 * one, or a test environment the caller owns), the store (PGlite or PostgreSQL), the worker running the workflows and
 * activities, and the HTTP API — in one way for everything that runs it: `npm start`, `npm run worker`,
 * `npm run api`, the API benchmark, the API test harness and `apn simulate`. What it starts it stops, in reverse order,
 * with `engine.stop()`; what the caller hands in (a store, a test environment) stays the caller's.
 */
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { type Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import { createApp, type AppDependencies } from '../api/app';
import { ImportRunner } from '../api/import-runner';
import { Lifecycle } from '../api/lifecycle';
import { createDispatcher } from '../notifications';
import { startDevServer, type DevServerOptions } from '../dev/processes';
import { resolveTemporalCli } from '../dev/tools';
import { createStore, type Store, type StoreConfig } from '../store';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../workflows/search-attributes';
import type { ClockOptions } from '../workflows/types';
import { connectNativeWithRetry, connectWithRetry, createClient, ensureSearchAttributes } from './temporal';

export type Activities = ReturnType<typeof createActivities>;

/** Where the engine's Temporal server is. */
export type TemporalOption =
  /** Start the Temporal CLI dev server here (stopped with the engine). */
  | {
      embedded: Omit<DevServerOptions, 'temporalCli' | 'searchAttributes' | 'namespace' | 'extraNamespaces'> & {
        uiUrl?: string;
      };
    }
  /** Connect to a running frontend `host:port`, registering the project's search attributes. */
  | { address: string; uiUrl?: string }
  /**
   * Connections the caller made and closes itself: a test environment (time-skipping or dev server). Pass
   * `namespace` too when the client is not on 'default'.
   */
  | { env: Pick<TestWorkflowEnvironment, 'client' | 'nativeConnection'> }
  /** A client only (no worker can run): the API over a Temporal that may be unreachable. */
  | { client: Client };

export interface EngineOptions {
  temporal: TemporalOption;
  namespace?: string;
  taskQueue: string;
  /** A store to open (closed with the engine), or one the caller opened and closes. */
  store: { open: StoreConfig } | { use: Store };
  /** Business clock of the workflows the engine starts and of the API's "today" (offset 0 in production). */
  clock?: ClockOptions;
  /** Upper bound of one call of the lifecycle client to Temporal (default 15 s). */
  callTimeoutMs?: number;
  /**
   * Runs a worker on `taskQueue`; `wrapActivities` is a test hook (fault injection). `maxCachedWorkflows` bounds the
   * workflows kept in memory between turns (the SDK's default grows with the heap limit: ~2,300 on a 4 GiB heap).
   */
  worker?:
    | false
    | {
        promoCode?: () => string;
        wrapActivities?: (activities: Activities) => Activities;
        maxCachedWorkflows?: number;
      };
  /**
   * Runs the outbox dispatcher beside the worker: every pending notification is sent through `config.SMTP_URL`, or
   * written as an `.eml` file under `dataDir/mail/` without it. Stopped before the store closes.
   */
  outbox?: false | { config: DispatcherConfig; dataDir: string; log: Logger };
  /** Builds the API; `listen` makes it listen (tests drive the app with supertest instead). */
  api?:
    | false
    | (Omit<AppDependencies, 'store' | 'lifecycle'> & {
        listen?: { host: string; port: number };
      });
  /** Start-up steps, at debug. */
  log?: Logger;
  /** Called with each line the first-run tool build prints. */
  onToolOutput?: (line: string) => void;
}

export interface Engine {
  readonly store: Store;
  readonly client: Client;
  /** The client layer of the workflows (the API's, and `apn simulate`'s). */
  readonly lifecycle: Lifecycle;
  readonly temporal: { address?: string; uiUrl?: string; devServerPid?: number };
  readonly worker?: { done: Promise<void>; native: Worker };
  readonly api?: { app: Express; url?: string };
  /** Adds something to stop with the engine (before what was started earlier). */
  onStop(name: string, stop: () => Promise<void>): void;
  /** Stops what the engine started, in reverse order; a second call waits for the first. */
  stop(): Promise<void>;
}

/** Starts what `options` asks for; on a failure part-way, stops what it had started and rethrows. */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const stack: { name: string; stop: () => Promise<void> }[] = [];
  const onStop = (name: string, stop: () => Promise<void>) => void stack.push({ name, stop });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const failures: unknown[] = [];
      for (const item of stack.reverse()) {
        try {
          await item.stop();
          options.log?.debug(`${item.name} stopped`);
        } catch (err) {
          options.log?.error({ err }, `${item.name} did not stop cleanly`);
          failures.push(err);
        }
      }
      if (failures.length > 0) throw new AggregateError(failures, 'the engine did not stop cleanly');
    })();
    return stopping;
  };

  try {
    const namespace = options.namespace ?? 'default';
    const [temporal, store] = await Promise.all([
      connectTemporal(options, namespace, onStop),
      openStore(options, onStop),
    ]);
    const lifecycle = new Lifecycle(temporal.client, {
      taskQueue: options.taskQueue,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : {}),
    });
    const worker = options.worker
      ? await startWorker(options, options.worker, namespace, temporal, store, onStop)
      : undefined;
    if (options.outbox) startOutbox(options.outbox, store, onStop);
    const api = options.api ? await startApi(options.api, temporal.uiUrl, store, lifecycle, onStop) : undefined;
    options.log?.debug({ taskQueue: options.taskQueue, worker: !!worker, api: api?.url ?? !!api }, 'engine started');
    return {
      store,
      client: temporal.client,
      lifecycle,
      temporal: {
        ...(temporal.address ? { address: temporal.address } : {}),
        ...(temporal.uiUrl ? { uiUrl: temporal.uiUrl } : {}),
        ...(temporal.devServerPid !== undefined ? { devServerPid: temporal.devServerPid } : {}),
      },
      ...(worker ? { worker } : {}),
      ...(api ? { api } : {}),
      onStop,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

interface TemporalConnection {
  client: Client;
  /** For the worker; absent when only a client was handed in. */
  native?: () => Promise<NativeConnection>;
  address?: string;
  uiUrl?: string;
  devServerPid?: number;
}

type OnStop = (name: string, stop: () => Promise<void>) => void;

async function connectTemporal(options: EngineOptions, namespace: string, onStop: OnStop): Promise<TemporalConnection> {
  const { temporal } = options;
  if ('client' in temporal) return { client: temporal.client };
  if ('env' in temporal) {
    const { env } = temporal;
    return { client: env.client, native: () => Promise.resolve(env.nativeConnection) };
  }
  let address: string;
  let uiUrl: string | undefined;
  let devServerPid: number | undefined;
  if ('embedded' in temporal) {
    const { uiUrl: embeddedUiUrl, ...devOptions } = temporal.embedded;
    const temporalCli = await resolveTemporalCli(options.onToolOutput);
    const dev = await startDevServer({
      ...devOptions,
      temporalCli,
      namespace,
      searchAttributes: SEARCH_ATTRIBUTE_CLI_TYPES,
    });
    onStop('Temporal dev server', () => dev.stop());
    address = `127.0.0.1:${devOptions.port}`;
    uiUrl = embeddedUiUrl ?? (devOptions.uiPort !== undefined ? `http://localhost:${devOptions.uiPort}` : undefined);
    devServerPid = dev.pid;
  } else {
    ({ address, uiUrl } = temporal);
  }
  const connection: Connection = await connectWithRetry(address);
  onStop('Temporal client', () => connection.close());
  const added = await ensureSearchAttributes(connection, namespace);
  if (added.length > 0) options.log?.debug({ added }, 'registered search attributes');
  const native = async () => {
    const nativeConnection = await connectNativeWithRetry(address);
    onStop('worker connection', () => nativeConnection.close());
    return nativeConnection;
  };
  return {
    client: createClient(connection, namespace),
    native,
    address,
    ...(uiUrl ? { uiUrl } : {}),
    ...(devServerPid !== undefined ? { devServerPid } : {}),
  };
}

async function openStore(options: EngineOptions, onStop: OnStop): Promise<Store> {
  if ('use' in options.store) return options.store.use;
  const store = await createStore(options.store.open);
  onStop('store', () => store.close());
  return store;
}

async function startWorker(
  options: EngineOptions,
  worker: Exclude<EngineOptions['worker'], false | undefined>,
  namespace: string,
  temporal: TemporalConnection,
  store: Store,
  onStop: OnStop,
): Promise<Engine['worker']> {
  if (!temporal.native) throw new Error('a worker needs a Temporal server: pass temporal.address, embedded or env');
  const activities = createActivities({ store, ...(worker.promoCode ? { promoCode: worker.promoCode } : {}) });
  const native = await Worker.create({
    connection: await temporal.native(),
    namespace,
    taskQueue: options.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: worker.wrapActivities ? worker.wrapActivities(activities) : activities,
    ...(worker.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: worker.maxCachedWorkflows } : {}),
  });
  const done = native.run();
  // A failed worker is reported through `done`; the stop below must not turn it into an unhandled rejection.
  done.catch(() => undefined);
  onStop('worker', async () => {
    // The SDK's runtime may already be draining the worker (it reacts to signals unless told not to).
    if (native.getState() === 'RUNNING') native.shutdown();
    await done;
  });
  return { done, native };
}

async function startApi(
  api: Exclude<EngineOptions['api'], false | undefined>,
  temporalUiUrl: string | undefined,
  store: Store,
  lifecycle: Lifecycle,
  onStop: OnStop,
): Promise<Engine['api']> {
  const { listen, ...dependencies } = api;
  // The console links each partner's workflow in the Web UI of the server the engine runs on, unless told otherwise.
  const console =
    dependencies.console && dependencies.console.temporalUiUrl === undefined && temporalUiUrl !== undefined
      ? { ...dependencies.console, temporalUiUrl }
      : dependencies.console;
  const imports =
    dependencies.imports ?? new ImportRunner(store, lifecycle, dependencies.log ? { log: dependencies.log } : {});
  // Stopped after the HTTP API (registered before it): the rows in flight finish, the rest wait for the next start.
  onStop('import runner', () => imports.stop());
  const app = createApp({ ...dependencies, ...(console ? { console } : {}), store, lifecycle, imports });
  // Jobs a stopped process left running go on where they stopped.
  void imports.resumeAll().catch((err: unknown) => dependencies.log?.error({ err }, 'import jobs not resumed'));
  if (!listen) return { app };
  const server: Server = await new Promise((ready, fail) => {
    const s = app.listen(listen.port, listen.host, () => ready(s));
    s.once('error', fail);
  });
  keepConnectionsAlive(server);
  onStop(
    'HTTP API',
    () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  );
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : listen.port;
  const host = listen.host === '0.0.0.0' ? 'localhost' : listen.host;
  return { app, url: `http://${host}:${port}` };
}

/**
 * How long an idle keep-alive connection stays open. Node closes one after 5 s, while a client reuses it for up to
 * the hint it was sent minus a second: a client (or a load balancer) whose event loop lags by that second sends its
 * next request on a connection the API is closing, and hears "other side closed" with no answer (the 200-client load
 * test saw 49 at once on a busy machine). Longer than the 60 s idle timeout load balancers commonly keep, so they
 * close first; headers must arrive within a second more.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function keepConnectionsAlive(server: Server): void {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
}

type DispatcherConfig = Parameters<typeof createDispatcher>[0];

function startOutbox(outbox: Exclude<EngineOptions['outbox'], false | undefined>, store: Store, onStop: OnStop): void {
  const { config, log } = outbox;
  const { dispatcher, mailer } = createDispatcher(config, { store, log, dataDir: outbox.dataDir });
  dispatcher.start();
  log.debug({ mailer: mailer.kind, interval: config.OUTBOX_INTERVAL }, 'outbox dispatcher running');
  onStop('outbox dispatcher', async () => {
    await dispatcher.stop();
    mailer.close();
  });
}
