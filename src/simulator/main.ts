// Entry point: `npm run simulator` / `inventorybot simulator`. Settings from env (see options.ts).
import { simulatorOptionsFromEnv } from './options.ts';
import { startSimulator } from './server.ts';
import { createLogger } from '../contracts/logger.ts';

const options = simulatorOptionsFromEnv(process.env);
const simulator = await startSimulator(options);
createLogger({ level: 'info' }).info('simulator_start', { url: simulator.url, ...options });
const stop = () => {
  simulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
