/**
 * Every notification kind the engine queues has wording of its own (found in the sources, so a new kind without it
 * fails here), and the wording carries what the recipient needs: amounts, dates, the promo code and how to redeem it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeMessage } from '../../src/notifications';

const root = join(__dirname, '..', '..', 'src');

/** `kind` of every notification queued: by the workflows' machines (src/domain), the workflows and the activities. */
function queuedKinds(): string[] {
  const kinds = new Set<string>();
  for (const dir of ['domain', 'workflows', 'activities']) {
    const files = readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    for (const file of files) {
      const source = readFileSync(join(root, dir, file), 'utf8');
      for (const call of source.matchAll(
        /(?:notify\(|enqueueNotification\(|call\('notify', )\{([\s\S]{0,1000}?)\}\);/g,
      )) {
        const kind = /kind: '([a-z-]+)'/.exec(call[1] ?? '')?.[1];
        if (kind) kinds.add(kind);
        // upgrade-application.ts: `application-${outcome}` for every way an application closes.
        if (/kind: `application-\$\{outcome\}`/.test(call[1] ?? '')) {
          for (const o of ['approved', 'rejected', 'lapsed', 'ineligible', 'withdrawn']) kinds.add(`application-${o}`);
        }
      }
      // The application machine's notify(ctx, key, kind, recipient, …).
      for (const call of source.matchAll(/notify\(ctx, [^,]+, (?:'([a-z-]+)'|(`application-\$\{outcome\}`))/g)) {
        if (call[1]) kinds.add(call[1]);
        if (call[2])
          for (const o of ['approved', 'rejected', 'lapsed', 'ineligible', 'withdrawn']) kinds.add(`application-${o}`);
      }
    }
  }
  return [...kinds].sort();
}

const message = (kind: string, payload: Record<string, unknown> = {}) =>
  composeMessage({ key: `k#${kind}`, kind, partnerId: 'acme', on: '2019-12-15', payload }, { name: 'Acme Cloud' });

describe('notification wording', () => {
  const kinds = queuedKinds();

  test('the sources queue the kinds this suite knows about (the scan works)', () => {
    expect(kinds).toEqual(
      expect.arrayContaining([
        'fee-reminder',
        'fee-unpaid-case-opened',
        'fee-unpaid-case-escalated',
        'promo-credit-code',
        'advance-pay-insufficient',
        'application-approved',
      ]),
    );
  });

  test.each(kinds)('%s has a subject and body of its own, naming the partner', (kind) => {
    const { subject, text } = message(kind);
    expect(subject).not.toMatch(/^APN notification for/);
    expect(subject).not.toMatch(/undefined|\[object/);
    expect(text).not.toMatch(/undefined|\[object/);
    expect(`${subject}\n${text}`).toContain('Acme Cloud');
    expect(text).toContain(`Reference: k#${kind}`);
  });

  test('R-PAID: the promo credit code mail carries the code and the redemption instructions', () => {
    const { text } = message('promo-credit-code', {
      code: 'APN-1234',
      membershipYear: '2019',
      instructions: 'Redeem at https://aws.amazon.com/awscredits/ with the AWS account that will use the credits.',
    });
    expect(text).toContain('Promotional credit code: APN-1234');
    expect(text).toContain('Redeem at https://aws.amazon.com/awscredits/');
  });

  test('R-GRACE: a reminder says how much, by when, and what happens after day 90', () => {
    const { subject, text } = message('fee-reminder', { day: 60, deadline: '2020-03-14', total: 2625.5 });
    expect(subject).toContain('day 60 of 90');
    expect(text).toContain('USD 2,625.50');
    expect(text).toContain('2020-03-14');
    expect(text).toContain('at risk for downgrade');
  });

  test('a kind without wording of its own still reads as a message listing its details', () => {
    const { subject, text } = message('something-new', { invoiceId: 'inv-9' });
    expect(subject).toBe('APN notification for Acme Cloud: something new');
    expect(text).toContain('invoiceId: inv-9');
  });
});
