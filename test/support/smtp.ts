/**
 * A real SMTP server in the test process (the `smtp-server` package, the server half of nodemailer's project) on a
 * free port: it keeps every message it accepts, parsed, and can be told to refuse (451) until told otherwise.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  messageId: string | undefined;
  subject: string | undefined;
  to: string[];
  from: string | undefined;
  text: string;
  headers: Map<string, unknown>;
  raw: string;
}

export interface TestSmtpServer {
  url: string;
  received: ReceivedMail[];
  /** While true, every message is refused with 451 (a temporary failure). */
  refusing: boolean;
  close(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const handle: TestSmtpServer = {
    url: '',
    received,
    refusing: false,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (handle.refusing) {
          const refusal = Object.assign(new Error('mailbox busy, try again later'), { responseCode: 451 });
          callback(refusal);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((mail) => {
            const to = mail.to ? (Array.isArray(mail.to) ? mail.to : [mail.to]) : [];
            received.push({
              messageId: mail.messageId,
              subject: mail.subject,
              to: to.flatMap((a) => a.value.map((v) => v.address ?? '')),
              from: mail.from?.text,
              text: mail.text ?? '',
              headers: mail.headers,
              raw,
            });
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ready());
  });
  const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  handle.url = `smtp://127.0.0.1:${String(port)}`;
  return handle;
}
