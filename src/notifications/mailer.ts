/**
 * How composed mail leaves the engine: through SMTP (`SMTP_URL`, with nodemailer), or — the embedded default — as
 * one `.eml` file per message under `DATA_DIR/mail/` (mode 0600), which any mail client opens. Both build the same
 * RFC 5322 message with nodemailer, so what a file shows is what SMTP would have sent.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport, type SendMailOptions } from 'nodemailer';
import type { Logger } from 'pino';
import { securePrivateDir } from '../store';

export interface MailMessage {
  /** `<…@…>`: stable per notification, so a resend is recognisably the same message. */
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  headers: Record<string, string>;
}

export interface Mailer {
  /** `smtp` or `eml` (files), for the start-up log. */
  readonly kind: 'smtp' | 'eml';
  /** Resolves once the message is accepted (SMTP) or written (file); rejects otherwise. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** SMTP through nodemailer: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`. */
export function createSmtpMailer(smtpUrl: string): Mailer {
  const transport = createTransport(smtpUrl);
  // Failing fast is fine: a failed attempt is retried by the dispatcher with its backoff, so a hung server must not
  // hold a round (nodemailer's defaults wait minutes).
  const options = transport.options as { connectionTimeout?: number; greetingTimeout?: number; socketTimeout?: number };
  options.connectionTimeout ??= 15_000;
  options.greetingTimeout ??= 15_000;
  options.socketTimeout ??= 60_000;
  return {
    kind: 'smtp',
    async send(message) {
      const info = await transport.sendMail(toNodemailer(message));
      const rejected = info.rejected as unknown[];
      if (info.accepted.length === 0) {
        throw new Error(`SMTP server accepted no recipient (rejected: ${rejected.map(String).join(', ')})`);
      }
    },
    close: () => transport.close(),
  };
}

/** Writes each message to `<dir>/<date>-<kind>-<hash>.eml` (0600); a resend overwrites the same file. */
export function createEmlMailer(dir: string, log: Logger): Mailer {
  const composer = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let secured = false;
  return {
    kind: 'eml',
    async send(message) {
      if (!secured) {
        securePrivateDir(dir);
        secured = true;
      }
      const info = await composer.sendMail(toNodemailer(message));
      const file = join(dir, emlFileName(message));
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(file, info.message as Buffer, { mode: 0o600 });
      log.info({ file, to: message.to, subject: message.subject }, 'mail written to file (no SMTP_URL)');
    },
    close: () => composer.close(),
  };
}

function emlFileName(message: MailMessage): string {
  const kind = (message.headers['X-APN-Notification-Kind'] ?? 'notification').replace(/[^a-z0-9-]/gi, '_');
  const hash = createHash('sha256').update(message.messageId).digest('hex').slice(0, 16);
  return `${kind}-${hash}.eml`;
}

function toNodemailer(message: MailMessage): SendMailOptions {
  return {
    messageId: message.messageId,
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    headers: message.headers,
  };
}
