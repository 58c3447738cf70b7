/**
 * The wording of reseller billing notifications (R-RESELLER, 002): invitation events for the partner and the customer
 * account, the consolidated bill for the partner, the partner's invoice for each customer. Pure: no I/O.
 */
type Payload = Record<string, unknown>;
type Template = (p: Payload, partnerName: string) => { subject: string; lines: string[] };

const str = (p: Payload, name: string): string => {
  const value = p[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '?';
};

const usd = (p: Payload, name: string): string => {
  const value = p[name];
  return typeof value === 'number' && Number.isFinite(value)
    ? `USD ${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
    : '?';
};

export const RESELLER_TEMPLATES: Record<string, Template> = {
  'invitation-invited': (p, name) => ({
    subject: `${name} invites AWS account ${str(p, 'accountId')} to its organization for reseller billing`,
    lines: [
      `${name} (organization ${str(p, 'organizationId')}) invites AWS account ${str(p, 'accountId')} to join its AWS`,
      'Organization: the partner then pays AWS for the account’s usage and invoices it; the account keeps control of',
      'its resources.',
      `Accept or decline it before ${str(p, 'expiresOn')} (Billing console → Payment preferences, or Organizations →`,
      `Invitations). Invitation ${str(p, 'invitationId')}.`,
    ],
  }),
  'invitation-accepted': (p, name) => ({
    subject: `AWS account ${str(p, 'accountId')} joined the organization of ${name}`,
    lines: [
      `AWS account ${str(p, 'accountId')} accepted invitation ${str(p, 'invitationId')} and joined organization ${str(p, 'organizationId')}.`,
      `Its billing view now reads: ${str(p, 'billingView')}. It no longer pays AWS directly.`,
    ],
  }),
  'invitation-declined': (p, name) => ({
    subject: `AWS account ${str(p, 'accountId')} declined the invitation of ${name}`,
    lines: [
      `AWS account ${str(p, 'accountId')} declined invitation ${str(p, 'invitationId')}; it stays billed by AWS.`,
    ],
  }),
  'invitation-expired': (p, name) => ({
    subject: `The invitation of ${name} to AWS account ${str(p, 'accountId')} expired`,
    lines: [
      `Invitation ${str(p, 'invitationId')} to organization ${str(p, 'organizationId')} was not answered within 15 days`,
      `and expired on ${str(p, 'expiresOn')}. The partner may invite the account again.`,
    ],
  }),
  'consolidated-bill-issued': (p, name) => ({
    subject: `AWS consolidated bill of ${str(p, 'month')} for ${name}: ${usd(p, 'total')}`,
    lines: [
      `AWS billed management account ${str(p, 'payerAccountId')} ${usd(p, 'total')} for the ${str(p, 'month')} usage of`,
      `the ${str(p, 'accounts')} accounts of organization ${str(p, 'organizationId')}. Once it is paid, each customer is`,
      'invoiced its share.',
    ],
  }),
  'reseller-invoice-issued': (p, name) => ({
    subject: `${name} invoices AWS account ${str(p, 'accountId')} ${usd(p, 'total')} for ${str(p, 'month')}`,
    lines: [
      `Your AWS usage of ${str(p, 'month')}: ${usd(p, 'usage')}. ${name} paid AWS for it (reseller billing) and`,
      `invoices you your share: ${usd(p, 'total')}. Pay ${name}, not AWS.`,
    ],
  }),
};
