/** R-WINDOW date arithmetic: pure UTC calendar days. */
import {
  addDays,
  addMonths,
  daysBetween,
  inRollingWindow,
  isIsoDate,
  isIsoMonth,
  rollingWindowLeavesOn,
} from '../../src/domain';

describe('dates', () => {
  it('R-WINDOW: recognises real calendar days only', () => {
    expect(isIsoDate('2020-02-29')).toBe(true);
    expect(isIsoDate('2019-02-29')).toBe(false);
    expect(isIsoDate('1900-02-29')).toBe(false);
    expect(isIsoDate('2000-02-29')).toBe(true);
    expect(isIsoDate('2019-12-32')).toBe(false);
    expect(isIsoMonth('2019-12')).toBe(true);
    expect(isIsoMonth('2019-13')).toBe(false);
  });

  it('R-WINDOW: adding months clamps to the month end (Feb 29 → Feb 28)', () => {
    expect(addMonths('2020-02-29', -12)).toBe('2019-02-28');
    expect(addMonths('2020-02-29', 12)).toBe('2021-02-28');
    expect(addMonths('2019-01-31', 1)).toBe('2019-02-28');
    expect(addMonths('2019-12-13', -12)).toBe('2018-12-13');
    expect(addMonths('2019-11-30', 3)).toBe('2020-02-29');
  });

  it('adds days and counts days across years', () => {
    expect(addDays('2019-12-31', 1)).toBe('2020-01-01');
    expect(addDays('2020-03-01', -1)).toBe('2020-02-29');
    expect(daysBetween('2019-01-01', '2020-01-01')).toBe(365);
  });

  it('R-WINDOW: on 2019-12-13 the window runs 2018-12-14 through 2019-12-13', () => {
    expect(inRollingWindow('2018-12-13', '2019-12-13', 12)).toBe(false);
    expect(inRollingWindow('2018-12-14', '2019-12-13', 12)).toBe(true);
    expect(inRollingWindow('2019-12-13', '2019-12-13', 12)).toBe(true);
    expect(inRollingWindow('2019-12-14', '2019-12-13', 12)).toBe(false);
  });

  it('R-WINDOW: the day an item leaves is the first date it no longer counts', () => {
    expect(rollingWindowLeavesOn('2019-01-15', 12)).toBe('2020-01-15');
    expect(rollingWindowLeavesOn('2020-02-29', 12)).toBe('2021-03-01');
    for (const d of ['2019-01-15', '2020-02-29', '2019-03-31', '2019-08-31']) {
      const leaves = rollingWindowLeavesOn(d, 12);
      expect(inRollingWindow(d, leaves, 12)).toBe(false);
      expect(inRollingWindow(d, addDays(leaves, -1), 12)).toBe(true);
    }
  });
});
