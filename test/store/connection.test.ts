/** @jest-environment ./test/store/pglite-environment.ts */
/** Opening the store: migrations applied once, on PGlite across restarts and on PostgreSQL under concurrent start-ups. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStore } from '../../src/store';
import { createTestDatabase, ensureTestPostgres, newPglite, partnerInput } from './pg';

describe('migrations', () => {
  test('PGlite data survives a restart and migrations are applied once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'apn-store-'));
    try {
      const dataDir = path.join(dir, 'pglite');
      const first = await createStore({ pglite: newPglite(dataDir) });
      await first.registerPartner(partnerInput({ id: 'durable' }));
      await first.close();
      const second = await createStore({ pglite: newPglite(dataDir) });
      expect((await second.getPartner('durable'))?.name).toBe('Acme Cloud');
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('PostgreSQL: processes starting together migrate once, without racing', async () => {
    const database = await createTestDatabase(await ensureTestPostgres());
    try {
      const stores = await Promise.all([1, 2, 3].map(() => createStore({ databaseUrl: database.url, poolSize: 2 })));
      await stores[0]!.registerPartner(partnerInput({ id: 'raced' }));
      expect((await stores[2]!.getPartner('raced'))?.id).toBe('raced');
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await database.drop();
    }
  });

  test('PostgreSQL unreachable: createStore fails instead of hanging', async () => {
    await expect(createStore({ databaseUrl: 'postgres://apn:apn@127.0.0.1:1/none', migrate: true })).rejects.toThrow();
  });
});
