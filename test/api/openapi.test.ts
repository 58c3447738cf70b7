/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The published OpenAPI document says what the API does: its patterns are plain ECMA-262 (no flags), dates are
 * `format: date` with their pattern, every request string, number and array is bounded, unsupported methods on
 * known paths answer 405 with `Allow`, and the stored evidence fixtures and the answers the API gives validate
 * against the published schemas (ajv, JSON Schema 2020-12, as OpenAPI 3.1 uses).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { parseEvidence } from '../../src/domain/evidence';
import type { Store } from '../../src/store';
import { openTestStore } from '../support/store';
import { createOfflineApp, type ApiHarness } from './harness';

type Json = Record<string, unknown>;

let store: Store;
let connection: Connection;
let app: Awaited<ReturnType<typeof createOfflineApp>>['app'];
let auth: ApiHarness['auth'];
let doc: Json & { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json> } };
let ajv: Ajv2020;

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'evidence');

beforeAll(async () => {
  store = await openTestStore();
  ({ app, connection, auth } = await createOfflineApp(store));
  await store.registerPartner({
    id: 'known',
    name: 'Known Cloud',
    track: 'consulting',
    tier: 'registered',
    renewalDate: '12-15',
    country: 'US',
    feeAccountId: null,
    allianceLeadId: 'lead',
    partnerManagerIds: ['pm-1'],
  });
  doc = (await request(app).get('/openapi.json')).body as typeof doc;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: 'openapi' });
});
afterAll(async () => {
  await new Promise((r) => setTimeout(r, 3_500));
  await connection?.close().catch(() => undefined);
  await store?.close();
});

/** Every JSON-schema object under `value`, with its location. */
function* schemasIn(value: unknown, where: string): Generator<[string, Json]> {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* schemasIn(item, `${where}/${String(i)}`);
  } else if (value !== null && typeof value === 'object') {
    const object = value as Json;
    if (typeof object.type === 'string' || Array.isArray(object.type)) yield [where, object];
    for (const [key, item] of Object.entries(object)) yield* schemasIn(item, `${where}/${key}`);
  }
}

/** The request side of the document: parameters and bodies of every operation, and the components they use. */
function requestSchemas(): [string, Json][] {
  const found: [string, Json][] = [];
  for (const [p, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      found.push(...schemasIn(op.parameters, `${method} ${p} parameters`));
      found.push(...schemasIn(op.requestBody, `${method} ${p} body`));
    }
  }
  for (const name of ['PartnerRegistration', 'PartnerEvidence', 'EvaluationRequest', 'FeePayment', 'FeeExtension']) {
    found.push(...schemasIn(doc.components.schemas[name], name));
  }
  return found;
}

const isType = (s: Json, type: string) => s.type === type || (Array.isArray(s.type) && s.type.includes(type));

test('every pattern is a valid ECMA-262 expression without flags, and the domain pattern matches domains', () => {
  const patterns = new Set<string>();
  for (const [, s] of schemasIn(doc, '')) if (typeof s.pattern === 'string') patterns.add(s.pattern);
  expect(patterns.size).toBeGreaterThan(5);
  for (const pattern of patterns) {
    expect(() => new RegExp(pattern, 'u')).not.toThrow();
    expect(pattern).not.toMatch(/\/[gimsuy]+$/);
  }
  const evidence = doc.components.schemas.PartnerEvidence as { properties: { domains: { items: Json } } };
  const domain = new RegExp(evidence.properties.domains.items.pattern as string, 'u');
  expect(domain.test('example.com')).toBe(true);
  expect(domain.test('Example.COM')).toBe(true);
  expect(domain.test('not a domain')).toBe(false);
});

test('dates are published as format: date with their pattern', () => {
  const asOf = (doc.components.schemas.EvaluationRequest as { properties: { asOf: Json } }).properties.asOf;
  expect(asOf).toMatchObject({ type: 'string', format: 'date', pattern: expect.any(String) });
  expect(new RegExp(asOf.pattern as string, 'u').test('')).toBe(false);
  expect(new RegExp(asOf.pattern as string, 'u').test('2019-12-13')).toBe(true);
  const undocumented = [...schemasIn(doc, '')].filter(([, s]) => s.format === 'date' && typeof s.pattern !== 'string');
  expect(undocumented).toEqual([]);
});

test('every request string, number and array has documented bounds', () => {
  const unbounded = requestSchemas()
    .filter(([, s]) => {
      if (s.enum !== undefined || s.const !== undefined) return false;
      if (isType(s, 'string')) return s.maxLength === undefined && typeof s.pattern !== 'string';
      if (isType(s, 'number') || isType(s, 'integer')) {
        return s.maximum === undefined && s.exclusiveMaximum === undefined;
      }
      if (isType(s, 'array')) return s.maxItems === undefined;
      return false;
    })
    .map(([where]) => where);
  expect(unbounded).toEqual([]);
});

test('an unsupported method on a known path answers 405 with Allow; an unknown path 404', async () => {
  for (const [method, url, allow] of [
    ['trace', '/v1/partners', 'POST, GET, HEAD'],
    ['patch', '/v1/partners/known', 'GET, HEAD'],
    ['put', '/v1/partners/known/evidence/references', 'POST'],
    // A concrete path before a templated one (OpenAPI): /partners/import is not /partners/{id} (found by the fuzz suite).
    ['options', '/v1/partners/import', 'POST'],
  ] as const) {
    const res = await request(app)
      [method](url)
      .set('Authorization', await auth('program-admin'));
    expect({ status: res.status, allow: res.headers.allow }).toEqual({ status: 405, allow });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  }
  expect(
    (
      await request(app)
        .trace('/v1/nothing-here')
        .set('Authorization', await auth('program-admin'))
    ).status,
  ).toBe(404);
});

/** The document's schema for an operation's answer (`path` as the document writes it). */
function responseValidator(method: string, template: string, status: number, type: string) {
  const pointer = ['paths', template, method, 'responses', String(status), 'content', type, 'schema']
    .map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1'))
    .join('/');
  return ajv.compile({ $ref: `openapi#/${pointer}` });
}

function expectConforms(method: string, template: string, res: request.Response): void {
  const type = String(res.headers['content-type']).split(';')[0]!;
  const validate = responseValidator(method, template, res.status, type);
  const ok = validate(res.body);
  expect({ operation: `${method} ${template} ${String(res.status)}`, errors: validate.errors ?? [] }).toEqual({
    operation: `${method} ${template} ${String(res.status)}`,
    errors: [],
  });
  expect(ok).toBe(true);
}

test('every stored evidence fixture gets the same verdict from the published schema as from the API', () => {
  const validate = ajv.compile({ $ref: 'openapi#/components/schemas/PartnerEvidence' });
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThanOrEqual(3);
  for (const file of files) {
    const fixture: unknown = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));
    const verdict = { file, published: validate(fixture), api: parseEvidence(fixture).ok };
    expect(verdict).toEqual({ file, published: verdict.api, api: !file.startsWith('invalid') });
  }
});

test('the answers of the API validate against the schemas it publishes', async () => {
  const admin = await auth('program-admin');
  const fixture = JSON.parse(readFileSync(path.join(FIXTURES, 'consulting-premier.json'), 'utf8')) as object;

  expectConforms('get', '/v1/partners', await request(app).get('/v1/partners').set('Authorization', admin));
  for (const sub of ['audit', 'cases', 'invoices']) {
    expectConforms(
      'get',
      `/v1/partners/{id}/${sub}`,
      await request(app).get(`/v1/partners/known/${sub}`).set('Authorization', admin),
    );
  }
  const put = await request(app).put('/v1/partners/known/evidence').set('Authorization', admin).send(fixture);
  expectConforms('put', '/v1/partners/{id}/evidence', put);
  expectConforms(
    'get',
    '/v1/partners/{id}/evidence',
    await request(app).get('/v1/partners/known/evidence').set('Authorization', admin),
  );
  expectConforms(
    'get',
    '/v1/partners/{id}/scorecard',
    await request(app).get('/v1/partners/known/scorecard?asOf=2019-12-13').set('Authorization', admin),
  );
  expectConforms(
    'post',
    '/v1/scorecards/evaluate',
    await request(app)
      .post('/v1/scorecards/evaluate')
      .set('Authorization', admin)
      .send({ asOf: '2019-12-13', evidence: fixture }),
  );
  // Problems: 400, 401, 403, 404.
  expectConforms(
    'post',
    '/v1/scorecards/evaluate',
    await request(app).post('/v1/scorecards/evaluate').set('Authorization', admin).send({ asOf: '' }),
  );
  expectConforms('get', '/v1/partners', await request(app).get('/v1/partners'));
  expectConforms(
    'get',
    '/v1/partners',
    await request(app)
      .get('/v1/partners')
      .set('Authorization', await auth('evidence-feed')),
  );
  expectConforms(
    'get',
    '/v1/partners/{id}/audit',
    await request(app).get('/v1/partners/nobody/audit').set('Authorization', admin),
  );
  // The outbox: a notification with a payload, and a retry refused because it is no dead letter (409).
  await store.enqueueNotification({
    key: 'partner/known#conforms',
    partnerId: 'known',
    kind: 'fee-reminder',
    recipient: 'alliance-lead',
    on: '2019-12-15',
    payload: { day: 30, total: 2500 },
  });
  const outbox = await request(app).get('/v1/outbox').set('Authorization', admin);
  expect(outbox.body).toMatchObject({ items: [expect.objectContaining({ key: 'partner/known#conforms' })] });
  expectConforms('get', '/v1/outbox', outbox);
  expectConforms(
    'get',
    '/v1/outbox/dead-letters',
    await request(app).get('/v1/outbox/dead-letters').set('Authorization', admin),
  );
  const retried = await request(app)
    .post(`/v1/outbox/${encodeURIComponent('partner/known#conforms')}/retry`)
    .set('Authorization', admin);
  expect(retried.status).toBe(409);
  expectConforms('post', '/v1/outbox/{key}/retry', retried);
});
