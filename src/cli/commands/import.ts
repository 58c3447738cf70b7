/**
 * `apn import <partners.csv|partners.ndjson>`: streams the file to `POST /v1/partners/import`, follows the job with a
 * progress bar and prints the rows that were refused and why. Exit 0 when every row is in, 1 when rows were
 * refused, 2 when the upload was refused whole (every issue printed, nothing imported). The same file again changes
 * nothing (each row `unchanged`), so after any interruption the command is simply run again.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { EXIT_INVALID_INPUT } from './scorecard';

/** Some rows were refused (the rest imported). */
export const EXIT_ROWS_REFUSED = 1;
const POLL_MS = 500;
/** How long the job may be unreachable (the API restarting) before the command gives up following it. */
const UNREACHABLE_MS = 120_000;

interface ImportOptions {
  api: string;
  token?: string;
  format?: string;
  progress: boolean;
}

interface RowReport {
  row: number;
  partnerId: string;
  problem: { status: number; detail: string; errors?: { path: string; message: string }[] } | null;
}

interface Job {
  id: string;
  status: string;
  total: number;
  settled: number;
  counts: Record<'created' | 'unchanged' | 'updated' | 'refused' | 'pending', number>;
  location: string;
}

interface Problem {
  status: number;
  title?: string;
  detail?: string;
  errors?: { path: string; message: string }[];
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('Import partner registrations (CSV or NDJSON) through the API, with progress and a per-row report')
    .argument('<file>', 'CSV with a header row, or NDJSON (.ndjson, .jsonl): one registration per row')
    .option('--api <url>', 'the engine’s HTTP API', process.env.APN_API_URL ?? 'http://127.0.0.1:3000')
    .option('--token <jwt>', 'a program-admin token (default: $APN_TOKEN, else $APN_TOKEN_PROGRAM_ADMIN)')
    .option('--format <format>', 'csv or ndjson (default: from the file name)')
    .option('--no-progress', 'no progress bar (it is drawn only on a terminal anyway)')
    .action(async (file: string, opts: ImportOptions) => {
      process.exitCode = await runImport(file, opts);
    });
}

async function runImport(file: string, opts: ImportOptions): Promise<number> {
  const token = opts.token ?? process.env.APN_TOKEN ?? process.env.APN_TOKEN_PROGRAM_ADMIN;
  if (!token) {
    process.stderr.write('--token: required (or set APN_TOKEN / APN_TOKEN_PROGRAM_ADMIN, as `npm start` prints)\n');
    return EXIT_INVALID_INPUT;
  }
  const format = opts.format ?? (['.ndjson', '.jsonl'].includes(extname(file).toLowerCase()) ? 'ndjson' : 'csv');
  if (format !== 'csv' && format !== 'ndjson') {
    process.stderr.write(`--format: '${format}' is neither csv nor ndjson\n`);
    return EXIT_INVALID_INPUT;
  }
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    process.stderr.write(`${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_INVALID_INPUT;
  }
  const api = opts.api.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${token}` };
  // Loaded here, not at the top: `apn --help` and every other command never depend on the progress bar's package.
  const { SingleBar } = await import('cli-progress');
  const bar = new SingleBar({
    format: '{phase} [{bar}] {percentage}% | {value}/{total} {unit} | {eta_formatted} left',
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
  });
  const showBar = opts.progress && process.stderr.isTTY === true;

  // ---- upload: the file is streamed, never read whole ----
  const body = createReadStream(file);
  let sent = 0;
  if (showBar) bar.start(size, 0, { phase: 'upload', unit: 'bytes' });
  body.on('data', (chunk) => {
    sent += chunk.length;
    if (showBar) bar.update(sent);
  });
  let res: Response;
  try {
    // `duplex: 'half'` lets fetch send a streamed body (Node's fetch requires it; the DOM typings lack it).
    const init: RequestInit & { duplex: 'half' } = {
      method: 'POST',
      headers: { ...headers, 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson' },
      body: Readable.toWeb(body),
      duplex: 'half',
    };
    res = await fetch(`${api}/v1/partners/import`, init);
  } catch (error) {
    if (showBar) bar.stop();
    process.stderr.write(`could not reach ${api}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_INVALID_INPUT;
  }
  if (showBar) bar.stop();
  const answer = (await res.json().catch(() => ({}))) as Job & Problem;
  if (res.status !== 202) {
    process.stderr.write(`${file}: refused (${res.status} ${answer.title ?? ''}): ${answer.detail ?? ''}\n`);
    for (const issue of answer.errors ?? []) process.stderr.write(`  ${issue.path}: ${issue.message}\n`);
    return EXIT_INVALID_INPUT;
  }

  // ---- the job: registrations and workflow starts, followed until done ----
  const location = `${api}${res.headers.get('location') ?? answer.location}`;
  process.stderr.write(`${file}: ${answer.total} rows accepted; job ${location}\n`);
  if (showBar) bar.start(answer.total, answer.settled, { phase: 'import', unit: 'partners' });
  let job: Job = answer;
  let unreachableSince: number | undefined;
  while (job.status !== 'done') {
    await new Promise((r) => setTimeout(r, POLL_MS));
    try {
      const poll = await fetch(location, { headers });
      if (!poll.ok) throw new Error(`${poll.status} ${await poll.text()}`);
      job = (await poll.json()) as Job;
      unreachableSince = undefined;
      if (showBar) bar.update(job.settled);
    } catch (error) {
      // The API may be restarting: the job resumes there, so keep following it for a while.
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > UNREACHABLE_MS) {
        if (showBar) bar.stop();
        process.stderr.write(
          `lost the job (${error instanceof Error ? error.message : String(error)}); it goes on in the engine — ` +
            `run the same command again to finish and see the report\n`,
        );
        return EXIT_INVALID_INPUT;
      }
    }
  }
  if (showBar) bar.stop();

  const { created, unchanged, updated, refused } = job.counts;
  process.stdout.write(
    `imported ${job.total} rows: ${created} created, ${unchanged} unchanged, ${updated} updated, ${refused} refused\n`,
  );
  if (refused === 0) return 0;
  let after = 0;
  for (;;) {
    const page = await fetch(`${location}/rows?status=refused&after=${after}&limit=1000`, { headers });
    const { items } = (await page.json()) as { items: RowReport[] };
    for (const row of items) {
      process.stdout.write(
        `row ${row.row} (${row.partnerId}): refused ${row.problem?.status ?? ''}: ${row.problem?.detail ?? ''}\n`,
      );
      for (const issue of row.problem?.errors ?? []) process.stdout.write(`  ${issue.path}: ${issue.message}\n`);
    }
    if (items.length < 1000) break;
    after = items[items.length - 1]!.row;
  }
  return EXIT_ROWS_REFUSED;
}
