/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * Bad bodies, generated with fast-check, for every endpoint that takes one: arbitrary JSON objects and arrays, a
 * valid body with one field (at any depth) replaced by a wrong-typed or out-of-range value or removed, a valid body
 * with an unknown key where the schema refuses unknown keys, and for the CSV import arbitrary text and broken files.
 * Only what the endpoint's own zod schema (for CSV: the CSV reader) rejects is sent, by a caller allowed to send it.
 * Every answer is a 400 problem document listing each issue with its path, never a 5xx, and nothing changes: the
 * partners, their evidence versions, applications, invoices, cases and workflow state are the same after a whole
 * property run as before it.
 */
import fc from 'fast-check';
import type { Response } from 'supertest';
import { z } from 'zod';
import { roleTakesPartner, type Role } from '../../src/api/auth';
import {
  AddMemberBody,
  CreateOrganizationBody,
  FundingDocumentBody,
  RegisterAdvancePayBody,
  TransferBody,
} from '../../src/api/billing-schemas';
import {
  BillPaymentBody,
  CloseMonthBody,
  EnrolmentBody,
  InvitationBody,
  UsageBody,
} from '../../src/api/reseller-schemas';
import { InvoicePaymentBody, PaymentMethodsBody, PaymentOutcomeBody } from '../../src/api/payment-schemas';
import { parseCsvItems } from '../../src/domain/evidence';
import { ITEM_KIND_SPECS, ITEM_KINDS, type ItemKind } from '../../src/domain/evidence';
import {
  ApplyBody,
  CancellationBody,
  EbrOutcomeBody,
  EvaluateBody,
  CaseDecisionBody,
  ExtensionBody,
  IncidentResolutionBody,
  PaymentBody,
  ReadinessBody,
  RegisterPartnerBody,
} from '../../src/api/schemas';
import { emptyEvidence, mergeEvidence, PartnerEvidenceSchema, type PartnerEvidence } from '../../src/domain/evidence';
import { consultingEvidence } from '../support/evidence';
import { eventually, request, startApiHarness, type ApiHarness } from './harness';

const BUSINESS_DATE = '2019-10-02';
const FEE_ACCOUNT = '123456789012';
const PM = 'pm-bodies';
const RUN = Date.now().toString(36);
const NUM_RUNS = 30;
/** A reseller organization (enrolled, one customer) the reseller billing endpoints are sent bad bodies for. */
const RESELLER_ORG = `bodies-reseller-${RUN}`;
const RESELLER_CUSTOMER = '210987654323';

/** The reinstatement body is declared inline in src/api/routes/applications.ts: an empty object, nothing else. */
const ReinstatementBody = z.object({}).strict();

let h: ApiHarness;
/** Approved for Select on application with the upgrade's fee invoice open; has Select evidence. */
let invoiced: string;
/** Advanced, with a Premier application awaiting the readiness assessment. */
let applicant: string;

// ---------- requests ----------

function authAs(role: Role, partnerId: string): Promise<string> {
  return h.auth(
    role,
    role === 'partner-manager' ? PM : `bodies-${role}`,
    roleTakesPartner(role) ? partnerId : undefined,
  );
}

async function getAs(url: string): Promise<Response> {
  return request(h.app)
    .get(url)
    .set('Authorization', await authAs('program-admin', invoiced));
}

function evidenceDoc(level: 'select' | 'premier', tag: string): PartnerEvidence {
  return mergeEvidence(emptyEvidence('consulting'), consultingEvidence(level, '2019-03-15', tag));
}

function registration(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    name: `Bodies ${id}`,
    track: 'consulting',
    tier: 'registered',
    renewalDate: '12-15',
    country: 'US',
    feeAccountId: FEE_ACCOUNT,
    allianceLeadId: 'bodies-alliance-lead',
    partnerManagerIds: [PM],
    ...extra,
  };
}

async function register(id: string, body: object, evidence?: PartnerEvidence): Promise<void> {
  const admin = await authAs('program-admin', id);
  const res = await request(h.app).post('/v1/partners').set('Authorization', admin).send(body);
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 201 });
  if (!evidence) return;
  const feed = await authAs('evidence-feed', id);
  const put = await request(h.app).put(`/v1/partners/${id}/evidence`).set('Authorization', feed).send(evidence);
  expect(put.status).toBe(200);
}

async function apply(id: string, targetTier: string): Promise<void> {
  const res = await request(h.app)
    .post(`/v1/partners/${id}/upgrade-applications`)
    .set('Authorization', await authAs('alliance-lead', id))
    .send({ targetTier, feeAccountId: FEE_ACCOUNT });
  expect(res.status).toBe(202);
}

async function setUpInvoiced(): Promise<string> {
  const id = `bodies-invoiced-${RUN}`;
  await register(id, registration(id), evidenceDoc('select', id));
  await apply(id, 'select');
  await eventually(
    async () => {
      const res = await getAs(`/v1/partners/${id}/invoices`);
      return (res.body as { items?: { status: string }[] }).items?.some((i) => i.status === 'open') || undefined;
    },
    `an open invoice for ${id}`,
    60_000,
  );
  return id;
}

async function setUpApplicant(): Promise<string> {
  const id = `bodies-applicant-${RUN}`;
  await register(id, registration(id, { tier: 'advanced', lookBackFrom: '2019-04-01' }), evidenceDoc('premier', id));
  await apply(id, 'premier');
  await eventually(
    async () => {
      const res = await getAs(`/v1/partners/${id}/upgrade-applications/1`);
      if ((res.body as { stage?: string }).stage === 'awaiting-readiness') return true;
      throw new Error(`application #1 answers ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
    },
    `application #1 of ${id} to await readiness`,
    60_000,
  );
  return id;
}

// ---------- state ----------

/** Everything a bad body could have changed, as the API shows it. */
async function snapshot(): Promise<unknown> {
  const partners = await getAs('/v1/partners?limit=500');
  const perPartner = await Promise.all(
    [invoiced, applicant].map(async (id) => {
      const [view, evidence, applications, invoices, cases, application] = await Promise.all(
        ['', '/evidence', '/upgrade-applications', '/invoices', '/cases', '/upgrade-applications/1'].map((suffix) =>
          getAs(`/v1/partners/${id}${suffix}`),
        ),
      );
      return {
        id,
        view: view!.body as unknown,
        evidenceVersion: (evidence!.body as { version?: number }).version,
        applications: applications!.body as unknown,
        invoices: invoices!.body as unknown,
        cases: cases!.body as unknown,
        application: application!.body as unknown,
      };
    }),
  );
  const [organizations, payer, advancePay, invitations, bills, billingView, paymentMethods, payments] =
    await Promise.all([
      getAs('/v1/organizations'),
      getAs(`/v1/accounts/${FEE_ACCOUNT}/payer`),
      getAs(`/v1/advance-pay/${FEE_ACCOUNT}`),
      getAs(`/v1/organizations/${RESELLER_ORG}/invitations`),
      getAs(`/v1/organizations/${RESELLER_ORG}/bills`),
      getAs(`/v1/accounts/${RESELLER_CUSTOMER}/billing`),
      getAs(`/v1/accounts/${FEE_ACCOUNT}/payment-methods`),
      getAs(`/v1/partners/${invoiced}/payments`),
    ]);
  return {
    partners: partners.body as unknown,
    perPartner,
    organizations: organizations.body as unknown,
    payer: payer.body as unknown,
    advancePay: { status: advancePay.status, body: advancePay.body as unknown },
    reseller: [invitations, bills, billingView].map((r) => ({ status: r.status, body: r.body as unknown })),
    paymentMethods: paymentMethods.body as unknown,
    payments: { status: payments.status, body: payments.body as unknown },
  };
}

/** A snapshot taken once two reads a moment apart agree: activities of the set-up may still be landing. */
async function settledSnapshot(): Promise<unknown> {
  let previous = await snapshot();
  return eventually(
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const current = await snapshot();
      const same = JSON.stringify(current) === JSON.stringify(previous);
      previous = current;
      return same ? current : undefined;
    },
    'the partners to settle',
    60_000,
  );
}

// ---------- the endpoints ----------

interface BodyEndpoint {
  op: string;
  role: Role;
  url(): string;
  /** The partner the caller acts for. */
  partner(): string;
  schema: z.ZodType;
  /** A body the schema accepts; the mutations start from it. */
  valid: unknown;
}

const SAMPLE_ITEMS: Record<ItemKind, Record<string, unknown>> = {
  individuals: {
    id: 'u-new',
    registeredOn: '2018-01-01',
    leftOn: null,
    credentials: [{ type: 'accreditation', name: 'technical-professional', earnedOn: '2018-02-01' }],
  },
  credentials: {
    individualId: 'u-0',
    registeredOn: '2018-01-01',
    type: 'certification',
    name: 'solutions-architect-associate',
    level: 'associate',
    earnedOn: '2019-01-10',
    expiresOn: '2022-01-10',
  },
  opportunities: { id: 'o-new', status: 'launched', launchedOn: '2019-06-01', estimatedMrr: 600, source: 'partner' },
  references: {
    id: 'r-new',
    customer: 'Acme',
    public: true,
    source: 'public-reference-tool',
    designatedOn: '2019-04-01',
    approvedOn: '2019-04-08',
    status: 'approved',
    url: 'https://example.com/case-study',
  },
  'csat-responses': {
    id: 'c-new',
    customer: 'Acme',
    submittedOn: '2019-05-05',
    origin: 'rate-this-partner',
    emailConfirmed: true,
    awsCustomerVerified: true,
  },
  validations: { program: 'competency', name: 'Migration', achievedOn: '2018-11-01', expiresOn: '2020-11-01' },
  'direct-revenue': {
    accountId: '210987654321',
    domain: 'example.com',
    month: '2019-05',
    billed: 1200.5,
    kind: 'usage',
    credits: [{ type: 'MAP Credit', amount: 100 }],
  },
  'product-listings': { id: 'p-new', name: 'Widget', status: 'GA', listedOn: '2019-01-01', expiresOn: null },
  'legacy-revenue-submissions': { accountId: '210987654321', submittedOn: '2019-02-01' },
};

const onInvoiced = (suffix: string) => () => `/v1/partners/${invoiced}${suffix}`;
const onApplicant = (suffix: string) => () => `/v1/partners/${applicant}${suffix}`;

const ENDPOINTS: BodyEndpoint[] = [
  {
    op: 'POST /v1/partners',
    role: 'program-admin',
    url: () => '/v1/partners',
    partner: () => invoiced,
    schema: RegisterPartnerBody,
    valid: registration(`bodies-new-${RUN}`, { lookBackFrom: '2019-04-01' }),
  },
  {
    op: 'PUT /v1/partners/{id}/evidence',
    role: 'evidence-feed',
    url: onInvoiced('/evidence'),
    partner: () => invoiced,
    schema: PartnerEvidenceSchema,
    valid: { ...evidenceDoc('select', 'put'), domains: ['example.com'], tier: 'select' },
  },
  ...ITEM_KINDS.map((kind): BodyEndpoint => ({
    op: `POST /v1/partners/{id}/evidence/${kind}`,
    role: 'evidence-feed',
    url: onInvoiced(`/evidence/${kind}`),
    partner: () => invoiced,
    schema: ITEM_KIND_SPECS[kind].schema,
    valid: SAMPLE_ITEMS[kind],
  })),
  {
    op: 'POST /v1/partners/{id}/upgrade-applications',
    role: 'alliance-lead',
    url: onInvoiced('/upgrade-applications'),
    partner: () => invoiced,
    schema: ApplyBody,
    valid: { targetTier: 'advanced', feeAccountId: FEE_ACCOUNT },
  },
  {
    op: 'POST /v1/partners/{id}/upgrade-applications/{appId}/readiness-assessment',
    role: 'partner-manager',
    url: onApplicant('/upgrade-applications/1/readiness-assessment'),
    partner: () => applicant,
    schema: ReadinessBody,
    valid: { outcome: 'passed', notes: 'strong practice' },
  },
  {
    op: 'POST /v1/partners/{id}/upgrade-applications/{appId}/ebr-outcome',
    role: 'partner-manager',
    url: onApplicant('/upgrade-applications/1/ebr-outcome'),
    partner: () => applicant,
    schema: EbrOutcomeBody,
    valid: { outcome: 'approved', notes: 'well prepared' },
  },
  {
    op: 'POST /v1/partners/{id}/fee-payments',
    role: 'partner-manager',
    url: onInvoiced('/fee-payments'),
    partner: () => invoiced,
    schema: PaymentBody,
    valid: { amount: 2500 },
  },
  {
    op: 'POST /v1/partners/{id}/fee-extensions',
    role: 'partner-manager',
    url: onInvoiced('/fee-extensions'),
    partner: () => invoiced,
    schema: ExtensionBody,
    valid: { days: 10 },
  },
  {
    op: 'POST /v1/partners/{id}/cancellation-cases',
    role: 'alliance-lead',
    url: onInvoiced('/cancellation-cases'),
    partner: () => invoiced,
    schema: CancellationBody,
    valid: { reason: 'moving to another program' },
  },
  {
    op: 'POST /v1/partners/{id}/tier-reinstatements',
    role: 'partner-manager',
    url: onInvoiced('/tier-reinstatements'),
    partner: () => invoiced,
    schema: ReinstatementBody,
    valid: {},
  },
  {
    op: 'POST /v1/partners/{id}/cases/{caseNumber}/decision',
    role: 'partner-manager',
    url: onInvoiced('/cases/1/decision'),
    partner: () => invoiced,
    schema: CaseDecisionBody,
    valid: { decision: 'keep', reason: 'the payment run is late' },
  },
  {
    op: 'POST /v1/partners/{id}/incidents/{incidentId}/resolution',
    role: 'program-admin',
    url: onInvoiced('/incidents/1/resolution'),
    partner: () => invoiced,
    schema: IncidentResolutionBody,
    valid: { action: 'dismiss', note: 'handled by hand' },
  },
  {
    op: 'POST /v1/organizations',
    role: 'program-admin',
    url: () => '/v1/organizations',
    partner: () => invoiced,
    schema: CreateOrganizationBody,
    valid: { id: `bodies-org-${RUN}`, name: 'Bodies Org', managementAccountId: '210987654321', reseller: true },
  },
  {
    op: 'POST /v1/organizations/{orgId}/members',
    role: 'program-admin',
    url: () => `/v1/organizations/bodies-org-${RUN}/members`,
    partner: () => invoiced,
    schema: AddMemberBody,
    valid: { accountId: FEE_ACCOUNT, joinedOn: '2019-02-01' },
  },
  {
    op: 'POST /v1/organizations/{orgId}/reseller-billing',
    role: 'program-admin',
    url: () => `/v1/organizations/${RESELLER_ORG}/reseller-billing`,
    partner: () => invoiced,
    schema: EnrolmentBody,
    valid: { partnerId: 'bodies-partner', discountPercent: 2.5, billingFrom: '2019-10' },
  },
  {
    op: 'POST /v1/organizations/{orgId}/invitations',
    role: 'program-admin',
    url: () => `/v1/organizations/${RESELLER_ORG}/invitations`,
    partner: () => invoiced,
    schema: InvitationBody,
    valid: { accountId: '210987654322' },
  },
  {
    op: 'PUT /v1/accounts/{accountId}/usage/{month}',
    role: 'program-admin',
    url: () => `/v1/accounts/${RESELLER_CUSTOMER}/usage/2019-10`,
    partner: () => invoiced,
    schema: UsageBody,
    valid: { items: [{ service: 'Amazon EC2', amount: 10.5 }] },
  },
  {
    op: 'POST /v1/organizations/{orgId}/bills',
    role: 'program-admin',
    url: () => `/v1/organizations/${RESELLER_ORG}/bills`,
    partner: () => invoiced,
    schema: CloseMonthBody,
    valid: { month: '2019-09' },
  },
  {
    op: 'POST /v1/organizations/{orgId}/bills/{month}/payment',
    role: 'program-admin',
    url: () => `/v1/organizations/${RESELLER_ORG}/bills/2019-09/payment`,
    partner: () => invoiced,
    schema: BillPaymentBody,
    valid: { amount: 10 },
  },
  {
    op: 'POST /v1/advance-pay/{accountId}',
    role: 'program-admin',
    url: () => `/v1/advance-pay/${FEE_ACCOUNT}`,
    partner: () => invoiced,
    schema: RegisterAdvancePayBody,
    valid: { registeredOn: '2019-10-01' },
  },
  {
    op: 'POST /v1/advance-pay/{accountId}/funding-documents',
    role: 'program-admin',
    url: () => `/v1/advance-pay/${FEE_ACCOUNT}/funding-documents`,
    partner: () => invoiced,
    schema: FundingDocumentBody,
    valid: { amount: 3000, method: 'eft', issuedOn: '2019-10-01' },
  },
  {
    op: 'POST /v1/advance-pay/{accountId}/transfers',
    role: 'program-admin',
    url: () => `/v1/advance-pay/${FEE_ACCOUNT}/transfers`,
    partner: () => invoiced,
    schema: TransferBody,
    valid: { reference: 'AP-ABCDEFGH2345', amount: 3000, receivedOn: '2019-10-02' },
  },
  {
    op: 'PUT /v1/accounts/{accountId}/payment-methods',
    role: 'program-admin',
    url: () => `/v1/accounts/${FEE_ACCOUNT}/payment-methods`,
    partner: () => invoiced,
    schema: PaymentMethodsBody,
    valid: { methods: ['card', 'sepa-direct-debit'] },
  },
  {
    op: 'POST /v1/partners/{id}/payments',
    role: 'alliance-lead',
    url: onInvoiced('/payments'),
    partner: () => invoiced,
    schema: InvoicePaymentBody,
    valid: {
      invoiceId: 'bodies/invoice/2019',
      payerAccountId: FEE_ACCOUNT,
      amount: 2500,
      method: 'card',
      paidOn: '2019-10-02',
    },
  },
  {
    op: 'POST /v1/payments/{paymentId}/processing',
    role: 'program-admin',
    url: () => '/v1/payments/PAY-ABCDEFGH2345/processing',
    partner: () => invoiced,
    schema: PaymentOutcomeBody,
    valid: { outcome: 'failed', reason: 'insufficient funds', processedOn: '2019-10-02' },
  },
  {
    op: 'POST /v1/scorecards/evaluate',
    role: 'alliance-team',
    url: () => '/v1/scorecards/evaluate',
    partner: () => invoiced,
    schema: EvaluateBody,
    valid: { asOf: BUSINESS_DATE, evidence: evidenceDoc('premier', 'what-if') },
  },
];

// ---------- generators ----------

type Path = (string | number)[];
const REMOVE = Symbol('remove');

/** Every path to a field or item inside `value`. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...pathsOf(v, [...prefix, i])]);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
  }
  return [];
}

/** Paths to the objects inside `value` (the root included). */
function objectPathsOf(value: unknown): Path[] {
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  return [...(isObject(value) ? [[]] : []), ...pathsOf(value).filter((p) => isObject(valueAt(value, p)))];
}

function valueAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<string | number, unknown>)[key], value);
}

/** A copy of `value` with the field at `path` replaced (or removed). */
function withAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  const parent = valueAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (replacement !== REMOVE) parent[last] = replacement;
  else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
  return copy;
}

/** What the server receives: the value after a JSON round trip (NaN → null, -0 → 0, undefined dropped). */
const overTheWire = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null') as unknown;

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(
    null,
    true,
    0,
    -1,
    -0.001,
    0.005,
    1e21,
    31,
    Number.MAX_SAFE_INTEGER,
    '',
    ' ',
    'x'.repeat(5_000),
    '2019-02-30',
    '2019-13-01',
    '19-10-02',
    '2019-10',
    'PREMIER',
    '12345678901',
    '1234567890123',
    'not a url',
    [],
    {},
    [null],
  ),
  fc.string(),
  fc.integer(),
  fc.double(),
);

/** Bodies around the endpoint's valid one; the property keeps those its schema rejects. */
function bodiesFor(endpoint: BodyEndpoint): fc.Arbitrary<unknown> {
  const { valid, schema } = endpoint;
  const options: fc.Arbitrary<unknown>[] = [
    fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
    fc.array(fc.jsonValue({ maxDepth: 3 })),
  ];
  const paths = pathsOf(valid);
  if (paths.length > 0) {
    options.push(fc.tuple(fc.constantFrom(...paths), wrongValue).map(([path, v]) => withAt(valid, path, v)));
    options.push(fc.constantFrom(...paths).map((path) => withAt(valid, path, REMOVE)));
  }
  // Unknown keys only where the schema refuses them (the evidence schemas drop them instead).
  const closed = objectPathsOf(valid).filter((p) => !schema.safeParse(withAt(valid, [...p, 'unknownKey'], 1)).success);
  if (closed.length > 0) {
    options.push(
      fc
        .tuple(fc.constantFrom(...closed), fc.string({ minLength: 1 }), fc.jsonValue({ maxDepth: 2 }))
        .map(([path, key, v]) => withAt(valid, [...path, key], v)),
    );
  }
  return fc.oneof(...options).map(overTheWire);
}

// ---------- assertions ----------

function expectRefused(res: Response, pathPrefix: RegExp): void {
  const seen = { status: res.status, body: res.body as unknown };
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(seen).toMatchObject({ status: 400 });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const errors = (res.body as { errors?: { path: unknown; message: unknown }[] }).errors;
  expect(seen).toMatchObject({ body: { errors: expect.any(Array) } });
  expect(errors!.length).toBeGreaterThan(0);
  for (const issue of errors!) {
    expect(issue).toEqual({ path: expect.stringMatching(pathPrefix), message: expect.any(String) });
    expect(issue.message).not.toBe('');
  }
}

async function sendJson(endpoint: BodyEndpoint, body: unknown): Promise<Response> {
  const method = endpoint.op.startsWith('PUT') ? 'put' : 'post';
  return request(h.app)
    [method](endpoint.url())
    .set('Authorization', await authAs(endpoint.role, endpoint.partner()))
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
}

// ---------- the suite ----------

beforeAll(async () => {
  h = await startApiHarness({ businessDate: BUSINESS_DATE });
  [invoiced, applicant] = await Promise.all([setUpInvoiced(), setUpApplicant()]);
  await h.store.createOrganization({
    id: RESELLER_ORG,
    name: 'Bodies Reseller',
    managementAccountId: '210987654324',
    reseller: true,
    on: BUSINESS_DATE,
  });
  await h.store.reseller.enrol({
    organizationId: RESELLER_ORG,
    partnerId: invoiced,
    discountBasisPoints: 0,
    billingFrom: '2019-10',
    enrolledOn: BUSINESS_DATE,
  });
  await h.store.addOrganizationMember(RESELLER_ORG, RESELLER_CUSTOMER, BUSINESS_DATE);
}, 300_000);
afterAll(async () => {
  await h?.teardown();
});

test('every valid body the mutations start from is valid for its schema', () => {
  for (const endpoint of ENDPOINTS) {
    const parsed = endpoint.schema.safeParse(endpoint.valid);
    expect({ op: endpoint.op, issues: parsed.error?.issues ?? [] }).toEqual({ op: endpoint.op, issues: [] });
  }
});

test.each(ENDPOINTS.map((endpoint) => [endpoint.op, endpoint] as const))(
  '%s: bodies its schema rejects get 400 with every issue at its path, and change nothing',
  async (_op, endpoint) => {
    const before = await settledSnapshot();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(bodiesFor(endpoint), async (body) => {
        fc.pre(!endpoint.schema.safeParse(body).success);
        sent += 1;
        expectRefused(await sendJson(endpoint, body), /^body/);
      }),
      { numRuns: NUM_RUNS },
    );
    expect(sent).toBeGreaterThanOrEqual(NUM_RUNS);
    expect(await snapshot()).toEqual(before);
  },
);

test('a JSON scalar body (null, a boolean, a number, a string) gets 400 naming `body`, and changes nothing', async () => {
  const before = await settledSnapshot();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ENDPOINTS.map((endpoint) => endpoint.op)),
      fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.string()).map(overTheWire),
      async (op, body) => {
        expectRefused(
          await sendJson(
            ENDPOINTS.find((endpoint) => endpoint.op === op)!,
            body,
          ),
          /^body$/,
        );
      },
    ),
    { numRuns: 40 },
  );
  expect(await snapshot()).toEqual(before);
});

// ---------- CSV ----------

const VALID_CSV: { kind: ItemKind; rows: string[][] }[] = [
  {
    kind: 'opportunities',
    rows: [
      ['Opportunity ID', 'Status', 'Launched On', 'Estimated MRR', 'Source'],
      ['o-csv-1', 'launched', '2019-06-01', '600', 'partner'],
      ['o-csv-2', 'approved', '', '1200.50', 'AWS Referral'],
    ],
  },
  {
    kind: 'csat-responses',
    rows: [
      ['Response ID', 'Customer', 'Submitted On', 'Origin', 'Email Confirmed', 'AWS Customer Verified'],
      ['c-csv-1', 'Acme', '2019-05-05', 'rate-this-partner', 'true', 'true'],
    ],
  },
  {
    kind: 'legacy-revenue-submissions',
    rows: [
      ['AWS Account ID', 'Submitted On'],
      ['210987654321', '2019-02-01'],
    ],
  },
];

const csvOf = (rows: string[][]) => `${rows.map((r) => r.join(',')).join('\n')}\n`;

const CSV_TOKENS = [
  ',',
  '"',
  '\n',
  '\r\n',
  ' ',
  ';',
  'Opportunity ID',
  'Status',
  'launched',
  '2019-06-01',
  '600',
  'o-1',
];

/** A kind and a CSV text: arbitrary text, CSV-ish token soup, or a valid file with one cell or row broken. */
const csvBodies: fc.Arbitrary<{ kind: ItemKind; text: string }> = fc.oneof(
  fc.record({ kind: fc.constantFrom(...ITEM_KINDS), text: fc.string({ unit: 'grapheme', maxLength: 300 }) }),
  fc.record({
    kind: fc.constantFrom(...ITEM_KINDS),
    text: fc.array(fc.constantFrom(...CSV_TOKENS), { maxLength: 40 }).map((parts) => parts.join('')),
  }),
  fc
    .tuple(
      fc.constantFrom(...VALID_CSV),
      fc.nat(),
      fc.nat(),
      fc.oneof(fc.string({ unit: 'grapheme' }), wrongValue.map(String)),
    )
    .map(([{ kind, rows }, r, c, cell]) => {
      const copy = rows.map((row) => [...row]);
      const row = copy[r % copy.length]!;
      row[c % row.length] = cell;
      return { kind, text: csvOf(copy) };
    }),
  fc.tuple(fc.constantFrom(...VALID_CSV), fc.nat()).map(([{ kind, rows }, r]) => {
    const copy = rows.map((row) => [...row]);
    copy[r % copy.length]!.pop();
    return { kind, text: csvOf(copy) };
  }),
);

test('POST /v1/partners/{id}/evidence/import: CSV the reader rejects gets 400 naming rows and columns, and changes nothing', async () => {
  for (const { kind, rows } of VALID_CSV) expect(parseCsvItems(kind, csvOf(rows))).toMatchObject({ ok: true });
  const before = await settledSnapshot();
  const feed = await authAs('evidence-feed', invoiced);
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(csvBodies, fc.constantFrom('merge', 'replace'), async ({ kind, text }, mode) => {
      fc.pre(!parseCsvItems(kind, text).ok);
      sent += 1;
      const res = await request(h.app)
        .post(`/v1/partners/${invoiced}/evidence/import?kind=${kind}&mode=${mode}`)
        .set('Authorization', feed)
        .set('Content-Type', 'text/csv')
        .send(text);
      expectRefused(res, /\S/);
    }),
    { numRuns: 40 },
  );
  expect(sent).toBeGreaterThanOrEqual(40);
  expect(await snapshot()).toEqual(before);
});
