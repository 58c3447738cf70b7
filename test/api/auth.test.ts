/** API authentication: minted tokens verify to their Principal; every kind of bad token is refused saying why. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import {
  AuthError,
  createVerifier,
  mintToken,
  rememberVerified,
  resolveJwtSecret,
  type Principal,
  type Role,
  type TokenVerifier,
} from '../../src/api/auth';

const secret = 'a-test-secret-that-is-at-least-32-characters-long';
const issuer = 'apn-tier-engine';
const audience = 'apn-api';
const verifier = createVerifier({ secret, issuer, audience });
const key = new TextEncoder().encode(secret);

/** A token signed with the test secret carrying exactly `claims` (plus iat), for claims mintToken would refuse. */
function signed(claims: JWTPayload, signWith: Uint8Array = key): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(signWith);
}
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const valid = (extra: JWTPayload = {}): JWTPayload => ({
  sub: 'u-1',
  role: 'program-admin',
  iss: issuer,
  aud: audience,
  exp: inAnHour(),
  ...extra,
});

async function refusal(token: string, by = verifier): Promise<string> {
  const err: unknown = await by.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AuthError)) throw new Error(`expected an AuthError, got ${String(err)}`);
  expect(err.message).not.toContain(secret);
  return err.message;
}

describe('a minted token verifies to its Principal', () => {
  test.each<[Role, string | undefined]>([
    ['program-admin', undefined],
    ['partner-manager', undefined],
    ['evidence-feed', undefined],
    ['alliance-lead', 'acme'],
    ['alliance-team', 'acme'],
  ])('%s', async (role, partnerId) => {
    const token = await mintToken({ secret, role, sub: 'user-7', partnerId, issuer, audience });
    const expected = partnerId ? { sub: 'user-7', role, partnerId } : { sub: 'user-7', role };
    await expect(verifier.verify(token)).resolves.toEqual(expected);
  });

  test('it lasts 12 hours by default and carries iat', async () => {
    const token = await mintToken({ secret, role: 'program-admin', sub: 'u', issuer, audience });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as JWTPayload;
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(12 * 3600);
  });

  test('mintToken refuses what verify would refuse', async () => {
    await expect(mintToken({ secret, role: 'alliance-lead', sub: 'u', issuer, audience })).rejects.toThrow(
      'alliance-lead without `partner` claim',
    );
    await expect(
      mintToken({ secret, role: 'program-admin', sub: 'u', partnerId: 'acme', issuer, audience }),
    ).rejects.toThrow('program-admin must not carry a `partner` claim');
    await expect(mintToken({ secret, role: 'root' as Role, sub: 'u', issuer, audience })).rejects.toThrow(
      "unknown role 'root'",
    );
  });
});

describe('a bad token is refused with an AuthError saying what is wrong', () => {
  test('expired (beyond the 30 s clock tolerance)', async () => {
    const exp = Math.floor(Date.now() / 1000) - 120;
    expect(await refusal(await signed(valid({ exp })))).toBe(`token expired at ${new Date(exp * 1000).toISOString()}`);
  });

  test('expired by less than the clock tolerance still passes', async () => {
    const token = await signed(valid({ exp: Math.floor(Date.now() / 1000) - 5 }));
    await expect(verifier.verify(token)).resolves.toMatchObject({ role: 'program-admin' });
  });

  test('without exp', async () => {
    expect(await refusal(await signed(valid({ exp: undefined })))).toBe('missing claim `exp`');
  });

  test('signed with another secret', async () => {
    const other = new TextEncoder().encode('another-secret-that-is-32-characters-or-more');
    expect(await refusal(await signed(valid(), other))).toMatch(/^bad signature/);
  });

  test('wrong issuer', async () => {
    expect(await refusal(await signed(valid({ iss: 'someone-else' })))).toBe(
      "wrong issuer 'someone-else' (expected 'apn-tier-engine')",
    );
  });

  test('wrong audience', async () => {
    expect(await refusal(await signed(valid({ aud: 'other-api' })))).toBe(
      "wrong audience 'other-api' (expected 'apn-api')",
    );
  });

  test('alg none (unsigned)', async () => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part(valid())}.`;
    expect(await refusal(unsigned)).toBe("algorithm 'none' is not allowed (expected HS256)");
  });

  test('missing role', async () => {
    expect(await refusal(await signed(valid({ role: undefined })))).toBe('missing claim `role`');
  });

  test('unknown role', async () => {
    expect(await refusal(await signed(valid({ role: 'superuser' })))).toBe(
      "unknown role 'superuser' (expected one of program-admin, partner-manager, alliance-lead, alliance-team, evidence-feed)",
    );
  });

  test('alliance role without partner', async () => {
    expect(await refusal(await signed(valid({ role: 'alliance-lead' })))).toMatch(
      /^alliance-lead without `partner` claim/,
    );
    expect(await refusal(await signed(valid({ role: 'alliance-team', partner: '' })))).toMatch(
      /^alliance-team without `partner` claim/,
    );
  });

  test('partner claim on program-admin', async () => {
    expect(await refusal(await signed(valid({ partner: 'acme' })))).toMatch(
      /^program-admin must not carry a `partner` claim/,
    );
  });

  test('missing sub', async () => {
    expect(await refusal(await signed(valid({ sub: undefined })))).toBe('missing claim `sub`');
  });

  test('not a JWT at all', async () => {
    expect(await refusal('not-a-token')).toMatch(/^malformed token/);
    expect(await refusal('')).toBe('missing token');
  });
});

describe('a token that verified is remembered, never past its expiry', () => {
  /** Counts what reaches the real verifier; `clock` is the memory's time (seconds since the epoch, as in claims). */
  function remembering(options: { ttlMs?: number; maxLifetimeSeconds?: number } = {}) {
    const seen: string[] = [];
    const inner: TokenVerifier = {
      verify: (token: string) => {
        seen.push(token);
        return verifier.verify(token);
      },
    };
    const clock = { s: Math.floor(Date.now() / 1000) };
    return { seen, clock, remembered: rememberVerified(inner, { ...options, now: () => clock.s * 1000 }) };
  }

  test('the same token again is not verified again, and answers the same Principal', async () => {
    const { seen, remembered } = remembering();
    const token = await signed(valid({ exp: inAnHour() }));
    const first = await remembered.verify(token);
    const again = await remembered.verify(token);
    expect(again).toBe(first);
    expect(seen).toHaveLength(1);
    // Another token (another signature) is verified on its own.
    await remembered.verify(await signed(valid({ sub: 'u-2' })));
    expect(seen).toHaveLength(2);
  });

  test('past exp plus the clock tolerance the memory no longer answers for it: the verifier decides again', async () => {
    const { seen, clock, remembered } = remembering({ ttlMs: 3_600_000 * 48 });
    const exp = clock.s + 120;
    const token = await signed(valid({ exp }));
    await remembered.verify(token);
    clock.s = exp + 29;
    await remembered.verify(token);
    expect(seen).toHaveLength(1);
    clock.s = exp + 30;
    // The inner verifier reads the real clock, under which this token is still valid: it is asked again, which is the
    // point — the memory never answers for a token past its exp.
    await remembered.verify(token);
    expect(seen).toHaveLength(2);
  });

  test('no longer than iat plus the longest lifetime, nor than ttlMs', async () => {
    const byLifetime = remembering({ ttlMs: 3_600_000 * 48, maxLifetimeSeconds: 600 });
    const token = await signed(valid({ exp: inAnHour() }));
    await byLifetime.remembered.verify(token);
    byLifetime.clock.s += 600 + 29;
    await byLifetime.remembered.verify(token);
    byLifetime.clock.s += 1;
    await byLifetime.remembered.verify(token);
    expect(byLifetime.seen).toHaveLength(2);

    const byTtl = remembering({ ttlMs: 60_000 });
    await byTtl.remembered.verify(token);
    byTtl.clock.s += 59;
    await byTtl.remembered.verify(token);
    byTtl.clock.s += 1;
    await byTtl.remembered.verify(token);
    expect(byTtl.seen).toHaveLength(2);
  });

  test('a refusal is not remembered: the same bad token is refused each time by the verifier', async () => {
    const { seen, remembered } = remembering();
    const bad = await signed(valid(), new TextEncoder().encode('another-secret-that-is-at-least-32-characters'));
    expect(await refusal(bad, remembered)).toMatch(/bad signature/);
    expect(await refusal(bad, remembered)).toMatch(/bad signature/);
    expect(seen).toHaveLength(2);
  });

  test('what it answers cannot be edited by one request for the next', async () => {
    const { remembered } = remembering();
    const principal: Principal = await remembered.verify(await signed(valid()));
    expect(() => Object.assign(principal, { role: 'program-admin', sub: 'someone-else' })).toThrow(TypeError);
  });
});

describe('JWKS: tokens from the company IdP', () => {
  let server: Server;
  let jwksUrl: string;
  let ecKey: CryptoKey;
  let rsaKey: CryptoKey;

  beforeAll(async () => {
    const ec = await generateKeyPair('ES256');
    const rsa = await generateKeyPair('RS256');
    ecKey = ec.privateKey;
    rsaKey = rsa.privateKey;
    const jwks = {
      keys: [
        { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      ],
    };
    server = createServer((req, res) => {
      if (req.url !== '/.well-known/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
  });

  const idpToken = (alg: string, kid: string, signWith: CryptoKey | Uint8Array, claims: JWTPayload = valid()) =>
    new SignJWT(claims).setProtectedHeader({ alg, kid }).setIssuedAt().sign(signWith);

  test.each([
    ['ES256', 'ec-1'],
    ['RS256', 'rsa-1'],
  ])('a %s token signed by the IdP verifies', async (alg, kid) => {
    const jwksVerifier = createVerifier({ jwksUrl, issuer, audience });
    const token = await idpToken(
      alg,
      kid,
      alg === 'ES256' ? ecKey : rsaKey,
      valid({ role: 'alliance-team', partner: 'acme' }),
    );
    await expect(jwksVerifier.verify(token)).resolves.toEqual({ sub: 'u-1', role: 'alliance-team', partnerId: 'acme' });
  });

  test('the JWKS takes precedence over a secret: an HS256 token is refused', async () => {
    const jwksVerifier = createVerifier({ jwksUrl, secret, issuer, audience });
    expect(await refusal(await signed(valid()), jwksVerifier)).toBe(
      "algorithm 'HS256' is not allowed (expected RS256, ES256, PS256, EdDSA)",
    );
  });

  test('a token signed by a key the IdP does not publish is refused', async () => {
    const jwksVerifier = createVerifier({ jwksUrl, issuer, audience });
    const stranger = await generateKeyPair('ES256');
    expect(await refusal(await idpToken('ES256', 'ec-1', stranger.privateKey), jwksVerifier)).toMatch(/^bad signature/);
    expect(await refusal(await idpToken('ES256', 'ec-9', stranger.privateKey), jwksVerifier)).toMatch(
      /^no key in the JWKS matches/,
    );
  });

  test('an unreachable JWKS is a server fault, not an AuthError', async () => {
    const broken = createVerifier({ jwksUrl: jwksUrl.replace('jwks.json', 'missing.json'), issuer, audience });
    const err: unknown = await broken.verify(await idpToken('ES256', 'ec-1', ecKey)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(
      /^cannot use the JWKS at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/missing\.json/,
    );
  });
});

describe('resolveJwtSecret', () => {
  test('the embedded default generates a secret once, mode 0600, and reuses it', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'apn-auth-')), 'nested');
    const first = resolveJwtSecret({}, dataDir);
    const file = join(dataDir, 'jwt-secret');
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveJwtSecret({}, dataDir)).toBe(first);
    expect(resolveJwtSecret({}, mkdtempSync(join(tmpdir(), 'apn-auth-')))).not.toBe(first);
  });

  test('JWT_SECRET wins over the file', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'apn-auth-'));
    resolveJwtSecret({}, dataDir);
    expect(resolveJwtSecret({ JWT_SECRET: secret }, dataDir)).toBe(secret);
  });
});
