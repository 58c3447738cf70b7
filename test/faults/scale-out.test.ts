/**
 * Scale-out (#14): two `npm run worker` and two `npm run api` processes on one task queue, one Temporal dev server,
 * one PostgreSQL store; a monthly sweep of the whole fleet at once (business clock set so that the 1st of the month
 * begins moments after registration), one worker killed with SIGKILL once the first checks are journaled. The other
 * worker finishes the sweep: every partner checked exactly once, no incident, and both API processes answered every
 * read. `npm run demo:scale-out` runs the same with 200 partners and a one-minute lead.
 */
import { killLeftovers, runScaleOut } from '../../bench/scale-out';
import { ensureTestPostgres } from '../store/pg';

jest.setTimeout(300_000);

// The run stops what it started; if the test times out first, nothing of it may outlive the suite.
afterAll(killLeftovers);

test('one worker killed mid-sweep: the other finishes the monthly check of every partner, each exactly once, while both APIs keep answering', async () => {
  const result = await runScaleOut({ partners: 40, leadSeconds: 15, postgresUrl: await ensureTestPostgres() });
  expect(result.killedWorkerSignal).toBe('SIGKILL');
  expect(result.journaledAtKill).toBeLessThan(result.partners);
  expect(result.journaledAfterKill).toBeGreaterThan(0);
  expect({ rows: result.sweepRows, partners: result.sweepPartners }).toEqual({ rows: 40, partners: 40 });
  expect(result.incidents).toBe(0);
  for (const codes of Object.values(result.reads)) {
    expect(Object.keys(codes)).toEqual(['200']);
    expect(codes['200']).toBeGreaterThan(0);
  }
});
