// Our worker as the worker benchmark runs it: exactly src/worker/main.ts (config from INVENTORYBOT_CONFIG
// and the environment, runWorker), except that the metrics port binds 127.0.0.1 and readiness is
// reported over the IPC channel, so the benchmark times the queue drain and not the process start.
import { loadWorkerConfig } from '../../src/worker/config-file.ts';
import { runWorker } from '../../src/worker/run.ts';

const worker = await runWorker(loadWorkerConfig({ ...process.env, INVENTORYBOT_METRICS_HOST: '127.0.0.1' }));
await worker.started;
process.send?.('ready');
process.once('SIGTERM', () => {
  process.disconnect?.();
  worker.shutdown().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
