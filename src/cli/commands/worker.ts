// `inventorybot worker`: a worker in the foreground; flags are shorthands for the env variables.
import { Command } from 'commander';
import { envOverrideNames } from '../../contracts/worker-config.ts';
import { loadWorkerConfig } from '../../worker/config-file.ts';
import { runWorker } from '../../worker/run.ts';
import { followParent } from '../worker-heap-exec.ts';

export function workerCommand(): Command {
  return new Command('worker')
    .description('run a worker (config: INVENTORYBOT_CONFIG file and/or env variables)')
    .option('--config <path>', 'config.json (sets INVENTORYBOT_CONFIG)')
    .option('--redis-url <url>', 'sets REDIS_URL')
    .option('--primary-url <url>', 'sets INVENTORYBOT_UPSTREAM_PRIMARY_URL')
    .option('--secondary-url <url>', 'sets INVENTORYBOT_UPSTREAM_SECONDARY_URL')
    .option('--metrics-port <port>', 'sets INVENTORYBOT_MONITORING_METRICS_PORT')
    .option('--metrics-host <address>', 'sets INVENTORYBOT_METRICS_HOST (default all interfaces)')
    .option('--name <consumer>', 'sets POD_NAME (the consumer name)')
    .addHelpText('after', `\nEnv overrides, one per config field:\n  ${envOverrideNames().join('\n  ')}`)
    .action(async (o) => {
      // main.ts has already run this command again with heap bounds where needed (workerNeedsHeapBounds).
      followParent();
      const flags: Record<string, string | undefined> = {
        INVENTORYBOT_CONFIG: o.config,
        REDIS_URL: o.redisUrl,
        INVENTORYBOT_UPSTREAM_PRIMARY_URL: o.primaryUrl,
        INVENTORYBOT_UPSTREAM_SECONDARY_URL: o.secondaryUrl,
        INVENTORYBOT_MONITORING_METRICS_PORT: o.metricsPort,
        INVENTORYBOT_METRICS_HOST: o.metricsHost,
        POD_NAME: o.name,
      };
      const env = {
        ...process.env,
        ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)),
      };
      let config;
      try {
        config = loadWorkerConfig(env);
      } catch (error) {
        // Name the flag beside the env variable it sets (#9).
        if (error instanceof Error)
          error.message = error.message.replace(
            'INVENTORYBOT_UPSTREAM_PRIMARY_URL',
            'INVENTORYBOT_UPSTREAM_PRIMARY_URL / --primary-url',
          );
        throw error;
      }
      const worker = await runWorker(config);
      // `on`, not `once`: Ctrl-C reaches this process from the terminal and again through the parent
      // (worker-heap-exec.ts); a second signal must not end the graceful shutdown.
      await new Promise<void>((resolve) => {
        process.on('SIGINT', () => resolve());
        process.on('SIGTERM', () => resolve());
      });
      await worker.shutdown();
    });
}
