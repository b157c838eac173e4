// Per-project test timeouts. Jest reads `testTimeout` only from the root config, not from a project's
// (a project-level value is silently ignored and every test got 5 s: slow machines failed at random), so
// each test file sets its own from where it lives.
import { expect, jest } from '@jest/globals';

const path = expect.getState().testPath ?? '';
const timeoutMs = path.includes('/test/unit/')
  ? 10_000
  : path.includes('/test/e2e/')
    ? 900_000
    : path.includes('/test/integration/cluster/')
      ? 180_000
      : 120_000;
jest.setTimeout(timeoutMs);
