/**
 * Benchmark of the HTTP API on the real stack (npm run bench:api). Not a test: a Temporal dev server, the worker, a
 * PGlite store on disk in a temp dir and the app from its factory, all in this process as `npm start` runs them,
 * driven by autocannon at a fixed concurrency. Measures GET /v1/partners/{id}/scorecard (for a duration, on a
 * Premier-size partner) and POST /v1/partners/{id}/upgrade-applications (exactly one real application per
 * pre-registered partner), each beside a bare express JSON endpoint measured in the same run, and prints a table, the
 * machine and a JSON summary line.
 *
 *   npm run bench:api                         # 10 connections, 10 s, 100 applications: under 2 minutes
 *   npm run bench:api -- --connections 10 --duration 10 --partners 300
 *   BENCH_CONNECTIONS=10 BENCH_DURATION=10 BENCH_PARTNERS=300 npm run bench:api
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { partnerWorkflowId } from '../src/api/lifecycle';
import { addDays, evaluateScorecard, type PartnerEvidence } from '../src/domain';
import type { Stack } from './support';
import {
  BenchError,
  cannon,
  parsed,
  selectEvidence,
  call,
  expectStatus,
  fmt,
  inPool,
  machineInfo,
  registerWithEvidence,
  settle,
  SETTLE_TIMEOUT_MS,
  runBench,
  startEngine,
  times,
  type CannonRun,
  type RunStats,
} from './support';

/** Business date the API and its workflows live on, so every run evaluates the same evidence the same way. */
const BUSINESS_DATE = '2019-10-02';
const TASK_QUEUE = 'bench-api';
/** Fewest requests of the bare run beside the upgrade applications: a few hundred finish too fast to be steady. */
const BARE_MIN_REQUESTS = 5_000;

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

// ---- the stack ----

// ---- output ----

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

async function main(stack: Stack): Promise<void> {
  const config = readConfig();
  const machine = machineInfo();
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

  const { client, store, apiUrl, bareUrl, guard, token } = await startEngine(stack, {
    name: 'bench-api',
    taskQueue: TASK_QUEUE,
    businessDate: BUSINESS_DATE,
  });
  console.log(`[${since()}] engine started`);

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
    inPool(everyone, config.setupConcurrency, (p) =>
      registerWithEvidence(apiUrl, { admin, feed }, { id: p.id, tier: p.tier, evidence: p.evidence }),
    ),
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

runBench('bench:api', main);
