/**
 * Replays the recorded histories in test/histories/ against today's workflow code: a change that is not
 * deterministic for running workflows fails here (use patched() for such changes). Re-record with
 * `npm run record:histories -- <version>` and commit the files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';

const dir = join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('recorded histories exist for both workflows', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^partner-lifecycle-/),
      expect.stringMatching(/^upgrade-application-/),
    ]),
  );
});

test('every recorded history replays without non-determinism', async () => {
  const histories = files.map((file) => {
    const recorded = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { workflowId: string; history: unknown };
    return { workflowId: recorded.workflowId, history: historyFromJSON(recorded.history) };
  });
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowsPath: require.resolve('../../src/workflows') },
    histories,
  )) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(files.length);
});
