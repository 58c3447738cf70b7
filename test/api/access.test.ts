/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The access matrix of every /v1 endpoint, generated from one table (ROWS): each allowed role succeeds on a partner
 * in the right state, every other role gets 403, no token or a bad one 401, a user of another partner and a partner
 * manager the partner is not assigned to 403. A row's refusals send the very request its first allowed role then
 * succeeds with, so a 403 comes from the role and never from a bad request. The table must name every /v1 operation
 * GET /openapi.json documents: a new endpoint without a row fails the suite. Business date 2019-10-02, inside the
 * Q3 2019 EBR window (R-EBR).
 */
import { SignJWT } from 'jose';
import pino from 'pino';
import type { Response } from 'supertest';
import { mintToken, ROLES, roleTakesPartner, type Role } from '../../src/api/auth';
import { ITEM_KIND_SPECS, ITEM_KINDS, type ItemKind, type ItemKindSpec } from '../../src/domain/evidence';
import { emptyEvidence, mergeEvidence, type PartnerEvidence } from '../../src/domain/evidence';
import { OutboxDispatcher } from '../../src/notifications';
import { consultingEvidence } from '../support/evidence';
import { eventually, request, SECRET, startApiHarness, type ApiHarness } from './harness';

const BUSINESS_DATE = '2019-10-02';
const ISSUER = 'apn-tier-engine';
const AUDIENCE = 'apn-api';
const FEE_ACCOUNT = '123456789012';
/** The partner manager every partner of this suite is assigned to, and one none is assigned to. */
const PM = 'pm-assigned';
const STRANGER_PM = 'pm-stranger';
const RUN = Date.now().toString(36);
const SUBJECT: Record<Role, string> = {
  'program-admin': 'admin-1',
  'partner-manager': PM,
  'alliance-lead': 'lead-1',
  'alliance-team': 'team-1',
  'evidence-feed': 'feed-1',
};

let h: ApiHarness;
/** A second registered partner: the alliance users "of another partner" act for it. */
let outsider: string;

let counter = 0;
const next = (): number => ++counter;
const partnerIdFor = (tag: string): string => `${tag}-${RUN}-${next()}`;

// ---------- requests ----------

interface Call {
  method: 'get' | 'post' | 'put' | 'delete';
  url: string;
  /** The partner the call acts on: alliance users carry it in their token. */
  partnerId?: string;
  body?: object;
  csv?: string;
}

function send(call: Call, authorization?: string): Promise<Response> {
  let req = request(h.app)[call.method](call.url);
  if (authorization !== undefined) req = req.set('Authorization', authorization);
  if (call.csv !== undefined) return req.set('Content-Type', 'text/csv').send(call.csv);
  if (call.body !== undefined) return req.send(call.body);
  return req;
}

/** `Authorization` for `role` acting on `partnerId` (alliance users of a non-partner call act for the outsider). */
function authAs(role: Role, partnerId?: string, sub = SUBJECT[role]): Promise<string> {
  return h.auth(role, sub, roleTakesPartner(role) ? (partnerId ?? outsider) : undefined);
}

const as = async (role: Role, call: Call): Promise<Response> => send(call, await authAs(role, call.partnerId));

/** Status and body together, so a failure shows the problem document. */
const outcome = (res: Response) => ({ status: res.status, body: res.body as unknown });

function expectProblem(res: Response, status: number, detail?: RegExp): void {
  expect(outcome(res)).toMatchObject({
    status,
    ...(detail ? { body: { detail: expect.stringMatching(detail) } } : {}),
  });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

const garbageToken = () => Promise.resolve('Bearer not-a-jwt-at-all');
const basicHeader = () => Promise.resolve(`Basic ${Buffer.from('admin:admin').toString('base64')}`);

async function otherSecretToken(role: Role, partnerId?: string): Promise<string> {
  const token = await mintToken({
    secret: 'another-secret-that-is-also-32-characters-or-more',
    role,
    sub: SUBJECT[role],
    ...(roleTakesPartner(role) ? { partnerId: partnerId ?? outsider } : {}),
    issuer: ISSUER,
    audience: AUDIENCE,
  });
  return `Bearer ${token}`;
}

/** Signed with the right secret, expired an hour ago (well past the verifier's clock tolerance). */
async function expiredToken(role: Role, partnerId?: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ role, ...(roleTakesPartner(role) ? { partner: partnerId ?? outsider } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(SUBJECT[role])
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now - 7200)
    .setExpirationTime(now - 3600)
    .sign(new TextEncoder().encode(SECRET));
  return `Bearer ${token}`;
}

/** The bad credentials a request can carry, made for a principal an allowed role would otherwise have. */
const BAD_TOKENS: [string, (role: Role, partnerId?: string) => Promise<string>][] = [
  ['garbage token', garbageToken],
  ['not a Bearer header', basicHeader],
  ['token signed with another secret', otherSecretToken],
  ['expired token', expiredToken],
];

// ---------- partners in the state each endpoint needs ----------

type EvidenceLevel = 'select' | 'premier';

function evidenceDoc(level: EvidenceLevel, tag: string): PartnerEvidence {
  return mergeEvidence(emptyEvidence('consulting'), consultingEvidence(level, '2019-03-15', tag));
}

interface PartnerOptions {
  tier?: 'registered' | 'select' | 'advanced';
  evidence?: EvidenceLevel;
  /** Registered migrated mid-way, so evidence dated 2019-03-15 is sustained at once (R-PREMIER). */
  lookBack?: boolean;
}

function registration(id: string, opts: PartnerOptions = {}) {
  return {
    id,
    name: `Access ${id}`,
    track: 'consulting',
    tier: opts.tier ?? 'registered',
    renewalDate: '12-15',
    country: 'US',
    feeAccountId: FEE_ACCOUNT,
    allianceLeadId: SUBJECT['alliance-lead'],
    allianceTeamIds: [SUBJECT['alliance-team']],
    partnerManagerIds: [PM],
    ...(opts.lookBack ? { lookBackFrom: '2019-04-01' } : {}),
  };
}

/** Registers a partner through the API (and sends its evidence); resolves its id. */
async function freshPartner(tag: string, opts: PartnerOptions = {}): Promise<string> {
  const id = partnerIdFor(tag);
  const registered = await as('program-admin', { method: 'post', url: '/v1/partners', body: registration(id, opts) });
  expect(outcome(registered)).toMatchObject({ status: 201 });
  if (opts.evidence) {
    const put = await as('evidence-feed', {
      method: 'put',
      url: `/v1/partners/${id}/evidence`,
      partnerId: id,
      body: evidenceDoc(opts.evidence, id),
    });
    expect(outcome(put)).toMatchObject({ status: 200 });
  }
  return id;
}

async function applyFor(id: string, targetTier: string): Promise<void> {
  const applied = await as('alliance-lead', {
    method: 'post',
    url: `/v1/partners/${id}/upgrade-applications`,
    partnerId: id,
    body: { targetTier, feeAccountId: FEE_ACCOUNT },
  });
  expect(outcome(applied)).toMatchObject({ status: 202 });
}

/** Waits for application #1 of `id` to reach `stage`; a time-out says where it stood. */
async function untilStage(id: string, stage: string): Promise<void> {
  await eventually(
    async () => {
      const res = await as('program-admin', { method: 'get', url: `/v1/partners/${id}/upgrade-applications/1` });
      const body = res.body as { stage?: string; gaps?: string[] };
      if (body.stage === stage) return true;
      throw new Error(`application #1 answers ${res.status}: ${JSON.stringify(body).slice(0, 500)}`);
    },
    `application #1 of ${id} to be ${stage}`,
    90_000,
  );
}

/** A partner approved for Select on application, with the upgrade's fee invoice open (R-FEE); resolves its total. */
async function invoicedPartner(tag: string): Promise<{ id: string; total: number }> {
  const id = await freshPartner(tag, { evidence: 'select' });
  await applyFor(id, 'select');
  const invoice = await eventually(
    async () => {
      const res = await as('program-admin', { method: 'get', url: `/v1/partners/${id}/invoices` });
      const items = (res.body as { items?: { status: string; amount: number; vatAmount: number }[] }).items ?? [];
      return items.find((i) => i.status === 'open');
    },
    `an open invoice for ${id}`,
    60_000,
  );
  return { id, total: Math.round((invoice.amount + invoice.vatAmount) * 100) / 100 };
}

/** An Advanced partner whose Premier application awaits the readiness assessment (R-PREMIER step 2). */
async function premierApplicant(tag: string): Promise<string> {
  const id = await freshPartner(tag, { tier: 'advanced', evidence: 'premier', lookBack: true });
  await applyFor(id, 'premier');
  await untilStage(id, 'awaiting-readiness');
  return id;
}

/** A Premier applicant that passed readiness and is scheduled for the Q3 2019 EBR (R-EBR). */
async function scheduledForEbr(tag: string): Promise<string> {
  const id = await premierApplicant(tag);
  const ready = await as('partner-manager', {
    method: 'post',
    url: `/v1/partners/${id}/upgrade-applications/1/readiness-assessment`,
    body: { outcome: 'passed' },
  });
  expect(outcome(ready)).toMatchObject({ status: 200 });
  await untilStage(id, 'scheduled-for-ebr');
  return id;
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

/** The partner every read endpoint reads: evidence, application #1 (Select, approved) and an open invoice. */
const reader = once(async () => (await invoicedPartner('reader')).id);
/** The partner evidence items are added to and removed from (Select evidence, so individual u-0 exists). */
const itemsPartner = once(() => freshPartner('items', { evidence: 'select' }));

// ---------- evidence items ----------

const SAMPLE_ITEMS: Record<ItemKind, (n: number) => Record<string, unknown>> = {
  individuals: (n) => ({ id: `u-x${n}`, registeredOn: '2018-01-01', leftOn: null, credentials: [] }),
  credentials: (n) => ({
    individualId: 'u-0',
    type: 'certification',
    name: `specialty-${n}`,
    level: 'specialty',
    earnedOn: '2019-01-10',
  }),
  opportunities: (n) => ({
    id: `o-x${n}`,
    status: 'launched',
    launchedOn: '2019-06-01',
    estimatedMrr: 600,
    source: 'partner',
  }),
  references: (n) => ({
    id: `r-x${n}`,
    customer: 'Acme',
    public: true,
    source: 'ace-opportunity',
    designatedOn: '2019-04-01',
    status: 'approved',
    url: 'https://example.com/case-study',
  }),
  'csat-responses': (n) => ({
    id: `c-x${n}`,
    customer: 'Acme',
    submittedOn: '2019-05-05',
    origin: 'rate-this-partner',
    emailConfirmed: true,
    awsCustomerVerified: true,
  }),
  validations: (n) => ({ program: 'competency', name: `Competency ${n}`, achievedOn: '2018-11-01', expiresOn: null }),
  'direct-revenue': (n) => ({
    accountId: String(200_000_000_000 + n),
    domain: 'example.com',
    month: '2019-05',
    billed: 1200,
    kind: 'usage',
    credits: [{ type: 'MAP Credit', amount: 100 }],
  }),
  'product-listings': (n) => ({ id: `p-x${n}`, name: 'Widget', status: 'GA', listedOn: '2019-01-01' }),
  'legacy-revenue-submissions': (n) => ({ accountId: String(300_000_000_000 + n), submittedOn: '2019-02-01' }),
};

/** A new item of `kind` (never sent before) and its key. */
function newItem(kind: ItemKind): { item: Record<string, unknown>; key: string } {
  const item = SAMPLE_ITEMS[kind](next());
  const spec = ITEM_KIND_SPECS[kind] as ItemKindSpec;
  return { item, key: spec.keyOf(spec.schema.parse(item)) };
}

/** A one-row CSV import of a new partner. */
function importCsv(prefix: string): string {
  return (
    'id,name,track,tier,renewalDate,country,allianceLeadId\n' +
    `${partnerIdFor(prefix)},Imported Cloud,consulting,registered,12-15,US,lead-imported\n`
  );
}

/** The address of one import job (made once). */
const importJob = once(async () => {
  const res = await request(h.app)
    .post('/v1/partners/import')
    .set('Authorization', await h.auth('program-admin'))
    .set('Content-Type', 'text/csv')
    .send(importCsv('impjob'));
  if (res.status !== 202) throw new Error(`import answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.headers.location as string;
});

// ---------- the table ----------

interface Row {
  /** `METHOD /path` as GET /openapi.json names it. */
  op: string;
  allowed: readonly Role[];
  /** The route loads the partner named by `{id}` and checks the caller may act on it. */
  scoped: boolean;
  /** Status an allowed role gets. */
  status: number;
  /**
   * A request an allowed role succeeds with. `fresh: false` is one shared request (memoised): every refusal of the
   * row sends it, then the first allowed role; `fresh: true` makes another, for an allowed role after the first when
   * success uses the state up (a paid invoice, an open application).
   */
  make(fresh: boolean): Promise<Call>;
  /** Setting up the shared request is slow: start it before the tests. */
  slow?: boolean;
  /** Why the allowed role is refused by the state (409) rather than succeeding, when it cannot succeed here. */
  refusedByState?: { why: string; detail: RegExp };
}

const READERS: readonly Role[] = ['program-admin', 'partner-manager', 'alliance-lead', 'alliance-team'];
const FEED: readonly Role[] = ['evidence-feed', 'program-admin'];

/** For rows whose success uses the state up: `make` runs for each fresh request, once for the shared one. */
function consuming(make: () => Promise<Call>): Row['make'] {
  const shared = once(make);
  return (fresh) => (fresh ? make() : shared());
}

/** For rows that change nothing: every request is the one shared request. */
function reading(make: () => Promise<Call>): Row['make'] {
  const shared = once(make);
  return () => shared();
}

const readRow = (suffix: string, allowed: readonly Role[] = READERS): Row => ({
  op: `GET /v1/partners/{id}${suffix.replace(/\/1$/, '/{appId}')}`,
  allowed,
  scoped: true,
  status: 200,
  slow: true,
  make: reading(async () => {
    const id = await reader();
    return { method: 'get', url: `/v1/partners/${id}${suffix}`, partnerId: id };
  }),
});

const itemRows = ITEM_KINDS.flatMap((kind): Row[] => [
  {
    op: `POST /v1/partners/{id}/evidence/${kind}`,
    allowed: FEED,
    scoped: true,
    status: 201,
    make: consuming(async () => {
      const id = await itemsPartner();
      return { method: 'post', url: `/v1/partners/${id}/evidence/${kind}`, partnerId: id, body: newItem(kind).item };
    }),
  },
  {
    op: `DELETE /v1/partners/{id}/evidence/${kind}/{key}`,
    allowed: FEED,
    scoped: true,
    status: 200,
    make: consuming(async () => {
      const id = await itemsPartner();
      const { item, key } = newItem(kind);
      const added = await as('evidence-feed', {
        method: 'post',
        url: `/v1/partners/${id}/evidence/${kind}`,
        partnerId: id,
        body: item,
      });
      expect(outcome(added)).toMatchObject({ status: 201 });
      return {
        method: 'delete',
        url: `/v1/partners/${id}/evidence/${kind}/${encodeURIComponent(key)}`,
        partnerId: id,
      };
    }),
  },
]);

const ROWS: Row[] = [
  {
    op: 'POST /v1/partners',
    allowed: ['program-admin'],
    scoped: false,
    status: 201,
    make: consuming(() =>
      Promise.resolve({ method: 'post', url: '/v1/partners', body: registration(partnerIdFor('reg')) }),
    ),
  },
  {
    op: 'POST /v1/partners/import',
    allowed: ['program-admin'],
    scoped: false,
    status: 202,
    make: consuming(() => Promise.resolve({ method: 'post', url: '/v1/partners/import', csv: importCsv('imp') })),
  },
  {
    op: 'GET /v1/partner-imports/{jobId}',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: reading(async () => ({ method: 'get', url: await importJob() })),
  },
  {
    op: 'GET /v1/partner-imports/{jobId}/rows',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: reading(async () => ({ method: 'get', url: `${await importJob()}/rows` })),
  },
  {
    op: 'GET /v1/partners',
    allowed: ['program-admin', 'partner-manager'],
    scoped: false,
    status: 200,
    make: () => Promise.resolve({ method: 'get', url: '/v1/partners' }),
  },
  readRow(''),
  readRow('/audit'),
  readRow('/timeline'),
  readRow('/cases'),
  readRow('/invoices'),
  readRow('/payments'),
  readRow('/scorecard'),
  {
    op: 'POST /v1/scorecards/evaluate',
    allowed: ROLES,
    scoped: false,
    status: 200,
    make: () =>
      Promise.resolve({
        method: 'post',
        url: '/v1/scorecards/evaluate',
        body: { asOf: BUSINESS_DATE, evidence: evidenceDoc('select', 'what-if') },
      }),
  },
  readRow('/evidence', [...FEED, 'partner-manager', 'alliance-lead', 'alliance-team']),
  {
    op: 'PUT /v1/partners/{id}/evidence',
    allowed: FEED,
    scoped: true,
    status: 200,
    make: consuming(async () => {
      const id = await freshPartner('put');
      return { method: 'put', url: `/v1/partners/${id}/evidence`, partnerId: id, body: evidenceDoc('select', id) };
    }),
  },
  ...itemRows,
  {
    op: 'POST /v1/partners/{id}/evidence/import',
    allowed: [...FEED, 'alliance-lead', 'alliance-team'],
    scoped: true,
    status: 200,
    make: consuming(async () => {
      const id = await itemsPartner();
      const n = next();
      return {
        method: 'post',
        url: `/v1/partners/${id}/evidence/import?kind=opportunities`,
        partnerId: id,
        csv: `Opportunity ID,Status,Launched On,Estimated MRR,Source\no-csv-${n},launched,2019-06-01,600,partner\n`,
      };
    }),
  },
  {
    op: 'POST /v1/partners/{id}/upgrade-applications',
    allowed: ['alliance-lead', 'alliance-team'],
    scoped: true,
    status: 202,
    make: consuming(async () => {
      const id = await freshPartner('apply');
      return {
        method: 'post',
        url: `/v1/partners/${id}/upgrade-applications`,
        partnerId: id,
        body: { targetTier: 'select', feeAccountId: FEE_ACCOUNT },
      };
    }),
  },
  readRow('/upgrade-applications'),
  readRow('/upgrade-applications/1'),
  {
    op: 'POST /v1/partners/{id}/upgrade-applications/{appId}/readiness-assessment',
    allowed: ['partner-manager'],
    scoped: true,
    status: 200,
    slow: true,
    make: consuming(async () => {
      const id = await premierApplicant('ready');
      return {
        method: 'post',
        url: `/v1/partners/${id}/upgrade-applications/1/readiness-assessment`,
        partnerId: id,
        body: { outcome: 'passed', notes: 'strong practice' },
      };
    }),
  },
  {
    op: 'POST /v1/partners/{id}/upgrade-applications/{appId}/ebr-outcome',
    allowed: ['partner-manager'],
    scoped: true,
    status: 200,
    slow: true,
    make: consuming(async () => {
      const id = await scheduledForEbr('ebr');
      return {
        method: 'post',
        url: `/v1/partners/${id}/upgrade-applications/1/ebr-outcome`,
        partnerId: id,
        body: { outcome: 'approved', notes: 'well prepared' },
      };
    }),
  },
  {
    op: 'GET /v1/ebrs',
    allowed: ['program-admin', 'partner-manager'],
    scoped: false,
    status: 200,
    make: () => Promise.resolve({ method: 'get', url: '/v1/ebrs?window=2019-Q3' }),
  },
  {
    op: 'POST /v1/partners/{id}/fee-payments',
    allowed: ['partner-manager'],
    scoped: true,
    status: 200,
    slow: true,
    make: consuming(async () => {
      const { id, total } = await invoicedPartner('pay');
      return { method: 'post', url: `/v1/partners/${id}/fee-payments`, partnerId: id, body: { amount: total } };
    }),
  },
  {
    op: 'POST /v1/partners/{id}/fee-extensions',
    allowed: ['partner-manager'],
    scoped: true,
    status: 200,
    slow: true,
    make: consuming(async () => {
      const { id } = await invoicedPartner('extend');
      return { method: 'post', url: `/v1/partners/${id}/fee-extensions`, partnerId: id, body: { days: 30 } };
    }),
  },
  {
    op: 'POST /v1/partners/{id}/cancellation-cases',
    allowed: ['alliance-lead'],
    scoped: true,
    status: 201,
    make: consuming(async () => {
      const id = await freshPartner('cancel', { tier: 'select' });
      return {
        method: 'post',
        url: `/v1/partners/${id}/cancellation-cases`,
        partnerId: id,
        body: { reason: 'moving to another program' },
      };
    }),
  },
  {
    op: 'POST /v1/partners/{id}/tier-reinstatements',
    allowed: ['partner-manager'],
    scoped: true,
    status: 409,
    refusedByState: { why: 'no renewal downgrade to undo', detail: /no non-compliance case is open/ },
    make: reading(async () => {
      const id = await freshPartner('reinstate', { tier: 'select' });
      return { method: 'post', url: `/v1/partners/${id}/tier-reinstatements`, partnerId: id, body: {} };
    }),
  },
  {
    op: 'POST /v1/partners/{id}/cases/{caseNumber}/decision',
    allowed: ['partner-manager'],
    scoped: true,
    status: 409,
    refusedByState: { why: 'no fee-unpaid case is open', detail: /no case .*\/case\/1 is open/ },
    make: reading(async () => {
      const id = await freshPartner('decide', { tier: 'select' });
      return {
        method: 'post',
        url: `/v1/partners/${id}/cases/1/decision`,
        partnerId: id,
        body: { decision: 'keep', reason: 'the payment run is late' },
      };
    }),
  },
  {
    op: 'POST /v1/partners/{id}/incidents/{incidentId}/resolution',
    allowed: ['program-admin'],
    scoped: true,
    status: 409,
    refusedByState: { why: 'no incident is open', detail: /no open incident 1/ },
    make: reading(async () => {
      const id = await freshPartner('incident', { tier: 'select' });
      return {
        method: 'post',
        url: `/v1/partners/${id}/incidents/1/resolution`,
        partnerId: id,
        body: { action: 'retry', note: 'store fixed' },
      };
    }),
  },
  {
    op: 'GET /v1/outbox',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: () => Promise.resolve({ method: 'get', url: '/v1/outbox?status=pending' }),
  },
  {
    op: 'GET /v1/outbox/dead-letters',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: () => Promise.resolve({ method: 'get', url: '/v1/outbox/dead-letters' }),
  },
  {
    op: 'POST /v1/outbox/{key}/retry',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: consuming(async () => {
      const key = await deadLetter();
      return { method: 'post', url: `/v1/outbox/${encodeURIComponent(key)}/retry` };
    }),
  },
  {
    op: 'POST /v1/organizations',
    allowed: ['program-admin'],
    scoped: false,
    status: 201,
    make: consuming(() => Promise.resolve({ method: 'post', url: '/v1/organizations', body: newOrganization() })),
  },
  {
    op: 'GET /v1/organizations',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: () => Promise.resolve({ method: 'get', url: '/v1/organizations' }),
  },
  {
    op: 'GET /v1/organizations/{orgId}',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: reading(async () => ({ method: 'get', url: `/v1/organizations/${(await organization()).id}` })),
  },
  {
    op: 'POST /v1/organizations/{orgId}/members',
    allowed: ['program-admin'],
    scoped: false,
    status: 201,
    make: consuming(async () => ({
      method: 'post',
      url: `/v1/organizations/${(await organization()).id}/members`,
      body: { accountId: nextAccount() },
    })),
  },
  {
    op: 'DELETE /v1/organizations/{orgId}/members/{accountId}',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: consuming(async () => {
      const { id } = await organization();
      const accountId = nextAccount();
      await h.store.addOrganizationMember(id, accountId, BUSINESS_DATE);
      return { method: 'delete', url: `/v1/organizations/${id}/members/${accountId}` };
    }),
  },
  {
    op: 'GET /v1/accounts/{accountId}/payer',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: () => Promise.resolve({ method: 'get', url: `/v1/accounts/${FEE_ACCOUNT}/payer` }),
  },
  // ---- reseller billing (R-RESELLER) ----
  {
    op: 'POST /v1/organizations/{orgId}/reseller-billing',
    allowed: ['program-admin'],
    scoped: false,
    status: 201,
    make: consuming(async () => {
      const body = newOrganization();
      await h.store.createOrganization({ ...body, on: BUSINESS_DATE });
      return {
        method: 'post',
        url: `/v1/organizations/${body.id}/reseller-billing`,
        body: { partnerId: outsider, discountPercent: 2.5, billingFrom: '2019-10' },
      };
    }),
  },
  {
    op: 'POST /v1/organizations/{orgId}/invitations',
    allowed: ['program-admin'],
    scoped: false,
    status: 201,
    make: consuming(async () => ({
      method: 'post',
      url: `/v1/organizations/${(await resellerOrganization()).id}/invitations`,
      body: { accountId: nextAccount() },
    })),
  },
  {
    op: 'GET /v1/organizations/{orgId}/invitations',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: reading(async () => ({
      method: 'get',
      url: `/v1/organizations/${(await resellerOrganization()).id}/invitations?status=invited`,
    })),
  },
  {
    op: 'GET /v1/invitations/{invitationId}',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: reading(async () => ({ method: 'get', url: `/v1/invitations/${await pendingInvitation()}` })),
  },
  {
    op: 'POST /v1/invitations/{invitationId}/accept',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: consuming(async () => ({ method: 'post', url: `/v1/invitations/${await pendingInvitation()}/accept` })),
  },
  {
    op: 'POST /v1/invitations/{invitationId}/decline',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: consuming(async () => ({ method: 'post', url: `/v1/invitations/${await pendingInvitation()}/decline` })),
  },
  {
    op: 'PUT /v1/accounts/{accountId}/usage/{month}',
    allowed: ['program-admin'],
    scoped: false,
    status: 201,
    make: consuming(async () => {
      const accountId = nextAccount();
      await h.store.addOrganizationMember((await resellerOrganization()).id, accountId, BUSINESS_DATE);
      return {
        method: 'put',
        url: `/v1/accounts/${accountId}/usage/2019-10`,
        body: { items: [{ service: 'Amazon EC2', amount: 120.5 }] },
      };
    }),
  },
  {
    op: 'GET /v1/accounts/{accountId}/billing',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: reading(async () => ({
      method: 'get',
      url: `/v1/accounts/${(await billedOrganization()).customer}/billing`,
    })),
  },
  {
    op: 'GET /v1/organizations/{orgId}/bills',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: reading(async () => ({ method: 'get', url: `/v1/organizations/${(await resellerOrganization()).id}/bills` })),
  },
  {
    op: 'POST /v1/organizations/{orgId}/bills',
    allowed: ['program-admin'],
    scoped: false,
    status: 201,
    make: consuming(async () => ({
      method: 'post',
      url: `/v1/organizations/${(await enrolledWithUsage()).id}/bills`,
      body: { month: '2019-09' },
    })),
  },
  {
    op: 'GET /v1/organizations/{orgId}/bills/{month}',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: reading(async () => ({
      method: 'get',
      url: `/v1/organizations/${(await billedOrganization()).id}/bills/2019-09`,
    })),
  },
  {
    op: 'POST /v1/organizations/{orgId}/bills/{month}/payment',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    slow: true,
    make: consuming(async () => {
      const { id } = await newBilledOrganization();
      return { method: 'post', url: `/v1/organizations/${id}/bills/2019-09/payment`, body: { amount: 99.99 } };
    }),
  },
  {
    op: 'POST /v1/advance-pay/{accountId}',
    allowed: ['program-admin'],
    scoped: false,
    status: 201,
    make: consuming(() =>
      Promise.resolve({
        method: 'post',
        url: `/v1/advance-pay/${nextAccount()}`,
        body: { registeredOn: BUSINESS_DATE },
      }),
    ),
  },
  {
    op: 'GET /v1/advance-pay/{accountId}',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: reading(async () => ({ method: 'get', url: `/v1/advance-pay/${await advancePayer()}` })),
  },
  {
    op: 'POST /v1/advance-pay/{accountId}/funding-documents',
    allowed: ['program-admin'],
    scoped: false,
    status: 201,
    make: consuming(async () => ({
      method: 'post',
      url: `/v1/advance-pay/${await advancePayer()}/funding-documents`,
      body: { amount: 3000, method: 'eft' },
    })),
  },
  {
    op: 'POST /v1/advance-pay/{accountId}/transfers',
    allowed: ['program-admin'],
    scoped: false,
    status: 201,
    make: consuming(async () => {
      const payerAccountId = await advancePayer();
      const doc = await h.store.advancePay.issueDocument({
        payerAccountId,
        amount: 1000,
        method: 'us-bank-transfer',
        on: BUSINESS_DATE,
      });
      return {
        method: 'post',
        url: `/v1/advance-pay/${payerAccountId}/transfers`,
        body: { reference: doc.reference, amount: 1000 },
      };
    }),
  },
  {
    op: 'GET /v1/accounts/{accountId}/payment-methods',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: () => Promise.resolve({ method: 'get', url: `/v1/accounts/${FEE_ACCOUNT}/payment-methods` }),
  },
  {
    op: 'PUT /v1/accounts/{accountId}/payment-methods',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: consuming(() =>
      Promise.resolve({
        method: 'put',
        url: `/v1/accounts/${nextAccount()}/payment-methods`,
        body: { methods: ['card', 'sepa-direct-debit'] },
      }),
    ),
  },
  {
    op: 'POST /v1/partners/{id}/payments',
    allowed: ['program-admin', 'alliance-lead', 'alliance-team'],
    scoped: true,
    status: 201,
    slow: true,
    make: consuming(async () => {
      const { id, total } = await invoicedPartner('card');
      const invoice = (await h.store.listInvoices(id)).find((i) => i.status === 'open')!;
      return {
        method: 'post',
        url: `/v1/partners/${id}/payments`,
        partnerId: id,
        body: { invoiceId: invoice.id, payerAccountId: invoice.payerAccountId, amount: total, method: 'card' },
      };
    }),
  },
  {
    op: 'GET /v1/payments/{paymentId}',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: reading(async () => ({ method: 'get', url: `/v1/payments/${(await pendingPayment()).id}` })),
  },
  {
    op: 'POST /v1/payments/{paymentId}/processing',
    allowed: ['program-admin'],
    scoped: false,
    status: 200,
    make: consuming(async () => ({
      method: 'post',
      url: `/v1/payments/${(await pendingPayment()).id}/processing`,
      body: { outcome: 'failed', reason: 'card declined' },
    })),
  },
];

/** A reseller organization enrolled by the outsider partner (billed from 2019-10), through the API. */
const resellerOrganization = once(async () => {
  const body = newOrganization();
  await h.store.createOrganization({ ...body, on: BUSINESS_DATE });
  const enrolled = await as('program-admin', {
    method: 'post',
    url: `/v1/organizations/${body.id}/reseller-billing`,
    body: { partnerId: outsider, billingFrom: '2019-10' },
  });
  expect(outcome(enrolled)).toMatchObject({ status: 201 });
  return body;
});

/** An invitation pending in its workflow; resolves its id. */
async function pendingInvitation(): Promise<number> {
  const res = await as('program-admin', {
    method: 'post',
    url: `/v1/organizations/${(await resellerOrganization()).id}/invitations`,
    body: { accountId: nextAccount() },
  });
  expect(outcome(res)).toMatchObject({ status: 201 });
  return (res.body as { id: number }).id;
}

/**
 * A reseller organization billed from 2019-09 with a customer's usage of 99.99 USD that month, enrolled (its cycle
 * started) on 2019-10-02: September ended before, so its bill waits for the month to be closed.
 */
async function enrolledWithUsage(): Promise<{ id: string; customer: string }> {
  const body = newOrganization();
  await h.store.createOrganization({ ...body, on: BUSINESS_DATE });
  await h.store.reseller.enrol({
    organizationId: body.id,
    partnerId: outsider,
    discountBasisPoints: 0,
    billingFrom: '2019-09',
    enrolledOn: BUSINESS_DATE,
  });
  const customer = nextAccount();
  await h.store.addOrganizationMember(body.id, customer, '2019-09-01');
  await h.store.reseller.recordUsage({
    accountId: customer,
    month: '2019-09',
    items: [{ service: 'Amazon EC2', amountCents: 9_999 }],
    on: BUSINESS_DATE,
  });
  const enrolled = await as('program-admin', {
    method: 'post',
    url: `/v1/organizations/${body.id}/reseller-billing`,
    body: { partnerId: outsider, discountPercent: 0, billingFrom: '2019-09' },
  });
  expect(outcome(enrolled)).toMatchObject({ status: 200 });
  return { id: body.id, customer };
}

/** The same with September closed: its bill issued and waiting for the partner's payment. */
async function newBilledOrganization(): Promise<{ id: string; customer: string }> {
  const organization = await enrolledWithUsage();
  const closed = await as('program-admin', {
    method: 'post',
    url: `/v1/organizations/${organization.id}/bills`,
    body: { month: '2019-09' },
  });
  expect(outcome(closed)).toMatchObject({ status: 201, body: { total: 99.99, status: 'issued' } });
  return organization;
}
const billedOrganization = once(newBilledOrganization);

/**
 * A pending card payment of a fresh invoice, written through the store (the bank's "failed" answer, which the
 * processing row sends, settles nothing, so no workflow is needed).
 */
async function pendingPayment() {
  const { partner } = await h.store.registerPartner({
    id: partnerIdFor('paid'),
    name: 'Access paid',
    track: 'consulting',
    tier: 'select',
    renewalDate: '12-15',
    country: 'US',
    feeAccountId: FEE_ACCOUNT,
    allianceLeadId: SUBJECT['alliance-lead'],
    partnerManagerIds: [PM],
  });
  const { invoice } = await h.store.createInvoice({
    partnerId: partner.id,
    membershipYear: 2019,
    reason: 'upgrade',
    amount: 2500,
    vatAmount: 0,
    payerAccountId: FEE_ACCOUNT,
    feeAccountId: FEE_ACCOUNT,
    issuedOn: BUSINESS_DATE,
    dueOn: BUSINESS_DATE,
  });
  return h.store.payments.record({
    invoiceId: invoice.id,
    method: 'card',
    amountCents: 250_000,
    recordedBy: 'lead-1',
    on: BUSINESS_DATE,
    status: 'pending',
  });
}

/** A payer registered for Advance Pay that the reading and funding rows act on. */
const advancePayer = once(async () => {
  const payerAccountId = nextAccount();
  await h.store.advancePay.register(payerAccountId, BUSINESS_DATE);
  return payerAccountId;
});

/** 12-digit AWS account ids no other row uses. */
let accountSeq = 0;
const nextAccount = (): string => String(300_000_000_000 + (Date.now() % 1_000_000) * 1_000 + ++accountSeq);

function newOrganization() {
  return { id: partnerIdFor('org'), name: 'Access Org', managementAccountId: nextAccount(), reseller: true };
}

/** One organization the reading and member rows act on. */
const organization = once(async () => {
  const body = newOrganization();
  const { organization: org } = await h.store.createOrganization({ ...body, on: BUSINESS_DATE });
  return org;
});

/**
 * A notification every delivery attempt of which failed: a round of a dispatcher whose mail server refuses everything
 * and that gives up after one attempt (what else the round takes fails too; nothing here reads it).
 */
async function deadLetter(): Promise<string> {
  const key = `partner/${outsider}#access-${next()}`;
  await h.store.enqueueNotification({
    key,
    partnerId: outsider,
    kind: 'fee-reminder',
    recipient: 'alliance-lead',
    on: BUSINESS_DATE,
    payload: { day: 30 },
  });
  const dispatcher = new OutboxDispatcher({
    store: h.store,
    mailer: { kind: 'smtp', send: () => Promise.reject(new Error('550 refused by the test')), close: () => undefined },
    log: pino({ level: 'silent' }),
    from: 'apn-engine@localhost',
    recipientDomain: 'localhost',
    intervalMs: 1_000,
    maxAttempts: 1,
    batchSize: 500,
  });
  while ((await h.store.outbox.get(key))?.status !== 'dead') await dispatcher.runOnce();
  return key;
}

// ---------- the suite ----------

beforeAll(async () => {
  h = await startApiHarness({ businessDate: BUSINESS_DATE });
  outsider = await freshPartner('outsider');
  // The slow set-ups (applications decided, invoiced, awaiting readiness, scheduled for EBR) run side by side.
  await Promise.all(ROWS.filter((row) => row.slow).map((row) => row.make(false)));
}, 300_000);
afterAll(async () => {
  await h?.teardown();
});

test('the table has one row for every /v1 operation of GET /openapi.json, with the roles it documents', async () => {
  const res = await request(h.app).get('/openapi.json');
  expect(res.status).toBe(200);
  const paths = res.body.paths as Record<string, Record<string, { description?: string }>>;
  const documented = new Map<string, string>();
  for (const [path, operations] of Object.entries(paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const [method, operation] of Object.entries(operations)) {
      if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
      const who = /\*\*Who:\*\* ([^.]+)\./.exec(operation.description ?? '')?.[1] ?? '(not documented)';
      documented.set(`${method.toUpperCase()} ${path}`, who);
    }
  }
  expect(ROWS.map((row) => row.op).sort()).toEqual([...documented.keys()].sort());
  expect(new Set(ROWS.map((row) => row.op)).size).toBe(ROWS.length);
  for (const row of ROWS) {
    expect({ op: row.op, who: documented.get(row.op) }).toEqual({ op: row.op, who: row.allowed.join(', ') });
  }
});

const unknownPartner = `no-such-partner-${RUN}`;
const onUnknownPartner = (call: Call): Call => ({
  ...call,
  url: call.url.replace(`/partners/${call.partnerId}`, `/partners/${unknownPartner}`),
  partnerId: unknownPartner,
});

describe.each(ROWS.map((row) => [row.op, row] as const))('%s:', (_op, row) => {
  const forbidden = ROLES.filter((role) => !row.allowed.includes(role));
  const first = row.allowed[0]!;
  /** Why a user of another partner is refused: the partner check when the role may call, else the role check. */
  const crossPartnerDetail = (role: Role, scope: RegExp) =>
    row.allowed.includes(role) ? scope : new RegExp(`role '${role}' may not`);
  const byRole = (role: Role) => (row.allowed.includes(role) ? '' : ' (by its role)');

  test('no token → 401', async () => {
    const res = await send(await row.make(false));
    expectProblem(res, 401, /bearer token/i);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  test.each(BAD_TOKENS)('bad token (%s) → 401', async (_what, token) => {
    const call = await row.make(false);
    const res = await send(call, await token(first, call.partnerId));
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  if (forbidden.length > 0) {
    test.each(forbidden)('%s gets 403', async (role) => {
      expectProblem(await as(role, await row.make(false)), 403, new RegExp(`role '${role}' may not`));
    });
  }

  if (row.scoped) {
    const alliance = ROLES.filter(roleTakesPartner);
    test.each(alliance.map((role) => [role, byRole(role)] as const))('%s of another partner → 403%s', async (role) => {
      const call = await row.make(false);
      const res = await send(call, await authAs(role, outsider));
      expectProblem(res, 403, crossPartnerDetail(role, /you act for partner/));
    });
    const notRegistered: Record<string, RegExp> = {
      'alliance-lead': /is not the registered alliance lead/,
      'alliance-team': /is not on the registered alliance team/,
    };
    test.each(alliance.map((role) => [role, byRole(role)] as const))(
      '%s of the partner but not registered for it → 403%s',
      async (role) => {
        const call = await row.make(false);
        const res = await send(call, await authAs(role, call.partnerId, `stranger-${role}`));
        expectProblem(res, 403, crossPartnerDetail(role, notRegistered[role]!));
      },
    );
    test(`unassigned partner manager → 403${byRole('partner-manager')}`, async () => {
      const call = await row.make(false);
      const res = await send(call, await authAs('partner-manager', call.partnerId, STRANGER_PM));
      expectProblem(res, 403, crossPartnerDetail('partner-manager', /is not assigned to partner manager/));
    });
    if (row.allowed.includes('partner-manager')) {
      test('partner manager on an unknown partner → 403, like an unassigned one', async () => {
        expectProblem(await as('partner-manager', onUnknownPartner(await row.make(false))), 403, /is not assigned/);
      });
    }
    const admins = row.allowed.filter((role) => role === 'program-admin' || role === 'evidence-feed');
    if (admins.length > 0) {
      test.each(admins)('%s on an unknown partner → 404', async (role) => {
        expectProblem(await as(role, onUnknownPartner(await row.make(false))), 404, /is not registered/);
      });
    }
  }

  // Last: the first allowed role sends the request every refusal above sent, proving it was a valid one.
  const successName = row.refusedByState
    ? `%s is authorised but refused by the state (${row.status}: ${row.refusedByState.why})`
    : `%s succeeds (${row.status})`;
  test.each(row.allowed.map((role, index) => [role, index] as const))(successName, async (role, index) => {
    const res = await as(role, await row.make(index > 0));
    if (row.refusedByState) expectProblem(res, row.status, row.refusedByState.detail);
    else expect(outcome(res)).toMatchObject({ status: row.status });
  });
});

describe('partner managers see only the partners assigned to them', () => {
  test('GET /v1/partners: the assigned manager lists the partner, another manager does not', async () => {
    const id = await reader();
    const list = async (sub: string) => {
      const res = await send(
        { method: 'get', url: '/v1/partners?limit=500' },
        await authAs('partner-manager', undefined, sub),
      );
      expect(res.status).toBe(200);
      return (res.body as { items: { id: string }[] }).items.map((p) => p.id);
    };
    expect(await list(PM)).toContain(id);
    expect(await list(STRANGER_PM)).toEqual([]);
  });
});

describe('a refused request changes nothing', () => {
  test('403 and 401 on PUT evidence, POST an evidence item and POST upgrade-applications leave the partner as it was', async () => {
    const id = await freshPartner('untouched', { evidence: 'select' });
    const snapshot = async () => {
      const [evidence, applications, view] = await Promise.all([
        as('program-admin', { method: 'get', url: `/v1/partners/${id}/evidence` }),
        as('program-admin', { method: 'get', url: `/v1/partners/${id}/upgrade-applications` }),
        as('program-admin', { method: 'get', url: `/v1/partners/${id}` }),
      ]);
      return {
        evidenceVersion: (evidence.body as { version: number }).version,
        applications: (applications.body as { items: unknown[] }).items.length,
        tier: (view.body as { lifecycle: { tier: string } }).lifecycle.tier,
      };
    };
    const before = await snapshot();
    expect(before).toEqual({ evidenceVersion: 1, applications: 0, tier: 'registered' });

    const put: Call = {
      method: 'put',
      url: `/v1/partners/${id}/evidence`,
      partnerId: id,
      body: evidenceDoc('premier', id),
    };
    const item: Call = {
      method: 'post',
      url: `/v1/partners/${id}/evidence/opportunities`,
      partnerId: id,
      body: newItem('opportunities').item,
    };
    const apply: Call = {
      method: 'post',
      url: `/v1/partners/${id}/upgrade-applications`,
      partnerId: id,
      body: { targetTier: 'select', feeAccountId: FEE_ACCOUNT },
    };
    expectProblem(await as('alliance-lead', put), 403);
    expectProblem(await as('partner-manager', put), 403);
    expectProblem(await send(put), 401);
    expectProblem(await send(put, await expiredToken('evidence-feed')), 401);
    expectProblem(await as('alliance-team', item), 403);
    expectProblem(await send(item, await garbageToken()), 401);
    expectProblem(await as('partner-manager', apply), 403);
    expectProblem(await as('evidence-feed', apply), 403);
    expectProblem(await send(apply, await authAs('alliance-lead', outsider)), 403);
    expectProblem(await send(apply), 401);
    expect(await snapshot()).toEqual(before);

    // The same requests from allowed callers go through: the refusals above were of valid requests.
    expect(outcome(await as('evidence-feed', put))).toMatchObject({ status: 200, body: { version: 2, created: true } });
    expect(outcome(await as('evidence-feed', item))).toMatchObject({ status: 201, body: { version: 3 } });
    expect(outcome(await as('alliance-lead', apply))).toMatchObject({ status: 202 });
    expect(await snapshot()).toMatchObject({ evidenceVersion: 3, applications: 1 });
  });
});
