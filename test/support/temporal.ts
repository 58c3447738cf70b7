/**
 * Temporal servers for tests: a time-skipping test server per suite (src/dev/time-skipping.ts), or a real dev server
 * for end-to-end suites. A missing toolchain fails the suite.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTemporalCli } from '../../src/dev/tools';
import { freePort, startDevServer } from '../../src/dev/processes';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../../src/workflows/search-attributes';

export { createTimeSkippingEnv } from '../../src/dev/time-skipping';

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
