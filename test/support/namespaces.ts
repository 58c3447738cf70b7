/**
 * The shared dev server's namespaces: one per test file, created when the server starts (test/support/global-setup.ts)
 * so that no suite waits for a new namespace to propagate and no two suites share workflow ids.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const TEST_ROOT = join(__dirname, '..');

/** `test/api/access.test.ts` → `suite-api-access`. */
export function suiteNamespace(testPath: string): string {
  const name = relative(TEST_ROOT, testPath)
    .split(sep)
    .join('-')
    .replace(/\.test\.ts$/, '')
    .replace(/[^A-Za-z0-9-]/g, '-');
  return `suite-${name}`;
}

/** Every test file's namespace. */
export function allSuiteNamespaces(dir = TEST_ROOT): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...allSuiteNamespaces(path));
    else if (entry.name.endsWith('.test.ts')) found.push(suiteNamespace(path));
  }
  return found.sort();
}
