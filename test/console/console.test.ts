/** @jest-environment ./test/store/pglite-environment.ts */
/**
 * The web console in a real Chromium against the real app (Temporal dev server, worker, PGlite) on business date
 * 2019-10-02, inside the Q3 2019 EBR window (R-EBR). Each role signs in through its console link; a Partner Manager
 * walks a Premier application from readiness to an approved EBR and sees the tier change (R-PREMIER); an Alliance
 * Lead uploads evidence as CSV and sees the API's row errors against the rows; a Partner Manager grants a fee
 * extension and records a payment (R-FEE, R-GRACE); the partners table says which partner needs attention; a program
 * admin retries an incident and a Partner Manager decides a fee-unpaid case, both refused in words by the real API
 * here (no partner of this run has an incident or a day-90 case, so the incident and the needs-attention stage are
 * added to the API's answers in the page); every role sees what the API lets it see and 403s for the rest. Every page passes axe-core (no serious or critical violation) and is saved as a
 * screenshot under test-artifacts/console/.
 */
import type { Page } from 'playwright-core';
import { emptyEvidence, mergeEvidence } from '../../src/domain/evidence';
import { eventually, request, startApiHarness, type ApiHarness } from '../api/harness';
import { consultingEvidence } from '../support/evidence';
import { buildConsole, checkPage, startConsole, type ConsoleUnderTest } from './browser';

jest.setTimeout(240_000);

const RUN = Date.now().toString(36);
const FEE_ACCOUNT = '123456789012';
const PM = 'pm-7';
/** The Premier applicant, a partner managed by someone else, and the partner whose lead uploads evidence. */
const STAR = `star-${RUN}`;
const OTHER = `other-${RUN}`;
const UPLOADER = `uploader-${RUN}`;
const PAYER = `payer-${RUN}`;

/**
 * How long a workflow step may take to show in the page: seconds alone, but the full suite runs beside it on two
 * cores (the fuzzer, other dev servers) and a step then waits its turn.
 */
const SETTLE_MS = 90_000;

let h: ApiHarness;
let ui: ConsoleUnderTest;

async function putEvidence(id: string, level: 'select' | 'premier'): Promise<void> {
  const evidence = mergeEvidence(emptyEvidence('consulting'), consultingEvidence(level, '2019-03-15', id));
  const put = await request(h.app)
    .put(`/v1/partners/${id}/evidence`)
    .set('Authorization', await h.auth('evidence-feed', 'feed'))
    .send(evidence);
  expect(put.status).toBe(200);
}

async function register(id: string, name: string, managers: string[], extra: object = {}): Promise<void> {
  const res = await request(h.app)
    .post('/v1/partners')
    .set('Authorization', await h.auth('program-admin', 'admin-1'))
    .send({
      id,
      name,
      track: 'consulting',
      tier: 'advanced',
      renewalDate: '12-15',
      country: 'US',
      feeAccountId: FEE_ACCOUNT,
      allianceLeadId: `lead@${id}`,
      partnerManagerIds: managers,
      ...extra,
    });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  const distDir = buildConsole();
  h = await startApiHarness({
    businessDate: '2019-10-02',
    console: { distDir, temporalUiUrl: 'http://localhost:8233', temporalNamespace: 'default' },
  });
  ui = await startConsole(h, distDir);
  await register(STAR, 'Star Cloud', [PM], { lookBackFrom: '2019-04-01' });
  await register(OTHER, 'Other Systems', ['pm-other']);
  await register(UPLOADER, 'Uploader Labs', [PM]);
  await register(PAYER, 'Payer Works', [PM], { tier: 'registered' });
  await putEvidence(STAR, 'premier');
  await putEvidence(PAYER, 'select');
});

afterAll(async () => {
  await ui?.close();
  await h?.teardown();
});

const main = (page: Page) => page.locator('main');

/**
 * Opens (or reloads) the partner page. A `goto` to the URL the page is already on changes only the #fragment, so
 * the app would not fetch again: a poll waiting for a workflow step would look at the first answer for ever (CI
 * caught it when the first look came before the upgrade invoice existed).
 */
// Waits on "Loading" use `.last()`: a panel may show two at once (invoices and cases), which a strict locator refuses;
// the last match is detached only when none is left.
async function openPartner(page: Page, id: string): Promise<void> {
  const url = `${ui.baseUrl}/console/#/partners/${id}`;
  if (page.url() === url) await page.reload();
  else await page.goto(url);
  await page
    .locator('#overview')
    .getByText(/Loading/)
    .last()
    .waitFor({ state: 'detached' });
}

test('every role signs in through its console link; the token leaves the address bar at once', async () => {
  const signedOut = await ui.browser.newContext();
  const blank = await signedOut.newPage();
  await blank.goto(`${ui.baseUrl}/console/`);
  await blank.getByRole('heading', { name: 'Sign in' }).waitFor();
  await checkPage(blank, 'sign-in');
  await signedOut.close();

  const roles = [
    ['program-admin', 'admin-1', undefined, 'Partners'],
    ['partner-manager', PM, undefined, 'Partners'],
    ['alliance-lead', `lead@${STAR}`, STAR, 'Star Cloud'],
    ['alliance-team', `team@${STAR}`, STAR, 'Star Cloud'],
    ['evidence-feed', 'feed', undefined, 'Welcome'],
  ] as const;
  for (const [role, sub, partner, heading] of roles) {
    const { context, page } = await ui.signIn(role, sub, partner);
    await expect(page.getByTestId('who').textContent()).resolves.toContain(role);
    expect(page.url()).not.toContain('token=');
    await main(page)
      .getByRole('heading', { level: 1, name: new RegExp(heading) })
      .waitFor();
    await context.close();
  }
});

test('a role sees only what the API lets it see: the partner manager’s partners, 403 for the others', async () => {
  const admin = await ui.signIn('program-admin', 'admin-1');
  await admin.page.getByRole('link', { name: 'Other Systems' }).waitFor();
  await admin.page.getByRole('link', { name: 'Star Cloud' }).waitFor();
  await checkPage(admin.page, 'partners-program-admin');
  await admin.context.close();

  const { context, page } = await ui.signIn('partner-manager', PM);
  await page.getByRole('link', { name: 'Star Cloud' }).waitFor();
  await page.getByRole('link', { name: 'Uploader Labs' }).waitFor();
  await expect(page.getByRole('link', { name: 'Other Systems' }).count()).resolves.toBe(0);
  // Filters go to the API as its query parameters.
  await page.getByLabel('Per page').selectOption('10');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.getByText(/Page 1: 3 partners/).waitFor();
  await checkPage(page, 'partners-partner-manager');

  await openPartner(page, OTHER);
  await main(page).getByText(`partner '${OTHER}' is not assigned to partner manager '${PM}'`).waitFor();
  await expect(main(page).getByText('Not allowed (403)').count()).resolves.toBe(1);
  await expect(main(page).getByRole('form').count()).resolves.toBe(0);
  await checkPage(page, 'partner-forbidden');
  await context.close();

  const lead = await ui.signIn('alliance-lead', `lead@${STAR}`, STAR);
  await expect(lead.page.getByRole('link', { name: 'Partners' }).count()).resolves.toBe(0);
  await lead.page.goto(`${ui.baseUrl}/console/#/partners`);
  await lead.page.getByText('Not allowed (403)').waitFor();
  await lead.page.getByText(/role 'alliance-lead' may not list partners/).waitFor();
  await openPartner(lead.page, OTHER);
  await lead.page.getByText(`you act for partner '${STAR}', not '${OTHER}'`).waitFor();
  await lead.context.close();
});

test('R-PREMIER, R-EBR: the Alliance Lead applies for Premier; the Partner Manager records readiness and approves the EBR; the partner page shows Premier', async () => {
  // The Alliance Lead applies; a double click sends one application.
  const lead = await ui.signIn('alliance-lead', `lead@${STAR}`, STAR);
  await lead.page.getByRole('heading', { name: /Star Cloud/ }).waitFor();
  await lead.page.getByLabel(/Fee account/).fill(FEE_ACCOUNT);
  await lead.page.getByRole('button', { name: 'Apply for Premier' }).dblclick();
  await lead.page.getByText(/Application #1 submitted/).waitFor();
  await lead.page.getByRole('heading', { name: /Application #1: Premier/ }).waitFor();
  await expect(lead.page.getByText(/\(409\)/).count()).resolves.toBe(0);
  const listed = await request(h.app)
    .get(`/v1/partners/${STAR}/upgrade-applications`)
    .set('Authorization', await h.auth('alliance-lead', `lead@${STAR}`, STAR));
  expect(listed.body.items).toHaveLength(1);
  await lead.context.close();

  const { context, page } = await ui.signIn('partner-manager', PM);
  await eventually(
    async () => {
      await openPartner(page, STAR);
      const heading = page.getByRole('heading', { name: /Application #1: Premier/ });
      await heading.waitFor();
      return /awaiting-readiness/.test((await heading.textContent()) ?? '') ? true : undefined;
    },
    'the application to await readiness',
    SETTLE_MS,
  );
  await page.getByText(/Sustained Premier attainment: [6-9] of 6 months/).waitFor();
  await checkPage(page, 'partner-awaiting-readiness');

  // An EBR outcome before any EBR is scheduled: refused in words, and the form keeps what was typed.
  const outcome = page.getByRole('form', { name: 'EBR outcome' });
  await outcome.getByLabel('Notes').fill('too early');
  await outcome.getByRole('button', { name: 'Record ebr outcome' }).click();
  await outcome.getByText('The current state forbids this (409)').waitFor();
  await outcome.getByText(/no EBR is scheduled/).waitFor();
  await expect(outcome.getByLabel('Notes').inputValue()).resolves.toBe('too early');

  const readiness = page.getByRole('form', { name: 'Readiness assessment' });
  await readiness.getByLabel('Notes').fill('strong practice');
  await readiness.getByRole('button', { name: 'Record readiness assessment' }).click();
  // The answer already shows the EBR scheduled (readiness is applied within the update).
  await readiness
    .getByText(/Application #1 is scheduled-for-ebr, EBR window 2019-Q3/)
    .first()
    .waitFor();

  await eventually(
    async () => {
      // The queue opens on the window of the business date (2019-10-02 falls in the 2019-Q3 window).
      await page.goto(`${ui.baseUrl}/console/#/ebrs`);
      await expect(page.getByRole('textbox', { name: 'EBR window' }).inputValue()).resolves.toBe('2019-Q3');
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page
        .getByText(/Loading/)
        .last()
        .waitFor({ state: 'detached' });
      return (await page.getByRole('link', { name: 'Star Cloud' }).count()) > 0 ? true : undefined;
    },
    'the EBR to be scheduled in 2019-Q3',
    SETTLE_MS,
  );
  await checkPage(page, 'ebr-queue');

  const ebr = page.getByRole('form', { name: 'EBR outcome' });
  await ebr.getByLabel('approved').check();
  await ebr.getByLabel('Notes').fill('well prepared');
  await ebr.getByRole('button', { name: 'Record ebr outcome' }).click();
  await ebr.getByText(/^Recorded\. Application #1 is/).waitFor();
  await ebr.getByText(/^Now: Application #1 is approved.*: approved on 2019-10-02/).waitFor();
  await checkPage(page, 'ebr-approved');

  await eventually(
    async () => {
      await openPartner(page, STAR);
      const tier = await page.locator('.tier-now').textContent();
      return tier === 'Premier' ? tier : undefined;
    },
    'the partner page to show Premier',
    SETTLE_MS,
  );
  await page.getByText(/Advanced → Premier \(.*by pm-7\)/).waitFor();
  await page.locator('.ladder-current', { hasText: 'Premier' }).waitFor();
  await page.locator('.timeline-chart circle').first().waitFor();
  await page.getByText(/Decision: approved on 2019-10-02 by pm-7/).waitFor();
  await checkPage(page, 'partner-premier');
  await context.close();
});

test('the Alliance Lead uploads a CSV with one bad row and sees its error against that row; the fixed file imports', async () => {
  const { context, page } = await ui.signIn('alliance-lead', `lead@${UPLOADER}`, UPLOADER);
  await page.getByRole('heading', { name: /Uploader Labs/ }).waitFor();
  const form = page.getByRole('form', { name: 'Import evidence from CSV' });
  await form.getByLabel(/^Kind/).selectOption('opportunities');
  const bad = [
    'Opportunity ID,Status,Launched On,Estimated MRR,Source',
    'o-1,launched,2019-06-01,600,partner',
    'o-2,launched,not-a-date,700,partner',
    'o-3,launched,2019-07-01,800,partner',
  ].join('\n');
  await form.getByLabel(/CSV text/).fill(bad);
  await form.getByRole('button', { name: 'Import opportunities' }).click();
  const badRow = form.locator('tr[data-row="3"]');
  await badRow.getByText(/row 3/).waitFor();
  await expect(form.locator('tr.csv-bad').count()).resolves.toBe(1);
  await expect(form.getByLabel(/CSV text/).inputValue()).resolves.toBe(bad);
  await checkPage(page, 'csv-row-error');

  await form.getByLabel(/CSV text/).fill(bad.replace('not-a-date', '2019-06-15'));
  await form.getByRole('button', { name: 'Import opportunities' }).click();
  await form.getByText(/Imported: 3 added, 0 updated, 0 removed/).waitFor();
  await context.close();
});

test('R-FEE, R-GRACE: after the Select upgrade is invoiced, the Partner Manager grants the extension (a retry after a lost answer replays it) and records the payment; a reinstatement with nothing to undo is refused in words', async () => {
  const lead = await ui.signIn('alliance-lead', `lead@${PAYER}`, PAYER);
  await lead.page.getByRole('button', { name: 'Apply for Select' }).click();
  await lead.page.getByText(/Application #1 submitted/).waitFor();
  await lead.context.close();

  const { context, page } = await ui.signIn('partner-manager', PM);
  await eventually(
    async () => {
      await openPartner(page, PAYER);
      const invoices = page.getByRole('table', { name: 'Invoices' });
      await page
        .locator('#fees')
        .getByText(/Loading/)
        .last()
        .waitFor({ state: 'detached' });
      // The invoice table reads the store's invoices and the tier the stored view, which the workflow writes at the end
      // of its turn: one look can catch the invoice before the view says Select, so both must be there.
      const select = page.locator('.tier-now', { hasText: 'Select' });
      if ((await invoices.getByText(/^open/).count()) > 0 && (await select.count()) > 0) return true;
      // Not there yet: say where the application and the partner stand, so a time-out explains itself.
      const admin = await h.auth('program-admin', 'admin-1');
      const application = await request(h.app)
        .get(`/v1/partners/${PAYER}/upgrade-applications/1`)
        .set('Authorization', admin);
      const view = await request(h.app).get(`/v1/partners/${PAYER}`).set('Authorization', admin);
      const lifecycle = (view.body as { lifecycle?: Record<string, unknown> | null }).lifecycle;
      throw new Error(
        `no open invoice and Select tier on the page; application ${application.status} ${JSON.stringify(application.body).slice(0, 400)}; ` +
          `lifecycle ${JSON.stringify({ tier: lifecycle?.tier, stage: lifecycle?.stage, invoice: lifecycle?.invoice, incidents: lifecycle?.incidents, waitingFor: lifecycle?.waitingFor })}`,
      );
    },
    'the upgrade invoice',
    SETTLE_MS,
  );
  await page.locator('.tier-now', { hasText: 'Select' }).waitFor();

  // The API grants the extension but its answer is lost on the way back: the retry of the same submission carries
  // the same Idempotency-Key, so the API replays its answer instead of refusing a second extension (R-GRACE: once).
  const keys: string[] = [];
  await page.route('**/v1/partners/*/fee-extensions', async (route) => {
    keys.push((await route.request().headerValue('idempotency-key')) ?? '');
    if (keys.length === 1) {
      await route.fetch();
      await route.abort('connectionreset');
    } else {
      await route.continue();
    }
  });
  const extension = page.getByRole('form', { name: 'Grant a fee extension' });
  await extension.getByRole('button', { name: 'Grant extension' }).click();
  await extension.getByText(/The engine could not be reached/).waitFor();
  await expect(extension.getByLabel(/Extra days/).inputValue()).resolves.toBe('30');
  await extension.getByRole('button', { name: 'Grant extension' }).click();
  await extension.getByText(/The fee deadline is now \d{4}-\d{2}-\d{2}\. \(already recorded/).waitFor();
  expect(keys).toHaveLength(2);
  expect(keys[0]).toMatch(/^console-/);
  expect(keys[1]).toBe(keys[0]);
  await page.unroute('**/v1/partners/*/fee-extensions');

  const reinstate = page.getByRole('form', { name: 'Reinstate the tier' });
  await reinstate.getByRole('button', { name: 'Reinstate tier' }).click();
  await reinstate.getByText('The current state forbids this (409)').waitFor();
  await reinstate.getByText(/no non-compliance case is open/).waitFor();

  const payment = page.getByRole('form', { name: 'Record a fee payment' });
  await expect(payment.getByLabel(/Amount paid/).inputValue()).resolves.toMatch(/^\d+(\.\d+)?$/);
  await payment.getByRole('button', { name: 'Record payment' }).dblclick();
  await payment.getByText(/Invoice .+ paid on 2019-10-02\./).waitFor();
  await expect(payment.getByText(/\(409\)/).count()).resolves.toBe(0);
  await page.getByRole('table', { name: 'Invoices' }).getByText('paid on 2019-10-02').waitFor();
  await checkPage(page, 'partner-fees');
  await context.close();
});

test('the partners table says in words whether a partner needs attention (an open incident)', async () => {
  const { context, page } = await ui.signIn('program-admin', 'admin-1');
  await page.getByRole('link', { name: 'Star Cloud' }).waitFor();
  await page.getByRole('columnheader', { name: 'Needs attention' }).waitFor();
  const star = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Star Cloud' }) });
  await expect(star.getByRole('cell').last().textContent()).resolves.toBe('no');

  // No partner of this run has an incident (that needs an activity failing for good): the list the API answers is
  // altered in the page so one row shows the needs-attention stage the workflow reports then.
  await page.route(
    (url) => url.pathname === '/v1/partners',
    async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { items: { id: string; lifecycleStage: string }[] };
      for (const p of body.items) if (p.id === OTHER) p.lifecycleStage = 'needs-attention';
      await route.fulfill({ response, json: body });
    },
  );
  // Another query, so the page asks the API again (the same filters are not reloaded).
  await page.getByLabel('Per page').selectOption('50');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const other = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Other Systems' }) });
  await other.getByText('yes: an incident is open').waitFor();
  await expect(star.getByRole('cell').last().textContent()).resolves.toBe('no');
  await checkPage(page, 'partners-needs-attention');
  await context.close();
});

test('incidents: the program admin sees the open incident and its Retry is refused in words when the workflow has none open', async () => {
  const { context, page } = await ui.signIn('program-admin', 'admin-1');
  // The incident is added to the partner view in the page (see above); the resolution goes to the real API.
  await page.route(`**/v1/partners/${OTHER}`, async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as { lifecycle: { stage: string; incidents?: unknown[] } | null };
    if (body.lifecycle) {
      body.lifecycle.stage = 'needs-attention';
      body.lifecycle.incidents = [
        {
          id: '1',
          step: 'renewal-fee',
          on: '2019-10-01',
          openedOn: '2019-10-01',
          activity: 'issueInvoice',
          errorType: 'BillingRejected',
          reason: 'the fee account is closed',
        },
      ];
    }
    await route.fulfill({ response, json: body });
  });
  const keys: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/incidents/1/resolution')) keys.push(r.headers()['idempotency-key'] ?? '');
  });
  await openPartner(page, OTHER);
  const incidents = page.locator('#incidents');
  const row = incidents.getByRole('row', { name: /#1/ });
  await row.getByText('renewal-fee').waitFor();
  await row.getByText('2019-10-01').waitFor();
  await row.getByText('issueInvoice').waitFor();
  await row.getByText(/the fee account is closed/).waitFor();
  const form = page.getByRole('form', { name: 'Resolve incident 1' });
  await form.getByRole('button', { name: 'Dismiss' }).waitFor();
  await form.getByLabel('Note').fill('account reopened');
  await form.getByRole('button', { name: 'Retry' }).click();
  await form.getByText('The current state forbids this (409)').waitFor();
  await form.getByText(/no open incident 1/).waitFor();
  await expect(form.getByLabel('Note').inputValue()).resolves.toBe('account reopened');
  expect(keys).toHaveLength(1);
  expect(keys[0]).toMatch(/^console-/);
  await checkPage(page, 'partner-incidents');
  await page.unroute(`**/v1/partners/${OTHER}`);
  await context.close();

  // Only program admins resolve incidents: the Partner Manager's page has no Retry.
  const pm = await ui.signIn('partner-manager', PM);
  await openPartner(pm.page, UPLOADER);
  await pm.page.locator('#incidents').getByText('No open incidents.').waitFor();
  await expect(pm.page.getByRole('button', { name: 'Retry' }).count()).resolves.toBe(0);
  await pm.context.close();
});

test('R-GRACE: the Partner Manager’s Decide form for a fee-unpaid case is refused in words when no such case is open, and keeps its input', async () => {
  const { context, page } = await ui.signIn('partner-manager', PM);
  await openPartner(page, UPLOADER);
  await page
    .locator('#fees')
    .getByText(/Loading/)
    .last()
    .waitFor({ state: 'detached' });
  const form = page.getByRole('form', { name: 'Decide a fee-unpaid case' });
  await form.getByText(/No fee-unpaid case is open/).waitFor();
  await form.getByLabel('Case number').fill('1');
  await form.getByLabel('downgrade').check();
  await form.getByLabel(/Reason/).fill('no answer from the partner');
  await form.getByRole('button', { name: 'Decide' }).click();
  await form.getByText('The current state forbids this (409)').waitFor();
  await form.getByText(`no case ${UPLOADER}/case/1 is open`).waitFor();
  await expect(form.getByLabel(/Reason/).inputValue()).resolves.toBe('no answer from the partner');
  await expect(form.getByLabel('downgrade').isChecked()).resolves.toBe(true);
  await checkPage(page, 'partner-decide-refused');
  await context.close();
});
