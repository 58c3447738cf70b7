/**
 * Databases for the store tests: a real PostgreSQL (Debian's, started by scripts/postgres.sh) and in-memory PGlite.
 * A PostgreSQL that cannot be started or reached fails the suite: it is never skipped.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { createStore, type RegisterPartnerInput, type Store } from '../../src/store';

const repoRoot = path.resolve(__dirname, '../..');

/**
 * URL of a running test PostgreSQL: `TEST_DATABASE_URL` when set (CI's global setup), else the one
 * `scripts/postgres.sh start` installs/starts (idempotent; a warm start takes well under a second).
 */
export function ensureTestPostgres(): Promise<string> {
  started ??= startTestPostgres();
  return started;
}
let started: Promise<string> | undefined;

async function startTestPostgres(): Promise<string> {
  const url =
    process.env.TEST_DATABASE_URL ??
    execFileSync('bash', [path.join(repoRoot, 'scripts/postgres.sh'), 'start'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 10 * 60_000,
    }).trim();
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  await client.end();
  return url;
}

/** A fresh database on the test server, so suites never see each other's rows; drop it with the returned function. */
export async function createTestDatabase(baseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `apn_store_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A new PGlite (in memory by default), loaded outside jest's VM when the pglite environment offers node's require. */
export function newPglite(dataDir = 'memory://'): PGlite {
  const nodeRequire = (globalThis as { __APN_NODE_REQUIRE__?: NodeJS.Require }).__APN_NODE_REQUIRE__ ?? require;
  const loaded = nodeRequire('@electric-sql/pglite') as { PGlite: typeof PGlite };
  return new loaded.PGlite(dataDir);
}

export type TestDriver = 'pglite' | 'postgres';

/** Every store suite runs on both drivers. */
export const drivers: TestDriver[] = ['pglite', 'postgres'];

let counter = 0;
/** An id no other test uses, so tests share one database without seeing each other. */
export const uniqueId = (prefix = 'p') => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** A valid registration with a fresh id. */
export const partnerInput = (overrides: Partial<RegisterPartnerInput> = {}): RegisterPartnerInput => ({
  id: uniqueId(),
  name: 'Acme Cloud',
  track: 'consulting',
  tier: 'advanced',
  renewalDate: '12-15',
  country: 'US',
  feeAccountId: '123456789012',
  allianceLeadId: 'lead-1',
  partnerManagerIds: ['pm-7'],
  ...overrides,
});

/** A migrated, empty store on `driver`, and how to dispose of it. */
export async function openTestStore(driver: TestDriver): Promise<{ store: Store; dispose: () => Promise<void> }> {
  if (driver === 'pglite') {
    const store = await createStore({ pglite: newPglite() });
    return { store, dispose: () => store.close() };
  }
  const database = await createTestDatabase(await ensureTestPostgres());
  const store = await createStore({ databaseUrl: database.url, poolSize: 5 });
  return {
    store,
    dispose: async () => {
      await store.close();
      await database.drop();
    },
  };
}

/**
 * A describe block's store on `driver`: opened before its tests, disposed of after. `store` stands for the store once
 * it is open (read it inside tests or hooks), and `registered` registers a valid partner (overrides as given).
 */
export function useTestStore(driver: TestDriver): {
  store: Store;
  registered: (
    overrides?: Partial<RegisterPartnerInput>,
  ) => Promise<Awaited<ReturnType<Store['registerPartner']>>['partner']>;
} {
  let opened: Store | undefined;
  let dispose: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ store: opened, dispose } = await openTestStore(driver));
  });
  afterAll(async () => {
    await dispose?.();
  });
  const current = (): Store => {
    if (!opened) throw new Error('the test store is used before its beforeAll opened it');
    return opened;
  };
  const store = new Proxy({} as Store, {
    get: (_, key) => {
      const value = Reflect.get(current(), key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(current()) : value;
    },
  });
  const registered = async (overrides: Partial<RegisterPartnerInput> = {}) =>
    (await current().registerPartner(partnerInput(overrides))).partner;
  return { store, registered };
}
