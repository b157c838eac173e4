import {
  computeRoi,
  DEFAULT_ROI,
  PROJECTION_VOLUMES,
  type MeasuredFigures,
} from '../../../src/roi/arithmetic.ts';

const measured = (over: Partial<MeasuredFigures> = {}): MeasuredFigures => ({
  source: 'hand',
  periodSeconds: 1000,
  itemsProcessed: 10_000,
  itemsFailed: 100,
  batches: 100,
  failedBatches: 1,
  retries: 500,
  cpuSeconds: 20,
  replicas: 2,
  latency: { p50: 0.05, p95: 0.2, p99: 0.4 },
  timeline: [],
  ...over,
});

describe('ROI arithmetic (hand-computed)', () => {
  it('uses the schema defaults: 2 labor minutes per item at 30/h, 0.0000125 per CPU second, setup 10000', () => {
    expect(DEFAULT_ROI).toEqual({
      laborMinutesPerItem: 2,
      laborCostPerHour: 30,
      cpuSecondPrice: 0.0000125,
      setupCost: 10000,
      currency: 'USD',
    });
    expect(PROJECTION_VOLUMES).toEqual([10_000, 50_000, 100_000, 1_000_000]);
  });

  it('computes per-item cost with retry overhead, labor saved, net savings and payback (defaults)', () => {
    const r = computeRoi(measured());
    // 10000 items in 1000 s on 2 replicas: 10 items/s, 5 per replica.
    expect(r.throughputPerSecond).toBe(10);
    expect(r.throughputPerReplica).toBe(5);
    // 500 retries / 10000 items; 20 CPU s / 10500 calls; × 1.05 = 20 / 10000 = 0.002 CPU s per item.
    expect(r.retryOverhead).toBeCloseTo(0.05, 15);
    expect(r.cpuSecondsPerCall).toBeCloseTo(20 / 10_500, 15);
    expect(r.cpuSecondsPerItem).toBeCloseTo(0.002, 15);
    // 0.002 × 0.0000125 = 2.5e-8 per item; labor 2/60 h × 30 = 1.00 per item.
    expect(r.costPerItem).toBeCloseTo(2.5e-8, 20);
    expect(r.laborValuePerItem).toBeCloseTo(1, 15);
    expect(r.netSavingsPerItem).toBeCloseTo(0.999999975, 12);
    expect(r.run.laborMinutesSaved).toBe(20_000);
    expect(r.run.laborValue).toBeCloseTo(10_000, 9);
    expect(r.run.computeCost).toBeCloseTo(0.00025, 12);
    expect(r.paybackItems).toBeCloseTo(10_000.00025, 6);
  });

  it('projects 10k, 50k, 100k and 1M items/day with the replicas the measured throughput needs', () => {
    const r = computeRoi(measured());
    expect(r.projections.map((p) => p.itemsPerDay)).toEqual([10_000, 50_000, 100_000, 1_000_000]);
    // 5 items/s per replica = 432,000 items/day per replica: 1M/day needs ⌈2.31⌉ = 3.
    expect(r.projections.map((p) => p.replicas)).toEqual([1, 1, 1, 3]);
    const oneMillion = r.projections[3];
    expect(oneMillion?.cpuSecondsPerDay).toBeCloseTo(2000, 9);
    expect(oneMillion?.computeCostPerDay).toBeCloseTo(0.025, 12);
    expect(oneMillion?.laborHoursSavedPerDay).toBeCloseTo(33_333.333, 3);
    expect(oneMillion?.netSavingsPerDay).toBeCloseTo(999_999.975, 6);
    // Measured rate all day: 864,000 items/day on ⌈2⌉ replicas.
    expect(r.measuredDaily.itemsPerDay).toBe(864_000);
    expect(r.measuredDaily.replicas).toBe(2);
  });

  it('takes assumptions from spec.roi: an expensive CPU makes the cost visible', () => {
    const r = computeRoi(measured(), {
      laborMinutesPerItem: 1.5,
      laborCostPerHour: 40,
      cpuSecondPrice: 100,
      setupCost: 4000,
    });
    // labor 1.5/60 × 40 = 1.00; cost 0.002 × 100 = 0.20; net 0.80; payback 4000 / 0.8 = 5000 items.
    expect(r.laborValuePerItem).toBeCloseTo(1, 12);
    expect(r.costPerItem).toBeCloseTo(0.2, 12);
    expect(r.netSavingsPerItem).toBeCloseTo(0.8, 12);
    expect(r.paybackItems).toBeCloseTo(5000, 9);
    // 10k/day: net 8000/day → payback 0.5 days; compute 2000/day.
    expect(r.projections[0]?.computeCostPerDay).toBeCloseTo(2000, 9);
    expect(r.projections[0]?.netSavingsPerDay).toBeCloseTo(8000, 9);
    expect(r.projections[0]?.paybackDays).toBeCloseTo(0.5, 12);
  });

  it('never pays back when compute costs more than the labor it saves, and copes with an empty run', () => {
    const losing = computeRoi(measured(), { cpuSecondPrice: 1000 });
    expect(losing.netSavingsPerItem).toBeLessThan(0);
    expect(losing.paybackItems).toBe(Number.POSITIVE_INFINITY);
    expect(losing.projections[0]?.paybackDays).toBe(Number.POSITIVE_INFINITY);
    const empty = computeRoi(measured({ itemsProcessed: 0, retries: 0, cpuSeconds: 0 }));
    expect(empty.throughputPerSecond).toBe(0);
    expect(empty.costPerItem).toBe(0);
    expect(Number.isNaN(empty.projections[0]?.replicas)).toBe(true);
  });
});
