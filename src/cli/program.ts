// The `inventorybot` command tree: one file per subcommand under commands/, registered here with one line
// each; main.ts loads it.
import { redactUrl } from '../contracts/redaction.ts';
import { Command, CommanderError } from 'commander';
import { PRODUCT_VERSION } from '../contracts/version.ts';
import { InputError } from '../contracts/input-error.ts';
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
  .version(PRODUCT_VERSION)
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

// addCommand() does not pass exitOverride down: without this a subcommand's usage error exits 1 on its own.
const overrideExits = (command: Command): void => {
  command.exitOverride();
  command.commands.forEach(overrideExits);
};
overrideExits(program);

export async function runProgram(argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // Usage errors (bad flag value, unknown option, missing argument) exit 2, like a bad config (#9).
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
    console.error(`inventorybot: ${redactUrl((error as Error).message)}`);
    process.exit(error instanceof InputError ? 2 : 1);
  }
}
