/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The embedded store's data is its owner's alone: DATA_DIR and the PGlite directory are 0700 and every file in them
 * 0600, including files PGlite writes after opening and files an earlier version left readable to everyone.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { securePrivateDir } from '../../src/store';

let root: string;
let umask: number;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'apn-private-'));
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
  rmSync(root, { recursive: true, force: true });
});

/** Every path under `dir` (itself included) that group or others may read, write or enter. */
function exposed(dir: string): string[] {
  const found: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    const stat = lstatSync(current);
    if (stat.isSymbolicLink()) continue;
    if ((stat.mode & 0o077) !== 0)
      found.push(`${path.relative(dir, current) || '.'} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const entry of readdirSync(current)) pending.push(path.join(current, entry));
  }
  return found;
}

test('a new PGlite store under DATA_DIR is readable by its owner only, after writes too', () => {
  const dataDir = path.join(root, 'data', 'pglite');
  // Opened as production opens it (createStore with a dataDir), in a process of its own under the usual umask 022:
  // inside jest's VM PGlite cannot load its WASM that way.
  const script = [
    "const { createStore } = require('./src/store');",
    '(async () => {',
    `  const store = await createStore({ dataDir: ${JSON.stringify(dataDir)} });`,
    "  await store.registerPartner({ id: 'private', name: 'Private Cloud', track: 'consulting', tier: 'registered',",
    "    renewalDate: '12-15', country: 'US', feeAccountId: null, allianceLeadId: 'lead', partnerManagerIds: [] });",
    '  await store.close();',
    '})();',
  ].join('\n');
  execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: path.resolve(__dirname, '../..'),
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });
  expect(readdirSync(dataDir).length).toBeGreaterThan(5);
  expect(exposed(dataDir)).toEqual([]);
  expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
}, 150_000);

test('what an earlier version left readable in DATA_DIR is made private', () => {
  const dataDir = path.join(root, 'data');
  mkdirSync(path.join(dataDir, 'pglite', 'base'), { recursive: true, mode: 0o755 });
  writeFileSync(path.join(dataDir, 'temporal.sqlite'), 'x', { mode: 0o644 });
  writeFileSync(path.join(dataDir, 'pglite', 'base', '1'), 'x', { mode: 0o666 });
  expect(exposed(dataDir).length).toBeGreaterThan(0);
  securePrivateDir(dataDir);
  expect(exposed(dataDir)).toEqual([]);
  expect(lstatSync(path.join(dataDir, 'temporal.sqlite')).mode & 0o777).toBe(0o600);
});
