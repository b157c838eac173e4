#!/usr/bin/env -S node --max-semi-space-size=8
// `inventorybot`: one file per subcommand under commands/, registered here with one line each.
// The shebang caps V8's young generation (issue 12): outside a container Node sizes it from host memory
// (64 MiB semi-spaces on a 24 GiB host, ~300 MiB RSS for a busy `inventorybot worker`). `inventorybot
// worker` also bounds the old generation: it runs itself again with contracts/worker-heap.ts's flags
// (worker-heap-exec.ts), which would not suit every command (roi reads whole log files).
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

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Usage errors (bad flag value, unknown option, missing argument) exit 2, like a bad config (#9).
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  console.error(`inventorybot: ${redactUrl((error as Error).message)}`);
  process.exit(error instanceof InputError ? 2 : 1);
}
