/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The store methods the HTTP API relies on: registration compensation (`unregisterPartner`), atomic evidence edits
 * (`changeEvidence`) and Idempotency-Key claims (`claimIdempotencyKey`, `settleIdempotencyKey`,
 * `releaseIdempotencyKey`), on PGlite and on a real PostgreSQL.
 */
import { NotFoundError, type RegisterPartnerInput, type Store } from '../../src/store';
import { drivers, openTestStore, partnerInput, uniqueId } from './pg';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface ItemsDoc {
  items: string[];
}

describe.each(drivers)('API support in the store on %s', (driver) => {
  let store: Store;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(driver));
  });
  afterAll(async () => {
    await dispose?.();
  });

  const registered = async (overrides: Partial<RegisterPartnerInput> = {}) =>
    (await store.registerPartner(partnerInput(overrides))).partner;

  describe('changeEvidence', () => {
    test('the first change on a partner without evidence sees no current document and writes version 1', async () => {
      const p = await registered();
      const seen: unknown[] = [];
      const result = await store.changeEvidence<ItemsDoc>(
        p.id,
        (current) => {
          seen.push(current);
          return { items: ['a'] };
        },
        { on: '2019-04-01' },
      );
      expect(seen).toEqual([undefined]);
      expect(result).toEqual({ version: 1, created: true, document: { items: ['a'] } });
      expect(await store.getEvidence(p.id)).toMatchObject({
        version: 1,
        document: { items: ['a'] },
        recordedOn: '2019-04-01',
      });
      expect((await store.getPartner(p.id))?.evidenceVersion).toBe(1);
    });

    test('a change sees the current document and its result becomes the next version', async () => {
      const p = await registered();
      await store.putEvidence(p.id, { items: ['a'] });
      const result = await store.changeEvidence<ItemsDoc>(p.id, (current) => ({
        items: [...(current?.items ?? []), 'b'],
      }));
      expect(result).toEqual({ version: 2, created: true, document: { items: ['a', 'b'] } });
      expect(await store.getEvidence(p.id)).toMatchObject({ version: 2, document: { items: ['a', 'b'] } });
      expect(await store.getEvidence(p.id, 1)).toMatchObject({ version: 1, document: { items: ['a'] } });
    });

    test('a change that returns an equal document (any key order) stores nothing and keeps the version', async () => {
      const p = await registered();
      await store.putEvidence(p.id, { track: 'consulting', items: ['a'] });
      const result = await store.changeEvidence<Record<string, unknown>>(p.id, () => ({
        items: ['a'],
        track: 'consulting',
      }));
      expect(result).toMatchObject({ version: 1, created: false });
      expect((await store.listEvidenceVersions(p.id)).map((v) => v.version)).toEqual([1]);
      expect((await store.getPartner(p.id))?.evidenceVersion).toBe(1);
    });

    test('a change that edits the current document in place and returns it is still stored', async () => {
      const p = await registered();
      await store.putEvidence(p.id, { items: ['a'] });
      const result = await store.changeEvidence<ItemsDoc>(p.id, (current) => {
        const doc = current ?? { items: [] };
        doc.items.push('b');
        return doc;
      });
      expect(result).toEqual({ version: 2, created: true, document: { items: ['a', 'b'] } });
      expect(await store.getEvidence(p.id)).toMatchObject({ version: 2, document: { items: ['a', 'b'] } });
    });

    test('a change that throws writes nothing and rethrows the very same error', async () => {
      const p = await registered();
      await store.putEvidence(p.id, { items: ['a'] });
      const refusal = new Error('item already exists');
      let thrown: unknown;
      try {
        await store.changeEvidence<ItemsDoc>(p.id, () => {
          throw refusal;
        });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBe(refusal);
      expect((await store.listEvidenceVersions(p.id)).map((v) => v.version)).toEqual([1]);
      expect(await store.getEvidence(p.id)).toMatchObject({ version: 1, document: { items: ['a'] } });
      expect((await store.getPartner(p.id))?.evidenceVersion).toBe(1);
    });

    test('a first change that throws leaves the partner without evidence', async () => {
      const p = await registered();
      const refusal = new Error('refused');
      await expect(
        store.changeEvidence(p.id, () => {
          throw refusal;
        }),
      ).rejects.toBe(refusal);
      expect(await store.getEvidence(p.id)).toBeUndefined();
      expect(await store.listEvidenceVersions(p.id)).toEqual([]);
      expect((await store.getPartner(p.id))?.evidenceVersion).toBe(0);
    });

    test('a change on an unknown partner is NotFoundError and never calls change', async () => {
      const change = jest.fn(() => ({ items: [] as string[] }));
      await expect(store.changeEvidence(uniqueId('nobody'), change)).rejects.toBeInstanceOf(NotFoundError);
      expect(change).not.toHaveBeenCalled();
    });

    test('20 concurrent changes each appending one item all survive, as 20 versions', async () => {
      const p = await registered();
      const items = Array.from({ length: 20 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
      const results = await Promise.all(
        items.map((item) =>
          store.changeEvidence<ItemsDoc>(p.id, (current) => ({ items: [...(current?.items ?? []), item] })),
        ),
      );
      expect(results.every((r) => r.created)).toBe(true);
      expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(items.map((_, i) => i + 1));
      const current = await store.getEvidence<ItemsDoc>(p.id);
      expect(current?.version).toBe(20);
      expect([...(current?.document.items ?? [])].sort()).toEqual(items);
      expect((await store.listEvidenceVersions(p.id)).map((v) => v.version)).toEqual(items.map((_, i) => i + 1));
      // Each version holds exactly one more item than the one before it: no change saw a stale document.
      for (let v = 1; v <= 20; v++) {
        expect((await store.getEvidence<ItemsDoc>(p.id, v))?.document.items).toHaveLength(v);
      }
    });
  });

  describe('idempotency keys', () => {
    const caller = () => uniqueId('caller');
    const keyOf = () => uniqueId('key');

    test('the first claim of a key wins', async () => {
      expect(await store.claimIdempotencyKey(caller(), keyOf(), 'hash-1')).toEqual({ claimed: true });
    });

    test('a second claim while the first runs is refused with status 0 and the first request hash', async () => {
      const c = caller();
      const k = keyOf();
      await store.claimIdempotencyKey(c, k, 'hash-1');
      const second = await store.claimIdempotencyKey(c, k, 'hash-2');
      expect(second).toEqual({
        claimed: false,
        stored: expect.objectContaining({ callerId: c, key: k, status: 0, requestHash: 'hash-1' }),
      });
    });

    test('after settling, a claim returns the stored status and body', async () => {
      const c = caller();
      const k = keyOf();
      await store.claimIdempotencyKey(c, k, 'hash-1');
      const body = { result: { id: 'p-1', nested: { list: [1, 2, 3] } } };
      await store.settleIdempotencyKey(c, k, 201, body);
      const replay = await store.claimIdempotencyKey(c, k, 'hash-1');
      expect(replay).toEqual({
        claimed: false,
        stored: { callerId: c, key: k, requestHash: 'hash-1', status: 201, body },
      });
      expect(await store.recallResponse(c, k)).toEqual({
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
      expect(await store.claimIdempotencyKey(a, k, 'hash-a')).toEqual({ claimed: true });
      expect(await store.claimIdempotencyKey(b, k, 'hash-b')).toEqual({ claimed: true });
      await store.settleIdempotencyKey(a, k, 200, { who: 'a' });
      expect(await store.claimIdempotencyKey(b, k, 'hash-b')).toMatchObject({
        claimed: false,
        stored: { callerId: b, status: 0, requestHash: 'hash-b' },
      });
      await store.releaseIdempotencyKey(b, k);
      expect(await store.claimIdempotencyKey(a, k, 'hash-a')).toMatchObject({
        claimed: false,
        stored: { callerId: a, status: 200, body: { who: 'a' } },
      });
    });

    test('releasing an unsettled claim frees the key for a new claim', async () => {
      const c = caller();
      const k = keyOf();
      await store.claimIdempotencyKey(c, k, 'hash-1');
      await store.releaseIdempotencyKey(c, k);
      expect(await store.recallResponse(c, k)).toBeUndefined();
      expect(await store.claimIdempotencyKey(c, k, 'hash-2')).toEqual({ claimed: true });
      expect(await store.recallResponse(c, k)).toMatchObject({ status: 0, requestHash: 'hash-2' });
    });

    test('releasing a settled key never deletes its stored response', async () => {
      const c = caller();
      const k = keyOf();
      await store.claimIdempotencyKey(c, k, 'hash-1');
      await store.settleIdempotencyKey(c, k, 422, { problem: { status: 422 } });
      await store.releaseIdempotencyKey(c, k);
      expect(await store.claimIdempotencyKey(c, k, 'hash-1')).toEqual({
        claimed: false,
        stored: { callerId: c, key: k, requestHash: 'hash-1', status: 422, body: { problem: { status: 422 } } },
      });
    });

    test('releasing a key that was never claimed is a no-op', async () => {
      await expect(store.releaseIdempotencyKey(caller(), keyOf())).resolves.toBeUndefined();
    });

    test('a stale unsettled claim is taken over by the next claim', async () => {
      const c = caller();
      const k = keyOf();
      await store.claimIdempotencyKey(c, k, 'hash-crashed');
      await sleep(30);
      expect(await store.claimIdempotencyKey(c, k, 'hash-retry', 0)).toEqual({ claimed: true });
      expect(await store.recallResponse(c, k)).toMatchObject({ status: 0, requestHash: 'hash-retry' });
    });

    test('a settled claim is never taken over, however old', async () => {
      const c = caller();
      const k = keyOf();
      await store.claimIdempotencyKey(c, k, 'hash-1');
      await store.settleIdempotencyKey(c, k, 200, { ok: true });
      await sleep(30);
      expect(await store.claimIdempotencyKey(c, k, 'hash-1', 0)).toMatchObject({
        claimed: false,
        stored: { status: 200, body: { ok: true } },
      });
    });

    test('concurrent claims of one key: exactly one wins, the others see it in progress', async () => {
      const c = caller();
      const k = keyOf();
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.claimIdempotencyKey(c, k, `hash-${i}`)),
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
      await store.claimIdempotencyKey(c, k, 'hash-crashed');
      await sleep(600);
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.claimIdempotencyKey(c, k, `hash-${i}`, 400)),
      );
      expect(claims.filter((r) => r.claimed)).toHaveLength(1);
    });
  });

  describe('unregisterPartner', () => {
    test('removes a partner registered moments ago', async () => {
      const p = await registered();
      expect(await store.unregisterPartner(p.id)).toBe(true);
      expect(await store.getPartner(p.id)).toBeUndefined();
    });

    test('a removed partner can be registered again from scratch', async () => {
      const input = partnerInput();
      await store.registerPartner(input);
      expect(await store.unregisterPartner(input.id)).toBe(true);
      expect(await store.registerPartner(input)).toMatchObject({ created: true, partner: { id: input.id } });
    });

    test('refuses once the partner has evidence, and keeps it', async () => {
      const p = await registered();
      await store.putEvidence(p.id, { items: ['a'] });
      expect(await store.unregisterPartner(p.id)).toBe(false);
      expect(await store.getPartner(p.id)).toMatchObject({ id: p.id, evidenceVersion: 1 });
      expect(await store.getEvidence(p.id)).toMatchObject({ version: 1 });
    });

    test('refuses while something else refers to the partner, and keeps it', async () => {
      const p = await registered();
      await store.openCase({
        key: `${p.id}/cancel`,
        partnerId: p.id,
        kind: 'cancellation',
        reason: 'cancellation-requested',
        openedOn: '2020-03-01',
        targetTier: 'registered',
      });
      expect(await store.unregisterPartner(p.id)).toBe(false);
      expect(await store.getPartner(p.id)).toMatchObject({ id: p.id });
      expect(await store.listCases(p.id)).toHaveLength(1);
    });

    test('an unknown partner id is not removed (false)', async () => {
      expect(await store.unregisterPartner(uniqueId('nobody'))).toBe(false);
    });

    test('a second unregister of the same partner returns false', async () => {
      const p = await registered();
      expect(await store.unregisterPartner(p.id)).toBe(true);
      expect(await store.unregisterPartner(p.id)).toBe(false);
    });
  });
});
