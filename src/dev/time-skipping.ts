/**
 * A time-skipping TestWorkflowEnvironment on a Java test server we start ourselves (a leased port, 60 s readiness):
 * used by `apn simulate` and the workflow tests. The SDK's own spawner gives the JVM only 5 s to open its port,
 * which a loaded 2-core machine can exceed.
 */
import { Connection } from '@temporalio/client';
// Not re-exported by the package index; the SDK is pinned exactly, so this internal path is stable for us.
import { InternalConnectionOptionsSymbol } from '@temporalio/client/lib/connection';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { addAllSearchAttributes } from '../platform/temporal';
import { leasePort, type PortLease } from './ports';
import { startTestServer, type ManagedProcess } from './processes';
import { resolveTestServer } from './tools';

class AttachedTimeSkippingEnvironment extends TestWorkflowEnvironment {
  private serverProcess?: ManagedProcess;
  private portLease?: PortLease;

  static async attach(
    address: string,
    serverProcess: ManagedProcess,
    portLease: PortLease,
  ): Promise<AttachedTimeSkippingEnvironment> {
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
    env.portLease = portLease;
    // The test server starts with time skipping unlocked; the SDK's spawner locks it so that time only moves while a
    // client awaits a result or calls env.sleep(). Without this, a fresh workflow's run timeout is skipped to at once.
    await connection.testService?.lockTimeSkipping({});
    // Workflows upsert the project's typed search attributes; the test server knows only those registered with it.
    await addAllSearchAttributes(connection, 'default');
    return env;
  }

  override async teardown(): Promise<void> {
    await super.teardown();
    await this.serverProcess?.stop();
    this.portLease?.release();
  }
}

/** Starts a time-skipping test server and returns an environment on it; `teardown()` stops both. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const wrapper = await resolveTestServer();
  const lease = await leasePort();
  let proc: ManagedProcess | undefined;
  try {
    proc = await startTestServer(wrapper, lease.port);
    return await AttachedTimeSkippingEnvironment.attach(`127.0.0.1:${lease.port}`, proc, lease);
  } catch (err) {
    await proc?.stop();
    lease.release();
    throw err;
  }
}
