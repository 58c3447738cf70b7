/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Issue #14 item 2: the partner rows the access check reads are kept in memory, and never served once they changed —
 * whoever wrote the change: this store (dropped before the write resolves), or another process or a plain SQL
 * statement (heard through the `partners` trigger's notification). On PGlite and on a real PostgreSQL.
 */
import type { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { PartnerCache } from '../../src/store/partner-cache';
import { createStore, type Partner, type Store } from '../../src/store';
import { createTestDatabase, drivers, ensureTestPostgres, newPglite, partnerInput, type TestDriver } from './pg';

const partner = (id: string, over: Partial<Partner> = {}): Partner => ({
  id,
  name: id,
  track: 'consulting',
  tier: 'registered',
  renewalDate: '06-15',
  country: 'US',
  feeAccountId: null,
  allianceLeadId: 'lead',
  allianceTeamIds: null,
  partnerManagerIds: ['pm-1'],
  atRisk: false,
  lifecycleStage: 'active',
  nextEbrWindow: null,
  evidenceVersion: 0,
  createdAt: '2019-01-01T00:00:00Z',
  ...over,
});

/** A cache over a table the test edits, whose loads the test may hold. */
function fixture(options: { maxAgeMs?: number; capacity?: number } = {}) {
  const rows = new Map<string, Partner>();
  let clock = 0;
  let hold: Promise<void> | undefined;
  const loads: string[] = [];
  const cache = new PartnerCache(
    async (id) => {
      loads.push(id);
      const row = rows.get(id);
      if (hold) await hold;
      return row && { ...row, partnerManagerIds: [...row.partnerManagerIds] };
    },
    { now: () => clock, ...options },
  );
  cache.setLive(true);
  return {
    rows,
    loads,
    cache,
    tick: (ms: number) => (clock += ms),
    holdLoads() {
      let release!: () => void;
      hold = new Promise((r) => (release = r));
      return () => {
        hold = undefined;
        release();
      };
    },
  };
}

describe('PartnerCache', () => {
  test('a partner is loaded once, then served from memory until it is invalidated', async () => {
    const f = fixture();
    f.rows.set('a', partner('a'));
    expect((await f.cache.get('a'))?.partnerManagerIds).toEqual(['pm-1']);
    await f.cache.get('a');
    expect(f.loads).toEqual(['a']);
    f.rows.set('a', partner('a', { partnerManagerIds: ['pm-2'] }));
    f.cache.invalidate('a');
    expect((await f.cache.get('a'))?.partnerManagerIds).toEqual(['pm-2']);
    expect(f.loads).toEqual(['a', 'a']);
  });

  test('concurrent readers share one load; a load the partner changed under is answered but not kept', async () => {
    const f = fixture();
    f.rows.set('a', partner('a'));
    const release = f.holdLoads();
    const readers = [f.cache.get('a'), f.cache.get('a')];
    // The row changes while the load is in flight: what it read may be the old row.
    f.rows.set('a', partner('a', { partnerManagerIds: ['pm-2'] }));
    f.cache.invalidate('a');
    release();
    await Promise.all(readers);
    expect(f.loads).toEqual(['a']);
    expect((await f.cache.get('a'))?.partnerManagerIds).toEqual(['pm-2']);
    expect(f.loads).toEqual(['a', 'a']);
  });

  test('unknown partners are not kept, and a registration is seen at once', async () => {
    const f = fixture();
    expect(await f.cache.get('b')).toBeUndefined();
    f.rows.set('b', partner('b'));
    expect(await f.cache.get('b')).toBeDefined();
    expect(f.loads).toEqual(['b', 'b']);
  });

  test('while changes are not heard, every read goes to the store; heard again, nothing old is served', async () => {
    const f = fixture();
    f.rows.set('a', partner('a'));
    await f.cache.get('a');
    f.cache.setLive(false);
    f.rows.set('a', partner('a', { allianceLeadId: 'lead-2' }));
    expect((await f.cache.get('a'))?.allianceLeadId).toBe('lead-2');
    await f.cache.get('a');
    expect(f.loads).toEqual(['a', 'a', 'a']);
    f.cache.setLive(true);
    await f.cache.get('a');
    await f.cache.get('a');
    expect(f.loads).toEqual(['a', 'a', 'a', 'a']);
  });

  test('an entry older than maxAgeMs is read again; the least recently used goes past the capacity', async () => {
    const f = fixture({ maxAgeMs: 1_000, capacity: 2 });
    for (const id of ['a', 'b', 'c']) f.rows.set(id, partner(id));
    await f.cache.get('a');
    f.tick(1_000);
    await f.cache.get('a');
    f.tick(1);
    await f.cache.get('a');
    expect(f.loads).toEqual(['a', 'a']);
    await f.cache.get('b');
    await f.cache.get('a');
    await f.cache.get('c'); // evicts b, the least recently used
    await f.cache.get('a');
    await f.cache.get('b');
    expect(f.loads).toEqual(['a', 'a', 'b', 'c', 'b']);
  });

  test('clear() drops everything, loads in flight included', async () => {
    const f = fixture();
    f.rows.set('a', partner('a'));
    const release = f.holdLoads();
    const reading = f.cache.get('a');
    f.cache.clear();
    release();
    await reading;
    await f.cache.get('a');
    expect(f.loads).toEqual(['a', 'a']);
  });

  test('what it serves cannot be edited in place by one reader for the next', async () => {
    const f = fixture();
    f.rows.set('a', partner('a'));
    await f.cache.get('a');
    const served = (await f.cache.get('a'))!;
    expect(() => served.partnerManagerIds.push('intruder')).toThrow(TypeError);
    expect(() => Object.assign(served, { allianceLeadId: 'intruder' })).toThrow(TypeError);
  });
});

/** A store over `driver` and a way to write to its database that bypasses the store (another process, a script). */
async function openWithSideDoor(driver: TestDriver) {
  // Entries never age out here: only an invalidation can make a changed row visible.
  const partnerCache = { maxAgeMs: 3_600_000 };
  if (driver === 'pglite') {
    const pglite: PGlite = newPglite();
    const store = await createStore({ pglite, partnerCache });
    return {
      store,
      sql: async (text: string, params: unknown[] = []) => void (await pglite.query(text, params)),
      dispose: () => store.close(),
    };
  }
  const database = await createTestDatabase(await ensureTestPostgres());
  const store = await createStore({ databaseUrl: database.url, poolSize: 3, partnerCache });
  const side = new Client({ connectionString: database.url });
  await side.connect();
  return {
    store,
    sql: async (text: string, params: unknown[] = []) => void (await side.query(text, params)),
    side,
    databaseUrl: database.url,
    dispose: async () => {
      await side.end();
      await store.close();
      await database.drop();
    },
  };
}

/** Polls until `probe` holds: PostgreSQL delivers a notification to the other connections shortly after the commit. */
async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(drivers)('the store’s partner cache on %s', (driver) => {
  let env: Awaited<ReturnType<typeof openWithSideDoor>>;
  let store: Store;

  beforeAll(async () => {
    env = await openWithSideDoor(driver);
    store = env.store;
  });
  afterAll(async () => {
    await env?.dispose();
  });

  /**
   * Every notification committed so far has been heard: PostgreSQL delivers them to a listener in commit order, so once
   * the notification of a change written now through the side door is heard, every earlier one was too (PGlite hears
   * them before the writer's await resumes).
   */
  let sentinel: string | undefined;
  const heardAll = async () => {
    sentinel ??= (await store.registerPartner(partnerInput())).partner.id;
    const invalidate = jest.spyOn(store.partnerCache, 'invalidate');
    try {
      await env.sql('update partners set name = $1 where id = $2', [`sentinel ${Math.random()}`, sentinel]);
      await until(
        () => Promise.resolve(invalidate.mock.calls.some(([id]) => id === sentinel)),
        'the sentinel change heard',
      );
    } finally {
      invalidate.mockRestore();
    }
  };
  const registered = async () => {
    const p = (await store.registerPartner(partnerInput({ partnerManagerIds: ['pm-1'] }))).partner;
    // The registration's own notification drops the entry again when it arrives (late on PostgreSQL): let it.
    await heardAll();
    return p;
  };
  /** The next read is answered from memory: no load. */
  const fromMemory = async (id: string) => {
    const loads = store.partnerCache.stats.loads;
    const p = await store.partnerCache.get(id);
    expect(store.partnerCache.stats.loads).toBe(loads);
    return p;
  };

  test('a repeated read costs no query', async () => {
    const p = await registered();
    expect(store.partnerCache.live).toBe(true);
    expect(await store.partnerCache.get(p.id)).toEqual(p);
    expect(await fromMemory(p.id)).toEqual(p);
  });

  test('this store’s own writes are seen by the next read, even with no notification coming', async () => {
    const p = await registered();
    const fresh = await registered();
    await store.partnerCache.get(p.id);
    await store.partnerCache.get(fresh.id);
    await env.sql('alter table partners disable trigger partners_changed');
    try {
      await store.updatePartnerStatus(p.id, { partnerManagerIds: ['pm-2'] });
      expect((await store.partnerCache.get(p.id))?.partnerManagerIds).toEqual(['pm-2']);
      await store.updatePartnerTier(p.id, { key: `${p.id}/t`, to: 'select', on: '2019-10-02', reason: 'r', by: 'b' });
      expect((await store.partnerCache.get(p.id))?.tier).toBe('select');
      await store.putEvidence(p.id, { any: 'document' });
      expect((await store.partnerCache.get(p.id))?.evidenceVersion).toBe(1);
      await store.changeEvidence(p.id, () => ({ another: 'document' }));
      expect((await store.partnerCache.get(p.id))?.evidenceVersion).toBe(2);
      expect(await store.unregisterPartner(fresh.id)).toBe(true);
      expect(await store.partnerCache.get(fresh.id)).toBeUndefined();
    } finally {
      await env.sql('alter table partners enable trigger partners_changed');
    }
  });

  test('a write from elsewhere — alliance lead, partner managers, evidence version, deletion — is heard', async () => {
    const p = await registered();
    const seen = async (id: string, check: (q: Partner | undefined) => boolean, what: string) => {
      // PGlite is one process: the notification is heard before the writer's await resumes. PostgreSQL delivers it
      // to this store's listening connection shortly after the commit.
      if (driver === 'pglite') expect(check(await store.partnerCache.get(id))).toBe(true);
      else await until(async () => check(await store.partnerCache.get(id)), what);
    };
    await store.partnerCache.get(p.id);
    await env.sql('update partners set alliance_lead_id = $1 where id = $2', ['lead-2', p.id]);
    await seen(p.id, (q) => q?.allianceLeadId === 'lead-2', 'the new alliance lead');
    await env.sql('update partners set partner_manager_ids = $1 where id = $2', [['pm-9'], p.id]);
    await seen(p.id, (q) => q?.partnerManagerIds.join() === 'pm-9', 'the new partner managers');
    await env.sql('update partners set evidence_version = 7 where id = $1', [p.id]);
    await seen(p.id, (q) => q?.evidenceVersion === 7, 'the new evidence version');
    await env.sql('delete from partners where id = $1', [p.id]);
    await seen(p.id, (q) => q === undefined, 'the deletion');
  });

  test('a rolled-back write tells nobody, and the row read stays served from memory', async () => {
    const p = await registered();
    await store.partnerCache.get(p.id);
    await env
      .sql(`do $$ begin update partners set tier = 'select' where id = '${p.id}'; raise exception 'no'; end $$`)
      .catch(() => undefined);
    expect((await fromMemory(p.id))?.tier).toBe(p.tier);
  });

  if (driver === 'postgres') {
    test('a lost listening connection turns the cache off until it listens again; nothing missed is served', async () => {
      const p = await registered();
      await store.partnerCache.get(p.id);
      // Kill the store's LISTEN connection as a network failure or a server restart would.
      await env.sql(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen %'`,
      );
      await until(() => Promise.resolve(!store.partnerCache.live), 'the cache turned off');
      // Written while nobody listens: no notification will ever say so.
      await env.sql('update partners set partner_manager_ids = $1 where id = $2', [['pm-3'], p.id]);
      expect((await store.partnerCache.get(p.id))?.partnerManagerIds).toEqual(['pm-3']);
      await until(() => Promise.resolve(store.partnerCache.live), 'the cache listening again');
      expect((await store.partnerCache.get(p.id))?.partnerManagerIds).toEqual(['pm-3']);
      expect((await fromMemory(p.id))?.partnerManagerIds).toEqual(['pm-3']);
    });

    test('two stores on one database (two API processes): each hears the other’s writes', async () => {
      const other = await createStore({
        databaseUrl: env.databaseUrl!,
        poolSize: 2,
        partnerCache: { maxAgeMs: 3_600_000 },
      });
      try {
        const p = await registered();
        await store.partnerCache.get(p.id);
        await other.partnerCache.get(p.id);
        await other.updatePartnerStatus(p.id, { partnerManagerIds: ['pm-4'] });
        expect((await other.partnerCache.get(p.id))?.partnerManagerIds).toEqual(['pm-4']);
        await until(
          async () => (await store.partnerCache.get(p.id))?.partnerManagerIds.join() === 'pm-4',
          'the other store’s write heard',
        );
      } finally {
        await other.close();
      }
    });
  }
});
