/**
 * `apn token --role <role> [--sub <id>] [--partner <id>] [--expires-in 12h]`: mints an API token signed with the
 * embedded default's secret (JWT_SECRET, else `<DATA_DIR>/jwt-secret`) and prints it on stdout.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AuthError, isRole, mintToken, resolveJwtSecret, roleTakesPartner, ROLES } from '../../api/auth';
import { ConfigError, durationSeconds, loadConfig } from '../../config';
import { EXIT_INVALID_INPUT } from './scorecard';

/** A positive lifetime in the units jose understands (no `ago`, no sign: a token must not be born expired). */
const DURATION = /^\d+ ?(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/i;

interface TokenOptions {
  role?: string;
  sub?: string;
  partner?: string;
  expiresIn: string;
}

/** Registers the `token` sub-command. */
export function registerToken(program: Command): void {
  program
    .command('token')
    .description('Mint a development API token (HS256, the embedded default secret) and print it')
    .option('--role <role>', `one of ${ROLES.join(', ')} (required)`)
    .option('--sub <id>', 'user or system id the token speaks for (default: dev-<role>)')
    .option('--partner <partnerId>', 'partner the token acts for (alliance-lead and alliance-team only, required)')
    .option('--expires-in <duration>', 'lifetime, e.g. 30m, 12h, 7d', '12h')
    .action(async (opts: TokenOptions) => {
      const problems = await runToken(opts);
      for (const problem of problems) process.stderr.write(`${problem}\n`);
      if (problems.length > 0) process.exitCode = EXIT_INVALID_INPUT;
    });
}

/** Prints the token; returns the problems that stopped it instead (empty on success). */
async function runToken(opts: TokenOptions): Promise<string[]> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) return [err.message];
    throw err;
  }
  if (config.JWKS_URL) {
    return [
      'JWKS_URL is set: the API verifies tokens from your identity provider, so get a token from it; ' +
        '`apn token` mints tokens for the embedded default (shared secret) only',
    ];
  }

  const problems: string[] = [];
  const { role, partner } = opts;
  if (role === undefined) problems.push(`--role: required, one of ${ROLES.join(', ')}`);
  else if (!isRole(role)) problems.push(`--role: unknown role '${role}' (expected one of ${ROLES.join(', ')})`);
  else if (roleTakesPartner(role) && !partner) {
    problems.push(`--partner: required for ${role}, which acts for one partner`);
  } else if (!roleTakesPartner(role) && partner !== undefined) {
    problems.push(`--partner: ${role} does not act for a partner (only alliance-lead and alliance-team take one)`);
  }
  if (opts.sub === '') problems.push('--sub: must not be empty');
  if (!DURATION.test(opts.expiresIn)) {
    problems.push(`--expires-in: expected a duration like 30m, 12h or 7d, got '${opts.expiresIn}'`);
  }
  if (problems.length > 0 || !isRole(role)) return problems;

  try {
    const token = await mintToken({
      secret: resolveJwtSecret(config, resolve(config.DATA_DIR)),
      role,
      sub: opts.sub ?? `dev-${role}`,
      partnerId: partner,
      expiresIn: opts.expiresIn,
      maxLifetimeSeconds: durationSeconds(config.JWT_MAX_LIFETIME),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    });
    process.stdout.write(`${token}\n`);
    return [];
  } catch (err) {
    if (err instanceof AuthError) return [err.message];
    throw err;
  }
}
