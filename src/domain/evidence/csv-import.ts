/**
 * CSV import per item kind: a CSV text becomes raw items of one kind, each checked with the kind's schema, every
 * problem reported with its row and column. Pure: no I/O, the route hands in the text.
 *
 * Conventions (also served to the API docs by `csvColumns`):
 * - Comma-separated, first row is the header, `"` quotes cells; a UTF-8 BOM and CRLF line ends are fine.
 * - Headers: our field names (`launchedOn`) or the labels a Partner Central / ACE export uses (`Launch Date`),
 *   compared case-insensitively ignoring spaces, underscores and punctuation. Every column must be known.
 * - Cells are trimmed; an empty cell is absent, or null for a field that can be null (`leftOn`, `expiresOn`).
 * - Dates `YYYY-MM-DD`, or `MM/DD/YYYY` (US, as Partner Central writes them) converted to `YYYY-MM-DD`.
 *   Months `YYYY-MM` or `MM/YYYY`. Amounts are USD numbers; `$` and thousands separators are dropped.
 *   Booleans: true/false, yes/no, 1/0. Enum values fold case, spaces and punctuation (`Closed Lost` →
 *   `closed-lost`, `Professional` → `professional`, `ga` → `GA`). AWS account IDs may be written `1234-5678-9012`.
 * - Credential names become our slugs: `AWS Certified Solutions Architect - Professional` →
 *   `solutions-architect-professional`, `AWS Technical Professional Accreditation` → `technical-professional`.
 * - Direct revenue credits: one `Credits` cell `type=amount;type=amount` (e.g. `MAP Credit=100;Promotional Credit=20`).
 * - Credentials: one row per person and credential (the Partner Central training & certification report); rows of
 *   one individual carry the same `Registered On` / `Left On`, else it is a problem.
 * - A cell starting with `=`, `+`, `-` or `@` is refused (a spreadsheet would run it as a formula, CSV injection):
 *   the row is reported and nothing is stored, rather than stored and neutralised on some later export.
 * - Issue paths: `row N › <column as written>`, where row N is line N of the file (the header is row 1, so it is the
 *   spreadsheet row unless a cell spans lines); `header › <column>`, `line N` for malformed CSV, `(file)`.
 */
import { parse, type CsvError } from 'csv-parse/sync';
import { isIsoDate, isIsoMonth } from '../dates';
import { ErrorType } from '../errors';
import {
  CERTIFICATION_LEVELS,
  CSAT_ORIGIN,
  OPPORTUNITY_SOURCES,
  OPPORTUNITY_STATUSES,
  PRODUCT_STATUSES,
  REFERENCE_SOURCES,
  REFERENCE_STATUSES,
  REVENUE_KINDS,
  VALIDATION_PROGRAMS,
  formatPath,
  type PartnerEvidence,
  type ValidationIssue,
} from './document';
import {
  agreedHolderDates,
  ITEM_KIND_SPECS,
  refuse,
  type HolderDates,
  upsertItems,
  type ItemKind,
  type ItemKindSpec,
  type UpsertMode,
  type UpsertResult,
} from './items';

/** More data rows than this are refused whole: split the file. */
export const MAX_CSV_ROWS = 50_000;

/** One accepted column of a kind's CSV, for the API docs. */
export interface CsvColumn {
  field: string;
  /** Accepted headers: the field name, then the export labels. */
  headers: readonly string[];
  required: boolean;
  /** What a cell holds, e.g. `date (YYYY-MM-DD or MM/DD/YYYY)`. */
  format: string;
}

/**
 * Raw items in file order, each valid for the kind's schema, and `pathOf` naming an item's row and column for
 * `upsertItems` (`row 3 › Launch Date`); or every problem.
 */
export type CsvParseResult =
  | { ok: true; items: unknown[]; pathOf: (index: number, field?: string) => string }
  | { ok: false; issues: ValidationIssue[] };

type Cell = { value: unknown } | { error: string };

interface CellType {
  format: string;
  read(text: string): Cell;
}

interface ColumnDef {
  field: string;
  labels: readonly string[];
  type: CellType;
  required?: boolean;
  /** An empty cell means null rather than absent. */
  nullable?: boolean;
}

// Header and enum comparison: case, spaces, underscores and punctuation do not matter.
function fold(s: string): string {
  return s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

const text: CellType = { format: 'text', read: (value) => ({ value }) };

/**
 * A cell a spreadsheet would run as a formula (`=HYPERLINK(…)`, `@SUM(…)`, `+cmd|…`, `-2+3`; not a plain `-1`) is
 * refused, not stored: the data flows on to Partner Managers' spreadsheets, and no real evidence value starts that way.
 */
function formulaProblem(cell: string): string | undefined {
  const first = cell.charAt(0);
  if (!'=+-@'.includes(first) || first === '') return undefined;
  // A signed plain number is a number to a spreadsheet too: left to the column's own check (amounts >= 0).
  if (/^[+-]\$?\d[\d,]*(\.\d+)?$/.test(cell)) return undefined;
  const shown = cell.length > 40 ? `${cell.slice(0, 37)}...` : cell;
  return `'${shown}' starts with '${first}', which a spreadsheet runs as a formula: remove it (no evidence value starts with it)`;
}

const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

const date: CellType = {
  format: 'date (YYYY-MM-DD or MM/DD/YYYY)',
  read(value) {
    const us = US_DATE.exec(value);
    const iso = us ? `${us[3]}-${us[1]?.padStart(2, '0')}-${us[2]?.padStart(2, '0')}` : value;
    return isIsoDate(iso) ? { value: iso } : { error: `expected a date YYYY-MM-DD or MM/DD/YYYY, got '${value}'` };
  },
};

const month: CellType = {
  format: 'month (YYYY-MM or MM/YYYY)',
  read(value) {
    const us = /^(\d{1,2})\/(\d{4})$/.exec(value);
    const iso = us ? `${us[2]}-${us[1]?.padStart(2, '0')}` : value;
    return isIsoMonth(iso) ? { value: iso } : { error: `expected a month YYYY-MM or MM/YYYY, got '${value}'` };
  },
};

const money: CellType = {
  format: 'amount in USD (e.g. 1200.50; `$` and thousands separators allowed)',
  read(value) {
    const plain = /^-?\$?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$/.test(value) ? value.replace(/[$,]/g, '') : '';
    const n = plain === '' ? NaN : Number(plain);
    return Number.isFinite(n) ? { value: n } : { error: `expected an amount in USD, got '${value}'` };
  },
};

const BOOLEANS = new Map([
  ['true', true],
  ['yes', true],
  ['1', true],
  ['false', false],
  ['no', false],
  ['0', false],
]);

const boolean: CellType = {
  format: 'boolean (true/false, yes/no, 1/0)',
  read(value) {
    const b = BOOLEANS.get(value.toLowerCase());
    return b === undefined ? { error: `expected true/false, yes/no or 1/0, got '${value}'` } : { value: b };
  },
};

/** Folds a value onto one of `values` (or an alias); an unknown value goes on as written for the schema to refuse. */
function oneOf(values: readonly string[], aliases: Record<string, string> = {}): CellType {
  const lookup = new Map<string, string>();
  for (const v of values) lookup.set(fold(v), v);
  for (const [alias, v] of Object.entries(aliases)) lookup.set(fold(alias), v);
  return {
    format: `one of ${values.join(', ')}`,
    read: (value) => ({ value: lookup.get(fold(value)) ?? value }),
  };
}

const accountId: CellType = {
  format: '12-digit AWS account ID (dashes allowed)',
  read(value) {
    const digits = /^\d{4}-\d{4}-\d{4}$/.test(value) ? value.replace(/-/g, '') : value;
    if (/^\d{1,11}$/.test(digits)) {
      return {
        error: `AWS account ID must be exactly 12 digits, got '${value}' (a spreadsheet may have dropped leading zeros: format the column as text)`,
      };
    }
    if (/^\d+(\.\d+)?e\+?\d+$/i.test(digits)) {
      return { error: `AWS account ID written as a number '${value}': format the column as text` };
    }
    return { value: digits };
  },
};

const credentialName: CellType = {
  format: 'credential name (`AWS Certified Cloud Practitioner` or `cloud-practitioner`)',
  read(value) {
    const slug = value
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .replace(/^aws-(certified-)?/, '')
      .replace(/-accreditation$/, '');
    return { value: slug === '' ? value : slug };
  },
};

const credits: CellType = {
  format: 'credits `type=amount;type=amount` (e.g. `MAP Credit=100;Promotional Credit=20`)',
  read(value) {
    const list: { type: string; amount: unknown }[] = [];
    for (const part of value.split(';').map((p) => p.trim())) {
      if (part === '') continue;
      const at = part.lastIndexOf('=');
      const amount = at > 0 ? money.read(part.slice(at + 1).trim()) : undefined;
      if (!amount || 'error' in amount) {
        return { error: `expected credits as type=amount;type=amount, got '${part}'` };
      }
      list.push({ type: part.slice(0, at).trim(), amount: amount.value });
    }
    return { value: list };
  },
};

const REGISTERED_ON = ['Registered On', 'Registration Date', 'Partner Central Registration Date', 'Date Registered'];
const LEFT_ON = ['Left On', 'Left Date', 'Departure Date', 'Deactivated On'];
const EXPIRES_ON = ['Expires On', 'Expiration Date', 'Expiry Date', 'Valid Until'];

const COLUMNS: Record<ItemKind, readonly ColumnDef[]> = {
  individuals: [
    { field: 'id', labels: ['Individual ID', 'User ID', 'Contact ID', 'ID'], type: text, required: true },
    { field: 'registeredOn', labels: REGISTERED_ON, type: date, required: true },
    { field: 'leftOn', labels: LEFT_ON, type: date, nullable: true },
  ],
  credentials: [
    { field: 'individualId', labels: ['Individual ID', 'User ID', 'Contact ID'], type: text, required: true },
    { field: 'registeredOn', labels: REGISTERED_ON, type: date },
    { field: 'leftOn', labels: LEFT_ON, type: date, nullable: true },
    {
      field: 'type',
      labels: ['Credential Type', 'Type'],
      type: oneOf(['accreditation', 'certification']),
      required: true,
    },
    {
      field: 'name',
      labels: ['Credential Name', 'Credential', 'Certification', 'Certification Name', 'Accreditation'],
      type: credentialName,
      required: true,
    },
    { field: 'level', labels: ['Level', 'Certification Level'], type: oneOf(CERTIFICATION_LEVELS) },
    {
      field: 'earnedOn',
      labels: ['Earned On', 'Date Earned', 'Earned Date', 'Achieved On', 'Certification Date'],
      type: date,
      required: true,
    },
    { field: 'expiresOn', labels: EXPIRES_ON, type: date, nullable: true },
  ],
  opportunities: [
    { field: 'id', labels: ['Opportunity ID', 'Opportunity Identifier', 'ID'], type: text, required: true },
    {
      field: 'status',
      labels: ['Stage', 'Status', 'Opportunity Stage'],
      type: oneOf(OPPORTUNITY_STATUSES, { lost: 'closed-lost' }),
      required: true,
    },
    { field: 'launchedOn', labels: ['Launch Date', 'Launched On', 'Launched Date'], type: date, nullable: true },
    {
      field: 'estimatedMrr',
      labels: ['Estimated AWS Monthly Recurring Revenue', 'Estimated MRR', 'Est MRR', 'MRR'],
      type: money,
      required: true,
    },
    {
      field: 'source',
      labels: ['Source', 'Opportunity Source', 'Origin', 'Opportunity Origin'],
      type: oneOf(OPPORTUNITY_SOURCES, {
        'partner referral': 'partner',
        'aws referral': 'aws-referred',
        'aws marketplace': 'marketplace',
      }),
      required: true,
    },
  ],
  references: [
    { field: 'id', labels: ['Reference ID', 'ID'], type: text, required: true },
    { field: 'customer', labels: ['Customer', 'Customer Name', 'End Customer'], type: text, required: true },
    { field: 'public', labels: ['Public', 'Is Public', 'Publicly Referenceable'], type: boolean, required: true },
    {
      field: 'source',
      labels: ['Source', 'Reference Source'],
      type: oneOf(REFERENCE_SOURCES, { ace: 'ace-opportunity', prt: 'public-reference-tool' }),
      required: true,
    },
    {
      field: 'designatedOn',
      labels: ['Designated On', 'Designation Date', 'Date Designated'],
      type: date,
      required: true,
    },
    { field: 'approvedOn', labels: ['Approved On', 'Approval Date'], type: date, nullable: true },
    {
      field: 'status',
      labels: ['Status', 'Approval Status', 'Reference Status'],
      type: oneOf(REFERENCE_STATUSES),
      required: true,
    },
    { field: 'url', labels: ['URL', 'Link', 'Public URL', 'Case Study URL'], type: text, nullable: true },
  ],
  'csat-responses': [
    { field: 'id', labels: ['Response ID', 'ID'], type: text, required: true },
    { field: 'customer', labels: ['Customer', 'Customer Name'], type: text, required: true },
    {
      field: 'submittedOn',
      labels: ['Submitted On', 'Submission Date', 'Date Submitted', 'Response Date'],
      type: date,
      required: true,
    },
    { field: 'origin', labels: ['Origin', 'Source', 'Survey Source'], type: oneOf([CSAT_ORIGIN]), required: true },
    { field: 'emailConfirmed', labels: ['Email Confirmed', 'Email Verified'], type: boolean, required: true },
    {
      field: 'awsCustomerVerified',
      labels: ['AWS Customer Verified', 'Verified AWS Customer'],
      type: boolean,
      required: true,
    },
  ],
  validations: [
    {
      field: 'program',
      labels: ['Program', 'Validation Program', 'Validation Type'],
      type: oneOf(VALIDATION_PROGRAMS, {
        'managed service provider': 'msp',
        tbr: 'technical-baseline-review',
        'well architected review': 'well-architected',
      }),
      required: true,
    },
    { field: 'name', labels: ['Name', 'Competency', 'Competency Name', 'Designation'], type: text, nullable: true },
    {
      field: 'achievedOn',
      labels: ['Achieved On', 'Date Achieved', 'Achieved Date', 'Validation Date'],
      type: date,
      required: true,
    },
    { field: 'expiresOn', labels: EXPIRES_ON, type: date, nullable: true },
  ],
  'direct-revenue': [
    {
      field: 'accountId',
      labels: ['AWS Account ID', 'Account ID', 'Linked Account ID', 'Usage Account ID'],
      type: accountId,
      required: true,
    },
    { field: 'domain', labels: ['Domain', 'Customer Domain', 'Email Domain'], type: text, required: true },
    { field: 'month', labels: ['Month', 'Billing Month', 'Billing Period'], type: month, required: true },
    {
      field: 'billed',
      labels: ['Billed', 'Billed Amount', 'Billed Revenue', 'Amount', 'Revenue'],
      type: money,
      required: true,
    },
    {
      field: 'kind',
      labels: ['Kind', 'Revenue Type', 'Charge Type'],
      type: oneOf(REVENUE_KINDS, {
        ri: 'reserved-instance',
        'reserved instances': 'reserved-instance',
        upfront: 'other-upfront',
        resale: 'channel-resale',
      }),
      required: true,
    },
    { field: 'credits', labels: ['Credits'], type: credits },
  ],
  'product-listings': [
    { field: 'id', labels: ['Product ID', 'Listing ID', 'ID'], type: text, required: true },
    { field: 'name', labels: ['Name', 'Product Name', 'Product Title', 'Title'], type: text },
    {
      field: 'status',
      labels: ['Status', 'Listing Status'],
      type: oneOf(PRODUCT_STATUSES, { 'generally available': 'GA' }),
      required: true,
    },
    {
      field: 'listedOn',
      labels: ['Listed On', 'Listing Date', 'Date Listed', 'Published On'],
      type: date,
      required: true,
    },
    { field: 'expiresOn', labels: [...EXPIRES_ON, 'Delisted On'], type: date, nullable: true },
  ],
  'legacy-revenue-submissions': [
    { field: 'accountId', labels: ['AWS Account ID', 'Account ID'], type: accountId, required: true },
    {
      field: 'submittedOn',
      labels: ['Submitted On', 'Submission Date', 'Date Submitted'],
      type: date,
      required: true,
    },
  ],
};

// The field name, then the export labels (a label may differ from the field name only in case and spacing).
function headersOf(column: ColumnDef): string[] {
  return [column.field, ...column.labels];
}

/** The accepted headers per field of a kind's CSV. */
export function csvColumns(kind: ItemKind): CsvColumn[] {
  return COLUMNS[kind].map((c) => ({
    field: c.field,
    headers: headersOf(c),
    required: c.required ?? false,
    format: c.type.format,
  }));
}

function acceptedHeaders(kind: ItemKind): string {
  return COLUMNS[kind].map((c) => `${c.field} (${headersOf(c).join(' / ')})`).join('; ');
}

// An issue with the line it belongs to, so the list reads top to bottom.
interface LineIssue extends ValidationIssue {
  line: number;
  /** The column's position, so a row's issues read left to right (row-wide issues come last). */
  column?: number;
}

interface CsvRows {
  items: unknown[];
  /** The file line of each item. */
  lines: number[];
  /** The header as written for each mapped field. */
  labelOf: Map<string, string>;
}

function rowPath(line: number, column?: string): string {
  return column === undefined ? `row ${line}` : `row ${line} › ${column}`;
}

/** Reads a CSV text of one kind into raw items, every item valid for the kind's schema, or every problem. */
export function parseCsvItems(kind: ItemKind, csvText: string): CsvParseResult {
  const r = readCsv(kind, csvText);
  if ('issues' in r) return { ok: false, issues: r.issues };
  const pathOf = (index: number, field?: string): string =>
    rowPath(r.lines[index] ?? 0, field === undefined ? undefined : labelled(r.labelOf, field));
  return { ok: true, items: r.items, pathOf };
}

/** Parses a CSV of one kind and applies it to a copy of `doc` (see `upsertItems`); problems name rows and columns. */
export function importCsv(doc: PartnerEvidence, kind: ItemKind, csvText: string, mode: UpsertMode): UpsertResult {
  const parsed = parseCsvItems(kind, csvText);
  if (!parsed.ok) {
    const message = `${parsed.issues.length} problem(s) in the ${kind} CSV`;
    return refuse(ErrorType.InvalidItem, message, parsed.issues);
  }
  return upsertItems(doc, kind, parsed.items, mode, { pathOf: parsed.pathOf });
}

// `credits[0].amount` → `Credits[0].amount` when the column was written `Credits`.
function labelled(labelOf: Map<string, string>, fieldPath: string): string {
  const head = /^[^.[]+/.exec(fieldPath)?.[0] ?? fieldPath;
  return (labelOf.get(head) ?? head) + fieldPath.slice(head.length);
}

interface RawRecord {
  record: string[];
  info: { lines: number };
  raw?: string;
}

function readCsv(kind: ItemKind, csvText: unknown): CsvRows | { issues: ValidationIssue[] } {
  const issues: LineIssue[] = [];
  const fail = (): { issues: ValidationIssue[] } => ({
    issues: issues
      .map((issue, order) => ({ issue, order }))
      .sort(
        (a, b) =>
          a.issue.line - b.issue.line ||
          (a.issue.column ?? Infinity) - (b.issue.column ?? Infinity) ||
          a.order - b.order,
      )
      .map(({ issue: { path, message } }) => ({ path, message })),
  });
  const empty = `the ${kind} CSV is empty: expected a header row, then one row per item; accepted columns: ${acceptedHeaders(kind)}`;
  if (typeof csvText !== 'string') return { issues: [{ path: '(file)', message: 'expected the CSV as text' }] };
  const normalized = csvText.replace(/\r\n?/g, '\n');
  if (normalized.replace(/^\uFEFF/, '').trim() === '') return { issues: [{ path: '(file)', message: empty }] };

  let records: RawRecord[];
  const seenErrors = new Set<string>();
  try {
    records = parse(normalized, {
      bom: true,
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      // The header, the allowed rows, and one more to tell that there are too many.
      to: MAX_CSV_ROWS + 2,
      on_skip: (error: CsvError | undefined) => {
        if (!error) return undefined;
        const line = typeof error.lines === 'number' ? error.lines : 0;
        if (seenErrors.has(`${line}:${error.code}`)) return undefined;
        seenErrors.add(`${line}:${error.code}`);
        issues.push({ line, path: `line ${line}`, message: `malformed CSV: ${error.message}` });
        return undefined;
      },
    }) as unknown as RawRecord[];
  } catch (error) {
    issues.push({ line: 0, path: '(file)', message: `malformed CSV: ${(error as Error).message}` });
    return fail();
  }

  const [header, ...rows] = records;
  if (!header) {
    if (issues.length === 0) issues.push({ line: 0, path: '(file)', message: empty });
    return fail();
  }
  if (rows.length > MAX_CSV_ROWS) {
    issues.push({
      line: 0,
      path: '(file)',
      message: `the ${kind} CSV has more than ${MAX_CSV_ROWS} rows: split it into several files`,
    });
    return fail();
  }

  const columns = mapHeader(kind, header.record, issues);
  const { labelOf } = columns;
  if (rows.every((row) => row.record.every((cell) => cell.trim() === ''))) {
    issues.push({ line: 1, path: '(file)', message: `the ${kind} CSV has a header but no rows` });
  }

  const spec: ItemKindSpec = ITEM_KIND_SPECS[kind];
  const valid: { item: Record<string, unknown>; line: number; key: string }[] = [];
  const firstLineOf = new Map<string, number>();
  for (const row of rows) {
    const line = startLine(row);
    const cells = row.record.map((c) => c.trim());
    if (cells.every((c) => c === '')) continue;
    const extra = cells.slice(header.record.length);
    if (cells.length < header.record.length || extra.some((c) => c !== '')) {
      issues.push({
        line,
        path: rowPath(line),
        message: `the row has ${cells.length} cells but the header has ${header.record.length}`,
      });
      continue;
    }
    for (const index of columns.unnamed) {
      if (cells[index] === '') continue;
      const message = `'${cells[index]}' is in column ${index + 1}, which has no header`;
      issues.push({ line, column: index, path: rowPath(line, `column ${index + 1}`), message });
    }
    const item: Record<string, unknown> = {};
    const failed = new Set<string>(columns.missing);
    for (const [index, column] of columns.byIndex) {
      const cell = cells[index] ?? '';
      if (cell === '') {
        if (column.nullable) item[column.field] = null;
        continue;
      }
      const formula = formulaProblem(cell);
      const read: Cell = formula ? { error: formula } : column.type.read(cell);
      if ('error' in read) {
        failed.add(column.field);
        issues.push({ line, column: index, path: rowPath(line, labelOf.get(column.field)), message: read.error });
      } else item[column.field] = read.value;
    }
    const parsed = spec.schema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const head = issue.path[0];
        if (typeof head === 'string' && failed.has(head)) continue;
        const where = issue.path.length ? labelled(labelOf, formatPath(issue.path)) : undefined;
        const column = typeof head === 'string' ? columns.indexOf.get(head) : undefined;
        issues.push({ line, column, path: rowPath(line, where), message: issue.message });
      }
      continue;
    }
    if (failed.size > 0) continue;
    const key = spec.keyOf(parsed.data);
    const first = firstLineOf.get(key);
    if (first !== undefined) {
      issues.push({ line, path: rowPath(line), message: `duplicate ${kind} key '${key}' (first at row ${first})` });
      continue;
    }
    firstLineOf.set(key, line);
    valid.push({ item, line, key });
  }

  if (kind === 'credentials') groupIndividuals(valid, columns, issues);
  if (issues.length > 0) return fail();
  return { items: valid.map((v) => v.item), lines: valid.map((v) => v.line), labelOf };
}

// `info.lines` is the line a record ends on; a quoted cell may span lines and blank lines may precede it.
function startLine(row: RawRecord): number {
  const body = (row.raw ?? '').replace(/^\n+/, '').replace(/\n$/, '');
  return row.info.lines - (body.match(/\n/g)?.length ?? 0);
}

interface HeaderMap {
  byIndex: Map<number, ColumnDef>;
  labelOf: Map<string, string>;
  /** The position of each mapped field's column. */
  indexOf: Map<string, number>;
  /** Required fields without a column (reported once at the header, not on every row). */
  missing: string[];
  /** Columns without a header: fine while empty (trailing commas are common), a problem when a row fills them. */
  unnamed: number[];
}

function mapHeader(kind: ItemKind, header: string[], issues: LineIssue[]): HeaderMap {
  const lookup = new Map<string, ColumnDef>();
  for (const column of COLUMNS[kind]) {
    for (const label of [column.field, ...column.labels]) lookup.set(fold(label), column);
  }
  const byIndex = new Map<number, ColumnDef>();
  const labelOf = new Map<string, string>();
  header.forEach((raw, index) => {
    const label = raw.trim();
    if (label === '') return;
    const column = lookup.get(fold(label));
    if (!column) {
      issues.push({
        line: 1,
        path: `header › ${label}`,
        message: `unknown column '${label}' for ${kind}; accepted columns: ${acceptedHeaders(kind)}`,
      });
      return;
    }
    const earlier = labelOf.get(column.field);
    if (earlier !== undefined) {
      issues.push({
        line: 1,
        path: `header › ${label}`,
        message: `columns '${earlier}' and '${label}' both give ${column.field}; keep one`,
      });
      return;
    }
    byIndex.set(index, column);
    labelOf.set(column.field, label);
  });
  const missing = COLUMNS[kind].filter((c) => c.required && !labelOf.has(c.field));
  for (const column of missing) {
    issues.push({
      line: 1,
      path: 'header',
      message: `missing required column ${column.field} (accepted headers: ${headersOf(column).join(', ')})`,
    });
  }
  const unnamed = header.flatMap((raw, index) => (raw.trim() === '' ? [index] : []));
  const indexOf = new Map([...byIndex].map(([index, column]) => [column.field, index]));
  return { byIndex, labelOf, indexOf, missing: missing.map((c) => c.field), unnamed };
}

/**
 * Credentials rows of one individual carry the individual's dates: rows that give them must agree (R-PEOPLE reads
 * `registeredOn`), and rows that leave them empty take the group's.
 */
function groupIndividuals(
  rows: { item: Record<string, unknown>; line: number }[],
  { labelOf, indexOf }: HeaderMap,
  issues: LineIssue[],
): void {
  const groups = new Map<unknown, { item: Record<string, unknown>; line: number }[]>();
  for (const row of rows) {
    const group = groups.get(row.item.individualId) ?? [];
    group.push(row);
    groups.set(row.item.individualId, group);
  }
  for (const [individualId, group] of groups) {
    const dates = agreedHolderDates(
      String(individualId),
      group,
      (row) => row.item as HolderDates,
      (row) => rowPath(row.line),
      (row, field, message) =>
        issues.push({
          line: row.line,
          column: indexOf.get(field),
          path: rowPath(row.line, labelOf.get(field) ?? field),
          message,
        }),
    );
    if (!dates) continue;
    for (const row of group) {
      if (dates.registeredOn !== undefined) row.item.registeredOn ??= dates.registeredOn;
      if (dates.leftOn !== undefined) row.item.leftOn ??= dates.leftOn;
    }
  }
}
