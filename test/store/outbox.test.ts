/** @jest-environment ./test/store/pglite-environment.ts */
/** The notifications outbox repository. On PGlite and on a real PostgreSQL. */
import { drivers, useTestStore } from './pg';

describe.each(drivers)('outbox repository on %s', (driver) => {
  const { store, registered } = useTestStore(driver);

  describe('notifications outbox', () => {
    test('enqueue with the same key (even concurrently) keeps one notification; mark sent once', async () => {
      const p = await registered();
      const input = {
        key: `${p.id}/reminder/2019/30`,
        partnerId: p.id,
        kind: 'fee-reminder',
        recipient: 'lead-1',
        payload: { day: 30 },
        on: '2020-01-14',
      };
      const results = await Promise.all([1, 2, 3].map(() => store.enqueueNotification(input)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await store.listNotifications(p.id)).toEqual([
        expect.objectContaining({ key: input.key, status: 'pending', payload: { day: 30 } }),
      ]);
      expect((await store.listPendingNotifications(10_000)).map((n) => n.key)).toContain(input.key);
      expect(await store.markNotificationSent(input.key, '2020-01-14')).toMatchObject({
        changed: true,
        notification: { status: 'sent' },
      });
      expect(await store.markNotificationSent(input.key, '2020-01-15')).toMatchObject({
        changed: false,
        notification: { sentOn: '2020-01-14' },
      });
      expect(await store.listNotifications(p.id, { status: 'pending' })).toEqual([]);
    });
  });
});
