/**
 * Issue #14 item 2: a scorecard of (partner, evidence version, date) is computed once — the stored version is read and
 * parsed once, each date evaluated once — and the caches stay within their bounds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lru } from '../../src/api/lru';
import { ScorecardCache } from '../../src/api/scorecards';
import { evaluateScorecard, parseStoredEvidence } from '../../src/domain';

const document = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'examples', 'consulting-premier-evidence.json'), 'utf8'),
) as unknown;

function countingStore() {
  const reads: string[] = [];
  return {
    reads,
    getEvidence: (partnerId: string, version?: number) => {
      reads.push(`${partnerId}@${String(version)}`);
      return Promise.resolve({ partnerId, version: version ?? 1, document, recordedOn: null, createdAt: '' });
    },
  };
}

test('the same (partner, version, date) is read, parsed and evaluated once, and equals the direct evaluation', async () => {
  const store = countingStore();
  const cache = new ScorecardCache(store as never);
  const answers = await Promise.all(Array.from({ length: 5 }, () => cache.scorecard('p', 3, '2019-12-13')));
  const expected = evaluateScorecard(parseStoredEvidence({ partnerId: 'p', version: 3, document }), '2019-12-13');
  for (const a of answers) expect(a).toEqual(expected);
  expect(store.reads).toEqual(['p@3']);
  await cache.scorecard('p', 3, '2019-12-14');
  expect(store.reads).toEqual(['p@3']);
  expect(cache.stats.evidenceParsed).toBe(1);
  await cache.scorecard('p', 4, '2019-12-13');
  expect(store.reads).toEqual(['p@3', 'p@4']);
});

test('no evidence yet (version 0): no scorecard and no read', async () => {
  const store = countingStore();
  expect(await new ScorecardCache(store as never).scorecard('p', 0, '2019-12-13')).toBeUndefined();
  expect(store.reads).toEqual([]);
});

test('the LRU keeps its capacity, dropping the least recently used', () => {
  const lru = new Lru<string, number>(2);
  lru.set('a', 1);
  lru.set('b', 2);
  expect(lru.get('a')).toBe(1);
  lru.set('c', 3);
  expect(lru.get('b')).toBeUndefined();
  expect(lru.get('a')).toBe(1);
  expect(lru.size).toBe(2);
});

test('the response body of a (partner, version, date) is serialized once, and is the scorecard as JSON', async () => {
  const cache = new ScorecardCache(countingStore() as never);
  const body = await cache.scorecardJson('p', 3, '2019-12-13');
  expect(await cache.scorecardJson('p', 3, '2019-12-13')).toBe(body);
  expect(JSON.parse(body!.bytes.toString('utf8'))).toEqual(await cache.scorecard('p', 3, '2019-12-13'));
  expect(await cache.scorecardJson('p', 0, '2019-12-13')).toBeUndefined();
});
