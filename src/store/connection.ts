/**
 * Opens the database behind the store — embedded PGlite (default) or PostgreSQL through `databaseUrl` — and
 * applies the migrations in `drizzle/`. Both drivers speak the same PostgreSQL dialect through drizzle.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { Client, Pool } from 'pg';
import { securePrivateDir } from './private-dir';
import { schema, type Schema } from './schema';

export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface StoreConfig {
  /** PostgreSQL connection string; when absent the store runs on embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data directory (default `.data/pglite`); `memory://` keeps everything in memory (tests). */
  dataDir?: string;
  /**
   * An already-constructed PGlite instance to use instead of opening `dataDir`; the store closes it on `close()`.
   * Tests under jest need this: PGlite loads its WASM with a dynamic `import()`, which jest's VM refuses unless
   * node runs with `--experimental-vm-modules` (see test/store/pglite-environment.ts).
   */
  pglite?: PGlite;
  /** Where the migrations are; found next to the sources by default. */
  migrationsFolder?: string;
  /** Apply pending migrations while opening (default true). */
  migrate?: boolean;
  /** Size of the PostgreSQL pool (default 10). */
  poolSize?: number;
}

export interface Connection {
  readonly driver: 'pglite' | 'postgres';
  readonly db: Db;
  migrate(): Promise<void>;
  /**
   * Hears the notifications on `channel` until the returned function is called. `onLive(false)` when notifications
   * may be missed from now on (the listening connection was lost; it reconnects by itself), `onLive(true)` once they
   * are heard again. Resolves after the first attempt to listen, heard or not.
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onLive: (live: boolean) => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

// Any key will do as long as every process of the project uses the same one: serialises concurrent start-ups.
const MIGRATION_LOCK_KEY = 0x41504e31; // 'APN1'

/** Locates `drizzle/` from the source tree (src/store) or a build (dist/src/store). */
export function defaultMigrationsFolder(): string {
  const candidates = [path.resolve(__dirname, '../../drizzle'), path.resolve(__dirname, '../../../drizzle')];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'meta', '_journal.json')));
  if (!found) throw new Error(`store migrations not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Opens the configured database; runs the migrations unless `config.migrate === false`. */
export async function openConnection(config: StoreConfig = {}): Promise<Connection> {
  const migrationsFolder = config.migrationsFolder ?? defaultMigrationsFolder();
  const connection = config.databaseUrl
    ? openPostgres(config.databaseUrl, config.poolSize ?? 10, migrationsFolder)
    : openPglite(config, migrationsFolder);
  if (config.migrate !== false) {
    try {
      await connection.migrate();
    } catch (error) {
      await connection.close();
      throw error;
    }
  }
  return connection;
}

function openPglite(config: StoreConfig, migrationsFolder: string): Connection {
  let client = config.pglite;
  /** The data directory on disk, when PGlite keeps one. */
  let privateDir: string | undefined;
  if (!client) {
    const dataDir = config.dataDir ?? '.data/pglite';
    if (!dataDir.includes('://')) {
      privateDir = dataDir;
      securePrivateDir(privateDir);
    }
    client = new PGlite(dataDir);
  }
  const pglite = client;
  const db = drizzlePglite({ client: pglite, schema });
  // PGlite's file system sets 0666 on the files it creates whatever the umask: they are narrowed once it has created
  // them (after migrating) and again on close; the 0700 directory keeps everyone else out in between.
  const secure = () => {
    if (privateDir !== undefined) securePrivateDir(privateDir);
  };
  return {
    driver: 'pglite',
    db,
    // PGlite is single-connection and single-process: no lock needed.
    migrate: async () => {
      await migratePglite(db, { migrationsFolder });
      secure();
    },
    listen: async (channel, onPayload, onLive) => {
      // One process holds the database: every write passes through this instance, whose listeners hear a
      // transaction's notifications while its COMMIT is answered, before the writer's await resumes.
      const unlisten = await pglite.listen(channel, onPayload);
      onLive(true);
      return async () => {
        onLive(false);
        if (!pglite.closed) await unlisten();
      };
    },
    close: async () => {
      if (!pglite.closed) await pglite.close();
      secure();
    },
  };
}

function openPostgres(databaseUrl: string, poolSize: number, migrationsFolder: string): Connection {
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle client that loses its server (restart, network) emits 'error'; without a listener node would crash.
  pool.on('error', () => undefined);
  const db = drizzleNodePg({ client: pool, schema });
  return {
    driver: 'postgres',
    db,
    migrate: async () => {
      // The API and the worker may start together: an advisory lock on one session keeps them from racing the
      // migrator, which is not safe to run twice at once.
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        try {
          await migrateNodePg(drizzleNodePg({ client, schema }), { migrationsFolder });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        }
      } finally {
        client.release();
      }
    },
    listen: (channel, onPayload, onLive) => listenPostgres(databaseUrl, channel, onPayload, onLive),
    close: () => pool.end(),
  };
}

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * LISTEN on a connection of its own (a pooled one would go back to the pool and stop hearing): lost, it reports
 * `onLive(false)` at once and reconnects with backoff; listening again, `onLive(true)`.
 */
async function listenPostgres(
  databaseUrl: string,
  channel: string,
  onPayload: (payload: string) => void,
  onLive: (live: boolean) => void,
): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  let stopped = false;
  let current: Client | undefined;
  let retryMs = RECONNECT_MIN_MS;
  let timer: NodeJS.Timeout | undefined;

  const lost = (client: Client) => {
    if (current !== client) return;
    current = undefined;
    onLive(false);
    client.end().catch(() => undefined);
    if (stopped) return;
    timer = setTimeout(() => void connect(), retryMs);
    timer.unref();
    retryMs = Math.min(retryMs * 2, RECONNECT_MAX_MS);
  };

  const connect = async () => {
    // keepAlive: a peer gone without a word (a half-open connection) is found by TCP, not only by the next query.
    const client = new Client({ connectionString: databaseUrl, keepAlive: true });
    current = client;
    client.on('notification', (message) => {
      if (message.channel === channel) onPayload(message.payload ?? '');
    });
    client.on('error', () => lost(client));
    client.on('end', () => lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch {
      lost(client);
      return;
    }
    if (current !== client) return;
    retryMs = RECONNECT_MIN_MS;
    onLive(true);
  };

  await connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const client = current;
    current = undefined;
    onLive(false);
    await client?.end().catch(() => undefined);
  };
}

/** `select 1` through the connection: the store's readiness probe. */
export async function pingConnection(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
