/**
 * `npm start` for real, through the npm executable as a user types it, in its own process group: the dev server with
 * its Web UI, the worker and the API come up on the configured ports with nothing but the banner on the terminal;
 * SIGTERM or SIGINT to npm — or npm or the engine killed outright — stops every process of the tree and frees every
 * port within 15 s; the data stays for the next start.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leasePorts, type PortLease } from '../../src/dev/ports';
import { BANNER, cleanEnv, describeProcesses, NpmStart, portOpen, until } from '../support/npm-start';

const root = join(__dirname, '..', '..');

jest.setTimeout(240_000);

interface Started {
  npm: NpmStart;
  port: number;
  ports: number[];
  uiPort: number;
  temporalPort: number;
}

const running: NpmStart[] = [];
const leases: PortLease[] = [];

/** `npm start` exactly, on leased ports (every port its dev server is told to bind), at the default log level; resolves once the whole banner is printed. */
async function npmStart(dataDir: string): Promise<Started> {
  const leased = await leasePorts(5);
  leases.push(...leased);
  const [port, temporalPort, uiPort, httpPort, metricsPort] = leased.map((l) => l.port) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const npm = new NpmStart('npm', ['start'], {
    cwd: root,
    env: cleanEnv({
      DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_HTTP_PORT: String(httpPort),
      TEMPORAL_METRICS_PORT: String(metricsPort),
    }),
  });
  running.push(npm);
  await npm.waitForBanner(150_000);
  return { npm, port, temporalPort, uiPort, ports: [port, temporalPort, uiPort, httpPort, metricsPort] };
}

afterEach(() => {
  // A failed test must not leave servers behind for the next suites.
  for (const npm of running.splice(0)) npm.killTree();
});
afterAll(() => {
  for (const lease of leases.splice(0)) lease.release();
});

/** Lines printed before the banner, without npm's echo of the script and blank lines. */
function beforeBanner(output: string): string[] {
  const at = output.indexOf(BANNER);
  return output
    .slice(0, at < 0 ? output.length : at)
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('> '));
}

/** A pino line at warn (40) or above. */
function isWarningOrError(line: string): boolean {
  try {
    return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 40;
  } catch {
    return false;
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'apn-start-'));

test('npm start serves the API, the console and the Web UI with only its banner on the terminal; SIGTERM to npm stops every process and frees every port within 15 s', async () => {
  const { npm, port, temporalPort, uiPort, ports } = await npmStart(dataDir);
  const { output } = npm;

  // Nothing before the banner but warnings or errors: no webpack module listing, no info lines of each step.
  expect(beforeBanner(output).join('\n')).not.toMatch(/modules by path|webpack|workflow-bundle|Worker state/);
  expect(beforeBanner(output).filter((line) => !isWarningOrError(line))).toEqual([]);
  expect(output).toContain(`Temporal Web UI   http://localhost:${uiPort}`);

  const health = await until(
    async () => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      return res.ok ? await res.json() : undefined;
    },
    60_000,
    npm.describe,
  );
  expect(health).toEqual({ status: 'ready', temporal: true, store: true });
  expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);
  expect(await portOpen(temporalPort)).toBe(true);

  // The printed dev tokens work against the running API: the admin registers a partner, an alliance user may not list.
  const tokenOf = (name: string) => new RegExp(`export ${name}=(\\S+)`).exec(output)?.[1];
  const admin = tokenOf('APN_TOKEN_PROGRAM_ADMIN');
  const lead = tokenOf('APN_TOKEN_ALLIANCE_LEAD');
  expect(admin).toBeDefined();
  const created = await fetch(`http://127.0.0.1:${port}/v1/partners`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      id: 'kept-partner',
      name: 'Kept',
      track: 'consulting',
      tier: 'registered',
      renewalDate: '06-30',
      country: 'US',
      allianceLeadId: 'lead-1',
      partnerManagerIds: ['pm-1'],
    }),
  });
  expect([created.status, await created.text()]).toEqual([201, expect.stringContaining('kept-partner')]);
  const refused = await fetch(`http://127.0.0.1:${port}/v1/partners`, {
    headers: { Authorization: `Bearer ${lead}` },
  });
  expect(refused.status).toBe(403);
  expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);

  // The web console is served by the same process; each role's printed link carries its token in the fragment.
  expect(output).toContain(`program-admin    http://127.0.0.1:${port}/console/#token=${admin}`);
  const consolePage = await fetch(`http://127.0.0.1:${port}/console/`);
  expect(consolePage.status).toBe(200);
  expect(await consolePage.text()).toContain('<div id="root"></div>');
  expect(consolePage.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
  const consoleConfig = await fetch(`http://127.0.0.1:${port}/console/config.json`);
  expect(await consoleConfig.json()).toMatchObject({
    temporalUiUrl: `http://localhost:${uiPort}`,
    temporalNamespace: 'default',
    signIn: 'dev-tokens',
    today: new Date().toISOString().slice(0, 10),
  });

  const { ms, tree } = await npm.signalAndWaitForNothingLeft(npm.pid, 'SIGTERM', ports);
  expect(ms).toBeLessThan(15_000);
  // The tree it was: npm's child is the engine's node itself (no shell, no tsx relay between them to drop the
  // signal), and the Temporal dev server ran under it.
  expect(tree.find((p) => p.ppid === npm.pid)?.cmd).toMatch(/^node .*--import tsx src\/main\.ts/);
  expect(tree.some((p) => /^\S*temporal server start-dev/.test(p.cmd))).toBe(true);
  expect(await npm.exited).toEqual({ code: 0, signal: null });
  expect(existsSync(join(dataDir, 'temporal.sqlite'))).toBe(true);
  expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
});

test('SIGINT to npm stops it all the same, and the next npm start carries on with the data of the last one', async () => {
  // Same DATA_DIR as the test above, which registered kept-partner.
  const { npm, port, ports } = await npmStart(dataDir);
  const admin = new RegExp('export APN_TOKEN_PROGRAM_ADMIN=(\\S+)').exec(npm.output)?.[1];
  const kept = await fetch(`http://127.0.0.1:${port}/v1/partners/kept-partner`, {
    headers: { Authorization: `Bearer ${admin}` },
  });
  // (404 here after a failure of the test above means it never registered the partner.)
  expect(kept.status).toBe(200);

  const { ms } = await npm.signalAndWaitForNothingLeft(npm.pid, 'SIGINT', ports);
  expect(ms).toBeLessThan(15_000);
  expect((await npm.exited).code).toBe(0);
});

test('npm killed outright (SIGKILL): the engine sees its parent gone and still stops every process within 15 s', async () => {
  const { npm, ports } = await npmStart(mkdtempSync(join(tmpdir(), 'apn-start-')));
  const { ms, tree } = await npm.signalAndWaitForNothingLeft(npm.pid, 'SIGKILL', ports);
  expect(ms).toBeLessThan(15_000);
  expect(tree.length).toBeGreaterThanOrEqual(3);
});

test("the engine's node killed outright (SIGKILL): the Temporal dev server does not outlive it", async () => {
  const { npm, ports } = await npmStart(mkdtempSync(join(tmpdir(), 'apn-start-')));
  const engine = npm.tree().find((p) => p.ppid === npm.pid && /src\/main\.ts/.test(p.cmd));
  if (!engine) throw new Error(`no engine process under npm:\n${describeProcesses(npm.tree())}`);
  const { ms } = await npm.signalAndWaitForNothingLeft(engine.pid, 'SIGKILL', ports);
  expect(ms).toBeLessThan(15_000);
});
