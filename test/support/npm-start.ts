/**
 * `npm start` as a user runs it, for the end-to-end suites: spawned in its own process group, its output collected,
 * its process tree read from /proc, and a stop that proves every process of the tree is gone and every port closed.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

/** First line of the start-up banner (src/main.ts). */
export const BANNER = 'APN tier lifecycle engine is running';

/** Configuration a developer's shell may hold that would change what `npm start` does; the suites set their own. */
const ENGINE_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TASK_QUEUE',
  'TEMPORAL_PORT',
  'TEMPORAL_UI_PORT',
  'TEMPORAL_HTTP_PORT',
  'TEMPORAL_METRICS_PORT',
  'TEMPORAL_UI_URL',
  'DATA_DIR',
  'DATABASE_URL',
  'HOST',
  'PORT',
  'LOG_LEVEL',
  'JWT_SECRET',
  'JWKS_URL',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'RATE_LIMIT_PER_MINUTE',
];

/** process.env without the engine's variables, plus `extra`; npm's update check stays quiet. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false', ...extra };
  for (const name of ENGINE_VARIABLES) if (!(name in extra)) delete env[name];
  return env;
}

export async function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, why: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; ${why()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One process as /proc shows it; `start` (clock ticks after boot) tells a reused pid from the original. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  start: string;
  cmd: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields after it follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return {
      pid,
      state: fields[0] ?? '?',
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      start: fields[19] ?? '',
      cmd,
    };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProc(Number(name)))
    .filter((p): p is ProcInfo => p !== undefined);
}

/**
 * `root`, its descendants, and whatever else is in its process group. Once `root` has exited, pass `rootExited`: its
 * group id stays reserved while the group has members, but its pid may be reused, so only the group counts then.
 */
export function processTree(root: number, rootExited = false): ProcInfo[] {
  const all = allProcesses();
  const inTree = new Set(rootExited ? [] : [root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (!inTree.has(p.pid) && (inTree.has(p.ppid) || p.pgid === root)) {
        inTree.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => inTree.has(p.pid));
}

/** Whether `p` still runs: same pid and start time, and not a zombie waiting for its parent to reap it. */
function stillRuns(p: ProcInfo): boolean {
  const now = readProc(p.pid);
  return now !== undefined && now.start === p.start && now.state !== 'Z';
}

export const describeProcesses = (ps: ProcInfo[]) =>
  ps
    .map((p) => `  ${p.pid} (ppid ${p.ppid}, pgid ${p.pgid}, ${p.state}) ${p.cmd.replace(/\s+/g, ' ').slice(0, 160)}`)
    .join('\n');

/** A running `npm start` (or a shell running it) in its own process group. */
export class NpmStart {
  readonly child: ChildProcessWithoutNullStreams;
  private text = '';
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Every process seen in the tree so far, by pid, with its start time. */
  private readonly seen = new Map<number, ProcInfo>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** Spawns `file args` detached (a new process group led by it) in `cwd`. */
  constructor(file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.child = spawn(file, args, { cwd: options.cwd, env: options.env, detached: true, stdio: 'pipe' });
    this.child.stdin.end();
    this.child.stdout.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
    this.child.stderr.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('npm start did not spawn');
    return this.child.pid;
  }

  get output(): string {
    return this.text;
  }

  /** For failure messages: whether it runs, and everything it printed. */
  describe = (): string =>
    `npm start ${this.exit ? `exited (${String(this.exit.code ?? this.exit.signal)})` : 'still running'}; output:\n${this.text}`;

  /** Waits for the whole banner ("Press Ctrl-C to stop."), failing early if npm start exits. */
  async waitForBanner(timeoutMs: number): Promise<void> {
    await until(
      async () => {
        if (this.exit) throw new Error(this.describe());
        return Promise.resolve(/Press Ctrl-C to stop\.\n/.test(this.text) ? true : undefined);
      },
      timeoutMs,
      this.describe,
    ).catch((err: unknown) => {
      throw this.exit ? new Error(`npm start stopped before its banner: ${this.describe()}`) : err;
    });
  }

  /** The tree now (see processTree), remembered for killTree. */
  tree(): ProcInfo[] {
    const tree = processTree(this.pid, this.exit !== undefined);
    for (const p of tree) this.seen.set(p.pid, p);
    return tree;
  }

  /** The npm process of the tree: the spawned process itself, or the `npm start` a shell runs. */
  npmPid(): number {
    const npm = this.tree().find((p) => /^npm( |$)/.test(p.cmd) || /\/npm(-cli\.js)? start/.test(p.cmd));
    if (!npm) throw new Error(`no npm process in the tree:\n${describeProcesses(this.tree())}`);
    return npm.pid;
  }

  /**
   * Sends `signal` to `target` only, then waits until every process of the tree (as it was just before) is gone and
   * none of `ports` accepts connections. Returns how long that took; throws naming what is left after `timeoutMs`.
   */
  async signalAndWaitForNothingLeft(
    target: number,
    signal: NodeJS.Signals,
    ports: number[],
    timeoutMs = 15_000,
  ): Promise<{ ms: number; tree: ProcInfo[] }> {
    const tree = this.tree();
    const started = Date.now();
    process.kill(target, signal);
    for (;;) {
      const left = tree.filter(stillRuns);
      const group = this.tree().filter((p) => p.state !== 'Z');
      const open: number[] = [];
      for (const port of ports) if (await portOpen(port)) open.push(port);
      if (left.length === 0 && group.length === 0 && open.length === 0) return { ms: Date.now() - started, tree };
      if (Date.now() - started > timeoutMs) {
        throw new Error(
          `${timeoutMs} ms after ${signal} to ${target}: ports still open [${open.join(', ')}]; processes left:\n` +
            `${describeProcesses([...left, ...group.filter((g) => !left.some((l) => l.pid === g.pid))])}\n` +
            `tree before the signal:\n${describeProcesses(tree)}\n${this.describe()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Last resort for a failed test: SIGKILL whatever is left of the tree (every process seen in it that still runs,
   * never a later process that reused a pid), so no server outlives the suite.
   */
  killTree(): void {
    this.tree();
    for (const p of this.seen.values()) {
      if (!stillRuns(p)) continue;
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
}
