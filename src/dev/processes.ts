/**
 * Child server processes for the embedded default and the tests: the Temporal dev server (with Web UI) and the
 * Java time-skipping test server. Each is started in its own process group so stopping it leaves no orphans, under
 * a small shell guard that stops the server when the Node process that started it is gone — even killed with
 * SIGKILL, which no handler in Node can see.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';

/** A free TCP port on the loopback interface, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

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

/** A server process we started and must stop. */
export class ManagedProcess {
  private exited = false;
  private exitInfo = '';

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.once('exit', (code, signal) => {
      this.exited = true;
      this.exitInfo = signal ? `signal ${signal}` : `exit code ${String(code)}`;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Waits until `port` accepts TCP connections, failing early if the process dies. */
  async waitForPort(port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`${this.name} exited before it was ready (${this.exitInfo})`);
      if (await portAcceptsConnections(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.stop();
    throw new Error(`${this.name} did not open port ${port} within ${timeoutMs} ms`);
  }

  /** SIGTERM to the whole process group, SIGKILL after a grace period. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    const pid = this.child.pid;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
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
    await exited;
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
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  return new ManagedProcess(name, child);
}

export interface DevServerOptions {
  temporalCli: string;
  port: number;
  uiPort?: number;
  /** SQLite file for persistence across runs; in-memory when absent. */
  dbFile?: string;
  namespace?: string;
  /** name → Temporal indexed value type (Keyword, Bool, Datetime, Int, Double, Text, KeywordList). */
  searchAttributes?: Record<string, string>;
  logFile?: string;
  readyTimeoutMs?: number;
}

/** `temporal server start-dev`: the real Temporal server with its Web UI, as one process. */
export async function startDevServer(options: DevServerOptions): Promise<ManagedProcess> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  args.push('--namespace', options.namespace ?? 'default');
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
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
    await waitForFrontend(`127.0.0.1:${options.port}`, options.namespace ?? 'default', timeoutMs);
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
async function waitForFrontend(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(
          `the Temporal dev server on ${address} did not become healthy in ${timeoutMs} ms: ${String(err)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await connection?.close();
    }
  }
}

/** The Java time-skipping test server on `port`. */
export async function startTestServer(wrapper: string, port: number, readyTimeoutMs = 60_000): Promise<ManagedProcess> {
  const proc = launch('Temporal time-skipping test server', wrapper, [String(port), '--enable-time-skipping']);
  await proc.waitForPort(port, readyTimeoutMs);
  return proc;
}
