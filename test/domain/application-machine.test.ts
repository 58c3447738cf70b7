/**
 * The upgrade application as a pure reducer (src/domain/membership/application-machine; R-UPGRADE, R-PREMIER,
 * R-EBR). A driver plays the workflow shell: it performs the effects in order (some activities failing for good, the
 * operator retrying or dismissing), answers evaluations from a generated scorecard, and lets time pass to the next
 * command or the wait's date. Generated lives (fast-check) keep the invariants: one decision at most; an approval only
 * with the streak complete, the latest check meeting Premier, readiness passed and an approving EBR; a withdrawn or
 * lapsed application never approves; the schedule never goes backwards; every close is journaled and recorded.
 */
import fc from 'fast-check';
import { addDays, currentEdition } from '../../src/domain';
import {
  checkApplicationCommand,
  newApplication,
  stepApplication,
  woken,
  type ApplicationCommand,
  type ApplicationEffect,
  type ApplicationInput,
  type ApplicationMachineState,
  type ApplicationStepResult,
  type Evaluation,
} from '../../src/domain/membership/application-machine';
import type { ApplicationDecision, Tier } from '../../src/domain/membership';

const lifecycle = currentEdition.lifecycle;
const SUBMITTED = '2019-10-05';
const HORIZON = 720;

type Command = Exclude<ApplicationCommand, { kind: 'resolution' }>;
interface Life {
  target: Tier;
  /** Whether each month's scorecard meets the target (index: months since submission). */
  meets: boolean[];
  commands: { day: number; command: Command }[];
  /** Which performed activities fail for good (by their order), and the operator's answer. */
  faults: { at: number; action: 'retry' | 'dismiss' }[];
}

interface Trace {
  performed: { on: string; effect: ApplicationEffect }[];
  emitted: ApplicationEffect[][];
  /** The dates of the waits that ran to their end (timers fired). */
  fired: string[];
  /** The next check's date after each step. */
  nextChecks: string[];
  /** Commands applied while the application waited, with the state they met. */
  applied: { on: string; command: Command; refused: boolean }[];
  decisions: ApplicationDecision[];
  /** The state when each decision was made. */
  decidedFrom: ApplicationMachineState[];
  final: ApplicationMachineState;
}

const monthIndex = (on: string) =>
  (Number(on.slice(0, 4)) - 2019) * 12 + Number(on.slice(5, 7)) - 10; /* October 2019 is month 0 */

function evaluation(life: Life, on: string): Evaluation {
  const met = life.meets[Math.min(Math.max(monthIndex(on), 0), life.meets.length - 1)] ?? true;
  const below: Tier = life.target === 'premier' ? 'advanced' : 'registered';
  return {
    highestTierMet: met ? life.target : below,
    premierMet: met && life.target === 'premier',
    tierMet: { [life.target]: met },
    gaps: met ? [] : [`short of ${life.target} on ${on}`],
  };
}

/** Runs a life through the machine the way the workflow shell does. */
function drive(life: Life): Trace {
  const from: Tier = life.target === 'premier' ? 'advanced' : life.target === 'advanced' ? 'select' : 'registered';
  const facts = {
    partnerId: 'p1',
    number: 1,
    workflowId: 'partner/p1/application/1',
    fromTier: from,
    targetTier: life.target,
    submittedOn: SUBMITTED,
    submittedBy: 'lead',
    feeAccountId: '123456789012',
  };
  let state = newApplication(facts, [], true);
  let date = SUBMITTED;
  const trace: Trace = {
    performed: [],
    emitted: [],
    fired: [],
    nextChecks: [],
    applied: [],
    decisions: [],
    decidedFrom: [],
    final: state,
  };
  const pending = [...life.commands].sort((a, b) => a.day - b.day);
  const faults = new Map(life.faults.map((f) => [f.at, f.action]));
  let calls = 0;
  const feed = (input: ApplicationInput): ApplicationStepResult => {
    const result = stepApplication(state, date, input, lifecycle);
    state = result.state;
    trace.nextChecks.push(state.nextCheck);
    if (result.effects.length > 0) trace.emitted.push(result.effects);
    if (result.decision) trace.decidedFrom.push(state);
    return result;
  };
  /** Performs the effects; false when a step was abandoned. */
  const perform = (effects: ApplicationEffect[]): { ok: boolean; result?: Evaluation } => {
    let result: Evaluation | undefined;
    for (const effect of effects) {
      if (effect.kind === 'call' || effect.kind === 'journal') {
        calls += 1;
        const action = faults.get(calls);
        if (action) {
          const { ticket } = feed({ kind: 'failed', failure: { activity: 'x', reason: 'injected' } });
          feed({
            kind: 'command',
            command: { kind: 'resolution', resolution: { incidentId: `${calls}`, action, by: 'ops' } },
          });
          expect(woken(state, ticket)).toBe(true);
          const { answer } = feed({ kind: 'answered', ticket: ticket! });
          if (answer === 'abandon') return { ok: false };
          if (answer === 'skip') continue;
        }
      }
      trace.performed.push({ on: date, effect });
      if (effect.kind === 'decided') trace.decisions.push(effect.decision);
      if (effect.kind === 'call' && effect.activity === 'evaluatePartner') {
        result = evaluation(life, effect.args.asOf as string);
      }
    }
    return { ok: true, ...(result ? { result } : {}) };
  };

  let step = feed({ kind: 'start' });
  for (let guard = 0; guard < 500; guard += 1) {
    const done = perform(step.effects);
    if (!done.ok) {
      step = feed({ kind: 'abandoned' });
      continue;
    }
    if (step.decision) break;
    const awaiting = state.awaiting!;
    if (awaiting.step === 'effects') step = feed({ kind: 'performed' });
    else if (awaiting.step === 'evaluation') step = feed({ kind: 'evaluated', result: done.result! });
    else {
      // Commands due before the wait's date come in order; one that wakes the wait ends it.
      let wake = woken(state);
      while (!wake && pending.length > 0) {
        const on = addDays(SUBMITTED, pending[0]!.day);
        if (awaiting.until !== undefined && on >= awaiting.until) break;
        const { command } = pending.shift()!;
        if (on > date) date = on;
        const refused = checkApplicationCommand(state, date, command) !== undefined;
        trace.applied.push({ on: date, command, refused });
        const r = feed({ kind: 'command', command });
        expect(r.refusal !== undefined).toBe(refused);
        if (!refused) perform(r.effects);
        wake = woken(state);
      }
      if (!wake && awaiting.until === undefined) break; // waits for ever: nothing more comes
      if (!wake && awaiting.until! > date) date = awaiting.until!;
      if (!wake) trace.fired.push(awaiting.until!);
      if (date > addDays(SUBMITTED, HORIZON)) break;
      step = feed({ kind: 'waited', woken: wake });
    }
  }
  trace.final = state;
  return trace;
}

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('readiness' as const),
    cmd: fc.record({
      outcome: fc.constantFrom('passed' as const, 'passed' as const, 'failed' as const),
      by: fc.constant('pm'),
    }),
  }),
  fc.record({
    kind: fc.constant('ebr-outcome' as const),
    cmd: fc.record({
      outcome: fc.constantFrom('approved' as const, 'rejected' as const, 'deferred' as const),
      by: fc.constant('pm'),
    }),
  }),
  fc.record({
    kind: fc.constant('withdraw' as const),
    cmd: fc.record({ reason: fc.constant('cancelled'), by: fc.constant('lead') }),
  }),
);
const lifeArb: fc.Arbitrary<Life> = fc.record({
  target: fc.constantFrom<Tier>('premier', 'premier', 'premier', 'select', 'advanced'),
  meets: fc.array(fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), {
    minLength: 24,
    maxLength: 24,
  }),
  commands: fc.array(fc.record({ day: fc.integer({ min: 0, max: HORIZON }), command: commandArb }), { maxLength: 12 }),
  faults: fc.array(
    fc.record({ at: fc.integer({ min: 1, max: 40 }), action: fc.constantFrom('retry' as const, 'dismiss' as const) }),
    {
      maxLength: 3,
    },
  ),
});

const decisionIndex = (t: Trace) => t.performed.findIndex((p) => p.effect.kind === 'decided');

describe('invariants over generated lives', () => {
  test('an application decides at most once, and nothing is performed after its decision', () => {
    fc.assert(
      fc.property(lifeArb, (life) => {
        const t = drive(life);
        expect(t.decisions.length).toBeLessThanOrEqual(1);
        const i = decisionIndex(t);
        if (i >= 0) expect(i).toBe(t.performed.length - 1);
        if (t.decisions[0]) expect(t.final.status.decision).toEqual(t.decisions[0]);
      }),
      { numRuns: 400 },
    );
  });

  test('approval only with the streak complete, the latest check meeting Premier, readiness and an approving EBR', () => {
    fc.assert(
      fc.property(lifeArb, (life) => {
        const t = drive(life);
        const approved = t.decidedFrom.find((s) => s.status.decision?.outcome === 'approved');
        if (!approved) return;
        if (life.target !== 'premier') {
          expect(evaluation(life, SUBMITTED).tierMet[life.target]).toBe(true);
          return;
        }
        expect(approved.status.sustainedMonths).toBeGreaterThanOrEqual(lifecycle.sustainedAttainment.months);
        expect(approved.checks.at(-1)?.premierMet).toBe(true);
        expect(approved.status.readiness?.outcome).toBe('passed');
        expect(approved.ebrOutcome?.outcome).toBe('approved');
        expect(approved.status.decision!.decidedOn >= approved.status.ebrWindow!.opensOn).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  test('a withdrawn or lapsed application never approves', () => {
    fc.assert(
      fc.property(lifeArb, (life) => {
        const t = drive(life);
        const decision = t.decisions[0];
        const withdrawnFirst = t.applied.some((a) => a.command.kind === 'withdraw');
        if (withdrawnFirst && decision) expect(decision.outcome).toBe('withdrawn');
        const checks = t.performed.filter((p) => p.effect.kind === 'journal' && p.effect.type === 'sustained-check');
        const months = checks.map(
          (p) => (p.effect as unknown as { data: { months: number; premierMet: boolean } }).data,
        );
        const lapsedAt = months.findIndex(
          (m, i) => i > 0 && !m.premierMet && months[i - 1]!.months >= lifecycle.sustainedAttainment.months,
        );
        // A dismissed incident withdraws too; otherwise the failed check closes it lapsed.
        if (lapsedAt >= 0 && decision && decision.outcome !== 'withdrawn') expect(decision.outcome).toBe('lapsed');
        if (decision?.outcome === 'approved') expect(withdrawnFirst || lapsedAt >= 0).toBe(false);
        if (decision?.outcome === 'lapsed') expect(lapsedAt).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 400 },
    );
  });

  test('the schedule never goes backwards: checks, waits and EBR windows move forward only', () => {
    fc.assert(
      fc.property(lifeArb, (life) => {
        const t = drive(life);
        const ons = (type: string) =>
          t.performed
            .filter((p) => p.effect.kind === 'journal' && p.effect.type === type)
            .map((p) => (p.effect as { on: string; data: Record<string, unknown> }).data);
        const checkDates = t.performed
          .filter((p) => p.effect.kind === 'journal' && p.effect.type === 'sustained-check')
          .map((p) => (p.effect as { on: string }).on);
        for (let i = 1; i < checkDates.length; i += 1) expect(checkDates[i]! > checkDates[i - 1]!).toBe(true);
        const windows = ons('ebr-scheduled').map((d) => d.opensOn as string);
        for (let i = 1; i < windows.length; i += 1) expect(windows[i]! > windows[i - 1]!).toBe(true);
        for (let i = 1; i < t.fired.length; i += 1) expect(t.fired[i]! >= t.fired[i - 1]!).toBe(true);
        for (let i = 1; i < t.nextChecks.length; i += 1) expect(t.nextChecks[i]! >= t.nextChecks[i - 1]!).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  test('every close has its journal entry and its store row, before the partner is told', () => {
    fc.assert(
      fc.property(lifeArb, (life) => {
        const t = drive(life);
        for (const effects of t.emitted) {
          const i = effects.findIndex((e) => e.kind === 'decided');
          if (i < 0) continue;
          const { outcome } = (effects[i] as { decision: ApplicationDecision }).decision;
          const type =
            outcome === 'approved' || outcome === 'rejected' ? `application-${outcome}` : 'application-closed';
          const entry = effects.findIndex((e) => e.kind === 'journal' && e.type === type);
          const row = effects.findIndex(
            (e) => e.kind === 'call' && e.activity === 'recordApplication' && e.args.status === outcome,
          );
          expect(entry).toBeGreaterThanOrEqual(0);
          expect(entry).toBeLessThan(i);
          expect(row).toBeGreaterThanOrEqual(0);
          expect(row).toBeLessThan(i);
        }
        const keys = t.emitted.flat().flatMap((e) => (e.kind === 'journal' ? [e.key] : []));
        expect(new Set(keys).size).toBe(keys.length);
      }),
      { numRuns: 400 },
    );
  });
});

test('the generated lives reach every outcome (the invariants above are not vacuous)', () => {
  const outcomes = new Set(fc.sample(lifeArb, 600).map((life) => drive(life).decisions[0]?.outcome ?? 'open'));
  expect([...outcomes].sort()).toEqual(['approved', 'lapsed', 'open', 'rejected', 'withdrawn']);
});

describe('one life at a time', () => {
  const premier = (commands: Life['commands'], meets = Array<boolean>(24).fill(true)): Life => ({
    target: 'premier',
    meets,
    commands,
    faults: [],
  });
  const readiness = (day: number, outcome: 'passed' | 'failed' = 'passed') => ({
    day,
    command: { kind: 'readiness' as const, cmd: { outcome, by: 'pm' } },
  });
  const ebr = (day: number, outcome: 'approved' | 'rejected' | 'deferred') => ({
    day,
    command: { kind: 'ebr-outcome' as const, cmd: { outcome, by: 'pm' } },
  });
  const scheduled = (t: Trace) =>
    t.performed.flatMap((p) =>
      p.effect.kind === 'journal' && p.effect.type === 'ebr-scheduled' ? [p.effect.data.window] : [],
    );

  test('six sustained months from 2019-10-05, ready in November: the EBR of Q1 2020 approves on its day', () => {
    // The streak reaches six months on 2020-05-01, in the Q1 window (to 2020-05-13); 2020-05-12 is day 220.
    const t = drive(premier([readiness(46), ebr(220, 'approved')]));
    expect(scheduled(t)).toEqual(['2020-Q1']);
    expect(t.decisions).toEqual([expect.objectContaining({ outcome: 'approved', decidedOn: '2020-05-12', by: 'pm' })]);
  });

  test('a deferral moves the EBR to the next window, where it is approved', () => {
    const t = drive(premier([readiness(46), ebr(220, 'deferred'), ebr(290, 'approved')]));
    expect(scheduled(t)).toEqual(['2020-Q1', '2020-Q2']);
    expect(t.decisions[0]).toMatchObject({ outcome: 'approved', decidedOn: '2020-07-21' });
  });

  test('a failed check while waiting for the EBR closes the application lapsed with its gaps', () => {
    const meets = Array<boolean>(24).fill(true);
    meets[8] = false; // June 2020, after the Q1 window ended without an outcome
    const t = drive(premier([readiness(46)], meets));
    expect(t.decisions[0]).toMatchObject({
      outcome: 'lapsed',
      decidedOn: '2020-06-01',
      reasons: ['short of premier on 2020-06-01'],
    });
  });

  test("the Partner Manager's commands are checked: readiness before the EBR, its outcome once its window opened", () => {
    let state = newApplication(
      {
        partnerId: 'p',
        number: 1,
        workflowId: 'w',
        fromTier: 'advanced',
        targetTier: 'premier',
        submittedOn: SUBMITTED,
        submittedBy: 'l',
        feeAccountId: '1',
      },
      [],
      true,
    );
    const outcome = { kind: 'ebr-outcome' as const, cmd: { outcome: 'approved' as const, by: 'pm' } };
    expect(checkApplicationCommand(state, SUBMITTED, outcome)?.message).toBe(
      'no EBR is scheduled for this application',
    );
    const refused = stepApplication(state, SUBMITTED, { kind: 'command', command: outcome }, lifecycle);
    expect(refused.state).toBe(state);
    expect(refused.effects).toEqual([]);
    state = stepApplication(state, SUBMITTED, { kind: 'start' }, lifecycle).state;
    const ready = stepApplication(state, '2019-11-20', { kind: 'command', command: readiness(0).command }, lifecycle);
    expect(ready.effects).toEqual([
      expect.objectContaining({ kind: 'journal', type: 'readiness-assessment', key: 'w#1' }),
    ]);
    expect(ready.state.status.readiness).toMatchObject({ outcome: 'passed', on: '2019-11-20' });
  });
});
