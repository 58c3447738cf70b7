/**
 * The API wired end to end for tests by the composition root (startEngine): a real Temporal dev server, a worker
 * running the real workflows and activities, a PGlite store, and the app (driven with supertest, never listening). Tokens are
 * minted with the test's own secret. Run suites using it under test/store/pglite-environment.ts.
 */
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import type { ConsoleOptions } from '../../src/api/app';
import { createVerifier, mintToken, type Role } from '../../src/api/auth';
import type { Lifecycle } from '../../src/api/lifecycle';
import { leasePort } from '../../src/dev/ports';
import { startEngine, type Engine } from '../../src/platform/engine';
import { CONNECTION_DEFAULTS } from '../../src/platform/temporal';
import type { Store } from '../../src/store';
import { newPglite } from '../store/pg';
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
  const taskQueue = `api-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const offsetMs = options.businessDate ? Date.parse(`${options.businessDate}T12:00:00Z`) - Date.now() : 0;
  let engine: Engine;
  try {
    engine = await startEngine({
      temporal: { env: server.env },
      namespace: server.namespace,
      taskQueue,
      store: { open: { pglite: newPglite() } },
      clock: { offsetMs },
      worker: {},
      api: {
        verifier: createVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE }),
        log: pino({ level: process.env.API_TEST_LOG ?? 'silent' }),
        rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000,
        ...(options.console ? { console: options.console } : {}),
        authFailuresPerMinute: options.authFailuresPerMinute ?? 100_000,
      },
    });
  } catch (err) {
    await server.teardown();
    throw err;
  }
  return {
    app: engine.api!.app,
    store: engine.store,
    server,
    lifecycle: engine.lifecycle,
    taskQueue,
    auth: mintAuth,
    async stopWorker() {
      const worker = engine.worker!;
      if (worker.native.getState() === 'RUNNING') worker.native.shutdown();
      await worker.done;
    },
    async teardown() {
      await engine.stop();
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
 * proving 503s; `listen` also serves it on a free port (`url`), as the engine does, until `stop()`. Close
 * `connection` after the last request has settled.
 */
export async function createOfflineApp(
  store: Store,
  options: { rateLimitPerMinute?: number; authFailuresPerMinute?: number; jsonLimit?: string; listen?: boolean } = {},
): Promise<{ app: Express; url?: string; connection: Connection; auth: ApiHarness['auth']; stop(): Promise<void> }> {
  // A leased port nothing listens on: no server can answer, and no other suite's server can start there meanwhile.
  const nobody = await leasePort();
  const connection = Connection.lazy({ ...CONNECTION_DEFAULTS, address: `127.0.0.1:${nobody.port}` });
  const engine = await startEngine({
    temporal: { client: new Client({ connection }) },
    taskQueue: 'none',
    store: { use: store },
    callTimeoutMs: 1_500,
    api: {
      verifier: createVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE }),
      log: pino({ level: 'silent' }),
      rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000,
      authFailuresPerMinute: options.authFailuresPerMinute ?? 100_000,
      ...(options.jsonLimit ? { jsonLimit: options.jsonLimit } : {}),
      ...(options.listen ? { listen: { host: '127.0.0.1', port: 0 } } : {}),
    },
  });
  const { app, url } = engine.api!;
  const stop = async () => {
    await engine.stop();
    nobody.release();
  };
  return { app, ...(url ? { url } : {}), connection, auth: mintAuth, stop };
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
