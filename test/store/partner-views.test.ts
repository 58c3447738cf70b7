/** @jest-environment ./test/store/pglite-environment.ts */
import { NotFoundError, StoreValidationError } from '../../src/store';
import { drivers, useTestStore, partnerInput } from './pg';

const status = (tier: string, stage = 'active') => ({
  tier,
  stage,
  monthly: [{ on: '2019-06-01', premierMet: false }],
});

describe.each(drivers)('partner read model on %s', (driver) => {
  const { store } = useTestStore(driver);

  const registered = async () => (await store.registerPartner(partnerInput())).partner.id;

  test('a partner has no view until its workflow writes one; the first write is stored as given', async () => {
    const partnerId = await registered();
    expect(await store.getPartnerView(partnerId)).toBeUndefined();
    const before = Date.now();
    const { view, applied } = await store.putPartnerView({
      partnerId,
      revision: 1,
      asOf: '2019-06-01',
      status: status('advanced'),
    });
    expect(applied).toBe(true);
    expect(view).toEqual({
      partnerId,
      revision: 1,
      asOf: '2019-06-01',
      status: status('advanced'),
      writtenAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    // The database clock and this process's agree to within a few seconds.
    expect(Math.abs(Date.parse(view.writtenAt) - before)).toBeLessThan(60_000);
    expect(await store.getPartnerView(partnerId)).toEqual(view);
  });

  test('the view reads back exactly as written, keys in their order (json, not jsonb)', async () => {
    const partnerId = await registered();
    const written = { partnerId, today: '2019-06-01', tier: 'select', zeta: 1, alpha: { b: 2, a: 1 } };
    await store.putPartnerView({ partnerId, revision: 1, asOf: '2019-06-01', status: written });
    const view = await store.getPartnerView(partnerId);
    expect(JSON.stringify(view?.status)).toBe(JSON.stringify(written));
  });

  test('a newer revision replaces the view', async () => {
    const partnerId = await registered();
    await store.putPartnerView({ partnerId, revision: 1, asOf: '2019-06-01', status: status('advanced') });
    const { view, applied } = await store.putPartnerView({
      partnerId,
      revision: 2,
      asOf: '2019-06-02',
      status: status('premier'),
    });
    expect(applied).toBe(true);
    expect(await store.getPartnerView(partnerId)).toEqual(view);
    expect(view).toMatchObject({ revision: 2, asOf: '2019-06-02', status: { tier: 'premier' } });
  });

  test('an older or repeated revision arriving late never regresses the view', async () => {
    const partnerId = await registered();
    await store.putPartnerView({ partnerId, revision: 5, asOf: '2019-07-01', status: status('premier') });
    for (const revision of [4, 5, 0]) {
      const late = await store.putPartnerView({ partnerId, revision, asOf: '2019-06-01', status: status('select') });
      expect(late.applied).toBe(false);
      expect(late.view).toMatchObject({ revision: 5, asOf: '2019-07-01', status: { tier: 'premier' } });
    }
    expect(await store.getPartnerView(partnerId)).toMatchObject({ revision: 5, status: { tier: 'premier' } });
  });

  test('concurrent writes of one partner leave the highest revision', async () => {
    const partnerId = await registered();
    const revisions = Array.from({ length: 20 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    const results = await Promise.all(
      revisions.map((revision) =>
        store.putPartnerView({ partnerId, revision, asOf: '2019-06-01', status: status('select', `r${revision}`) }),
      ),
    );
    expect(results.some((r) => r.applied)).toBe(true);
    expect(await store.getPartnerView(partnerId)).toMatchObject({ revision: 20, status: { stage: 'r20' } });
  });

  test('a view of an unregistered partner is refused; bad revisions, dates and statuses are refused', async () => {
    await expect(
      store.putPartnerView({ partnerId: 'nobody-here', revision: 1, asOf: '2019-06-01', status: status('select') }),
    ).rejects.toBeInstanceOf(NotFoundError);
    const partnerId = await registered();
    const bad = [
      { revision: -1, asOf: '2019-06-01', status: status('select') },
      { revision: 1.5, asOf: '2019-06-01', status: status('select') },
      { revision: 1, asOf: '2019-02-30', status: status('select') },
      { revision: 1, asOf: '2019-06-01', status: [] as unknown as Record<string, unknown> },
    ];
    for (const input of bad) {
      await expect(store.putPartnerView({ partnerId, ...input })).rejects.toBeInstanceOf(StoreValidationError);
    }
    expect(await store.getPartnerView(partnerId)).toBeUndefined();
  });

  test('getPartners reads several partners in one call and leaves unknown ids out', async () => {
    const a = await registered();
    const b = await registered();
    const found = await store.getPartners([a, b, a, 'nobody-here']);
    expect([...found.keys()].sort()).toEqual([a, b].sort());
    expect(found.get(a)).toEqual(await store.getPartner(a));
    expect((await store.getPartners([])).size).toBe(0);
  });
});
