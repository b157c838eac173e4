// `promtool test rules` on the synthetic series in test/monitoring/promtool/: each alert fires when it
// should and stays silent when it should not. Runs the committed rules file (the unit stale check keeps it
// equal to src/monitoring/alert-rules.ts), then proves the tests bite by running them against rules with
// other thresholds.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { requireBinary } from '../../support/required-binary.ts';
import { ALERT_NAMES, alertRuleGroups } from '../../../src/monitoring/alert-rules.ts';

const PROMTOOL = requireBinary(process.env.PROMTOOL ?? '/usr/bin/promtool');
const TEST_DIR = resolve('test/monitoring/promtool');
const testFiles = readdirSync(TEST_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function promtool(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise) => {
    execFile(PROMTOOL, args, { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolvePromise({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('promtool test rules', () => {
  it('has a test file for every alert, each asserting it fires somewhere', () => {
    const all = testFiles.map((f) => readFileSync(join(TEST_DIR, f), 'utf8')).join('\n');
    for (const alert of Object.values(ALERT_NAMES)) {
      // Each alert is expected to fire (exp_labels) in one case and to be silent (exp_alerts: []) in another.
      const cases = all.split(`alertname: ${alert}\n`).slice(1);
      expect({ alert, fires: cases.some((c) => /^\s+exp_alerts:\n\s+- exp_labels/.test(c)) }).toEqual({
        alert,
        fires: true,
      });
      expect({ alert, silent: cases.some((c) => /^\s+exp_alerts: \[\]/.test(c)) }).toEqual({
        alert,
        silent: true,
      });
    }
  });

  it('passes on the committed rules file', async () => {
    const result = await promtool(['test', 'rules', ...testFiles], TEST_DIR);
    expect(result.output).not.toContain('FAILED');
    expect(result.output.match(/SUCCESS/g)?.length).toBe(testFiles.length);
    expect(result.code).toBe(0);
  });

  it('fails when the thresholds do not match what the tests expect', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
    try {
      // Rules with loose thresholds: the "fires" cases must now fail.
      const loose = alertRuleGroups({
        slo: { errorRatePercent: 10, retryRatePercent: 20, batchP95Seconds: 1, batchP99Seconds: 2 },
      });
      writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: loose }));
      for (const f of ['error-rates.yaml', 'latency.yaml']) {
        const text = readFileSync(join(TEST_DIR, f), 'utf8').replace(
          '../../../charts/inventorybot-operator/files/prometheus-rules.yaml',
          'rules.yaml',
        );
        writeFileSync(join(dir, f), text);
      }
      const result = await promtool(['test', 'rules', 'error-rates.yaml', 'latency.yaml'], dir);
      expect(result.code).not.toBe(0);
      for (const alert of [
        ALERT_NAMES.errorRate,
        ALERT_NAMES.retryRate,
        ALERT_NAMES.latencyP95,
        ALERT_NAMES.latencyP99,
      ]) {
        expect(result.output).toContain(`alertname: ${alert}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
