/** R-RESELLER: the wording of invitation events, the consolidated bill and the partner's invoice to a customer. */
import { composeMessage } from '../../src/notifications';

const message = (kind: string, payload: Record<string, unknown>) =>
  composeMessage({ key: `k#${kind}`, kind, partnerId: 'resale', on: '2019-10-02', payload }, { name: 'Cloud Resale' });

const invitation = { invitationId: 7, organizationId: 'o-resale', accountId: '444455556666', expiresOn: '2019-10-17' };

test.each(['invited', 'accepted', 'declined', 'expired'])(
  'invitation-%s has wording of its own naming the partner and the account',
  (event) => {
    const { subject, text } = message(`invitation-${event}`, {
      ...invitation,
      billingView: 'Reseller Billing by Partner (Consolidated Billing)',
    });
    expect(subject).not.toMatch(/^APN notification for/);
    expect(`${subject}\n${text}`).toContain('Cloud Resale');
    expect(`${subject}\n${text}`).toContain('444455556666');
    expect(`${subject}\n${text}`).not.toMatch(/undefined|\?|\[object/);
  },
);

test('an invitation tells the customer until when it can answer; acceptance names the billing view', () => {
  expect(message('invitation-invited', invitation).text).toContain('before 2019-10-17');
  expect(
    message('invitation-accepted', { ...invitation, billingView: 'Reseller Billing by Partner (Consolidated Billing)' })
      .text,
  ).toContain('Reseller Billing by Partner (Consolidated Billing)');
});

test("the customer's invoice says what it used, what it owes the partner, and that it pays the partner, not AWS", () => {
  const { subject, text } = message('reseller-invoice-issued', {
    organizationId: 'o-resale',
    month: '2019-09',
    accountId: '444455556666',
    usage: 1000.03,
    total: 970.03,
  });
  expect(subject).toBe('Cloud Resale invoices AWS account 444455556666 USD 970.03 for 2019-09');
  expect(text).toContain('USD 1,000.03');
  expect(text).toContain('Pay Cloud Resale, not AWS.');
});
