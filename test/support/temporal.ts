/**
 * Temporal servers for tests: a time-skipping test server per suite (src/dev/time-skipping.ts), or a real dev server
 * for end-to-end suites. A missing toolchain fails the suite.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTemporalCli } from '../../src/dev/tools';
import { freePort, startDevServer } from '../../src/dev/processes';
import type { Store } from '../../src/store';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../../src/workflows/search-attributes';
import { openTestStore } from './store';

import { createTimeSkippingEnv } from '../../src/dev/time-skipping';

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

export interface DevServerHandle {
  address: string;
  uiPort: number;
  env: TestWorkflowEnvironment;
  teardown(): Promise<void>;
}

/** A real Temporal dev server (in-memory, with our search attributes) for end-to-end suites. */
export async function createDevServerEnv(): Promise<DevServerHandle> {
  const temporalCli = await resolveTemporalCli();
  const port = await freePort();
  const uiPort = await freePort();
  const proc = await startDevServer({ temporalCli, port, uiPort, searchAttributes: SEARCH_ATTRIBUTE_CLI_TYPES });
  const address = `127.0.0.1:${port}`;
  try {
    const env = await TestWorkflowEnvironment.createFromExistingServer({ address });
    return {
      address,
      uiPort,
      env,
      async teardown() {
        await env.teardown();
        await proc.stop();
      },
    };
  } catch (err) {
    await proc.stop();
    throw err;
  }
}
