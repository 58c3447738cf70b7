/** @jest-environment ./test/store/pglite-environment.ts */
/** The journal repository (each partner's timeline). On PGlite and on a real PostgreSQL. */
import { drivers, useTestStore } from './pg';

describe.each(drivers)('journal repository on %s', (driver) => {
  const { store, registered } = useTestStore(driver);

  describe('journal', () => {
    test('entries are listed in the order written; a retried append writes nothing twice', async () => {
      const p = await registered();
      const entries = [
        { key: `${p.id}#1`, on: '2019-12-15', type: 'compliance-review', data: { compliant: true } },
        { key: `${p.id}#2`, on: '2019-12-15', type: 'fee-invoiced', data: { amount: 2500 } },
      ];
      expect(await store.appendJournal(p.id, entries)).toEqual({ written: 2 });
      expect(
        await store.appendJournal(p.id, [
          ...entries,
          { key: `${p.id}#3`, on: '2019-12-20', type: 'fee-paid', data: {} },
        ]),
      ).toEqual({
        written: 1,
      });
      expect((await store.listJournal(p.id)).map((e) => `${e.on} ${e.type}`)).toEqual([
        '2019-12-15 compliance-review',
        '2019-12-15 fee-invoiced',
        '2019-12-20 fee-paid',
      ]);
      await expect(
        store.appendJournal(p.id, [{ key: `${p.id}#4`, on: '2019-02-30', type: 'x', data: {} }]),
      ).rejects.toThrow(/on/);
    });
  });
});
