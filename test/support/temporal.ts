/**
 * Temporal servers for tests: a time-skipping test server per suite (src/dev/time-skipping.ts: its clock is one for
 * the whole server, so suites running side by side cannot share one), or the one dev server the run shares
 * (test/support/global-setup.ts), in the suite's own namespace. A missing toolchain or server fails the suite.
 */
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { CONNECTION_DEFAULTS } from '../../src/platform/temporal';
import type { Store } from '../../src/store';
import { createTimeSkippingEnv } from '../../src/dev/time-skipping';
import { suiteNamespace } from './namespaces';
import { openTestStore } from './store';

export { createTimeSkippingEnv };

/**
 * A suite's own time-skipping server and in-memory store, opened before its tests and closed after them. Read
 * `suite.env` and `suite.store` inside tests (they are set once `beforeAll` ran).
 */
export function timeSkippingSuite(): { readonly env: TestWorkflowEnvironment; readonly store: Store } {
  const suite = {} as { env: TestWorkflowEnvironment; store: Store };
  beforeAll(async () => {
    suite.env = await createTimeSkippingEnv();
    suite.store = await openTestStore();
  });
  afterAll(async () => {
    await suite.store?.close();
    await suite.env?.teardown();
  });
  return suite;
}

/** A client and a worker connection on the shared dev server, in this suite's namespace. */
export interface DevServerEnv {
  readonly client: Client;
  readonly nativeConnection: NativeConnection;
  readonly namespace: string;
}

export interface DevServerHandle {
  address: string;
  namespace: string;
  env: DevServerEnv;
  /** Closes this suite's connections (the server is the run's, stopped by global-teardown.ts). */
  teardown(): Promise<void>;
}

let opened = false;

/**
 * The run's shared Temporal dev server, in the namespace of the calling test file (one per file: a second call in
 * the same file would share its workflow ids, so it fails).
 */
export async function createDevServerEnv(): Promise<DevServerHandle> {
  const address = process.env.APN_TEST_TEMPORAL_ADDRESS;
  if (!address) {
    throw new Error(
      'APN_TEST_TEMPORAL_ADDRESS is not set: the shared dev server is started by jest globalSetup ' +
        '(test/support/global-setup.ts); run the suites with `npx jest`, which uses jest.config.js',
    );
  }
  const { testPath } = expect.getState();
  if (!testPath) throw new Error('createDevServerEnv() is for test files (jest names no test path here)');
  if (opened) throw new Error(`${testPath} asks for the shared dev server twice: one namespace per file`);
  opened = true;
  const namespace = suiteNamespace(testPath);
  const connection = await Connection.connect({ ...CONNECTION_DEFAULTS, address });
  let nativeConnection: NativeConnection;
  try {
    nativeConnection = await NativeConnection.connect({ address });
  } catch (err) {
    await connection.close();
    throw err;
  }
  const client = new Client({ connection, namespace });
  return {
    address,
    namespace,
    env: { client, nativeConnection, namespace },
    async teardown() {
      await nativeConnection.close();
      await connection.close();
    },
  };
}
