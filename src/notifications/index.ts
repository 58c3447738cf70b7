/** Notifications leave the outbox: the dispatcher, its mailers (SMTP or .eml files) and the message wording. */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { durationMs, type Config } from '../config';
import type { Store } from '../store';
import { OutboxDispatcher } from './dispatcher';
import { createEmlMailer, createSmtpMailer, type Mailer } from './mailer';

export { OutboxDispatcher, messageIdFor, recipientAddresses, type DispatcherOptions } from './dispatcher';
export { createEmlMailer, createSmtpMailer, type Mailer, type MailMessage } from './mailer';
export { composeMessage, KNOWN_KINDS } from './messages';

/** The dispatcher as configured: SMTP_URL, else .eml files under `<dataDir>/mail`. */
export function createDispatcher(
  config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'MAIL_RECIPIENT_DOMAIN' | 'OUTBOX_INTERVAL' | 'OUTBOX_MAX_ATTEMPTS'>,
  deps: { store: Store; log: Logger; dataDir: string },
): { dispatcher: OutboxDispatcher; mailer: Mailer } {
  const mailer = config.SMTP_URL
    ? createSmtpMailer(config.SMTP_URL)
    : createEmlMailer(join(deps.dataDir, 'mail'), deps.log);
  const dispatcher = new OutboxDispatcher({
    store: deps.store,
    mailer,
    log: deps.log,
    from: config.MAIL_FROM,
    recipientDomain: config.MAIL_RECIPIENT_DOMAIN,
    intervalMs: durationMs(config.OUTBOX_INTERVAL),
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
  });
  return { dispatcher, mailer };
}
