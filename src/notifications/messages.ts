/**
 * What each notification kind says to a person: a subject and a plain-text body, from the notification's payload
 * and the partner it is about. Pure: no I/O. A kind without its own wording still gets a readable message listing
 * its details, so a new kind is never stuck in the outbox for want of a template.
 */
import type { Partner } from '../store';
import { RESELLER_TEMPLATES } from './reseller-messages';

export interface ComposedMessage {
  subject: string;
  text: string;
}

export interface MessageInput {
  key: string;
  kind: string;
  partnerId: string;
  on: string;
  payload: unknown;
}

type Payload = Record<string, unknown>;

const str = (p: Payload, name: string): string | undefined => {
  const value = p[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
};

const money = (p: Payload, name: string): string | undefined => {
  const value = p[name];
  return typeof value === 'number' && Number.isFinite(value)
    ? `USD ${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
    : undefined;
};

const list = (p: Payload, name: string): string[] => {
  const value = p[name];
  return Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) : [];
};

const TIER_NAMES: Record<string, string> = {
  registered: 'Registered',
  select: 'Select',
  advanced: 'Advanced',
  premier: 'Premier',
};
const tierName = (tier: string | undefined): string => (tier ? (TIER_NAMES[tier] ?? tier) : 'the next tier');

const bullets = (items: string[]): string[] => items.map((item) => `  - ${item}`);

type Template = (p: Payload, name: string) => { subject: string; lines: string[] };

const TEMPLATES: Record<string, Template> = {
  ...RESELLER_TEMPLATES,
  'fee-reminder': (p, name) => ({
    subject: `Reminder: APN Program fee of ${name} is unpaid (day ${str(p, 'day') ?? '?'} of 90)`,
    lines: [
      `The APN Program fee invoice ${str(p, 'invoiceId') ?? ''} of ${name} is still unpaid.`,
      `Amount due: ${money(p, 'total') ?? 'see the invoice'}. Pay it by ${str(p, 'deadline') ?? 'its deadline'}.`,
      '',
      'Unpaid after 90 days, the partner is at risk for downgrade and its Partner Manager decides whether it drops',
      'to Registered. Pay it from the AWS account the invoice is billed to: Billing and Cost Management console →',
      'Payments → select the invoice in "Payments due" → Complete payment → Verify and pay.',
    ],
  }),
  'fee-unpaid-case-opened': (p, name) => ({
    subject: `${name} is at risk for downgrade: APN Program fee unpaid after 90 days`,
    lines: [
      `The APN Program fee invoice ${str(p, 'invoiceId') ?? ''} of ${name} (${money(p, 'total') ?? 'amount on the invoice'}) was not paid within 90 days.`,
      `A fee-unpaid downgrade case ${str(p, 'caseId') ?? ''} is open for the Partner Manager to decide`,
      `(downgrade to Registered, or keep the tier with a reason)${str(p, 'decideBy') ? `; undecided by ${str(p, 'decideBy')} it goes to the program admins` : ''}.`,
      '',
      'Paying the invoice now still settles it and closes the case.',
    ],
  }),
  'fee-unpaid-case-escalated': (p, name) => ({
    subject: `Escalation: fee-unpaid case of ${name} is undecided`,
    lines: [
      `The fee-unpaid downgrade case ${str(p, 'caseId') ?? ''} of ${name}, opened on ${str(p, 'openedOn') ?? '?'} for invoice ${str(p, 'invoiceId') ?? '?'},`,
      'has not been decided by its Partner Manager. It is never decided by a timer: please see that it is decided',
      '(downgrade or keep with a reason).',
    ],
  }),
  'downgraded-fee-unpaid': (p, name) => ({
    subject: `${name} was downgraded to Registered: APN Program fee unpaid`,
    lines: [
      `${name} dropped to Registered because the APN Program fee was not paid (case ${str(p, 'caseId') ?? ''}).`,
      ...(str(p, 'reason') ? [`Partner Manager's reason: ${str(p, 'reason')}`] : []),
      'To regain the tier, apply for it again.',
    ],
  }),
  'downgrade-case-opened': (p, name) => ({
    subject: `${name} moved from ${tierName(str(p, 'from'))} to ${tierName(str(p, 'to'))} at its renewal review`,
    lines: [
      `At the annual compliance review ${name} did not meet the ${tierName(str(p, 'from'))} requirements and now is ${tierName(str(p, 'to'))} (case ${str(p, 'caseId') ?? ''}).`,
      ...(list(p, 'gaps').length > 0 ? ['', 'What was missing:', ...bullets(list(p, 'gaps'))] : []),
      '',
      'Within 30 days the Partner Manager may reinstate the tier when corrected evidence shows compliance as of the',
      'review date.',
    ],
  }),
  'fee-extension-granted': (p, name) => ({
    subject: `APN Program fee of ${name}: payment deadline extended to ${str(p, 'deadline') ?? '?'}`,
    lines: [
      `${str(p, 'by') ?? 'The Partner Manager'} extended the deadline of invoice ${str(p, 'invoiceId') ?? ''} of ${name} to ${str(p, 'deadline') ?? '?'}.`,
    ],
  }),
  'promo-credit-code': (p, name) => ({
    subject: `Your AWS Promotional Credit code for the APN Program fee of ${name}`,
    lines: [
      `Thank you: the APN Program fee of ${name} for membership year ${str(p, 'membershipYear') ?? ''} is paid.`,
      '',
      `Promotional credit code: ${str(p, 'code') ?? '(missing: contact your Partner Manager)'}`,
      '',
      'How to redeem it:',
      `  ${str(p, 'instructions') ?? 'Redeem it at https://aws.amazon.com/awscredits/ with the AWS account that will use the credits.'}`,
      'AWS Promotional Credit terms and conditions apply (see the AWS Credits page).',
    ],
  }),
  'advance-pay-insufficient': (p, name) => ({
    subject: `Advance Pay balance does not cover the APN Program fee of ${name}`,
    lines: [
      `Invoice ${str(p, 'invoiceId') ?? ''} of ${name} (${money(p, 'total') ?? '?'}) is due, but the Advance Pay balance is ${money(p, 'balance') ?? '?'}.`,
      'Advance Pay pays an invoice only when it covers all of it, so nothing was taken from the balance.',
      'Add funds (US bank transfer or EFT) or pay the invoice from the Billing and Cost Management console.',
    ],
  }),
  'advance-pay-funded': (p) => ({
    subject: `Advance Pay funded: ${money(p, 'amount') ?? '?'} received (${str(p, 'reference') ?? ''})`,
    lines: [
      `The transfer quoting ${str(p, 'reference') ?? '?'} (${str(p, 'method') ?? '?'}) added ${money(p, 'amount') ?? '?'} to the Advance Pay balance of account ${str(p, 'payerAccountId') ?? '?'}.`,
      `The balance is now ${money(p, 'balance') ?? '?'}; it pays each APN Program fee invoice of this account that it covers in full.`,
    ],
  }),
  'application-submitted': (p, name) => ({
    subject: `${name} applied for ${tierName(str(p, 'targetTier'))}`,
    lines: [
      `${str(p, 'by') ?? 'The Alliance Lead'} submitted application ${str(p, 'application') ?? ''} of ${name} for ${tierName(str(p, 'targetTier'))}.`,
    ],
  }),
  'ebr-scheduled': (p, name) => {
    const window = (p.window ?? {}) as Payload;
    return {
      subject: `${name}: Executive Business Review scheduled for window ${str(window, 'id') ?? '?'}`,
      lines: [
        `The Premier application ${str(p, 'application') ?? ''} of ${name} is ready for its Executive Business Review.`,
        `EBR window ${str(window, 'id') ?? '?'}: ${str(window, 'opensOn') ?? '?'} to ${str(window, 'closesOn') ?? '?'}. Record the outcome once it is held.`,
      ],
    };
  },
};

const APPLICATION_OUTCOMES: Record<string, string> = {
  approved: 'approved',
  rejected: 'rejected',
  lapsed: 'closed: requirements no longer maintained',
  ineligible: 'closed: not eligible on the decision day',
  withdrawn: 'withdrawn',
};

function applicationDecision(outcome: string): Template {
  return (p, name) => ({
    subject: `${name}: application for ${tierName(str(p, 'targetTier'))} ${APPLICATION_OUTCOMES[outcome] ?? outcome}`,
    lines: [
      `Application ${str(p, 'application') ?? ''} of ${name} for ${tierName(str(p, 'targetTier'))} was ${APPLICATION_OUTCOMES[outcome] ?? outcome}.`,
      ...(list(p, 'reasons').length > 0 ? ['', 'Reasons:', ...bullets(list(p, 'reasons'))] : []),
    ],
  });
}

function generic(kind: string): Template {
  return (p, name) => ({
    subject: `APN notification for ${name}: ${kind.replaceAll('-', ' ')}`,
    lines: [
      `Notification "${kind}" about ${name}.`,
      ...(Object.keys(p).length > 0
        ? ['', ...Object.entries(p).map(([k, v]) => `  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)]
        : []),
    ],
  });
}

function templateFor(kind: string): Template {
  const own = TEMPLATES[kind];
  if (own) return own;
  if (kind.startsWith('application-')) return applicationDecision(kind.slice('application-'.length));
  return generic(kind);
}

/** The subject and text of a notification, addressed about `partner` (its id when the partner is unknown). */
export function composeMessage(
  notification: MessageInput,
  partner: Pick<Partner, 'name'> | undefined,
): ComposedMessage {
  const payload =
    notification.payload !== null && typeof notification.payload === 'object' && !Array.isArray(notification.payload)
      ? (notification.payload as Payload)
      : {};
  const name = partner?.name ?? notification.partnerId;
  const { subject, lines } = templateFor(notification.kind)(payload, name);
  return {
    subject,
    text: [
      ...lines,
      '',
      '--',
      `APN tier lifecycle engine | partner ${notification.partnerId} | ${notification.on}`,
      `Reference: ${notification.key}`,
      '',
    ].join('\n'),
  };
}

/** Every kind with wording of its own (the rest use the generic message). */
export const KNOWN_KINDS = [
  ...Object.keys(TEMPLATES),
  ...Object.keys(APPLICATION_OUTCOMES).map((o) => `application-${o}`),
];
