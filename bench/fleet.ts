/**
 * A whole partner program on one machine (npm run bench:fleet, issue #14 item 4). Not a test. The engine as `npm
 * start` runs it (Temporal dev server with its SQLite file, the worker, PGlite on disk, the API), in this process, with
 * a second worker on the same server running the floor's no-op workflows (bench/fleet/floor-workflows.ts):
 *
 * 1. onboarding: N partners through `POST /v1/partners/import` (until the job is done) beside N no-op workflow
 *    starts at the importer's concurrency;
 * 2. the monthly sweep: the business clock starts shortly before the 1st of a month, so every partner's monthly
 *    check falls due at once; the time from the 1st until all N checks are journaled, beside N no-op workflows that
 *    each wait on one timer and run one no-op activity;
 * 3. worker RSS (this process: worker, API and PGlite together, an upper bound), the Temporal SQLite file and the
 *    PGlite directory, history events per partner (registration, one monthly check, a year estimated);
 * 4. the scorecard read (Premier-size evidence) and the application command beside the bare endpoint and a no-op
 *    Update through an HTTP endpoint on the same server. The scorecard read and the bare endpoint take turns of 1 s,
 *    `--duration` turns each, so both see the same load.
 *
 *   npm run bench:fleet -- --partners 1000
 *   npm run bench:fleet -- --partners 100 --api-only   # onboarding and section 4 only: no sweep, no floor, no sizes
 *
 * Prints a table, writes JSON under bench/results/, and its last line is one JSON object.
 */
import { readFile, readdir, stat, mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { NativeConnection, Worker } from '@temporalio/worker';
import express from 'express';
import { PARTNER_WORKFLOW_TASK_TIMEOUT, partnerWorkflowId } from '../src/api/lifecycle';
import { ConfigSchema } from '../src/config';
import { addDays } from '../src/domain';
import { floorActivities, floorRuns } from './fleet/floor-activities';
import { noopUpdate } from './fleet/floor-workflows';
import { workflowTaskStats } from './fleet/workflow-tasks';
import {
  alternate,
  BenchError,
  call,
  expectStatus,
  fmt,
  inPool,
  listen,
  machineInfo,
  percentile,
  runBench,
  startEngine,
  times,
  type Engine,
  type Stack,
} from './support';

const TASK_QUEUE = 'bench-fleet';
const FLOOR_QUEUE = 'bench-fleet-floor';
/** The import runner's concurrency toward Temporal (src/api/import-runner.ts): the floor starts at the same. */
const START_CONCURRENCY = 16;

interface Config {
  partners: number;
  /** Seconds between the start and the 1st of the month on the business clock (onboarding must fit before it). */
  leadS: number;
  connections: number;
  durationS: number;
  applications: number;
  /** Onboards the fleet (import endpoint) and measures section 4 only: no floor, no sweep, no sizes. */
  apiOnly: boolean;
  /** The worker's sticky cache (WORKER_MAX_CACHED_WORKFLOWS); `npm start`'s default when not given. */
  maxCachedWorkflows: number;
}

function config(): Config {
  const { values } = parseArgs({
    options: {
      partners: { type: 'string' },
      'lead-seconds': { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      applications: { type: 'string' },
      'api-only': { type: 'boolean' },
      'max-cached-workflows': { type: 'string' },
    },
  });
  const int = (v: string | undefined, fallback: number, name: string) => {
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new BenchError(`--${name} must be a whole number ≥ 1 (got ${v})`);
    return n;
  };
  const partners = int(values.partners ?? process.env.BENCH_PARTNERS, 1000, 'partners');
  return {
    partners,
    // Generous: the floor's starts, the import, and the fleet's first checks at registration must end before the 1st.
    leadS: int(values['lead-seconds'], Math.ceil(60 + partners * 0.8), 'lead-seconds'),
    connections: int(values.connections, 10, 'connections'),
    durationS: int(values.duration, 5, 'duration'),
    applications: int(values.applications, Math.min(200, partners), 'applications'),
    apiOnly: values['api-only'] ?? false,
    maxCachedWorkflows: int(
      values['max-cached-workflows'],
      ConfigSchema.shape.WORKER_MAX_CACHED_WORKFLOWS.parse(undefined),
      'max-cached-workflows',
    ),
  };
}

async function dirBytes(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

const mib = (bytes: number) => bytes / 1024 / 1024;
const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new BenchError(`${what}: not done after ${timeoutMs / 1000} s`);
    await sleepMs(200);
  }
}

/** Latencies and throughput of `count` calls of `fn` at `concurrency`. */
async function commands(count: number, concurrency: number, fn: (i: number) => Promise<number>) {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const ids = Array.from({ length: count }, (_, i) => i);
  const started = performance.now();
  await inPool(ids, concurrency, async (i) => {
    const t = performance.now();
    const status = await fn(i);
    latencies.push(performance.now() - t);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const seconds = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: count,
    seconds,
    rps: count / seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    statuses,
  };
}

interface Run {
  cfg: Config;
  engine: Engine;
  stack: Stack;
  since: () => string;
  /** A tag of this run, in workflow ids. */
  run: string;
  firstIso: string;
  firstAtWall: number;
  /** This process's RSS right after the engine was up, before any workflow existed (node, the SDK, PGlite, the API). */
  rssIdle: number;
}

/** 1a: the floor of onboarding, N no-op workflow starts; seconds. */
async function floorOnboarding({ cfg, engine, run, since }: Run): Promise<number> {
  const t = performance.now();
  await inPool(
    Array.from({ length: cfg.partners }, (_, i) => i),
    START_CONCURRENCY,
    async (i) => {
      await engine.client.workflow.start('floorStart', {
        taskQueue: FLOOR_QUEUE,
        workflowId: `floor-start-${run}-${i}`,
      });
    },
  );
  const seconds = (performance.now() - t) / 1000;
  console.log(`[${since()}] floor: ${cfg.partners} workflow starts in ${seconds.toFixed(1)} s`);
  return seconds;
}

/** 1b: N partners through the import endpoint, until every registration-day check is journaled. */
async function onboard({ cfg, engine, run, since, firstIso }: Run, admin: string) {
  const N = cfg.partners;
  const ids = Array.from({ length: N }, (_, i) => `fleet-${run}-${i}`);
  const ndjson = ids
    .map((id, i) =>
      JSON.stringify({
        id,
        name: `Fleet Partner ${i}`,
        track: 'consulting',
        tier: 'registered',
        renewalDate: '06-15',
        country: 'US',
        allianceLeadId: `lead-${id}`,
        partnerManagerIds: ['pm-fleet'],
      }),
    )
    .join('\n');
  const t = performance.now();
  const res = await fetch(`${engine.apiUrl}/v1/partners/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/x-ndjson' },
    body: ndjson,
  });
  if (res.status !== 202)
    throw new BenchError(`the import answered ${res.status}: ${(await res.text()).slice(0, 400)}`);
  const acceptedS = (performance.now() - t) / 1000;
  const location = res.headers.get('location')!;
  let job = { status: '', counts: {} as Record<string, number> };
  await waitFor('the import job', 3_600_000, async () => {
    job = (await expectStatus(call(engine.apiUrl, 'GET', location, admin), 200, 'the import job')).body as typeof job;
    return job.status === 'done';
  });
  const onboardingS = (performance.now() - t) / 1000;
  if (job.counts.created !== N)
    throw new BenchError(`the import created ${job.counts.created} of ${N}: ${JSON.stringify(job)}`);
  console.log(
    `[${since()}] import: ${N} partners in ${onboardingS.toFixed(1)} s (upload accepted in ${acceptedS.toFixed(2)} s)`,
  );
  // Every partner's registration-day check journaled: the fleet is alive and idle until the 1st.
  const registeredOn = addDays(firstIso, -1);
  await waitFor(
    'the registration-day checks',
    3_600_000,
    async () => (await engine.store.countJournal('monthly-check', registeredOn)) >= N,
  );
  return { ids, onboardingS, acceptedS };
}

/** Average history length of up to 20 sampled partners' workflows. */
function historySampler(engine: Engine, ids: readonly string[]) {
  const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 20)) === 0).slice(0, 20);
  return {
    sample,
    length: async () => {
      let events = 0;
      for (const id of sample)
        events += (await engine.client.workflow.getHandle(partnerWorkflowId(id)).fetchHistory()).events?.length ?? 0;
      return events / sample.length;
    },
  };
}

/** Every partner's workflow tasks since the 1st: how close they came to their timeout (none may lose its lease). */
async function sweepWorkflowTasks({ engine, firstAtWall }: Run, ids: readonly string[]) {
  const histories: Parameters<typeof workflowTaskStats>[0] = [];
  await inPool(ids, START_CONCURRENCY, async (id) => {
    histories.push((await engine.client.workflow.getHandle(partnerWorkflowId(id)).fetchHistory()).events ?? []);
  });
  return workflowTaskStats(histories, firstAtWall);
}

/** 2a, 2b and 3: the monthly sweep of the fleet, the floor sweep, the sizes. */
async function sweepAndSizes(
  r: Run,
  ids: readonly string[],
  history: ReturnType<typeof historySampler>,
  floorOnboardingS: number,
) {
  const { cfg, engine, since, firstIso, firstAtWall, run, rssIdle } = r;
  const N = cfg.partners;
  const eventsAtRegistration = await history.length();
  const secondsToFirst = (firstAtWall - Date.now()) / 1000;
  if (secondsToFirst < 5) {
    throw new BenchError(
      `onboarding ended ${(-secondsToFirst).toFixed(0)} s too late for the sweep: raise --lead-seconds`,
    );
  }
  console.log(`[${since()}] fleet idle; the 1st in ${secondsToFirst.toFixed(0)} s`);

  // ---- 2a. the sweep: every partner's monthly check of the 1st ----
  await sleepMs(Math.max(0, firstAtWall - Date.now()));
  const t = performance.now();
  let checked = 0;
  await waitFor('the monthly sweep', 3_600_000, async () => {
    checked = await engine.store.countJournal('monthly-check', firstIso);
    return checked >= N;
  });
  const sweepS = (performance.now() - t) / 1000;
  console.log(`[${since()}] sweep: ${N} monthly checks journaled ${sweepS.toFixed(1)} s after the 1st`);
  await sleepMs(2_000);
  const eventsAfterSweep = await history.length();
  const rssAfterSweep = process.memoryUsage().rss;
  const cachedAfterSweep = engine.cachedWorkflows();
  const sweepTasks = await sweepWorkflowTasks(r, ids);

  // ---- 2b. the floor sweep: N timers firing at once, one no-op activity each ----
  const startBudgetMs = Math.max(10_000, floorOnboardingS * 1500 + 5_000);
  const wakeAt = Date.now() + startBudgetMs;
  floorRuns.length = 0;
  await inPool(
    Array.from({ length: N }, (_, i) => i),
    START_CONCURRENCY,
    async (i) => {
      await engine.client.workflow.start('floorTimer', {
        taskQueue: FLOOR_QUEUE,
        workflowId: `floor-timer-${run}-${i}`,
        args: [wakeAt],
      });
    },
  );
  if (Date.now() > wakeAt) throw new BenchError('the floor timers were started after they fired');
  await sleepMs(wakeAt - Date.now());
  await waitFor('the floor sweep', 3_600_000, () => Promise.resolve(floorRuns.length >= N));
  const floorSweepS = (Math.max(...floorRuns) - wakeAt) / 1000;
  console.log(`[${since()}] floor sweep: ${N} timers + activities in ${floorSweepS.toFixed(1)} s`);
  // Printed before the API part, which a loaded machine can make fail (503s).
  const monthEvents = eventsAfterSweep - eventsAtRegistration;
  console.log(
    `[${since()}] sweep ${fmt(sweepS, 1)} s / floor ${fmt(floorSweepS, 1)} s = ${times(sweepS / floorSweepS)}; RSS ` +
      `${fmt(mib(rssIdle), 0)} MiB idle → ${fmt(mib(rssAfterSweep), 0)} MiB after the sweep (${cachedAfterSweep} ` +
      `workflows cached, cache ${cfg.maxCachedWorkflows}); ${fmt(monthEvents, 1)} history events per monthly check; ` +
      `workflow tasks since the 1st: ${sweepTasks.tasks}, p99 ${fmt(sweepTasks.p99S, 2)} s, longest ` +
      `${fmt(sweepTasks.longestS, 2)} s, ${sweepTasks.timedOut} timed out (timeout ${PARTNER_WORKFLOW_TASK_TIMEOUT}); ` +
      `load ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
  );

  // ---- 3. sizes ----
  const temporalDbBytes = (await stat(join(engine.dir, 'temporal.db'))).size;
  const pgliteBytes = await dirBytes(join(engine.dir, 'pglite'));
  return {
    sweep: { seconds: sweepS, checksPerS: N / sweepS, floorSeconds: floorSweepS, ratio: sweepS / floorSweepS },
    workerRssMiB: mib(rssAfterSweep),
    rssIdleMiB: mib(rssIdle),
    fleetRssMiB: mib(rssAfterSweep - rssIdle),
    cachedWorkflows: cachedAfterSweep,
    sweepWorkflowTasks: { ...sweepTasks, timeout: PARTNER_WORKFLOW_TASK_TIMEOUT },
    maxCachedWorkflows: cfg.maxCachedWorkflows,
    rssNote:
      'workerRssMiB is this process after the sweep (worker, API, PGlite, the floor worker); rssIdleMiB the same ' +
      'process before any workflow existed; fleetRssMiB what the fleet added (the worker cache, PGlite data)',
    temporalDbMiB: mib(temporalDbBytes),
    pgliteMiB: mib(pgliteBytes),
    historyEvents: {
      sampledPartners: history.sample.length,
      atRegistration: eventsAtRegistration,
      perMonthlyCheck: monthEvents,
      perPartnerYearEstimate: eventsAtRegistration + 12 * monthEvents,
    },
  };
}

/** 4: the scorecard read beside the bare endpoint; printed at once, so a later failure does not lose it. */
async function scorecardRead({ cfg, engine, since, firstIso }: Run, scoredId: string) {
  const premierEvidence = JSON.parse(
    await readFile(join(__dirname, '..', 'examples', 'consulting-premier-evidence.json'), 'utf8'),
  ) as unknown;
  await expectStatus(
    call(
      engine.apiUrl,
      'PUT',
      `/v1/partners/${scoredId}/evidence`,
      await engine.token('evidence-feed', 'feed'),
      premierEvidence,
    ),
    200,
    'the Premier-size evidence',
  );
  const lead0 = await engine.token('alliance-lead', `lead-${scoredId}`, scoredId);
  // In turns of 1 s, so both see the same load: other work on this machine comes and goes within seconds.
  const [scorecard, bare] = await alternate(
    [
      {
        endpoint: 'GET /v1/partners/{id}/scorecard',
        url: `${engine.apiUrl}/v1/partners/${scoredId}/scorecard?asOf=${firstIso}`,
        connections: cfg.connections,
        headers: { authorization: `Bearer ${lead0}` },
      },
      { endpoint: 'bare', url: engine.bareUrl, connections: cfg.connections },
    ],
    cfg.durationS,
  );
  const load = loadavg().map((n) => Number(n.toFixed(2)));
  console.log(
    `[${since()}] scorecard ${fmt(scorecard.rps, 0)} req/s (p50 ${fmt(scorecard.p50, 2)} ms, p99 ` +
      `${fmt(scorecard.p99, 2)} ms, non-2xx ${scorecard.non2xx}) · bare ${fmt(bare.rps, 0)} req/s (p50 ` +
      `${fmt(bare.p50, 2)} ms, p99 ${fmt(bare.p99, 2)} ms) · ${times(scorecard.rps / bare.rps)} · load ${load.join(' ')}`,
  );
  return {
    scorecard: { rps: scorecard.rps, p50: scorecard.p50, p99: scorecard.p99, non2xx: scorecard.non2xx },
    bare: { rps: bare.rps, p50: bare.p50, p99: bare.p99 },
    scorecardVsBare: scorecard.rps / bare.rps,
  };
}

/** 4: the application command beside a no-op Update through an HTTP endpoint like the API's command. */
async function applicationCommand({ cfg, engine, stack, run }: Run, ids: readonly string[]) {
  const updates = await engine.client.workflow.start('floorUpdates', {
    taskQueue: FLOOR_QUEUE,
    workflowId: `floor-updates-${run}`,
  });
  stack.push('floor updates workflow', async () => {
    await updates.terminate('bench over').catch(() => undefined);
  });
  const noopApp = express();
  noopApp.post('/noop/:n', async (req, r) => {
    r.json({ n: await updates.executeUpdate(noopUpdate, { args: [Number(req.params.n)] }) });
  });
  const noopUrl = await listen(noopApp, stack, 'no-op Update endpoint');
  const M = Math.min(cfg.applications, ids.length - 1);
  const noop = await commands(
    M,
    cfg.connections,
    async (i) => (await fetch(`${noopUrl}/noop/${i}`, { method: 'POST' })).status,
  );
  const applications = await commands(M, cfg.connections, async (i) => {
    const id = ids[i + 1]!;
    const lead = await engine.token('alliance-lead', `lead-${id}`, id);
    const answer = await call(engine.apiUrl, 'POST', `/v1/partners/${id}/upgrade-applications`, lead, {
      targetTier: 'select',
      feeAccountId: '123456789012',
    });
    return answer.status;
  });
  if ((applications.statuses['202'] ?? 0) !== M) {
    throw new BenchError(`applications answered ${JSON.stringify(applications.statuses)}, expected ${M} × 202`);
  }
  return {
    application: { requests: M, rps: applications.rps, p50: applications.p50, p99: applications.p99 },
    noopUpdate: { requests: M, rps: noop.rps, p50: noop.p50, p99: noop.p99 },
    applicationVsNoopUpdate: applications.rps / noop.rps,
  };
}

async function startFloorWorker(engine: Engine, stack: Stack): Promise<void> {
  const floorConnection = await NativeConnection.connect({ address: engine.address });
  stack.push('floor connection', () => floorConnection.close());
  const floorWorker = await Worker.create({
    connection: floorConnection,
    taskQueue: FLOOR_QUEUE,
    workflowsPath: require.resolve('./fleet/floor-workflows'),
    activities: floorActivities,
  });
  const floorDone = floorWorker.run();
  stack.push('floor worker', async () => {
    floorWorker.shutdown();
    await floorDone;
  });
}

async function main(stack: Stack): Promise<void> {
  const cfg = config();
  const load = { start: loadavg().map((n) => Number(n.toFixed(2))) };
  const since = (() => {
    const t0 = performance.now();
    return () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  })();

  // The 1st of next month on the business clock comes `leadS` seconds from now.
  const now = new Date();
  const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const firstIso = new Date(first).toISOString().slice(0, 10);
  const firstAtWall = Date.now() + cfg.leadS * 1000;
  const engine = await startEngine(stack, {
    name: 'fleet',
    taskQueue: TASK_QUEUE,
    businessDate: firstIso,
    businessNowMs: first - cfg.leadS * 1000,
    temporalDbFile: true,
    maxCachedWorkflows: cfg.maxCachedWorkflows,
  });
  // The process idle before any workflow exists (node, the SDK, PGlite, the API): what the fleet adds is on top.
  const rssIdle = process.memoryUsage().rss;
  console.log(`[${since()}] engine up; the business 1st (${firstIso}) comes in ${cfg.leadS} s`);
  await startFloorWorker(engine, stack);
  const r: Run = { cfg, engine, stack, since, run: Date.now().toString(36), firstIso, firstAtWall, rssIdle };
  const N = cfg.partners;

  const floorOnboardingS = cfg.apiOnly ? NaN : await floorOnboarding(r);
  const { ids, onboardingS, acceptedS } = await onboard(r, await engine.token('program-admin', 'bench-admin'));
  const history = historySampler(engine, ids);
  const fleet = cfg.apiOnly ? undefined : await sweepAndSizes(r, ids, history, floorOnboardingS);
  if (cfg.apiOnly) console.log(`[${since()}] fleet idle (--api-only: no floor, no sweep, no sizes)`);
  const api = { ...(await scorecardRead(r, ids[0]!)), ...(await applicationCommand(r, ids)) };
  console.log(`[${since()}] API measured`);

  // ---- report ----
  const result = {
    bench: 'fleet',
    sections: cfg.apiOnly ? 'api-only: onboarding (no floor) and the API; no sweep, no sizes' : 'all',
    partners: N,
    businessFirst: firstIso,
    onboarding: {
      seconds: onboardingS,
      partnersPerS: N / onboardingS,
      uploadAcceptedS: acceptedS,
      floorSeconds: floorOnboardingS,
      ratio: onboardingS / floorOnboardingS,
    },
    ...fleet,
    api: { ...api, connections: cfg.connections },
    config: cfg,
    machine: machineInfo(),
    loadAverage: { ...load, end: loadavg().map((n) => Number(n.toFixed(2))) },
  };
  printTable(result, fleet);
  const dir = join(__dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = join(
    dir,
    `fleet-${N}${cfg.apiOnly ? '-api' : ''}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written ${file}`);
  console.log(JSON.stringify(result));
}

function printTable(
  result: {
    partners: number;
    sections: string;
    onboarding: { seconds: number; floorSeconds: number; ratio: number };
    api: Awaited<ReturnType<typeof scorecardRead>> & Awaited<ReturnType<typeof applicationCommand>>;
    loadAverage: { start: number[]; end: number[] };
  },
  fleet: Awaited<ReturnType<typeof sweepAndSizes>> | undefined,
): void {
  const { onboarding, api } = result;
  const rows: [string, string, string, string][] = [
    [
      'onboarding (import job)',
      `${fmt(onboarding.seconds, 1)} s`,
      `${fmt(onboarding.floorSeconds, 1)} s`,
      times(onboarding.ratio),
    ],
    ...(fleet
      ? [
          [
            'monthly sweep',
            `${fmt(fleet.sweep.seconds, 1)} s`,
            `${fmt(fleet.sweep.floorSeconds, 1)} s`,
            times(fleet.sweep.ratio),
          ] as [string, string, string, string],
        ]
      : []),
    ['scorecard read (req/s)', fmt(api.scorecard.rps, 0), `bare ${fmt(api.bare.rps, 0)}`, times(api.scorecardVsBare)],
    [
      'scorecard p50 / p99 (ms)',
      `${fmt(api.scorecard.p50, 2)} / ${fmt(api.scorecard.p99, 1)}`,
      `bare ${fmt(api.bare.p50, 2)} / ${fmt(api.bare.p99, 1)}`,
      '',
    ],
    [
      'application (req/s)',
      fmt(api.application.rps, 1),
      `no-op Update ${fmt(api.noopUpdate.rps, 1)}`,
      times(api.applicationVsNoopUpdate),
    ],
    [
      'application p50 / no-op p50 (ms)',
      fmt(api.application.p50, 1),
      fmt(api.noopUpdate.p50, 1),
      times(api.application.p50 / api.noopUpdate.p50),
    ],
  ];
  console.log(
    `\nbench:fleet — ${result.partners} partners${fleet ? '' : ' (--api-only: no floor, no sweep, no sizes)'}, ` +
      `load average at start ${result.loadAverage.start.join(' ')}, at end ${result.loadAverage.end.join(' ')}`,
  );
  console.log(`${'measure'.padEnd(34)}${'ours'.padStart(14)}${'floor'.padStart(22)}${'ratio'.padStart(10)}`);
  for (const [a, b, c, d] of rows) console.log(`${a.padEnd(34)}${b.padStart(14)}${c.padStart(22)}${d.padStart(10)}`);
  if (fleet) {
    console.log(
      `process RSS ${fmt(fleet.workerRssMiB, 0)} MiB (idle ${fmt(fleet.rssIdleMiB, 0)} MiB, the fleet ` +
        `+${fmt(fleet.fleetRssMiB, 0)} MiB; ${fleet.cachedWorkflows} workflows cached of ${fleet.maxCachedWorkflows}) · ` +
        `Temporal SQLite ${fmt(fleet.temporalDbMiB, 1)} MiB · PGlite ` +
        `${fmt(fleet.pgliteMiB, 1)} MiB · history events per partner: ${fmt(fleet.historyEvents.atRegistration, 0)} ` +
        `at registration, ${fmt(fleet.historyEvents.perMonthlyCheck, 0)} per monthly check, ` +
        `~${fmt(fleet.historyEvents.perPartnerYearEstimate, 0)} a year`,
    );
  }
}

runBench('bench:fleet', main);
