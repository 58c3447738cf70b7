/**
 * Drives the pure membership machine (src/domain/membership/machine) the way the partner workflow runs: it wakes on
 * the next due date or the next command, runs everything due by then, then the command, answering each effect the
 * machine awaits (activity calls from an oracle; patches as new code takes them; child starts and signals succeed).
 * Shared by the model-based property test and the workflow comparison.
 */
import { currentEdition } from '../../src/domain';
import {
  nextDue,
  step,
  type Effect,
  type IsoDate,
  type LifecycleState,
  type MachineInput,
  type MachineState,
  type Outcome,
  type StepResult,
} from '../../src/domain/membership';

export const lifecycle = currentEdition.lifecycle;

/** What a newly registered partner's membership holds besides its partner, tier and paid years. */
export const freshMembership = () => ({
  cancelled: false,
  atRisk: false,
  invoices: [],
  cases: [],
  applicationCount: 0,
  monthly: [],
  journalSeq: 0,
  caseSeq: 0,
  runsSoFar: 1,
});
export type Call = Extract<Effect, { kind: 'call' }>;

/** Answers an activity call (an evaluation, an issued invoice, a failure); undefined: the driver's default. */
export type Oracle = (call: Call, date: IsoDate) => Outcome | undefined;

/** One piece of work and everything it did, from its input to its end. */
export interface WorkResult extends Omit<StepResult, 'awaits'> {
  calls: Call[];
}

/** One piece of work (before, input, after): the check sees every one. */
export type Check = (before: MachineState, date: IsoDate, input: MachineInput, result: WorkResult) => void;

export class MachineDriver {
  readonly journal: Extract<Effect, { kind: 'journal' }>[] = [];
  readonly calls: Call[] = [];
  state: MachineState;
  private cases = 0;

  constructor(
    membership: LifecycleState,
    private readonly oracle: Oracle,
    private readonly check: Check = () => {},
    private readonly patched: (name: string) => boolean = () => true,
  ) {
    this.state = { membership };
  }

  /** Feeds one input and answers every effect its work awaits; returns the work's result. */
  feed(date: IsoDate, input: MachineInput): WorkResult {
    const before = this.state;
    const effects: Effect[] = [];
    let result = step(before, date, input, lifecycle);
    for (;;) {
      effects.push(...result.effects);
      this.state = result.state;
      if (!result.awaits) break;
      result = step(result.state, date, { kind: 'outcome', outcome: this.answer(result.awaits, date) }, lifecycle);
    }
    const calls = effects.filter((e): e is Call => e.kind === 'call');
    const { awaits: _awaits, ...done } = result;
    const work: WorkResult = { ...done, effects, calls };
    this.check(before, date, input, work);
    for (const e of effects) if (e.kind === 'journal') this.journal.push(e);
    this.calls.push(...calls);
    return work;
  }

  /** Everything due by `date`, as the workflow runs it when it wakes on `date`. */
  settle(date: IsoDate): void {
    while (!this.feed(date, { kind: 'timer' }).idle);
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

  private answer(effect: NonNullable<StepResult['awaits']>, date: IsoDate): Outcome {
    if (effect.kind === 'patched') return { ok: true, value: this.patched(effect.name) };
    if (effect.kind !== 'call') return { ok: true };
    const answered = this.oracle(effect, date);
    if (answered) return answered;
    if (effect.activity === 'openCase') {
      this.cases += 1;
      return { ok: true, value: { caseId: `case-${this.cases}` } };
    }
    if (effect.activity === 'voidOpenInvoices') {
      return { ok: true, value: { voided: this.state.membership.invoices?.length ?? 0 } };
    }
    return { ok: true };
  }
}
