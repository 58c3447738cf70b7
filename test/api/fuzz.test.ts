/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Schemathesis (pinned in scripts/schemathesis.sh, installed once into the project's cache) fuzzes the running API
 * from its own /openapi.json — on a real Temporal dev server, worker and store — as a program admin and as a partner
 * manager, with a fixed seed and a bounded number of examples per operation. Any 5xx, any answer that does not
 * match the published schema, content type or documented status codes, or a 405 without `Allow` fails the suite.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { emptyEvidence, mergeEvidence } from '../../src/domain/evidence';
import { consultingEvidence } from '../support/evidence';
import { request, startApiHarness, type ApiHarness } from './harness';

const ROOT = path.resolve(__dirname, '..', '..');
/** Two fixed seeds (issue #15: the fuzzer finds nothing on two seeds); each runs as both roles. */
const SEEDS = [20191002, 20150806];
const MAX_EXAMPLES = 15;
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'response_headers_conformance',
  'unsupported_method',
  'allow_header_conformance',
].join(',');

let h: ApiHarness;
let server: Server;
let base: string;
let st: string;
/** schemathesis.toml: every `{id}` is the partner registered below, so requests reach the logic behind the 404. */
let config: string;
/** Where Schemathesis runs (it keeps a `.schemathesis/` folder in its working directory). */
let dir: string;

beforeAll(async () => {
  // Installing is the first run's cost only (about 30 s); a missing python3 fails the suite naming it.
  const installed = await promisify(execFile)('sh', [path.join(ROOT, 'scripts/schemathesis.sh')], {
    timeout: 5 * 60_000,
  });
  st = installed.stdout.trim();
  dir = mkdtempSync(path.join(tmpdir(), 'apn-fuzz-'));
  config = path.join(dir, 'schemathesis.toml');
  writeFileSync(config, '[parameters]\n"path.id" = "fuzz"\n');
  h = await startApiHarness({ businessDate: '2019-10-02' });
  server = await new Promise<Server>((ready) => {
    const s = h.app.listen(0, '127.0.0.1', () => ready(s));
  });
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  // One real partner, so the partner manager's reads reach a partner of theirs.
  const admin = await h.auth('program-admin');
  const registered = await request(h.app)
    .post('/v1/partners')
    .set('Authorization', admin)
    .send({
      id: 'fuzz',
      name: 'Fuzz Cloud',
      track: 'consulting',
      tier: 'registered',
      renewalDate: '12-15',
      country: 'US',
      allianceLeadId: 'fuzz-lead',
      partnerManagerIds: ['fuzz-pm'],
    });
  expect(registered.status).toBe(201);
  const evidence = mergeEvidence(emptyEvidence('consulting'), consultingEvidence('select', '2019-05-01', 'fuzz'));
  expect(
    (await request(h.app).put('/v1/partners/fuzz/evidence').set('Authorization', admin).send(evidence)).status,
  ).toBe(200);
}, 10 * 60_000);

afterAll(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  await h?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `st run` against the live API (asynchronously: the API answers from this very process). */
function fuzz(authorization: string, seed: number): Promise<{ code: number | null; output: string; seconds: number }> {
  const started = Date.now();
  const args = [
    '--config-file',
    config,
    'run',
    `${base}/openapi.json`,
    '--url',
    base,
    '--header',
    `Authorization: ${authorization}`,
    '--checks',
    CHECKS,
    '--phases',
    'examples,coverage,fuzzing',
    '--max-examples',
    String(MAX_EXAMPLES),
    '--seed',
    String(seed),
    // Same seed, same requests: no example database carried from one run to the next.
    '--generation-database',
    'none',
    // One worker: two threads trip a race in Hypothesis' strategy cache (a KeyError reported as a flaky test).
    '--workers',
    '1',
    '--request-timeout',
    '30',
    '--no-color',
    '--output-truncate',
    'true',
  ];
  return new Promise((done, fail) => {
    const child = spawn(st, args, {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output, seconds: (Date.now() - started) / 1000 }));
  });
}

const ROLES: [string, () => Promise<string>][] = [
  ['program-admin', () => h.auth('program-admin')],
  ['partner-manager', () => h.auth('partner-manager', 'fuzz-pm')],
];

test.each(SEEDS.flatMap((seed) => ROLES.map(([role, authorization]) => [role, seed, authorization] as const)))(
  'as %s, seed %d: no 5xx, every answer as documented',
  async (_role, seed, authorization) => {
    const run = await fuzz(await authorization(), seed);
    if (process.env.APN_FUZZ_OUTPUT) writeFileSync(`${process.env.APN_FUZZ_OUTPUT}.${String(seed)}`, run.output);
    if (run.code !== 0) {
      const report = run.output.split('\n').slice(-150).join('\n');
      throw new Error(`schemathesis exited ${String(run.code)} after ${run.seconds.toFixed(0)} s:\n${report}`);
    }
  },
  8 * 60_000,
);
