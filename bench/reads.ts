/**
 * Partner reads under load (npm run bench:reads), issue #15 item 4: concurrent readers of GET /v1/partners/{id} while
 * evidence writers keep the partners' workflows busy, on the engine as `npm start` runs it (Temporal dev server,
 * worker, PGlite on disk, the app; all in this process, see bench/support.ts). Not a test.
 *
 * Three runs, in this order: the bare express endpoint (the machine's baseline); the readers asking the workflow
 * (`?live=true`, the read before the read model) beside the writers; the readers answered from the store's read model
 * (the default read) beside the writers. Prints p50/p99/max, req/s and non-2xx of readers and writers, where the
 * readers' `lifecycle` came from (`Apn-Lifecycle`), and writes the same as JSON to bench/results/.
 *
 *   npm run bench:reads                                   # 50 readers, 5 writers, 30 s per run: about 2 minutes
 *   npm run bench:reads -- --readers 50 --writers 5 --duration 30 --partners 10
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { partnerWorkflowId } from '../src/api/lifecycle';
import { addDays } from '../src/domain';
import type { Stack } from './support';
import {
  BenchError,
  cannon,
  fmt,
  inPool,
  machineInfo,
  registerWithEvidence,
  runBench,
  selectEvidence,
  settle,
  startEngine,
  type RunStats,
} from './support';

const BUSINESS_DATE = '2019-10-02';
const TASK_QUEUE = 'bench-reads';
const USAGE = `npm run bench:reads -- [--readers N] [--writers N] [--duration S] [--bare-duration S] [--partners N]
  env: BENCH_READERS (50), BENCH_WRITERS (5), BENCH_DURATION (30), BENCH_BARE_DURATION (10), BENCH_PARTNERS (10)`;

interface Config {
  readers: number;
  writers: number;
  durationS: number;
  bareDurationS: number;
  partners: number;
}

function readConfig(): Config {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        readers: { type: 'string' },
        writers: { type: 'string' },
        duration: { type: 'string', short: 'd' },
        'bare-duration': { type: 'string' },
        partners: { type: 'string', short: 'n' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new BenchError(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, flag: string | undefined, env: string, fallback: number): number => {
    const raw = flag ?? process.env[env] ?? String(fallback);
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1)
      throw new BenchError(`${name} must be a whole number ≥ 1 (got '${raw}')`);
    return value;
  };
  return {
    readers: int('--readers', values.readers, 'BENCH_READERS', 50),
    writers: int('--writers', values.writers, 'BENCH_WRITERS', 5),
    durationS: int('--duration', values.duration, 'BENCH_DURATION', 30),
    bareDurationS: int('--bare-duration', values['bare-duration'], 'BENCH_BARE_DURATION', 10),
    partners: int('--partners', values.partners, 'BENCH_PARTNERS', 10),
  };
}

interface Measured {
  run: string;
  role: 'bare' | 'readers' | 'writers';
  stats: RunStats;
  /** Readers: how many answers said each `Apn-Lifecycle` value. */
  lifecycle?: Record<string, number>;
}

function printTable(rows: Measured[]): void {
  const header = ['run', 'who', 'conns', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors'];
  const lines = rows.map(({ run, role, stats: s, lifecycle }) => [
    run,
    role +
      (lifecycle
        ? ` (${Object.entries(lifecycle)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`
        : ''),
    String(s.connections),
    String(s.requests),
    fmt(s.rps, 0),
    fmt(s.p50, 1),
    fmt(s.p99, 1),
    fmt(s.max, 1),
    String(s.non2xx),
    String(s.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(render(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(render(line));
}

function summaryOf({ run, role, stats: s, lifecycle }: Measured) {
  const round = (n: number, d: number) => (Number.isFinite(n) ? Number(n.toFixed(d)) : null);
  return {
    run,
    role,
    connections: s.connections,
    requests: s.requests,
    seconds: round(s.seconds, 3),
    rps: round(s.rps, 1),
    p50Ms: round(s.p50, 2),
    p99Ms: round(s.p99, 2),
    maxMs: round(s.max, 2),
    non2xx: s.non2xx,
    errors: s.errors,
    statusCodes: s.statusCodes,
    ...(lifecycle ? { apnLifecycle: lifecycle } : {}),
  };
}

async function main(stack: Stack): Promise<void> {
  const config = readConfig();
  const machine = machineInfo();
  console.log(
    `APN partner-read benchmark — ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}, load average ` +
      `${machine.loadAverage1m}; ${config.readers} readers + ${config.writers} evidence writers, ${config.durationS} s ` +
      `per run, ${config.partners} partners, business date ${BUSINESS_DATE}`,
  );
  const t0 = performance.now();
  const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

  const { client, apiUrl, bareUrl, guard, token } = await startEngine(stack, {
    name: 'bench-reads',
    taskQueue: TASK_QUEUE,
    businessDate: BUSINESS_DATE,
  });
  const admin = await token('program-admin', 'bench-admin');
  const feed = await token('evidence-feed', 'bench-feed');
  const manager = await token('partner-manager', 'pm-bench');

  // ---- partners at Select with evidence, each with two documents the writers alternate between ----
  const on = addDays(BUSINESS_DATE, -30);
  const partners = Array.from({ length: config.partners }, (_, i) => {
    const id = `bench-read-${String(i).padStart(3, '0')}`;
    return {
      id,
      documents: [JSON.stringify(selectEvidence(on, `${id}-a`)), JSON.stringify(selectEvidence(on, `${id}-b`))],
    };
  });
  await guard(
    inPool(partners, 4, (p) =>
      registerWithEvidence(
        apiUrl,
        { admin, feed },
        { id: p.id, tier: 'select', evidence: JSON.parse(p.documents[0]!) as unknown },
      ),
    ),
  );
  const workflows = partners.map((p) => partnerWorkflowId(p.id));
  await guard(settle(client, workflows, 'after registration'));
  // Every partner has its stored view before anything is measured.
  for (const p of partners) {
    const res = await fetch(`${apiUrl}/v1/partners/${p.id}`, { headers: { authorization: `Bearer ${manager}` } });
    await res.arrayBuffer();
    if (res.headers.get('apn-lifecycle') !== 'stored') {
      throw new BenchError(
        `${p.id} has no stored view after settling (Apn-Lifecycle: ${res.headers.get('apn-lifecycle')})`,
      );
    }
  }
  console.log(`[${since()}] ${partners.length} partners registered with evidence, workflows settled, views stored`);

  // ---- load ----
  let readIndex = 0;
  let writeIndex = 0;
  const readers = (query: string, lifecycle: Record<string, number>): autocannon.Request[] => [
    {
      method: 'GET',
      setupRequest: (req) => ({
        ...req,
        path: `/v1/partners/${partners[readIndex++ % partners.length]!.id}${query}`,
        headers: { authorization: `Bearer ${manager}` },
      }),
      onResponse: (_status, _body, _context, headers) => {
        const entry = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'apn-lifecycle');
        const source = typeof entry?.[1] === 'string' ? entry[1] : 'none';
        lifecycle[source] = (lifecycle[source] ?? 0) + 1;
      },
    },
  ];
  const writers: autocannon.Request[] = [
    {
      method: 'PUT',
      // Each write sends the partner's other document, so every PUT is a new evidence version the workflow handles.
      setupRequest: (req) => {
        const n = writeIndex++;
        const p = partners[n % partners.length]!;
        return {
          ...req,
          path: `/v1/partners/${p.id}/evidence`,
          headers: { authorization: `Bearer ${feed}`, 'content-type': 'application/json' },
          body: p.documents[(Math.floor(n / partners.length) + 1) % 2]!,
        };
      },
    },
  ];
  const loaded = async (run: string, query: string): Promise<Measured[]> => {
    const lifecycle: Record<string, number> = {};
    const [read, write] = await guard(
      Promise.all([
        cannon({
          endpoint: `GET /v1/partners/{id}${query}`,
          url: apiUrl,
          connections: config.readers,
          durationS: config.durationS,
          requests: readers(query, lifecycle),
        }),
        cannon({
          endpoint: 'PUT /v1/partners/{id}/evidence',
          url: apiUrl,
          connections: config.writers,
          durationS: config.durationS,
          requests: writers,
        }),
      ]),
    );
    const settledS = await guard(settle(client, workflows, `after ${run}`, 180_000));
    console.log(`[${since()}] ${run} measured; workflows settled ${settledS.toFixed(1)} s later`);
    return [
      { run, role: 'readers', stats: read, lifecycle },
      { run, role: 'writers', stats: write },
    ];
  };

  // A short unmeasured warm-up of both reads, so neither pays for first-call compilation.
  await guard(
    cannon({
      endpoint: 'warm-up',
      url: `${apiUrl}/v1/partners/${partners[0]!.id}?live=true`,
      connections: 5,
      durationS: 2,
      headers: { authorization: `Bearer ${manager}` },
    }),
  );
  await guard(
    cannon({
      endpoint: 'warm-up',
      url: `${apiUrl}/v1/partners/${partners[0]!.id}`,
      connections: 5,
      durationS: 2,
      headers: { authorization: `Bearer ${manager}` },
    }),
  );
  const bare: Measured = {
    run: 'bare express',
    role: 'bare',
    stats: await guard(
      cannon({ endpoint: 'GET /bare', url: bareUrl, connections: config.readers, durationS: config.bareDurationS }),
    ),
  };
  console.log(`[${since()}] bare measured`);
  const live = await loaded('live query (?live=true)', '?live=true');
  const stored = await loaded('stored view (default)', '');

  // ---- report ----
  const rows = [bare, ...live, ...stored];
  console.log('');
  printTable(rows);
  console.log('');
  const loadNow = Number((loadavg()[0] ?? 0).toFixed(2));
  console.log(
    `machine: ${machine.cpus} × ${machine.cpuModel}; load average ${machine.loadAverage1m} at start, ${loadNow} at end; ` +
      'load generator, API, worker and bare app share this node process, as `npm start` runs the API and worker',
  );
  const result = {
    bench: 'reads',
    at: new Date().toISOString(),
    machine: { ...machine, loadAverage1mAtEnd: loadNow },
    config: { ...config, businessDate: BUSINESS_DATE },
    results: rows.map(summaryOf),
  };
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `reads-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written to ${file}`);
}

runBench('bench:reads', main);
