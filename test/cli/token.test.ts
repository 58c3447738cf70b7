/** `apn token`: mints a dev API token with the embedded default's secret, run as a real process through bin/apn.js. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createVerifier, resolveJwtSecret } from '../../src/api/auth';

const root = resolve(__dirname, '../..');

function apn(env: Record<string, string>, ...args: string[]) {
  // Only this test's configuration: a JWT_SECRET or JWKS_URL in the developer's shell must not leak in.
  const { JWT_SECRET: _secret, JWKS_URL: _jwks, JWT_ISSUER: _iss, JWT_AUDIENCE: _aud, ...base } = process.env;
  const r = spawnSync(process.execPath, [join(root, 'bin/apn.js'), 'token', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...base, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const issuer = 'apn-tier-engine';
const audience = 'apn-api';

describe('apn token', () => {
  it('prints a token that verifies with the secret kept in DATA_DIR', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'apn-token-'));
    const r = apn({ DATA_DIR: dataDir }, '--role', 'alliance-lead', '--partner', 'acme');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const verifier = createVerifier({ secret: resolveJwtSecret({}, dataDir), issuer, audience });
    await expect(verifier.verify(r.stdout.trim())).resolves.toEqual({
      sub: 'dev-alliance-lead',
      role: 'alliance-lead',
      partnerId: 'acme',
    });
  });

  it('uses JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE and --sub when given', async () => {
    const env = {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'apn-token-')),
      JWT_SECRET: 'a-configured-secret-of-at-least-32-characters',
      JWT_ISSUER: 'my-issuer',
      JWT_AUDIENCE: 'my-api',
    };
    const r = apn(env, '--role', 'evidence-feed', '--sub', 'crm-sync', '--expires-in', '30m');
    expect(r.status).toBe(0);
    const verifier = createVerifier({ secret: env.JWT_SECRET, issuer: 'my-issuer', audience: 'my-api' });
    await expect(verifier.verify(r.stdout.trim())).resolves.toEqual({ sub: 'crm-sync', role: 'evidence-feed' });
  });

  it('an unknown role: exit 2 naming the known roles', () => {
    const r = apn({ DATA_DIR: mkdtempSync(join(tmpdir(), 'apn-token-')) }, '--role', 'root');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "--role: unknown role 'root' (expected one of program-admin, partner-manager, alliance-lead, alliance-team, evidence-feed)\n",
    );
  });

  it('an alliance role without --partner, or --partner on a role without one: exit 2', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'apn-token-'));
    const missing = apn({ DATA_DIR: dataDir }, '--role', 'alliance-team');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('--partner: required for alliance-team, which acts for one partner\n');
    const extra = apn({ DATA_DIR: dataDir }, '--role', 'partner-manager', '--partner', 'acme');
    expect(extra.status).toBe(2);
    expect(extra.stderr).toMatch(/^--partner: partner-manager does not act for a partner/);
  });

  it('with JWKS_URL set: exit 2, tokens come from the identity provider', () => {
    const r = apn(
      { DATA_DIR: mkdtempSync(join(tmpdir(), 'apn-token-')), JWKS_URL: 'https://idp.example.com/jwks.json' },
      '--role',
      'program-admin',
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^JWKS_URL is set: .*identity provider/);
  });

  it('a bad --expires-in: exit 2', () => {
    const r = apn(
      { DATA_DIR: mkdtempSync(join(tmpdir(), 'apn-token-')) },
      '--role',
      'program-admin',
      '--expires-in',
      'soon',
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("--expires-in: expected a duration like 30m, 12h or 7d, got 'soon'\n");
  });
});
