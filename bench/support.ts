/**
 * What the API benchmarks share (bench/api.ts, bench/reads.ts): the engine started as `npm start` runs it (a Temporal
 * dev server, the worker, a PGlite store on disk in a temp dir and the app from its factory, all in this process),
 * stopped in reverse order, and autocannon runs measured from every response.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { arch, cpus, devNull, loadavg, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import autocannon from 'autocannon';
import express, { type Express } from 'express';
import pino from 'pino';
import {
  emptyEvidence,
  mergeEvidence,
  PartnerEvidenceSchema,
  type PartialEvidence,
  type PartnerEvidence,
  type PartnerEvidenceInput,
} from '../src/domain';
import { createVerifier, mintToken, type Role } from '../src/api/auth';
import { leaseDevServerPorts } from '../src/dev/processes';
import { startEngine as startComposition } from '../src/platform/engine';
import type { Store } from '../src/store';

const NAMESPACE = 'default';
const SECRET = 'bench-api-secret-that-is-at-least-32-characters';
const ISSUER = 'apn-tier-engine';
const AUDIENCE = 'apn-api';
/** How long workflows may take to have nothing pending. */
export const SETTLE_TIMEOUT_MS = 90_000;

/** A failure this script explains itself: printed without a stack trace. */
export class BenchError extends Error {}

export interface RunStats {
  endpoint: string;
  connections: number;
  /** Responses received. */
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  /** Connection errors and timeouts (no response at all). */
  errors: number;
  statusCodes: Record<string, number>;
}

export interface CannonRun {
  endpoint: string;
  url: string;
  connections: number;
  durationS?: number;
  amount?: number;
  headers?: Record<string, string>;
  requests?: autocannon.Request[];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * One autocannon run. Latencies and the elapsed time are taken here from every response: autocannon's own histogram
 * has whole-millisecond resolution (a bare endpoint answers in less) and an `amount` run ends on its next 1 s tick.
 */
export async function cannon(run: CannonRun): Promise<RunStats> {
  return statsOf(run, [await measured(run)]);
}

interface Measured {
  latencies: number[];
  seconds: number;
  errors: number;
  statusCodes: Record<string, number>;
}

async function measured(run: CannonRun): Promise<Measured> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
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
    });
  });
  return {
    latencies,
    seconds: ((lastResponseAt || performance.now()) - started) / 1000,
    errors: result.errors,
    statusCodes,
  };
}

/** One run's figures over its measured slices: requests and seconds summed, percentiles over every latency. */
function statsOf(run: CannonRun, slices: readonly Measured[]): RunStats {
  const sorted = Float64Array.from(slices.flatMap((m) => m.latencies)).sort();
  const seconds = slices.reduce((sum, m) => sum + m.seconds, 0);
  const statusCodes: Record<string, number> = {};
  for (const m of slices) {
    for (const [code, n] of Object.entries(m.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  }
  const non2xx = Object.entries(statusCodes)
    .filter(([code]) => Number(code) < 200 || Number(code) > 299)
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    endpoint: run.endpoint,
    connections: run.connections,
    requests: sorted.length,
    seconds,
    rps: sorted.length / seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : NaN,
    non2xx,
    errors: slices.reduce((sum, m) => sum + m.errors, 0),
    statusCodes,
  };
}

/**
 * The runs in turn, `rounds` times, `sliceS` seconds each: on a machine shared with other work (whose load comes and
 * goes within seconds) each run then sees the same load as the others, and their ratio means something. Each run's
 * figures combine its slices.
 */
export async function alternate<const T extends readonly CannonRun[]>(
  runs: T,
  rounds: number,
  sliceS = 1,
): Promise<{ [K in keyof T]: RunStats }> {
  const slices = runs.map((): Measured[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, run] of runs.entries()) slices[i]!.push(await measured({ ...run, durationS: sliceS }));
  }
  return runs.map((run, i) => statsOf(run, slices[i]!)) as { [K in keyof T]: RunStats };
}

export type Stop = { name: string; stop: () => Promise<void> };

/** Everything started, stopped in reverse order, once: a second call waits for the first. */
export class Stack {
  private readonly items: Stop[] = [];
  private stopping: Promise<void> | undefined;

  push(name: string, stop: () => Promise<void>): void {
    this.items.push({ name, stop });
  }

  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const item of this.items.reverse()) {
        try {
          await item.stop();
        } catch (err) {
          console.error(
            `bench: ${item.name} did not stop cleanly: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
    })();
    return this.stopping;
  }
}

export async function listen(app: Express, stack: Stack, name: string): Promise<string> {
  const server: Server = await new Promise((ready, fail) => {
    const s = app.listen(0, '127.0.0.1', () => ready(s));
    s.once('error', fail);
  });
  stack.push(name, async () => {
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
export function startWatchdog(devServerPid: number, dir: string) {
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
export async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
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
export async function settle(
  client: Client,
  workflowIds: readonly string[],
  what: string,
  timeoutMs = SETTLE_TIMEOUT_MS,
): Promise<number> {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy: string[] = [];
    await inPool(workflowIds, 16, async (id) => {
      const { raw } = await client.workflow.getHandle(id).describe();
      if (raw.pendingWorkflowTask || (raw.pendingActivities?.length ?? 0) > 0) busy.push(id);
    });
    if (busy.length === 0) return (performance.now() - started) / 1000;
    if (Date.now() > deadline) {
      throw new BenchError(`${what}: ${busy.length} workflows still busy after ${timeoutMs / 1000} s (${busy[0]}, …)`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export async function call(
  base: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<ApiAnswer> {
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

export async function expectStatus(answer: Promise<ApiAnswer>, expected: number, what: string): Promise<ApiAnswer> {
  const a = await answer;
  if (a.status !== expected) {
    throw new BenchError(`${what} answered ${a.status}, expected ${expected}: ${JSON.stringify(a.body).slice(0, 400)}`);
  }
  return a;
}

export const fmt = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
export const times = (n: number): string => {
  if (!Number.isFinite(n)) return '-';
  return `${n >= 10 ? n.toFixed(1) : n >= 0.1 ? n.toFixed(2) : n.toPrecision(2)}×`;
};

/** The machine a run measured on, and how loaded it was when it started. */
export function machineInfo() {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${platform()} ${arch()}`,
    loadAverage1m: Number((loadavg()[0] ?? 0).toFixed(2)),
  };
}

/**
 * Runs `main` with a stack that is stopped when it ends, fails, or the process hears SIGINT/SIGTERM; a BenchError is
 * printed without its stack trace.
 */
export function runBench(name: string, main: (stack: Stack) => Promise<void>): void {
  const stack = new Stack();
  let exiting = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (exiting) return;
      exiting = true;
      console.error(`${name}: ${signal}, stopping`);
      void stack.stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  main(stack).then(
    async () => {
      await stack.stopAll();
    },
    async (err: unknown) => {
      const detail = err instanceof BenchError || !(err instanceof Error) ? String(err) : (err.stack ?? err.message);
      console.error(`${name} failed: ${detail.replace(/^Error: /, '')}`);
      await stack.stopAll();
      process.exit(1);
    },
  );
}

// ---- the engine ----

export interface Engine {
  address: string;
  /** The temp dir holding the PGlite store (`pglite/`) and, with `temporalDbFile`, `temporal.db`. */
  dir: string;
  client: Client;
  store: Store;
  apiUrl: string;
  /** A bare express JSON endpoint in the same process: the baseline. */
  bareUrl: string;
  /** `p`, or the worker's failure if it dies first. */
  guard: <T>(p: Promise<T>) => Promise<T>;
  /** Workflows the engine's worker holds in its sticky cache now. */
  cachedWorkflows: () => number;
  token: (role: Role, sub: string, partnerId?: string) => Promise<string>;
}

/**
 * Starts the engine through the composition root (`startEngine` of src/platform/engine.ts) as `npm start` runs it — a
 * dev server, PGlite on disk in a temp dir, the worker and the API listening — with request logs written as in
 * production to a sink that costs no terminal time, and a bare express endpoint beside it; stopped with `stack`.
 */
export async function startEngine(
  stack: Stack,
  options: {
    name: string;
    taskQueue: string;
    businessDate: string;
    /** Business time now (epoch ms), instead of noon of `businessDate` (bench:fleet: a minute before the 1st). */
    businessNowMs?: number;
    /** Keeps the dev server's state in a SQLite file in the temp dir (as `npm start` does), to measure its size. */
    temporalDbFile?: boolean;
    /** The worker's sticky cache size (the engine's `worker.maxCachedWorkflows`); the SDK's default when absent. */
    maxCachedWorkflows?: number;
  },
): Promise<Engine> {
  // The SDK must not act on SIGINT/SIGTERM itself: our handler stops everything in order, the dev server included.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });

  const dir = await mkdtemp(join(tmpdir(), `apn-${options.name}-`));
  stack.push('temp dir', () => rm(dir, { recursive: true, force: true }));

  let stopping = false;
  // The bench process holds the leases until it exits (ports.ts releases them then).
  const { release: _release, ...devPorts } = await leaseDevServerPorts({ ui: false });
  const engine = await startComposition({
    temporal: {
      embedded: {
        ...devPorts,
        logFile: join(dir, 'temporal-dev-server.log'),
        ...(options.temporalDbFile ? { dbFile: join(dir, 'temporal.db') } : {}),
      },
    },
    namespace: NAMESPACE,
    taskQueue: options.taskQueue,
    store: { open: { dataDir: join(dir, 'pglite') } },
    clock: { offsetMs: (options.businessNowMs ?? Date.parse(`${options.businessDate}T12:00:00Z`)) - Date.now() },
    worker: options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {},
    api: {
      verifier: createVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE }),
      // BENCH_LOG_FILE keeps the API's log (e.g. to see why a request failed); by default it costs no terminal time.
      log: pino({ level: 'info' }, pino.destination({ dest: process.env.BENCH_LOG_FILE ?? devNull, sync: true })),
      rateLimitPerMinute: 100_000_000,
      listen: { host: '127.0.0.1', port: 0 },
    },
    onToolOutput: (line) => console.log(line),
  });
  stack.push('engine', async () => {
    stopping = true;
    await engine.stop();
  });
  if (engine.temporal.devServerPid !== undefined) {
    const watchdog = startWatchdog(engine.temporal.devServerPid, dir);
    stack.push('watchdog', async () => {
      watchdog.kill('SIGTERM');
      await Promise.resolve();
    });
  }
  const workerDone = engine.worker?.done ?? Promise.reject(new BenchError('the engine started no worker'));
  const workerDown = workerDone.then(
    () => {
      if (!stopping) throw new BenchError('the Temporal worker stopped before the benchmark ended');
    },
    (err: unknown) => {
      throw new BenchError(`the Temporal worker failed: ${err instanceof Error ? err.message : String(err)}`);
    },
  );
  workerDown.catch(() => undefined);

  const address = engine.temporal.address ?? '';
  const apiUrl = engine.api?.url ?? '';
  const bare = express();
  bare.get('/bare', (_q, r) => r.json({ ok: true }));
  const bareUrl = `${await listen(bare, stack, 'bare express app')}/bare`;
  console.log(`Temporal ${address}, API ${apiUrl}, bare ${bareUrl}, store ${join(dir, 'pglite')}`);
  return {
    address,
    dir,
    client: engine.client,
    store: engine.store,
    apiUrl,
    bareUrl,
    guard: <T>(p: Promise<T>): Promise<T> => Promise.race([p, workerDown.then(() => p)]),
    cachedWorkflows: () => engine.worker?.native.getStatus().numCachedWorkflows ?? 0,
    token: (role, sub, partnerId) =>
      mintToken({ secret: SECRET, role, sub, ...(partnerId ? { partnerId } : {}), issuer: ISSUER, audience: AUDIENCE }),
  };
}

/** Registers a consulting partner through the API (renewal 12-15, fee account, manager pm-bench) and sends its evidence. */
export async function registerWithEvidence(
  apiUrl: string,
  tokens: { admin: string; feed: string },
  partner: { id: string; tier: string; evidence: unknown },
): Promise<void> {
  const { id } = partner;
  await expectStatus(
    call(apiUrl, 'POST', '/v1/partners', tokens.admin, {
      id,
      name: `Bench ${id}`,
      track: 'consulting',
      tier: partner.tier,
      renewalDate: '12-15',
      country: 'US',
      feeAccountId: '123456789012',
      allianceLeadId: `lead@${id}`,
      partnerManagerIds: ['pm-bench'],
    }),
    201,
    `registering ${id}`,
  );
  await expectStatus(
    call(apiUrl, 'PUT', `/v1/partners/${id}/evidence`, tokens.feed, partner.evidence),
    200,
    `evidence of ${id}`,
  );
}

// ---- evidence ----

/** `input` parsed as evidence; a bench that built it wrong stops, saying what. */
export function parsed(input: PartnerEvidenceInput, what: string): PartnerEvidence {
  const result = PartnerEvidenceSchema.safeParse(input);
  if (!result.success) throw new BenchError(`bench ${what} evidence is invalid: ${result.error.message.slice(0, 500)}`);
  return result.data;
}

/**
 * A consulting partner meeting Select on and for a year after `on` (DOMAIN §2): 2 technical + 2 business accredited,
 * 2 Cloud Practitioners, 2 Associate-certified, 3 launched opportunities worth $1,500 MRR, 1 public reference and 5
 * verified CSAT responses. The shape of test/support/evidence.ts, kept here so the bench does not import tests.
 */
export function selectEvidence(on: string, tag: string): PartnerEvidence {
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
