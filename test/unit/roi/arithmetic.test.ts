import {
  computeRoi,
  DEFAULT_INPUTS,
  DEFAULT_ROI,
  modelRoi,
  PROJECTION_VOLUMES,
  type MeasuredFigures,
} from '../../../src/roi/arithmetic.ts';

const measured = (over: Partial<MeasuredFigures> = {}): MeasuredFigures => ({
  source: 'hand',
  start: 0,
  periodSeconds: 7200,
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

describe('ROI model (hand-computed)', () => {
  it('defaults: spec.roi, spec.resources and spec.scaling of the schema, the chart operator, a Redis pod', () => {
    expect(DEFAULT_ROI).toEqual({
      laborMinutesPerItem: 2,
      laborCostPerHour: 30,
      cpuSecondPrice: 0.0000125,
      setupCost: 10000,
      currency: 'USD',
    });
    expect(DEFAULT_INPUTS).toMatchObject({
      memoryGiBHourPrice: 0.005,
      worker: { cpuCores: 0.1, memoryGiB: 0.125 },
      minReplicas: 2,
      targetCpuUtilization: 0.7,
      operator: { replicas: 2, cpuCores: 0.05, memoryGiB: 0.09375 },
      redis: { replicas: 1, cpuCores: 0.1, memoryGiB: 0.25, monthlyCost: 0 },
    });
    expect(PROJECTION_VOLUMES).toEqual([10_000, 50_000, 100_000, 1_000_000]);
  });

  // The plan's sample: 12k transactions/day, 0.03 CPU-s each, 1,800 setup, ~3.7-month payback. It leaves the
  // labor saved per transaction and the footprint unstated. With the default prices and footprint (2 workers,
  // the plans' N+1 minReplicas (#15), 100m/128Mi each, 2 operator pods 50m/96Mi, a Redis pod 100m/256Mi) the
  // footprint costs 0.5145/day, so 3.7 months (112.6 days) needs about 16.5/day of labor: 0.00275 labor
  // minutes (0.165 s) per transaction at 30/h. The 2-minute default would pay 1,800 back in under 4 hours.
  it('reproduces the plan sample: 12k/day, 0.03 CPU-s each, 1,800 setup → ~3.7 months', () => {
    const r = modelRoi(
      {
        itemsPerDay: 12_000,
        volumeBasis: 'plan sample',
        cpuSecondsPerItem: 0.03,
        replicaThroughput: Number.NaN,
        replicaThroughputBasis: 'unknown',
      },
      { setupCost: 1800, laborMinutesPerItem: 0.00275 },
    );
    // 360 CPU-s/day = 0.0042 cores, under 70 % of one 100m request: minReplicas, 2 workers.
    expect(r.current.cpuSecondsPerDay).toBeCloseTo(360, 9);
    expect(r.current.workerReplicas).toBe(2);
    // Workers 2 × 24 × (0.1 × 0.045 + 0.125 × 0.005) = 0.246; operator 2 × 24 × (0.05 × 0.045 + 0.09375 ×
    // 0.005) = 0.1305; Redis 24 × (0.1 × 0.045 + 0.25 × 0.005) = 0.138.
    expect(r.current.cost.workers).toBeCloseTo(0.246, 12);
    expect(r.current.cost.operator).toBeCloseTo(0.1305, 12);
    expect(r.current.cost.redis).toBeCloseTo(0.138, 12);
    expect(r.current.cost.total).toBeCloseTo(0.5145, 12);
    // Labor 12000 × 0.00275 / 60 × 30 = 16.5/day; net 15.9855/day; 1800 / 15.9855 = 112.60 days = 3.70 months.
    expect(r.current.laborValue).toBeCloseTo(16.5, 12);
    expect(r.current.netSavings).toBeCloseTo(15.9855, 12);
    expect(r.current.paybackDays).toBeCloseTo(112.602, 3);
    expect(Number(r.current.paybackMonths.toFixed(1))).toBe(3.7);
    // At 1M/day the CPU needs 30000 CPU-s/day = 0.347 cores: ⌈0.347 / 0.07⌉ = 5 workers.
    expect(r.projections.map((p) => p.workerReplicas)).toEqual([2, 2, 2, 5]);
    expect(r.projections[3]?.cost.workers).toBeCloseTo(5 * 0.123, 12);
  });

  it('measured over a window of an hour or more: the volume and the replicas paid for are the measured ones', () => {
    const r = computeRoi(measured());
    // 10000 items in 2 h = 120,000/day on 2 replicas on average.
    expect(r.workload.itemsPerDay).toBeCloseTo(120_000, 9);
    expect(r.workload.volumeBasis).toMatch(/^measured: 10,000 items over the 2 h window/);
    expect(r.current.workerReplicas).toBe(2);
    expect(r.workload.cpuSecondsPerItem).toBeCloseTo(0.002, 15);
    expect(r.retryOverhead).toBeCloseTo(0.05, 15);
    // Labor: 120000 × 2 / 60 × 30 = 120,000/day; cost: 2 × 0.123 + 0.1305 + 0.138 = 0.5145.
    expect(r.current.laborValue).toBeCloseTo(120_000, 6);
    expect(r.current.cost.total).toBeCloseTo(0.5145, 12);
    expect(r.costPerItem).toBeCloseTo(0.5145 / 120_000, 15);
    expect(r.run).toEqual({ laborMinutesSaved: 20_000, laborValue: 10_000, cpuSeconds: 20 });
  });

  it('a short capacity run is not a daily volume: the plan baseline (or --items-per-day) is used instead', () => {
    const short = computeRoi(measured({ periodSeconds: 60 }));
    expect(short.workload.itemsPerDay).toBe(10_000);
    expect(short.workload.volumeBasis).toMatch(/10k\/day baseline: the 60 s window is a capacity run/);
    const given = computeRoi(measured({ periodSeconds: 60 }), { itemsPerDay: 50_000 });
    expect(given.workload.itemsPerDay).toBe(50_000);
    expect(given.workload.volumeBasis).toBe('given (--items-per-day)');
  });

  it('starts the busy span at the first upstream call, not the first acknowledged batch (#12)', () => {
    // A worker holding several batches calls the upstream for 15 s before its first batch is acknowledged.
    const timeline = [
      [0, 0],
      [0, 30],
      [60, 30],
      [0, 0],
    ].map(([items, calls], i) => ({
      time: (i + 1) * 15_000,
      itemsPerSecond: items as number,
      upstreamCallsPerSecond: calls as number,
      errorRatePercent: 0,
      retryRatePercent: 0,
      p50: 0.1,
      p95: 0.2,
      p99: 0.3,
    }));
    const r = computeRoi(measured({ timeline, periodSeconds: 60, itemsProcessed: 900, replicas: 1 }));
    // 900 items over the 30 s the upstream was called: 30 per replica (from the acknowledgement alone: 60).
    expect(r.workload.replicaThroughput).toBe(30);
  });

  it('sizes replicas from the per-replica rate of the busy intervals, or a given throughput', () => {
    const timeline = [0, 40, 20, 0].map((rate, i) => ({
      time: (i + 1) * 15_000,
      itemsPerSecond: rate,
      errorRatePercent: 0,
      retryRatePercent: 0,
      p50: 0.1,
      p95: 0.2,
      p99: 0.3,
    }));
    // minReplicas 1 stated: the sizing, not the default floor of 2, is what this checks.
    const r = computeRoi(measured({ timeline, periodSeconds: 60, itemsProcessed: 1500, cpuSeconds: 1.5 }), {
      minReplicas: 1,
    });
    // Busy intervals: 15 s at 40/s + 15 s at 20/s = 900 items in 30 s on 2 replicas = 15 per replica
    // (1,296,000/day per replica); 0.001 CPU-s per item.
    expect(r.workload.replicaThroughput).toBe(15);
    expect(r.projections.map((p) => p.workerReplicas)).toEqual([1, 1, 1, 1]);
    const slow = computeRoi(
      measured({ timeline, periodSeconds: 60, itemsProcessed: 1500, cpuSeconds: 1.5 }),
      {
        replicaThroughput: 2,
        minReplicas: 1,
      },
    );
    // 1M/day = 11.57/s ÷ 2 = ⌈5.79⌉ = 6; 100k/day = 1.157/s ÷ 2 → 1.
    expect(slow.projections.map((p) => p.workerReplicas)).toEqual([1, 1, 1, 6]);
    const floor = computeRoi(
      measured({ timeline, periodSeconds: 60, itemsProcessed: 1500, cpuSeconds: 1.5 }),
      {
        minReplicas: 3,
      },
    );
    expect(floor.projections.map((p) => p.workerReplicas)).toEqual([3, 3, 3, 3]);
  });

  it('prices requests with the given prices and a managed Redis, and never pays back at a loss', () => {
    const r = modelRoi(
      {
        itemsPerDay: 10_000,
        volumeBasis: 'given',
        cpuSecondsPerItem: 0.001,
        replicaThroughput: 50,
        replicaThroughputBasis: 'given',
      },
      {
        cpuSecondPrice: 0.0001, // 0.36 per core-hour
        memoryGiBHourPrice: 0.01,
        worker: { cpuCores: 0.5, memoryGiB: 1 },
        operator: { replicas: 1, cpuCores: 0, memoryGiB: 0 },
        redis: { replicas: 0, cpuCores: 0, memoryGiB: 0, monthlyCost: 304.375 },
        laborMinutesPerItem: 0.01,
        laborCostPerHour: 60,
        setupCost: 1000,
      },
    );
    // Workers (the default minReplicas, 2) 2 × 24 × (0.5 × 0.36 + 1 × 0.01) = 9.12; Redis 304.375 / 30.4375 =
    // 10; labor 10000 × 0.01 = 100.
    expect(r.current.cost.workers).toBeCloseTo(9.12, 12);
    expect(r.current.cost.redis).toBeCloseTo(10, 12);
    expect(r.current.laborValue).toBeCloseTo(100, 12);
    expect(r.current.paybackDays).toBeCloseTo(1000 / 80.88, 9);
    const losing = modelRoi(r.workload, { ...r.inputs, laborMinutesPerItem: 0.0001 });
    expect(losing.current.netSavings).toBeLessThan(0);
    expect(losing.current.paybackDays).toBe(Number.POSITIVE_INFINITY);
  });
});
