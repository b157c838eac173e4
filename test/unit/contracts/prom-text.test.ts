import { histogramQuantile, parseMetrics, sumOf } from '../../../src/contracts/prom-text.ts';

const text = `# HELP x_total help
# TYPE x_total counter
x_total{outcome="success",w="1"} 3
x_total{outcome="failed",w="1"} 1
x_total{outcome="success",w="2"} 4
d_seconds_bucket{le="0.1"} 50
d_seconds_bucket{le="0.2"} 90
d_seconds_bucket{le="+Inf"} 100
`;

describe('prom text', () => {
  const samples = parseMetrics(text);

  it('sums series matching labels', () => {
    expect(sumOf(samples, 'x_total')).toBe(8);
    expect(sumOf(samples, 'x_total', { outcome: 'success' })).toBe(7);
    expect(sumOf(samples, 'missing')).toBe(0);
  });

  it('computes histogram quantiles like histogram_quantile', () => {
    expect(histogramQuantile(samples, 'd_seconds', 0.5)).toBeCloseTo(0.1);
    expect(histogramQuantile(samples, 'd_seconds', 0.7)).toBeCloseTo(0.15);
    expect(histogramQuantile(samples, 'd_seconds', 0.99)).toBeCloseTo(0.2);
    expect(histogramQuantile([], 'd_seconds', 0.5)).toBeNaN();
  });
});

describe('parseMetrics: the exposition format edge cases (#16)', () => {
  it('reads +Inf, -Inf and NaN values', () => {
    const samples = parseMetrics('a 1\nb +Inf\nc -Inf\nd NaN\n');
    expect(samples.map((s) => s.value)).toEqual([1, Infinity, -Infinity, NaN]);
  });
  it('unescapes \\n, \\" and \\\\ in label values', () => {
    const [sample] = parseMetrics('m{msg="line1\\nline2 \\"q\\" back\\\\slash"} 1\n');
    expect(sample?.labels.msg).toBe('line1\nline2 "q" back\\slash');
  });
});
