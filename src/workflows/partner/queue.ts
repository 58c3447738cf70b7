/**
 * The partner workflow's command queue: Updates and signals are queued by their handlers and applied by the main
 * loop one at a time, so every state change happens in one place, in order. Answers are kept by Update id, so the
 * same Update sent again after continue-as-new is answered once more instead of applied twice.
 */
import { ActivityFailure, ApplicationFailure, condition, currentUpdateInfo } from '@temporalio/workflow';
import type { MembershipCommand, RememberedCommand } from '../../domain/membership';
import { refuse } from '../common';
import { LifecycleErrorType } from '../types';
import { runDue } from './calendar';
import { runCommand } from './commands';
import { flushJournal, openIncident, type PartnerRun } from './run';

type Command = MembershipCommand & { id: number; updateId?: string };
type Result = { ok: true; value: unknown } | { ok: false; error: unknown };

/** How many commands' answers the workflow keeps by Update id (exactly once across continue-as-new). */
const RECENT_COMMANDS_KEPT = 200;

export class CommandQueue {
  private readonly queue: Command[] = [];
  private readonly results = new Map<number, Result>();
  private seq = 0;

  constructor(private readonly run: PartnerRun) {}

  /** Whether a command waits to be applied. */
  get waiting(): boolean {
    return this.queue.length > 0;
  }

  /** Queues a command (a signal's, or an Update's with its id); returns its number in this run. */
  enqueue(command: MembershipCommand, updateId?: string): number {
    this.seq += 1;
    this.queue.push({ ...command, id: this.seq, ...(updateId === undefined ? {} : { updateId }) });
    return this.seq;
  }

  /** The answer already given to the current Update's id, in this run or (carried in the state) an earlier one. */
  remembered(): RememberedCommand | undefined {
    const updateId = currentUpdateInfo()?.id;
    return updateId === undefined ? undefined : this.run.state.recentCommands?.find((c) => c.id === updateId);
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

  private async apply(command: Command): Promise<void> {
    // A command that answered on acceptance (an application) has told its caller; what fails after is an incident.
    let answered = false;
    const accepted = (value: unknown) => {
      answered = true;
      this.answer(command, { ok: true, value });
    };
    try {
      const value = await runCommand(this.run, command, accepted);
      if (!answered) this.answer(command, { ok: true, value });
    } catch (error) {
      if (answered && error instanceof ActivityFailure) {
        openIncident(this.run, 'command', this.run.clock.today(), error, { command: command.kind });
      } else if (answered) {
        throw error;
      } else if (error instanceof ActivityFailure) {
        // The command's work failed part-way for good: the caller is told, an operator sees the incident.
        const on = this.run.clock.today();
        const incident = openIncident(this.run, 'command', on, error, { command: command.kind });
        const refusal = ApplicationFailure.create({
          type: LifecycleErrorType.Incident,
          nonRetryable: true,
          message: `${command.kind} could not be completed: ${incident.reason} (incident ${incident.id})`,
        });
        this.answer(command, { ok: false, error: refusal });
      } else if (error instanceof ApplicationFailure) {
        this.answer(command, { ok: false, error });
      } else throw error;
    }
  }

  private answer(command: Command, result: Result): void {
    this.results.set(command.id, result);
    if (command.updateId === undefined) return;
    const { state } = this.run;
    const error = result.ok ? undefined : result.error;
    const kept: RememberedCommand = result.ok
      ? { id: command.updateId, ok: true, value: result.value }
      : {
          id: command.updateId,
          ok: false,
          error: {
            type: (error instanceof ApplicationFailure && error.type) || LifecycleErrorType.WrongState,
            message: error instanceof Error ? error.message : String(error),
          },
        };
    state.recentCommands = [...(state.recentCommands ?? []), kept].slice(-RECENT_COMMANDS_KEPT);
  }
}
