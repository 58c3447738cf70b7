/** @jest-environment ./test/store/pglite-environment.ts */
/** The evidence repository: versions, and atomic edits of the current document. On PGlite and on a real PostgreSQL. */
import { NotFoundError } from '../../src/store';
import { drivers, useTestStore, uniqueId } from './pg';

interface ItemsDoc {
  items: string[];
}

describe.each(drivers)('evidence repository on %s', (driver) => {
  const { store, registered } = useTestStore(driver);

  describe('evidence', () => {
    const doc = (people: number) => ({
      track: 'consulting',
      individuals: Array.from({ length: people }, (_, i) => ({ id: `u-${i}` })),
    });

    test('each new document gets the next version; older versions stay readable', async () => {
      const p = await registered();
      expect(await store.getEvidence(p.id)).toBeUndefined();
      expect(await store.putEvidence(p.id, doc(1), { on: '2019-01-01' })).toEqual({ version: 1, created: true });
      expect(await store.putEvidence(p.id, doc(2), { on: '2019-02-01' })).toEqual({ version: 2, created: true });
      expect(await store.getEvidence(p.id)).toMatchObject({ version: 2, document: doc(2), recordedOn: '2019-02-01' });
      expect(await store.getEvidence(p.id, 1)).toMatchObject({ version: 1, document: doc(1) });
      expect(await store.getEvidence(p.id, 3)).toBeUndefined();
      expect((await store.getPartner(p.id))?.evidenceVersion).toBe(2);
    });

    test('re-sending the current document (any key order) is not a new version', async () => {
      const p = await registered();
      await store.putEvidence(p.id, { a: 1, b: [1, 2] });
      expect(await store.putEvidence(p.id, { b: [1, 2], a: 1 })).toEqual({ version: 1, created: false });
      expect(await store.putEvidence(p.id, { a: 1, b: [2, 1] })).toEqual({ version: 2, created: true });
    });

    test('concurrent writers get distinct, gapless versions', async () => {
      const p = await registered();
      const versions = await Promise.all([1, 2, 3, 4].map((n) => store.putEvidence(p.id, doc(n))));
      expect(versions.map((v) => v.version).sort()).toEqual([1, 2, 3, 4]);
    });

    test('evidence for an unknown partner is NotFoundError', async () => {
      await expect(store.putEvidence(uniqueId(), doc(1))).rejects.toBeInstanceOf(NotFoundError);
    });
  });

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
      expect(await store.getEvidence(p.id, 2)).toBeUndefined();
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
      expect(await store.getEvidence(p.id, 2)).toBeUndefined();
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
      expect(await store.getEvidence(p.id, 1)).toBeUndefined();
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
      expect(await store.getEvidence(p.id, 21)).toBeUndefined();
      // Each version holds exactly one more item than the one before it: no change saw a stale document.
      for (let v = 1; v <= 20; v++) {
        expect((await store.getEvidence<ItemsDoc>(p.id, v))?.document.items).toHaveLength(v);
      }
    });
  });
});
