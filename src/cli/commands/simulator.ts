// `inventorybot simulator`: the upstream simulator in the foreground.
import { Command } from 'commander';
import { decimal, integer, share } from '../numeric-options.ts';
import { startSimulator } from '../../simulator/server.ts';

export function simulatorCommand(): Command {
  return new Command('simulator')
    .description('run the upstream inventory API simulator (latency, failure injection, exact ledger)')
    .option('--port <port>', 'listen port', integer(0, 65535), 8080)
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--failure-rate <share>', 'transient failure share (500/503/429)', share, 0.2)
    .option(
      '--lost-response-share <share>',
      'share of failures that happen after the effect was applied',
      share,
      0.25,
    )
    .option('--latency-median-ms <ms>', 'median latency', decimal(0), 4)
    .option('--latency-p95-ms <ms>', '95th percentile latency', decimal(0), 15)
    .option('--no-dedupe', 'ignore Idempotency-Key (shows what duplicates would look like)')
    .option('--token <token>', 'require this bearer token')
    .option('--seed <n>', 'random seed', integer(0))
    .action(async (o) => {
      const sim = await startSimulator({
        port: o.port as number,
        host: o.host,
        faults: { failureRate: o.failureRate as number, lostResponseShare: o.lostResponseShare as number },
        latency: { medianMs: o.latencyMedianMs as number, p95Ms: o.latencyP95Ms as number },
        dedupe: o.dedupe,
        ...(o.token ? { token: o.token } : {}),
        ...(o.seed !== undefined ? { seed: o.seed as number } : {}),
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
