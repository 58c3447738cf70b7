/**
 * `apn payments …` and `apn advance-pay …`: paying the program fee and funding Advance Pay (R-PAID, R-ADVANCE-PAY)
 * through a running engine's HTTP API. The request bodies are checked with the API's own zod schemas before
 * anything is sent; the answer is printed as JSON on stdout. Exit codes: 0; 2 for input refused (here or by the API
 * as 400/422, every problem on stderr); 1 for any other refusal (403, 404, 409…) or an unreachable API.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { z } from 'zod';
import { FundingDocumentBody, TransferBody } from '../../api/billing-schemas';
import { InvoicePaymentBody, PaymentOutcomeBody } from '../../api/payment-schemas';
import { AccountIdSchema, parseWith } from '../../domain/evidence';
import { EXIT_INVALID_INPUT } from './scorecard';

const EXIT_REFUSED = 1;

interface ApiOptions {
  api: string;
  token?: string;
  idempotencyKey?: string;
  /** Print only this top-level field of the answer (for shell variables). */
  print?: string;
}

const apiOptions = (command: Command): Command =>
  command
    .option('--api <url>', 'the engine’s /v1 base URL (default: $APN_API, else http://127.0.0.1:3000/v1)')
    .option('--token <jwt>', 'bearer token (default: $APN_TOKEN)')
    .option('--print <field>', 'print only this field of the answer, e.g. id or reference');

function baseUrl(opts: { api?: string }): string {
  return (opts.api ?? process.env.APN_API ?? 'http://127.0.0.1:3000/v1').replace(/\/+$/, '');
}

function fail(code: number, lines: string[]): void {
  for (const line of lines) process.stderr.write(`${line}\n`);
  process.exitCode = code;
}

/** Checks `body` with the API's schema: the parsed value, or undefined after listing every problem (exit 2). */
function checked<S extends z.ZodType>(schema: S, body: unknown): z.output<S> | undefined {
  const parsed = parseWith(schema, body);
  if (parsed.ok) return parsed.value;
  fail(
    EXIT_INVALID_INPUT,
    parsed.issues.map((i) => `${i.path}: ${i.message}`),
  );
  return undefined;
}

function checkedAccount(accountId: string): string | undefined {
  const parsed = parseWith(AccountIdSchema, accountId);
  if (parsed.ok) return parsed.value;
  fail(EXIT_INVALID_INPUT, [`accountId: ${parsed.issues[0]?.message ?? 'invalid'}`]);
  return undefined;
}

const money = (value: string): number => (/^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN);

/** Sends one request; prints the JSON answer, or the problem with the exit code its status means. */
async function call(opts: ApiOptions & { api?: string }, method: 'GET' | 'POST', path: string, body?: unknown) {
  const token = opts.token ?? process.env.APN_TOKEN;
  if (!token) {
    fail(EXIT_INVALID_INPUT, ['--token: send a bearer token (or set APN_TOKEN; `npx apn token --role …` mints one)']);
    return;
  }
  let res: Response;
  try {
    res = await fetch(`${baseUrl(opts)}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(method === 'POST' ? { 'Idempotency-Key': opts.idempotencyKey ?? randomUUID() } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    fail(EXIT_REFUSED, [`${baseUrl(opts)}: ${(err as Error).message}`]);
    return;
  }
  const text = await res.text();
  if (res.ok) {
    const answer = JSON.parse(text) as Record<string, unknown>;
    const value = opts.print === undefined ? answer : answer[opts.print];
    process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
    return;
  }
  let problem: { detail?: string; errors?: { path: string; message: string }[] } = {};
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    problem = { detail: text };
  }
  const lines = problem.errors?.length
    ? problem.errors.map((e) => `${e.path}: ${e.message}`)
    : [`${res.status}: ${problem.detail ?? res.statusText}`];
  fail(res.status === 400 || res.status === 422 ? EXIT_INVALID_INPUT : EXIT_REFUSED, lines);
}

/** Registers `payments` and `advance-pay`. */
export function registerBilling(program: Command): void {
  const payments = program
    .command('payments')
    .description('Pay a fee invoice from its payer account, record the bank’s outcome, list payments (R-PAID)');

  apiOptions(
    payments
      .command('pay')
      .description('Pay a named invoice in full with one of the payer’s eligible methods (pending until processed)')
      .requiredOption('--partner <partnerId>', 'the partner whose invoice it is')
      .requiredOption('--invoice <invoiceId>', 'the invoice, e.g. acme/invoice/2019')
      .requiredOption('--payer <accountId>', 'the payer account the invoice is billed to')
      .requiredOption('--amount <usd>', 'the invoice total (fee plus tax)')
      .requiredOption('--method <method>', 'card, bank-account, sepa-direct-debit or india-net-banking')
      .option('--idempotency-key <key>', 'the same key makes a retry return the first answer'),
  ).action(
    async (o: ApiOptions & { partner: string; invoice: string; payer: string; amount: string; method: string }) => {
      const body = checked(InvoicePaymentBody, {
        invoiceId: o.invoice,
        payerAccountId: o.payer,
        amount: money(o.amount),
        method: o.method,
      });
      if (body) await call(o, 'POST', `/partners/${encodeURIComponent(o.partner)}/payments`, body);
    },
  );

  apiOptions(
    payments
      .command('process')
      .description('Record the bank’s answer for a pending payment: succeeded settles the invoice (program admins)')
      .argument('<paymentId>', 'the payment, e.g. PAY-7K3M9Q2X4W8R')
      .requiredOption('--outcome <outcome>', 'succeeded or failed')
      .option('--reason <text>', 'why it failed'),
  ).action(async (paymentId: string, o: ApiOptions & { outcome: string; reason?: string }) => {
    const body = checked(PaymentOutcomeBody, { outcome: o.outcome, ...(o.reason ? { reason: o.reason } : {}) });
    if (body) await call(o, 'POST', `/payments/${encodeURIComponent(paymentId)}/processing`, body);
  });

  apiOptions(
    payments
      .command('list')
      .description('List a partner’s payments')
      .requiredOption('--partner <partnerId>', 'the partner'),
  ).action(async (o: ApiOptions & { partner: string }) => {
    await call(o, 'GET', `/partners/${encodeURIComponent(o.partner)}/payments`);
  });

  const advancePay = program
    .command('advance-pay')
    .description('Register a payer for Advance Pay, issue funding documents, record transfers (R-ADVANCE-PAY)');

  apiOptions(
    advancePay.command('register').description('Register a payer account').argument('<accountId>', 'the payer'),
  ).action(async (accountId: string, o: ApiOptions) => {
    if (checkedAccount(accountId)) await call(o, 'POST', `/advance-pay/${accountId}`, {});
  });

  apiOptions(
    advancePay
      .command('fund')
      .description('Ask for a funding document: its reference is what the transfer must quote')
      .argument('<accountId>', 'the payer')
      .requiredOption('--amount <usd>', 'USD to add')
      .requiredOption('--method <method>', 'us-bank-transfer or eft'),
  ).action(async (accountId: string, o: ApiOptions & { amount: string; method: string }) => {
    const body = checked(FundingDocumentBody, { amount: money(o.amount), method: o.method });
    if (checkedAccount(accountId) && body) await call(o, 'POST', `/advance-pay/${accountId}/funding-documents`, body);
  });

  apiOptions(
    advancePay
      .command('transfer')
      .description('Record the transfer quoting a funding document; the balance then pays what it covers')
      .argument('<accountId>', 'the payer')
      .requiredOption('--reference <reference>', 'the funding document’s reference, e.g. AP-7K3M9Q2X4W8R')
      .requiredOption('--amount <usd>', 'USD the transfer brought'),
  ).action(async (accountId: string, o: ApiOptions & { reference: string; amount: string }) => {
    const body = checked(TransferBody, { reference: o.reference, amount: money(o.amount) });
    if (checkedAccount(accountId) && body) await call(o, 'POST', `/advance-pay/${accountId}/transfers`, body);
  });

  apiOptions(
    advancePay
      .command('show')
      .description('Balance, funding history and funding documents')
      .argument('<accountId>', 'the payer'),
  ).action(async (accountId: string, o: ApiOptions) => {
    if (checkedAccount(accountId)) await call(o, 'GET', `/advance-pay/${accountId}`);
  });
}
