/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * `npx apn import partners.csv` as the README runs it, against the engine's API listening on a port: the file is
 * streamed, the job followed to its end, refused rows printed with why; the same file again changes nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startApiHarness, type ApiHarness } from '../api/harness';

const root = resolve(__dirname, '../..');
let h: ApiHarness;
let server: Server;
let api: string;
let dir: string;

beforeAll(async () => {
  h = await startApiHarness({ businessDate: '2019-06-10' });
  server = await new Promise<Server>((ready) => {
    const s = h.app.listen(0, '127.0.0.1', () => ready(s));
  });
  const address = server.address();
  api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  dir = mkdtempSync(join(tmpdir(), 'apn-import-cli-'));
}, 300_000);
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  await h?.teardown();
});

/** Runs `npx apn import <file>` in the project with the token the README exports; never blocks this process. */
async function apnImport(file: string, token?: string) {
  const { APN_TOKEN: _t, ...env } = process.env;
  const child = spawn('npx', ['apn', 'import', file], {
    cwd: root,
    env: {
      ...env,
      APN_API_URL: api,
      APN_TOKEN_PROGRAM_ADMIN: token ?? (await h.auth('program-admin')).replace(/^Bearer /, ''),
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((done) => child.on('close', done));
  return { status, stdout, stderr };
}

function csv(name: string, rows: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, ['id,name,track,tier,renewalDate,country,feeAccountId,allianceLeadId', ...rows].join('\n'));
  return file;
}

const row = (id: string, tier = 'select') => `${id},${id} Cloud,consulting,${tier},12-15,US,123456789012,lead-${id}`;

describe('npx apn import', () => {
  test('imports the file, then the same file again changes nothing', async () => {
    const file = csv('partners.csv', [row('cli-1'), row('cli-2')]);
    const first = await apnImport(file);
    expect(first.stderr).toMatch(/2 rows accepted; job http/);
    expect(first.stdout).toBe('imported 2 rows: 2 created, 0 unchanged, 0 updated, 0 refused\n');
    expect(first.status).toBe(0);
    expect(await h.store.getPartner('cli-2')).toMatchObject({ tier: 'select' });

    const again = await apnImport(file);
    expect(again.stdout).toBe('imported 2 rows: 0 created, 2 unchanged, 0 updated, 0 refused\n');
    expect(again.status).toBe(0);
  }, 120_000);

  test('a row the engine refuses is printed with why; exit 1', async () => {
    await apnImport(csv('first.csv', [row('cli-3')]));
    const r = await apnImport(csv('conflict.csv', [row('cli-4'), row('cli-3', 'advanced')]));
    expect(r.stdout).toMatch(/1 created, 0 unchanged, 0 updated, 1 refused/);
    expect(r.stdout).toMatch(/^row 2 \(cli-3\): refused 409: .*different data/m);
    expect(r.status).toBe(1);
  }, 120_000);

  test('an invalid file is refused whole, each issue named by row and field; exit 2, nothing imported', async () => {
    const r = await apnImport(csv('bad.csv', [row('cli-5'), 'cli-6,Six,consulting,select,12-15,US,12,lead']));
    expect(r.stderr).toMatch(/refused \(400 /);
    expect(r.stderr).toMatch(/ {2}row 2\.feeAccountId: /);
    expect(r.status).toBe(2);
    expect(await h.store.getPartner('cli-5')).toBeUndefined();
  }, 120_000);

  test('without a token: exit 2 and what to set', async () => {
    const r = await apnImport(csv('x.csv', [row('cli-7')]), '');
    expect(r.stderr).toMatch(/APN_TOKEN_PROGRAM_ADMIN/);
    expect(r.status).toBe(2);
  }, 60_000);
});
