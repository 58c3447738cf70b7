/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Issue #14, the 200-client load test: the API keeps an idle keep-alive connection open past Node's 5 s default, so
 * a client that reuses it a little late (its event loop lagging, or a load balancer keeping connections for 60 s) is
 * answered instead of finding it closed under its request ("other side closed", no status at all).
 */
import { request as httpRequest, Agent, type IncomingMessage } from 'node:http';
import type { Connection } from '@temporalio/client';
import { KEEP_ALIVE_TIMEOUT_MS } from '../../src/platform/engine';
import { createStore, type Store } from '../../src/store';
import { newPglite } from '../store/pg';
import { createOfflineApp } from './harness';

let store: Store;
let api: { url?: string; connection: Connection; stop(): Promise<void> };

beforeAll(async () => {
  store = await createStore({ pglite: newPglite() });
  // Temporal unreachable: /healthz needs no workflow.
  api = await createOfflineApp(store, { listen: true });
});
afterAll(async () => {
  await api?.stop();
  await api?.connection.close().catch(() => undefined);
  await store?.close();
});

/** GET `path` through `agent`; resolves the status, whether the socket was reused, and the keep-alive hint. */
function get(agent: Agent, path: string): Promise<{ status: number; reused: boolean; keepAlive?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${api.url!}${path}`, { agent }, (res: IncomingMessage) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          reused: req.reusedSocket,
          ...(res.headers['keep-alive'] ? { keepAlive: String(res.headers['keep-alive']) } : {}),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

test('an idle keep-alive connection is still open 6 s later (Node would have closed it at 5 s), and says for how long', async () => {
  // The client keeps its socket however long it is told; the server decides when it closes.
  const agent = new Agent({ keepAlive: true, maxSockets: 1, timeout: 120_000 });
  try {
    const first = await get(agent, '/healthz');
    expect(first).toEqual({ status: 200, reused: false, keepAlive: `timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}` });
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await get(agent, '/healthz')).toMatchObject({ status: 200, reused: true });
  } finally {
    agent.destroy();
  }
}, 30_000);
