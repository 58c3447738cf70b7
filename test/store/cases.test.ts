/** @jest-environment ./test/store/pglite-environment.ts */
/** The cases repository (R-CASE). On PGlite and on a real PostgreSQL. */
import { StoreConflictError } from '../../src/store';
import { drivers, useTestStore } from './pg';

describe.each(drivers)('cases repository on %s', (driver) => {
  const { store, registered } = useTestStore(driver);

  describe('cases (R-CASE)', () => {
    test('openCase with the same key returns the same case; closeCase is idempotent', async () => {
      const p = await registered();
      const input = {
        key: `${p.id}/fee-unpaid/2019`,
        partnerId: p.id,
        kind: 'downgrade' as const,
        reason: 'fee-unpaid' as const,
        openedOn: '2020-03-14',
        targetTier: 'registered' as const,
      };
      const first = await store.openCase(input);
      const retry = await store.openCase(input);
      expect(first).toMatchObject({ created: true, case: { id: `${p.id}/case/1`, status: 'open' } });
      expect(retry).toEqual({ case: first.case, created: false });
      const closed = await store.closeCase(first.case.id, { on: '2020-03-14', outcome: 'downgraded' });
      expect(closed).toMatchObject({ changed: true, case: { status: 'closed', closedOn: '2020-03-14' } });
      expect(await store.closeCase(first.case.id, { on: '2020-03-15', outcome: 'downgraded' })).toMatchObject({
        changed: false,
        case: { closedOn: '2020-03-14' },
      });
      await expect(store.closeCase(first.case.id, { on: '2020-03-15', outcome: 'reinstated' })).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      expect(await store.listCases(p.id)).toHaveLength(1);
      expect(await store.listCases(p.id, { status: 'open' })).toEqual([]);
    });

    test('concurrent openCase calls with one key open one case; different keys get distinct ids', async () => {
      const p = await registered();
      const base = {
        partnerId: p.id,
        kind: 'cancellation' as const,
        reason: 'cancellation-requested' as const,
        openedOn: '2020-03-01',
        targetTier: 'registered' as const,
      };
      const same = await Promise.all([1, 2, 3].map(() => store.openCase({ ...base, key: `${p.id}/cancel` })));
      expect(same.filter((r) => r.created)).toHaveLength(1);
      const other = await Promise.all(['a', 'b'].map((k) => store.openCase({ ...base, key: `${p.id}/${k}` })));
      expect(new Set([...same, ...other].map((r) => r.case.id)).size).toBe(3);
    });
  });
});
