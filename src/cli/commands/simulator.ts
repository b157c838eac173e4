// `inventorybot simulator`: the upstream simulator in the foreground.
import { Command } from 'commander';
import { startSimulator } from '../../simulator/server.ts';

export function simulatorCommand(): Command {
  return new Command('simulator')
    .description('run the upstream inventory API simulator (latency, failure injection, exact ledger)')
    .option('--port <port>', 'listen port', '8080')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--failure-rate <share>', 'transient failure share (500/503/429)', '0.2')
    .option(
      '--lost-response-share <share>',
      'share of failures that happen after the effect was applied',
      '0.25',
    )
    .option('--latency-median-ms <ms>', 'median latency', '4')
    .option('--latency-p95-ms <ms>', '95th percentile latency', '15')
    .option('--no-dedupe', 'ignore Idempotency-Key (shows what duplicates would look like)')
    .option('--token <token>', 'require this bearer token')
    .option('--seed <n>', 'random seed')
    .action(async (o) => {
      const sim = await startSimulator({
        port: Number(o.port),
        host: o.host,
        faults: { failureRate: Number(o.failureRate), lostResponseShare: Number(o.lostResponseShare) },
        latency: { medianMs: Number(o.latencyMedianMs), p95Ms: Number(o.latencyP95Ms) },
        dedupe: o.dedupe,
        ...(o.token ? { token: o.token } : {}),
        ...(o.seed ? { seed: Number(o.seed) } : {}),
      });
      console.error(
        `simulator listening on ${sim.url} (GET /admin/ledger, POST /admin/outage, GET /metrics)`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await sim.close();
    });
}
