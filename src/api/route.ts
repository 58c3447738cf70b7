/**
 * One declaration per endpoint: its zod schemas validate the request AND generate the OpenAPI document, its access
 * rule is enforced before the handler runs, and POSTs that start or signal work honour `Idempotency-Key`. Handlers
 * receive parsed, typed input and return `{ status, body }`; they never touch `req`/`res` for the usual case.
 */
import { createHash } from 'node:crypto';
import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import { toIssues } from '../domain/evidence';
import type { Partner, Store } from '../store';
import type { Principal, Role } from './auth';
import { inspectJson, inspectText } from './input-guard';
import { ProblemError, ProblemSchema, PROBLEM_CONTENT_TYPE, problemBody, sendProblem, toProblemError } from './problem';

/** Who may call: `partner` scope limits partner managers to their assigned partners and alliance users to theirs. */
export type Access = 'public' | { roles: readonly Role[]; scope?: 'partner' };

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext<P, Q, B> {
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  /** The partner named by `{id}`, loaded by the access check of partner-scoped routes. */
  partner: Partner | undefined;
  /**
   * With an `Idempotency-Key`: an id derived from the caller and the key, to pass as the Temporal Update id so a
   * retry after a crash or a timeout attaches to the first Update instead of applying the command again.
   */
  updateId?: string;
  req: Request;
  res: Response;
}

type AnyObject = z.ZodObject | z.ZodPipe<z.ZodObject, z.ZodType>;

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI style, relative to the router: `/partners/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Media type of the body: JSON unless said otherwise (CSV import). */
  bodyType?: 'application/json' | 'text/csv';
  /**
   * A body the handler reads itself, as a stream (bulk imports): its media types, checked before the handler runs,
   * and what it holds (for the OpenAPI document). Not parsed here; `body` stays unset.
   */
  streamBody?: { types: readonly string[]; description: string; maxBytes: number };
  /** Honours `Idempotency-Key`: a replay gets the first answer. */
  idempotent?: boolean;
  responses: Record<number, { description: string; schema?: z.ZodType; headers?: Record<string, string> }>;
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<RouteResult>;
}

export interface RouteDeps {
  store: Store;
  registry: OpenAPIRegistry;
  /** Prefix the router is mounted at (for the OpenAPI paths), e.g. `/v1`. */
  prefix: string;
}

const IdempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'Idempotency-Key must be 1–255 visible ASCII characters');

const STANDARD_ERRORS: Record<number, string> = {
  400: 'Invalid request: every issue is listed with its path',
  401: 'Missing or invalid bearer token',
  403: 'Your role or partner may not do this',
  404: 'Unknown partner or item',
  409: 'The current state forbids this',
  413: 'Body over the size limit',
  415: 'Wrong content type',
  422: 'Well-formed but not applicable (or an Idempotency-Key reused for a different request)',
  429: 'Rate limit for this caller exceeded',
  503: 'Temporal or the store is unavailable',
};

function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/**
 * The principal's right to act on the partner named by `partnerId`, and the partner. Read from the store's partner
 * cache: in memory until the row changes (a reassignment, an evidence write, a deletion drops it at once in this
 * process, and through the database's notification in the others; see src/store/partner-cache.ts).
 */
async function authorizePartner(store: Store, principal: Principal, partnerId: string): Promise<Partner | undefined> {
  switch (principal.role) {
    case 'alliance-lead':
    case 'alliance-team':
      if (principal.partnerId !== partnerId) {
        throw ProblemError.forbidden(`you act for partner '${principal.partnerId ?? '?'}', not '${partnerId}'`);
      }
      return allianceUserOf(await store.partnerCache.get(partnerId), principal);
    case 'partner-manager': {
      const partner = await store.partnerCache.get(partnerId);
      // Unknown and unassigned look alike: a partner manager learns nothing about partners not theirs.
      if (!partner || !partner.partnerManagerIds.includes(principal.sub)) {
        throw ProblemError.forbidden(`partner '${partnerId}' is not assigned to partner manager '${principal.sub}'`);
      }
      return partner;
    }
    default:
      return store.partnerCache.get(partnerId);
  }
}

/**
 * A token naming the partner is not enough: the alliance lead must be the one the partner registered, and an
 * alliance-team user one of the team it registered — where the registration names a team (older registrations do
 * not; their alliance-team tokens are checked for the partner only).
 */
function allianceUserOf(partner: Partner | undefined, principal: Principal): Partner | undefined {
  if (partner && principal.role === 'alliance-lead' && partner.allianceLeadId !== principal.sub) {
    throw ProblemError.forbidden(`'${principal.sub}' is not the registered alliance lead of partner '${partner.id}'`);
  }
  if (
    partner &&
    principal.role === 'alliance-team' &&
    partner.allianceTeamIds !== null &&
    !partner.allianceTeamIds.includes(principal.sub)
  ) {
    throw ProblemError.forbidden(
      `'${principal.sub}' is not on the registered alliance team of partner '${partner.id}'`,
    );
  }
  return partner;
}

/** The Temporal Update id of a command sent with `Idempotency-Key` `key` by `caller` (`<role>:<sub>`). */
export function updateIdFor(caller: string, key: string): string {
  return `api-${createHash('sha256').update(`${caller}\n${key}`).digest('hex').slice(0, 32)}`;
}

function requestHash(req: Request): string {
  return createHash('sha256')
    .update(JSON.stringify([req.method, req.originalUrl, req.headers['content-type'] ?? '', req.body ?? null]))
    .digest('hex');
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  // Bounded and free of control characters before zod (or anything else) walks it; see input-guard.ts.
  const guarded = typeof value === 'string' ? inspectText(value, where) : inspectJson(value, where);
  if (guarded.length > 0) throw ProblemError.invalid(`The request ${where} is invalid`, guarded);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = toIssues(result.error).map((i) => ({
    ...i,
    path: i.path === '(root)' ? where : `${where}.${i.path}`,
  }));
  throw ProblemError.invalid(`The request ${where} is invalid`, issues);
}

/** Registers the endpoint on the router and in the OpenAPI registry. */
export function defineRoute<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(
  router: Router,
  deps: RouteDeps,
  spec: RouteSpec<P, Q, B>,
): void {
  const bodyType = spec.bodyType ?? 'application/json';
  registerDocs(deps, spec, bodyType);

  router[spec.method](expressPath(spec.path), (req: Request, res: Response, next: NextFunction) => {
    res.locals.routePath = `${deps.prefix}${spec.path}`;
    void handle(req, res).catch(next);
  });

  async function handle(req: Request, res: Response): Promise<void> {
    const principal = res.locals.principal as Principal | undefined;
    if (spec.access !== 'public') {
      if (!principal) {
        throw new ProblemError(
          'unauthenticated',
          (res.locals.authError as string | undefined) ?? 'Send a bearer token: Authorization: Bearer <jwt>',
          undefined,
          { 'WWW-Authenticate': 'Bearer realm="apn"' },
        );
      }
      if (!spec.access.roles.includes(principal.role)) {
        throw ProblemError.forbidden(`role '${principal.role}' may not ${spec.summary.toLowerCase()}`);
      }
    }
    const params = spec.params ? parseInput(spec.params, req.params, 'path') : {};
    let partner: Partner | undefined;
    if (spec.access !== 'public' && spec.access.scope === 'partner' && principal) {
      const partnerId = (params as { id?: string }).id ?? '';
      partner = await authorizePartner(deps.store, principal, partnerId);
      if (!partner) throw ProblemError.notFound(`partner '${partnerId}' is not registered`);
    }
    const query = spec.query ? parseInput(spec.query, req.query, 'query') : {};
    let body: unknown;
    if (spec.streamBody && !req.is([...spec.streamBody.types])) {
      throw new ProblemError(
        'unsupported-media-type',
        `send the body as ${spec.streamBody.types.join(' or ')} (got ${req.headers['content-type'] ?? 'no Content-Type'})`,
      );
    }
    if (spec.body) {
      if (hasBody(req) && !req.is(bodyType)) {
        throw new ProblemError(
          'unsupported-media-type',
          `send the body as ${bodyType} (got ${req.headers['content-type'] ?? 'no Content-Type'})`,
        );
      }
      // No body at all reads as an empty one, so the answer names the missing fields.
      body = parseInput(spec.body, hasBody(req) ? req.body : (req.body ?? {}), 'body');
    }
    const ctx = { principal: principal as Principal, params, query, body, partner, req, res } as RouteContext<
      z.output<P>,
      z.output<Q>,
      z.output<B>
    >;

    const rawKey = req.headers['idempotency-key'];
    if (!spec.idempotent || rawKey === undefined || !principal) {
      send(res, await spec.handler(ctx));
      return;
    }
    const key = parseInput(IdempotencyKeySchema, rawKey, 'header Idempotency-Key');
    const caller = `${principal.role}:${principal.sub}`;
    ctx.updateId = updateIdFor(caller, key);
    const hash = requestHash(req);
    const claim = await deps.store.idempotency.claim(caller, key, hash);
    if (!claim.claimed) {
      const stored = claim.stored;
      if (stored.requestHash !== hash) {
        throw new ProblemError(
          'idempotency-key-reused',
          `Idempotency-Key '${key}' was first used for a different request; use a new key for a new request`,
        );
      }
      if (stored.status === 0) {
        throw ProblemError.conflict(`a request with Idempotency-Key '${key}' is still being processed; retry shortly`);
      }
      res.setHeader('Idempotent-Replayed', 'true');
      replay(res, stored.status, stored.body);
      return;
    }
    let result: RouteResult;
    try {
      result = await spec.handler(ctx);
    } catch (error) {
      const problem = toProblemError(error);
      if (!problem || problem.status >= 500) {
        // Nothing was answered for sure: free the key so the client's retry runs again.
        await deps.store.idempotency.release(caller, key).catch(() => undefined);
        throw error;
      }
      const answer = problemBody(problem.kind, problem.detail, req.originalUrl, problem.errors);
      await settle(caller, key, answer.status, { problem: answer, headers: problem.headers });
      throw problem;
    }
    await settle(caller, key, result.status, { result });
    send(res, result);
  }

  /**
   * Records the answer under the key; when the store refuses to, frees the key instead, so the client's retry runs
   * again rather than hearing "still being processed" until the claim goes stale.
   */
  async function settle(caller: string, key: string, status: number, body: unknown): Promise<void> {
    try {
      await deps.store.idempotency.settle(caller, key, status, body);
    } catch (error) {
      await deps.store.idempotency.release(caller, key).catch(() => undefined);
      throw error;
    }
  }
}

/**
 * A JSON body serialized once and sent as is, for answers kept in memory (scorecards): no JSON.stringify, no UTF-8
 * encoding and no ETag hash per request. Sent with the headers `res.json` would give it.
 */
export class JsonBody {
  readonly bytes: Buffer;
  private etag: string | undefined;

  constructor(value: unknown) {
    this.bytes = Buffer.from(JSON.stringify(value), 'utf8');
  }

  /** The ETag express would compute for these bytes (its `etag fn` setting), computed once. */
  etagBy(generate: unknown): string | undefined {
    if (typeof generate !== 'function') return undefined;
    this.etag ??= (generate as (body: Buffer, encoding?: string) => string | undefined)(this.bytes);
    return this.etag;
  }
}

function send(res: Response, result: RouteResult): void {
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  res.status(result.status);
  if (result.body === undefined) res.end();
  else if (result.body instanceof JsonBody) {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    const etag = result.body.etagBy(res.app.get('etag fn'));
    if (etag) res.setHeader('ETag', etag);
    res.send(result.body.bytes);
  } else res.json(result.body);
}

function replay(res: Response, status: number, stored: unknown): void {
  const record = stored as {
    result?: RouteResult;
    problem?: z.infer<typeof ProblemSchema>;
    headers?: Record<string, string>;
  };
  if (record.problem) {
    sendProblem(res, record.problem, record.headers ?? {});
    return;
  }
  send(res, record.result ?? { status });
}

function registerDocs<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(
  deps: RouteDeps,
  spec: RouteSpec<P, Q, B>,
  bodyType: string,
): void {
  const responses: Record<string, ResponseConfig> = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.schema ? { content: { 'application/json': { schema: response.schema } } } : {}),
      ...(response.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(response.headers).map(([name, description]) => [
                name,
                { description, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
    };
  }
  const errors = [400, 404, 409, 413, 415, 422, 503];
  if (spec.access !== 'public') errors.push(401, 403, 429);
  for (const status of errors) {
    if (responses[status]) continue;
    if (status === 413 || status === 415 || status === 422) {
      if (!spec.body && !spec.streamBody && !spec.idempotent) continue;
    }
    responses[status] = {
      description: STANDARD_ERRORS[status] ?? 'Error',
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
    };
  }
  const roles = spec.access === 'public' ? 'public' : spec.access.roles.join(', ');
  const scope =
    spec.access !== 'public' && spec.access.scope === 'partner'
      ? ' Partner managers only for partners assigned to them; alliance users only for their own partner.'
      : '';
  deps.registry.registerPath({
    method: spec.method,
    path: `${deps.prefix}${spec.path}`,
    operationId: spec.operationId,
    summary: spec.summary,
    description: `${spec.description ?? ''}\n\n**Who:** ${roles}.${scope}${
      spec.idempotent
        ? '\n\nSend an `Idempotency-Key` header to make retries safe: a replay returns the first answer.'
        : ''
    }`.trim(),
    tags: [spec.tag],
    ...(spec.access === 'public' ? { security: [] } : {}),
    request: {
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.body ? { body: { required: true, content: { [bodyType]: { schema: spec.body } } } } : {}),
      ...(spec.streamBody
        ? {
            body: {
              required: true,
              description: spec.streamBody.description,
              content: Object.fromEntries(
                spec.streamBody.types.map((t) => [t, { schema: z.string().max(spec.streamBody!.maxBytes) }]),
              ),
            },
          }
        : {}),
      ...(spec.idempotent ? { headers: z.object({ 'Idempotency-Key': IdempotencyKeySchema.optional() }) } : {}),
    },
    responses,
  });
}
