/**
 * Temporal servers for tests. The time-skipping suites spawn their own Java test server (one per suite, on a free
 * port) and attach to it: the SDK's own spawner gives a JVM only 5 s to open its port, which a loaded 2-core CI
 * machine can exceed. End-to-end suites start a real dev server the same way. A missing toolchain fails the suite.
 */
import { Connection } from '@temporalio/client';
// Not re-exported by the package index; the SDK is pinned exactly, so this internal path is stable for us.
import { InternalConnectionOptionsSymbol } from '@temporalio/client/lib/connection';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { resolveTemporalCli, resolveTestServer } from '../../src/dev/tools';
import { freePort, startDevServer, startTestServer, type ManagedProcess } from '../../src/dev/processes';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../../src/workflows/search-attributes';

/** A TestWorkflowEnvironment attached to a time-skipping server we started; teardown also stops the server. */
class AttachedTimeSkippingEnvironment extends TestWorkflowEnvironment {
  private serverProcess?: ManagedProcess;

  static async attach(address: string, serverProcess: ManagedProcess): Promise<AttachedTimeSkippingEnvironment> {
    const internal = { [InternalConnectionOptionsSymbol]: { supportsTestService: true } };
    const nativeConnection = await NativeConnection.connect({ address, ...internal });
    const connection = await Connection.connect({ address, ...internal });
    const env = new AttachedTimeSkippingEnvironment(
      Runtime.instance(),
      { client: {}, server: { type: 'time-skipping' }, plugins: [] },
      true,
      'existing',
      connection,
      nativeConnection,
      'default',
      address,
    );
    env.serverProcess = serverProcess;
    // The test server starts with time skipping unlocked; the SDK's spawner locks it so that time only moves while a
    // client awaits a result or calls env.sleep(). Without this, a fresh workflow's run timeout is skipped to at once.
    await connection.testService?.lockTimeSkipping({});
    return env;
  }

  override async teardown(): Promise<void> {
    await super.teardown();
    await this.serverProcess?.stop();
  }
}

/** One time-skipping environment for a suite; call `teardown()` in `afterAll`. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const wrapper = await resolveTestServer();
  const port = await freePort();
  const proc = await startTestServer(wrapper, port);
  try {
    return await AttachedTimeSkippingEnvironment.attach(`127.0.0.1:${port}`, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
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
