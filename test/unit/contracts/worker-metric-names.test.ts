import { METRICS, BATCH_DURATION_BUCKETS } from '../../../src/contracts/worker-metric-names.ts';
import { createWorkerMetrics } from '../../../src/worker/metrics.ts';

describe('metric names', () => {
  it('all carry the inventorybot_ prefix, counters end in _total, durations in _seconds', () => {
    for (const name of Object.values(METRICS)) expect(name).toMatch(/^inventorybot_[a-z_]+$/);
    expect(METRICS.batchesTotal.endsWith('_total')).toBe(true);
    expect(METRICS.batchDurationSeconds.endsWith('_seconds')).toBe(true);
  });

  it('has buckets around the 0.3 s / 0.5 s SLOs', () => {
    expect(BATCH_DURATION_BUCKETS).toEqual(expect.arrayContaining([0.05, 0.1, 0.25, 0.3, 0.5, 1]));
  });

  it('registers every name, with the process metrics under the same prefix', async () => {
    const metrics = createWorkerMetrics({ version: 't', consumer: 'c' });
    const text = await metrics.registry.metrics();
    for (const name of Object.values(METRICS)) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toContain('inventorybot_process_cpu_seconds_total');
    expect(text).toContain('inventorybot_process_resident_memory_bytes');
    expect(text).toContain('inventorybot_batches_total{outcome="success"} 0');
  });
});
