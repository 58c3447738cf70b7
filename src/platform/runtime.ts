/**
 * Composable start-up pieces shared by `npm start` (everything), the worker process and the API process: each
 * piece registers how to stop itself on a stack, and `runUntilSignal` tears the stack down on SIGINT/SIGTERM/SIGHUP
 * or when the process that started this one is gone.
 *
 * Logging: one pino logger for the engine and the Temporal SDK. At the default `info` the terminal shows only what
 * needs a person — warnings, errors, the first-run tool build — while the start-up steps, the worker's state
 * changes and the workflow bundler's webpack listing are at `debug`.
 */
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { Runtime as SdkRuntime, type Logger as SdkLogger, type LogLevel, type LogMetadata } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import { createActivities } from '../activities';
import { createApp } from '../api/app';
import { createVerifier, resolveJwtSecret, type TokenVerifier } from '../api/auth';
import { Lifecycle } from '../api/lifecycle';
import { durationSeconds, type Config } from '../config';
import { startDevServer } from '../dev/processes';
import { createDispatcher } from '../notifications';
import { resolveTemporalCli } from '../dev/tools';
import { createStore, securePrivateDir, type Store } from '../store';
import { createWorker } from '../worker';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../workflows/search-attributes';
import { connectNativeWithRetry, connectWithRetry, createClient, ensureSearchAttributes } from './temporal';

export class Runtime {
  readonly log: Logger;
  private readonly stack: { name: string; stop: () => Promise<void> }[] = [];
  private stopping = false;

  constructor(readonly config: Config) {
    this.log = pino({ level: config.LOG_LEVEL, base: { service: 'apn-engine' } });
    SdkRuntime.install({
      // Signals are handled here, in one order (API, worker, store, Temporal); the SDK must not race us on them.
      shutdownSignals: [],
      // The SDK's messages (and the native core's warnings) through pino; see PinoSdkLogger for the worker's INFO.
      logger: new PinoSdkLogger(this.log.child({ component: 'temporal-sdk' })),
      telemetryOptions: { logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } } },
    });
  }

  onStop(name: string, stop: () => Promise<void>): void {
    this.stack.push({ name, stop });
  }

  /** Stops everything in reverse start order, then exits; a repeated call (a second Ctrl-C) waits for the first. */
  async stop(reason: string, code = 0): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info({ reason }, 'shutting down');
    for (const item of this.stack.reverse()) {
      try {
        await item.stop();
        this.log.debug(`${item.name} stopped`);
      } catch (err) {
        this.log.error({ err }, `${item.name} did not stop cleanly`);
      }
    }
    this.log.flush();
    process.exit(code);
  }

  /**
   * Stops everything on SIGINT/SIGTERM/SIGHUP, when the parent process is gone, and on a start-up failure of `body`.
   */
  async runUntilSignal(body: () => Promise<void>): Promise<void> {
    // `on`, not `once`: a second Ctrl-C while stopping must not kill the process before its children are stopped.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void this.stop(signal));
    this.stopWithParent();
    try {
      await body();
    } catch (err) {
      this.log.error({ err }, 'start-up failed');
      await this.stop('startup-failure', 1);
    }
  }

  /**
   * `npm start` runs this process as npm's child (the script `exec`s node, so no shell sits between them). If npm is
   * killed outright (SIGKILL, a crashed terminal), no signal reaches us; the kernel hands us to another parent, which
   * is what we watch for. Not when our parent is the init process (a container's PID 1 setup): it never goes away.
   */
  private stopWithParent(): void {
    const parent = process.ppid;
    if (parent <= 1) return;
    const timer = setInterval(() => {
      if (process.ppid !== parent) void this.stop('parent-exited');
    }, 500);
    timer.unref();
  }

  private securedDataDir: string | undefined;

  /** DATA_DIR, created mode 0700 with everything under it private to this user (once per process). */
  get dataDir(): string {
    if (this.securedDataDir === undefined) {
      const dir = resolve(this.config.DATA_DIR);
      securePrivateDir(dir);
      this.securedDataDir = dir;
    }
    return this.securedDataDir;
  }

  /** TEMPORAL_ADDRESS, or the embedded dev server (SQLite under DATA_DIR, Web UI) started here. */
  async temporalAddress(): Promise<{ address: string; uiUrl?: string }> {
    const { config } = this;
    if (config.TEMPORAL_ADDRESS) return { address: config.TEMPORAL_ADDRESS, uiUrl: config.TEMPORAL_UI_URL };
    const temporalCli = await resolveTemporalCli((line) => this.log.info(line));
    const dev = await startDevServer({
      temporalCli,
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFile: resolve(this.dataDir, 'temporal.sqlite'),
      namespace: config.TEMPORAL_NAMESPACE,
      searchAttributes: SEARCH_ATTRIBUTE_CLI_TYPES,
      logFile: resolve(this.dataDir, 'temporal-dev-server.log'),
    });
    this.onStop('Temporal dev server', () => dev.stop());
    return {
      address: `127.0.0.1:${config.TEMPORAL_PORT}`,
      uiUrl: config.TEMPORAL_UI_URL ?? `http://localhost:${config.TEMPORAL_UI_PORT}`,
    };
  }

  /** A client on the namespace, with the project's search attributes registered. */
  async temporalClient(address: string): Promise<Client> {
    const connection = await connectWithRetry(address);
    this.onStop('Temporal client', () => connection.close());
    const added = await ensureSearchAttributes(connection, this.config.TEMPORAL_NAMESPACE);
    if (added.length > 0) this.log.debug({ added }, 'registered search attributes');
    return createClient(connection, this.config.TEMPORAL_NAMESPACE);
  }

  async store(): Promise<Store> {
    const { config } = this;
    const store = await createStore(
      config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: resolve(this.dataDir, 'pglite') },
    );
    this.onStop('store', () => store.close());
    return store;
  }

  /** Starts the worker; resolves once it runs, with `done` settling when the worker stops. */
  async worker(address: string, store: Store): Promise<{ done: Promise<void> }> {
    const connection = await connectNativeWithRetry(address);
    this.onStop('worker connection', () => connection.close());
    const worker = await createWorker({
      connection,
      namespace: this.config.TEMPORAL_NAMESPACE,
      taskQueue: this.config.TEMPORAL_TASK_QUEUE,
      activities: createActivities({ store }),
    });
    const running = worker.run();
    this.notifications(store);
    this.onStop('worker', async () => {
      // The SDK's runtime also reacts to SIGINT/SIGTERM and may already be draining the worker.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    return { done: running };
  }

  /**
   * The outbox dispatcher, run alongside the worker: sends every pending notification through SMTP_URL, or writes it
   * under DATA_DIR/mail/ on the embedded default. Stopped before the store closes.
   */
  private notifications(store: Store): void {
    const { config } = this;
    const log = this.log.child({ component: 'outbox' });
    const { dispatcher, mailer } = createDispatcher(config, {
      store,
      log,
      // Only the .eml default writes under DATA_DIR: with SMTP there is no reason to create it.
      dataDir: config.SMTP_URL ? config.DATA_DIR : this.dataDir,
    });
    dispatcher.start();
    log.debug({ mailer: mailer.kind, interval: config.OUTBOX_INTERVAL }, 'outbox dispatcher running');
    this.onStop('outbox dispatcher', async () => {
      await dispatcher.stop();
      mailer.close();
    });
  }

  /** The token verifier: the JWKS in production, else HS256 with JWT_SECRET or the secret kept under DATA_DIR. */
  verifier(): TokenVerifier {
    const { config } = this;
    return createVerifier({
      ...(config.JWKS_URL ? { jwksUrl: config.JWKS_URL } : { secret: resolveJwtSecret(config, this.dataDir) }),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      maxLifetimeSeconds: durationSeconds(config.JWT_MAX_LIFETIME),
    });
  }

  /** Listens on HOST:PORT; `temporalUiUrl` is where the console links each partner's workflow. */
  async api(client: Client, store: Store, options: { temporalUiUrl?: string } = {}): Promise<string> {
    const { config } = this;
    const app = createApp({
      store,
      lifecycle: new Lifecycle(client, { taskQueue: config.TEMPORAL_TASK_QUEUE }),
      verifier: this.verifier(),
      log: this.log.child({ component: 'api' }),
      rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
      console: {
        ...(options.temporalUiUrl ? { temporalUiUrl: options.temporalUiUrl } : {}),
        temporalNamespace: config.TEMPORAL_NAMESPACE,
        signIn: config.JWKS_URL ? 'oidc' : 'dev-tokens',
      },
      authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
    });
    const server: Server = await new Promise((ready, fail) => {
      const s = app.listen(config.PORT, config.HOST, () => ready(s));
      s.once('error', fail);
    });
    this.onStop('HTTP API', () => new Promise<void>((done) => server.close(() => done())));
    return `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT}`;
  }
}

const PINO_LEVEL = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The Temporal SDK's Logger on top of pino, each message at its own level — except the worker's INFO chatter
 * (`sdkComponent: 'worker'`), which is debug: the workflow bundler's webpack listing of every bundled module (useful
 * when the bundle breaks, noise on every start), "Workflow bundle created", state changes, "no Nexus services".
 * Webpack's warnings, which the bundler reports inside that INFO listing, stay visible as warnings. Workflow and
 * activity logs keep their level.
 */
class PinoSdkLogger implements SdkLogger {
  constructor(private readonly pino: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    let pinoLevel: (typeof PINO_LEVEL)[LogLevel] = PINO_LEVEL[level];
    if (level === 'INFO' && meta?.sdkComponent === 'worker') {
      pinoLevel = /\bWARNING\b/.test(message) ? 'warn' : 'debug';
    }
    if (!this.pino.isLevelEnabled(pinoLevel)) return;
    // Only string keys: the SDK adds symbol-keyed timestamps that pino would not print anyway.
    this.pino[pinoLevel](Object.fromEntries(Object.entries(meta ?? {})), message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
