/** Tier ladder helpers (R-UPGRADE) and the EBR window calendar (R-EBR). */
import {
  ebrWindow,
  ebrWindowFor,
  nextEbrWindow,
  nextTierUp,
  tierExistsOnTrack,
  tierRank,
  tiersForTrack,
  type EbrCalendar,
} from '../../src/domain';

describe('tiers', () => {
  it('R-UPGRADE: the next tier up is one step, premier for consulting only', () => {
    expect(nextTierUp('registered', 'consulting')).toBe('select');
    expect(nextTierUp('select', 'technology')).toBe('advanced');
    expect(nextTierUp('advanced', 'consulting')).toBe('premier');
    expect(nextTierUp('advanced', 'technology')).toBeNull();
    expect(nextTierUp('premier', 'consulting')).toBeNull();
  });

  it('ranks the ladder and knows which tiers exist per track', () => {
    expect(['registered', 'select', 'advanced', 'premier'].map((t) => tierRank(t as never))).toEqual([0, 1, 2, 3]);
    expect(tiersForTrack('technology')).toEqual(['select', 'advanced']);
    expect(tierExistsOnTrack('premier', 'technology')).toBe(false);
    expect(tierExistsOnTrack('registered', 'technology')).toBe(true);
  });
});

describe('R-EBR windows', () => {
  it('R-EBR: default windows open 14 days after quarter close and last 30 days', () => {
    expect(ebrWindow('2019-Q1')).toEqual({ id: '2019-Q1', opensOn: '2019-04-15', closesOn: '2019-05-14' });
    expect(ebrWindow('2019-Q4')).toEqual({ id: '2019-Q4', opensOn: '2020-01-15', closesOn: '2020-02-13' });
  });

  it('R-EBR: the Q3 window opens at quarter close and lasts 21 days (re:Invent)', () => {
    expect(ebrWindow('2019-Q3')).toEqual({ id: '2019-Q3', opensOn: '2019-10-01', closesOn: '2019-10-21' });
  });

  it('R-PREMIER: the earliest window not yet ended on a date, even if already open', () => {
    expect(ebrWindowFor('2019-08-01').id).toBe('2019-Q2');
    expect(ebrWindowFor('2019-08-13').id).toBe('2019-Q2');
    expect(ebrWindowFor('2019-08-14').id).toBe('2019-Q3');
    expect(ebrWindowFor('2019-10-21').id).toBe('2019-Q3');
    expect(ebrWindowFor('2019-10-22').id).toBe('2019-Q4');
    expect(ebrWindowFor('2020-01-01')).toEqual({ id: '2019-Q4', opensOn: '2020-01-15', closesOn: '2020-02-13' });
  });

  it('R-PREMIER: a deferred review moves to the next window, across years', () => {
    expect(nextEbrWindow('2019-Q3').id).toBe('2019-Q4');
    expect(nextEbrWindow('2019-Q4')).toEqual({ id: '2020-Q1', opensOn: '2020-04-15', closesOn: '2020-05-14' });
    expect(() => nextEbrWindow('2019-Q5')).toThrow(RangeError);
  });

  it('R-EBR: the calendar is configuration', () => {
    const calendar: EbrCalendar = { default: { opensDaysAfterQuarterClose: 0, lengthDays: 10 } };
    expect(ebrWindowFor('2019-10-05', calendar)).toEqual({
      id: '2019-Q3',
      opensOn: '2019-10-01',
      closesOn: '2019-10-10',
    });
    expect(ebrWindowFor('2019-10-11', calendar).id).toBe('2019-Q4');
  });
});
