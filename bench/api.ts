/**
 * Benchmark of the HTTP API on the real stack (npm run bench:api). Not a test: a Temporal dev server, the worker, a
 * PGlite store on disk in a temp dir and the API, started by startEngine in this process as `npm start` runs them,
 * driven by autocannon at a fixed concurrency. Measures GET /v1/partners/{id}/scorecard (for a duration, on a
 * Premier-size partner) and POST /v1/partners/{id}/upgrade-applications (exactly one real application per
 * pre-registered partner), each beside a bare express JSON endpoint measured in the same run, and prints a table, the
 * machine and a JSON summary line.
 *
 *   npm run bench:api                         # 10 connections, 10 s, 100 applications: under 2 minutes
 *   npm run bench:api -- --connections 10 --duration 10 --partners 300
 *   BENCH_CONNECTIONS=10 BENCH_DURATION=10 BENCH_PARTNERS=300 npm run bench:api
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { arch, cpus, devNull, loadavg, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import autocannon from 'autocannon';
import express, { type Express } from 'express';
import pino from 'pino';
import { createVerifier, mintToken, type Role } from '../src/api/auth';
import { partnerWorkflowId } from '../src/api/lifecycle';
import { freePort } from '../src/dev/processes';
import { startEngine, type Engine } from '../src/platform/engine';
import {
  addDays,
  emptyEvidence,
  evaluateScorecard,
  mergeEvidence,
  PartnerEvidenceSchema,
  type PartialEvidence,
  type PartnerEvidence,
  type PartnerEvidenceInput,
} from '../src/domain';

/** Business date the API and its workflows live on, so every run evaluates the same evidence the same way. */
const BUSINESS_DATE = '2019-10-02';
const NAMESPACE = 'default';
const TASK_QUEUE = 'bench-api';
const SECRET = 'bench-api-secret-that-is-at-least-32-characters';
const ISSUER = 'apn-tier-engine';
const AUDIENCE = 'apn-api';
const SETTLE_TIMEOUT_MS = 90_000;
/** Fewest requests of the bare run beside the upgrade applications: a few hundred finish too fast to be steady. */
const BARE_MIN_REQUESTS = 5_000;

/** A failure this script explains itself: printed without a stack trace. */
class BenchError extends Error {}

// ---- configuration ----

interface BenchConfig {
  connections: number;
  /** Seconds of each duration-based run (scorecard and its bare baseline). */
  durationS: number;
  /** Seconds of unmeasured load before the duration-based runs. */
  warmupS: number;
  /** Partners registered at `registered` with Select evidence: one upgrade application each. */
  partners: number;
  /** Concurrent registrations while setting up. */
  setupConcurrency: number;
}

const USAGE = `npm run bench:api -- [--connections N] [--duration S] [--warmup S] [--partners N] [--setup-concurrency N]
  env: BENCH_CONNECTIONS (10), BENCH_DURATION (10), BENCH_WARMUP (2), BENCH_PARTNERS (100), BENCH_SETUP_CONCURRENCY (8)`;

function readConfig(): BenchConfig {
  let parsedArgs;
  try {
    parsedArgs = parseArgs({
      options: {
        connections: { type: 'string', short: 'c' },
        duration: { type: 'string', short: 'd' },
        warmup: { type: 'string' },
        partners: { type: 'string', short: 'n' },
        'setup-concurrency': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (err) {
    throw new BenchError(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  const { values } = parsedArgs;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, flag: string | undefined, env: string, fallback: number, min: number): number => {
    const raw = flag ?? process.env[env] ?? String(fallback);
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new BenchError(`${name} must be a whole number ≥ ${min} (got '${raw}')\n${USAGE}`);
    }
    return value;
  };
  const config = {
    connections: int('--connections', values.connections, 'BENCH_CONNECTIONS', 10, 1),
    durationS: int('--duration', values.duration, 'BENCH_DURATION', 10, 1),
    warmupS: int('--warmup', values.warmup, 'BENCH_WARMUP', 2, 0),
    partners: int('--partners', values.partners, 'BENCH_PARTNERS', 100, 1),
    setupConcurrency: int('--setup-concurrency', values['setup-concurrency'], 'BENCH_SETUP_CONCURRENCY', 8, 1),
  };
  if (config.partners < config.connections) {
    throw new BenchError(`--partners (${config.partners}) must be at least --connections (${config.connections})`);
  }
  return config;
}

// ---- evidence ----

/** Deterministic pseudo-random numbers so every run stores the same documents. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function parsed(input: PartnerEvidenceInput, what: string): PartnerEvidence {
  const result = PartnerEvidenceSchema.safeParse(input);
  if (!result.success) throw new BenchError(`bench ${what} evidence is invalid: ${result.error.message.slice(0, 500)}`);
  return result.data;
}

/**
 * A consulting partner the size bench/rules.ts calls typical for Premier (300 people, 500 opportunities, 200 CSAT
 * responses), with the mess real evidence has: people who left, expired certifications, opportunities not launched
 * or launched before the 12-month window, Marketplace deals, private references, unverified CSAT responses.
 */
function premierSizeEvidence(asOf: string): PartnerEvidence {
  const r = rng(2019);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const inWindow = () => addDays(asOf, -1 - Math.floor(r() * 330));
  const beforeWindow = () => addDays(asOf, -380 - Math.floor(r() * 300));
  const levels = ['associate', 'associate', 'professional', 'specialty'] as const;
  const competencies = ['DevOps', 'Migration', 'Data & Analytics', 'Security'];
  return parsed(
    {
      track: 'consulting',
      tier: 'premier',
      domains: ['premier.example.com'],
      individuals: Array.from({ length: 300 }, (_, i) => ({
        id: `u-${i}`,
        registeredOn: beforeWindow(),
        leftOn: r() < 0.05 ? addDays(asOf, -20) : null,
        credentials: [
          {
            type: 'accreditation' as const,
            name: r() < 0.5 ? 'technical-professional' : 'business-professional',
            earnedOn: beforeWindow(),
          },
          ...(r() < 0.7
            ? [
                {
                  type: 'certification' as const,
                  name: 'cloud-practitioner',
                  level: 'foundational' as const,
                  earnedOn: inWindow(),
                },
              ]
            : []),
          ...(r() < 0.6
            ? [
                {
                  type: 'certification' as const,
                  name: `cert-${i % 12}`,
                  level: pick(levels),
                  earnedOn: beforeWindow(),
                  expiresOn: r() < 0.1 ? addDays(asOf, -5) : addDays(asOf, 400),
                },
              ]
            : []),
        ],
      })),
      opportunities: Array.from({ length: 500 }, (_, i) => {
        const roll = r();
        const launched = roll < 0.75;
        return {
          id: `o-${i}`,
          status: launched ? ('launched' as const) : roll < 0.9 ? ('approved' as const) : ('closed-lost' as const),
          launchedOn: launched ? (r() < 0.7 ? inWindow() : beforeWindow()) : null,
          estimatedMrr: Math.round(100 + r() * 190_000) / 100,
          source: r() < 0.03 ? ('marketplace' as const) : pick(['partner', 'aws-referred', 'aws-tagged'] as const),
        };
      }),
      legacyRevenueSubmissions: Array.from({ length: 10 }, (_, i) => ({
        accountId: String(200_000_000_000 + i),
        submittedOn: beforeWindow(),
      })),
      businessPlan: { signedOffOn: addDays(asOf, -120), signedOffBy: 'pm-bench' },
      validations: [
        { program: 'msp' as const, achievedOn: beforeWindow(), expiresOn: null },
        { program: 'well-architected' as const, achievedOn: beforeWindow(), expiresOn: null },
        ...competencies.map((name) => ({
          program: 'competency' as const,
          name,
          achievedOn: beforeWindow(),
          expiresOn: null,
        })),
      ],
      references: Array.from({ length: 20 }, (_, i) => ({
        id: `r-${i}`,
        customer: `Customer ${i}`,
        public: r() < 0.85,
        source: 'ace-opportunity' as const,
        designatedOn: r() < 0.8 ? inWindow() : beforeWindow(),
        status: 'approved' as const,
      })),
      csatResponses: Array.from({ length: 200 }, (_, i) => ({
        id: `c-${i}`,
        customer: `Customer ${i % 60}`,
        submittedOn: r() < 0.8 ? inWindow() : beforeWindow(),
        origin: 'rate-this-partner' as const,
        emailConfirmed: r() < 0.95,
        awsCustomerVerified: r() < 0.9,
      })),
    },
    'Premier-size',
  );
}

/**
 * A consulting partner meeting Select on and for a year after `on` (DOMAIN §2): 2 technical + 2 business accredited,
 * 2 Cloud Practitioners, 2 Associate-certified, 3 launched opportunities worth $1,500 MRR, 1 public reference and 5
 * verified CSAT responses. The shape of test/support/evidence.ts, kept here so the bench does not import tests.
 */
function selectEvidence(on: string, tag: string): PartnerEvidence {
  const individuals = Array.from({ length: 4 }, (_, i) => ({
    id: `u-${i}`,
    registeredOn: '2018-01-01',
    leftOn: null,
    credentials: [
      {
        type: 'accreditation' as const,
        name: i < 2 ? ('technical-professional' as const) : ('business-professional' as const),
        earnedOn: '2018-02-01',
      },
      ...(i < 2
        ? [
            {
              type: 'certification' as const,
              name: 'cloud-practitioner',
              level: 'foundational' as const,
              earnedOn: '2018-03-01',
            },
            {
              type: 'certification' as const,
              name: 'solutions-architect-associate',
              level: 'associate' as const,
              earnedOn: '2018-03-01',
            },
          ]
        : []),
    ],
  }));
  const partial: PartialEvidence = {
    individuals,
    opportunities: Array.from({ length: 3 }, (_, i) => ({
      id: `o-${tag}-${i}`,
      status: 'launched' as const,
      launchedOn: on,
      estimatedMrr: 500,
      source: 'partner' as const,
    })),
    references: [
      {
        id: `r-${tag}`,
        customer: 'Customer 0',
        public: true,
        source: 'ace-opportunity' as const,
        designatedOn: on,
        status: 'approved' as const,
      },
    ],
    csatResponses: Array.from({ length: 5 }, (_, i) => ({
      id: `c-${tag}-${i}`,
      customer: `Customer ${i}`,
      submittedOn: on,
      origin: 'rate-this-partner' as const,
      emailConfirmed: true,
      awsCustomerVerified: true,
    })),
  };
  return parsed(mergeEvidence(emptyEvidence('consulting'), partial), 'Select');
}

/** Items in a document: every list entry, credentials and credits included. */
function countItems(e: PartnerEvidence): number {
  return (
    e.individuals.reduce((n, p) => n + 1 + p.credentials.length, 0) +
    e.opportunities.length +
    e.legacyRevenueSubmissions.length +
    e.directRevenue.reduce((n, d) => n + 1 + d.credits.length, 0) +
    e.productListings.length +
    e.validations.length +
    e.references.length +
    e.csatResponses.length
  );
}

// ---- load generation ----

interface RunStats {
  endpoint: string;
  connections: number;
  /** Responses received. */
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** Connection errors and timeouts (no response at all). */
  errors: number;
  statusCodes: Record<string, number>;
}

interface CannonRun {
  endpoint: string;
  url: string;
  connections: number;
  durationS?: number;
  amount?: number;
  headers?: Record<string, string>;
  requests?: autocannon.Request[];
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * One autocannon run. Latencies and the elapsed time are taken here from every response: autocannon's own histogram
 * has whole-millisecond resolution (a bare endpoint answers in less) and an `amount` run ends on its next 1 s tick.
 */
async function cannon(run: CannonRun): Promise<RunStats> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let non2xx = 0;
  let lastResponseAt = 0;
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: run.url,
        connections: run.connections,
        pipelining: 1,
        timeout: 30,
        ...(run.amount === undefined ? { duration: run.durationS ?? 10 } : { amount: run.amount }),
        ...(run.headers ? { headers: run.headers } : {}),
        ...(run.requests ? { requests: run.requests } : {}),
      },
      (err: unknown, res: autocannon.Result) => {
        if (err) reject(err instanceof Error ? err : new Error(`autocannon failed: ${JSON.stringify(err)}`));
        else resolve(res);
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      lastResponseAt = performance.now();
      latencies.push(responseTime);
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode < 200 || statusCode > 299) non2xx += 1;
    });
  });
  const sorted = Float64Array.from(latencies).sort();
  const seconds = ((lastResponseAt || performance.now()) - started) / 1000;
  return {
    endpoint: run.endpoint,
    connections: run.connections,
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    non2xx,
    errors: result.errors,
    statusCodes,
  };
}

// ---- the engine and what the bench adds to it ----

async function listen(app: Express, engine: Engine, name: string): Promise<string> {
  const server: Server = await new Promise((ready, fail) => {
    const s = app.listen(0, '127.0.0.1', () => ready(s));
    s.once('error', fail);
  });
  engine.onStop(name, async () => {
    await new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new BenchError(`${name} has no TCP address`);
  return `http://127.0.0.1:${address.port}`;
}

/**
 * A detached shell that stops the dev server's process group and removes the temp dir once this process is gone
 * without having done so: under `tsx`, Ctrl-C SIGKILLs a child that does not acknowledge the signal within 30 ms,
 * and the dev server runs in its own process group, so it would outlive us. Killed first on a clean stop.
 */
function startWatchdog(devServerPid: number, dir: string) {
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    `kill -TERM -${devServerPid} 2>/dev/null`,
    'sleep 5',
    `kill -KILL -${devServerPid} 2>/dev/null`,
    `rm -rf '${dir}'`,
  ].join('; ');
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

/** Runs `fn` over `items` with at most `concurrency` at a time. */
async function inPool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(lanes);
}

/** Waits until none of the workflows has a workflow task, activity or child start pending. */
async function settle(client: Client, workflowIds: readonly string[], what: string): Promise<number> {
  const started = performance.now();
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const busy: string[] = [];
    await inPool(workflowIds, 16, async (id) => {
      const { raw } = await client.workflow.getHandle(id).describe();
      if (raw.pendingWorkflowTask || (raw.pendingActivities?.length ?? 0) > 0) busy.push(id);
    });
    if (busy.length === 0) return (performance.now() - started) / 1000;
    if (Date.now() > deadline) {
      throw new BenchError(
        `${what}: ${busy.length} workflows still busy after ${SETTLE_TIMEOUT_MS / 1000} s (${busy[0]}, …)`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface ApiAnswer {
  status: number;
  body: unknown;
}

async function call(base: string, method: string, path: string, token: string, body?: unknown): Promise<ApiAnswer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsedBody: unknown = text;
  try {
    parsedBody = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: res.status, body: parsedBody };
}

async function expectStatus(answer: Promise<ApiAnswer>, expected: number, what: string): Promise<ApiAnswer> {
  const a = await answer;
  if (a.status !== expected) {
    throw new BenchError(`${what} answered ${a.status}, expected ${expected}: ${JSON.stringify(a.body).slice(0, 400)}`);
  }
  return a;
}

// ---- output ----

const fmt = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const times = (n: number): string => {
  if (!Number.isFinite(n)) return '-';
  return `${n >= 10 ? n.toFixed(1) : n >= 0.1 ? n.toFixed(2) : n.toPrecision(2)}×`;
};

interface Row {
  stats: RunStats;
  bare?: RunStats;
}

function ratios(row: Row): { rps: number; p50: number; p99: number } | undefined {
  if (!row.bare) return undefined;
  return { rps: row.stats.rps / row.bare.rps, p50: row.stats.p50 / row.bare.p50, p99: row.stats.p99 / row.bare.p99 };
}

function printTable(rows: Row[]): void {
  const header = [
    'endpoint',
    'conns',
    'requests',
    'req/s',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'errors',
    'req/s ÷ bare',
    'p50 ÷ bare',
    'p99 ÷ bare',
  ];
  const lines = rows.map((row) => {
    const s = row.stats;
    const ratio = ratios(row);
    return [
      s.endpoint,
      String(s.connections),
      String(s.requests),
      fmt(s.rps, 0),
      fmt(s.p50, 2),
      fmt(s.p99, 2),
      String(s.non2xx),
      String(s.errors),
      ratio ? times(ratio.rps) : '',
      ratio ? times(ratio.p50) : '',
      ratio ? times(ratio.p99) : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(render(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(render(line));
}

function summaryOf(row: Row) {
  const s = row.stats;
  const ratio = ratios(row);
  const round = (n: number, d: number) => (Number.isFinite(n) ? Number(n.toFixed(d)) : null);
  return {
    endpoint: s.endpoint,
    connections: s.connections,
    requests: s.requests,
    seconds: round(s.seconds, 3),
    rps: round(s.rps, 1),
    p50Ms: round(s.p50, 3),
    p99Ms: round(s.p99, 3),
    non2xx: s.non2xx,
    errors: s.errors,
    statusCodes: s.statusCodes,
    ...(ratio ? { vsBare: { rps: round(ratio.rps, 4), p50: round(ratio.p50, 2), p99: round(ratio.p99, 2) } } : {}),
  };
}

// ---- main ----

async function main(): Promise<void> {
  const config = readConfig();
  const cpu = cpus();
  const machine = {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${platform()} ${arch()}`,
    loadAverage1m: Number((loadavg()[0] ?? 0).toFixed(2)),
  };
  console.log(
    `APN API benchmark — ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}, ${machine.platform}, ` +
      `load average ${machine.loadAverage1m}`,
  );
  console.log(
    `connections ${config.connections}, scorecard ${config.durationS} s (after ${config.warmupS} s warm-up), ` +
      `${config.partners} upgrade applications; business date ${BUSINESS_DATE}`,
  );
  const t0 = performance.now();
  const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

  // The SDK must not act on SIGINT/SIGTERM itself: our handler stops everything in order, the dev server included.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });

  const dir = await mkdtemp(join(tmpdir(), 'apn-bench-api-'));
  started.dir = dir;

  // The engine as `npm start` runs it: a dev server, PGlite on disk (migrated), the worker and the API, in this process.
  const offsetMs = Date.parse(`${BUSINESS_DATE}T12:00:00Z`) - Date.now();
  const engine = await startEngine({
    temporal: { embedded: { port: await freePort(), logFile: join(dir, 'temporal-dev-server.log') } },
    namespace: NAMESPACE,
    taskQueue: TASK_QUEUE,
    store: { open: { dataDir: join(dir, 'pglite') } },
    clock: { offsetMs },
    worker: {},
    api: {
      verifier: createVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE }),
      // Request logs are written as in production, to a sink that costs no terminal time.
      log: pino({ level: 'info' }, pino.destination({ dest: devNull, sync: true })),
      rateLimitPerMinute: 100_000_000,
      listen: { host: '127.0.0.1', port: 0 },
    },
    onToolOutput: (line) => console.log(line),
  });
  started.engine = engine;
  const { store, client } = engine;
  const address = engine.temporal.address ?? '';
  if (engine.temporal.devServerPid !== undefined) {
    const watchdog = startWatchdog(engine.temporal.devServerPid, dir);
    engine.onStop('watchdog', async () => {
      watchdog.kill('SIGTERM');
      await Promise.resolve();
    });
  }
  const workerDone = engine.worker?.done ?? Promise.reject(new BenchError('the engine started no worker'));
  const workerDown = workerDone.then(
    () => {
      if (!started.stopping) throw new BenchError('the Temporal worker stopped before the benchmark ended');
    },
    (err: unknown) => {
      throw new BenchError(`the Temporal worker failed: ${err instanceof Error ? err.message : String(err)}`);
    },
  );
  workerDown.catch(() => undefined);
  /** `p`, or the worker's failure if it dies first. */
  const guard = <T>(p: Promise<T>): Promise<T> => Promise.race([p, workerDown.then(() => p)]);

  const apiUrl = engine.api?.url ?? '';
  const bare = express();
  bare.get('/bare', (_q, r) => r.json({ ok: true }));
  const bareUrl = `${await listen(bare, engine, 'bare express app')}/bare`;
  console.log(`[${since()}] Temporal ${address}, API ${apiUrl}, bare ${bareUrl}, store ${join(dir, 'pglite')}`);

  const token = (role: Role, sub: string, partnerId?: string) =>
    mintToken({ secret: SECRET, role, sub, ...(partnerId ? { partnerId } : {}), issuer: ISSUER, audience: AUDIENCE });
  const admin = await token('program-admin', 'bench-admin');
  const feed = await token('evidence-feed', 'bench-feed');

  // ---- set-up through the API: register, then send the evidence ----
  interface BenchPartner {
    id: string;
    tier: 'registered' | 'premier';
    evidence: PartnerEvidence;
    lead: string;
  }
  const premierEvidence = premierSizeEvidence(BUSINESS_DATE);
  const premierCard = evaluateScorecard(premierEvidence, BUSINESS_DATE);
  if (premierCard.highestTierMet !== 'premier') {
    throw new BenchError(`the Premier-size evidence meets only ${premierCard.highestTierMet} on ${BUSINESS_DATE}`);
  }
  const selectOn = addDays(BUSINESS_DATE, -30);
  const premier: BenchPartner = {
    id: 'bench-premier',
    tier: 'premier',
    evidence: premierEvidence,
    lead: await token('alliance-lead', 'lead@bench-premier', 'bench-premier'),
  };
  const applicants: BenchPartner[] = [];
  for (let i = 0; i < config.partners; i++) {
    const id = `bench-select-${String(i).padStart(4, '0')}`;
    const evidence = selectEvidence(selectOn, id);
    if (i === 0 && evaluateScorecard(evidence, BUSINESS_DATE).highestTierMet !== 'select') {
      throw new BenchError(`the Select evidence does not meet Select on ${BUSINESS_DATE}`);
    }
    applicants.push({ id, tier: 'registered', evidence, lead: await token('alliance-lead', `lead@${id}`, id) });
  }
  const everyone = [premier, ...applicants];
  await guard(
    inPool(everyone, config.setupConcurrency, async (p) => {
      await expectStatus(
        call(apiUrl, 'POST', '/v1/partners', admin, {
          id: p.id,
          name: `Bench ${p.id}`,
          track: 'consulting',
          tier: p.tier,
          renewalDate: '12-15',
          country: 'US',
          feeAccountId: '123456789012',
          allianceLeadId: `lead@${p.id}`,
          partnerManagerIds: ['pm-bench'],
        }),
        201,
        `registering ${p.id}`,
      );
      await expectStatus(
        call(apiUrl, 'PUT', `/v1/partners/${p.id}/evidence`, feed, p.evidence),
        200,
        `evidence of ${p.id}`,
      );
    }),
  );
  const partnerWorkflows = everyone.map((p) => partnerWorkflowId(p.id));
  console.log(`[${since()}] registered ${everyone.length} partners with evidence through the API`);
  const settledS = await guard(settle(client, partnerWorkflows, 'after registration'));
  console.log(`[${since()}] workflows settled (${settledS.toFixed(1)} s)`);

  // ---- phase 1: the scorecard of a Premier-size partner, for a duration ----
  const scorecardPath = `/v1/partners/${premier.id}/scorecard`;
  const first = await expectStatus(call(apiUrl, 'GET', scorecardPath, premier.lead), 200, 'the first scorecard');
  const served = (first.body as { highestTierMet?: string }).highestTierMet;
  if (served !== 'premier') throw new BenchError(`the API scored the Premier-size partner ${String(served)}`);
  const json = JSON.stringify(premierEvidence);
  console.log(
    `[${since()}] scorecard partner: ${countItems(premierEvidence)} evidence items, ${(json.length / 1024).toFixed(0)} KiB ` +
      `of JSON, highestTierMet ${served}`,
  );
  const scorecardRun: CannonRun = {
    endpoint: 'GET /v1/partners/{id}/scorecard',
    url: `${apiUrl}${scorecardPath}`,
    connections: config.connections,
    durationS: config.durationS,
    headers: { authorization: `Bearer ${premier.lead}` },
  };
  const bareRun: CannonRun = {
    endpoint: 'GET /bare',
    url: bareUrl,
    connections: config.connections,
    durationS: config.durationS,
  };
  if (config.warmupS > 0) {
    await guard(cannon({ ...bareRun, durationS: config.warmupS }));
    await guard(cannon({ ...scorecardRun, durationS: config.warmupS }));
    console.log(`[${since()}] warmed up (${config.warmupS} s each)`);
  }
  const bareDuration = await guard(cannon({ ...bareRun, endpoint: `GET /bare (${config.durationS} s)` }));
  const scorecard = await guard(
    cannon({ ...scorecardRun, endpoint: `${scorecardRun.endpoint} (${config.durationS} s)` }),
  );
  console.log(`[${since()}] scorecard measured`);

  // ---- phase 2: one real upgrade application per partner ----
  // The same kind of run (a fixed number of requests), with enough of them to be a steady baseline.
  const bareRequests = Math.max(config.partners, BARE_MIN_REQUESTS);
  const bareAmount = await guard(
    cannon({ ...bareRun, endpoint: `GET /bare (${bareRequests} requests)`, amount: bareRequests }),
  );
  let next = 0;
  const refusals: string[] = [];
  let accepted = 0;
  const applicationWorkflows: string[] = [];
  const body = JSON.stringify({ targetTier: 'select', feeAccountId: '123456789012' });
  const upgrade = await guard(
    cannon({
      endpoint: `POST /v1/partners/{id}/upgrade-applications (${config.partners} requests)`,
      url: apiUrl,
      connections: config.connections,
      amount: config.partners,
      requests: [
        {
          method: 'POST',
          // autocannon builds each request just before sending it, one per sent request: each goes to the next partner.
          setupRequest: (req) => {
            const p = applicants[next++ % applicants.length]!;
            return {
              ...req,
              path: `/v1/partners/${p.id}/upgrade-applications`,
              headers: { authorization: `Bearer ${p.lead}`, 'content-type': 'application/json' },
              body,
            };
          },
          onResponse: (status, responseBody) => {
            if (status === 202) {
              accepted += 1;
              applicationWorkflows.push((JSON.parse(responseBody) as { workflowId: string }).workflowId);
            } else if (refusals.length < 5) refusals.push(`${status}: ${responseBody.slice(0, 300)}`);
          },
        },
      ],
    }),
  );
  console.log(`[${since()}] upgrade applications sent (${accepted} accepted)`);

  // Every accepted application runs as its own workflow: wait for the decisions, so the next run starts clean.
  const decisionsBy = Date.now() + SETTLE_TIMEOUT_MS;
  let approved = 0;
  let rejected = 0;
  for (;;) {
    const applications = await store.listApplications({});
    approved = applications.filter((a) => a.status === 'approved').length;
    rejected = applications.filter((a) => a.status === 'rejected').length;
    if (approved + rejected >= accepted) break;
    if (Date.now() > decisionsBy) {
      throw new BenchError(
        `only ${approved + rejected} of ${accepted} applications were decided within ${SETTLE_TIMEOUT_MS / 1000} s`,
      );
    }
    await guard(new Promise((r) => setTimeout(r, 250)));
  }
  await guard(settle(client, [...partnerWorkflows, ...applicationWorkflows], 'after the applications'));
  console.log(`[${since()}] applications decided: ${approved} approved, ${rejected} rejected`);

  // ---- report ----
  const rows: Row[] = [
    { stats: bareDuration },
    { stats: scorecard, bare: bareDuration },
    { stats: bareAmount },
    { stats: upgrade, bare: bareAmount },
  ];
  console.log('');
  printTable(rows);
  console.log('');
  const loadNow = (loadavg()[0] ?? 0).toFixed(2);
  console.log(
    `machine: ${machine.cpus} × ${machine.cpuModel}; node ${machine.node}; ${machine.platform}; ` +
      `load average ${machine.loadAverage1m} at start, ${loadNow} at end`,
  );
  console.log(
    'load generator, API, worker and bare app share this node process (as `npm start` runs the API and worker); ' +
      'compare the ratios to bare rather than absolute figures across machines',
  );
  const non202 = upgrade.requests - accepted + upgrade.errors;
  const valid = non202 === 0 && upgrade.requests === config.partners && scorecard.non2xx === 0 && rejected === 0;
  if (non202 > 0 || upgrade.requests !== config.partners) {
    console.warn(
      `WARNING: ${non202} of ${config.partners} upgrade applications were not answered 202 ` +
        `(${upgrade.requests} answers, ${upgrade.errors} errors/timeouts); this run is not valid.` +
        (refusals.length > 0 ? `\n  first refusals:\n    ${refusals.join('\n    ')}` : ''),
    );
  }
  if (scorecard.non2xx > 0 || scorecard.errors > 0) {
    console.warn(`WARNING: the scorecard run had ${scorecard.non2xx} non-2xx answers and ${scorecard.errors} errors`);
  }
  if (rejected > 0) console.warn(`WARNING: ${rejected} Select applications were rejected: the bench evidence is wrong`);
  console.log(
    JSON.stringify({
      bench: 'api',
      at: new Date().toISOString(),
      machine,
      config: { ...config, businessDate: BUSINESS_DATE, scorecardEvidenceItems: countItems(premierEvidence) },
      results: rows.map(summaryOf),
      upgrade: { sent: config.partners, accepted, non202, approved, rejected },
      valid,
    }),
  );
}

/** What `main` started: the engine stops first, then its temp dir goes; a second call waits for the first. */
const started: { engine?: Engine; dir?: string; stopping?: Promise<void> } = {};
function stopAll(): Promise<void> {
  started.stopping ??= (async () => {
    await started.engine?.stop().catch((err: unknown) => {
      console.error(`bench:api: the engine did not stop cleanly: ${err instanceof Error ? err.message : String(err)}`);
    });
    if (started.dir) await rm(started.dir, { recursive: true, force: true });
  })();
  return started.stopping;
}

let exiting = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (exiting) return;
    exiting = true;
    console.error(`bench:api: ${signal}, stopping`);
    void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}
main().then(
  async () => {
    await stopAll();
  },
  async (err: unknown) => {
    const detail = err instanceof BenchError || !(err instanceof Error) ? String(err) : (err.stack ?? err.message);
    console.error(`bench:api failed: ${detail.replace(/^Error: /, '')}`);
    await stopAll();
    process.exit(1);
  },
);
