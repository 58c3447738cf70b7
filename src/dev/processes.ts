/**
 * Child server processes for the embedded default and the tests: the Temporal dev server (with Web UI) and the
 * Java time-skipping test server. Each is started in its own process group so stopping it leaves no orphans, under
 * a small shell guard that stops the server when the Node process that started it is gone — even killed with
 * SIGKILL, which no handler in Node can see.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { leasePorts } from './ports';

async function portAcceptsConnections(port: number, host = '127.0.0.1'): Promise<boolean> {
  return await new Promise((resolveOpen) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolveOpen(true);
    });
    socket.once('error', () => resolveOpen(false));
  });
}

/** How many of a process's last output lines an error about it quotes. */
const TAIL_LINES = 30;

/** A server process we started and must stop; every error about it says how it ended and what it last printed. */
export class ManagedProcess {
  private exitInfo: string | undefined;
  private readonly tail: string[] = [];
  private partial = '';
  readonly exited: Promise<string>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly logFile?: string,
  ) {
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = signal ? `killed by signal ${signal}` : `exit code ${String(code)}`;
        resolveExit(this.exitInfo);
      });
    });
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => this.remember(chunk));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  private remember(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    this.tail.push(...lines.filter((line) => line.trim() !== ''));
    if (this.tail.length > TAIL_LINES) this.tail.splice(0, this.tail.length - TAIL_LINES);
  }

  /** How the process ended (or that it runs) and its last output lines, for error messages. */
  describe(): string {
    const lines = [...this.tail, ...(this.partial.trim() ? [this.partial] : [])].slice(-TAIL_LINES);
    const state = this.exitInfo ?? `still running (pid ${String(this.child.pid)})`;
    const where = this.logFile ? `; its log: ${this.logFile}` : '';
    const output = lines.length > 0 ? `; its last output:\n  ${lines.join('\n  ')}` : '; it printed nothing';
    return `${this.name}: ${state}${where}${output}`;
  }

  /** An error about this process: `what` went wrong, then how it ended and what it printed. */
  failure(what: string): Error {
    return new Error(`${this.name} ${what} (${this.describe()})`);
  }

  /** Waits until `port` accepts TCP connections, failing early (with its output) if the process dies. */
  async waitForPort(port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.hasExited) throw this.failure(`exited before port ${port} opened`);
      if (await portAcceptsConnections(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    const error = this.failure(`did not open port ${port} within ${timeoutMs} ms`);
    await this.stop();
    throw error;
  }

  /** SIGTERM to the whole process group, SIGKILL after a grace period. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.hasExited || this.child.pid === undefined) return;
    const pid = this.child.pid;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The guard, run as `sh -c GUARD sh <server> <args…>`: it starts the server and waits for it. Its stdin is a pipe
 * from the Node process that launched it, which never writes to it, so end-of-file there means that process is gone
 * (whatever killed it): the guard then stops the server — SIGTERM, SIGKILL after 10 s. SIGTERM/SIGINT/SIGHUP to the
 * guard (ManagedProcess.stop signals the whole group) reach the server too; the guard exits with the server's status.
 */
const GUARD = `
exec 3<&0 </dev/null
"$@" 3<&- &
server=$!
trap 'kill -TERM "$server" 2>/dev/null' TERM INT HUP
{
  while read -r _; do :; done
  kill -TERM "$server" 2>/dev/null || exit 0
  sleep 10
  kill -KILL "$server" 2>/dev/null
} <&3 >/dev/null 2>&1 &
watchdog=$!
exec 3<&-
while :; do
  wait "$server"
  status=$?
  kill -0 "$server" 2>/dev/null || break
done
kill "$watchdog" 2>/dev/null
exit "$status"
`;

function launch(name: string, command: string, args: string[], logFile?: string): ManagedProcess {
  const child = spawn('/bin/sh', ['-c', GUARD, 'sh', command, ...args], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Only this process holds the pipe's other end (Node opens it close-on-exec): never written, never closed by us.
  child.stdin?.on('error', () => undefined);
  if (logFile) {
    mkdirSync(dirname(logFile), { recursive: true });
    const log = createWriteStream(logFile, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  // The tail ManagedProcess keeps is read from 'data' events, which also keep both pipes flowing.
  return new ManagedProcess(name, child, logFile);
}

export interface DevServerOptions {
  temporalCli: string;
  /** The frontend's gRPC port. */
  port: number;
  /** The Web UI's port; headless when absent. */
  uiPort?: number;
  /** The frontend's HTTP API port; when absent the CLI picks one itself (bind to 0, close, reuse). */
  httpPort?: number;
  /** The Prometheus `/metrics` port; when absent the CLI picks one itself (bind to 0, close, reuse). */
  metricsPort?: number;
  /** SQLite file for persistence across runs; in-memory when absent. */
  dbFile?: string;
  namespace?: string;
  /** Further namespaces to create at start (each with the search attributes), e.g. one per test suite. */
  extraNamespaces?: readonly string[];
  /** name → Temporal indexed value type (Keyword, Bool, Datetime, Int, Double, Text, KeywordList). */
  searchAttributes?: Record<string, string>;
  logFile?: string;
  readyTimeoutMs?: number;
}

/**
 * `temporal server start-dev`: the real Temporal server with its Web UI, as one process. It binds the ports given
 * here (frontend gRPC, HTTP, metrics, UI) and, for its history, matching and worker services, ports the CLI picks
 * itself from the kernel's ephemeral range (devserver.GetFreePort, which parks each in TIME_WAIT so no `bind(0)`
 * gets it meanwhile); their ringpop membership listeners bind port 0. A start that fails says why: the server's
 * exit status and its last output lines.
 */
export async function startDevServer(options: DevServerOptions): Promise<ManagedProcess> {
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  for (const ns of [namespace, ...(options.extraNamespaces ?? [])]) args.push('--namespace', ns);
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.httpPort) args.push('--http-port', String(options.httpPort));
  if (options.metricsPort) args.push('--metrics-port', String(options.metricsPort));
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  for (const [name, type] of Object.entries(options.searchAttributes ?? {})) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  const proc = launch('Temporal dev server', options.temporalCli, args, options.logFile);
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  try {
    await proc.waitForPort(options.port, timeoutMs);
    await waitForFrontend(proc, `127.0.0.1:${options.port}`, namespace, timeoutMs);
    if (options.uiPort) await proc.waitForPort(options.uiPort, timeoutMs);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}

/**
 * Waits until the frontend answers for the namespace: the gRPC port opens before the server is healthy ("Frontend
 * is not healthy yet"), and on a loaded machine the first callers would fail in that gap.
 */
async function waitForFrontend(proc: ManagedProcess, address: string, namespace: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.hasExited) throw proc.failure(`exited before its frontend on ${address} answered`);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw proc.failure(`on ${address} did not become healthy in ${timeoutMs} ms (last: ${String(err)})`);
      }
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await connection?.close();
    }
  }
}

/** Every port a dev server is told to bind (frontend, HTTP, metrics and, unless headless, UI), leased together. */
export interface DevServerPorts {
  port: number;
  httpPort: number;
  metricsPort: number;
  uiPort?: number;
  /** Gives the ports back: after the server that used them has stopped. */
  release: () => void;
}

export async function leaseDevServerPorts(options: { ui: boolean }): Promise<DevServerPorts> {
  const leases = await leasePorts(options.ui ? 4 : 3);
  const [port, httpPort, metricsPort, uiPort] = leases.map((l) => l.port) as [number, number, number, number?];
  return {
    port,
    httpPort,
    metricsPort,
    ...(uiPort !== undefined ? { uiPort } : {}),
    release: () => leases.forEach((l) => l.release()),
  };
}

/** The Java time-skipping test server on `port`. */
export async function startTestServer(wrapper: string, port: number, readyTimeoutMs = 60_000): Promise<ManagedProcess> {
  const proc = launch('Temporal time-skipping test server', wrapper, [String(port), '--enable-time-skipping']);
  await proc.waitForPort(port, readyTimeoutMs);
  return proc;
}
