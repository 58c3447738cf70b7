/**
 * Bulk onboarding jobs (`import_jobs`, `import_rows`): an uploaded file's registrations, staged row by row while the
 * upload streams in, then settled one by one by the API's import runner. A job and its rows are the durable record
 * of what is left to do, so a process that dies mid-import leaves pending rows another run resumes.
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from './connection';
import { StoreValidationError } from './errors';
import { jsonb, run as translated } from './repository';
import { importJobs, importRows } from './schema';

export type ImportJobStatus = 'staging' | 'running' | 'done';
export type ImportRowStatus = 'pending' | 'created' | 'unchanged' | 'updated' | 'refused';
export const SETTLED_ROW_STATUSES = ['created', 'unchanged', 'updated', 'refused'] as const;

export interface ImportRowProblem {
  status: number;
  title: string;
  detail: string;
  errors?: { path: string; message: string }[];
}

export interface StagedRow {
  row: number;
  partnerId: string;
  registration: Record<string, unknown>;
  evidence?: unknown;
}

export interface ImportRow extends StagedRow {
  status: ImportRowStatus;
  problem: ImportRowProblem | null;
}

export interface ImportJob {
  id: string;
  createdBy: string;
  format: string;
  status: ImportJobStatus;
  total: number;
  counts: Record<ImportRowStatus, number>;
  createdAt: string;
  finishedAt: string | null;
}

const iso = (t: string | null): string | null => (t === null ? null : new Date(t).toISOString());

export class ImportRepository {
  constructor(private readonly db: Db) {}

  /** A new job in `staging`: its rows are added while the upload is read. */
  async createJob(input: { id: string; createdBy: string; format: string }): Promise<void> {
    await translated(() =>
      this.db
        .insert(importJobs)
        .values({ id: input.id, createdBy: input.createdBy, format: input.format, status: 'staging' }),
    );
  }

  /** Stages rows of a job still in `staging` (one statement per batch). */
  async stageRows(jobId: string, rows: readonly StagedRow[]): Promise<void> {
    if (rows.length === 0) return;
    await translated(() =>
      this.db.insert(importRows).values(
        rows.map((r) => ({
          jobId,
          row: r.row,
          partnerId: r.partnerId,
          registration: sql`${jsonb(r.registration)}`,
          evidence: r.evidence === undefined ? null : sql`${jsonb(r.evidence)}`,
        })),
      ),
    );
  }

  /** The upload was read whole: the job runs. */
  async startJob(jobId: string, total: number): Promise<void> {
    await translated(() =>
      this.db.update(importJobs).set({ status: 'running', total }).where(eq(importJobs.id, jobId)),
    );
  }

  /** Removes a job and its rows (an upload refused as a whole leaves nothing behind). */
  async deleteJob(jobId: string): Promise<void> {
    await translated(() => this.db.delete(importJobs).where(eq(importJobs.id, jobId)));
  }

  /** Up to `limit` rows still pending, in file order, after row `after`. */
  async pendingRows(jobId: string, limit: number, after = 0): Promise<ImportRow[]> {
    const rows = await this.db
      .select()
      .from(importRows)
      .where(and(eq(importRows.jobId, jobId), eq(importRows.status, 'pending'), gt(importRows.row, after)))
      .orderBy(asc(importRows.row))
      .limit(limit);
    return rows.map(toRow);
  }

  /** Records a row's outcome; a row already settled keeps its first outcome. */
  async settleRow(jobId: string, row: number, status: Exclude<ImportRowStatus, 'pending'>, problem?: ImportRowProblem) {
    if (!(SETTLED_ROW_STATUSES as readonly string[]).includes(status)) {
      throw new StoreValidationError(`an import row settles as one of ${SETTLED_ROW_STATUSES.join(', ')}`);
    }
    await translated(() =>
      this.db
        .update(importRows)
        .set({ status, problem: problem ? sql`${jsonb(problem)}` : null, settledAt: sql`now()` })
        .where(and(eq(importRows.jobId, jobId), eq(importRows.row, row), eq(importRows.status, 'pending'))),
    );
  }

  /** Marks the job done when none of its rows is pending; resolves whether it is done. */
  async finishJobIfSettled(jobId: string): Promise<boolean> {
    const done = await this.db
      .update(importJobs)
      .set({ status: 'done', finishedAt: sql`now()` })
      .where(
        and(
          eq(importJobs.id, jobId),
          eq(importJobs.status, 'running'),
          sql`not exists (select 1 from ${importRows} where ${importRows.jobId} = ${jobId} and ${importRows.status} = 'pending')`,
        ),
      )
      .returning({ id: importJobs.id });
    return done.length > 0;
  }

  async getJob(jobId: string): Promise<ImportJob | undefined> {
    const [job] = await this.db.select().from(importJobs).where(eq(importJobs.id, jobId));
    if (!job) return undefined;
    const grouped = await this.db
      .select({ status: importRows.status, n: sql<number>`count(*)::int` })
      .from(importRows)
      .where(eq(importRows.jobId, jobId))
      .groupBy(importRows.status);
    const counts: Record<ImportRowStatus, number> = { pending: 0, created: 0, unchanged: 0, updated: 0, refused: 0 };
    for (const g of grouped) counts[g.status as ImportRowStatus] = Number(g.n);
    return {
      id: job.id,
      createdBy: job.createdBy,
      format: job.format,
      status: job.status as ImportJobStatus,
      total: job.total,
      counts,
      createdAt: iso(job.createdAt)!,
      finishedAt: iso(job.finishedAt),
    };
  }

  /** Rows of a job in file order after row `after`, optionally of one status (the per-row report). */
  async listRows(
    jobId: string,
    options: { status?: ImportRowStatus; after?: number; limit?: number } = {},
  ): Promise<ImportRow[]> {
    const rows = await this.db
      .select()
      .from(importRows)
      .where(
        and(
          eq(importRows.jobId, jobId),
          gt(importRows.row, options.after ?? 0),
          options.status ? eq(importRows.status, options.status) : undefined,
        ),
      )
      .orderBy(asc(importRows.row))
      .limit(options.limit ?? 1000);
    return rows.map(toRow);
  }

  /** Jobs that were running when their process stopped (to resume), oldest first. */
  async runningJobs(): Promise<string[]> {
    const rows = await this.db
      .select({ id: importJobs.id })
      .from(importJobs)
      .where(eq(importJobs.status, 'running'))
      .orderBy(asc(importJobs.createdAt));
    return rows.map((r) => r.id);
  }

  /** Jobs whose upload never finished staging (their process died while reading it): removed, nothing ran. */
  async dropStaleStaging(olderThanSeconds: number): Promise<number> {
    const removed = await this.db
      .delete(importJobs)
      .where(
        and(
          eq(importJobs.status, 'staging'),
          sql`${importJobs.createdAt} < now() - make_interval(secs => ${olderThanSeconds})`,
        ),
      )
      .returning({ id: importJobs.id });
    return removed.length;
  }
}

function toRow(r: typeof importRows.$inferSelect): ImportRow {
  return {
    row: r.row,
    partnerId: r.partnerId,
    registration: r.registration as Record<string, unknown>,
    ...(r.evidence === null ? {} : { evidence: r.evidence }),
    status: r.status as ImportRowStatus,
    problem: (r.problem as ImportRowProblem | null) ?? null,
  };
}
