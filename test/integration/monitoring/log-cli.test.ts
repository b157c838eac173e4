// The real CLI (src/cli/main.ts in a child process): simulate-logs is reproducible, and alerts fires on a
// dataset generated with a high error rate and stays silent on a healthy one.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ALERT_NAMES } from '../../../src/monitoring/alert-rules.ts';

const CLI = resolve('src/cli/main.ts');
const START = '2026-04-01T10:00:00Z';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--experimental-strip-types', '--no-warnings', CLI, ...args],
      { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

describe('inventorybot simulate-logs and alerts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'log-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the same dataset for the same seed, byte for byte', async () => {
    const args = ['simulate-logs', '-n', '1500', '--seed', '11', '--start', START, '--error-rate', '0.1'];
    const [a, b] = await Promise.all([
      cli([...args, '-o', join(dir, 'a.jsonl')]),
      cli([...args, '-o', join(dir, 'b.jsonl')]),
    ]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
    const text = readFileSync(join(dir, 'a.jsonl'), 'utf8');
    expect(text.trim().split('\n')).toHaveLength(1501);
    expect(readFileSync(join(dir, 'b.jsonl'), 'utf8')).toBe(text);
    const other = await cli([
      'simulate-logs',
      '-n',
      '1500',
      '--seed',
      '12',
      '--start',
      START,
      '--error-rate',
      '0.1',
    ]);
    expect(other.stdout).not.toBe(text);
  });

  it('alerts on a high error rate dataset: prints, appends to the alerts log, exits 1', async () => {
    const data = join(dir, 'bad.jsonl');
    const alertsLog = join(dir, 'alerts.log');
    const gen = await cli([
      'simulate-logs',
      '-n',
      '1500',
      '--seed',
      '5',
      '--start',
      START,
      '--error-rate',
      '0.15',
      '-o',
      data,
    ]);
    expect(gen.code).toBe(0);
    const run = await cli(['alerts', data, '--until', 'latest', '--window', '1h', '--alerts-log', alertsLog]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`ALERT ${ALERT_NAMES.errorRate}`);
    const logged = readFileSync(alertsLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { alert: string; value: number; threshold: number });
    const errorRate = logged.find((a) => a.alert === ALERT_NAMES.errorRate);
    expect(errorRate?.threshold).toBe(2);
    // Items, as the metric counts them: 15 % of batches fail; a failed batch's items are 25 % failed, a
    // dead-lettered one's all, an invalid one has none: about 0.15 × (0.7 × 0.25 + 0.2) = 5.6 %.
    expect(errorRate?.value).toBeGreaterThan(4);
    expect(errorRate?.value).toBeLessThan(8);
  });

  it('stays silent on a healthy dataset and exits 0', async () => {
    const data = join(dir, 'good.jsonl');
    const alertsLog = join(dir, 'quiet.log');
    expect(
      (await cli(['simulate-logs', '-n', '1500', '--seed', '5', '--start', START, '-o', data])).code,
    ).toBe(0);
    const run = await cli(['alerts', data, '--until', 'latest', '--window', '1h', '--alerts-log', alertsLog]);
    expect(run.stdout).toContain('1500 batches');
    expect(run.stdout).toContain('no alerts');
    expect(run.code).toBe(0);
    expect(() => readFileSync(alertsLog)).toThrow(/ENOENT/);
  });

  it('looks at the last 5 minutes by default: an old dataset gives no batches and no alerts', async () => {
    const data = join(dir, 'old.jsonl');
    await cli([
      'simulate-logs',
      '-n',
      '200',
      '--seed',
      '5',
      '--start',
      START,
      '--error-rate',
      '0.5',
      '-o',
      data,
    ]);
    const run = await cli(['alerts', data, '--no-alerts-log']);
    expect(run.stdout).toContain(': 0 batches');
    expect(run.code).toBe(0);
    // Generated to end now (no --start), the same error rate is inside the default window.
    const recent = join(dir, 'recent.jsonl');
    await cli(['simulate-logs', '-n', '200', '--seed', '5', '--error-rate', '0.5', '-o', recent]);
    const fired = await cli(['alerts', recent, '--no-alerts-log']);
    expect(fired.stdout).toContain(`ALERT ${ALERT_NAMES.errorRate}`);
    expect(fired.code).toBe(1);
  });
});
