import { formatNumber, formatRatio, markdownTable, median, ratio } from '../../bench/stats.ts';

describe('benchmark stats', () => {
  test('median of odd and even counts, unsorted input, ignoring NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, Number.NaN, 1, 3])).toBe(3);
    expect(median([])).toBeNaN();
  });

  test('median does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  test('ratio is ours / reference, NaN without a usable reference', () => {
    expect(ratio(900, 1000)).toBeCloseTo(0.9);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(Number.NaN, 2)).toBeNaN();
  });

  test('formatting', () => {
    expect(formatNumber(12345.678, 1)).toBe('12,345.7');
    expect(formatNumber(Number.NaN)).toBe('n/a');
    expect(formatRatio(0.8349)).toBe('0.83×');
    expect(formatRatio(Number.POSITIVE_INFINITY)).toBe('n/a');
  });

  test('markdown table pads cells to the widest one', () => {
    expect(markdownTable(['a', 'bb'], [['ccc', 'd']])).toBe(
      ['| a   | bb |', '| --- | -- |', '| ccc | d  |'].join('\n'),
    );
  });
});
