/**
 * The store unreachable while activities run (#14): the worker reaches PostgreSQL through a TCP proxy in this test,
 * which is shut — open connections cut, new ones refused — just before a partner's renewal fee falls due. The
 * invoice activity fails and is retried by Temporal; nothing is written while the store is away; once it is back the
 * retry succeeds and the partner is in its fee grace with exactly one invoice, one journal entry of it and no incident.
 *
 * Business time: 2019-02-02 (the renewal date) begins a few seconds after registration; its compliance review is
 * skipped (R-RENEWAL before April 2019), so the fee is the step that falls due.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Lifecycle } from '../../src/api/lifecycle';
import { startEngine, type Engine } from '../../src/platform/engine';
import type { PartnerProfile } from '../../src/workflows/types';
import { apiPort, DevServer, eventually, sqlClient, stopAll, tempDir, testDatabase } from './support';

jest.setTimeout(240_000);

/**
 * A TCP proxy to PostgreSQL that can be shut (connections cut and refused) and opened again on the same port — a
 * leased one: a kernel-chosen port, once closed, may be another connection's local end before it opens again.
 */
class StoreProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.pipe(b);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async shut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

let proxy: StoreProxy;
let worker: Engine;
let sql: Awaited<ReturnType<typeof sqlClient>>;
const taskQueue = `store-outage-${Date.now().toString(36)}`;

beforeAll(async () => {
  const [server, databaseUrl] = await Promise.all([
    DevServer.start(`${tempDir('faults-store')}/temporal.sqlite`),
    testDatabase(),
  ]);
  const url = new URL(databaseUrl);
  proxy = new StoreProxy({ host: url.hostname, port: Number(url.port) }, await apiPort());
  await proxy.open();
  url.port = String(proxy.port);
  sql = await sqlClient(databaseUrl);
  worker = await startEngine({
    temporal: { address: server.address },
    taskQueue,
    store: { open: { databaseUrl: url.toString(), poolSize: 5 } },
    worker: {},
  });
});

afterAll(async () => {
  await proxy?.open().catch(() => undefined);
  await worker?.stop().catch(() => undefined);
  await proxy?.shut();
  await stopAll();
});

const count = async (query: string, params: unknown[]) =>
  (await sql.query<{ n: number }>(`select count(*)::int as n from ${query}`, params)).rows[0]!.n;

test('R-FEE: the store unreachable when the renewal fee falls due — the invoice activity retries, writes nothing meanwhile, and succeeds once when the store is back', async () => {
  const id = `outage-${Date.now().toString(36)}`;
  const partner: PartnerProfile = {
    id,
    name: 'Outage Cloud',
    track: 'consulting',
    tier: 'select',
    renewalDate: '02-02',
    country: 'US',
    feeAccountId: '123456789012',
  };
  // Given a Select partner registered on 2019-02-01, 30 s before its renewal date begins …
  const dueAt = Date.now() + 30_000;
  const lifecycle = new Lifecycle(worker.client, {
    taskQueue,
    clock: { offsetMs: Date.parse('2019-02-02T00:00:00Z') - dueAt },
  });
  await worker.store.registerPartner({ ...partner, allianceLeadId: 'lead-1', partnerManagerIds: ['pm-1'] });
  await lifecycle.start(partner);
  await eventually(
    async () => ((await count(`journal where partner_id = $1`, [id])) > 0 ? true : undefined),
    'the registration journaled',
  );
  const handle = worker.client.workflow.getHandle(`partner/${id}`);

  // When the store becomes unreachable before the fee falls due …
  await new Promise((r) => setTimeout(r, Math.max(0, dueAt - Date.now() - 3_000)));
  await proxy.shut();
  expect(Date.now()).toBeLessThan(dueAt);
  // … the invoice activity fails, and is attempted again (2 s, then 4 s later) …
  const pending = await eventually(
    async () => {
      const pendingActivities = (await handle.describe()).raw.pendingActivities ?? [];
      const invoice = pendingActivities.find((a) => a.activityType?.name === 'issueFeeInvoice');
      return invoice && (invoice.attempt ?? 0) >= 3 ? invoice : undefined;
    },
    'the invoice activity retried',
    60_000,
  );
  expect(pending.lastFailure?.message).toMatch(/^Failed query: |ECONNREFUSED/);
  expect(await count('invoices where partner_id = $1', [id])).toBe(0);

  // Then, the store back, the retry succeeds: one invoice, journaled once, the partner in its fee grace.
  await proxy.open();
  const status = await eventually(async () => {
    const s = await lifecycle.status(id);
    return s?.invoice ? s : undefined;
  }, 'the invoice after the store came back');
  expect(status.invoice).toMatchObject({ issuedOn: '2019-02-02', total: 2500 });
  expect(status.incidents).toEqual([]);
  await eventually(
    async () =>
      (await count(`journal where partner_id = $1 and type = 'fee-invoiced'`, [id])) === 1 ? true : undefined,
    'the invoice journaled',
  );
  expect(await count('invoices where partner_id = $1', [id])).toBe(1);
  expect(await count(`journal where partner_id = $1 and type = 'incident-opened'`, [id])).toBe(0);
  await handle.terminate('test finished');
});
