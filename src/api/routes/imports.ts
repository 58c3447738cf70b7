/**
 * Bulk onboarding: `POST /partners/import` streams a CSV or NDJSON file of registrations into a job, answers 202 with
 * the job's address once every row is read and valid, and the job registers the partners and starts their lifecycles
 * in the background; `GET /partner-imports/{jobId}` is its progress and per-row report.
 */
import type { Readable } from 'node:stream';
import type { Router } from 'express';
import { z } from 'zod';
import type { ValidationIssue } from '../../domain/evidence';
import type { ImportJob, StagedRow } from '../../store';
import type { ImportRunner } from '../import-runner';
import {
  CSV_COLUMNS,
  IMPORT_FORMATS,
  ImportBodyError,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_ROWS,
  readImport,
  type ImportFormat,
} from '../partner-import';
import { ProblemError } from '../problem';
import { defineRoute } from '../route';
import type { PartnerRouteDeps } from './partners';

export interface ImportRouteDeps extends PartnerRouteDeps {
  imports: ImportRunner;
}

/** Problems listed in a refused upload; the count of the rest is in `detail`. */
const MAX_LISTED_ISSUES = 200;
/** Rows per staging statement, and bytes (evidence documents can be large). */
const STAGE_ROWS = 500;
const STAGE_BYTES = 4 * 1024 * 1024;

const JobParams = z.object({
  jobId: z
    .string()
    .regex(/^imp-[0-9a-f-]{36}$/, 'an import job id as answered by POST /v1/partners/import')
    .meta({ description: 'The job id' }),
});

const RowProblemSchema = z.object({
  status: z.number().int(),
  title: z.string(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

const ImportRowSchema = z
  .object({
    row: z.number().int().meta({ description: 'Row of the file, from 1 (CSV: line row + 1)' }),
    partnerId: z.string(),
    status: z.enum(['pending', 'created', 'unchanged', 'updated', 'refused']),
    problem: RowProblemSchema.nullable().meta({ description: 'Why the row was refused (as the single endpoint says)' }),
  })
  .meta({ id: 'ImportRow' });

const ImportJobSchema = z
  .object({
    id: z.string(),
    status: z.enum(['staging', 'running', 'done']),
    format: z.string(),
    total: z.number().int(),
    settled: z.number().int().meta({ description: 'Rows with an outcome' }),
    counts: z.object({
      pending: z.number().int(),
      created: z.number().int().meta({ description: 'Registered and lifecycle started by this job' }),
      unchanged: z.number().int().meta({ description: 'Already registered with the same data (and evidence)' }),
      updated: z.number().int().meta({ description: 'Already registered; a new evidence version stored' }),
      refused: z.number().int(),
    }),
    refused: z.array(ImportRowSchema).meta({ description: 'The first refused rows; page with …/rows?status=refused' }),
    createdBy: z.string(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    location: z.string(),
  })
  .meta({ id: 'ImportJob' });

const RowsQuery = z.object({
  status: z.enum(['pending', 'created', 'unchanged', 'updated', 'refused']).optional(),
  after: z.coerce.number().int().min(0).max(MAX_IMPORT_ROWS).default(0).meta({ description: 'Rows after this one' }),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export function importRoutes(router: Router, deps: ImportRouteDeps): void {
  const { store, imports } = deps;
  const jobUrl = (id: string) => `${deps.prefix}/partner-imports/${id}`;

  async function jobBody(job: ImportJob) {
    const refused =
      job.counts.refused > 0 ? await store.imports.listRows(job.id, { status: 'refused', limit: 100 }) : [];
    return {
      id: job.id,
      status: job.status,
      format: job.format,
      total: job.total,
      settled: job.total - job.counts.pending,
      counts: job.counts,
      refused: refused.map((r) => ({ row: r.row, partnerId: r.partnerId, status: r.status, problem: r.problem })),
      createdBy: job.createdBy,
      createdAt: job.createdAt,
      finishedAt: job.finishedAt,
      location: jobUrl(job.id),
    };
  }

  defineRoute(router, deps, {
    method: 'post',
    path: '/partners/import',
    operationId: 'importPartners',
    summary: 'Import partner registrations in bulk',
    description:
      'The body is streamed: `text/csv` with a header naming the columns ' +
      `(${CSV_COLUMNS.join(', ')}; list columns hold \`;\`-separated ids, \`evidence\` a JSON document) or ` +
      '`application/x-ndjson` (one registration object per line, optionally with `evidence`). Each row is validated ' +
      'as `POST /v1/partners` validates one registration; one invalid row refuses the whole upload (400, every ' +
      'issue named `row <n>.<field>`, rows numbered from 1, the first data row) and nothing is imported. A valid ' +
      'upload answers 202 with the job, which registers the partners, stores their evidence and starts their ' +
      'lifecycles in the background, a bounded number at a time; its progress and per-row report (created, ' +
      'unchanged, updated, refused and why) are at `Location`. Idempotent per partner id: the same file again ' +
      'changes nothing (every row `unchanged`). A job cut off by a restart resumes its pending rows when the API ' +
      `starts again. At most ${String(MAX_IMPORT_ROWS)} rows per upload.`,
    tag: 'Partners',
    access: { roles: ['program-admin'] },
    streamBody: {
      types: Object.keys(IMPORT_FORMATS),
      description: 'CSV with a header row, or NDJSON: one registration per row',
      maxBytes: MAX_IMPORT_BYTES,
    },
    responses: {
      202: {
        description: 'Every row read and valid; the job runs',
        schema: ImportJobSchema,
        headers: { Location: 'The import job' },
      },
    },
    handler: async ({ req, principal }) => {
      const format = IMPORT_FORMATS[req.is(Object.keys(IMPORT_FORMATS)) as keyof typeof IMPORT_FORMATS];
      const jobId = `imp-${crypto.randomUUID()}`;
      await store.imports.createJob({ id: jobId, createdBy: `${principal.role}:${principal.sub}`, format });
      try {
        const total = await stage(jobId, req, format);
        await store.imports.startJob(jobId, total);
      } catch (error) {
        // Refused or cut off as a whole: nothing of it stays behind.
        await store.imports.deleteJob(jobId).catch(() => undefined);
        throw error;
      }
      void imports.run(jobId);
      const job = await store.imports.getJob(jobId);
      return { status: 202, body: await jobBody(job!), headers: { Location: jobUrl(jobId) } };
    },
  });

  /** Reads and stages every row; throws the upload's refusal when a row or the body is invalid. */
  async function stage(jobId: string, body: Readable, format: ImportFormat): Promise<number> {
    const issues: ValidationIssue[] = [];
    let invalidRows = 0;
    let total = 0;
    let batch: StagedRow[] = [];
    let batchBytes = 0;
    const flush = async () => {
      if (batch.length > 0 && invalidRows === 0) await store.imports.stageRows(jobId, batch);
      batch = [];
      batchBytes = 0;
    };
    try {
      for await (const checked of readImport(body, format)) {
        total += 1;
        if (!checked.ok) {
          invalidRows += 1;
          issues.push(...checked.issues.slice(0, Math.max(0, MAX_LISTED_ISSUES - issues.length)));
          continue;
        }
        if (invalidRows > 0) continue;
        const { row, partnerId, registration, evidence } = checked.value;
        batch.push({ row, partnerId, registration, ...(evidence === undefined ? {} : { evidence }) });
        batchBytes += evidence === undefined ? 512 : JSON.stringify(evidence).length;
        if (batch.length >= STAGE_ROWS || batchBytes >= STAGE_BYTES) await flush();
      }
    } catch (error) {
      if (error instanceof ImportBodyError) {
        if (error.tooLarge) throw new ProblemError('payload-too-large', error.message);
        throw ProblemError.invalid(error.message, error.issues);
      }
      throw error;
    }
    if (invalidRows > 0) {
      throw ProblemError.invalid(
        `${String(invalidRows)} of ${String(total)} rows are invalid; nothing was imported` +
          (issues.length >= MAX_LISTED_ISSUES ? ` (the first ${String(MAX_LISTED_ISSUES)} issues are listed)` : ''),
        issues,
      );
    }
    if (total === 0) throw ProblemError.invalid('the upload holds no rows', [{ path: 'body', message: 'no rows' }]);
    await flush();
    return total;
  }

  defineRoute(router, deps, {
    method: 'get',
    path: '/partner-imports/{jobId}',
    operationId: 'getPartnerImport',
    summary: 'Read an import job: progress and refused rows',
    tag: 'Partners',
    access: { roles: ['program-admin'] },
    params: JobParams,
    responses: { 200: { description: 'The job', schema: ImportJobSchema } },
    handler: async ({ params }) => {
      const job = await store.imports.getJob(params.jobId);
      if (!job || job.status === 'staging') throw ProblemError.notFound(`no import job '${params.jobId}'`);
      return { status: 200, body: await jobBody(job) };
    },
  });

  defineRoute(router, deps, {
    method: 'get',
    path: '/partner-imports/{jobId}/rows',
    operationId: 'listPartnerImportRows',
    summary: 'List an import job’s rows with their outcome',
    tag: 'Partners',
    access: { roles: ['program-admin'] },
    params: JobParams,
    query: RowsQuery,
    responses: { 200: { description: 'Rows in file order', schema: z.object({ items: z.array(ImportRowSchema) }) } },
    handler: async ({ params, query }) => {
      const job = await store.imports.getJob(params.jobId);
      if (!job || job.status === 'staging') throw ProblemError.notFound(`no import job '${params.jobId}'`);
      const rows = await store.imports.listRows(job.id, {
        after: query.after,
        limit: query.limit,
        ...(query.status ? { status: query.status } : {}),
      });
      return {
        status: 200,
        body: {
          items: rows.map((r) => ({ row: r.row, partnerId: r.partnerId, status: r.status, problem: r.problem })),
        },
      };
    },
  });
}
