/** CSV import per item kind: Partner Central headers, value conversion, and every problem with its row and column. */
import fc from 'fast-check';
import { csvColumns, importCsv, MAX_CSV_ROWS, parseCsvItems } from '../../../src/domain/evidence';
import { ITEM_KINDS, type ItemKind } from '../../../src/domain/evidence';
import { PartnerEvidenceSchema, type PartnerEvidence, type ValidationIssue } from '../../../src/domain/evidence';

function items(kind: ItemKind, csv: string): unknown[] {
  const result = parseCsvItems(kind, csv);
  if (!result.ok) throw new Error(`expected items, got ${JSON.stringify(result.issues, null, 2)}`);
  return result.items;
}

function issues(kind: ItemKind, csv: string): ValidationIssue[] {
  const result = parseCsvItems(kind, csv);
  if (result.ok) throw new Error('expected issues');
  return result.issues;
}

function doc(input: Record<string, unknown> = {}): PartnerEvidence {
  return PartnerEvidenceSchema.parse({ track: 'consulting', ...input });
}

describe('opportunities CSV', () => {
  test('maps an ACE export: headers, US dates, enum case, dollar amounts', () => {
    const csv = `Opportunity ID,Stage,Launch Date,Estimated AWS Monthly Recurring Revenue,Opportunity Source
o-1,Launched,6/1/2019,"$1,200.50",Partner Referral
o-2,Closed Lost,,300,AWS-Tagged
`;

    expect(items('opportunities', csv)).toEqual([
      { id: 'o-1', status: 'launched', launchedOn: '2019-06-01', estimatedMrr: 1200.5, source: 'partner' },
      { id: 'o-2', status: 'closed-lost', launchedOn: null, estimatedMrr: 300, source: 'aws-tagged' },
    ]);
  });

  test('accepts our field names too, in any case and spacing', () => {
    const csv = 'ID,STATUS,launched_on,estimatedMrr,source\no-1,submitted,,10,marketplace';

    expect(items('opportunities', csv)).toEqual([
      { id: 'o-1', status: 'submitted', launchedOn: null, estimatedMrr: 10, source: 'marketplace' },
    ]);
  });

  test('reports every bad row with its row and column, not only the first', () => {
    const csv = `Opportunity ID,Stage,Launch Date,Estimated MRR,Source
o-1,launched,2019-13-01,100,partner
o-2,won,,abc,partner
o-3,launched,,100,partner
o-5,approved,,100,partner
o-5,approved,,200,partner`;

    expect(issues('opportunities', csv)).toEqual([
      { path: 'row 2 › Launch Date', message: "expected a date YYYY-MM-DD or MM/DD/YYYY, got '2019-13-01'" },
      { path: 'row 3 › Stage', message: expect.stringContaining('expected one of') },
      { path: 'row 3 › Estimated MRR', message: "expected an amount in USD, got 'abc'" },
      { path: 'row 4 › Launch Date', message: 'a launched opportunity needs launchedOn' },
      { path: 'row 6', message: "duplicate opportunities key 'o-5' (first at row 5)" },
    ]);
  });

  test('reports an unknown column with the accepted headers, and a missing required column once', () => {
    const csv = `Opportunity ID,Stage,Estimated MRR,Colour
o-1,submitted,10,blue
o-2,submitted,10,red`;

    const found = issues('opportunities', csv);

    expect(found).toEqual([
      { path: 'header › Colour', message: expect.stringContaining("unknown column 'Colour'") },
      { path: 'header', message: expect.stringContaining('missing required column source') },
    ]);
    expect(found[0]?.message).toContain('launchedOn (launchedOn / Launch Date / Launched On');
    expect(found[1]?.message).toContain('Opportunity Source');
  });

  test('refuses two columns that give the same field', () => {
    const csv = 'Opportunity ID,Stage,Status,Estimated MRR,Source\no-1,submitted,submitted,10,partner';

    expect(issues('opportunities', csv)).toEqual([
      { path: 'header › Status', message: "columns 'Stage' and 'Status' both give status; keep one" },
    ]);
  });

  test('reports a quote error with its line, and the bad rows around it', () => {
    const csv = `id,status,estimatedMrr,source
o-1,submitted,x,partner
o-2,"submitted"oops,10,partner
o-4,submitted,10,partner`;

    expect(issues('opportunities', csv)).toEqual([
      { path: 'row 2 › estimatedMrr', message: "expected an amount in USD, got 'x'" },
      { path: 'line 3', message: expect.stringMatching(/^malformed CSV: Invalid Closing Quote.*line 3/) },
      { path: 'line 4', message: expect.stringMatching(/^malformed CSV: Quote Not Closed/) },
    ]);
  });

  test('reports a row with more or fewer cells than the header', () => {
    const csv = 'id,status,estimatedMrr,source\no-1,submitted,10\no-2,submitted,10,partner,extra';

    expect(issues('opportunities', csv)).toEqual([
      { path: 'row 2', message: 'the row has 3 cells but the header has 4' },
      { path: 'row 3', message: 'the row has 5 cells but the header has 4' },
    ]);
  });

  test('names rows by file line: a quoted cell over two lines, blank lines and CRLF', () => {
    const csv = 'id,status,estimatedMrr,source\r\n"o-\r\n1",submitted,10,partner\r\n\r\no-2,submitted,-1,partner\r\n';

    expect(issues('opportunities', csv)).toEqual([
      { path: 'row 5 › estimatedMrr', message: 'amount must not be negative' },
    ]);
  });

  test('ignores trailing empty columns and blank rows', () => {
    const csv = '\uFEFFid,status,estimatedMrr,source,,\no-1,submitted,10,partner,,\n,,,,,\n';

    expect(items('opportunities', csv)).toHaveLength(1);
  });
});

describe('empty and oversized files', () => {
  test.each([
    ['an empty file', '', 'is empty'],
    ['a blank file', ' \n\n', 'is empty'],
    ['a header-only file', 'id,registeredOn\n', 'has a header but no rows'],
  ])('refuses %s with a clear issue', (_name, csv, message) => {
    expect(issues('individuals', csv)).toEqual([{ path: '(file)', message: expect.stringContaining(message) }]);
  });

  test(`refuses more than ${MAX_CSV_ROWS} rows`, () => {
    const csv = `accountId,submittedOn\n${'123456789012,2019-01-01\n'.repeat(MAX_CSV_ROWS + 1)}`;

    expect(issues('legacy-revenue-submissions', csv)).toEqual([
      { path: '(file)', message: expect.stringContaining(`more than ${MAX_CSV_ROWS} rows`) },
    ]);
  });
});

describe('credentials CSV (R-PEOPLE)', () => {
  const header = 'User ID,Registered On,Left On,Credential Type,Certification,Level,Date Earned,Expiration Date';

  test('maps the Partner Central training & certification report, one row per person and credential', () => {
    const csv = `${header}
u-1,03/01/2018,,Certification,AWS Certified Cloud Practitioner,FOUNDATIONAL,02/01/2019,02/01/2022
u-1,03/01/2018,,Accreditation,AWS Technical Professional,,2019-01-10,
u-2,2018-05-01,2020-01-31,certification,AWS Certified Solutions Architect - Professional,Professional,2019-02-01,`;

    expect(items('credentials', csv)).toEqual([
      {
        individualId: 'u-1',
        registeredOn: '2018-03-01',
        leftOn: null,
        type: 'certification',
        name: 'cloud-practitioner',
        level: 'foundational',
        earnedOn: '2019-02-01',
        expiresOn: '2022-02-01',
      },
      {
        individualId: 'u-1',
        registeredOn: '2018-03-01',
        leftOn: null,
        type: 'accreditation',
        name: 'technical-professional',
        earnedOn: '2019-01-10',
        expiresOn: null,
      },
      {
        individualId: 'u-2',
        registeredOn: '2018-05-01',
        leftOn: '2020-01-31',
        type: 'certification',
        name: 'solutions-architect-professional',
        level: 'professional',
        earnedOn: '2019-02-01',
        expiresOn: null,
      },
    ]);
  });

  test('reports rows of one individual that disagree on the registration or leaving date', () => {
    const csv = `${header}
u-1,2018-03-01,,Accreditation,technical-professional,,2019-01-10,
u-1,2018-04-01,2020-01-01,Accreditation,business-professional,,2019-01-10,`;

    expect(issues('credentials', csv)).toEqual([
      {
        path: 'row 3 › Registered On',
        message: "registeredOn 2018-04-01 disagrees with 2018-03-01 at row 2 for individual 'u-1'",
      },
      { path: 'row 3 › Left On', message: "leftOn 2020-01-01 disagrees with null at row 2 for individual 'u-1'" },
    ]);
  });

  test('rows that leave the registration date empty take their individual’s', () => {
    const csv = `${header}
u-1,2018-03-01,,Accreditation,technical-professional,,2019-01-10,
u-1,,,Accreditation,business-professional,,2019-01-10,`;

    expect(items('credentials', csv)).toEqual([
      expect.objectContaining({ registeredOn: '2018-03-01' }),
      expect.objectContaining({ registeredOn: '2018-03-01' }),
    ]);
  });

  test('R-FOUND: a foundational certification other than cloud-practitioner is reported at its column', () => {
    const csv = `${header}\nu-1,2018-03-01,,Certification,AWS Certified Developer,Foundational,2019-01-10,`;

    expect(issues('credentials', csv)).toEqual([
      { path: 'row 2 › Certification', message: expect.stringContaining('the only foundational certification') },
    ]);
  });
});

describe('other kinds', () => {
  test('direct revenue: dashed account IDs, MM/YYYY months and a Credits cell', () => {
    const csv = `AWS Account ID,Domain,Billing Month,Billed Amount,Revenue Type,Credits
1234-5678-9012,example.com,05/2019,1200,Reserved Instances,MAP Credit=100; Promotional Credit=20.5`;

    expect(items('direct-revenue', csv)).toEqual([
      {
        accountId: '123456789012',
        domain: 'example.com',
        month: '2019-05',
        billed: 1200,
        kind: 'reserved-instance',
        credits: [
          { type: 'MAP Credit', amount: 100 },
          { type: 'Promotional Credit', amount: 20.5 },
        ],
      },
    ]);
  });

  test('direct revenue: an account ID that lost its leading zeros and a malformed credit are reported', () => {
    const csv = `accountId,domain,month,billed,kind,credits
12345678901,example.com,2019-05,1,usage,MAP Credit`;

    expect(issues('direct-revenue', csv)).toEqual([
      { path: 'row 2 › accountId', message: expect.stringContaining('dropped leading zeros') },
      { path: 'row 2 › credits', message: "expected credits as type=amount;type=amount, got 'MAP Credit'" },
    ]);
  });

  test('references and CSAT: booleans as yes/no/1/0, and third-party survey data refused (FAQ 60)', () => {
    const refs = `Reference ID,Customer Name,Public,Reference Source,Designation Date,Status,URL
r-1,Acme,Yes,Public Reference Tool,04/01/2019,Approved,https://example.com/acme`;
    const csat = `Response ID,Customer,Submitted On,Origin,Email Confirmed,AWS Customer Verified
c-1,Acme,2019-05-05,Rate this Partner,1,no
c-2,Initech,2019-05-06,SurveyMonkey,maybe,yes`;

    expect(items('references', refs)).toEqual([
      expect.objectContaining({ public: true, source: 'public-reference-tool', designatedOn: '2019-04-01' }),
    ]);
    expect(issues('csat-responses', csat)).toEqual([
      { path: 'row 3 › Origin', message: expect.stringContaining('FAQ 60') },
      { path: 'row 3 › Email Confirmed', message: "expected true/false, yes/no or 1/0, got 'maybe'" },
    ]);
  });

  test('validations and product listings fold program and status names', () => {
    expect(
      items('validations', 'Program,Competency,Date Achieved\nMSP,,2019-01-01\nCompetency,DevOps,2019-01-01'),
    ).toEqual([
      { program: 'msp', name: null, achievedOn: '2019-01-01' },
      { program: 'competency', name: 'DevOps', achievedOn: '2019-01-01' },
    ]);
    expect(items('product-listings', 'Product ID,Listing Status,Listed On\np-1,ga,2019-01-01')).toEqual([
      { id: 'p-1', status: 'GA', listedOn: '2019-01-01' },
    ]);
  });
});

describe('importCsv', () => {
  const base = () =>
    doc({
      opportunities: [
        { id: 'o-1', status: 'submitted', estimatedMrr: 10, source: 'partner' },
        { id: 'o-2', status: 'submitted', estimatedMrr: 20, source: 'partner' },
      ],
    });
  const csv =
    'Opportunity ID,Stage,Launch Date,Estimated MRR,Source\no-1,Launched,06/01/2019,10,partner\no-3,approved,,5,partner';

  test('merge adds and updates by key, keeping the rest', () => {
    const result = importCsv(base(), 'opportunities', csv, 'merge');

    expect(result.ok && result.document.opportunities.map((o) => `${o.id}:${o.status}`)).toEqual([
      'o-1:launched',
      'o-2:submitted',
      'o-3:approved',
    ]);
  });

  test('replace makes the kind exactly the file', () => {
    const result = importCsv(base(), 'opportunities', csv, 'replace');

    expect(result.ok && result.document.opportunities.map((o) => o.id)).toEqual(['o-1', 'o-3']);
    expect(result).toMatchObject({ added: 1, updated: 1, removed: 1 });
  });

  test('R-PEOPLE: credentials of an individual unknown to the document are reported at the row and column', () => {
    const file =
      'User ID,Credential Type,Credential Name,Earned On\nu-9,accreditation,technical-professional,2019-01-01';

    expect(importCsv(doc(), 'credentials', file, 'merge')).toMatchObject({
      ok: false,
      reason: 'InvalidItem',
      issues: [{ path: 'row 2 › User ID', message: expect.stringContaining("individual 'u-9' not found") }],
    });
  });

  test('a file with problems changes nothing and reports them all', () => {
    const result = importCsv(base(), 'opportunities', 'id,status\no-1,nope', 'merge');

    expect(result).toMatchObject({ ok: false, reason: 'InvalidItem' });
    expect(!result.ok && result.issues.length).toBe(3);
  });
});

describe('csvColumns', () => {
  test.each(ITEM_KINDS)('%s: every header names one field only, and the field name comes first', (kind) => {
    const fieldOf = new Map<string, Set<string>>();
    for (const c of csvColumns(kind)) {
      expect(c.headers[0]).toBe(c.field);
      for (const h of c.headers) {
        const folded = h.toLowerCase().replace(/[^a-z0-9]/g, '');
        fieldOf.set(folded, (fieldOf.get(folded) ?? new Set()).add(c.field));
      }
    }

    expect([...fieldOf].filter(([, fields]) => fields.size > 1)).toEqual([]);
  });

  test('lists the Partner Central labels with the format of each column', () => {
    expect(csvColumns('opportunities')).toContainEqual({
      field: 'launchedOn',
      headers: ['launchedOn', 'Launch Date', 'Launched On', 'Launched Date'],
      required: false,
      format: 'date (YYYY-MM-DD or MM/DD/YYYY)',
    });
  });
});

describe('parseCsvItems never throws', () => {
  const csvish = fc.string({
    unit: fc.constantFrom(',', '"', '\n', '\r', ' ', 'a', '1', '/', '-', '=', ';', '\uFEFF', 'id', 'Stage', 'é'),
    maxLength: 80,
  });

  test('for arbitrary text, it returns items or at least one issue with a path and a message', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ITEM_KINDS), fc.oneof(fc.string(), csvish), (kind, text) => {
        const result = parseCsvItems(kind, text);
        if (result.ok) return Array.isArray(result.items);
        return result.issues.length > 0 && result.issues.every((i) => i.path !== '' && i.message !== '');
      }),
      { numRuns: 500 },
    );
  });

  test('for CSV-shaped text under a real header, every issue names a row, line, header or the file', () => {
    const header = 'id,status,launchedOn,estimatedMrr,source\n';
    const cell = fc.oneof(
      fc.constantFrom('', 'o-1', 'launched', '2019-06-01', '6/1/2019', '10', 'partner', '"'),
      fc.string(),
    );
    const row = fc.array(cell, { minLength: 3, maxLength: 6 }).map((cells) => cells.join(','));

    fc.assert(
      fc.property(fc.array(row, { maxLength: 5 }), (rows) => {
        const result = parseCsvItems('opportunities', header + rows.join('\n'));
        return result.ok || result.issues.every((i) => /^(row \d+|line \d+|header|\(file\))/.test(i.path));
      }),
      { numRuns: 300 },
    );
  });
});
