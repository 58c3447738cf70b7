/** @jest-environment ./test/store/pglite-environment.ts */
/** The partners repository: registration, listing, status, tier changes with their audit, compensation. On PGlite and on a real PostgreSQL. */
import { NotFoundError, StoreConflictError, StoreValidationError, type Store } from '../../src/store';
import { drivers, useTestStore, partnerInput, uniqueId } from './pg';

describe.each(drivers)('partners repository on %s', (driver) => {
  const { store, registered } = useTestStore(driver);

  test('answers ping on the driver it was opened with', async () => {
    expect(store.driver).toBe(driver);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  describe('partners', () => {
    test('registering the same partner twice returns the existing one (created: false)', async () => {
      const input = partnerInput({ partnerManagerIds: ['pm-2', 'pm-1'] });
      const first = await store.registerPartner(input);
      const second = await store.registerPartner({ ...input, partnerManagerIds: ['pm-1', 'pm-2'] });
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(second.partner).toEqual(first.partner);
      const page = await store.listPartners({ partnerManagerId: 'pm-1', limit: 500 });
      expect(page.items.filter((p) => p.id === input.id)).toHaveLength(1);
    });

    test('the alliance team a registration names is stored sorted and unique, null when it names none', async () => {
      const input = partnerInput({ allianceTeamIds: ['team-b', 'team-a', 'team-b'] });
      const { partner } = await store.registerPartner(input);
      expect(partner.allianceTeamIds).toEqual(['team-a', 'team-b']);
      expect((await store.registerPartner({ ...input, allianceTeamIds: ['team-a', 'team-b'] })).created).toBe(false);
      await expect(store.registerPartner({ ...input, allianceTeamIds: ['team-a'] })).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      const without = partnerInput();
      expect((await store.registerPartner(without)).partner.allianceTeamIds).toBeNull();
      expect((await store.registerPartner(without)).created).toBe(false);
    });

    test('registering an existing id with different data is a StoreConflictError', async () => {
      const input = partnerInput();
      await store.registerPartner(input);
      await expect(store.registerPartner({ ...input, name: 'Other Cloud' })).rejects.toBeInstanceOf(StoreConflictError);
      await expect(store.registerPartner({ ...input, name: 'Other Cloud' })).rejects.toMatchObject({
        code: 'partner-exists',
      });
    });

    test('re-registration compares with the registration, not with the tier the lifecycle has since changed', async () => {
      const input = partnerInput({ tier: 'select' });
      await store.registerPartner(input);
      await store.updatePartnerTier(input.id, {
        key: `${input.id}/upgrade/1`,
        to: 'advanced',
        on: '2019-03-01',
        reason: 'upgrade-approved',
        by: 'pm-7',
      });
      const again = await store.registerPartner(input);
      expect(again).toMatchObject({ created: false, partner: { tier: 'advanced' } });
    });

    test('malformed partner data is refused with StoreValidationError', async () => {
      await expect(store.registerPartner(partnerInput({ renewalDate: '13-01' }))).rejects.toBeInstanceOf(
        StoreValidationError,
      );
      await expect(store.registerPartner(partnerInput({ feeAccountId: '1234' }))).rejects.toBeInstanceOf(
        StoreValidationError,
      );
      await expect(store.registerPartner(partnerInput({ country: 'usa' }))).rejects.toBeInstanceOf(
        StoreValidationError,
      );
    });

    test('pagination walks every matching partner exactly once, in id order, while partners are added', async () => {
      const manager = uniqueId('pm');
      const ids: string[] = [];
      for (let i = 0; i < 23; i++) {
        const id = `page-${manager}-${String(i).padStart(2, '0')}`;
        ids.push(id);
        await registered({ id, partnerManagerIds: [manager] });
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listPartners({ partnerManagerId: manager, limit: 5, cursor });
        seen.push(...page.items.map((p) => p.id));
        cursor = page.nextCursor;
        if (pages === 1) {
          // One lands before the cursor (not seen in this walk), one after (seen once).
          await registered({ id: `page-${manager}-00a`, partnerManagerIds: [manager] });
          await registered({ id: `page-${manager}-99`, partnerManagerIds: [manager] });
        }
        pages++;
      } while (cursor);
      expect(seen).toEqual([...ids, `page-${manager}-99`]);
      expect(new Set(seen).size).toBe(seen.length);
      expect(pages).toBe(5);
    });

    test('an invalid cursor is a StoreValidationError', async () => {
      await expect(store.listPartners({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(StoreValidationError);
    });

    test('filters by tier, track, at-risk, renewal month, EBR window and partner manager', async () => {
      const manager = uniqueId('pm');
      const a = await registered({
        tier: 'select',
        track: 'technology',
        renewalDate: '03-10',
        partnerManagerIds: [manager],
      });
      const b = await registered({ tier: 'advanced', renewalDate: '03-31', partnerManagerIds: [manager] });
      const c = await registered({ tier: 'advanced', renewalDate: '11-01', partnerManagerIds: [manager] });
      await store.updatePartnerStatus(b.id, { atRisk: true, lifecycleStage: 'fee-grace' });
      await store.updatePartnerStatus(c.id, { nextEbrWindow: '2019-Q3' });
      const ids = async (q: Parameters<Store['listPartners']>[0]) =>
        (await store.listPartners({ ...q, partnerManagerId: manager })).items.map((p) => p.id);
      expect(await ids({})).toEqual([a.id, b.id, c.id].sort());
      expect(await ids({ tier: 'advanced' })).toEqual([b.id, c.id].sort());
      expect(await ids({ track: 'technology' })).toEqual([a.id]);
      expect(await ids({ atRisk: true })).toEqual([b.id]);
      expect(await ids({ atRisk: false })).toEqual([a.id, c.id].sort());
      expect(await ids({ renewalMonth: '03' })).toEqual([a.id, b.id].sort());
      expect(await ids({ ebrWindow: '2019-Q3' })).toEqual([c.id]);
      expect((await store.listPartners({ partnerManagerId: uniqueId('nobody') })).items).toEqual([]);
    });

    test('updatePartnerStatus patches only the given fields; unknown partner is NotFoundError', async () => {
      const p = await registered();
      const updated = await store.updatePartnerStatus(p.id, { atRisk: true, partnerManagerIds: ['pm-9', 'pm-7'] });
      expect(updated).toMatchObject({ atRisk: true, lifecycleStage: 'active', partnerManagerIds: ['pm-7', 'pm-9'] });
      await expect(store.updatePartnerStatus(uniqueId(), { atRisk: true })).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('tier changes and audit (R-CASE)', () => {
    test('a retried tier change with the same key changes the tier once and writes one audit record', async () => {
      const p = await registered({ tier: 'advanced' });
      const change = {
        key: `${p.id}/fee-unpaid/2019`,
        to: 'registered' as const,
        on: '2020-03-14',
        reason: 'fee-unpaid',
        by: 'system',
      };
      const first = await store.updatePartnerTier(p.id, change);
      const retry = await store.updatePartnerTier(p.id, change);
      expect(first.changed).toBe(true);
      expect(retry.changed).toBe(false);
      expect(retry.audit).toEqual(first.audit);
      expect(await store.listAudit(p.id)).toEqual([
        expect.objectContaining({ from: 'advanced', to: 'registered', on: '2020-03-14', reason: 'fee-unpaid' }),
      ]);
    });

    test('audit lists every change in order, with the case that caused it', async () => {
      const p = await registered({ tier: 'select' });
      const { case: c } = await store.openCase({
        key: `${p.id}/renewal/2019`,
        partnerId: p.id,
        kind: 'downgrade',
        reason: 'non-compliant',
        openedOn: '2019-12-13',
        targetTier: 'registered',
      });
      await store.updatePartnerTier(p.id, {
        key: 'k1-' + p.id,
        to: 'advanced',
        on: '2019-05-01',
        reason: 'upgrade',
        by: 'pm-7',
      });
      await store.updatePartnerTier(p.id, {
        key: 'k2-' + p.id,
        to: 'registered',
        on: '2019-12-13',
        reason: 'non-compliant',
        by: 'system',
        caseId: c.id,
      });
      const audit = await store.listAudit(p.id);
      expect(audit.map((a) => [a.from, a.to, a.caseId])).toEqual([
        ['select', 'advanced', null],
        ['advanced', 'registered', c.id],
      ]);
      expect((await store.getPartner(p.id))?.tier).toBe('registered');
    });

    test('concurrent retries of one tier change write one audit record', async () => {
      const p = await registered({ tier: 'advanced' });
      const change = { key: `${p.id}/x`, to: 'premier' as const, on: '2019-10-20', reason: 'ebr-approved', by: 'pm-7' };
      const results = await Promise.all([1, 2, 3].map(() => store.updatePartnerTier(p.id, change)));
      expect(results.filter((r) => r.changed)).toHaveLength(1);
      expect(await store.listAudit(p.id)).toHaveLength(1);
    });

    test('a business date that is not YYYY-MM-DD is refused', async () => {
      const p = await registered();
      await expect(
        store.updatePartnerTier(p.id, { key: uniqueId('k'), to: 'select', on: '2019-02-30', reason: 'x', by: 'y' }),
      ).rejects.toBeInstanceOf(StoreValidationError);
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
