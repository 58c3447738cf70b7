/**
 * `apn simulate <scenario.json>`: replays one partner's life (CONTRACT §3) through the real workflows on a
 * time-skipping test server with an in-memory store, and prints the timeline as one JSON array ordered by date.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type * as TemporalWorker from '@temporalio/worker';
import type * as TimeSkipping from '../../dev/time-skipping';
import type * as Simulation from '../../simulation/run';
import { parseScenario } from '../../simulation/scenario';
import type * as Store from '../../store';
import { EXIT_INVALID_INPUT } from './scorecard';

/** Registers the `simulate` sub-command. */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('Replay a partner scenario through the real workflows on a time-skipping server; print the timeline')
    .argument('<scenario>', 'path to a Scenario JSON document')
    .action(async (file: string) => {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        process.stderr.write(`${file}: ${(err as Error).message}\n`);
        process.exitCode = EXIT_INVALID_INPUT;
        return;
      }
      const parsed = parseScenario(raw);
      if (!parsed.ok) {
        for (const issue of parsed.issues) process.stderr.write(`${issue.path}: ${issue.message}\n`);
        process.exitCode = EXIT_INVALID_INPUT;
        return;
      }
      // The Temporal SDK, its test server and the store are loaded only here: every other `apn` command (and
      // `--help`) starts without them, in a fraction of the time.
      // (`require`, not `import()`: bin/apn.js runs this file through tsx's CommonJS hook, which native dynamic
      // import bypasses.)
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { DefaultLogger, Runtime } = require('@temporalio/worker') as typeof TemporalWorker;
      const { createTimeSkippingEnv } = require('../../dev/time-skipping') as typeof TimeSkipping;
      const { simulate } = require('../../simulation/run') as typeof Simulation;
      const { createStore } = require('../../store') as typeof Store;
      /* eslint-enable @typescript-eslint/no-require-imports */
      // Worker and SDK logs go to stderr at WARN: stdout carries only the timeline.
      Runtime.install({
        logger: new DefaultLogger('WARN', (entry) => process.stderr.write(`[${entry.level}] ${entry.message}\n`)),
        // The native core logs to stdout by default; forward it to the logger above instead.
        telemetryOptions: { logging: { filter: 'ERROR', forward: {} } },
      });
      // Some waits are on the SDK's native side only; a timer keeps Node alive until the simulation settles.
      const keepAlive = setInterval(() => undefined, 1_000);
      const env = await createTimeSkippingEnv();
      const store = await createStore({ dataDir: 'memory://' });
      try {
        const result = await simulate(parsed.value, { env, store });
        process.stdout.write(`${JSON.stringify(result.timeline, null, 2)}\n`);
      } finally {
        await store.close();
        await env.teardown();
        clearInterval(keepAlive);
      }
    });
}
