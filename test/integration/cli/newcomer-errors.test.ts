// What a newcomer meets first (#9): every bad input is one clear line naming the problem, with a usage exit
// code, never a stack trace, NaN work or an empty message. The real entry points in child processes.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function node(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--experimental-strip-types', '--no-warnings', resolve(script), ...args],
      // An unreachable Redis on a closed port: a command that validated its flags would fail later, not hang.
      { timeout: 30_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}
const cli = (args: string[], env?: NodeJS.ProcessEnv) => node('src/cli/main.ts', args, env);
const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m);

describe('CLI numeric flags', () => {
  // Every numeric flag is wired to a parser (the parsers' edge cases are unit tests in numeric-options).
  const cases: Array<[string[], string]> = [
    [['enqueue', '--redis-url', 'redis://127.0.0.1:1'], '--count'],
    [['enqueue', '--redis-url', 'redis://127.0.0.1:1'], '--warehouses'],
    [['enqueue', '--redis-url', 'redis://127.0.0.1:1'], '--seed'],
    [['enqueue', '--redis-url', 'redis://127.0.0.1:1'], '--rate'],
    [['enqueue', '--redis-url', 'redis://127.0.0.1:1'], '--unknown-sku-rate'],
    [['demo'], '--workers'],
    [['demo'], '--batches'],
    [['demo'], '--failure-rate'],
    [['demo'], '--timeout'],
    [['simulator'], '--port'],
    [['simulator'], '--failure-rate'],
    [['dlq', 'list', '--redis-url', 'redis://127.0.0.1:1'], '--limit'],
  ];
  it('rejects a value that is not a number with exit 2, naming the flag', async () => {
    const runs = await Promise.all(cases.map(([command, flag]) => cli([...command, flag, 'abc'])));
    runs.forEach((run, i) => {
      const flag = cases[i]?.[1];
      expect({ flag, code: run.code }).toEqual({ flag, code: 2 });
      expect(run.stderr).toContain(`${flag}`);
      expect(run.stderr).toContain("argument 'abc' is invalid");
      noStack(run.stderr);
    });
  }, 120_000);

  it('a share above 1 is rejected too', async () => {
    const run = await cli(['enqueue', '--unknown-sku-rate', '1.5']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--unknown-sku-rate.*from 0 to 1/s);
  }, 60_000);
});

describe('entry points without what they need', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'newcomer-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the operator with a KUBECONFIG that does not exist says so in one line', async () => {
    const missing = join(dir, 'no-such-kubeconfig');
    const run = await node('src/operator/main.ts', [], { KUBECONFIG: missing });
    expect(run.code).toBe(2);
    const output = `${run.stdout}${run.stderr}`.trim();
    expect(output).toContain(missing);
    expect(output.split('\n')).toHaveLength(1);
    noStack(output);
  }, 60_000);

  it('the worker without a primary URL names the flag and the environment variable', async () => {
    const run = await cli(['worker'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('INVENTORYBOT_UPSTREAM_PRIMARY_URL');
    expect(run.stderr).toMatch(/--primary-url|upstream\.primaryUrl/);
    noStack(run.stderr);
  }, 60_000);

  it('alerts --bot on a bad manifest names each bad field', async () => {
    const bot = join(dir, 'bad-bot.yaml');
    writeFileSync(
      bot,
      'apiVersion: inventorybot.io/v1alpha1\nkind: InventoryBot\nmetadata: {name: x}\nspec:\n  slo:\n    errorRatePercent: lots\n    batchP95Seconds: -3\n',
    );
    const log = join(dir, 'empty.jsonl');
    writeFileSync(log, '');
    const run = await cli(['alerts', '--bot', bot, '--alerts-log', join(dir, 'alerts.log'), log]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('spec.slo.errorRatePercent');
    expect(run.stderr).toContain('spec.slo.batchP95Seconds');
    expect(run.stderr).toContain(bot);
    noStack(run.stderr);
  }, 60_000);
});
