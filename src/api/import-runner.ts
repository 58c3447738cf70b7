/**
 * Runs bulk onboarding jobs: each staged row is registered, its evidence stored and its lifecycle started exactly as
 * `POST /v1/partners` and `PUT …/evidence` would, at most `concurrency` rows at a time toward Temporal. Every step is
 * idempotent per partner id (same registration: unchanged; workflow already started: not started again; same
 * evidence: no new version), so a job resumed after a crash, or the same file imported again, changes nothing that
 * was done.
 */
import type { Logger } from 'pino';
import type { ImportRow, ImportRowProblem, Store } from '../store';
import { partnerProfileOf, type Lifecycle } from './lifecycle';
import { problemBody, toProblemError } from './problem';
import { RegisterPartnerBody } from './schemas';

export interface ImportRunnerOptions {
  /** Rows in flight at once (each one store write and one workflow start). */
  concurrency?: number;
  /** Attempts of a row whose failure is a dependency's (Temporal or the store unavailable) before the run pauses. */
  attempts?: number;
  /** First retry delay of such a failure, doubling per attempt. */
  retryDelayMs?: number;
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

type Outcome = { status: 'created' | 'unchanged' | 'updated' } | { status: 'refused'; problem: ImportRowProblem };

/** A failure worth another attempt later: the row stays pending. */
class Transient extends Error {}

const BATCH = 500;

export class ImportRunner {
  private readonly running = new Map<string, Promise<void>>();
  private readonly concurrency: number;
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly lifecycle: Lifecycle,
    private readonly options: ImportRunnerOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 16;
    this.attempts = options.attempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 500;
  }

  /** Runs the job's pending rows unless this process runs it already; resolves when this run ends. */
  run(jobId: string): Promise<void> {
    const current = this.running.get(jobId);
    if (current) return current;
    const run = this.runJob(jobId)
      .catch((error: unknown) => {
        this.options.log?.error({ err: error, jobId }, 'import run paused; its pending rows resume at the next start');
      })
      .finally(() => this.running.delete(jobId));
    this.running.set(jobId, run);
    return run;
  }

  /** Resumes every job a stopped process left running (their pending rows); uploads never staged whole are dropped. */
  async resumeAll(): Promise<string[]> {
    await this.store.imports.dropStaleStaging(3600);
    const ids = await this.store.imports.runningJobs();
    for (const id of ids) void this.run(id);
    return ids;
  }

  /** Lets the rows in flight finish and starts no more. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.running.values()]);
  }

  private async runJob(jobId: string): Promise<void> {
    const started = Date.now();
    let after = 0;
    for (;;) {
      if (this.stopped) return;
      const rows = await this.store.imports.pendingRows(jobId, BATCH, after);
      if (rows.length === 0) break;
      await this.inPool(rows, (row) => this.settle(jobId, row));
      after = rows[rows.length - 1]!.row;
    }
    if (this.stopped) return;
    if (await this.store.imports.finishJobIfSettled(jobId)) {
      this.options.log?.info({ jobId, seconds: (Date.now() - started) / 1000 }, 'import done');
    }
  }

  private async inPool(rows: readonly ImportRow[], fn: (row: ImportRow) => Promise<void>): Promise<void> {
    let next = 0;
    const lanes = Array.from({ length: Math.min(this.concurrency, rows.length) }, async () => {
      while (next < rows.length && !this.stopped) await fn(rows[next++]!);
    });
    await Promise.all(lanes);
  }

  private async settle(jobId: string, row: ImportRow): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.importRow(row);
        await this.store.imports.settleRow(
          jobId,
          row.row,
          outcome.status,
          outcome.status === 'refused' ? outcome.problem : undefined,
        );
        return;
      } catch (error) {
        if (!(error instanceof Transient) || attempt >= this.attempts || this.stopped) throw error;
        await new Promise((r) => setTimeout(r, this.retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  }

  /** One registration, as the single endpoints do it; a refusal is the row's outcome, an outage a Transient. */
  private async importRow(row: ImportRow): Promise<Outcome> {
    const body = RegisterPartnerBody.parse(row.registration);
    const today = this.lifecycle.today();
    try {
      await this.store.registerPartner({
        ...partnerProfileOf(body),
        feeAccountId: body.feeAccountId ?? null,
        allianceLeadId: body.allianceLeadId,
        ...(body.allianceTeamIds ? { allianceTeamIds: body.allianceTeamIds } : {}),
        partnerManagerIds: body.partnerManagerIds,
      });
      let evidence: { version: number; created: boolean } | undefined;
      if (row.evidence !== undefined) {
        // Stored before the workflow starts, so its first check reads it; the same document again stores nothing.
        evidence = await this.store.changeEvidence(body.id, () => row.evidence, { on: today });
      }
      const start = await this.lifecycle.start(
        partnerProfileOf(body),
        body.lookBackFrom ? { lookBackFrom: body.lookBackFrom } : {},
      );
      if (start.started) return { status: 'created' };
      if (evidence?.created) {
        // A running workflow re-reads evidence at its next check anyway; the signal only makes it sooner.
        await this.lifecycle.evidenceChanged(body.id, evidence.version, today).catch(() => undefined);
        return { status: 'updated' };
      }
      return { status: 'unchanged' };
    } catch (error) {
      const problem = toProblemError(error);
      if (!problem || problem.status >= 500)
        throw new Transient(error instanceof Error ? error.message : String(error));
      const answer = problemBody(problem.kind, problem.detail, undefined, problem.errors);
      return {
        status: 'refused',
        problem: {
          status: answer.status,
          title: answer.title,
          detail: answer.detail,
          ...(answer.errors ? { errors: answer.errors } : {}),
        },
      };
    }
  }
}
