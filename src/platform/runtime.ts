/**
 * The process around the engine, shared by `npm start` (everything), the worker process and the API process: the
 * configuration, one logger, and `runUntilSignal`, which stops what was started (the engine of `startEngine`) on
 * SIGINT/SIGTERM/SIGHUP or when the process that started this one is gone.
 *
 * Logging: one pino logger for the engine and the Temporal SDK. At the default `info` the terminal shows only what
 * needs a person — warnings, errors, the first-run tool build — while the start-up steps, the worker's state
 * changes and the workflow bundler's webpack listing are at `debug`.
 */
import { resolve } from 'node:path';
import { Runtime as SdkRuntime, type Logger as SdkLogger, type LogLevel, type LogMetadata } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import { createVerifier, resolveJwtSecret, type TokenVerifier } from '../api/auth';
import { durationSeconds, type Config } from '../config';
import { securePrivateDir } from '../store';
import { startEngine, type Engine, type EngineOptions } from './engine';

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

  /**
   * Starts the engine configured by the environment (see README "Configuration") through the composition root:
   * TEMPORAL_ADDRESS or the embedded dev server (SQLite under DATA_DIR, Web UI), DATABASE_URL or PGlite under
   * DATA_DIR, the worker and/or the API listening on HOST:PORT. Stopped with the process.
   */
  async engine(parts: { worker: boolean; api: boolean }): Promise<Engine> {
    const { config } = this;
    const engine = await startEngine({
      temporal: config.TEMPORAL_ADDRESS
        ? { address: config.TEMPORAL_ADDRESS, ...(config.TEMPORAL_UI_URL ? { uiUrl: config.TEMPORAL_UI_URL } : {}) }
        : {
            embedded: {
              port: config.TEMPORAL_PORT,
              uiPort: config.TEMPORAL_UI_PORT,
              ...(config.TEMPORAL_HTTP_PORT !== undefined ? { httpPort: config.TEMPORAL_HTTP_PORT } : {}),
              ...(config.TEMPORAL_METRICS_PORT !== undefined ? { metricsPort: config.TEMPORAL_METRICS_PORT } : {}),
              dbFile: resolve(this.dataDir, 'temporal.sqlite'),
              logFile: resolve(this.dataDir, 'temporal-dev-server.log'),
              ...(config.TEMPORAL_UI_URL ? { uiUrl: config.TEMPORAL_UI_URL } : {}),
            },
          },
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      store: {
        open: config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: resolve(this.dataDir, 'pglite') },
      },
      worker: parts.worker ? { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS } : false,
      outbox: parts.worker
        ? {
            config,
            log: this.log.child({ component: 'outbox' }),
            // Only the .eml default writes under DATA_DIR: with SMTP there is no reason to create it.
            dataDir: config.SMTP_URL ? config.DATA_DIR : this.dataDir,
          }
        : false,
      api: parts.api ? this.apiOptions() : false,
      log: this.log,
      onToolOutput: (line) => this.log.info(line),
    });
    this.onStop('engine', () => engine.stop());
    return engine;
  }

  /** The API's options from the configuration: the token verifier, limits, what the console is told. */
  private apiOptions(): Exclude<EngineOptions['api'], false | undefined> {
    const { config } = this;
    return {
      verifier: this.verifier(),
      log: this.log.child({ component: 'api' }),
      rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
      console: {
        temporalNamespace: config.TEMPORAL_NAMESPACE,
        signIn: config.JWKS_URL ? 'oidc' : 'dev-tokens',
      },
      listen: { host: config.HOST, port: config.PORT },
    };
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
