/**
 * The API wired end to end for tests: a real Temporal dev server, a worker running the real workflows and
 * activities, a PGlite store, and the app from its factory (driven with supertest, never listening). Tokens are
 * minted with the test's own secret. Run suites using it under test/store/pglite-environment.ts.
 */
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createActivities } from '../../src/activities';
import { createApp, type ConsoleOptions } from '../../src/api/app';
import { createVerifier, mintToken, type Role } from '../../src/api/auth';
import { Lifecycle } from '../../src/api/lifecycle';
import type { Store } from '../../src/store';
import { freePort } from '../../src/dev/processes';
import { openTestStore } from '../support/store';
import { createDevServerEnv, type DevServerHandle } from '../support/temporal';

export const SECRET = 'test-secret-that-is-at-least-32-characters-long';
const ISSUER = 'apn-tier-engine';
const AUDIENCE = 'apn-api';

export interface ApiHarness {
  app: Express;
  store: Store;
  server: DevServerHandle;
  lifecycle: Lifecycle;
  taskQueue: string;
  /** Stops the worker (the workflows stay, with nobody to run them or answer their queries); teardown copes. */
  stopWorker(): Promise<void>;
  /** `Authorization` header value for a principal. */
  auth(role: Role, sub?: string, partnerId?: string): Promise<string>;
  teardown(): Promise<void>;
}

export interface HarnessOptions {
  /** Business date the API and the workflows it starts live on (default: today). */
  businessDate?: string;
  rateLimitPerMinute?: number;
  /** What the web console at /console is told (Temporal Web UI link, sign-in mode). */
  console?: ConsoleOptions;
  authFailuresPerMinute?: number;
}

export async function startApiHarness(options: HarnessOptions = {}): Promise<ApiHarness> {
  const server = await createDevServerEnv();
  const store = await openTestStore();
  const taskQueue = `api-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const worker = await Worker.create({
    connection: server.env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../src/workflows'),
    activities: createActivities({ store }),
  });
  const running = worker.run();
  const offsetMs = options.businessDate ? Date.parse(`${options.businessDate}T12:00:00Z`) - Date.now() : 0;
  const lifecycle = new Lifecycle(server.env.client, { taskQueue, clock: { offsetMs } });
  const app = createApp({
    store,
    lifecycle,
    verifier: createVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE }),
    log: pino({ level: process.env.API_TEST_LOG ?? 'silent' }),
    rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000,
    ...(options.console ? { console: options.console } : {}),
    authFailuresPerMinute: options.authFailuresPerMinute ?? 100_000,
  });
  return {
    app,
    store,
    server,
    lifecycle,
    taskQueue,
    auth: mintAuth,
    async stopWorker() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
    async teardown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await store.close();
      await server.teardown();
    },
  };
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export { request };

/**
 * The app over a store with Temporal unreachable (nothing listens on the port): for what needs no workflow, and for
 * proving 503s. Close `connection` after the last request has settled.
 */
export async function createOfflineApp(
  store: Store,
  options: { rateLimitPerMinute?: number; authFailuresPerMinute?: number; jsonLimit?: string } = {},
): Promise<{ app: Express; connection: Connection; auth: ApiHarness['auth'] }> {
  const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
  const app = createApp({
    store,
    lifecycle: new Lifecycle(new Client({ connection }), { taskQueue: 'none', callTimeoutMs: 1_500 }),
    verifier: createVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE }),
    log: pino({ level: 'silent' }),
    rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000,
    authFailuresPerMinute: options.authFailuresPerMinute ?? 100_000,
    ...(options.jsonLimit ? { jsonLimit: options.jsonLimit } : {}),
  });
  return { app, connection, auth: mintAuth };
}

async function mintAuth(role: Role, sub = `test-${role}`, partnerId?: string): Promise<string> {
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
