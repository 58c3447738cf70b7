/**
 * API authentication: every /v1 request carries a Bearer JWT naming who calls (`sub`), their role and, for the
 * alliance roles, the partner they act for. The embedded default signs HS256 tokens with a shared secret kept under
 * DATA_DIR (`apn token` and `npm start` mint them); production verifies the company IdP's tokens against a JWKS.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
} from 'jose';
import { Lru } from './lru';

export const ROLES = ['program-admin', 'partner-manager', 'alliance-lead', 'alliance-team', 'evidence-feed'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: `sub` is the user (or system) id; alliance roles carry the partner they act for. */
export interface Principal {
  sub: string;
  role: Role;
  partnerId?: string;
}

/** A token was refused; the message says what is wrong with it (never anything secret). */
export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface TokenVerifier {
  /**
   * The token's Principal; rejects with AuthError on any bad token. A JWKS that cannot be fetched is the server's
   * fault, not the caller's: that rejects with a plain Error.
   */
  verify(token: string): Promise<Principal>;
}

const HS_ALGORITHMS = ['HS256'];
const JWKS_ALGORITHMS = ['RS256', 'ES256', 'PS256', 'EdDSA'];
/** Seconds of clock skew allowed between the token's issuer and this server. */
const CLOCK_TOLERANCE_S = 30;
const ROLES_WITH_PARTNER: readonly Role[] = ['alliance-lead', 'alliance-team'];
/** Default longest token lifetime (`exp` - `iat`): a stolen token is worth a day at most. */
export const DEFAULT_MAX_LIFETIME_S = 24 * 3600;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The alliance roles act for one partner and must name it; the others must not. */
export function roleTakesPartner(role: Role): boolean {
  return ROLES_WITH_PARTNER.includes(role);
}

/** HS256 with `secret`, or the JWKS at `jwksUrl` (RS256/ES256/PS256/EdDSA) when given — it takes precedence. */
export function createVerifier(options: {
  secret?: string;
  jwksUrl?: string;
  issuer: string;
  audience: string;
  /** Longest lifetime (`exp` - `iat`) accepted, in seconds (default 24 h). */
  maxLifetimeSeconds?: number;
}): TokenVerifier {
  const { secret, jwksUrl, issuer, audience } = options;
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_S;
  // `iat` is required and no older than the longest lifetime: a token without it, or valid until 2100, would be a
  // credential that never lapses.
  const expected = {
    issuer,
    audience,
    clockTolerance: CLOCK_TOLERANCE_S,
    requiredClaims: ['exp', 'iat', 'sub'],
    maxTokenAge: maxLifetime,
  };
  let verifyJwt: (token: string) => Promise<JWTPayload>;
  let algorithms: string[];
  if (jwksUrl) {
    algorithms = JWKS_ALGORITHMS;
    const jwks = createRemoteJWKSet(new URL(jwksUrl));
    verifyJwt = async (token) => {
      const { payload } = await jwtVerify(
        token,
        async (header, jws) => {
          try {
            return await jwks(header, jws);
          } catch (err) {
            // No key for the token's kid is the token's problem; anything else (network, bad JWKS) is ours.
            if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
            throw new JwksUnavailable(jwksUrl, err);
          }
        },
        { ...expected, algorithms },
      );
      return payload;
    };
  } else if (secret) {
    algorithms = HS_ALGORITHMS;
    const key = new TextEncoder().encode(secret);
    verifyJwt = async (token) => (await jwtVerify(token, key, { ...expected, algorithms })).payload;
  } else {
    throw new Error('createVerifier needs a secret or a jwksUrl');
  }

  return rememberVerified(
    {
      async verify(token) {
        if (typeof token !== 'string' || token === '') throw new AuthError('missing token');
        let payload: JWTPayload;
        try {
          payload = await verifyJwt(token);
        } catch (err) {
          if (err instanceof JwksUnavailable) throw err;
          throw new AuthError(describeFailure(err, token, { issuer, audience, algorithms }));
        }
        const lifetime = lifetimeProblem(payload, maxLifetime);
        if (lifetime) throw new AuthError(lifetime);
        return principalOf(payload);
      },
    },
    { maxLifetimeSeconds: maxLifetime },
  );
}

export interface RememberOptions {
  /** Longest a verified token is taken without verifying it again, in ms (default 60 s). */
  ttlMs?: number;
  /** Tokens remembered (default 10,000). */
  capacity?: number;
  /** The verifier's longest token lifetime, in seconds: a token is remembered no longer than `iat` + it. */
  maxLifetimeSeconds?: number;
  now?: () => number;
}

/**
 * `inner`, remembering the tokens it accepted: a client sends the same token with every request, and verifying its
 * signature again (an HMAC or an RSA verification, and an async WebCrypto job) was a fifth of a cached read's time. A
 * token is remembered until the first of: its `exp` (plus the clock tolerance `inner` allows), `iat` plus the longest
 * lifetime, or `ttlMs` — so an expired token is refused as before, and a key withdrawn from the JWKS stops being trusted
 * within `ttlMs`. Keyed by the whole token, signature included: only the exact string that verified is taken.
 * Refusals are not remembered.
 */
export function rememberVerified(inner: TokenVerifier, options: RememberOptions = {}): TokenVerifier {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxLifetimeMs = (options.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_S) * 1000;
  const now = options.now ?? Date.now;
  const verified = new Lru<string, { principal: Principal; until: number }>(options.capacity ?? 10_000);
  return {
    async verify(token) {
      const known = typeof token === 'string' ? verified.get(token) : undefined;
      if (known) {
        if (now() < known.until) return known.principal;
        verified.delete(token);
      }
      const principal = Object.freeze(await inner.verify(token));
      // `inner` accepted it, so `exp` and `iat` are numbers.
      const { exp, iat } = decodeJwt(token) as { exp: number; iat: number };
      const toleranceMs = CLOCK_TOLERANCE_S * 1000;
      const until = Math.min(now() + ttlMs, exp * 1000 + toleranceMs, iat * 1000 + maxLifetimeMs + toleranceMs);
      verified.set(token, { principal, until });
      return principal;
    },
  };
}

/** Signs an HS256 token for `role`; refuses (AuthError) a combination `verify` would refuse. */
export async function mintToken(options: {
  secret: string;
  role: Role;
  sub: string;
  partnerId?: string;
  expiresIn?: string;
  issuer: string;
  audience: string;
  /** Refuses to mint a token living longer than this (the verifier's limit), in seconds. */
  maxLifetimeSeconds?: number;
}): Promise<string> {
  const { secret, role, sub, partnerId, expiresIn = '12h', issuer, audience } = options;
  if (!isRole(role)) throw new AuthError(unknownRole(role));
  if (sub === '') throw new AuthError('missing claim `sub`');
  const problem = partnerProblem(role, partnerId);
  if (problem) throw new AuthError(problem);
  const token = await new SignJWT({ role, ...(partnerId === undefined ? {} : { partner: partnerId }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
  const lifetime = lifetimeProblem(decodeJwt(token), options.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_S);
  if (lifetime) throw new AuthError(lifetime);
  return token;
}

function lifetimeProblem(payload: JWTPayload, maxSeconds: number): string | undefined {
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || typeof exp !== 'number') return 'claims `iat` and `exp` must be numbers';
  if (exp - iat > maxSeconds) {
    return `token lifetime ${formatSeconds(exp - iat)} exceeds the maximum of ${formatSeconds(maxSeconds)}`;
  }
  return undefined;
}

function formatSeconds(seconds: number): string {
  if (seconds % 86_400 === 0) return `${String(seconds / 86_400)}d`;
  if (seconds % 3600 === 0) return `${String(seconds / 3600)}h`;
  if (seconds % 60 === 0) return `${String(seconds / 60)}m`;
  return `${String(seconds)}s`;
}

/**
 * JWT_SECRET when set; else the embedded default: a random secret generated once and kept in `<dataDir>/jwt-secret`
 * (mode 0600) so `apn token` and the server agree.
 */
export function resolveJwtSecret(config: { JWT_SECRET?: string }, dataDir: string): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'jwt-secret');
  const existing = readSecret(file);
  if (existing !== undefined) return existing;
  // Written aside, then linked into place: link refuses to overwrite, so when the server and `apn token` race on a
  // fresh DATA_DIR both end up with the one secret that won, and nobody ever reads a half-written file.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(draft);
  }
  const secret = readSecret(file);
  if (secret === undefined) throw new Error(`${file} vanished while it was being created`);
  return secret;
}

function readSecret(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const secret = text.trim();
  if (secret.length < 32) {
    throw new Error(`${file} holds a secret shorter than 32 characters: delete it to generate a new one`);
  }
  return secret;
}

class JwksUnavailable extends Error {
  constructor(url: string, cause: unknown) {
    super(`cannot use the JWKS at ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

function principalOf(payload: JWTPayload): Principal {
  const { sub, role, partner } = payload;
  if (typeof sub !== 'string' || sub === '') throw new AuthError('missing claim `sub`');
  if (role === undefined) throw new AuthError('missing claim `role`');
  if (!isRole(role)) throw new AuthError(unknownRole(role));
  if (partner !== undefined && typeof partner !== 'string') throw new AuthError('claim `partner` must be a string');
  const problem = partnerProblem(role, partner);
  if (problem) throw new AuthError(problem);
  return partner === undefined ? { sub, role } : { sub, role, partnerId: partner };
}

function partnerProblem(role: Role, partner: string | undefined): string | undefined {
  if (roleTakesPartner(role)) {
    if (partner === undefined || partner === '') {
      return `${role} without \`partner\` claim: an alliance role acts for one partner and must name it`;
    }
  } else if (partner !== undefined) {
    return `${role} must not carry a \`partner\` claim: only alliance-lead and alliance-team act for a partner`;
  }
  return undefined;
}

function unknownRole(role: unknown): string {
  return `unknown role ${quote(role)} (expected one of ${ROLES.join(', ')})`;
}

/** A claim value for an error message: printable characters only and cut short, so a token cannot forge log lines. */
function quote(value: unknown): string {
  const raw = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  const text = raw.replace(/[^\x20-\x7e]/g, '?');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isoTime(seconds: unknown): string {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : '?';
}

function describeFailure(
  err: unknown,
  token: string,
  expected: { issuer: string; audience: string; algorithms: string[] },
): string {
  if (err instanceof errors.JWTExpired) return `token expired at ${isoTime(err.payload.exp)}`;
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `missing claim \`${err.claim}\``;
    if (err.claim === 'iss') return `wrong issuer ${quote(err.payload.iss)} (expected '${expected.issuer}')`;
    if (err.claim === 'aud') return `wrong audience ${quote(err.payload.aud)} (expected '${expected.audience}')`;
    if (err.claim === 'nbf') return `token not valid before ${isoTime(err.payload.nbf)}`;
    return `claim \`${err.claim}\` refused: ${err.message}`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return `algorithm ${quote(headerAlg(token))} is not allowed (expected ${expected.algorithms.join(', ')})`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return 'bad signature: the token was not signed with a key this server trusts';
  }
  if (err instanceof errors.JWKSNoMatchingKey) return `no key in the JWKS matches the token's kid and alg`;
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'the token has no kid and several JWKS keys match it';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return `malformed token: ${err.message}`;
  return `invalid token: ${err instanceof Error ? err.message : String(err)}`;
}

function headerAlg(token: string): unknown {
  try {
    return decodeProtectedHeader(token).alg;
  } catch {
    return undefined;
  }
}
