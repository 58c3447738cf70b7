/**
 * Evidence items as data: one spec per item kind (its list in the evidence document, its zod schema, its key), and the
 * pure operations the item endpoints and the CSV import share — add one, remove one, upsert a batch. No I/O: every
 * operation takes a document and returns a new, re-validated one, or a refusal (an `ErrorType`) the API maps to a problem.
 */
import { z } from 'zod';
import { ErrorType, type EvidenceRefusalType } from '../errors';
import {
  CredentialSchema,
  CsatResponseSchema,
  DirectRevenueSchema,
  IndividualSchema,
  IsoDateSchema,
  LegacyRevenueSubmissionSchema,
  OpportunitySchema,
  PartnerEvidenceSchema,
  ProductListingSchema,
  ReferenceSchema,
  ValidationSchema,
  formatPath,
  toIssues,
  type Credential,
  type CsatResponse,
  type DirectRevenue,
  type Individual,
  type LegacyRevenueSubmission,
  type Opportunity,
  type PartnerEvidence,
  type ProductListing,
  type Reference,
  type Validation,
  type ValidationIssue,
} from './document';

export const ITEM_KINDS = [
  'individuals',
  'credentials',
  'opportunities',
  'references',
  'csat-responses',
  'validations',
  'direct-revenue',
  'product-listings',
  'legacy-revenue-submissions',
] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

/** The evidence lists that hold items (credentials live inside `individuals`). */
export type ItemListField = Extract<
  keyof PartnerEvidence,
  | 'individuals'
  | 'opportunities'
  | 'references'
  | 'csatResponses'
  | 'validations'
  | 'directRevenue'
  | 'productListings'
  | 'legacyRevenueSubmissions'
>;

/**
 * A credential as an item of its own: the credential plus the individual it belongs to. `registeredOn` and `leftOn`
 * are the individual's dates as the Partner Central training & certification report carries them on every row; when
 * given they update the individual (and let an import create one that does not exist yet).
 */
export const CredentialItemSchema = z.intersection(
  z.object({
    individualId: z
      .string({ error: 'expected the id of the individual holding the credential' })
      .min(1, { message: 'individualId must not be empty' })
      .max(200, { message: 'individualId is longer than 200 characters' }),
    registeredOn: IsoDateSchema.optional(),
    leftOn: IsoDateSchema.nullable().optional(),
  }),
  CredentialSchema,
);
export type CredentialItem = z.output<typeof CredentialItemSchema>;

/** The item type of each kind. */
export interface ItemTypes {
  individuals: Individual;
  credentials: CredentialItem;
  opportunities: Opportunity;
  references: Reference;
  'csat-responses': CsatResponse;
  validations: Validation;
  'direct-revenue': DirectRevenue;
  'product-listings': ProductListing;
  'legacy-revenue-submissions': LegacyRevenueSubmission;
}
export type ItemOf<K extends ItemKind> = ItemTypes[K];
type AnyItem = ItemTypes[ItemKind];

export interface ItemKindSpec<T = unknown> {
  kind: ItemKind;
  /** The evidence list holding the items; for credentials, the individuals that nest them. */
  field: ItemListField;
  /** Validates one item as the API receives it. */
  schema: z.ZodType<T>;
  /** The item's identity within its kind: adding a second item with the same key is refused. */
  keyOf(item: T): string;
  /** How the key is made, for the API docs. */
  keyDescription: string;
}

export const ITEM_KIND_SPECS: { readonly [K in ItemKind]: ItemKindSpec<ItemOf<K>> } = {
  individuals: {
    kind: 'individuals',
    field: 'individuals',
    schema: IndividualSchema,
    keyOf: (p) => p.id,
    keyDescription: 'the individual id',
  },
  credentials: {
    kind: 'credentials',
    field: 'individuals',
    schema: CredentialItemSchema,
    keyOf: (c) => `${c.individualId}:${c.name}:${c.earnedOn}`,
    keyDescription: '`<individualId>:<name>:<earnedOn>`',
  },
  opportunities: {
    kind: 'opportunities',
    field: 'opportunities',
    schema: OpportunitySchema,
    keyOf: (o) => o.id,
    keyDescription: 'the opportunity id',
  },
  references: {
    kind: 'references',
    field: 'references',
    schema: ReferenceSchema,
    keyOf: (r) => r.id,
    keyDescription: 'the reference id',
  },
  'csat-responses': {
    kind: 'csat-responses',
    field: 'csatResponses',
    schema: CsatResponseSchema,
    keyOf: (c) => c.id,
    keyDescription: 'the response id',
  },
  validations: {
    kind: 'validations',
    field: 'validations',
    schema: ValidationSchema,
    keyOf: (v) => `${v.program}:${v.name ?? ''}`,
    keyDescription: '`<program>:<name>` (`<program>:` when the validation has no name, e.g. `msp:`)',
  },
  'direct-revenue': {
    kind: 'direct-revenue',
    field: 'directRevenue',
    schema: DirectRevenueSchema,
    keyOf: (r) => `${r.accountId}:${r.month}:${r.kind}`,
    keyDescription: '`<accountId>:<month>:<kind>`',
  },
  'product-listings': {
    kind: 'product-listings',
    field: 'productListings',
    schema: ProductListingSchema,
    keyOf: (p) => p.id,
    keyDescription: 'the listing id',
  },
  'legacy-revenue-submissions': {
    kind: 'legacy-revenue-submissions',
    field: 'legacyRevenueSubmissions',
    schema: LegacyRevenueSubmissionSchema,
    keyOf: (s) => `${s.accountId}:${s.submittedOn}`,
    keyDescription: '`<accountId>:<submittedOn>`',
  },
};

// Seen through a union of kinds, a spec takes any item; each only ever sees items its own schema produced.
function specOf(kind: ItemKind): ItemKindSpec<AnyItem> {
  return ITEM_KIND_SPECS[kind];
}

/** True when `value` names an item kind (route parameter check). */
export function isItemKind(value: string): value is ItemKind {
  return (ITEM_KINDS as readonly string[]).includes(value);
}

/**
 * A refusal: `InvalidItem` — the input itself is wrong; `ItemNotFound` — no item (or individual) with that key;
 * `DuplicateItem` — an item with that key exists; `DocumentConflict` — the item is fine alone but the document it would
 * make is not (a cross-item rule, e.g. one legacy revenue submission per account). `message` sums it up, `issues` lists
 * every problem with its path. The API maps `reason` to its problem type (src/api/problem.ts).
 */
export interface Refusal {
  ok: false;
  reason: EvidenceRefusalType;
  message: string;
  issues: ValidationIssue[];
}

export type AddResult = { ok: true; document: PartnerEvidence; key: string } | Refusal;
export type RemoveResult = { ok: true; document: PartnerEvidence; key: string } | Refusal;
export type UpsertResult =
  { ok: true; document: PartnerEvidence; added: number; updated: number; removed: number } | Refusal;

export type UpsertMode = 'merge' | 'replace';

export interface UpsertOptions {
  /** Where an item's problem is reported; defaults to `items[<index>].<field>`. The CSV import names rows. */
  pathOf?: (index: number, field?: string) => string;
}

export function refuse(reason: EvidenceRefusalType, message: string, issues: ValidationIssue[]): Refusal {
  return { ok: false, reason, message, issues };
}

// Every result is re-validated whole, so cross-item rules hold and defaults are applied.
function finish(candidate: Record<string, unknown>, what: string): { ok: true; document: PartnerEvidence } | Refusal {
  const parsed = PartnerEvidenceSchema.safeParse(candidate);
  if (parsed.success) return { ok: true, document: parsed.data };
  return refuse(ErrorType.DocumentConflict, `${what} would make the evidence document invalid`, toIssues(parsed.error));
}

function listOf(doc: PartnerEvidence, field: ItemListField): readonly AnyItem[] {
  return doc[field];
}

/** The document's credentials as items, with their holder. */
function credentialItems(doc: PartnerEvidence): CredentialItem[] {
  return doc.individuals.flatMap((p) => p.credentials.map((c) => ({ individualId: p.id, ...c })));
}

function credentialKey(individualId: string, c: Credential): string {
  return ITEM_KIND_SPECS.credentials.keyOf({ individualId, ...c });
}

function stripHolder(item: CredentialItem): Credential {
  const { individualId: _id, registeredOn: _registered, leftOn: _left, ...credential } = item;
  return credential;
}

/** The individual with the dates a credential item carries applied (absent dates keep the individual's). */
function withHolderDates(person: Individual, item: Pick<CredentialItem, 'registeredOn' | 'leftOn'>): Individual {
  return {
    ...person,
    ...(item.registeredOn !== undefined ? { registeredOn: item.registeredOn } : {}),
    ...(item.leftOn !== undefined ? { leftOn: item.leftOn } : {}),
  };
}

function itemIssues(error: z.ZodError, prefix: (field?: string) => string): ValidationIssue[] {
  return error.issues.map((i) => ({
    path: prefix(i.path.length ? formatPath(i.path) : undefined),
    message: i.message,
  }));
}

/**
 * Adds one item of `kind` to a copy of `doc`. Refuses an invalid item (every issue), an existing key, a credential of
 * an unknown individual, and an item that would break a document rule. A credential's
 * `registeredOn` / `leftOn`, when given, update its individual.
 */
export function addItem(doc: PartnerEvidence, kind: ItemKind, rawItem: unknown): AddResult {
  const spec = specOf(kind);
  const parsed = spec.schema.safeParse(rawItem);
  if (!parsed.success) return refuse(ErrorType.InvalidItem, `invalid ${kind} item`, toIssues(parsed.error));
  const key = spec.keyOf(parsed.data);
  const duplicate = (): Refusal =>
    refuse(ErrorType.DuplicateItem, `${kind} item '${key}' already exists`, [
      { path: '(root)', message: `${kind} item '${key}' already exists (key: ${spec.keyDescription})` },
    ]);

  let candidate: Record<string, unknown>;
  if (kind === 'credentials') {
    const item = parsed.data as CredentialItem;
    const holder = doc.individuals.find((p) => p.id === item.individualId);
    if (!holder) {
      const message = `individual '${item.individualId}' not found: add the individual before its credentials`;
      return refuse(ErrorType.ItemNotFound, message, [{ path: 'individualId', message }]);
    }
    if (holder.credentials.some((c) => credentialKey(holder.id, c) === key)) return duplicate();
    const individuals = doc.individuals.map((p) =>
      p === holder ? { ...withHolderDates(p, item), credentials: [...p.credentials, stripHolder(item)] } : p,
    );
    candidate = { ...doc, individuals };
  } else {
    const list = listOf(doc, spec.field);
    if (list.some((existing) => spec.keyOf(existing) === key)) return duplicate();
    candidate = { ...doc, [spec.field]: [...list, parsed.data] };
  }
  const done = finish(candidate, `adding ${kind} item '${key}'`);
  return done.ok ? { ...done, key } : done;
}

/**
 * Removes the item of `kind` with `key` from a copy of `doc` (every item with that key, should a document hold
 * several). Removing an individual removes its credentials with it. Unknown key → `not-found`.
 */
export function removeItem(doc: PartnerEvidence, kind: ItemKind, key: string): RemoveResult {
  const spec = specOf(kind);
  const notFound = (): Refusal => {
    const message = `${kind} item '${key}' not found (key: ${spec.keyDescription})`;
    return refuse(ErrorType.ItemNotFound, message, [{ path: '(root)', message }]);
  };

  let candidate: Record<string, unknown>;
  if (kind === 'credentials') {
    if (!credentialItems(doc).some((c) => spec.keyOf(c) === key)) return notFound();
    const individuals = doc.individuals.map((p) => ({
      ...p,
      credentials: p.credentials.filter((c) => credentialKey(p.id, c) !== key),
    }));
    candidate = { ...doc, individuals };
  } else {
    const list = listOf(doc, spec.field);
    const kept = list.filter((item) => spec.keyOf(item) !== key);
    if (kept.length === list.length) return notFound();
    candidate = { ...doc, [spec.field]: kept };
  }
  const done = finish(candidate, `removing ${kind} item '${key}'`);
  return done.ok ? { ...done, key } : done;
}

function defaultPathOf(index: number, field?: string): string {
  return field === undefined ? formatPath(['items', index]) : `${formatPath(['items', index])}.${field}`;
}

/**
 * Applies a batch of items of one kind (the CSV import) to a copy of `doc`.
 * `merge`: each item is added, or replaces the item with the same key in place.
 * `replace`: the kind's items become exactly the batch. For credentials, each individual named in the batch gets
 * exactly the credentials listed for it; individuals the batch does not name keep theirs.
 * Individuals given without a `credentials` field keep the credentials they had.
 * Credentials of an individual the document lacks create it when the batch gives its `registeredOn`.
 * Every invalid item, every key repeated within the batch and every unknown individual is reported (`InvalidItem`).
 */
export function upsertItems(
  doc: PartnerEvidence,
  kind: ItemKind,
  items: readonly unknown[],
  mode: UpsertMode,
  options: UpsertOptions = {},
): UpsertResult {
  const spec = specOf(kind);
  const pathOf = options.pathOf ?? defaultPathOf;
  const issues: ValidationIssue[] = [];
  const parsed: { index: number; item: AnyItem; key: string }[] = [];
  const firstIndex = new Map<string, number>();

  items.forEach((raw, index) => {
    const r = spec.schema.safeParse(raw);
    if (!r.success) {
      issues.push(...itemIssues(r.error, (field) => pathOf(index, field)));
      return;
    }
    const key = spec.keyOf(r.data);
    const first = firstIndex.get(key);
    if (first !== undefined) {
      issues.push({ path: pathOf(index), message: `duplicate ${kind} key '${key}' (first at ${pathOf(first)})` });
      return;
    }
    firstIndex.set(key, index);
    parsed.push({ index, item: r.data, key });
  });

  const outcome =
    kind === 'credentials'
      ? upsertCredentials(doc, parsed as { index: number; item: CredentialItem; key: string }[], mode, pathOf, issues)
      : upsertList(doc, spec, items, parsed, mode);
  if (issues.length > 0 || !outcome) {
    return refuse(ErrorType.InvalidItem, `${issues.length} problem(s) in the ${kind} batch`, issues);
  }
  const done = finish(outcome.candidate, `this ${kind} batch`);
  return done.ok ? { ...done, ...outcome.counts } : done;
}

interface Counts {
  added: number;
  updated: number;
  removed: number;
}

function upsertList(
  doc: PartnerEvidence,
  spec: ItemKindSpec<AnyItem>,
  raws: readonly unknown[],
  parsed: { index: number; item: AnyItem; key: string }[],
  mode: UpsertMode,
): { candidate: Record<string, unknown>; counts: Counts } {
  const existing = listOf(doc, spec.field);
  const existingByKey = new Map(existing.map((item) => [spec.keyOf(item), item]));
  const incoming = new Map(
    parsed.map(({ index, item, key }) => {
      const previous = existingByKey.get(key);
      // An individual sent without credentials is updated, not stripped of what it holds.
      const raw = raws[index];
      const keepCredentials =
        spec.kind === 'individuals' &&
        previous !== undefined &&
        !(typeof raw === 'object' && raw !== null && 'credentials' in raw);
      const next = keepCredentials ? { ...item, credentials: (previous as Individual).credentials } : item;
      return [key, next] as const;
    }),
  );
  const counts: Counts = { added: 0, updated: 0, removed: 0 };
  const placed = new Set<string>();
  const result: AnyItem[] = [];
  for (const item of existing) {
    const key = spec.keyOf(item);
    const replacement = incoming.get(key);
    if (replacement !== undefined) {
      if (!placed.has(key)) {
        result.push(replacement);
        placed.add(key);
        counts.updated++;
      }
    } else if (mode === 'merge') result.push(item);
    else counts.removed++;
  }
  for (const [key, item] of incoming) {
    if (placed.has(key)) continue;
    result.push(item);
    counts.added++;
  }
  return { candidate: { ...doc, [spec.field]: result }, counts };
}

function upsertCredentials(
  doc: PartnerEvidence,
  parsed: { index: number; item: CredentialItem; key: string }[],
  mode: UpsertMode,
  pathOf: (index: number, field?: string) => string,
  issues: ValidationIssue[],
): { candidate: Record<string, unknown>; counts: Counts } | undefined {
  const byHolder = new Map<string, { index: number; item: CredentialItem; key: string }[]>();
  for (const entry of parsed) {
    const group = byHolder.get(entry.item.individualId) ?? [];
    group.push(entry);
    byHolder.set(entry.item.individualId, group);
  }

  const counts: Counts = { added: 0, updated: 0, removed: 0 };
  const individuals = [...doc.individuals];
  for (const [holderId, group] of byHolder) {
    const dates = agreedHolderDates(
      holderId,
      group,
      (entry) => entry.item,
      (entry) => pathOf(entry.index),
      (entry, field, message) => issues.push({ path: pathOf(entry.index, field), message }),
    );
    if (!dates) continue;
    const at = individuals.findIndex((p) => p.id === holderId);
    const current = individuals[at];
    let person: Individual;
    if (current) person = withHolderDates(current, dates);
    else if (dates.registeredOn !== undefined) {
      person = { id: holderId, registeredOn: dates.registeredOn, leftOn: dates.leftOn ?? null, credentials: [] };
    } else {
      issues.push({
        path: pathOf(group[0]?.index ?? 0, 'individualId'),
        message: `individual '${holderId}' not found: add the individual first or give its registeredOn`,
      });
      continue;
    }
    const incoming = new Map(group.map(({ item, key }) => [key, stripHolder(item)]));
    const placed = new Set<string>();
    const credentials: Credential[] = [];
    for (const c of person.credentials) {
      const key = credentialKey(holderId, c);
      const replacement = incoming.get(key);
      if (replacement) {
        if (!placed.has(key)) {
          credentials.push(replacement);
          placed.add(key);
          counts.updated++;
        }
      } else if (mode === 'merge') credentials.push(c);
      else counts.removed++;
    }
    for (const [key, c] of incoming) {
      if (placed.has(key)) continue;
      credentials.push(c);
      counts.added++;
    }
    const next = { ...person, credentials };
    if (at >= 0) individuals[at] = next;
    else individuals.push(next);
  }
  return issues.length > 0 ? undefined : { candidate: { ...doc, individuals }, counts };
}

/** The individual's dates a credential item may carry. */
export type HolderDates = Pick<CredentialItem, 'registeredOn' | 'leftOn'>;

/**
 * The holder dates a group of one individual's credential items (or CSV rows) agrees on — R-PEOPLE reads
 * `registeredOn`: items that give a date must give the same one, absent dates say nothing. Each disagreement is
 * reported through `disagree`, naming the first item that gave the date by `whereOf`; the result is then undefined.
 */
export function agreedHolderDates<E>(
  holderId: string,
  group: readonly E[],
  datesOf: (entry: E) => HolderDates,
  whereOf: (entry: E) => string,
  disagree: (entry: E, field: keyof HolderDates, message: string) => void,
): HolderDates | undefined {
  let agreeing = true;
  const agree = <F extends keyof HolderDates>(field: F): HolderDates[F] | undefined => {
    let first: { entry: E; value: HolderDates[F] } | undefined;
    for (const entry of group) {
      const value = datesOf(entry)[field];
      if (value === undefined) continue;
      if (!first) first = { entry, value };
      else if (value !== first.value) {
        agreeing = false;
        const message = `${field} ${String(value)} disagrees with ${String(first.value)} at ${whereOf(first.entry)} for individual '${holderId}'`;
        disagree(entry, field, message);
      }
    }
    return first?.value;
  };
  const registeredOn = agree('registeredOn');
  const leftOn = agree('leftOn');
  if (!agreeing) return undefined;
  return {
    ...(registeredOn !== undefined ? { registeredOn } : {}),
    ...(leftOn !== undefined ? { leftOn } : {}),
  };
}
