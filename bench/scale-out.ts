/**
 * Scale-out, shown (#14): two workers and two API processes on one task queue, against one Temporal dev server and
 * one PostgreSQL store — the `npm run worker` / `npm run api` split docker-compose uses, started here without Docker —
 * and one worker killed (`kill -9`) in the middle of a monthly sweep: the other finishes it.
 *
 *   npm run demo:scale-out -- [--partners 200] [--lead 60]
 *
 * The fleet is registered on a business clock set so that the 1st of July 2019 begins `--lead` seconds after the
 * first registration: every partner's monthly check falls due at that instant. The script counts the checks
 * journaled in the store; once a few are, it kills one worker with SIGKILL. Meanwhile both API processes answer
 * partner reads. It prints a table and, last, one JSON line. PostgreSQL comes from scripts/postgres.sh (a fresh
 * database, dropped at the end); the Temporal dev server is in memory.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client as PgClient } from 'pg';
import { mintToken } from '../src/api/auth';
import { leasePorts } from '../src/dev/ports';
import { leaseDevServerPorts, startDevServer, type ManagedProcess } from '../src/dev/processes';
import { resolveTemporalCli } from '../src/dev/tools';
import { startEngine, type Engine } from '../src/platform/engine';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../src/workflows/search-attributes';

const root = join(__dirname, '..');
const SECRET = 'scale-out-demo-secret-that-is-at-least-32-characters';
/** The instant every partner's monthly check falls due, in business time. */
const SWEEP_DAY = '2019-07-01';

export interface ScaleOutOptions {
  partners: number;
  /** Seconds from the first registration to the 1st of the month (business time). */
  leadSeconds: number;
  /** A PostgreSQL server to create the run's database on (default: the one scripts/postgres.sh starts). */
  postgresUrl?: string;
  log?: (line: string) => void;
}

export interface ScaleOutResult {
  partners: number;
  workers: number;
  apis: number;
  /** Seconds from the 1st of the month to the last of the N checks journaled. */
  sweepSeconds: number;
  /** Checks journaled when the worker was killed, and after (by the survivor). */
  journaledAtKill: number;
  journaledAfterKill: number;
  /** Journal rows of the sweep (one per partner when nothing ran twice) and distinct partners among them. */
  sweepRows: number;
  sweepPartners: number;
  incidents: number;
  /** Partner reads answered by each API process during the sweep, by status. */
  reads: Record<string, Record<string, number>>;
  killedWorkerSignal: string | null;
}

/** Process groups started and not yet gone: what `killLeftovers` ends when a run is abandoned (a test's timeout). */
const running = new Set<number>();

/** SIGKILL to every process group of an abandoned run (the run's own `finally` stops them otherwise). */
export function killLeftovers(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  running.clear();
}

/** A process of the engine started as a user starts it, in its own process group. */
class EngineProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    script: 'worker' | 'api',
    env: Record<string, string>,
  ) {
    const clean = { ...process.env };
    for (const key of ['TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'TEMPORAL_UI_URL', 'HOST', 'JWKS_URL', 'SMTP_URL']) {
      delete clean[key];
    }
    this.child = spawn('npm', ['run', script], {
      cwd: root,
      env: { ...clean, npm_config_update_notifier: 'false', LOG_LEVEL: 'info', ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const pid = this.child.pid;
    if (pid !== undefined) running.add(pid);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        if (pid !== undefined) running.delete(pid);
        resolve({ code, signal });
      }),
    );
  }

  async ready(message: RegExp, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (!message.test(this.output)) {
      if (exited || Date.now() > deadline) {
        throw new Error(
          `${this.name} did not start (${exited ? 'exited' : 'timed out'}):\n${this.output.slice(-4000)}`,
        );
      }
      await sleep(200);
    }
  }

  /** SIGKILL to the whole process group: no shutdown handler runs. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, signal);
    } catch {
      // gone already
    }
    return await this.exited;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `work` over `items` with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Starts everything, runs the sweep with one worker killed, stops everything; the figures of the run. */
export async function runScaleOut(options: ScaleOutOptions): Promise<ScaleOutResult> {
  const log = options.log ?? (() => undefined);
  const stops: (() => Promise<unknown>)[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'apn-scale-out-'));
  stops.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
  try {
    // One PostgreSQL store (a fresh database on the project's test PostgreSQL) and one Temporal dev server.
    const baseUrl =
      options.postgresUrl ??
      execFileSync('bash', [join(root, 'scripts/postgres.sh'), 'start'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }).trim();
    const dbName = `apn_scale_out_${randomBytes(4).toString('hex')}`;
    const admin = new PgClient({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`create database "${dbName}"`);
    await admin.end();
    stops.push(async () => {
      const c = new PgClient({ connectionString: baseUrl });
      await c.connect();
      await c.query(`drop database if exists "${dbName}" with (force)`);
      await c.end();
    });
    const databaseUrl = Object.assign(new URL(baseUrl), { pathname: `/${dbName}` }).toString();
    const { release: releaseDevPorts, ...devPorts } = await leaseDevServerPorts({ ui: false });
    const { port } = devPorts;
    const server: ManagedProcess = await startDevServer({
      temporalCli: await resolveTemporalCli(),
      ...devPorts,
      searchAttributes: SEARCH_ATTRIBUTE_CLI_TYPES,
      readyTimeoutMs: 90_000,
    });
    stops.push(async () => {
      await server.stop();
      releaseDevPorts();
    });
    const address = `127.0.0.1:${port}`;
    const taskQueue = `scale-out-${randomBytes(3).toString('hex')}`;
    log(`Temporal dev server ${address}, task queue ${taskQueue}, PostgreSQL database ${dbName}`);

    // Two workers and two API processes, as docker-compose runs them.
    const common = {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: databaseUrl,
      JWT_SECRET: SECRET,
      RATE_LIMIT_PER_MINUTE: '1000000',
    };
    const workers = ['worker-1', 'worker-2'].map(
      (name) => new EngineProcess(name, 'worker', { ...common, DATA_DIR: join(dir, name) }),
    );
    const apiPorts = (await leasePorts(2)).map((lease) => lease.port);
    const apis = apiPorts.map(
      (p, i) =>
        new EngineProcess(`api-${i + 1}`, 'api', { ...common, DATA_DIR: join(dir, `api-${i + 1}`), PORT: `${p}` }),
    );
    for (const proc of [...workers, ...apis]) stops.push(() => proc.kill('SIGTERM'));
    await Promise.all([
      ...workers.map((w) => w.ready(/"msg":"worker running"/)),
      ...apis.map((a) => a.ready(/"msg":"API listening"/)),
    ]);
    log(`2 workers (pids ${workers.map((w) => w.child.pid).join(', ')}) and 2 APIs (ports ${apiPorts.join(', ')}) up`);

    // The fleet, on a business clock whose 1st of July begins `leadSeconds` from now.
    const sweepAt = Date.now() + options.leadSeconds * 1000;
    const engine: Engine = await startEngine({
      temporal: { address },
      taskQueue,
      store: { open: { databaseUrl, poolSize: 10 } },
      clock: { offsetMs: Date.parse(`${SWEEP_DAY}T00:00:00Z`) - sweepAt },
    });
    stops.push(() => engine.stop());
    const ids = Array.from({ length: options.partners }, (_, i) => `fleet-${String(i).padStart(5, '0')}`);
    const onboardStarted = Date.now();
    await pool(ids, 16, async (id) => {
      const profile = {
        id,
        name: `Fleet ${id}`,
        track: 'consulting' as const,
        tier: 'registered' as const,
        renewalDate: '12-15',
        country: 'US',
      };
      await engine.store.registerPartner({ ...profile, allianceLeadId: `lead@${id}`, partnerManagerIds: ['pm-1'] });
      await engine.lifecycle.start(profile);
    });
    const onboardSeconds = (Date.now() - onboardStarted) / 1000;
    log(
      `${options.partners} partners registered in ${onboardSeconds.toFixed(1)} s; the 1st of July begins in ${((sweepAt - Date.now()) / 1000).toFixed(1)} s`,
    );
    if (Date.now() >= sweepAt) throw new Error(`onboarding outlasted --lead ${options.leadSeconds}: raise it`);

    const sql = new PgClient({ connectionString: databaseUrl });
    await sql.connect();
    stops.push(() => sql.end());
    const journaled = async () =>
      (
        await sql.query<{ n: number }>(
          `select count(distinct partner_id)::int as n from journal where type = 'monthly-check' and "on" = $1`,
          [SWEEP_DAY],
        )
      ).rows[0]!.n;

    // Partner reads through both API processes while the sweep runs.
    const token = await mintToken({
      secret: SECRET,
      role: 'program-admin',
      sub: 'demo-admin',
      issuer: 'apn-tier-engine',
      audience: 'apn-api',
    });
    const reads: Record<string, Record<string, number>> = { 'api-1': {}, 'api-2': {} };
    let reading = true;
    const readers = apiPorts.map(async (p, i) => {
      const counts = reads[`api-${i + 1}`]!;
      for (let n = 0; reading; n++) {
        const id = ids[(n * 7 + i) % ids.length]!;
        const res = await fetch(`http://127.0.0.1:${p}/v1/partners/${id}`, {
          headers: { Authorization: `Bearer ${token}` },
        }).catch(() => undefined);
        const key = res ? String(res.status) : 'no-answer';
        counts[key] = (counts[key] ?? 0) + 1;
        await res?.arrayBuffer().catch(() => undefined);
        // Steady reads, not a flood: the point is that both processes answer while the sweep runs.
        await sleep(5);
      }
    });

    // Kill one worker once the sweep is under way; the other must finish it.
    const killAt = Math.max(1, Math.floor(options.partners * 0.05));
    await sleep(Math.max(0, sweepAt - Date.now()));
    log(`the 1st of July has begun: ${options.partners} monthly checks fall due`);
    let journaledAtKill = 0;
    for (;;) {
      journaledAtKill = await journaled();
      if (journaledAtKill >= killAt) break;
      if (Date.now() - sweepAt > 120_000) throw new Error('no monthly check journaled within 120 s of the 1st');
      await sleep(50);
    }
    const killed = await workers[0]!.kill('SIGKILL');
    const killedAt = Date.now();
    log(
      `kill -9 worker-1 (pid ${workers[0]!.child.pid}) with ${journaledAtKill} of ${options.partners} checks journaled`,
    );
    let done = journaledAtKill;
    while (done < options.partners) {
      if (Date.now() - killedAt > 300_000) throw new Error(`the sweep stalled at ${done}/${options.partners}`);
      await sleep(200);
      done = await journaled();
    }
    const sweepSeconds = (Date.now() - sweepAt) / 1000;
    log(`worker-2 finished the sweep: all ${done} checks journaled ${sweepSeconds.toFixed(1)} s after the 1st`);
    reading = false;
    await Promise.all(readers);

    const { rows } = await sql.query<{ rows: number; partners: number }>(
      `select count(*)::int as rows, count(distinct partner_id)::int as partners from journal
        where type = 'monthly-check' and "on" = $1`,
      [SWEEP_DAY],
    );
    const incidents = (
      await sql.query<{ n: number }>(`select count(*)::int as n from journal where type = 'incident-opened'`)
    ).rows[0]!.n;
    return {
      partners: options.partners,
      workers: 2,
      apis: 2,
      sweepSeconds,
      journaledAtKill,
      journaledAfterKill: done - journaledAtKill,
      sweepRows: rows[0]!.rows,
      sweepPartners: rows[0]!.partners,
      incidents,
      reads,
      killedWorkerSignal: killed.signal,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { partners: { type: 'string', default: '200' }, lead: { type: 'string', default: '60' } },
  });
  const started = Date.now();
  const result = await runScaleOut({
    partners: Number(values.partners),
    leadSeconds: Number(values.lead),
    log: (line) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`),
  });
  const rows: [string, string][] = [
    ['partners', String(result.partners)],
    ['workers / API processes', `${result.workers} / ${result.apis}`],
    ['checks journaled at the kill', String(result.journaledAtKill)],
    ['checks journaled after it (survivor)', String(result.journaledAfterKill)],
    ['sweep (1st → last check journaled)', `${result.sweepSeconds.toFixed(1)} s`],
    ['journal rows / distinct partners', `${result.sweepRows} / ${result.sweepPartners}`],
    ['incidents opened', String(result.incidents)],
    ...Object.entries(result.reads).map(([api, codes]): [string, string] => [
      `reads via ${api}`,
      JSON.stringify(codes),
    ]),
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(40)} ${v}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const ok =
    result.sweepRows === result.partners &&
    result.sweepPartners === result.partners &&
    result.journaledAfterKill > 0 &&
    result.incidents === 0;
  process.exit(ok ? 0 : 1);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
