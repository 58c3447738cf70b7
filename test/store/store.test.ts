/** @jest-environment ./test/store/pglite-environment.ts */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createStore,
  NotFoundError,
  StoreConflictError,
  StoreValidationError,
  type RegisterPartnerInput,
  type Store,
} from '../../src/store';
import {
  createTestDatabase,
  drivers,
  ensureTestPostgres,
  newPglite,
  openTestStore,
  partnerInput,
  uniqueId,
} from './pg';

describe.each(drivers)('store on %s', (driver) => {
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
      expect((await store.listEvidenceVersions(p.id)).map((v) => v.version)).toEqual([1, 2]);
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

  describe('invoices (R-FEE, R-GRACE)', () => {
    const invoiceFor = (partnerId: string, membershipYear = 2019) => ({
      partnerId,
      membershipYear,
      reason: 'renewal' as const,
      amount: 2500,
      vatAmount: 0,
      payerAccountId: '123456789012',
      issuedOn: '2019-12-15',
      dueOn: '2020-03-14',
    });

    test('R-FEE: a retried createInvoice returns the existing invoice, never a second one', async () => {
      const p = await registered();
      const first = await store.createInvoice(invoiceFor(p.id));
      const retry = await store.createInvoice({ ...invoiceFor(p.id), issuedOn: '2019-12-16' });
      expect(first.created).toBe(true);
      expect(retry).toEqual({ invoice: first.invoice, created: false });
      expect(first.invoice).toMatchObject({
        id: `${p.id}/invoice/2019`,
        amount: 2500,
        vatAmount: 0,
        currency: 'USD',
        status: 'open',
        issuedOn: '2019-12-15',
        dueOn: '2020-03-14',
      });
      expect(await store.listInvoices(p.id)).toHaveLength(1);
    });

    test('R-FEE: concurrent createInvoice for the same partner and year makes exactly one invoice', async () => {
      const p = await registered();
      const results = await Promise.all(Array.from({ length: 6 }, () => store.createInvoice(invoiceFor(p.id))));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.invoice.id)).size).toBe(1);
      expect(await store.listInvoices(p.id)).toHaveLength(1);
    });

    test('VAT is stored on top of the fee, to the cent', async () => {
      const p = await registered({ country: 'DE' });
      const { invoice } = await store.createInvoice({ ...invoiceFor(p.id), vatAmount: 475.25 });
      expect(invoice).toMatchObject({ amount: 2500, vatAmount: 475.25 });
      await expect(store.createInvoice({ ...invoiceFor(p.id, 2020), amount: 2500.001 })).rejects.toBeInstanceOf(
        StoreValidationError,
      );
    });

    test('R-PAID: markInvoicePaid is idempotent', async () => {
      const p = await registered();
      const { invoice } = await store.createInvoice(invoiceFor(p.id));
      const paid = await store.markInvoicePaid(invoice.id, { on: '2020-01-29' });
      const again = await store.markInvoicePaid(invoice.id, { on: '2020-02-01' });
      expect(paid).toMatchObject({
        changed: true,
        invoice: { status: 'paid', paidOn: '2020-01-29', paidVia: 'payment' },
      });
      expect(again).toEqual({ invoice: paid.invoice, changed: false });
      await expect(store.markInvoicePaid(uniqueId('inv'), { on: '2020-01-29' })).rejects.toBeInstanceOf(NotFoundError);
    });

    test('R-CANCEL: voiding open invoices leaves paid ones alone; a voided year can be invoiced again', async () => {
      const p = await registered();
      const paid = (await store.createInvoice(invoiceFor(p.id, 2019))).invoice;
      await store.markInvoicePaid(paid.id, { on: '2020-01-01' });
      const open = (await store.createInvoice(invoiceFor(p.id, 2020))).invoice;
      const voided = await store.voidOpenInvoices(p.id, '2020-03-01');
      expect(voided.map((i) => [i.id, i.status, i.voidedOn])).toEqual([[open.id, 'voided', '2020-03-01']]);
      expect(await store.voidOpenInvoices(p.id, '2020-03-02')).toEqual([]);
      await expect(store.markInvoicePaid(open.id, { on: '2020-03-03' })).rejects.toMatchObject({
        code: 'invoice-voided',
      });
      const reissued = await store.createInvoice({ ...invoiceFor(p.id, 2020), reason: 'upgrade' });
      expect(reissued).toMatchObject({ created: true, invoice: { id: `${p.id}/invoice/2020-2`, status: 'open' } });
    });

    test('an invoice for an unknown partner is NotFoundError', async () => {
      await expect(store.createInvoice(invoiceFor(uniqueId()))).rejects.toBeInstanceOf(NotFoundError);
    });
  });

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

  describe('organizations and reseller billing (R-FEE, R-RESELLER)', () => {
    const account = () => String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));

    test('resolvePayer: an account outside any organization pays for itself', async () => {
      const lone = account();
      expect(await store.resolvePayer(lone)).toBe(lone);
    });

    test("R-FEE: a member account is billed to its organization's management account", async () => {
      const org = {
        id: uniqueId('o'),
        name: 'Acme Org',
        managementAccountId: account(),
        reseller: false,
        on: '2019-01-01',
      };
      expect((await store.createOrganization(org)).created).toBe(true);
      expect((await store.createOrganization(org)).created).toBe(false);
      await expect(store.createOrganization({ ...org, name: 'Other' })).rejects.toBeInstanceOf(StoreConflictError);
      const member = account();
      await store.addOrganizationMember(org.id, member, '2019-02-01');
      expect(await store.resolvePayer(member)).toBe(org.managementAccountId);
      expect(await store.resolvePayer(org.managementAccountId)).toBe(org.managementAccountId);
      expect(await store.removeOrganizationMember(member)).toBe(true);
      expect(await store.resolvePayer(member)).toBe(member);
      expect(await store.removeOrganizationMember(org.managementAccountId)).toBe(false);
    });

    test('R-RESELLER: an accepted invitation moves billing to the reseller; declined and late ones do not', async () => {
      const reseller = {
        id: uniqueId('r'),
        name: 'Reseller',
        managementAccountId: account(),
        reseller: true,
        on: '2019-01-01',
      };
      await store.createOrganization(reseller);
      const [accepting, declining, late] = [account(), account(), account()];
      const inv = await store.inviteAccount({ organizationId: reseller.id, accountId: accepting, on: '2019-03-01' });
      expect(inv).toMatchObject({ status: 'invited', expiresOn: '2019-03-16' });
      expect(
        await store.inviteAccount({ organizationId: reseller.id, accountId: accepting, on: '2019-03-02' }),
      ).toEqual(inv);
      expect(await store.respondToInvitation(inv.id, 'accepted', '2019-03-15')).toMatchObject({ status: 'accepted' });
      expect(await store.resolvePayer(accepting)).toBe(reseller.managementAccountId);
      expect((await store.getOrganizationOf(accepting))?.organization.reseller).toBe(true);

      const d = await store.inviteAccount({ organizationId: reseller.id, accountId: declining, on: '2019-03-01' });
      expect(await store.respondToInvitation(d.id, 'declined', '2019-03-02')).toMatchObject({ status: 'declined' });
      expect(await store.resolvePayer(declining)).toBe(declining);

      const l = await store.inviteAccount({ organizationId: reseller.id, accountId: late, on: '2019-03-01' });
      expect(await store.respondToInvitation(l.id, 'accepted', '2019-03-16')).toMatchObject({ status: 'expired' });
      expect(await store.resolvePayer(late)).toBe(late);
    });

    test('R-RESELLER: unanswered invitations expire after 15 days', async () => {
      const org = { id: uniqueId('r'), name: 'R', managementAccountId: account(), reseller: true, on: '2019-01-01' };
      await store.createOrganization(org);
      const inv = await store.inviteAccount({ organizationId: org.id, accountId: account(), on: '2019-05-01' });
      expect((await store.expireInvitations('2019-05-15')).map((i) => i.id)).not.toContain(inv.id);
      expect((await store.expireInvitations('2019-05-16')).map((i) => i.id)).toContain(inv.id);
      expect(await store.listInvitations({ organizationId: org.id })).toEqual([
        expect.objectContaining({ status: 'expired' }),
      ]);
    });

    test('an account belongs to one organization at a time', async () => {
      const a = { id: uniqueId('o'), name: 'A', managementAccountId: account(), reseller: false, on: '2019-01-01' };
      const b = { ...a, id: uniqueId('o'), managementAccountId: account() };
      await store.createOrganization(a);
      await store.createOrganization(b);
      const acct = account();
      await store.addOrganizationMember(a.id, acct, '2019-01-02');
      await expect(store.addOrganizationMember(b.id, acct, '2019-01-03')).rejects.toMatchObject({
        code: 'account-in-other-organization',
      });
      const inv = await store.inviteAccount({ organizationId: b.id, accountId: acct, on: '2019-01-03' });
      await expect(store.respondToInvitation(inv.id, 'accepted', '2019-01-04')).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      expect(await store.resolvePayer(acct)).toBe(a.managementAccountId);
    });
  });

  describe('Advance Pay (R-ADVANCE-PAY)', () => {
    const payer = () => String(200_000_000_000 + Math.floor(Math.random() * 700_000_000_000));
    const openInvoice = async (payerAccountId: string, membershipYear = 2019) => {
      const p = await registered();
      return (
        await store.createInvoice({
          partnerId: p.id,
          membershipYear,
          reason: 'renewal',
          amount: 2500,
          vatAmount: 0,
          payerAccountId,
          issuedOn: '2019-12-15',
          dueOn: '2020-03-14',
        })
      ).invoice;
    };

    test('funding is idempotent per key and kept as history', async () => {
      const acct = payer();
      await store.fundAdvancePay({
        key: `${acct}/f1`,
        payerAccountId: acct,
        amount: 1000,
        method: 'us-bank-transfer',
        on: '2019-01-01',
      });
      await store.fundAdvancePay({
        key: `${acct}/f1`,
        payerAccountId: acct,
        amount: 1000,
        method: 'us-bank-transfer',
        on: '2019-01-01',
      });
      const funded = await store.fundAdvancePay({
        key: `${acct}/f2`,
        payerAccountId: acct,
        amount: 500.5,
        method: 'eft',
        on: '2019-02-01',
      });
      expect(funded.balance).toBe(1500.5);
      expect(funded.fundings.map((f) => [f.amount, f.method, f.on])).toEqual([
        [1000, 'us-bank-transfer', '2019-01-01'],
        [500.5, 'eft', '2019-02-01'],
      ]);
      await expect(
        store.fundAdvancePay({ key: `${acct}/f1`, payerAccountId: acct, amount: 9, method: 'eft', on: '2019-01-01' }),
      ).rejects.toMatchObject({ code: 'funding-key-reused' });
    });

    test('a balance short of the whole invoice applies nothing', async () => {
      const acct = payer();
      await store.fundAdvancePay({
        key: `${acct}/f`,
        payerAccountId: acct,
        amount: 2499.99,
        method: 'eft',
        on: '2019-01-01',
      });
      const invoice = await openInvoice(acct);
      expect(await store.applyAdvancePay(acct, invoice.id, 2500, '2020-03-14')).toEqual({
        applied: false,
        reason: 'insufficient-balance',
        balance: 2499.99,
      });
      expect((await store.getAdvancePay(acct))?.balance).toBe(2499.99);
      expect((await store.getInvoice(invoice.id))?.status).toBe('open');
    });

    test('a payer without Advance Pay applies nothing', async () => {
      const acct = payer();
      const invoice = await openInvoice(acct);
      expect(await store.applyAdvancePay(acct, invoice.id, 2500, '2020-03-14')).toMatchObject({
        applied: false,
        reason: 'no-advance-pay',
      });
    });

    test('a covering balance pays the invoice once, however often it is retried', async () => {
      const acct = payer();
      await store.fundAdvancePay({
        key: `${acct}/f`,
        payerAccountId: acct,
        amount: 6000,
        method: 'us-bank-transfer',
        on: '2019-01-01',
      });
      const invoice = await openInvoice(acct);
      const results = await Promise.all(
        [1, 2, 3].map(() => store.applyAdvancePay(acct, invoice.id, 2500, '2020-03-14')),
      );
      expect(results.filter((r) => r.applied && !r.alreadyApplied)).toHaveLength(1);
      expect(results.every((r) => r.applied)).toBe(true);
      expect((await store.getAdvancePay(acct))?.balance).toBe(3500);
      expect(await store.getInvoice(invoice.id)).toMatchObject({
        status: 'paid',
        paidVia: 'advance-pay',
        paidOn: '2020-03-14',
      });
    });

    test('two invoices racing for a balance that covers one: exactly one is paid', async () => {
      const acct = payer();
      await store.fundAdvancePay({
        key: `${acct}/f`,
        payerAccountId: acct,
        amount: 3000,
        method: 'eft',
        on: '2019-01-01',
      });
      const [a, b] = [await openInvoice(acct), await openInvoice(acct)];
      const results = await Promise.all([a, b].map((i) => store.applyAdvancePay(acct, i.id, 2500, '2020-03-14')));
      expect(results.map((r) => r.applied).sort()).toEqual([false, true]);
      expect((await store.getAdvancePay(acct))?.balance).toBe(500);
    });

    test('an invoice already paid another way is not debited', async () => {
      const acct = payer();
      await store.fundAdvancePay({
        key: `${acct}/f`,
        payerAccountId: acct,
        amount: 3000,
        method: 'eft',
        on: '2019-01-01',
      });
      const invoice = await openInvoice(acct);
      await store.markInvoicePaid(invoice.id, { on: '2020-01-01' });
      expect(await store.applyAdvancePay(acct, invoice.id, 2500, '2020-03-14')).toMatchObject({
        applied: false,
        reason: 'invoice-not-open',
        balance: 3000,
      });
    });
  });

  describe('API idempotency keys', () => {
    test('the first response for a key wins and is recalled', async () => {
      const caller = uniqueId('caller');
      expect(await store.recallResponse(caller, 'k')).toBeUndefined();
      const first = await store.rememberResponse(caller, 'k', 'hash-1', 201, { id: 'acme' });
      const second = await store.rememberResponse(caller, 'k', 'hash-2', 409, { title: 'conflict' });
      expect(second).toEqual(first);
      expect(await store.recallResponse(caller, 'k')).toEqual({
        callerId: caller,
        key: 'k',
        requestHash: 'hash-1',
        status: 201,
        body: { id: 'acme' },
      });
      expect(await store.recallResponse(uniqueId('other'), 'k')).toBeUndefined();
    });
  });
});

describe('migrations', () => {
  test('PGlite data survives a restart and migrations are applied once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'apn-store-'));
    try {
      const dataDir = path.join(dir, 'pglite');
      const first = await createStore({ pglite: newPglite(dataDir) });
      await first.registerPartner(partnerInput({ id: 'durable' }));
      await first.close();
      const second = await createStore({ pglite: newPglite(dataDir) });
      expect((await second.getPartner('durable'))?.name).toBe('Acme Cloud');
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('PostgreSQL: processes starting together migrate once, without racing', async () => {
    const database = await createTestDatabase(await ensureTestPostgres());
    try {
      const stores = await Promise.all([1, 2, 3].map(() => createStore({ databaseUrl: database.url, poolSize: 2 })));
      await stores[0]!.registerPartner(partnerInput({ id: 'raced' }));
      expect((await stores[2]!.getPartner('raced'))?.id).toBe('raced');
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await database.drop();
    }
  });

  test('PostgreSQL unreachable: createStore fails instead of hanging', async () => {
    await expect(createStore({ databaseUrl: 'postgres://apn:apn@127.0.0.1:1/none', migrate: true })).rejects.toThrow();
  });
});
