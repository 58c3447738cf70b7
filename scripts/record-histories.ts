/**
 * `npm run record:histories -- <version>`: records this version's workflow histories into test/histories/ for
 * test/workflows/replay.test.ts to replay against every later version. It runs the two suites that produce them
 * (five partner-years in long-life, a cancellation finished by its retry in cancel-faults) with RECORD_HISTORIES set,
 * so the recordings pass the same assertions as every CI run. `1` rewrites the untagged first set; any other tag is
 * written beside the earlier ones, which stay. Commit the files it lists.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const dir = join(root, 'test', 'histories');
const SUITES = ['test/workflows/long-life.test.ts', 'test/workflows/cancel-faults.test.ts'];

function main(tag: string | undefined): number {
  if (!tag || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(tag)) {
    process.stderr.write(
      `usage: npm run record:histories -- <version>  (${tag === undefined ? 'no version given' : `'${tag}' is not a version tag: letters, digits, '.', '_' and '-'`})\n`,
    );
    return 2;
  }
  const started = Date.now();
  const jest = spawnSync('npx', ['jest', '--ci', ...SUITES], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, RECORD_HISTORIES: tag },
  });
  if (jest.status !== 0) {
    process.stderr.write(
      `record:histories: jest ${jest.status === null ? `ended by ${jest.signal}` : `exited ${jest.status}`}; nothing to commit\n`,
    );
    return 1;
  }
  const written = readdirSync(dir).filter((f) => f.endsWith('.json') && statSync(join(dir, f)).mtimeMs >= started);
  process.stdout.write(
    `recorded ${written.length} histories:\n${written.map((f) => `  test/histories/${f}\n`).join('')}`,
  );
  return written.length > 0 ? 0 : 1;
}

process.exitCode = main(process.argv[2]);
