/**
 * The outbox dispatcher: every `intervalMs` it claims the due notifications, composes each as an email and hands it
 * to the mailer, then marks it sent. A failure waits `retryBaseMs · 2^(attempt-1)` (at most `retryMaxMs`) before
 * the next attempt; after `maxAttempts` the notification is a dead letter, listed for program admins, who may send it
 * back (POST /v1/outbox/{key}/retry).
 *
 * Delivery is at least once: a dispatcher that dies after the mailer accepted a message but before it was marked
 * sent leaves the claim to run out, and the message goes again — with the same Message-ID, derived from the
 * notification key, so mail clients and people see the same message twice rather than two messages.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { OutboxEntry, Partner, Store } from '../store';
import type { Mailer, MailMessage } from './mailer';
import { composeMessage } from './messages';

export interface DispatcherOptions {
  store: Store;
  mailer: Mailer;
  log: Logger;
  /** `From:` of every message, e.g. `APN Tier Engine <apn-engine@example.com>`. */
  from: string;
  /** Domain of the addresses made from user ids that are not email addresses (`pm-7` → `pm-7@<domain>`). */
  recipientDomain: string;
  /** Pause between rounds. */
  intervalMs: number;
  /** Attempts before a notification becomes a dead letter. */
  maxAttempts: number;
  /** First retry delay (default: `intervalMs`); doubles per attempt up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long a claim is held before another round may take it again (must outlast one send). */
  leaseMs?: number;
  /** Notifications per round. */
  batchSize?: number;
  now?: () => Date;
}

export interface RoundResult {
  sent: number;
  failed: number;
  dead: number;
}

const DEFAULT_RETRY_MAX_MS = 3_600_000;
const DEFAULT_LEASE_MS = 5 * 60_000;
const DEFAULT_BATCH = 50;

/** `<hash@domain>` of a notification key: the same key always gives the same Message-ID. */
export function messageIdFor(key: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'apn-tier-engine.invalid';
  return `<apn.${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`;
}

const PROGRAM_ADMINS = 'program-admins';

function addressOf(userId: string, domain: string): string {
  if (/^[^\s@<>]+@[^\s@<>]+$/.test(userId)) return userId;
  const local = userId.replace(/[^A-Za-z0-9._+-]/g, '-').replace(/^[.-]+|[.-]+$/g, '') || 'user';
  return `${local}@${domain}`;
}

/**
 * The addresses behind a notification's recipient: the partner's Alliance Lead or Partner Managers, a named user
 * (`alliance-lead:<id>`), the program admins, or an AWS payer account's billing contact (`payer:<account>`). A role
 * nobody holds goes to the program admins, so nothing is silently dropped.
 */
export function recipientAddresses(recipient: string, partner: Partner | undefined, domain: string): string[] {
  const [role, id] = recipient.split(':', 2) as [string, string | undefined];
  let users: string[] = [];
  if (id) users = role === 'payer' ? [`aws-account-${id}`] : [id];
  else if (role === 'alliance-lead' && partner) users = [partner.allianceLeadId];
  else if (role === 'partner-manager' && partner) users = partner.partnerManagerIds;
  if (users.length === 0) users = [PROGRAM_ADMINS];
  return [...new Set(users.map((u) => addressOf(u, domain)))];
}

export class OutboxDispatcher {
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<unknown> | undefined;
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {
    this.retryBaseMs = options.retryBaseMs ?? options.intervalMs;
    this.retryMaxMs = options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH;
    this.now = options.now ?? (() => new Date());
  }

  /** Runs rounds every `intervalMs` until `stop()`; a failed round is logged and the next one runs as usual. */
  start(): void {
    this.stopped = false;
    const tick = () => {
      this.round = this.runOnce()
        .catch((err: unknown) => this.options.log.warn({ err }, 'outbox round failed; next round retries'))
        .finally(() => {
          this.round = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    tick();
  }

  /** Stops the rounds; resolves once the round in flight (if any) is over. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
  }

  /** One round: claims what is due and tries each once. */
  async runOnce(): Promise<RoundResult> {
    const { store } = this.options;
    const claimed = await store.outbox.claimDue(this.now(), { limit: this.batchSize, leaseMs: this.leaseMs });
    const result: RoundResult = { sent: 0, failed: 0, dead: 0 };
    const partners = new Map<string, Promise<Partner | undefined>>();
    for (const entry of claimed) {
      if (this.stopped && entry !== claimed[0]) break;
      try {
        let partner = partners.get(entry.partnerId);
        if (!partner) {
          partner = store.getPartner(entry.partnerId);
          partners.set(entry.partnerId, partner);
        }
        await this.options.mailer.send(this.messageFor(entry, await partner));
      } catch (err) {
        const dead = await this.failed(entry, err);
        result.failed += 1;
        if (dead) result.dead += 1;
        continue;
      }
      // Sent: an error marking it leaves the claim to run out and the message to go again, same Message-ID.
      await store.outbox.markSent(entry.key, this.now());
      result.sent += 1;
    }
    return result;
  }

  /** The email of a notification. */
  messageFor(entry: OutboxEntry, partner: Partner | undefined): MailMessage {
    const { subject, text } = composeMessage(entry, partner);
    return {
      messageId: messageIdFor(entry.key, this.options.from),
      from: this.options.from,
      to: recipientAddresses(entry.recipient, partner, this.options.recipientDomain),
      subject,
      text,
      headers: {
        'X-APN-Notification-Key': entry.key,
        'X-APN-Notification-Kind': entry.kind,
        'X-APN-Partner': entry.partnerId,
      },
    };
  }

  private async failed(entry: OutboxEntry, err: unknown): Promise<boolean> {
    const error = err instanceof Error ? err.message : String(err);
    const delay = Math.min(this.retryBaseMs * 2 ** Math.max(0, entry.attempts - 1), this.retryMaxMs);
    const { dead } = await this.options.store.outbox.recordFailure(entry.key, {
      error,
      retryAt: new Date(this.now().getTime() + delay),
      maxAttempts: this.options.maxAttempts,
    });
    const fields = { key: entry.key, kind: entry.kind, attempt: entry.attempts, error };
    if (dead) this.options.log.error(fields, 'notification is a dead letter: every attempt failed');
    else this.options.log.warn({ ...fields, retryInMs: delay }, 'notification not sent; will retry');
    return dead;
  }
}
