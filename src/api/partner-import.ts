/**
 * Bulk onboarding input: a CSV or NDJSON stream of registrations (the fields of `POST /v1/partners`, optionally
 * `evidence`), read row by row as it arrives and validated with the single registration's own schema. Rows are
 * numbered from 1 (the first data row; in a CSV file row n is line n + 1), and every issue names its row and field:
 * `row 12.feeAccountId`.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { CsvError, parse as parseCsv } from 'csv-parse';
import { PartnerEvidenceSchema, toIssues, type ValidationIssue } from '../domain/evidence';
import { inspectJson } from './input-guard';
import { RegisterPartnerBody } from './schemas';

export const IMPORT_FORMATS = { 'text/csv': 'csv', 'application/x-ndjson': 'ndjson' } as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[keyof typeof IMPORT_FORMATS];

/** Rows one upload may hold. */
export const MAX_IMPORT_ROWS = 100_000;
/** Bytes one upload may hold (evidence documents included). */
export const MAX_IMPORT_BYTES = 512 * 1024 * 1024;
/** Bytes of one NDJSON line or CSV record. */
export const MAX_ROW_BYTES = 2 * 1024 * 1024;

/** CSV columns; list columns hold `;`-separated ids; `evidence` holds a JSON document. */
export const CSV_COLUMNS = [
  'id',
  'name',
  'track',
  'tier',
  'renewalDate',
  'country',
  'feeAccountId',
  'allianceLeadId',
  'allianceTeamIds',
  'partnerManagerIds',
  'lookBackFrom',
  'evidence',
] as const;
const REQUIRED_CSV_COLUMNS = ['id', 'name', 'track', 'tier', 'renewalDate', 'country', 'allianceLeadId'];
const LIST_COLUMNS = new Set(['allianceTeamIds', 'partnerManagerIds']);

/** A whole upload refused before any row: a bad header, a body that is not CSV/NDJSON, too large. */
export class ImportBodyError extends Error {
  constructor(
    message: string,
    readonly issues: ValidationIssue[] = [],
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

export interface ImportRowInput {
  row: number;
  partnerId: string;
  registration: RegisterPartnerBody;
  evidence?: unknown;
}

export type CheckedRow = { ok: true; value: ImportRowInput } | { ok: false; row: number; issues: ValidationIssue[] };

/** Validates one row's value (an object of registration fields and optional `evidence`). */
export function checkRow(row: number, value: unknown): CheckedRow {
  const where = `row ${String(row)}`;
  const guarded = inspectJson(value, where);
  if (guarded.length > 0) return { ok: false, row, issues: guarded };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, row, issues: [{ path: where, message: 'expected an object of registration fields' }] };
  }
  const { evidence, ...fields } = value as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  const registration = RegisterPartnerBody.safeParse(fields);
  if (!registration.success) {
    for (const i of toIssues(registration.error)) {
      issues.push({ ...i, path: i.path === '(root)' ? where : `${where}.${i.path}` });
    }
  }
  let parsedEvidence: unknown;
  if (evidence !== undefined && evidence !== null) {
    const result = PartnerEvidenceSchema.safeParse(evidence);
    if (!result.success) {
      for (const i of toIssues(result.error)) {
        issues.push({ ...i, path: i.path === '(root)' ? `${where}.evidence` : `${where}.evidence.${i.path}` });
      }
    } else {
      parsedEvidence = result.data;
      if (registration.success && result.data.track !== registration.data.track) {
        issues.push({
          path: `${where}.evidence.track`,
          message: `must be '${registration.data.track}', the partner's track`,
        });
      }
    }
  }
  if (issues.length > 0 || !registration.success) return { ok: false, row, issues };
  return {
    ok: true,
    value: {
      row,
      partnerId: registration.data.id,
      registration: registration.data,
      ...(parsedEvidence === undefined ? {} : { evidence: parsedEvidence }),
    },
  };
}

/** Counts bytes through the stream; past MAX_IMPORT_BYTES the upload is refused as too large. */
function guardSize(body: Readable): Readable {
  let bytes = 0;
  body.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > MAX_IMPORT_BYTES) {
      body.destroy(new ImportBodyError(`the upload is over ${String(MAX_IMPORT_BYTES / 1024 / 1024)} MiB`, [], true));
    }
  });
  return body;
}

/** The rows of an NDJSON stream: one JSON object per line, blank lines skipped. */
async function* ndjsonRows(body: Readable): AsyncGenerator<{ row: number; value: unknown } | CheckedRow> {
  const lines = createInterface({ input: guardSize(body), crlfDelay: Infinity });
  let row = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    row += 1;
    if (line.length > MAX_ROW_BYTES) {
      yield { ok: false, row, issues: [{ path: `row ${String(row)}`, message: 'longer than 2 MiB' }] };
      continue;
    }
    try {
      yield { row, value: JSON.parse(line) as unknown };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      yield { ok: false, row, issues: [{ path: `row ${String(row)}`, message: `not a JSON object: ${reason}` }] };
    }
  }
}

/** The rows of a CSV stream with a header naming CSV_COLUMNS (any order, optional ones may be left out). */
async function* csvRows(body: Readable): AsyncGenerator<{ row: number; value: unknown } | CheckedRow> {
  const parser = guardSize(body).pipe(
    parseCsv({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      max_record_size: MAX_ROW_BYTES,
      columns: (header: string[]) => {
        const unknown = header.filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
        const missing = REQUIRED_CSV_COLUMNS.filter((c) => !header.includes(c));
        const duplicated = header.filter((c, i) => header.indexOf(c) !== i);
        const issues = [
          ...unknown.map((c) => ({
            path: `header.${c}`,
            message: `unknown column; expected ${CSV_COLUMNS.join(', ')}`,
          })),
          ...missing.map((c) => ({ path: `header.${c}`, message: 'required column missing' })),
          ...duplicated.map((c) => ({ path: `header.${c}`, message: 'column named twice' })),
        ];
        if (issues.length > 0) throw new ImportBodyError('the CSV header is invalid', issues);
        return header;
      },
    }),
  );
  body.on('error', (error) => parser.destroy(error));
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      row += 1;
      const value: Record<string, unknown> = {};
      const issues: ValidationIssue[] = [];
      for (const [column, text] of Object.entries(record)) {
        if (text === '') continue;
        if (LIST_COLUMNS.has(column)) {
          value[column] = text
            .split(';')
            .map((s) => s.trim())
            .filter((s) => s !== '');
        } else if (column === 'evidence') {
          try {
            value.evidence = JSON.parse(text) as unknown;
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            issues.push({ path: `row ${String(row)}.evidence`, message: `not a JSON document: ${reason}` });
          }
        } else value[column] = text;
      }
      yield issues.length > 0 ? { ok: false, row, issues } : { row, value };
    }
  } catch (error) {
    if (error instanceof ImportBodyError) throw error;
    // Every parse error of csv-parse (its codes are not all CSV_…: INVALID_OPENING_QUOTE is one) refuses the body.
    if (error instanceof CsvError) {
      const lines = (error as CsvError & { lines?: number }).lines;
      throw new ImportBodyError(`the body is not valid CSV: ${error.message}`, [
        { path: `line ${String(lines ?? row + 1)}`, message: error.message },
      ]);
    }
    throw error;
  }
}

/** Every row of the upload, checked, in file order. Throws ImportBodyError when the body as a whole is refused. */
export async function* readImport(body: Readable, format: ImportFormat): AsyncGenerator<CheckedRow> {
  const seen = new Map<string, number>();
  let count = 0;
  for await (const item of format === 'csv' ? csvRows(body) : ndjsonRows(body)) {
    count += 1;
    if (count > MAX_IMPORT_ROWS) {
      throw new ImportBodyError(`more than ${String(MAX_IMPORT_ROWS)} rows: split the file`, [], true);
    }
    const checked = 'ok' in item ? item : checkRow(item.row, item.value);
    if (checked.ok) {
      const first = seen.get(checked.value.partnerId);
      if (first !== undefined) {
        yield {
          ok: false,
          row: checked.value.row,
          issues: [
            {
              path: `row ${String(checked.value.row)}.id`,
              message: `partner '${checked.value.partnerId}' is also on row ${String(first)}`,
            },
          ],
        };
        continue;
      }
      seen.set(checked.value.partnerId, checked.value.row);
    }
    yield checked;
  }
}
