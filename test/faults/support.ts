/**
 * What the fault suites share: the engine's processes started the way users start them (`npm run worker`,
 * `npm run api`) in their own process groups, a Temporal dev server on a SQLite file that can be stopped and started
 * again, a fresh PostgreSQL database on the test server (scripts/postgres.sh), and an in-test API over them.
 * Everything started here is stopped by `stopAll()`, which the suites call in `afterAll`, failed or not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import pino from 'pino';
import { createVerifier, mintToken, type Role } from '../../src/api/auth';
import { leasePort } from '../../src/dev/ports';
import { leaseDevServerPorts, startDevServer, type DevServerPorts, type ManagedProcess } from '../../src/dev/processes';
import { resolveTemporalCli } from '../../src/dev/tools';
import { startEngine, type Engine } from '../../src/platform/engine';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../../src/workflows/search-attributes';
import { createTestDatabase, ensureTestPostgres } from '../store/pg';
import { cleanEnv, NpmStart, until } from '../support/npm-start';

const root = join(__dirname, '..', '..');
export const SECRET = 'fault-test-secret-that-is-at-least-32-characters';
const ISSUER = 'apn-tier-engine';
const AUDIENCE = 'apn-api';

const cleanups: (() => Promise<void>)[] = [];

/** Stops everything the suite started, last first; never throws. */
export async function stopAll(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
}

/** A fresh directory under the OS temp dir, deleted at the end. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `apn-${prefix}-`));
  cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
  return dir;
}

/** A fresh database on the test PostgreSQL, dropped at the end. */
export async function testDatabase(): Promise<string> {
  const database = await createTestDatabase(await ensureTestPostgres());
  cleanups.push(database.drop);
  return database.url;
}

/** SQL against the test database (counts and locks the suites check with). */
export async function sqlClient(url: string): Promise<PgClient> {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  cleanups.push(() => client.end());
  return client;
}

/** A Temporal dev server on a SQLite file, stoppable and restartable on the same file and port. */
export class DevServer {
  private proc: ManagedProcess | undefined;
  private constructor(
    private readonly ports: DevServerPorts,
    readonly dbFile: string,
  ) {}

  /** Starts it on ports leased for the suite, kept across restarts and given back at the end. */
  static async start(dbFile: string): Promise<DevServer> {
    const ports = await leaseDevServerPorts({ ui: false });
    const server = new DevServer(ports, dbFile);
    cleanups.push(async () => {
      await server.stop();
      ports.release();
    });
    await server.restart();
    return server;
  }

  get port(): number {
    return this.ports.port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const { release: _release, ...ports } = this.ports;
    this.proc = await startDevServer({
      temporalCli: await resolveTemporalCli(),
      ...ports,
      dbFile: this.dbFile,
      searchAttributes: SEARCH_ATTRIBUTE_CLI_TYPES,
      readyTimeoutMs: 90_000,
    });
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    this.proc = undefined;
  }
}

/** An engine process as users start it: `npm run worker` or `npm run api`, in its own process group. */
export class EngineProcess {
  private constructor(
    readonly npm: NpmStart,
    readonly name: string,
  ) {}

  static start(script: 'worker' | 'api', env: Record<string, string>, name: string = script): EngineProcess {
    const npm = new NpmStart('npm', ['run', script], { cwd: root, env: cleanEnv({ LOG_LEVEL: 'info', ...env }) });
    const proc = new EngineProcess(npm, name);
    cleanups.push(() => proc.kill9());
    return proc;
  }

  /** Resolves once the process logged `message` (its start-up line), failing early if it exits. */
  async ready(message: RegExp, timeoutMs = 180_000): Promise<void> {
    await until(
      async () => {
        if (await Promise.race([this.npm.exited.then(() => true), Promise.resolve(false)])) {
          throw new Error(`${this.name} exited: ${this.npm.describe()}`);
        }
        return message.test(this.npm.output) ? true : undefined;
      },
      timeoutMs,
      this.npm.describe,
    );
  }

  /** `kill -9` of the whole process group (npm and the engine's node): nothing runs a shutdown handler. */
  async kill9(): Promise<void> {
    try {
      process.kill(-this.npm.pid, 'SIGKILL');
    } catch {
      return;
    }
    this.npm.killTree();
    await this.npm.exited;
  }

  /** Lines the process logged at warn or above (pino levels ≥ 40). */
  warnings(): string[] {
    return this.logged(40);
  }

  /** Lines the process logged at error or above (pino levels ≥ 50): what answered a 5xx. */
  errors(): string[] {
    return this.logged(50);
  }

  private logged(minLevel: number): string[] {
    return this.npm.output.split('\n').filter((line) => {
      try {
        return ((JSON.parse(line) as { level?: number }).level ?? 0) >= minLevel;
      } catch {
        return false;
      }
    });
  }
}

/** The environment of an engine process on `address`, `taskQueue` and the store at `databaseUrl`. */
export function engineEnv(options: {
  address: string;
  taskQueue: string;
  databaseUrl: string;
  dataDir: string;
  port?: number;
}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: options.address,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: options.dataDir,
    JWT_SECRET: SECRET,
    RATE_LIMIT_PER_MINUTE: '1000000',
    OUTBOX_INTERVAL: '1s',
    ...(options.port !== undefined ? { PORT: String(options.port) } : {}),
  };
}

/**
 * What `npm run api` and `npm run worker` need, fresh: a dev server on its own SQLite file, a store database and a
 * free port; `env` is their environment on `taskQueue`, `base` the API's /v1 URL once it listens.
 */
export async function processStack(
  prefix: string,
  taskQueue: string,
): Promise<{ server: DevServer; env: Record<string, string>; base: string }> {
  const dir = tempDir(prefix);
  const [server, databaseUrl, port] = await Promise.all([
    DevServer.start(`${dir}/temporal.sqlite`),
    testDatabase(),
    apiPort(),
  ]);
  const env = engineEnv({ address: server.address, taskQueue, databaseUrl, dataDir: dir, port });
  return { server, env, base: `http://127.0.0.1:${port}/v1` };
}

/** A leased port for an API process (`PORT`), given back at the end. */
export async function apiPort(): Promise<number> {
  const lease = await leasePort();
  cleanups.push(() => Promise.resolve(lease.release()));
  return lease.port;
}

/** A `POST /v1/partners` body: a registered consulting partner `id` whose alliance lead is `lead@<id>`. */
export const registration = (id: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  name: `Partner ${id}`,
  track: 'consulting',
  tier: 'registered',
  renewalDate: '12-15',
  country: 'US',
  feeAccountId: '123456789012',
  allianceLeadId: `lead@${id}`,
  partnerManagerIds: ['pm-1'],
  ...over,
});

/** The API in this process (driven with supertest) over `address` and the store, on a business clock. */
export async function inTestApi(options: {
  address: string;
  taskQueue: string;
  databaseUrl: string;
  offsetMs: number;
  callTimeoutMs?: number;
}): Promise<Engine> {
  const engine = await startEngine({
    temporal: { address: options.address },
    taskQueue: options.taskQueue,
    store: { open: { databaseUrl: options.databaseUrl, poolSize: 5 } },
    clock: { offsetMs: options.offsetMs },
    ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : {}),
    api: {
      verifier: createVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE }),
      log: pino({ level: process.env.API_TEST_LOG ?? 'silent' }),
      rateLimitPerMinute: 10_000_000,
      authFailuresPerMinute: 10_000_000,
    },
  });
  cleanups.push(() => engine.stop());
  return engine;
}

/** `Authorization` header value for a principal, signed with the suites' secret. */
export async function auth(role: Role, sub = `test-${role}`, partnerId?: string): Promise<string> {
  const token = await mintToken({
    secret: SECRET,
    role,
    sub,
    ...(partnerId ? { partnerId } : {}),
    issuer: ISSUER,
    audience: AUDIENCE,
  });
  return `Bearer ${token}`;
}

/** Polls `probe` every 250 ms until it returns a value, or fails naming `what`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
  explain?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = explain ? `\n${await explain().catch(String)}` : '';
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}${why}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Business-clock offset that makes now `iso` (e.g. `2019-10-02T12:00:00Z`). */
export const offsetTo = (iso: string): number => Date.parse(iso) - Date.now();
