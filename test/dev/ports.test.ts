/**
 * Port leases (src/dev/ports.ts): what every test server, `npm start` under test and bench binds comes from them.
 * Leasers in several processes at once never get the same port; a port something listens on is skipped; a lease
 * ends with release(), with its process's exit, or when its process is gone; and no lease is in the kernel's
 * ephemeral range, where `bind(0)` and outgoing connections take ports.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { leasePort, leaseRange } from '../../src/dev/ports';

const root = join(__dirname, '..', '..');
let dir: string;
const before = process.env.APN_PORT_LOCK_DIR;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'apn-ports-test-'));
  process.env.APN_PORT_LOCK_DIR = dir;
});
afterEach(() => {
  if (before === undefined) delete process.env.APN_PORT_LOCK_DIR;
  else process.env.APN_PORT_LOCK_DIR = before;
  rmSync(dir, { recursive: true, force: true });
});

/** A node process (with tsx) running `code` with the test's lock dir; resolves with its stdout. */
async function node(code: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', code], {
    cwd: root,
    env: { ...process.env, APN_PORT_LOCK_DIR: dir },
  });
  return stdout;
}

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

test('leases lie outside the kernel’s ephemeral range', () => {
  const [low, high] = (
    existsSync('/proc/sys/net/ipv4/ip_local_port_range')
      ? readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      : '49152 65535'
  )
    .trim()
    .split(/\s+/)
    .map(Number) as [number, number];
  const range = leaseRange();
  expect(range.to < low || range.from > high).toBe(true);
  expect(range.to - range.from).toBeGreaterThan(1000);
});

test('four processes leasing 40 ports each at once never hold the same port, and their exit frees every lease', async () => {
  // Each child holds its leases until its stdin closes, so all 160 are held at the same time.
  const code = `
    const { leasePort } = require('./src/dev/ports');
    (async () => {
      const ports = [];
      for (let i = 0; i < 40; i++) ports.push((await leasePort({ range: { from: 21000, to: 21199 } })).port);
      console.log(JSON.stringify(ports));
      process.stdin.resume();
      process.stdin.on('end', () => process.exit(0));
    })();`;
  const children = [1, 2, 3, 4].map(() =>
    spawn(process.execPath, ['--import', 'tsx', '-e', code], {
      cwd: root,
      env: { ...process.env, APN_PORT_LOCK_DIR: dir },
    }),
  );
  const outputs = await Promise.all(
    children.map(
      (child) =>
        new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            if (out.endsWith('\n')) resolve(out);
          });
          child.once('exit', (code) => reject(new Error(`a leasing child exited early (${String(code)})`)));
        }),
    ),
  );
  const ports = outputs.flatMap((o) => JSON.parse(o) as number[]);
  expect(ports).toHaveLength(160);
  expect(new Set(ports).size).toBe(160);
  expect(readdirSync(dir).filter((f) => f.endsWith('.lock'))).toHaveLength(160);
  await Promise.all(
    children.map((child) => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      return exited;
    }),
  );
  // Each process exited holding its leases: its exit handler gave them back.
  expect(readdirSync(dir).filter((f) => f.endsWith('.lock'))).toEqual([]);
});

test('a port something else listens on is skipped', async () => {
  const busy = await listen(21300);
  try {
    const lease = await leasePort({ range: { from: 21300, to: 21301 } });
    expect(lease.port).toBe(21301);
    lease.release();
  } finally {
    busy.close();
  }
});

test('a held lease is not handed out again until released', async () => {
  const range = { from: 21400, to: 21400 };
  const lease = await leasePort({ range });
  await expect(node(`require('./src/dev/ports').leasePort({ range: { from: 21400, to: 21400 } })`)).rejects.toThrow(
    /every port of 21400–21400 is leased or in use/,
  );
  lease.release();
  expect(
    await node(
      `require('./src/dev/ports').leasePort({ range: { from: 21400, to: 21400 } }).then((l) => console.log(l.port))`,
    ),
  ).toBe('21400\n');
});

test('a lease whose process is gone (kill -9: no exit handler ran) is free again', async () => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  const pid = child.pid!;
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  writeFileSync(join(dir, '21500.lock'), `${pid} 12345`);
  const lease = await leasePort({ range: { from: 21500, to: 21500 } });
  expect(lease.port).toBe(21500);
  lease.release();
  expect(existsSync(join(dir, '21500.lock'))).toBe(false);
});
