/**
 * Process configuration, validated once at start-up. Every variable is listed in the README's configuration table
 * and in docker-compose.yml; test/config/compose.test.ts keeps the three in step.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

export const ConfigSchema = z.object({
  /** host:port of an existing Temporal frontend; when unset, `npm start` runs the embedded dev server. */
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('apn-lifecycle'),
  /** gRPC port of the embedded dev server. */
  TEMPORAL_PORT: port.default(7233),
  /** Web UI port of the embedded dev server. */
  TEMPORAL_UI_PORT: port.default(8233),
  /** HTTP API port of the embedded dev server (unset: the Temporal CLI picks a free one). */
  TEMPORAL_HTTP_PORT: port.optional(),
  /** Prometheus /metrics port of the embedded dev server (unset: the Temporal CLI picks a free one). */
  TEMPORAL_METRICS_PORT: port.optional(),
  /** Path to a `temporal` CLI binary, overriding PATH and the project's cached build. */
  TEMPORAL_CLI: z.string().min(1).optional(),
  /** Where the embedded default keeps its data: Temporal's SQLite file, PGlite, the dev JWT secret. */
  DATA_DIR: z.string().min(1).default('.data'),
  /** PostgreSQL connection string; when unset, the embedded PGlite database under DATA_DIR is used. */
  DATABASE_URL: z.string().url().optional(),
  /** Interface and port the HTTP API listens on. */
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** HS256 secret for API tokens (embedded default: generated once and kept under DATA_DIR). */
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  /** JWKS URL used to verify API tokens in production (takes precedence over JWT_SECRET). */
  JWKS_URL: z.string().url().optional(),
  /** `iss` the API expects in tokens (and `apn token` puts in them). */
  JWT_ISSUER: z.string().min(1).default('apn-tier-engine'),
  /** `aud` the API expects in tokens (and `apn token` puts in them). */
  JWT_AUDIENCE: z.string().min(1).default('apn-api'),
  /** Longest lifetime (`exp` - `iat`) of an API token the API accepts; tokens without `iat` are refused. */
  JWT_MAX_LIFETIME: z
    .string()
    .regex(/^[1-9]\d*[smhd]$/, 'JWT_MAX_LIFETIME is a duration such as 90m, 24h or 7d')
    .default('24h'),
  /** Requests per minute allowed to one caller before the API answers 429. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /** Failed authentications per minute from one IP address before the API answers it 429, whatever it sends. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().positive().default(60),
  /** Base URL of the Temporal Web UI, printed and linked from the API. */
  TEMPORAL_UI_URL: z.string().url().optional(),
  /** SMTP server notifications are sent through; when unset, each message is written to DATA_DIR/mail/ as .eml. */
  SMTP_URL: z
    .string()
    .url()
    .refine((url) => /^smtps?:\/\//.test(url), 'SMTP_URL is smtp://[user:pass@]host[:port] or smtps://…')
    .optional(),
  /** `From:` of notification emails; its domain is also the Message-IDs'. */
  MAIL_FROM: z.string().min(3).default('apn-engine@localhost'),
  /** Domain of recipients whose user id is not an email address (`pm-7` → `pm-7@<domain>`). */
  MAIL_RECIPIENT_DOMAIN: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/, 'MAIL_RECIPIENT_DOMAIN is a domain name such as example.com')
    .default('localhost'),
  /** Pause between rounds of the outbox dispatcher (run by the worker); also its first retry delay. */
  OUTBOX_INTERVAL: z
    .string()
    .regex(/^[1-9]\d*(ms|s|m|h)$/, 'OUTBOX_INTERVAL is a duration such as 500ms, 15s or 5m')
    .default('15s'),
  /** Delivery attempts of one notification before it becomes a dead letter (listed in GET /v1/outbox/dead-letters). */
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  /**
   * Partner workflows the worker keeps in memory between their turns (Temporal's sticky cache); one evicted is rebuilt
   * by replaying its history when its next turn comes. Bounds the worker's memory at a large fleet.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every bad variable. Empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const parsed = ConfigSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '?'), message: issue.message })),
    );
  }
  return parsed.data;
}

const SECONDS_PER_UNIT = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** A validated duration (`90m`, `24h`, `7d`) in seconds. */
export function durationSeconds(duration: string): number {
  const unit = duration.slice(-1) as keyof typeof SECONDS_PER_UNIT;
  return Number(duration.slice(0, -1)) * SECONDS_PER_UNIT[unit];
}

const MS_PER_UNIT = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A validated OUTBOX_INTERVAL-style duration (`500ms`, `15s`, `5m`, `1h`) in milliseconds. */
export function durationMs(duration: string): number {
  const [, amount, unit] = /^(\d+)(ms|s|m|h)$/.exec(duration) ?? [];
  if (!amount || !unit) throw new Error(`not a duration: ${duration}`);
  return Number(amount) * MS_PER_UNIT[unit as keyof typeof MS_PER_UNIT];
}

/** Names of every configuration variable, for the docs and the compose test. */
export const CONFIG_VARIABLES = Object.keys(ConfigSchema.shape) as (keyof Config)[];
