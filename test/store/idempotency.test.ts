/** @jest-environment ./test/store/pglite-environment.ts */
/** The API's Idempotency-Key records: claims, answers, releases and stale take-overs. On PGlite and on a real PostgreSQL. */
import { drivers, useTestStore, uniqueId } from './pg';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe.each(drivers)('idempotency repository on %s', (driver) => {
  const { store } = useTestStore(driver);

  describe('idempotency keys', () => {
    const caller = () => uniqueId('caller');
    const keyOf = () => uniqueId('key');

    test('the first claim of a key wins', async () => {
      expect(await store.idempotency.claim(caller(), keyOf(), 'hash-1')).toEqual({ claimed: true });
    });

    test('a second claim while the first runs is refused with status 0 and the first request hash', async () => {
      const c = caller();
      const k = keyOf();
      await store.idempotency.claim(c, k, 'hash-1');
      const second = await store.idempotency.claim(c, k, 'hash-2');
      expect(second).toEqual({
        claimed: false,
        stored: expect.objectContaining({ callerId: c, key: k, status: 0, requestHash: 'hash-1' }),
      });
    });

    test('after settling, a claim returns the stored status and body', async () => {
      const c = caller();
      const k = keyOf();
      await store.idempotency.claim(c, k, 'hash-1');
      const body = { result: { id: 'p-1', nested: { list: [1, 2, 3] } } };
      await store.idempotency.settle(c, k, 201, body);
      const replay = await store.idempotency.claim(c, k, 'hash-1');
      expect(replay).toEqual({
        claimed: false,
        stored: { callerId: c, key: k, requestHash: 'hash-1', status: 201, body },
      });
      expect(await store.idempotency.recall(c, k)).toEqual({
        callerId: c,
        key: k,
        requestHash: 'hash-1',
        status: 201,
        body,
      });
    });

    test('the same key for another caller is claimed independently', async () => {
      const a = caller();
      const b = caller();
      const k = keyOf();
      expect(await store.idempotency.claim(a, k, 'hash-a')).toEqual({ claimed: true });
      expect(await store.idempotency.claim(b, k, 'hash-b')).toEqual({ claimed: true });
      await store.idempotency.settle(a, k, 200, { who: 'a' });
      expect(await store.idempotency.claim(b, k, 'hash-b')).toMatchObject({
        claimed: false,
        stored: { callerId: b, status: 0, requestHash: 'hash-b' },
      });
      await store.idempotency.release(b, k);
      expect(await store.idempotency.claim(a, k, 'hash-a')).toMatchObject({
        claimed: false,
        stored: { callerId: a, status: 200, body: { who: 'a' } },
      });
    });

    test('releasing an unsettled claim frees the key for a new claim', async () => {
      const c = caller();
      const k = keyOf();
      await store.idempotency.claim(c, k, 'hash-1');
      await store.idempotency.release(c, k);
      expect(await store.idempotency.recall(c, k)).toBeUndefined();
      expect(await store.idempotency.claim(c, k, 'hash-2')).toEqual({ claimed: true });
      expect(await store.idempotency.recall(c, k)).toMatchObject({ status: 0, requestHash: 'hash-2' });
    });

    test('releasing a settled key never deletes its stored response', async () => {
      const c = caller();
      const k = keyOf();
      await store.idempotency.claim(c, k, 'hash-1');
      await store.idempotency.settle(c, k, 422, { problem: { status: 422 } });
      await store.idempotency.release(c, k);
      expect(await store.idempotency.claim(c, k, 'hash-1')).toEqual({
        claimed: false,
        stored: { callerId: c, key: k, requestHash: 'hash-1', status: 422, body: { problem: { status: 422 } } },
      });
    });

    test('releasing a key that was never claimed is a no-op', async () => {
      await expect(store.idempotency.release(caller(), keyOf())).resolves.toBeUndefined();
    });

    test('a stale unsettled claim is taken over by the next claim', async () => {
      const c = caller();
      const k = keyOf();
      await store.idempotency.claim(c, k, 'hash-crashed');
      await sleep(30);
      expect(await store.idempotency.claim(c, k, 'hash-retry', 0)).toEqual({ claimed: true });
      expect(await store.idempotency.recall(c, k)).toMatchObject({ status: 0, requestHash: 'hash-retry' });
    });

    test('a settled claim is never taken over, however old', async () => {
      const c = caller();
      const k = keyOf();
      await store.idempotency.claim(c, k, 'hash-1');
      await store.idempotency.settle(c, k, 200, { ok: true });
      await sleep(30);
      expect(await store.idempotency.claim(c, k, 'hash-1', 0)).toMatchObject({
        claimed: false,
        stored: { status: 200, body: { ok: true } },
      });
    });

    test('concurrent claims of one key: exactly one wins, the others see it in progress', async () => {
      const c = caller();
      const k = keyOf();
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.idempotency.claim(c, k, `hash-${i}`)),
      );
      const winners = claims.filter((r) => r.claimed);
      expect(winners).toHaveLength(1);
      for (const r of claims) {
        if (!r.claimed) expect(r.stored.status).toBe(0);
      }
    });

    test('concurrent takeovers of one stale claim: exactly one wins', async () => {
      const c = caller();
      const k = keyOf();
      await store.idempotency.claim(c, k, 'hash-crashed');
      // The winner's takeover restarts the claim's clock; a later taker wins again only once that claim is stale too.
      // So all ten must arrive within STALE_MS of the first takeover: with 400 ms, two won on a loaded machine (ten
      // statements queued on one PGlite connection), so the window is seconds, far above any queueing seen here.
      const STALE_MS = 5_000;
      await sleep(STALE_MS + 300);
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.idempotency.claim(c, k, `hash-${i}`, STALE_MS)),
      );
      expect(claims.filter((r) => r.claimed)).toHaveLength(1);
    });
  });
});
