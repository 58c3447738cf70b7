/**
 * Reseller billing from the command line (R-RESELLER, 002), through the running engine's HTTP API with the same auth,
 * problem+json and Idempotency-Key rules as any client:
 *   apn reseller enrol <orgId> --partner <id> [--discount <percent>] [--from <YYYY-MM>]
 *   apn invitations create <orgId> <accountId> | accept <id> | decline <id> | get <id> | list <orgId> [--status …]
 *   apn usage record <accountId> <YYYY-MM> --item "<service>=<USD>"…
 *   apn bills list <orgId> | get <orgId> <YYYY-MM> | close <orgId> <YYYY-MM> | pay <orgId> <YYYY-MM> <USD>
 *   apn billing-view <accountId>
 * The answer's JSON goes to stdout (exit 0); a refusal's problem to stderr with exit 2, an unreachable or failing
 * server exit 1. The API is `--api`, else `APN_API_URL`, else http://127.0.0.1:$PORT (3000); the token `--token`, else
 * `APN_TOKEN`, else `APN_TOKEN_PROGRAM_ADMIN` (what `npm start` prints).
 */
import type { Command } from 'commander';
import { EXIT_INVALID_INPUT } from './scorecard';

interface ApiOptions {
  api?: string;
  token?: string;
  idempotencyKey?: string;
}

interface Call {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
}

function apiBase(opts: ApiOptions): string {
  const base = opts.api ?? process.env.APN_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`;
  return `${base.replace(/\/+$/, '')}/v1`;
}

/** Sends the call and prints its answer; sets the exit code of a refusal (2) or a failure (1). */
async function send(opts: ApiOptions, call: Call): Promise<void> {
  const token = opts.token ?? process.env.APN_TOKEN ?? process.env.APN_TOKEN_PROGRAM_ADMIN;
  if (!token) {
    process.stderr.write('no API token: pass --token, or set APN_TOKEN (or APN_TOKEN_PROGRAM_ADMIN)\n');
    process.exitCode = EXIT_INVALID_INPUT;
    return;
  }
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (call.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(`${apiBase(opts)}${call.path}`, {
      method: call.method,
      headers,
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
    });
  } catch (err) {
    process.stderr.write(`cannot reach the API at ${apiBase(opts)}: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const text = await res.text();
  if (res.ok) {
    process.stdout.write(`${text}\n`);
    return;
  }
  process.stderr.write(`${describeProblem(res.status, text)}\n`);
  process.exitCode = res.status < 500 ? EXIT_INVALID_INPUT : 1;
}

function describeProblem(status: number, text: string): string {
  try {
    const problem = JSON.parse(text) as { detail?: string; errors?: { path: string; message: string }[] };
    const lines = [`${status}: ${problem.detail ?? text}`];
    for (const issue of problem.errors ?? []) lines.push(`${issue.path}: ${issue.message}`);
    return lines.join('\n');
  } catch {
    return `${status}: ${text}`;
  }
}

const withApi = (command: Command): Command =>
  command
    .option('--api <url>', 'API base URL (default $APN_API_URL, else http://127.0.0.1:$PORT)')
    .option('--token <jwt>', 'bearer token (default $APN_TOKEN, else $APN_TOKEN_PROGRAM_ADMIN)')
    .option('--idempotency-key <key>', 'Idempotency-Key: a retry with the same key gets the first answer');

const enc = encodeURIComponent;

/** "<service>=<USD>" → an item; a malformed one is reported by the API's validation as a bad amount. */
function parseItem(value: string, previous: { service: string; amount: number }[] = []) {
  const at = value.lastIndexOf('=');
  const service = at < 0 ? value : value.slice(0, at);
  const amount = at < 0 ? Number.NaN : Number(value.slice(at + 1));
  return [
    ...previous,
    { service, amount: Number.isFinite(amount) ? amount : (value.slice(at + 1) as unknown as number) },
  ];
}

/** Registers `reseller`, `invitations`, `usage`, `bills` and `billing-view`. */
export function registerReseller(program: Command): void {
  const reseller = program.command('reseller').description('Reseller billing: enrol a reseller organization');
  withApi(
    reseller
      .command('enrol <orgId>')
      .description('Enrol a reseller organization under its APN partner and start its monthly cycle')
      .requiredOption('--partner <partnerId>', 'the APN partner whose management account runs it')
      .option('--discount <percent>', 'the partner’s discount, passed on to its customers', '0')
      .option('--from <YYYY-MM>', 'first month billed (default: this month)'),
  ).action((orgId: string, opts: ApiOptions & { partner: string; discount: string; from?: string }) =>
    send(opts, {
      method: 'POST',
      path: `/organizations/${enc(orgId)}/reseller-billing`,
      body: {
        partnerId: opts.partner,
        discountPercent: Number(opts.discount),
        ...(opts.from ? { billingFrom: opts.from } : {}),
      },
    }),
  );

  const invitations = program.command('invitations').description('Reseller billing: invite customer accounts');
  withApi(invitations.command('create <orgId> <accountId>').description('Invite a customer AWS account')).action(
    (orgId: string, accountId: string, opts: ApiOptions) =>
      send(opts, { method: 'POST', path: `/organizations/${enc(orgId)}/invitations`, body: { accountId } }),
  );
  for (const answer of ['accept', 'decline'] as const) {
    withApi(
      invitations.command(`${answer} <invitationId>`).description(`${answer} an invitation for the customer`),
    ).action((id: string, opts: ApiOptions) =>
      send(opts, { method: 'POST', path: `/invitations/${enc(id)}/${answer}` }),
    );
  }
  withApi(invitations.command('get <invitationId>').description('Read an invitation')).action(
    (id: string, opts: ApiOptions) => send(opts, { method: 'GET', path: `/invitations/${enc(id)}` }),
  );
  withApi(
    invitations
      .command('list <orgId>')
      .description('List an organization’s invitations')
      .option('--status <status>', 'invited, accepted, declined or expired'),
  ).action((orgId: string, opts: ApiOptions & { status?: string }) =>
    send(opts, {
      method: 'GET',
      path: `/organizations/${enc(orgId)}/invitations${opts.status ? `?status=${enc(opts.status)}` : ''}`,
    }),
  );

  const usage = program.command('usage').description('Reseller billing: usage per member account and month');
  withApi(
    usage
      .command('record <accountId> <month>')
      .description('Record (or replace) an account’s usage of a month')
      .option('--item <service=USD>', 'a service and its USD, e.g. "Amazon EC2=1234.56" (repeatable)', parseItem, []),
  ).action((accountId: string, month: string, opts: ApiOptions & { item: { service: string; amount: number }[] }) =>
    send(opts, { method: 'PUT', path: `/accounts/${enc(accountId)}/usage/${enc(month)}`, body: { items: opts.item } }),
  );

  const bills = program.command('bills').description('Reseller billing: the monthly consolidated bills');
  withApi(bills.command('list <orgId>').description('List the consolidated bills')).action(
    (orgId: string, opts: ApiOptions) => send(opts, { method: 'GET', path: `/organizations/${enc(orgId)}/bills` }),
  );
  withApi(bills.command('get <orgId> <month>').description('Read a bill with the customer invoices')).action(
    (orgId: string, month: string, opts: ApiOptions) =>
      send(opts, { method: 'GET', path: `/organizations/${enc(orgId)}/bills/${enc(month)}` }),
  );
  withApi(bills.command('close <orgId> <month>').description('Close an ended month: AWS issues its bill now')).action(
    (orgId: string, month: string, opts: ApiOptions) =>
      send(opts, { method: 'POST', path: `/organizations/${enc(orgId)}/bills`, body: { month } }),
  );
  withApi(
    bills
      .command('pay <orgId> <month> <amount>')
      .description('Record the partner’s payment; its customers are invoiced'),
  ).action((orgId: string, month: string, amount: string, opts: ApiOptions) =>
    send(opts, {
      method: 'POST',
      path: `/organizations/${enc(orgId)}/bills/${enc(month)}/payment`,
      body: { amount: Number.isFinite(Number(amount)) ? Number(amount) : amount },
    }),
  );

  withApi(
    program
      .command('billing-view <accountId>')
      .description('Reseller billing: what an account’s billing console shows'),
  ).action((accountId: string, opts: ApiOptions) =>
    send(opts, { method: 'GET', path: `/accounts/${enc(accountId)}/billing` }),
  );
}
