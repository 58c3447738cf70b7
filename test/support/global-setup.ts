/**
 * Runs once before any suite: makes sure both Temporal servers are installed (building or resolving them into the
 * per-user cache if needed), so parallel suites never race to install, and starts the one Temporal dev server the
 * suites share (each in its own namespace, test/support/namespaces.ts) on leased ports. A missing toolchain or a
 * server that does not start fails the run here, saying why. test/support/global-teardown.ts stops it.
 */
import { leaseDevServerPorts, startDevServer, type ManagedProcess } from '../../src/dev/processes';
import { ensureTools } from '../../src/dev/tools';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../../src/workflows/search-attributes';
import { allSuiteNamespaces } from './namespaces';

/** What global-teardown.ts stops (jest runs both hooks in its main process). */
export interface SharedServers {
  devServer: ManagedProcess;
  releasePorts(): void;
}
declare global {
  var __APN_SHARED_SERVERS__: SharedServers | undefined;
}

/** The address of the shared dev server, read by test/support/temporal.ts in the workers. */
export const SHARED_DEV_SERVER_VARIABLE = 'APN_TEST_TEMPORAL_ADDRESS';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const tools = await ensureTools((line) => process.stderr.write(`[tools] ${line}\n`));
  process.env.TEMPORAL_CLI ??= tools.temporalCli;
  process.env.TEMPORAL_TEST_SERVER ??= tools.testServer;
  process.stderr.write(`\n[tools] Temporal CLI and test server resolved in ${Date.now() - started} ms\n`);

  const ports = await leaseDevServerPorts({ ui: false });
  try {
    const devServer = await startDevServer({
      temporalCli: tools.temporalCli,
      ...ports,
      extraNamespaces: allSuiteNamespaces(),
      searchAttributes: SEARCH_ATTRIBUTE_CLI_TYPES,
      readyTimeoutMs: 120_000,
    });
    globalThis.__APN_SHARED_SERVERS__ = { devServer, releasePorts: ports.release };
  } catch (err) {
    ports.release();
    throw err;
  }
  process.env[SHARED_DEV_SERVER_VARIABLE] = `127.0.0.1:${ports.port}`;
  process.stderr.write(
    `[servers] shared Temporal dev server on 127.0.0.1:${ports.port} in ${Date.now() - started} ms\n`,
  );
}
