#!/usr/bin/env -S node --max-semi-space-size=8
// `inventorybot`. The shebang caps V8's young generation (issue 12): outside a container Node sizes it
// from host memory (64 MiB semi-spaces on a 24 GiB host, ~300 MiB RSS for a busy `inventorybot worker`).
// `inventorybot worker` also bounds the old generation: it runs itself again with contracts/worker-heap.ts's
// flags (worker-heap-exec.ts), which would not suit every command (roi reads whole log files). That
// decision comes first, before the command tree and the worker are loaded: the process that only starts
// the bounded one loaded them for nothing (#12: ~0.4 s of CPU and a second worker's worth of modules).
import { runWithHeapBounds, workerNeedsHeapBounds } from './worker-heap-exec.ts';

if (workerNeedsHeapBounds()) {
  process.exitCode = await runWithHeapBounds();
} else {
  const { runProgram } = await import('./program.ts');
  await runProgram(process.argv);
}
