/**
 * The HTTP API as an express app built from its dependencies; it never listens (src/platform/runtime.ts does), so
 * tests drive it with supertest. Order: request id and logs, security headers, metrics, body parsers, bearer
 * authentication, per-caller rate limit, the /v1 routes, then problem+json for every error.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join, resolve } from 'node:path';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import express, { Router, type Express, type RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type Options as RateLimitOptions } from 'express-rate-limit';
import helmet from 'helmet';
import pino, { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import swaggerUi from 'swagger-ui-express';
import { ebrWindowFor, type EbrWindow } from '../domain/ebr';
import type { Store } from '../store';
import type { Principal, TokenVerifier } from './auth';
import { AuthError } from './auth';
import type { Lifecycle } from './lifecycle';
import { ImportRunner } from './import-runner';
import { problemBody, problemHandler, ProblemError, sendProblem } from './problem';
import { advancePayRoutes } from './routes/advance-pay';
import { applicationRoutes } from './routes/applications';
import { evidenceRoutes } from './routes/evidence';
import { importRoutes } from './routes/imports';
import { organizationRoutes } from './routes/organizations';
import { outboxRoutes } from './routes/outbox';
import { partnerRoutes } from './routes/partners';
import { resellerRoutes } from './routes/reseller';
import { paymentRoutes } from './routes/payments';

export interface AppDependencies {
  store: Store;
  lifecycle: Lifecycle;
  verifier: TokenVerifier;
  log?: Logger;
  version?: string;
  /** Requests per caller (token subject, else IP) per minute. */
  rateLimitPerMinute?: number;
  /**
   * Failed authentications (401) per IP address per minute; past it the address hears 429 until the minute is over,
   * whatever token it sends, so tokens cannot be guessed at the rate of the per-caller limit.
   */
  authFailuresPerMinute?: number;
  /** Largest JSON body accepted. */
  jsonLimit?: string;
  /** The web console served at /console (built into `console/dist`). */
  console?: ConsoleOptions;
  /** Runs bulk onboarding jobs (POST /v1/partners/import); one of its own when not given. */
  imports?: ImportRunner;
}

export interface ConsoleOptions {
  /** The built console (default: `console/dist` of this checkout). */
  distDir?: string;
  /** Temporal Web UI base address, for the console's link to each partner's workflow. */
  temporalUiUrl?: string;
  temporalNamespace?: string;
  /** `oidc` when tokens come from an identity provider (JWKS_URL): the console then offers only the paste box. */
  signIn?: 'dev-tokens' | 'oidc';
}

/** What GET /console/config.json tells the console before anyone signs in: nothing secret. */
export interface ConsoleConfig {
  temporalUiUrl: string | null;
  temporalNamespace: string;
  signIn: 'dev-tokens' | 'oidc';
  /** The engine's business date, and the EBR window it falls in or before (R-EBR): the EBR queue opens on it. */
  today: string;
  ebrWindow: EbrWindow;
}

const DEFAULT_CONSOLE_DIST = resolve(__dirname, '..', '..', 'console', 'dist');
// The console runs its own bundled scripts and styles only: no inline script, no eval, nothing from elsewhere.
const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const V1 = '/v1';
const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);
const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function createApp(deps: AppDependencies): Express {
  const log = deps.log ?? pino({ level: 'silent' });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req: IncomingMessage, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Called when the request arrives (no principal yet) and when it ends: nothing to bind at first means no child
      // logger made for it.
      customProps: ((_req: unknown, res: { locals?: { principal?: Principal } }) => {
        const principal = res.locals?.principal;
        return principal ? { caller: `${principal.role}:${principal.sub}` } : undefined;
      }) as unknown as () => object,
      serializers: {
        req: (req: { id: unknown; method: unknown; url: unknown }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        // The status only: the default also wrote every response header (helmet's dozen, the same on every line).
        res: (res: { statusCode: unknown }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(
    helmet({
      // Swagger UI (/docs) runs inline scripts and styles.
      contentSecurityPolicy: {
        directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'style-src': ["'self'", "'unsafe-inline'"] },
      },
    }),
  );

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const duration = new Histogram({
    name: 'apn_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metrics],
  });
  app.use((req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // Label by declared route only: raw paths would make one time series per partner id.
      const route =
        (res.locals.routePath as string | undefined) ??
        (PUBLIC_PATHS.has(req.path)
          ? req.path
          : req.originalUrl.startsWith('/docs')
            ? '/docs'
            : req.originalUrl.startsWith('/console')
              ? '/console'
              : 'other');
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  });

  // ---- public endpoints ----
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', version: deps.version ?? 'dev' });
  });
  app.get('/readyz', async (_req, res) => {
    const [temporal, store] = await Promise.all([
      deps.lifecycle.ping().then(
        () => true,
        () => false,
      ),
      deps.store.ping().then(
        () => true,
        () => false,
      ),
    ]);
    const ready = temporal && store;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', temporal, store });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });

  // ---- /v1 ----
  const v1 = Router();
  const imports = deps.imports ?? new ImportRunner(deps.store, deps.lifecycle, { log });
  const document = describeApi(v1, { store: deps.store, lifecycle: deps.lifecycle, imports }, deps.version);
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'APN tier engine API' }));
  serveConsole(app, deps.console ?? {}, () => deps.lifecycle.today());

  app.use(V1, methodNotAllowed(document, V1));
  app.use(
    V1,
    // Bad tokens are counted per address before anything verifies them: only 401s count.
    authFailureLimiter(deps.authFailuresPerMinute ?? 60),
    // Who is calling first: a caller without a valid token hears 401 whatever its body.
    authenticate(deps.verifier),
    // Not strict: a JSON scalar body is valid JSON, and zod then says at `body` what was expected.
    express.json({ limit: deps.jsonLimit ?? '1mb', strict: false }),
    // A bulk import reads its body as a stream (src/api/routes/imports.ts): no parser buffers it first.
    unlessPath(`/partners/import`, express.text({ type: 'text/csv', limit: '10mb' })),
    rateLimit({
      windowMs: 60_000,
      limit: deps.rateLimitPerMinute ?? 600,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req, res) => {
        const principal = res.locals.principal as Principal | undefined;
        return principal ? `sub:${principal.role}:${principal.sub}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
      },
      handler: (req, res, _next, options) => {
        sendProblem(
          res,
          problemBody(
            'rate-limited',
            `More than ${String(options.limit)} requests a minute; slow down`,
            req.originalUrl,
          ),
        );
      },
    }),
    v1,
  );

  app.use((req, res) => {
    sendProblem(res, problemBody('not-found', `No endpoint ${req.method} ${req.path}`, req.originalUrl));
  });
  app.use(
    problemHandler({
      dependenciesHealthy: async () => {
        const probe = async (p: () => Promise<void>) => {
          await Promise.race([p(), new Promise((_, fail) => setTimeout(() => fail(new Error('timeout')), 2_000))]);
        };
        await Promise.all([probe(() => deps.store.ping()), probe(() => deps.lifecycle.ping())]);
        return true;
      },
      log: (err, status) => log.error({ err, status }, 'request failed'),
    }),
  );
  return app;
}

/** `handler`, except for requests to `path` (relative to the mount point). */
function unlessPath(path: string, handler: RequestHandler): RequestHandler {
  return (req, res, next) => (req.path === path ? next() : handler(req, res, next));
}

type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** Declares every /v1 route on `router` and returns the OpenAPI document generated from the same declarations. */
function describeApi(
  router: Router,
  deps: { store: Store; lifecycle: Lifecycle; imports: ImportRunner },
  version: string | undefined,
): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  const routeDeps = { ...deps, registry, prefix: V1 };
  partnerRoutes(router, routeDeps);
  importRoutes(router, routeDeps);
  evidenceRoutes(router, routeDeps);
  applicationRoutes(router, routeDeps);
  outboxRoutes(router, routeDeps);
  organizationRoutes(router, routeDeps);
  advancePayRoutes(router, routeDeps);
  resellerRoutes(router, routeDeps);
  paymentRoutes(router, routeDeps);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'APN tier lifecycle engine',
      version: version ?? '0.1.0',
      description:
        'Partners, partner managers and program admins run the AWS Partner Network tier program. Errors are ' +
        '`application/problem+json` (RFC 9457). Dates are `YYYY-MM-DD` (UTC), money is USD.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
  });
}

/**
 * The OpenAPI document without a store or Temporal: route handlers only use their dependencies when called, so the
 * console's typed client is generated from it at build time with no server running.
 */
export function openApiDocument(version?: string): OpenApiDocument {
  const unused = new Proxy(
    {},
    {
      get() {
        throw new Error('openApiDocument() only describes the API; it serves no request');
      },
    },
  );
  return describeApi(
    Router(),
    { store: unused as Store, lifecycle: unused as Lifecycle, imports: unused as ImportRunner },
    version,
  );
}

/**
 * The web console: static files of `console/dist` under /console with a strict CSP of their own, and its
 * unauthenticated config. It calls the public /v1 API with the user's token like any other client.
 */
function serveConsole(app: Express, options: ConsoleOptions, today: () => string): void {
  const distDir = options.distDir ?? DEFAULT_CONSOLE_DIST;
  app.use('/console', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    next();
  });
  app.get('/console/config.json', (_req, res) => {
    const date = today();
    const config: ConsoleConfig = {
      temporalUiUrl: options.temporalUiUrl ?? null,
      temporalNamespace: options.temporalNamespace ?? 'default',
      signIn: options.signIn ?? 'dev-tokens',
      today: date,
      ebrWindow: ebrWindowFor(date),
    };
    res.setHeader('Cache-Control', 'no-store');
    res.json(config);
  });
  app.use(
    '/console',
    (req, res, next) => {
      if (existsSync(join(distDir, 'index.html'))) {
        next();
        return;
      }
      sendProblem(
        res,
        problemBody('unavailable', 'The console is not built: run `npm run console:build`', req.originalUrl),
      );
    },
    express.static(distDir, {
      index: 'index.html',
      // Hashed asset names change with their content; index.html must always be revalidated.
      setHeaders: (res, path) => {
        res.setHeader(
          'Cache-Control',
          path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
        );
      },
    }),
  );
}

/**
 * A known path asked with a method it does not take (TRACE, PATCH, …) answers 405 with `Allow`, not 404: the
 * resource exists. Checked before authentication, since the answer depends on the path alone.
 */
function methodNotAllowed(document: { paths?: Record<string, object> }, prefix: string): RequestHandler {
  const routes = Object.entries(document.paths ?? {})
    .filter(([path]) => path.startsWith(`${prefix}/`))
    .map(([path, operations]) => {
      const pattern = path
        .slice(prefix.length)
        .split(/\{\w+\}/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]+');
      const methods = Object.keys(operations).map((m) => m.toUpperCase());
      if (methods.includes('GET')) methods.push('HEAD');
      return { pattern: new RegExp(`^${pattern}/?$`), methods, templated: (path.match(/\{\w+\}/g) ?? []).length };
    });
  return (req, _res, next) => {
    const matching = routes.filter((r) => r.pattern.test(req.path));
    if (matching.length === 0) {
      next();
      return;
    }
    // OpenAPI matches a concrete path before a templated one: /partners/import is that path, not /partners/{id}.
    const specific = Math.min(...matching.map((r) => r.templated));
    const allowed = [...new Set(matching.filter((r) => r.templated === specific).flatMap((r) => r.methods))];
    if (allowed.includes(req.method)) {
      next();
      return;
    }
    next(
      new ProblemError(
        'method-not-allowed',
        `${req.method} is not supported on ${req.path}; use ${allowed.join(', ')}`,
        undefined,
        {
          Allow: allowed.join(', '),
        },
      ),
    );
  };
}

/** Every /v1 request carries a verified bearer token (else 401); routes decide who may pass (403). */
function authenticate(verifier: TokenVerifier): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization;
    if (header === undefined) {
      next(
        new ProblemError('unauthenticated', 'Send a bearer token: Authorization: Bearer <jwt>', undefined, {
          'WWW-Authenticate': 'Bearer realm="apn"',
        }),
      );
      return;
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      next(
        new ProblemError('unauthenticated', 'the Authorization header must be "Bearer <jwt>"', undefined, {
          'WWW-Authenticate': 'Bearer realm="apn"',
        }),
      );
      return;
    }
    verifier.verify(match[1]!).then(
      (principal) => {
        res.locals.principal = principal;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof AuthError)) {
          next(ProblemError.unavailable('the keys to verify bearer tokens cannot be fetched; retry shortly'));
          return;
        }
        const detail = error.message;
        next(
          new ProblemError('unauthenticated', `invalid bearer token: ${detail}`, undefined, {
            'WWW-Authenticate': 'Bearer realm="apn", error="invalid_token"',
          }),
        );
      },
    );
  };
}

/**
 * Past `limit` failed authentications (401) from one address in a minute, the address hears 429 until the minute is
 * over, whatever token it sends. Only answered 401s count: express-rate-limit's own way (count every request, take
 * the successful ones back when they finish) also refused good requests whenever more than `limit` of them were in
 * flight from one address — 50 concurrent readers behind one proxy heard 429.
 */
function authFailureLimiter(limit: number): RequestHandler {
  const windowMs = 60_000;
  const failures = new MemoryStore();
  // The store reads only windowMs of the limiter's options.
  failures.init({ windowMs } as RateLimitOptions);
  return (req, res, next) => {
    const key = `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    failures.get(key).then((info) => {
      if (info && info.totalHits >= limit) {
        const resetMs = info.resetTime ? info.resetTime.getTime() - Date.now() : windowMs;
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(resetMs / 1000))));
        sendProblem(
          res,
          problemBody(
            'rate-limited',
            `More than ${String(limit)} failed authentications a minute from this address; wait a minute`,
            req.originalUrl,
          ),
        );
        return;
      }
      res.on('finish', () => {
        if (res.statusCode === 401) void failures.increment(key);
      });
      next();
    }, next);
  };
}
