/**
 * `npm start`'s entry point for real: the dev server with its Web UI, the worker and the API come up on the
 * configured ports; SIGTERM stops them all (the Temporal port closes: no orphan server) and the data stays.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/dev/processes';

const root = join(__dirname, '..', '..');

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, why: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out; ${why()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

jest.setTimeout(240_000);

test('given embedded defaults, npm start serves the API, the console and the Web UI, and SIGTERM leaves no server behind', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'apn-start-'));
  const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const why = () => `npm start ${exitCode === undefined ? 'still running' : `exited ${String(exitCode)}`}:\n${output}`;
  try {
    const health = await until(
      async () => {
        if (exitCode !== undefined) throw new Error(why());
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (!res.ok) return undefined;
        const body: unknown = await res.json();
        return body;
      },
      150_000,
      why,
    );
    expect(health).toEqual({ status: 'ready', temporal: true, store: true });
    expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);
    expect(output).toContain(`Temporal Web UI   http://localhost:${uiPort}`);
    expect(await portOpen(temporalPort)).toBe(true);
    // The printed dev tokens work against the running API: the admin may list partners, an alliance user may not.
    const tokenOf = (name: string) => new RegExp(`export ${name}=(\\S+)`).exec(output)?.[1];
    const admin = await until(async () => Promise.resolve(tokenOf('APN_TOKEN_PROGRAM_ADMIN')), 10_000, why);
    const lead = tokenOf('APN_TOKEN_ALLIANCE_LEAD');
    const list = await fetch(`http://127.0.0.1:${port}/v1/partners`, { headers: { Authorization: `Bearer ${admin}` } });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ items: [] });
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
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  expect(await portOpen(temporalPort)).toBe(false);
  expect(await portOpen(uiPort)).toBe(false);
  expect(existsSync(join(dataDir, 'temporal.sqlite'))).toBe(true);
  expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
});
