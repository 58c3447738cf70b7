/**
 * `npm start`: the whole engine on embedded defaults — the Temporal dev server (SQLite file under DATA_DIR, Web UI),
 * the store, the worker and the HTTP API. With TEMPORAL_ADDRESS set it uses that server. Ctrl-C or SIGTERM stops
 * everything, child processes included. Without JWKS_URL it prints a ready-to-use API token per role.
 */
import { resolve } from 'node:path';
import { mintToken, resolveJwtSecret, roleTakesPartner, ROLES } from './api/auth';
import { durationSeconds, loadConfig, type Config } from './config';
import { Runtime } from './platform/runtime';

/** Placeholder partner of the printed alliance tokens. */
const DEMO_PARTNER = 'demo-partner';

const runtime = new Runtime(loadConfig());
void runtime.runUntilSignal(async () => {
  const { config } = runtime;
  const engine = await runtime.engine({ worker: true, api: true });
  const { address, uiUrl } = engine.temporal;
  const apiUrl = engine.api?.url ?? '';
  process.stdout.write(
    [
      '',
      'APN tier lifecycle engine is running',
      `  HTTP API          ${apiUrl}   (try ${apiUrl}/healthz)`,
      `  Console           ${apiUrl}/console/`,
      `  Temporal          ${address}   namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE}`,
      `  Temporal Web UI   ${uiUrl ?? '(external server: use its own UI)'}`,
      `  Data              ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : resolve(runtime.dataDir, 'pglite')}`,
      '',
      ...(config.JWKS_URL
        ? [
            'API tokens come from your identity provider (JWKS_URL): sign in to the console by pasting one, or',
            `send users to ${apiUrl}/console/#access_token=<token> (the redirect of your IdP, see README).`,
          ]
        : await devTokenLines(config, runtime.dataDir, apiUrl)),
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  engine.worker?.done.catch((err: unknown) => {
    runtime.log.error({ err }, 'worker failed');
    void runtime.stop('worker-failure', 1);
  });
});

/**
 * One `export APN_TOKEN_<ROLE>=…` line per role, ready to paste into a shell, signed with the embedded secret, then
 * one console link per role. The link carries the token in the URL fragment, which browsers never send to a server,
 * so no token reaches the request logs.
 */
async function devTokenLines(config: Config, dataDir: string, apiUrl: string): Promise<string[]> {
  const secret = resolveJwtSecret(config, dataDir);
  // 12 hours, unless JWT_MAX_LIFETIME allows less: the API would refuse a longer one.
  const lifetime = Math.min(12 * 3600, durationSeconds(config.JWT_MAX_LIFETIME));
  const lines = [
    `Dev API tokens, valid ${lifetime % 3600 === 0 ? `${String(lifetime / 3600)} hours` : `${String(lifetime)} seconds`} (send as \`Authorization: Bearer $APN_TOKEN_…\`):`,
  ];
  const links = ['Console, signed in as each role (the token stays in the link’s #fragment):'];
  for (const role of ROLES) {
    const partnerId = roleTakesPartner(role) ? DEMO_PARTNER : undefined;
    const token = await mintToken({
      secret,
      role,
      sub: `dev-${role}`,
      partnerId,
      expiresIn: `${String(lifetime)}s`,
      maxLifetimeSeconds: durationSeconds(config.JWT_MAX_LIFETIME),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    });
    const name = `APN_TOKEN_${role.toUpperCase().replaceAll('-', '_')}`;
    lines.push(`  export ${name}=${token}${partnerId ? `   # partner ${partnerId}` : ''}`);
    links.push(`  ${role.padEnd(16)} ${apiUrl}/console/#token=${token}`);
  }
  lines.push(
    `Mint others with \`npx apn token --role <role> [--partner <partnerId>] [--sub <id>] [--expires-in 12h]\`.`,
    '',
    ...links,
  );
  return lines;
}
