/** @jest-environment ./test/store/pglite-environment.ts */
/** The applications repository (R-UPGRADE, R-PREMIER). On PGlite and on a real PostgreSQL. */
import { NotFoundError } from '../../src/store';
import { drivers, useTestStore, uniqueId } from './pg';

describe.each(drivers)('applications repository on %s', (driver) => {
  const { store, registered } = useTestStore(driver);

  describe('upgrade applications (R-UPGRADE, R-PREMIER)', () => {
    const applicationFor = (partnerId: string, key?: string) => ({
      partnerId,
      targetTier: 'premier' as const,
      feeAccountId: '123456789012',
      submittedOn: '2019-02-01',
      submittedBy: 'lead-1',
      key,
    });

    test('numbers applications per partner, allows one open at a time, and keys make retries harmless', async () => {
      const p = await registered();
      const first = await store.createApplication(applicationFor(p.id, `${p.id}/idem-1`));
      expect(first).toMatchObject({ created: true, application: { id: `${p.id}/application/1`, status: 'submitted' } });
      expect(await store.createApplication(applicationFor(p.id, `${p.id}/idem-1`))).toEqual({
        application: first.application,
        created: false,
      });
      await expect(store.createApplication(applicationFor(p.id))).rejects.toMatchObject({ code: 'application-open' });
      await store.updateApplication(first.application.id, { status: 'rejected', decidedOn: '2019-02-01', gaps: ['x'] });
      const second = await store.createApplication(applicationFor(p.id));
      expect(second.application.id).toBe(`${p.id}/application/2`);
      expect((await store.listApplications({ partnerId: p.id })).map((a) => a.id)).toEqual([
        first.application.id,
        second.application.id,
      ]);
    });

    test('updates append history, schedule EBR windows, and a decided application stays decided', async () => {
      const p = await registered();
      const { application } = await store.createApplication(applicationFor(p.id));
      await store.updateApplication(application.id, {
        status: 'in-progress',
        ebrWindow: '2019-Q3',
        appendHistory: [{ on: '2019-08-20', event: 'ebr-scheduled', window: '2019-Q3' }],
      });
      const approved = await store.updateApplication(application.id, {
        status: 'approved',
        decidedOn: '2019-10-20',
        appendHistory: [{ on: '2019-10-20', event: 'ebr-outcome', outcome: 'approved' }],
      });
      expect(approved).toMatchObject({ status: 'approved', decidedOn: '2019-10-20', ebrWindow: '2019-Q3' });
      expect(approved.history.map((h) => (h as { status?: string; event?: string }).event ?? 'submitted')).toEqual([
        'submitted',
        'ebr-scheduled',
        'ebr-outcome',
      ]);
      expect((await store.listApplications({ ebrWindow: '2019-Q3' })).map((a) => a.id)).toContain(application.id);
      await expect(store.updateApplication(application.id, { status: 'in-progress' })).rejects.toMatchObject({
        code: 'application-decided',
      });
      await expect(store.updateApplication(uniqueId('app'), { status: 'withdrawn' })).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });
  });
});
