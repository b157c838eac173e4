// Worker entry point (`npm run worker`, the container's command). Exit codes: 0 after a SIGTERM/SIGINT
// shutdown, 2 on invalid configuration, 1 on a startup failure.
import { ConfigError } from './config.ts';
import { loadWorkerConfig } from './config-file.ts';
import { runWorker } from './run.ts';
import { createLogger, stderrSink } from '../contracts/logger.ts';

let config;
try {
  config = loadWorkerConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}

try {
  const worker = await runWorker(config);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    worker.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  // The one line schema (#16), on stderr as before: the worker's own logger may not exist yet.
  createLogger({ level: 'error', sinks: [stderrSink] }).error('bot_start_failed', { error });
  process.exit(1);
}
