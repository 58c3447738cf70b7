/** Evidence items as data: add, remove and upsert items of each kind on a copy of the evidence document. */
import {
  addItem,
  ITEM_KIND_SPECS,
  ITEM_KINDS,
  removeItem,
  upsertItems,
  type ItemKind,
} from '../../../src/domain/evidence';
import { PartnerEvidenceSchema, type PartnerEvidence } from '../../../src/domain/evidence';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** One item of every kind, frozen so any mutation throws. */
function baseDoc(): PartnerEvidence {
  return deepFreeze(
    PartnerEvidenceSchema.parse({
      track: 'consulting',
      domains: ['example.com'],
      individuals: [
        {
          id: 'u-1',
          registeredOn: '2018-01-01',
          leftOn: null,
          credentials: [{ type: 'accreditation', name: 'technical-professional', earnedOn: '2019-01-10' }],
        },
      ],
      opportunities: [
        { id: 'o-1', status: 'launched', launchedOn: '2019-06-01', estimatedMrr: 600, source: 'partner' },
      ],
      legacyRevenueSubmissions: [{ accountId: '123456789012', submittedOn: '2019-02-01' }],
      directRevenue: [
        {
          accountId: '123456789012',
          domain: 'example.com',
          month: '2019-05',
          billed: 1200,
          kind: 'usage',
          credits: [],
        },
      ],
      productListings: [{ id: 'p-1', status: 'GA', listedOn: '2019-01-01' }],
      validations: [{ program: 'competency', name: 'DevOps', achievedOn: '2018-11-01', expiresOn: null }],
      references: [
        {
          id: 'r-1',
          customer: 'Acme',
          public: true,
          source: 'ace-opportunity',
          designatedOn: '2019-04-01',
          status: 'approved',
        },
      ],
      csatResponses: [
        {
          id: 'c-1',
          customer: 'Acme',
          submittedOn: '2019-05-05',
          origin: 'rate-this-partner',
          emailConfirmed: true,
          awsCustomerVerified: true,
        },
      ],
    }),
  );
}

/** A valid new item of each kind, its key, and the key of the item `baseDoc` already holds. */
const CASES: Record<ItemKind, { item: Record<string, unknown>; key: string; existingKey: string }> = {
  individuals: { item: { id: 'u-2', registeredOn: '2018-05-01' }, key: 'u-2', existingKey: 'u-1' },
  credentials: {
    item: {
      individualId: 'u-1',
      type: 'certification',
      name: 'solutions-architect-professional',
      level: 'professional',
      earnedOn: '2019-02-01',
    },
    key: 'u-1:solutions-architect-professional:2019-02-01',
    existingKey: 'u-1:technical-professional:2019-01-10',
  },
  opportunities: {
    item: { id: 'o-2', status: 'approved', estimatedMrr: 100, source: 'aws-referred' },
    key: 'o-2',
    existingKey: 'o-1',
  },
  references: {
    item: {
      id: 'r-2',
      customer: 'Initech',
      public: true,
      source: 'public-reference-tool',
      designatedOn: '2019-04-01',
      status: 'pending',
      url: 'https://example.com/initech',
    },
    key: 'r-2',
    existingKey: 'r-1',
  },
  'csat-responses': {
    item: {
      id: 'c-2',
      customer: 'Initech',
      submittedOn: '2019-06-01',
      origin: 'rate-this-partner',
      emailConfirmed: true,
      awsCustomerVerified: false,
    },
    key: 'c-2',
    existingKey: 'c-1',
  },
  validations: { item: { program: 'msp', achievedOn: '2019-01-01' }, key: 'msp:', existingKey: 'competency:DevOps' },
  'direct-revenue': {
    item: { accountId: '123456789012', domain: 'example.com', month: '2019-06', billed: 900, kind: 'usage' },
    key: '123456789012:2019-06:usage',
    existingKey: '123456789012:2019-05:usage',
  },
  'product-listings': {
    item: { id: 'p-2', status: 'beta', listedOn: '2019-03-01' },
    key: 'p-2',
    existingKey: 'p-1',
  },
  'legacy-revenue-submissions': {
    item: { accountId: '210987654321', submittedOn: '2019-03-01' },
    key: '210987654321:2019-03-01',
    existingKey: '123456789012:2019-02-01',
  },
};

/** The keys of a kind's items in a document. */
function keysOf(doc: PartnerEvidence, kind: ItemKind): string[] {
  if (kind === 'credentials') {
    return doc.individuals.flatMap((p) =>
      p.credentials.map((c) => ITEM_KIND_SPECS.credentials.keyOf({ individualId: p.id, ...c })),
    );
  }
  const spec = ITEM_KIND_SPECS[kind] as { keyOf(item: unknown): string; field: keyof PartnerEvidence };
  return (doc[spec.field] as unknown[]).map((item) => spec.keyOf(item));
}

function ok<T extends { ok: boolean }>(result: T): Extract<T, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result as Extract<T, { ok: true }>;
}

function refused<T extends { ok: boolean }>(result: T): Extract<T, { ok: false }> {
  if (result.ok) throw new Error('expected a refusal');
  return result as Extract<T, { ok: false }>;
}

describe('addItem', () => {
  test.each(ITEM_KINDS)('adds a valid %s item under its key, and the document still validates', (kind) => {
    const doc = baseDoc();
    const { item, key } = CASES[kind];

    const result = ok(addItem(doc, kind, item));

    expect(result.key).toBe(key);
    expect(keysOf(result.document, kind)).toEqual([CASES[kind].existingKey, key]);
    expect(PartnerEvidenceSchema.safeParse(result.document).success).toBe(true);
    expect(doc).toEqual(baseDoc());
  });

  test.each(ITEM_KINDS)('refuses a second %s item with an existing key as a duplicate (409)', (kind) => {
    const doc = baseDoc();
    const first = ok(addItem(doc, kind, CASES[kind].item));

    const again = refused(addItem(first.document, kind, CASES[kind].item));

    expect(again).toMatchObject({ reason: 'DuplicateItem' });
    expect(again.message).toContain(kind);
    expect(again.message).toContain(`'${CASES[kind].key}'`);
  });

  test('refuses an invalid item with every issue and its path (400)', () => {
    const result = refused(
      addItem(baseDoc(), 'opportunities', { id: 'o-9', status: 'won', estimatedMrr: -5, source: 'partner' }),
    );

    expect(result).toMatchObject({ reason: 'InvalidItem' });
    expect(result.issues.map((i) => i.path).sort()).toEqual(['estimatedMrr', 'status']);
  });

  test('refuses something that is not an item at all without throwing', () => {
    expect(refused(addItem(baseDoc(), 'references', 'not an object'))).toMatchObject({ reason: 'InvalidItem' });
  });

  test('R-PEOPLE: refuses a credential of an individual the document does not hold (404)', () => {
    const result = refused(addItem(baseDoc(), 'credentials', { ...CASES.credentials.item, individualId: 'u-9' }));

    expect(result).toMatchObject({ reason: 'ItemNotFound' });
    expect(result.message).toContain("'u-9'");
    expect(result.issues[0]?.path).toBe('individualId');
  });

  test('R-FOUND: refuses a foundational certification other than cloud-practitioner, at the credential path', () => {
    const result = refused(
      addItem(baseDoc(), 'credentials', {
        ...CASES.credentials.item,
        name: 'solutions-architect',
        level: 'foundational',
      }),
    );

    expect(result.issues).toEqual([expect.objectContaining({ path: 'name' })]);
  });

  test('adds the credential to its individual only, without the holder fields', () => {
    const doc = ok(addItem(baseDoc(), 'individuals', CASES.individuals.item)).document;

    const result = ok(addItem(doc, 'credentials', { ...CASES.credentials.item, individualId: 'u-2' }));

    expect(result.document.individuals.map((p) => p.credentials.length)).toEqual([1, 1]);
    expect(result.document.individuals[1]?.credentials[0]).not.toHaveProperty('individualId');
  });

  test('refuses an item that breaks a document rule as a conflict (409): one legacy submission per account', () => {
    const result = refused(
      addItem(baseDoc(), 'legacy-revenue-submissions', { accountId: '123456789012', submittedOn: '2019-03-01' }),
    );

    expect(result).toMatchObject({ reason: 'DocumentConflict' });
    expect(result.issues[0]?.path).toBe('legacyRevenueSubmissions[1].accountId');
  });
});

describe('removeItem', () => {
  test.each(ITEM_KINDS)('removes the %s item with that key, and the document still validates', (kind) => {
    const doc = baseDoc();

    const result = ok(removeItem(doc, kind, CASES[kind].existingKey));

    expect(result.key).toBe(CASES[kind].existingKey);
    expect(keysOf(result.document, kind)).toEqual([]);
    expect(PartnerEvidenceSchema.safeParse(result.document).success).toBe(true);
    expect(doc).toEqual(baseDoc());
  });

  test.each(ITEM_KINDS)('answers not-found (404) naming the kind and key for an unknown %s key', (kind) => {
    const result = refused(removeItem(baseDoc(), kind, 'nope'));

    expect(result).toMatchObject({ reason: 'ItemNotFound' });
    expect(result.message).toContain(kind);
    expect(result.message).toContain("'nope'");
  });

  test('R-PEOPLE: removing an individual removes its credentials with it', () => {
    const result = ok(removeItem(baseDoc(), 'individuals', 'u-1'));

    expect(result.document.individuals).toEqual([]);
    expect(keysOf(result.document, 'credentials')).toEqual([]);
  });

  test('removing a credential keeps its individual', () => {
    const result = ok(removeItem(baseDoc(), 'credentials', CASES.credentials.existingKey));

    expect(result.document.individuals).toEqual([expect.objectContaining({ id: 'u-1', credentials: [] })]);
  });
});

describe('upsertItems', () => {
  const o1Lost = { id: 'o-1', status: 'closed-lost', estimatedMrr: 600, source: 'partner' };
  const o3 = { id: 'o-3', status: 'submitted', estimatedMrr: 50, source: 'marketplace' };

  test('merge replaces an item with the same key in place and adds the new ones', () => {
    const doc = ok(addItem(baseDoc(), 'opportunities', CASES.opportunities.item)).document;

    const result = ok(upsertItems(doc, 'opportunities', [o1Lost, o3], 'merge'));

    expect(result.document.opportunities.map((o) => [o.id, o.status])).toEqual([
      ['o-1', 'closed-lost'],
      ['o-2', 'approved'],
      ['o-3', 'submitted'],
    ]);
    expect(result).toMatchObject({ added: 1, updated: 1, removed: 0 });
  });

  test('replace makes the kind exactly the batch', () => {
    const doc = ok(addItem(baseDoc(), 'opportunities', CASES.opportunities.item)).document;

    const result = ok(upsertItems(doc, 'opportunities', [o3], 'replace'));

    expect(result.document.opportunities.map((o) => o.id)).toEqual(['o-3']);
    expect(result).toMatchObject({ added: 1, updated: 0, removed: 2 });
  });

  test('reports every invalid item and every key repeated in the batch, by index', () => {
    const result = refused(
      upsertItems(baseDoc(), 'opportunities', [o3, { ...o3, estimatedMrr: 'lots' }, o3, { id: '' }], 'merge'),
    );

    expect(result).toMatchObject({ reason: 'InvalidItem' });
    expect(result.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['items[1].estimatedMrr', 'items[2]', 'items[3].id']),
    );
    expect(result.issues.find((i) => i.path === 'items[2]')?.message).toContain("duplicate opportunities key 'o-3'");
  });

  test('an individual sent without credentials keeps the credentials it has', () => {
    const result = ok(upsertItems(baseDoc(), 'individuals', [{ id: 'u-1', registeredOn: '2017-01-01' }], 'merge'));

    expect(result.document.individuals[0]).toMatchObject({ registeredOn: '2017-01-01', credentials: [{}] });
  });

  describe('credentials (R-PEOPLE)', () => {
    const saPro = CASES.credentials.item;
    const u2Cert = {
      individualId: 'u-2',
      registeredOn: '2018-05-01',
      type: 'certification',
      name: 'cloud-practitioner',
      level: 'foundational',
      earnedOn: '2019-03-01',
    };

    test('replace gives each named individual exactly its listed credentials; the others keep theirs', () => {
      const doc = ok(addItem(baseDoc(), 'individuals', { id: 'u-2', registeredOn: '2018-05-01' })).document;
      const withU2 = ok(addItem(doc, 'credentials', u2Cert)).document;

      const result = ok(upsertItems(withU2, 'credentials', [saPro], 'replace'));

      expect(keysOf(result.document, 'credentials')).toEqual([
        'u-1:solutions-architect-professional:2019-02-01',
        'u-2:cloud-practitioner:2019-03-01',
      ]);
      expect(result).toMatchObject({ added: 1, updated: 0, removed: 1 });
    });

    test('merge adds to what the individual holds', () => {
      const result = ok(upsertItems(baseDoc(), 'credentials', [saPro], 'merge'));

      expect(keysOf(result.document, 'credentials')).toEqual([CASES.credentials.existingKey, CASES.credentials.key]);
    });

    test('creates an individual the document lacks when the batch gives its registeredOn', () => {
      const result = ok(upsertItems(baseDoc(), 'credentials', [u2Cert], 'merge'));

      expect(result.document.individuals[1]).toMatchObject({ id: 'u-2', registeredOn: '2018-05-01', leftOn: null });
    });

    test('refuses credentials of an unknown individual without registeredOn', () => {
      const { registeredOn: _unused, ...withoutDate } = u2Cert;

      const result = refused(upsertItems(baseDoc(), 'credentials', [withoutDate], 'merge'));

      expect(result.issues).toEqual([
        { path: 'items[0].individualId', message: expect.stringContaining("individual 'u-2' not found") },
      ]);
    });

    test('refuses items of one individual that disagree on registeredOn', () => {
      const other = {
        ...u2Cert,
        name: 'solutions-architect-associate',
        level: 'associate',
        registeredOn: '2018-06-01',
      };

      const result = refused(upsertItems(baseDoc(), 'credentials', [u2Cert, other], 'merge'));

      expect(result.issues).toEqual([
        { path: 'items[1].registeredOn', message: expect.stringContaining('disagrees with 2018-05-01') },
      ]);
    });
  });
});
