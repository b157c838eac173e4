// `inventorybot`: one file per subcommand under commands/, registered here with one line each.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../worker/config.ts';
import { alertsCommand } from './commands/alerts.ts';
import { demoCommand } from './commands/demo.ts';
import { dlqCommand } from './commands/dlq.ts';
import { enqueueCommand } from './commands/enqueue.ts';
import { queueCommand } from './commands/queue.ts';
import { roiCommand } from './commands/roi.ts';
import { simulateLogsCommand } from './commands/simulate-logs.ts';
import { simulatorCommand } from './commands/simulator.ts';
import { workerCommand } from './commands/worker.ts';

const program = new Command('inventorybot')
  .description('InventoryBot: enqueue batches, inspect the queue and the dead-letter stream, run workers')
  .version('0.1.0')
  .exitOverride();

program.addCommand(enqueueCommand());
program.addCommand(queueCommand());
program.addCommand(dlqCommand());
program.addCommand(simulatorCommand());
program.addCommand(workerCommand());
program.addCommand(demoCommand());
program.addCommand(alertsCommand());
program.addCommand(simulateLogsCommand());
program.addCommand(roiCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  console.error(`inventorybot: ${(error as Error).message}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
}
