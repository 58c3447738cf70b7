/**
 * Runs once before any suite: makes sure both Temporal servers are installed (building or resolving them into the
 * per-user cache if needed), so parallel suites never race to install. A missing toolchain fails the run here.
 */
import { ensureTools } from '../../src/dev/tools';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const tools = await ensureTools((line) => process.stderr.write(`[tools] ${line}\n`));
  process.env.TEMPORAL_CLI ??= tools.temporalCli;
  process.env.TEMPORAL_TEST_SERVER ??= tools.testServer;
  process.stderr.write(`[tools] Temporal CLI and test server resolved in ${Date.now() - started} ms\n`);
}
