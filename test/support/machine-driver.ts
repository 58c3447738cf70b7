/**
 * Drives the pure membership machine (src/domain/membership/machine) the way the partner workflow runs: it wakes on
 * the next due date or the next command, runs everything due by then (answering each awaited activity from an
 * oracle), then the command. Shared by the model-based property test and the workflow comparison.
 */
import { currentEdition } from '../../src/domain';
import {
  firstDueBy,
  nextDue,
  step,
  type Awaiting,
  type Effect,
  type IsoDate,
  type LifecycleState,
  type MachineInput,
  type MachineState,
  type StepResult,
} from '../../src/domain/membership';

export const lifecycle = currentEdition.lifecycle;

/** Answers the activity the machine awaits (an evaluation, an issued invoice, or a failure). */
export type Oracle = (awaiting: Awaiting, call: Extract<Effect, { kind: 'call' }>, date: IsoDate) => MachineInput;

/** One input and its answers; `check` sees every reduction (before, input, after). */
export type Check = (before: MachineState, date: IsoDate, input: MachineInput, result: StepResult) => void;

export class MachineDriver {
  readonly journal: Extract<Effect, { kind: 'journal' }>[] = [];
  readonly calls: Extract<Effect, { kind: 'call' }>[] = [];
  state: MachineState;

  constructor(
    membership: LifecycleState,
    private readonly oracle: Oracle,
    private readonly check: Check = () => {},
  ) {
    this.state = { membership };
  }

  /** Feeds one input and answers what it awaits; the first result (a command's refusal) is returned. */
  feed(date: IsoDate, input: MachineInput): StepResult {
    const first = this.reduce(date, input);
    let last = first;
    while (last.state.awaiting) {
      const call = [...last.effects].reverse().find((e): e is Extract<Effect, { kind: 'call' }> => e.kind === 'call')!;
      last = this.reduce(date, this.oracle(last.state.awaiting, call, date));
    }
    return first;
  }

  /** Everything due by `date`, as the workflow runs it when it wakes on `date`. */
  settle(date: IsoDate): void {
    while (firstDueBy(this.state.membership, lifecycle, date)) this.feed(date, { kind: 'timer' });
    this.feed(date, { kind: 'timer' });
  }

  /** Wakes on every due date before `date` (as the workflow's timer does), then on `date` itself. */
  advanceTo(date: IsoDate): void {
    for (;;) {
      const next = nextDue(this.state.membership, lifecycle);
      if (!next || next.on >= date) break;
      this.settle(next.on);
    }
    this.settle(date);
  }

  private reduce(date: IsoDate, input: MachineInput): StepResult {
    const before = this.state;
    const result = step(before, date, input, lifecycle);
    this.check(before, date, input, result);
    this.state = result.state;
    for (const e of result.effects) {
      if (e.kind === 'journal') this.journal.push(e);
      if (e.kind === 'call') this.calls.push(e);
    }
    return result;
  }
}
