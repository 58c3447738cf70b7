/** `apn scorecard`: the CLI face of evaluateScorecard, run as a real process through bin/apn.js. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { evaluateScorecard, parseEvidence } from '../../src/domain';

const root = resolve(__dirname, '../..');
const fixture = (name: string) => join(root, 'test/fixtures/evidence', name);

function apn(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/apn.js'), ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('apn scorecard', () => {
  it('prints the Scorecard JSON of an evidence file and exits 0', () => {
    const r = apn('scorecard', fixture('consulting-premier.json'), '--as-of', '2019-12-13');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const parsed = parseEvidence(JSON.parse(readFileSync(fixture('consulting-premier.json'), 'utf8')));
    if (!parsed.ok) throw new Error('fixture is invalid');
    expect(JSON.parse(r.stdout)).toEqual(evaluateScorecard(parsed.value, '2019-12-13'));
    expect(JSON.parse(r.stdout)).toMatchObject({ highestTierMet: 'premier', editionId: 'apn-2019' });
  });

  it('prints a readable table per tier with requirement, required, actual, met and gap', () => {
    const r = apn('scorecard', fixture('contract-example.json'), '--as-of', '2019-12-13', '--format', 'table');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Highest tier met: Registered');
    expect(r.stdout).toMatch(/^Requirement +Required +Actual +Met +Gap$/m);
    expect(r.stdout).toMatch(
      /^launched-opportunities +count 3, estimatedMrr 1500 +count 2, launched 1, legacyCredits 1, estimatedMrr 600 +no +1 more launched opportunity and \$900 more estimated MRR/m,
    );
    expect(r.stdout).toContain('Premier: not met');
  });

  it('invalid evidence: exit 2 and every problem on stderr with its path', () => {
    const r = apn('scorecard', fixture('invalid.json'), '--as-of', '2019-12-13');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const paths = r.stderr
      .trim()
      .split('\n')
      .map((line) => line.split(': ')[0]);
    expect(paths).toEqual([
      'individuals[0].registeredOn',
      'opportunities[0].estimatedMrr',
      'legacyRevenueSubmissions[0].accountId',
      'references[0].url',
      'csatResponses[1].origin',
      'csatResponses[1].id',
      'tier',
    ]);
  });

  it('a bad or missing --as-of date: exit 2', () => {
    const bad = apn('scorecard', fixture('contract-example.json'), '--as-of', '2019-02-29');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("--as-of: expected a real calendar date YYYY-MM-DD, got '2019-02-29'\n");
    const missing = apn('scorecard', fixture('contract-example.json'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--as-of: required');
  });

  it('an unreadable or non-JSON file: exit 2 naming the file', () => {
    const gone = apn('scorecard', fixture('does-not-exist.json'), '--as-of', '2019-12-13');
    expect(gone.status).toBe(2);
    expect(gone.stderr).toMatch(/does-not-exist\.json: cannot read file/);
    const dir = mkdtempSync(join(tmpdir(), 'apn-cli-'));
    writeFileSync(join(dir, 'broken.json'), '{ "track": ');
    const broken = apn('scorecard', join(dir, 'broken.json'), '--as-of', '2019-12-13');
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/broken\.json: not valid JSON/);
  });

  it('an unknown format or edition: exit 2', () => {
    const r = apn(
      'scorecard',
      fixture('contract-example.json'),
      '--as-of',
      '2019-12-13',
      '--format',
      'xml',
      '--edition',
      'x',
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--format: expected json or table, got 'xml'");
    expect(r.stderr).toContain("--edition: unknown edition 'x'");
  });
});
