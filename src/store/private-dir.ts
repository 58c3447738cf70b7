/**
 * The embedded store's files hold every partner's data: readable by their owner only. PGlite (and the Temporal dev
 * server's SQLite) create files with the process umask (0644 and 0755 under the usual 022), so the process umask is
 * narrowed before they write, and whatever an earlier version left readable is narrowed too.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** No group or other bits on anything created from now on by this process (and the servers it spawns). */
export const PRIVATE_UMASK = 0o077;

/** Creates `dir` mode 0700 (parents too) and takes group/other access away from everything already under it. */
export function securePrivateDir(dir: string): void {
  process.umask(PRIVATE_UMASK);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pending = [path.resolve(dir)];
  while (pending.length > 0) {
    const current = pending.pop()!;
    const stat = lstatSync(current);
    if (stat.isSymbolicLink()) continue;
    if ((stat.mode & 0o077) !== 0) chmodSync(current, stat.mode & 0o700);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(current)) pending.push(path.join(current, entry));
    }
  }
}
