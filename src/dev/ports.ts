/**
 * Ports for the servers the tests, benches and dev tools start, handed out by one owner under a lock — never "bind to
 * 0, close, hand the number on", which races with every other process that binds or connects meanwhile.
 *
 * - The ports come from a range below the kernel's ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`,
 *   usually 32768–60999): the kernel never gives them to a `bind(0)` nor to the local end of an outgoing connection,
 *   so between the lease and the server's own bind only another leaser could take one.
 * - Leasers are serialized by a mutex directory and record each port in a lock file (`<port>.lock`, holding the
 *   leaser's pid and its start time) under the machine's temp dir, shared by every process of a test run and by
 *   every clone on the machine. A port whose lock names a process that is gone is free again; one that something
 *   listens on anyway is skipped.
 * - A lease ends with `release()`, or with the process that holds it (its exit handler, or the dead-owner rule).
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PortLease {
  readonly port: number;
  /** Gives the port back (idempotent); the server that used it should be stopped first. */
  release(): void;
}

/** Where the leases are kept: `$APN_PORT_LOCK_DIR`, else one folder under the temp dir for the whole machine. */
const lockDir = (): string => process.env.APN_PORT_LOCK_DIR ?? join(tmpdir(), 'apn-tier-engine-ports');
/** A mutex older than this is left over from a process that died while leasing (a lease takes milliseconds). */
const MUTEX_STALE_MS = 10_000;

/** The range leases come from: 20000 up to the kernel's ephemeral range (or above it when that starts too low). */
export function leaseRange(): { from: number; to: number } {
  let low = 32768;
  let high = 60999;
  try {
    const [a, b] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (a && b) [low, high] = [a, b];
  } catch {
    // Not Linux: macOS's ephemeral range is 49152–65535, above the range below.
  }
  if (low > 21_000) return { from: 20_000, to: Math.min(low - 1, 29_999) };
  if (high < 64_000) return { from: high + 1, to: 65_535 };
  throw new Error(`no port range outside the kernel's ephemeral range ${low}–${high} to lease test ports from`);
}

/** The owner's identity: its pid and, on Linux, its start time (so a reused pid is not taken for the owner). */
function identity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `${pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? ''}`;
  } catch {
    try {
      process.kill(pid, 0);
      return `${pid}`;
    } catch {
      return undefined;
    }
  }
}

const self = identity(process.pid) ?? `${process.pid}`;

function ownerAlive(lockFile: string): boolean {
  let recorded: string;
  try {
    recorded = readFileSync(lockFile, 'utf8').trim();
  } catch {
    return false;
  }
  const pid = Number(recorded.split(' ')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const now = identity(pid);
  return now !== undefined && (now === recorded || !recorded.includes(' ') || !now.includes(' '));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function withMutex<T>(work: () => T): T {
  const dir = lockDir();
  const mutex = join(dir, '.mutex');
  mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      mkdirSync(mutex);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(mutex).mtimeMs > MUTEX_STALE_MS) rmdirSync(mutex);
      } catch {
        // another leaser removed or took it meanwhile
      }
      if (Date.now() > deadline) throw new Error(`could not take the port-lease mutex ${mutex} within 30 s`);
      sleepSync(5);
    }
  }
  try {
    return work();
  } finally {
    rmdirSync(mutex);
  }
}

/** Whether nothing listens on `port` (a bind with SO_REUSEADDR, as the servers' own, succeeds). */
async function bindable(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

const held = new Map<number, string>();
let exitHookInstalled = false;

function releaseAllSync(): void {
  for (const [port, file] of held) {
    try {
      if (readFileSync(file, 'utf8').trim() === self) unlinkSync(file);
    } catch {
      // already gone
    }
    held.delete(port);
  }
}

/** Claims the first free port of the range at or after `start` (under the mutex); undefined if none is free. */
function claim(start: number, range: { from: number; to: number }, skip: Set<number>): number | undefined {
  return withMutex(() => {
    const size = range.to - range.from + 1;
    for (let i = 0; i < size; i += 1) {
      const port = range.from + ((start - range.from + i) % size);
      if (skip.has(port) || held.has(port)) continue;
      const file = join(lockDir(), `${port}.lock`);
      let fd: number;
      try {
        fd = openSync(file, 'wx', 0o644);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || ownerAlive(file)) continue;
        unlinkSync(file);
        fd = openSync(file, 'wx', 0o644);
      }
      writeSync(fd, self);
      closeSync(fd);
      held.set(port, file);
      return port;
    }
    return undefined;
  });
}

/**
 * Leases a port no other leaser holds and nothing listens on; released by `release()` or this process's exit.
 * `range` narrows where it looks (tests of the leasing itself).
 */
export async function leasePort(options: { range?: { from: number; to: number } } = {}): Promise<PortLease> {
  if (!exitHookInstalled) {
    process.on('exit', releaseAllSync);
    exitHookInstalled = true;
  }
  const range = options.range ?? leaseRange();
  const skip = new Set<number>();
  let start = range.from + Math.floor(Math.random() * (range.to - range.from + 1));
  for (;;) {
    const port = claim(start, range, skip);
    if (port === undefined) throw new Error(`every port of ${range.from}–${range.to} is leased or in use`);
    if (await bindable(port)) return lease(port);
    // Something outside the leases listens there: keep the claim until we move on, then give it back.
    skip.add(port);
    release(port);
    start = port + 1;
  }
}

/** Several leases at once; all are released if one cannot be had. */
export async function leasePorts(count: number): Promise<PortLease[]> {
  const leases: PortLease[] = [];
  try {
    for (let i = 0; i < count; i += 1) leases.push(await leasePort());
    return leases;
  } catch (err) {
    for (const l of leases) l.release();
    throw err;
  }
}

function release(port: number): void {
  const file = held.get(port);
  if (!file) return;
  held.delete(port);
  try {
    if (readFileSync(file, 'utf8').trim() === self) unlinkSync(file);
  } catch {
    // already gone
  }
}

function lease(port: number): PortLease {
  return { port, release: () => release(port) };
}
