/**
 * Closing a Temporal client connection leaves no timer behind that throws later (issue #22: an uncaught `Channel
 * has been shut down` from the SDK's retry timer failed whichever suite ran next). A call to a server that does not
 * answer is retried from a timer; the connection is closed meanwhile. With the engine's connection defaults the
 * retry ends quietly; with the SDK's own retry interceptor the same sequence throws outside any caller.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { retryDecider } from '../../src/platform/temporal';

const root = join(__dirname, '..', '..');

/** Runs the sequence in a fresh process (an uncaught error there cannot hurt this suite) and returns what it saw. */
async function closeDuringRetry(defaults: 'engine' | 'sdk'): Promise<{ uncaught: string[]; callEnded: string }> {
  const code = `
    const { Connection } = require('@temporalio/client');
    const { CONNECTION_DEFAULTS } = require('./src/platform/temporal');
    const { leasePort } = require('./src/dev/ports');
    const uncaught = [];
    process.on('uncaughtException', (err) => uncaught.push(String(err && err.message)));
    (async () => {
      const nobody = await leasePort();
      const options = { address: '127.0.0.1:' + nobody.port, ...(${JSON.stringify(defaults)} === 'engine' ? CONNECTION_DEFAULTS : {}) };
      const connection = Connection.lazy(options);
      let callEnded = 'pending';
      connection.workflowService.getSystemInfo({}).then(() => (callEnded = 'answered'), (e) => (callEnded = 'failed: ' + e.message));
      await new Promise((r) => setTimeout(r, 300));
      await connection.close();
      await new Promise((r) => setTimeout(r, 2500));
      console.log(JSON.stringify({ uncaught, callEnded }));
      process.exit(0);
    })();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { uncaught: string[]; callEnded: string };
}

test('with the engine’s connection defaults, a retry pending at close ends the call and throws nothing', async () => {
  const seen = await closeDuringRetry('engine');
  expect(seen.uncaught).toEqual([]);
  expect(seen.callEnded).toMatch(/^failed: /);
});

test('with the SDK’s default retry interceptor the same close throws from its timer (what the defaults prevent)', async () => {
  const seen = await closeDuringRetry('sdk');
  expect(seen.uncaught).toEqual(expect.arrayContaining([expect.stringMatching(/Channel has been shut down/)]));
});

describe('retries run up to the call’s deadline (the SDK stops at ten attempts, about 20 s)', () => {
  // Statuses as gRPC hands them to the decider (the decider reads their code and details only).
  type Status = Parameters<ReturnType<typeof retryDecider>>[1];
  const status = (code: number, details: string) => ({ code, details }) as Status;
  const unavailable = status(14, 'workflow update was aborted');
  const invalid = status(3, 'bad request');
  const at = (ms: number) => () => ms;

  test('a retryable status is retried past ten attempts while the deadline has not passed', () => {
    expect(retryDecider(45_000, at(30_000))(25, unavailable)).toBe(true);
    expect(retryDecider(45_000, at(45_000))(1, unavailable)).toBe(false);
  });

  test('a call without a deadline keeps the SDK’s ten attempts', () => {
    expect(retryDecider(undefined)(9, unavailable)).toBe(true);
    expect(retryDecider(undefined)(10, unavailable)).toBe(false);
  });

  test('a status that is not retryable is never retried, deadline or not', () => {
    expect(retryDecider(45_000, at(0))(1, invalid)).toBe(false);
    expect(retryDecider(undefined)(1, invalid)).toBe(false);
  });
});
