/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The outbox dispatcher against a real SMTP server in this process and a real store (PGlite and PostgreSQL): sent
 * once; after a crash between sending and marking, sent again under the same Message-ID; failures retried with
 * backoff, then a dead letter the program admins' API lists and can send back; the `.eml` default without SMTP_URL.
 * The dispatcher's clock is the test's, so leases and backoffs are crossed without waiting.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { simpleParser } from 'mailparser';
import pino from 'pino';
import type { Response } from 'supertest';
import type { Express } from 'express';
import { loadConfig } from '../../src/config';
import {
  createDispatcher,
  createSmtpMailer,
  messageIdFor,
  OutboxDispatcher,
  type DispatcherOptions,
} from '../../src/notifications';
import type { Store } from '../../src/store';
import { createOfflineApp, request } from '../api/harness';
import { drivers, openTestStore, partnerInput, uniqueId } from '../store/pg';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { expectProblem } from '../support/problem';

const FROM = 'APN Tier Engine <apn-engine@engine.example>';
const silent = pino({ level: 'silent' });

describe.each(drivers)('outbox dispatcher on %s', (driver) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let smtp: TestSmtpServer;
  let clock: number;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(driver));
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp?.close();
    await dispose?.();
  });
  beforeEach(() => {
    smtp.received.length = 0;
    smtp.refusing = false;
    clock = Date.parse('2030-01-01T00:00:00Z') + Math.floor(Math.random() * 1e9);
  });

  /** A dispatcher on the test clock; SMTP unless said otherwise. */
  function dispatcher(overrides: Partial<DispatcherOptions> = {}): OutboxDispatcher {
    return new OutboxDispatcher({
      store,
      mailer: createSmtpMailer(smtp.url),
      log: silent,
      from: FROM,
      recipientDomain: 'partners.example',
      intervalMs: 1_000,
      maxAttempts: 3,
      retryBaseMs: 1_000,
      leaseMs: 60_000,
      now: () => new Date(clock),
      ...overrides,
    });
  }

  /** A partner with its own notifications, so tests of one store never see each other's. */
  async function partnerWith(kinds: { kind: string; recipient: string; payload: Record<string, unknown> }[]) {
    const { partner } = await store.registerPartner(
      partnerInput({ name: 'Acme Cloud', allianceLeadId: 'lead@acme.example', partnerManagerIds: ['pm-7', 'pm-8'] }),
    );
    const keys: string[] = [];
    for (const [i, n] of kinds.entries()) {
      const key = `partner/${partner.id}/inv-1#${n.kind}#${i}`;
      await store.enqueueNotification({ key, partnerId: partner.id, on: '2019-12-15', ...n });
      keys.push(key);
    }
    return { partner, keys };
  }

  /** Only this test's mail: rounds also pick up what other tests of the suite left pending. */
  const mailFor = (keys: string[]) =>
    smtp.received.filter((m) => keys.some((k) => m.messageId === messageIdFor(k, FROM)));

  test('sends each pending notification once, worded for a person, with a Message-ID derived from its key', async () => {
    const { keys } = await partnerWith([
      {
        kind: 'fee-reminder',
        recipient: 'alliance-lead',
        payload: { invoiceId: 'inv-1', day: 30, deadline: '2020-03-14', total: 2500 },
      },
      {
        kind: 'promo-credit-code',
        recipient: 'alliance-lead:lead@acme.example',
        payload: { code: 'APN-ABC123', membershipYear: '2019', instructions: 'Redeem at https://aws.example/credits.' },
      },
      { kind: 'fee-unpaid-case-opened', recipient: 'partner-manager', payload: { caseId: 'c-1', total: 2500 } },
    ]);
    const d = dispatcher();
    const first = await d.runOnce();
    expect(first.sent).toBeGreaterThanOrEqual(3);
    const mail = mailFor(keys);
    expect(mail).toHaveLength(3);
    const [reminder, promo, caseOpened] = keys.map((k) => mail.find((m) => m.messageId === messageIdFor(k, FROM))!);
    expect(reminder).toMatchObject({
      subject: 'Reminder: APN Program fee of Acme Cloud is unpaid (day 30 of 90)',
      to: ['lead@acme.example'],
    });
    expect(reminder!.text).toContain('Amount due: USD 2,500.00. Pay it by 2020-03-14.');
    expect(promo!.subject).toBe('Your AWS Promotional Credit code for the APN Program fee of Acme Cloud');
    expect(promo!.text).toContain('Promotional credit code: APN-ABC123');
    expect(promo!.text).toContain('Redeem at https://aws.example/credits.');
    expect(caseOpened!.to.sort()).toEqual(['pm-7@partners.example', 'pm-8@partners.example']);
    expect(reminder!.messageId).toMatch(/^<apn\.[0-9a-f]{32}@engine\.example>$/);
    expect(reminder!.headers.get('x-apn-notification-key')).toBe(keys[0]);

    const second = await d.runOnce();
    expect(second.sent).toBe(0);
    expect(mailFor(keys)).toHaveLength(3);
    for (const key of keys) {
      expect(await store.outbox.get(key)).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
    }
  });

  test('a dispatcher that dies between sending and marking: the message goes again, same Message-ID, once', async () => {
    const { keys } = await partnerWith([
      { kind: 'fee-unpaid-case-escalated', recipient: 'program-admin', payload: { caseId: 'c-9' } },
    ]);
    const key = keys[0]!;
    // The crash: the mail went out, then marking it sent never happens.
    const crashing = new Proxy(store, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (name !== 'outbox') return value;
        return new Proxy(target.outbox, {
          get(outbox, method, r) {
            if (method === 'markSent') return () => Promise.reject(new Error('process killed'));
            const member: unknown = Reflect.get(outbox, method, r);
            return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).bind(outbox) : member;
          },
        });
      },
    });
    await expect(dispatcher({ store: crashing, leaseMs: 60_000 }).runOnce()).rejects.toThrow('process killed');
    expect(mailFor(keys)).toHaveLength(1);
    expect(await store.outbox.get(key)).toMatchObject({ status: 'pending', attempts: 1 });

    // Another dispatcher (the restarted process) leaves it alone while the dead one's lease runs…
    clock += 59_000;
    await dispatcher().runOnce();
    expect(mailFor(keys)).toHaveLength(1);
    // …and sends it again once the lease is over: the same message, recognisably.
    clock += 1_000;
    await dispatcher().runOnce();
    const mail = mailFor(keys);
    expect(mail).toHaveLength(2);
    expect(mail[1]!.messageId).toBe(mail[0]!.messageId);
    expect(mail[1]!.subject).toBe(mail[0]!.subject);
    expect(mail[0]!.to).toEqual(['program-admins@partners.example']);
    expect(await store.outbox.get(key)).toMatchObject({ status: 'sent', attempts: 2 });
    clock += 3_600_000;
    await dispatcher().runOnce();
    expect(mailFor(keys)).toHaveLength(2);
  });

  test('a refused message is retried with a doubling backoff, then dead; the API lists it and a retry sends it', async () => {
    const { keys } = await partnerWith([
      { kind: 'advance-pay-insufficient', recipient: 'payer:111111111111', payload: { total: 2500, balance: 100 } },
    ]);
    const key = keys[0]!;
    const d = dispatcher({ maxAttempts: 3, retryBaseMs: 1_000 });
    smtp.refusing = true;
    const t0 = clock;

    await d.runOnce();
    expect(await store.outbox.get(key)).toMatchObject({
      status: 'pending',
      attempts: 1,
      nextAttemptAt: new Date(t0 + 1_000).toISOString(),
      lastError: expect.stringContaining('451') as unknown,
    });
    clock = t0 + 999; // still backing off
    await d.runOnce();
    expect(await store.outbox.get(key)).toMatchObject({ attempts: 1 });
    clock = t0 + 1_000;
    await d.runOnce();
    expect(await store.outbox.get(key)).toMatchObject({
      status: 'pending',
      attempts: 2,
      nextAttemptAt: new Date(t0 + 3_000).toISOString(),
    });
    clock = t0 + 3_000;
    await d.runOnce();
    expect(await store.outbox.get(key)).toMatchObject({ status: 'dead', attempts: 3, nextAttemptAt: null });
    clock += 86_400_000; // dead letters wait for a person, however long
    await d.runOnce();
    expect(await store.outbox.get(key)).toMatchObject({ status: 'dead', attempts: 3 });
    expect(mailFor(keys)).toHaveLength(0);

    const { app, connection, auth } = await createOfflineApp(store);
    try {
      const get = async (url: string, role: 'program-admin' | 'partner-manager' = 'program-admin') =>
        request(app)
          .get(url)
          .set('Authorization', await auth(role));
      const dead = await get('/v1/outbox/dead-letters');
      expect(dead.status).toBe(200);
      expect((dead.body as { items: { key: string }[] }).items).toContainEqual(
        expect.objectContaining({ key, status: 'dead', attempts: 3, lastError: expect.stringContaining('451') }),
      );
      const all = await get('/v1/outbox?status=dead&limit=500');
      expect((all.body as { items: { key: string }[] }).items.map((i) => i.key)).toContain(key);
      expectProblem(await get('/v1/outbox/dead-letters', 'partner-manager'), 403);

      smtp.refusing = false;
      const retried = await retry(app, auth, key);
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ key, status: 'pending', attempts: 0 });
      await d.runOnce();
      expect(mailFor(keys)).toHaveLength(1);
      expect(mailFor(keys)[0]!.to).toEqual(['aws-account-111111111111@partners.example']);
      expect(await store.outbox.get(key)).toMatchObject({ status: 'sent', attempts: 1 });

      expectProblem(await retry(app, auth, key), 409, /is sent, not a dead letter/);
      expectProblem(await retry(app, auth, 'no-such-notification'), 404);
    } finally {
      await connection.close();
    }
  });

  if (driver === 'postgres') {
    test('two dispatchers at once never send one notification twice', async () => {
      const { keys } = await partnerWith(
        Array.from({ length: 24 }, (_, i) => ({
          kind: 'fee-reminder',
          recipient: 'alliance-lead',
          payload: { day: i },
        })),
      );
      const a = dispatcher({ batchSize: 5 });
      const b = dispatcher({ batchSize: 5 });
      for (let round = 0; round < 10; round++) await Promise.all([a.runOnce(), b.runOnce()]);
      const ids = mailFor(keys).map((m) => m.messageId);
      expect(ids).toHaveLength(24);
      expect(new Set(ids).size).toBe(24);
    });
  }
});

async function retry(app: Express, auth: (role: 'program-admin') => Promise<string>, key: string): Promise<Response> {
  return request(app)
    .post(`/v1/outbox/${encodeURIComponent(key)}/retry`)
    .set('Authorization', await auth('program-admin'));
}

describe('without SMTP_URL (the embedded default)', () => {
  let store: Store;
  let dispose: () => Promise<void>;
  let dataDir: string;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore('pglite'));
    dataDir = mkdtempSync(join(tmpdir(), 'apn-mail-'));
  });
  afterAll(async () => {
    await dispose?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('each message is written as an .eml file under DATA_DIR/mail/ (0600) with one log line', async () => {
    const { partner } = await store.registerPartner(partnerInput({ id: uniqueId('eml'), name: 'Eml Partners' }));
    const key = `partner/${partner.id}#promo`;
    await store.enqueueNotification({
      key,
      partnerId: partner.id,
      kind: 'promo-credit-code',
      recipient: 'alliance-lead',
      on: '2019-12-20',
      payload: { code: 'APN-EML1', membershipYear: '2019' },
    });
    const lines: string[] = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const config = loadConfig({ DATA_DIR: dataDir, MAIL_FROM: FROM });
    expect(config.SMTP_URL).toBeUndefined();
    const { dispatcher, mailer } = createDispatcher(config, { store, log, dataDir });
    expect(mailer.kind).toBe('eml');
    try {
      expect(await dispatcher.runOnce()).toEqual({ sent: 1, failed: 0, dead: 0 });
    } finally {
      mailer.close();
    }
    const dir = join(dataDir, 'mail');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const file = join(dir, files[0]!);
    expect(files[0]).toMatch(/^promo-credit-code-[0-9a-f]{16}\.eml$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const eml = await simpleParser(readFileSync(file));
    expect(eml.messageId).toBe(messageIdFor(key, FROM));
    expect(eml.subject).toBe('Your AWS Promotional Credit code for the APN Program fee of Eml Partners');
    expect(eml.text).toContain('Promotional credit code: APN-EML1');
    expect(eml.text).toContain('Redeem it at https://aws.amazon.com/awscredits/');
    expect(eml.headers.get('to')).toMatchObject({ text: 'lead-1@localhost' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: expect.stringContaining('mail written') as unknown, file });
    expect(await store.outbox.get(key)).toMatchObject({ status: 'sent' });
  });
});
