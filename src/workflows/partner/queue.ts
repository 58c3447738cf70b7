/**
 * The partner workflow's command queue: Updates and signals are queued by their handlers and fed to the membership
 * machine by the main loop one at a time, so every state change happens in one place, in order. Answers are kept by
 * Update id, so the same Update sent again after continue-as-new is answered once more instead of applied twice.
 */
import { ApplicationFailure, condition, currentUpdateInfo } from '@temporalio/workflow';
import type { MembershipCommand, RememberedCommand } from '../../domain/membership';
import { refuse } from '../common';
import { LifecycleErrorType } from '../types';
import { feed, flushJournal, runDue, type PartnerRun } from './run';

type Command = { command: MembershipCommand; id: number; updateId?: string };
type Result = { ok: true; value: unknown } | { ok: false; error: unknown };

/** How many commands' answers the workflow keeps by Update id (exactly once across continue-as-new). */
const RECENT_COMMANDS_KEPT = 200;

export class CommandQueue {
  private readonly queue: Command[] = [];
  private readonly results = new Map<number, Result>();
  /** Answers given while the machine still works on their command: kept in its state once the work is done. */
  private readonly answered: RememberedCommand[] = [];
  private seq = 0;

  constructor(private readonly run: PartnerRun) {}

  /** Whether a command waits to be applied. */
  get waiting(): boolean {
    return this.queue.length > 0;
  }

  /** Queues a command (a signal's, or an Update's with its id); returns its number in this run. */
  enqueue(command: MembershipCommand, updateId?: string): number {
    this.seq += 1;
    this.queue.push({ command, id: this.seq, ...(updateId === undefined ? {} : { updateId }) });
    return this.seq;
  }

  /** The answer already given to the current Update's id, in this run or (carried in the state) an earlier one. */
  remembered(): RememberedCommand | undefined {
    const updateId = currentUpdateInfo()?.id;
    if (updateId === undefined) return undefined;
    const kept = [...(this.run.state.recentCommands ?? []), ...this.answered];
    return kept.find((c) => c.id === updateId);
  }

  /** An Update's handler: queues the command and answers once the main loop applied (or refused) it. */
  async submit<T>(command: MembershipCommand): Promise<T> {
    const seen = this.remembered();
    if (seen?.ok) return seen.value as T;
    if (seen?.error) refuse(seen.error.type as LifecycleErrorType, seen.error.message);
    const id = this.enqueue(command, currentUpdateInfo()?.id);
    await condition(() => this.results.has(id));
    const result = this.results.get(id)!;
    this.results.delete(id);
    if (!result.ok) throw result.error;
    return result.value as T;
  }

  /** Runs what fell due, then every queued command in order (each followed by what fell due), then the journal. */
  async drain(): Promise<void> {
    await runDue(this.run);
    while (this.queue.length > 0) {
      await this.apply(this.queue.shift()!);
      await runDue(this.run);
    }
    await flushJournal(this.run);
  }

  /** Feeds the command to the machine; its answer (early, at the end, or its refusal) goes to the caller. */
  private async apply(command: Command): Promise<void> {
    const result = await feed(this.run, { kind: 'command', command: command.command }, (value) =>
      this.answer(command, { ok: true, value }),
    );
    if (result.refusal) {
      const { type, message } = result.refusal;
      this.answer(command, { ok: false, error: ApplicationFailure.create({ type, message, nonRetryable: true }) });
    } else if (result.answer) this.answer(command, { ok: true, value: result.answer.value });
    const { state } = this.run;
    if (this.answered.length > 0) {
      const kept = [...(state.recentCommands ?? []), ...this.answered.splice(0, this.answered.length)];
      state.recentCommands = kept.slice(-RECENT_COMMANDS_KEPT);
    }
  }

  private answer(command: Command, result: Result): void {
    this.results.set(command.id, result);
    if (command.updateId === undefined) return;
    const error = result.ok ? undefined : result.error;
    this.answered.push(
      result.ok
        ? { id: command.updateId, ok: true, value: result.value }
        : {
            id: command.updateId,
            ok: false,
            error: {
              type: (error instanceof ApplicationFailure && error.type) || LifecycleErrorType.WrongState,
              message: error instanceof Error ? error.message : String(error),
            },
          },
    );
  }
}
