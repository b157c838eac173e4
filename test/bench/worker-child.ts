// Our worker as the worker benchmark runs it: exactly src/worker/main.ts (config from INVENTORYBOT_CONFIG
// and the environment, runWorker), except that the metrics port binds 127.0.0.1 and readiness is
// reported over the IPC channel, so the benchmark times the queue drain and not the process start.
import { loadWorkerConfig } from '../../src/worker/config-file.ts';
import { runWorker } from '../../src/worker/run.ts';

// BENCH_HEAP_PROFILE=file (#12, diagnosis only): sampled allocations of the drain, garbage included; with
// BENCH_HEAP_PROFILE_SURVIVORS=1 only what survived a young-generation collection (promoted: the old
// generation's growth that the scavenges pay to copy).
const heapProfile = process.env.BENCH_HEAP_PROFILE;
const survivorsOnly = process.env.BENCH_HEAP_PROFILE_SURVIVORS === '1';
const inspector = heapProfile ? new (await import('node:inspector/promises')).Session() : undefined;
if (inspector) {
  inspector.connect();
  await inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: !survivorsOnly,
  });
}
const worker = await runWorker(loadWorkerConfig({ ...process.env, INVENTORYBOT_METRICS_HOST: '127.0.0.1' }));
await worker.started;
process.send?.('ready');
process.once('SIGTERM', () => {
  process.disconnect?.();
  const written = inspector
    ? inspector.post('HeapProfiler.stopSampling').then(async ({ profile }) => {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(heapProfile as string, JSON.stringify(profile));
      })
    : Promise.resolve();
  written
    .then(() => worker.shutdown())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
});
