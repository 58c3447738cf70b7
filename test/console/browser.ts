/**
 * The console under test: built from its sources, served by the app of test/api/harness.ts on a free port, and
 * driven in Debian's Chromium (installed by scripts/chromium.sh when missing — a missing browser fails the suite).
 * Every page the tests visit is checked with axe-core and saved as a screenshot under test-artifacts/console/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Role } from '../../src/api/auth';
import type { ApiHarness } from '../api/harness';

const root = join(__dirname, '..', '..');
export const ARTIFACTS = join(root, 'test-artifacts', 'console');

/** Chromium's path, installing it from Debian's packages when it is missing. */
export function chromiumPath(): string {
  return execFileSync('bash', [join(root, 'scripts', 'chromium.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  }).trim();
}

/**
 * Builds the console from its sources into a fresh folder, as `npm install` builds console/dist, so the tests never
 * run a stale build and never empty console/dist under a suite that serves it (npm start's). Resolves the folder.
 */
export function buildConsole(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'apn-console-dist-'));
  const quiet = { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] as ('ignore' | 'inherit')[] };
  execFileSync(process.execPath, [require.resolve('tsx/cli'), 'scripts/console-api.ts'], quiet);
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'console', '--outDir', outDir],
    quiet,
  );
  return outDir;
}

export interface ConsoleUnderTest {
  baseUrl: string;
  browser: Browser;
  /** A fresh browser context (own storage) signed in as the principal through its console link. */
  signIn(role: Role, sub: string, partnerId?: string): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/** Serves `h.app` (built with `console.distDir` = `distDir`) on a free port and launches Chromium. */
export async function startConsole(h: ApiHarness, distDir: string): Promise<ConsoleUnderTest> {
  const executablePath = chromiumPath();
  const server: Server = await new Promise((ready, fail) => {
    const s = h.app.listen(0, '127.0.0.1', () => ready(s));
    s.once('error', fail);
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const profile = mkdtempSync(join(tmpdir(), 'apn-console-chromium-'));
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--disk-cache-dir=${join(profile, 'cache')}`,
    ],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    baseUrl,
    browser,
    async signIn(role, sub, partnerId) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const token = (await h.auth(role, sub, partnerId)).replace(/^Bearer /, '');
      await page.goto(`${baseUrl}/console/#token=${token}`);
      await page.getByTestId('who').waitFor();
      return { context, page };
    },
    async close() {
      await browser.close();
      await new Promise<void>((done) => server.close(() => done()));
      rmSync(profile, { recursive: true, force: true });
      rmSync(distDir, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core on the page as it is: the serious and critical violations (expected: none). The page's CSP forbids inline
 * scripts, so axe is added the way a browser extension would be — through the DevTools protocol, not a <script>.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  // A string, evaluated in the page: this project's TypeScript has no DOM types.
  const violations = await page.evaluate<AxeViolation[]>('axe.run(document).then((result) => result.violations)');
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact ?? '?'} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** Checks the page with axe (no serious or critical violation) and saves its screenshot as an artifact. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  expect(await axeViolations(page)).toEqual([]);
}
